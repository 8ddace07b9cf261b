"""Writes the benchmark input: every body of the email-forward-parser corpus, with its subject
when the case has one, repeated N times, as JSON Lines {"id", "body", "subject"?}."""
import json
import pathlib
import sys

corpus = pathlib.Path(sys.argv[1])
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 50
cases = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))["cases"]
out = sys.stdout
for round_ in range(repeat):
    for case in cases:
        body = (corpus / case["body_file"]).read_bytes().decode("utf-8")
        line = {"id": f"{case['id']}#{round_}", "body": body}
        if case["subject_input"] is not None:
            line["subject"] = case["subject_input"]
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
