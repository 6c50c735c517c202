#!/usr/bin/env bash
# Extraction quality and speed: `newsletter clean` against trafilatura on the
# same 91 dev pages, each pinned to one core (taskset -c 0), in one run.
#
# usage: scripts/bench/extraction.sh [SHARED_DIR]
#   SHARED_DIR defaults to $NEWSLETTER_SHARED, else ../shared beside the repo.
# env: ROUNDS (default 5) timed rounds; OURS_PER_ROUND (default 10) runs of
#   ours per round, averaged, before the peer's one.
# needs: python3, `pip install trafilatura`, taskset (util-linux).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${NEWSLETTER_SHARED:-$repo/../shared}}"
eval_py="$shared/bench/eval_extraction.py"
[ -f "$eval_py" ] || { echo "error: $eval_py not found; pass the shared folder" >&2; exit 2; }
python3 -c 'import trafilatura' 2>/dev/null || { echo "error: trafilatura missing: pip install trafilatura" >&2; exit 2; }

cd "$repo"
cargo build --release --quiet --bin newsletter

run() {
    local name="$1"; shift
    echo "== $name"
    taskset -c 0 python3 "$eval_py" --worst 0 -- "$@" | tail -n 2
}

# CPU seconds as well as wall time: on a shared machine the wall time of a
# pinned process includes waiting for its core, its CPU time does not. But
# CPU time still grows when the other core is busy (shared caches), and our
# run is a tenth as long as the peer's, so one burst of load elsewhere can
# fall on all of it. So each round runs ours OURS_PER_ROUND times (default
# 10, about as long as one peer run) and then the peer once, and takes our
# mean; ROUNDS rounds (default 5), and the median round counts.
rounds="${ROUNDS:-5}"
ours_per_round="${OURS_PER_ROUND:-10}"
cpu_once() {
    local pages=("$tmp"/*.html)
    local secs
    secs=$( { TIMEFORMAT='%U %S'; time taskset -c 0 "$@" "${pages[@]}" >/dev/null 2>&1; } 2>&1 )
    python3 -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[2]))' $secs
}
cpu() {
    local ours=() peer=() i j batch
    for ((i = 0; i < rounds; i++)); do
        batch=()
        for ((j = 0; j < ours_per_round; j++)); do
            batch+=("$(cpu_once target/release/newsletter clean --format json)")
        done
        ours+=("$(python3 -c 'import sys; v = [float(x) for x in sys.argv[1:]]; print(sum(v) / len(v))' "${batch[@]}")")
        peer+=("$(cpu_once python3 scripts/bench/extraction.py)")
    done
    local n
    n=$(ls "$tmp"/*.html | wc -l)
    python3 - "$n" "${ours[*]}" "${peer[*]}" <<'PY'
import statistics, sys
n = int(sys.argv[1])
rates = {}
for name, runs in (("newsletter clean", sys.argv[2]), ("trafilatura", sys.argv[3])):
    secs = [float(s) for s in runs.split()]
    med = statistics.median(secs)
    rates[name] = n / med
    print(f"{name}: cpu_seconds median={med:.3f} min={min(secs):.3f} max={max(secs):.3f} "
          f"over {len(secs)} rounds; pages_per_cpu_s={n / med:.1f}")
print(f"ratio (pages per CPU second, medians): {rates['newsletter clean'] / rates['trafilatura']:.2f}x")
PY
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$shared/bench/extraction" "$tmp" <<'PY'
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(os.path.join(src, "html")):
    if name.endswith(".html.gz"):
        with gzip.open(os.path.join(src, "html", name)) as f, open(os.path.join(dst, name[:-3]), "wb") as out:
            out.write(f.read())
PY

echo "one core each (taskset -c 0); trafilatura $(python3 -c 'import trafilatura; print(trafilatura.__version__)')"
run "newsletter clean" target/release/newsletter clean --format json
run "trafilatura" python3 scripts/bench/extraction.py
echo "== CPU time, one core, $rounds rounds of $ours_per_round runs of ours (mean) then one of the peer"
cpu
