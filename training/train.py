#!/usr/bin/env python3
"""Trains the built-in analyzer's learned heads from training/emails/*.jsonl and writes their
weights to shared/src/analysis/model/<head>.json, which the analyzer loads.

    python3 training/train.py [--head issue] [--report]

Plain Python, no packages: a multinomial logistic regression over the presence of word
unigrams and bigrams (text folded as the analyzer folds it: lower case, no accents, `ß` as
`ss`, split on anything that is not a letter or digit), trained by AdaGrad with L2, in a fixed
order, so the same data always gives the same weights.

The emails are split by a hash of their id: a fifth is the sealed test split (`test`), never
used to choose anything; a fifth is the dev split for choosing settings; the rest trains. The
weights written are trained on train + dev. `--report` prints dev figures (model trained on
train) and, once, the test figures.
"""
import argparse
import collections
import glob
import hashlib
import json
import math
import os
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADS = {"issue": ["none", "bug", "delay", "billing", "slow_response", "quality", "compliance"]}
EPOCHS = 8
RATE = 0.2
L2 = 1e-3
MIN_DF = 2
KEEP = 0.02  # weights smaller than this in every class are left out of the file


def fold(text):
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return text.lower().replace("ß", "ss")


def features(subject, body):
    words = []
    for raw in fold(subject + "\n" + body).replace("_", " ").split():
        word = ""
        for c in raw:
            if c.isalnum():
                word += c
            else:
                if word:
                    words.append(word)
                word = ""
        if word:
            words.append(word)
    grams = set(words)
    grams.update(a + " " + b for a, b in zip(words, words[1:]))
    return grams


def split_of(email_id):
    bucket = int(hashlib.sha256(email_id.encode()).hexdigest(), 16) % 5
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def load():
    emails = []
    for path in sorted(glob.glob(os.path.join(ROOT, "training", "emails", "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            emails.extend(json.loads(line) for line in f if line.strip())
    return emails


def label(email, head):
    value = email[head]
    return "none" if value is None else value


def train(emails, head):
    classes = HEADS[head]
    df = collections.Counter()
    docs = []
    for e in emails:
        grams = features(e["subject"], e["body"])
        df.update(grams)
        docs.append((grams, classes.index(label(e, head))))
    vocab = sorted(g for g, n in df.items() if n >= MIN_DF)
    index = {g: i for i, g in enumerate(vocab)}
    k = len(classes)
    w = [[0.0] * k for _ in vocab]
    b = [0.0] * k
    g2w = [[1e-8] * k for _ in vocab]
    g2b = [1e-8] * k
    docs = [([index[g] for g in sorted(grams) if g in index], y) for grams, y in docs]
    for _ in range(EPOCHS):
        for x, y in docs:
            z = [b[c] + sum(w[i][c] for i in x) for c in range(k)]
            top = max(z)
            p = [math.exp(v - top) for v in z]
            s = sum(p)
            for c in range(k):
                grad = p[c] / s - (1.0 if c == y else 0.0)
                g2b[c] += grad * grad
                b[c] -= RATE * grad / math.sqrt(g2b[c])
                for i in x:
                    gi = grad + L2 * w[i][c]
                    g2w[i][c] += gi * gi
                    w[i][c] -= RATE * gi / math.sqrt(g2w[i][c])
    weights = {g: [round(v, 4) for v in w[i]] for g, i in index.items() if max(map(abs, w[i])) >= KEEP}
    return {"head": head, "classes": classes, "bias": [round(v, 4) for v in b], "weights": weights}


def predict(model, subject, body):
    z = list(model["bias"])
    for g in features(subject, body):
        for c, v in enumerate(model["weights"].get(g, ())):
            z[c] += v
    return model["classes"][max(range(len(z)), key=z.__getitem__)]


def report(model, emails, head, name):
    classes = HEADS[head]
    pairs = [(label(e, head), predict(model, e["subject"], e["body"])) for e in emails]
    accuracy = sum(t == p for t, p in pairs) / len(pairs)
    f1s = []
    for c in classes:
        tp = sum(t == c and p == c for t, p in pairs)
        fp = sum(t != c and p == c for t, p in pairs)
        fn = sum(t == c and p != c for t, p in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    print(f"{head} {name} ({len(pairs)} emails): accuracy {accuracy:.3f}, macro-F1 {sum(f1s) / len(f1s):.3f}; "
          + ", ".join(f"{c} {f:.2f}" for c, f in zip(classes, f1s)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--head", default="issue", choices=sorted(HEADS))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    emails = load()
    by_split = collections.defaultdict(list)
    for e in emails:
        by_split[split_of(e["id"])].append(e)
    if args.report:
        report(train(by_split["train"], args.head), by_split["dev"], args.head, "dev")
    model = train(by_split["train"] + by_split["dev"], args.head)
    if args.report:
        report(model, by_split["test"], args.head, "sealed test")
    out = os.path.join(ROOT, "shared", "src", "analysis", "model", f"{args.head}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(model, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {out}: {len(model['weights'])} features, "
          f"{len(by_split['train']) + len(by_split['dev'])} emails (test split: {len(by_split['test'])})")


if __name__ == "__main__":
    main()
