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

echo "one core each (taskset -c 0); trafilatura $(python3 -c 'import trafilatura; print(trafilatura.__version__)')"
run "newsletter clean" target/release/newsletter clean --format json
run "trafilatura" python3 scripts/bench/extraction.py
