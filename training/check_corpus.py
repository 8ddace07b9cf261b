#!/usr/bin/env python3
"""Checks the labelled training emails (training/emails/*.jsonl): every line well-formed and
labelled by the guideline's vocabulary, ids unique, no body twice; prints each file's mix.

    python3 training/check_corpus.py [FILE ...]      (default: every file in training/emails)
"""
import collections
import json
import pathlib
import sys

SENTIMENTS = {"happy", "neutral", "unhappy"}
ISSUES = {None, "bug", "delay", "billing", "slow_response", "quality", "compliance"}
LANGUAGES = {"en", "de", "fr", "es"}
TAGS = {
    "sarcasm", "polite_complaint", "negated_praise", "resigned_acceptance", "calm_notice",
    "flag_lookalike", "bug_report", "chase", "auto_reply", "injection", "mixed", "praise_with_request",
    "venting_no_reply", "go_ahead", "acknowledgement", "question", "request", "scheduling", "escalation",
    "cancellation", "refund_demand", "payment_withheld", "legal", "public_complaint", "complaint",
    "praise", "information", "billing_question", "topic_negative",
}
FIELDS = {"id", "subject", "body", "from_role", "sentiment", "action_needed", "waiting_for",
          "flagged", "issue", "language", "tags"}


def check(paths):
    ids, bodies, problems = set(), {}, []
    for path in paths:
        mix = collections.Counter()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError as err:
                problems.append(f"{where}: not JSON ({err})")
                continue
            missing = FIELDS - e.keys()
            extra = e.keys() - FIELDS
            if missing or extra:
                problems.append(f"{where}: missing {sorted(missing)} extra {sorted(extra)}")
                continue
            if e["id"] in ids:
                problems.append(f"{where}: id {e['id']} used twice")
            ids.add(e["id"])
            if not isinstance(e["subject"], str) or not isinstance(e["body"], str) or not e["body"].strip():
                problems.append(f"{where}: subject and body must be text, body not empty")
                continue
            key = " ".join(e["body"].lower().split())[:120]
            if key in bodies:
                problems.append(f"{where}: body repeats {bodies[key]}")
            bodies[key] = where
            if e["from_role"] != "customer":
                problems.append(f"{where}: from_role must be customer")
            if e["sentiment"] not in SENTIMENTS:
                problems.append(f"{where}: sentiment {e['sentiment']!r}")
            for flag in ("action_needed", "flagged"):
                if not isinstance(e[flag], bool):
                    problems.append(f"{where}: {flag} must be true or false")
            if e["waiting_for"] is not None and not (isinstance(e["waiting_for"], str) and e["waiting_for"].strip()):
                problems.append(f"{where}: waiting_for must be text or null")
            if e["issue"] not in ISSUES:
                problems.append(f"{where}: issue {e['issue']!r}")
            if e["language"] not in LANGUAGES:
                problems.append(f"{where}: language {e['language']!r}")
            if not isinstance(e["tags"], list) or any(t not in TAGS for t in e["tags"]):
                problems.append(f"{where}: tags {e['tags']!r} (known: {sorted(TAGS)})")
                continue
            mix[e["sentiment"]] += 1
            mix["action" if e["action_needed"] else "no_action"] += 1
            mix["flagged"] += e["flagged"]
            mix["total"] += 1
            for t in e["tags"]:
                mix["#" + t] += 1
        print(f"{path.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(ids)} emails, {len(problems)} problems")
    return not problems


if __name__ == "__main__":
    args = [pathlib.Path(a) for a in sys.argv[1:]]
    if not args:
        args = sorted((pathlib.Path(__file__).parent / "emails").glob("*.jsonl"))
    sys.exit(0 if check(args) else 1)
