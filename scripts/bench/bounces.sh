#!/usr/bin/env bash
# Bounce classification, newsletter vs Debian's libsisimai-perl, side by side
# on the same 279 real reports (../shared/bench/bounces), scored by
# eval_bounces.py: accuracy of the action (remove / count / ignore), readers
# wrongly removed, and messages per second including process start-up.
# Rounds alternate between the two so both see the same machine load.
#
# usage: scripts/bench/bounces.sh [ROUNDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-5}"
shared="${NEWSLETTER_SHARED:-$(cd .. && pwd)/shared}"
eval_py="$shared/bench/eval_bounces.py"
bin=target/release/newsletter
[ -x "$bin" ] || cargo build --release
perl -MSisimai -e 1 2>/dev/null || { echo "needs libsisimai-perl (apt-get install libsisimai-perl)" >&2; exit 2; }

ours=() peer=()
for i in $(seq "$rounds"); do
    a="$(python3 "$eval_py" -- "$bin" bounces --dry-run --format json)"
    b="$(python3 "$eval_py" -- perl scripts/bench/sisimai_bounces.pl)"
    echo "round $i newsletter: $a"
    echo "round $i sisimai:    $b"
    ours+=("${a##*msgs_per_s=}") peer+=("${b##*msgs_per_s=}")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
m_ours="$(median "${ours[@]}")" m_peer="$(median "${peer[@]}")"
echo "median msgs/s: newsletter $m_ours, sisimai $m_peer, ratio $(awk -v a="$m_ours" -v b="$m_peer" 'BEGIN {printf "%.1fx", a/b}')"
