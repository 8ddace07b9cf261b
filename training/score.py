#!/usr/bin/env python3
"""Scores an analyzer's answers (the JSON lines `trellin analyze` writes) against the labels of
training/emails/*.jsonl: sentiment macro-F1, action_needed F1, flagged precision and recall,
issue macro-F1, over the emails of one split.

    python3 training/score.py --split dev --input > in.jsonl
    trellin analyze < in.jsonl > answers.jsonl
    python3 training/score.py --split dev answers.jsonl

`--split` is train, dev or test (the sealed split: score it once, at the end).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def f1(pairs, positive):
    tp = sum(t == positive and p == positive for t, p in pairs)
    fp = sum(t != positive and p == positive for t, p in pairs)
    fn = sum(t == positive and p != positive for t, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (2 * precision * recall / (precision + recall) if precision + recall else 0.0), precision, recall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev", choices=["train", "dev", "test"])
    parser.add_argument("--input", action="store_true", help="print the split's emails as analyze input")
    parser.add_argument("answers", nargs="?")
    args = parser.parse_args()
    emails = [e for e in train.load() if train.split_of(e["id"]) == args.split]
    if args.input:
        for e in emails:
            print(json.dumps({"id": e["id"], "subject": e["subject"], "body": e["body"]}, ensure_ascii=False))
        return
    labels = {e["id"]: e for e in emails}
    answers = {}
    with open(args.answers, encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a.get("id") in labels:
                answers[a["id"]] = a
    pairs = [(labels[i], answers[i]) for i in labels if i in answers]
    print(f"{len(pairs)} of {len(labels)} {args.split} emails answered")
    sentiment = [(l["sentiment"], a["sentiment"]) for l, a in pairs]
    macro = sum(f1(sentiment, c)[0] for c in ("happy", "neutral", "unhappy")) / 3
    action = f1([(l["action_needed"], a["action_needed"]) for l, a in pairs], True)
    flag = f1([(l["flagged"], a["flagged"]) for l, a in pairs], True)
    issues = [(l["issue"] or "none", a.get("issue") or "none") for l, a in pairs]
    issue_macro = sum(f1(issues, c)[0] for c in train.HEADS["issue"]) / len(train.HEADS["issue"])
    print(f"sentiment macro-F1 {macro:.3f} (accuracy {sum(t == p for t, p in sentiment) / len(pairs):.3f})")
    print(f"action_needed F1 {action[0]:.3f} (precision {action[1]:.3f}, recall {action[2]:.3f})")
    print(f"flagged F1 {flag[0]:.3f} (precision {flag[1]:.3f}, recall {flag[2]:.3f})")
    print(f"issue macro-F1 {issue_macro:.3f}")


if __name__ == "__main__":
    main()
