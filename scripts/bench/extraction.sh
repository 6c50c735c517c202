#!/usr/bin/env bash
# Extraction quality and speed: `newsletter clean` against trafilatura on the
# same 91 dev pages, each pinned to one core (taskset -c 0), in one run.
#
# usage: scripts/bench/extraction.sh [SHARED_DIR]
#   SHARED_DIR defaults to $NEWSLETTER_SHARED, else ../shared beside the repo.
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
# pinned process includes waiting for its core, its CPU time does not.
cpu() {
    local name="$1"; shift
    local pages=("$tmp"/*.html)
    local secs
    secs=$( { TIMEFORMAT='%U %S'; time taskset -c 0 "$@" "${pages[@]}" >/dev/null 2>&1; } 2>&1 )
    python3 -c "import sys; u,s=map(float,sys.argv[1:3]); n=int(sys.argv[3]); print(f'{sys.argv[4]}: cpu_seconds={u+s:.2f} pages_per_cpu_s={n/(u+s):.1f}')" $secs "${#pages[@]}" "$name"
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
cpu "newsletter clean" target/release/newsletter clean --format json
cpu "trafilatura" python3 scripts/bench/extraction.py
