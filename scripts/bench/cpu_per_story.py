#!/usr/bin/env python3
"""CPU seconds per story of `newsletter summarize`, start-up excluded: runs it
on the stories once and on the stories repeated REPEAT times, and divides the
difference in child CPU time (user + system, so other load on the machine does
not count) by the extra stories. Repeating stories warms the summarizer's
per-run term cache, so it also reports the cost over distinct stories (all
stories minus a run on the first one alone).

usage: cpu_per_story.py REPEAT -- COMMAND [ARG...]   (the story paths go last)
"""
import glob, os, resource, subprocess, sys

def cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def main():
    repeat = int(sys.argv[1])
    cmd = sys.argv[3:] if sys.argv[2] == "--" else sys.argv[2:]
    shared = os.environ.get("NEWSLETTER_SHARED", "../shared")
    stories = sorted(glob.glob(os.path.join(shared, "bench/summarization/cnndm/*.article.txt")))
    once = min(cpu(cmd + stories) for _ in range(5))
    many = min(cpu(cmd + stories * repeat) for _ in range(3))
    extra = len(stories) * (repeat - 1)
    per = (many - once) / extra
    print(f"newsletter: {len(stories)} stories in {once:.3f} CPU s with start-up; "
          f"{per * 1e6:.0f} µs per story without = {1 / per:.0f} stories/s "
          f"(stories repeated {repeat}x: the per-run term cache is warm)")
    # The summarizer caches stems for the whole run, so repeated stories
    # flatter it; distinct stories only: all of them minus the first alone.
    first = min(cpu(cmd + stories[:1]) for _ in range(9))
    distinct = (once - first) / (len(stories) - 1)
    print(f"newsletter: {distinct * 1e6:.0f} µs per story over {len(stories)} distinct stories "
          f"= {1 / distinct:.0f} stories/s (start-up excluded by subtracting a one-story run)")

if __name__ == "__main__":
    main()
