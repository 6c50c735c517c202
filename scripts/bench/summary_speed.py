#!/usr/bin/env python3
"""Speed of `newsletter summarize` against sumy's LexRank, in CPU seconds
per story with set-up excluded, both on the same core and taken in turns so
that whatever else the machine is doing weighs on both alike.

Both are timed the same way, inside their own process around the loop over
the stories: reading each file, summarizing it and printing a JSON line.
sumy: scripts/bench/summaries_sumy.py --time (imports and the summarizer's
construction excluded), handed the data set's sentences so that it needs no
tokenizer data. Ours: examples/summary_cpu.rs, the loop of `summarize
--stdout --format json` (read, clean, split, summarize, Markdown, JSON),
after one untimed warm-up article that compiles the cleaning rules, with
the term cache emptied before the timed pass.

Also printed, as a cross-check: the older whole-process figure (all stories
in one `newsletter summarize` run minus a run on the first story alone,
each the least of three). It is the difference of two ~30 ms process runs
and swings several-fold with the machine's other load.

Each round runs both; the median round is the figure to quote, the best
round (the least disturbed) is printed beside it.

usage: summary_speed.py [ROUNDS]        (from the repository root, after
       cargo build --release --bin newsletter --example summary_cpu;
       NEWSLETTER_SHARED names the shared folder, default ../shared)
"""
import glob, os, re, resource, statistics, subprocess, sys


def child_cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def reported_cpu(cmd, pattern):
    err = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, check=True).stderr
    found = re.search(pattern, err)
    if not found:
        sys.exit(f"error: no CPU time in the output of {cmd[0]}: {err.strip()[:200]}")
    return float(found.group(1))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    shared = os.environ.get("NEWSLETTER_SHARED", "../shared")
    stories = sorted(glob.glob(os.path.join(shared, "bench/summarization/cnndm/*.article.txt")))
    if not stories:
        sys.exit(f"error: no stories under {shared}/bench/summarization/cnndm; set NEWSLETTER_SHARED")
    timer = "target/release/examples/summary_cpu"
    if not os.path.exists(timer):
        sys.exit(f"error: {timer} not found; run cargo build --release --example summary_cpu")
    ours_cmd = [timer, "--sentences", "3"]
    whole_cmd = ["target/release/newsletter", "summarize", "--stdout", "--format", "json", "--sentences", "3"]
    sumy_cmd = [sys.executable, "scripts/bench/summaries_sumy.py", "--time", "--sentences", "3"]
    n = len(stories)
    ours, sumy, whole = [], [], []
    for r in range(rounds):
        ours.append(reported_cpu(ours_cmd + stories, r"in ([0-9.]+) CPU s") / n)
        sumy.append(reported_cpu(sumy_cmd + stories, r"in ([0-9.]+) CPU s") / n)
        every = min(child_cpu(whole_cmd + stories) for _ in range(3))
        first = min(child_cpu(whole_cmd + stories[:1]) for _ in range(3))
        whole.append((every - first) / (n - 1))
        print(f"round {r + 1}: newsletter {ours[-1] * 1e6:.0f} µs/story "
              f"(whole processes: {whole[-1] * 1e6:.0f}), sumy {sumy[-1] * 1e6:.0f} µs/story",
              file=sys.stderr)
    med = statistics.median
    print(f"newsletter: {1 / med(ours):.0f} stories per CPU second "
          f"(median of {rounds} rounds; best {1 / min(ours):.0f})")
    print(f"sumy LexRank: {1 / med(sumy):.1f} stories per CPU second "
          f"(median of {rounds} rounds; best {1 / min(sumy):.1f})")
    print(f"ratio: {med(sumy) / med(ours):.0f}x (median against median); "
          f"{min(sumy) / min(ours):.0f}x (best against best)")
    print(f"cross-check, whole processes with start-up subtracted: "
          f"{med(sumy) / med(whole):.0f}x median, {min(sumy) / min(whole):.0f}x best")


if __name__ == "__main__":
    main()
