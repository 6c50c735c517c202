#!/usr/bin/env python3
"""sumy's LexRank as a peer for `newsletter summarize`, with the same output
contract: one JSON object per line with "path" and "sentences" (in article order).

sumy's default tokenizer needs NLTK data that cannot be downloaded here, so we
hand it sentences ourselves: the data set's own split (<id>.sentences.txt beside
<id>.article.txt) when present, else one sentence per non-blank line of the file.
Words are \\w+ runs; sumy's own English stemmer and stop-word list are used.

usage: summaries_sumy.py [--sentences K] FILE...
"""
import argparse, json, os, re, sys, time

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

SEP = "\ue000"  # a private-use character: never in the text, and not a line break to splitlines()


class GivenSentences:
    """The two methods sumy asks of a tokenizer, over sentences split already."""

    language = "english"

    def to_sentences(self, text):
        return [s.strip() for s in text.split(SEP) if s.strip()]

    def to_words(self, sentence):
        return re.findall(r"\w+", sentence)


def sentences_of(path):
    split = path[: -len(".article.txt")] + ".sentences.txt" if path.endswith(".article.txt") else None
    source = split if split and os.path.exists(split) else path
    with open(source, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=3)
    ap.add_argument("--time", action="store_true",
                    help="print the CPU seconds spent summarizing (imports excluded) to stderr")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = GivenSentences()
    t0 = time.process_time()
    for path in a.files:
        sents = sentences_of(path)
        parser = PlaintextParser(f" {SEP} ".join(sents), tokenizer)
        picked = [str(s) for s in summarizer(parser.document, a.sentences)]
        print(json.dumps({"path": path, "sentences": picked}))
        sys.stdout.flush()
    if a.time:
        secs = time.process_time() - t0
        print(f"sumy: {len(a.files)} stories in {secs:.3f} CPU s = {len(a.files) / secs:.1f} stories/s", file=sys.stderr)


if __name__ == "__main__":
    main()
