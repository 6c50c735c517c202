#!/usr/bin/env python3
"""Speed of `newsletter summarize` against sumy's LexRank, in CPU seconds
per story with process start-up excluded, both on the same core and taken
in turns so that whatever else the machine is doing weighs on both alike.

Ours: child CPU time (user + system) for all dev stories in one process,
minus a run on the first story alone (start-up, and the rules compiled on
first use), divided by the other stories. sumy: its own CPU time around its
summarizing loop (scripts/bench/summaries_sumy.py --time, imports excluded),
handed the data set's sentences so that it needs no tokenizer data.

Each round runs both; the best round of each is reported (the least
disturbed), with the median beside it.

usage: summary_speed.py [ROUNDS]        (from the repository root;
       NEWSLETTER_SHARED names the shared folder, default ../shared)
"""
import glob, os, re, resource, statistics, subprocess, sys


def child_cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    shared = os.environ.get("NEWSLETTER_SHARED", "../shared")
    stories = sorted(glob.glob(os.path.join(shared, "bench/summarization/cnndm/*.article.txt")))
    if not stories:
        sys.exit(f"error: no stories under {shared}/bench/summarization/cnndm; set NEWSLETTER_SHARED")
    ours_cmd = ["target/release/newsletter", "summarize", "--stdout", "--format", "json", "--sentences", "3"]
    sumy_cmd = [sys.executable, "scripts/bench/summaries_sumy.py", "--time", "--sentences", "3"]
    ours, sumy = [], []
    for r in range(rounds):
        whole = min(child_cpu(ours_cmd + stories) for _ in range(3))
        first = min(child_cpu(ours_cmd + stories[:1]) for _ in range(3))
        ours.append((whole - first) / (len(stories) - 1))
        out = subprocess.run(sumy_cmd + stories, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, check=True).stderr
        secs = float(re.search(r"in ([0-9.]+) CPU s", out).group(1))
        sumy.append(secs / len(stories))
        print(f"round {r + 1}: newsletter {ours[-1] * 1e6:.0f} µs/story, sumy {sumy[-1] * 1e6:.0f} µs/story",
              file=sys.stderr)
    best_ours, best_sumy = min(ours), min(sumy)
    print(f"newsletter: {1 / best_ours:.0f} stories per CPU second "
          f"(best of {rounds}; median {1 / statistics.median(ours):.0f})")
    print(f"sumy LexRank: {1 / best_sumy:.1f} stories per CPU second "
          f"(best of {rounds}; median {1 / statistics.median(sumy):.1f})")
    print(f"ratio: {best_sumy / best_ours:.0f}x (best against best); "
          f"{statistics.median(sumy) / statistics.median(ours):.0f}x (median against median)")


if __name__ == "__main__":
    main()
