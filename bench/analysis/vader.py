#!/usr/bin/env python3
"""VADER beside Trellin's built-in analyzer on the labelled customer emails.

  compare [LABELLED]  the issue's figures for both, side by side: sentiment macro-F1 (and
                      per class), action_needed F1, flagged recall. VADER labels sentiment
                      only (compound >= 0.05 happy, <= -0.05 unhappy, else neutral).
  speed LABELLED      VADER's throughput on the same texts, emails/s (used by
                      `cargo bench --bench analysis`).

Needs PyPI `vadersentiment`. `compare` runs `trellin analyze` from TRELLIN_BIN, else through
`cargo run --release`.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT.parent / "shared" / "corpus" / "labeled-emails" / "labeled.jsonl"
CLASSES = ["happy", "neutral", "unhappy"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def text_of(row):
    return f"{row.get('subject', '')}\n{row['body']}"


def vader_label(analyzer, text):
    compound = analyzer.polarity_scores(text)["compound"]
    if compound >= 0.05:
        return "happy"
    if compound <= -0.05:
        return "unhappy"
    return "neutral"


def f1(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def sentiment_scores(rows, predicted):
    per = []
    for c in CLASSES:
        tp = sum(1 for r in rows if r["sentiment"] == c and predicted[r["id"]] == c)
        fp = sum(1 for r in rows if r["sentiment"] != c and predicted[r["id"]] == c)
        fn = sum(1 for r in rows if r["sentiment"] == c and predicted[r["id"]] != c)
        per.append(f1(tp, fp, fn))
    return sum(per) / len(per), per


def trellin(rows):
    feed = "".join(
        json.dumps({"id": r["id"], "subject": r.get("subject", ""), "body": r["body"]}) + "\n"
        for r in rows
    )
    binary = os.environ.get("TRELLIN_BIN")
    command = [binary, "analyze"] if binary else [
        "cargo", "run", "-q", "--release", "--bin", "trellin", "--", "analyze"]
    out = subprocess.run(command, input=feed, capture_output=True, text=True, cwd=ROOT, check=True)
    return {a["id"]: a for a in map(json.loads, out.stdout.splitlines())}


def compare(path):
    rows = load(path)
    analyzer = SentimentIntensityAnalyzer()
    vader = {r["id"]: vader_label(analyzer, text_of(r)) for r in rows}
    ours = trellin(rows)
    ours_sentiment = {i: a["sentiment"] for i, a in ours.items()}
    t_macro, t_per = sentiment_scores(rows, ours_sentiment)
    v_macro, v_per = sentiment_scores(rows, vader)
    a = [(r["action_needed"], ours[r["id"]]["action_needed"]) for r in rows]
    action = f1(sum(1 for w, g in a if w and g), sum(1 for w, g in a if not w and g),
                sum(1 for w, g in a if w and not g))
    flagged = [r for r in rows if r["flagged"]]
    recall = sum(1 for r in flagged if ours[r["id"]]["flagged"]) / len(flagged)
    print(f"{len(rows)} labelled emails ({path})")
    print(f"{'':28}{'trellin':>10}{'VADER':>10}   bar")
    print(f"{'sentiment macro-F1':28}{t_macro:>10.3f}{v_macro:>10.3f}   >= 0.85")
    for c, t, v in zip(CLASSES, t_per, v_per):
        print(f"{'  F1 ' + c:28}{t:>10.3f}{v:>10.3f}")
    print(f"{'action_needed F1':28}{action:>10.3f}{'n/a':>10}   >= 0.85")
    print(f"{'flagged recall':28}{recall:>10.3f}{'n/a':>10}   >= 0.95")
    print("(VADER rates sentiment only: compound >= 0.05 happy, <= -0.05 unhappy)")


def speed(path):
    texts = [text_of(r) for r in load(path)]
    analyzer = SentimentIntensityAnalyzer()
    # The fastest of ten 0.3 s rounds, as the Rust bench measures ours: on a shared machine a
    # slow round measures the neighbours.
    best = 0.0
    for _ in range(10):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < 0.3:
            for t in texts:
                analyzer.polarity_scores(t)
            done += len(texts)
        best = max(best, done / (time.perf_counter() - started))
    print(f"{best:.1f}")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "compare"
    target = sys.argv[2] if len(sys.argv) > 2 else DEFAULT
    {"compare": compare, "speed": speed}[mode](target)
