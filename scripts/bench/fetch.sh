#!/usr/bin/env bash
# Fetch throughput: `newsletter fetch` of 200 excerpt-only RSS items (each
# item's page fetched in full) from slow local servers (every response waits
# 50 ms), then `newsletter clean` of what it saved. Shows the limits at work:
# [fetch] concurrency = 1, 4, 8, 16 over 10 hosts (20 items each), and the
# one-request-per-host rule with all 200 items on one host. The peer, in the
# same run: a sequential Python fetch (urllib + xml.etree) of the same feeds
# and pages.
#
# usage: scripts/bench/fetch.sh [RUNS]        (default 3 runs per case)
#   NEWSLETTER_BIN=path/to/newsletter uses that binary instead of building one
# needs: python3, hyperfine
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_PROFILE_DEV_DEBUG=0
# NEWSLETTER_BIN: a binary already built (skips the release build).
if [ -z "${NEWSLETTER_BIN:-}" ]; then
    cargo build --release --bin newsletter --manifest-path "$ROOT/Cargo.toml" >&2
fi
BIN=${NEWSLETTER_BIN:-$ROOT/target/release/newsletter}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

serve() { # HOSTS ITEMS PORTFILE
    python3 "$ROOT/scripts/bench/fetch_server.py" "$1" "$2" 50 "$3" >/dev/null 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do [ -f "$3" ] && return; sleep 0.1; done
    echo "the bench server did not start" >&2
    exit 1
}

project() { # DIR PORTFILE CONCURRENCY
    mkdir -p "$1"
    {
        printf '[newsletter]\nname = "Bench"\nbase_url = "https://bench.example"\n\n[fetch]\nconcurrency = %s\n\n' "$3"
        while read -r port; do
            printf '[[sources]]\nname = "host %s"\nurl = "http://127.0.0.1:%s/feed.xml"\nkind = "feed"\nallow_private = true\n\n' "$port" "$port"
        done < "$2"
    } > "$1/config.toml"
}

mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['mean']:.2f} s (min {r['min']:.2f})\")" "$1"; }
rate() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{200/r['mean']:.0f}\")" "$1"; }

echo "machine: $(nproc) cores; 200 items, 50 ms per response, $RUNS runs per case"
echo
echo "| case | fetch (wall) | items/s | clean of the 200 saved pages |"
echo "|---|---|---|---|"
MANY=$WORK/ports-many
ONE=$WORK/ports-one
serve 10 20 "$MANY"
serve 1 200 "$ONE"
bench_case() { # LABEL PORTFILE CONCURRENCY
    local dir="$WORK/p-$3-$(basename "$2")"
    project "$dir" "$2" "$3"
    hyperfine -N --runs "$RUNS" --prepare "rm -rf $dir/state $dir/content" \
        --export-json "$dir/fetch.json" "$BIN --config $dir/config.toml fetch" >/dev/null 2>&1
    local saved
    saved=$(find "$dir/content/inbox" -type f | wc -l)
    [ "$saved" = 200 ] || { echo "expected 200 saved, got $saved" >&2; exit 1; }
    hyperfine -N --runs "$RUNS" --export-json "$dir/clean.json" \
        "$BIN --config $dir/config.toml clean --format json $(echo "$dir"/content/inbox/*)" >/dev/null 2>&1
    echo "| $1 | $(mean "$dir/fetch.json") | $(rate "$dir/fetch.json") | $(mean "$dir/clean.json") |"
}
for c in 1 4 8 16; do bench_case "10 hosts, concurrency $c" "$MANY" "$c"; done
bench_case "1 host, concurrency 16" "$ONE" 16

FEEDS=$(sed 's|.*|http://127.0.0.1:&/feed.xml|' "$MANY" | tr '\n' ' ')
hyperfine -N --runs "$RUNS" --prepare "rm -rf $WORK/peer" --export-json "$WORK/peer.json" \
    "python3 $ROOT/scripts/bench/fetch_peer.py $WORK/peer $FEEDS" >/dev/null 2>&1
echo "| peer: sequential Python urllib, 10 hosts | $(mean "$WORK/peer.json") | $(rate "$WORK/peer.json") | — |"
