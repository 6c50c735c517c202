#!/usr/bin/env python3
"""Fit the sentence scorer's weights (src/summarize/weights.toml) on reference summaries.

The scorer is small: a position prior, directed centrality, a length term and a penalty for
sentences that open with a quotation, combined linearly, then greedy selection with a
redundancy penalty (src/summarize/score.rs, `combine` and `select_where`). This script
re-implements exactly that in Python over the features the Rust code computes
(`examples/summary_features.rs`), and searches the weights by coordinate ascent on the mean of
ROUGE-1 and ROUGE-2 F1 (Google's rouge-score tokenizer with stemming) against the reference
highlights. Deterministic: fixed grids, ties keep the current value.

usage (from the repository root):
  cargo build --release --example summary_features
  target/release/examples/summary_features DIR/*.article.txt > /tmp/features.jsonl
  python3 scripts/fit_summary_weights.py /tmp/features.jsonl [--write src/summarize/weights.toml]

Each FILE.article.txt needs FILE.highlights.txt beside it (one reference sentence a line), as
in the CNN/DailyMail development stories of the shared benchmark folder.
"""
import argparse, collections, json, os, sys

try:
    from rouge_score import tokenizers
except ImportError:
    sys.exit("needs the rouge-score package: python3 -m pip install rouge-score")

K = 3
# Names and order as in weights.toml; min_words and words_cap are integers.
GRID = {
    "position": [0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
    "position_scale": [1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0],
    "forward": [1.0],
    "backward": [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2],
    "length": [-0.8, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2],
    "words_cap": [15, 20, 25, 30, 35, 40, 50, 60],
    "opens_quote": [-0.6, -0.4, -0.3, -0.2, -0.1, 0.0, 0.05],
    "attributed": [-0.3, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05],
    "redundancy": [0.0, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5],
    "min_words": [4, 6, 8, 10, 12, 15],
}
START = {
    "position": 0.5, "position_scale": 3.0, "forward": 1.0, "backward": 0.0, "length": 0.0,
    "words_cap": 30, "opens_quote": 0.0, "attributed": 0.0, "redundancy": 0.5, "min_words": 6,
}


def combine(a, w):
    """Scores of one article's sentences; mirrors score::combine."""
    central = [w["forward"] * f + w["backward"] * b for f, b in zip(a["forward"], a["backward"])]
    lo, hi = (min(central), max(central)) if central else (0.0, 0.0)
    span = hi - lo
    out = []
    for i, c in enumerate(central):
        c = (c - lo) / span if span > 0 else 0.0
        prior = 1.0 / (1.0 + i / max(w["position_scale"], 1e-9))
        s = w["position"] * prior + (1.0 - w["position"]) * c
        words = a["features"][i]["words"]
        s += w["length"] * min(words, w["words_cap"]) / w["words_cap"]
        if a["features"][i]["opens_quote"]:
            s += w["opens_quote"]
        if a["features"][i]["attributed"]:
            s += w["attributed"]
        if words < w["min_words"]:
            s *= words / w["min_words"]
        out.append(s)
    return out


def select(a, scores, w):
    """Greedy choice; mirrors score::select_where with the summary's fitness rules."""
    n = len(scores)
    feats = a["features"]
    chosen, taken, max_sim = [], [False] * n, [0.0] * n
    while len(chosen) < K:
        best = None
        for i in range(n):
            if taken[i] or (feats[i]["leans"] and (i == 0 or (i - 1) not in chosen)):
                continue
            v = scores[i] - w["redundancy"] * max_sim[i]
            if best is None or v > best[1]:
                best = (i, v)
        if best is None:
            break
        pick = best[0]
        taken[pick] = True
        if not feats[pick]["fit"]:
            continue
        chosen.append(pick)
        row = a["sims"][pick]
        for i in range(n):
            if row[i] > max_sim[i]:
                max_sim[i] = row[i]
    if not chosen:  # no prose sentence: the summary falls back to any
        chosen = sorted(range(n), key=lambda i: (-scores[i], i))[:K]
    return sorted(chosen)


def ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def f1(ref, got):
    overlap = sum((ref & got).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(got.values()), overlap / sum(ref.values())
    return 2 * p * r / (p + r)


def evaluate(data, w):
    r1 = r2 = 0.0
    for a in data:
        picked = select(a, combine(a, w), w)
        toks = [t for i in picked for t in a["tokens"][i]]
        r1 += f1(a["ref1"], ngrams(toks, 1))
        r2 += f1(a["ref2"], ngrams(toks, 2))
    return 100 * r1 / len(data), 100 * r2 / len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("features")
    ap.add_argument("--write", help="write the fitted weights to this TOML file")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--from", dest="start", help="start from the weights in this TOML file")
    args = ap.parse_args()
    tok = tokenizers.DefaultTokenizer(use_stemmer=True)
    data = []
    for line in open(args.features):
        a = json.loads(line)
        base = a["path"][: -len(".article.txt")]
        ref = tok.tokenize(open(base + ".highlights.txt").read())
        a["ref1"], a["ref2"] = ngrams(ref, 1), ngrams(ref, 2)
        a["tokens"] = [tok.tokenize(s) for s in a["sentences"]]
        data.append(a)
    w = dict(START)
    if args.start:
        for line in open(args.start):
            line = line.split("#")[0].strip()
            if "=" in line:
                k, v = (x.strip() for x in line.split("=", 1))
                w[k] = int(v) if isinstance(START.get(k), int) else float(v)
    objective = lambda w: sum(evaluate(data, w))
    best = objective(w)
    print(f"start: R1/R2 = {evaluate(data, w)}", file=sys.stderr)
    for rnd in range(args.rounds):
        improved = False
        for name, grid in GRID.items():
            for value in grid:
                trial = dict(w, **{name: value})
                score = objective(trial)
                if score > best + 1e-9:
                    best, w, improved = score, trial, True
            print(f"round {rnd} {name}={w[name]} R1+R2={best:.3f}", file=sys.stderr)
        if not improved:
            break
    r1, r2 = evaluate(data, w)
    print(f"fitted: R1={r1:.2f} R2={r2:.2f} on {len(data)} stories", file=sys.stderr)
    text = "".join(
        f"{k} = {w[k]}\n" if isinstance(w[k], int) else f"{k} = {float(w[k])!r}\n" for k in GRID
    )
    if args.write:
        header = (
            "# Sentence scorer weights (see score::Weights for what each one does), fitted\n"
            f"# by scripts/fit_summary_weights.py on the {len(data)} CNN/DailyMail development\n"
            "# stories, by coordinate ascent on ROUGE-1 + ROUGE-2 F1"
            + (f" from {args.start}.\n" if args.start else " from the hand-set start.\n")
            + "# Re-fit with the commands in that script's docstring.\n"
        )
        tmp = args.write + ".tmp"
        with open(tmp, "w") as f:
            f.write(header + text)
        os.replace(tmp, args.write)
    print(text, end="")


if __name__ == "__main__":
    main()
