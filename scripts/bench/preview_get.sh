#!/usr/bin/env bash
# `newsletter preview` serving on loopback, with wrk as the load generator:
# GET of the built email (the reload script injected into each answer) on
# a copy of the sample project.
#
# usage: scripts/bench/preview_get.sh [SECONDS] [CONNECTIONS]
#   defaults: 10 s, 8 connections
# needs: wrk; BIN=path/to/newsletter to skip the release build
set -euo pipefail
SECS=${1:-10}
CONNS=${2:-8}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/scripts/bench/lib.sh"
WORK=$(mktemp -d)
PREVIEW_PID=
cleanup() { [ -n "$PREVIEW_PID" ] && kill "$PREVIEW_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for name in config.toml subscribers.csv content templates; do cp -r "$ROOT/$name" "$WORK/"; done
"$BIN" --config "$WORK/config.toml" preview --port 0 > "$WORK/url" 2> "$WORK/preview.log" &
PREVIEW_PID=$!
for _ in $(seq 600); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL=$(head -1 "$WORK/url")
URL=${URL%/}
EMAIL=$(find "$WORK/state/preview/issues" -name email.html | head -1)
EMAIL=${EMAIL#"$WORK/state/preview"}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c$CONNS -d${SECS}s; GET $EMAIL ($(wc -c < "$WORK/state/preview$EMAIL") bytes)"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$URL$EMAIL" | grep -E "requests in|Requests/sec|Latency|50%|99%|Non-2xx"
