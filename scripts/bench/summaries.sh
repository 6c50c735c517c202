#!/usr/bin/env bash
# ROUGE and speed of `newsletter summarize` against sumy's LexRank on the
# CNN/DailyMail dev stories, both pinned to one core, in the same run.
#
# usage: scripts/bench/summaries.sh            (from the repository root)
# needs: python3 with rouge-score and sumy; NEWSLETTER_SHARED (default ../shared)
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED="${NEWSLETTER_SHARED:-../shared}"
EVAL="$SHARED/bench/eval_summaries.py"
CORE="${BENCH_CORE:-0}"
[ -f "$EVAL" ] || { echo "error: $EVAL not found; set NEWSLETTER_SHARED to the shared folder" >&2; exit 2; }

cargo build --release --bin newsletter --example summary_cpu >&2

echo "## newsletter summarize (taskset -c $CORE)"
taskset -c "$CORE" python3 "$EVAL" -- taskset -c "$CORE" \
    target/release/newsletter summarize --stdout --format json --sentences 3

echo "## sumy LexRank, data set's own sentence split (taskset -c $CORE)"
taskset -c "$CORE" python3 "$EVAL" -- taskset -c "$CORE" \
    python3 scripts/bench/summaries_sumy.py --sentences 3

# eval_summaries.py times the whole command, so process start-up (Python and
# sumy's imports) counts above. CPU time per story with start-up excluded,
# ours and sumy's taken in turns on the same core (robust to other load on
# the machine; see the script's header for how each is measured):
echo "## CPU time per story, start-up excluded, alternating rounds (taskset -c $CORE)"
NEWSLETTER_SHARED="$SHARED" taskset -c "$CORE" python3 scripts/bench/summary_speed.py "${ROUNDS:-5}"

# Summarizing alone (no reading or cleaning), the part that compares with
# sumy's loop above: criterion on the same 100 stories, cold term cache per
# pass, pinned to the same core. Wall time, so load only makes us look slower.
echo "## summarize() alone, criterion (taskset -c $CORE)"
NEWSLETTER_SHARED="$SHARED" taskset -c "$CORE" cargo bench --bench summarize -- dev_stories \
    --warm-up-time 1 --measurement-time 5 2>&1 | grep -E "dev_stories|time:|thrpt:"
