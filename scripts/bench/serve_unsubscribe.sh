#!/usr/bin/env bash
# One-click unsubscribe throughput of `newsletter serve` on loopback, with
# wrk as the load generator: POST /unsubscribe/{token} with the RFC 8058
# body, a different reader per request (each one a real write to the
# subscriber store through the single writer thread), and in the same run,
# as the baseline, GET of the stylesheet (the same HTTP stack, no store).
#
# usage: scripts/bench/serve_unsubscribe.sh [SECONDS] [CONNECTIONS] [READERS]
#   defaults: 10 s, 64 connections, 200000 readers (tokens)
# needs: wrk, python3; BIN=path/to/newsletter to skip the release build
set -euo pipefail
SECS=${1:-10}
CONNS=${2:-64}
READERS=${3:-200000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/scripts/bench/lib.sh"
WORK=$(mktemp -d)
SERVE_PID=
cleanup() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export NEWSLETTER_UNSUBSCRIBE_SECRET=bench-secret

cat > "$WORK/config.toml" <<TOML
[newsletter]
name = "Energy Source"
[delivery]
unsubscribe_secret_env = "NEWSLETTER_UNSUBSCRIBE_SECRET"
TOML
echo "email" > "$WORK/subscribers.csv"
# The tokens `send` would put in List-Unsubscribe (see src/audience/tokens.rs).
python3 - "$WORK/tokens.txt" "$READERS" <<'PY'
import hashlib, hmac, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for i in range(n):
        addr = f"reader{i}@example.com".encode()
        tag = hmac.new(b"bench-secret", b"u1\n" + addr, hashlib.sha256).digest()[:16]
        out.write(f"/unsubscribe/u1.{addr.hex()}.{tag.hex()}\n")
PY

NEWSLETTER_LOG=warn "$BIN" --config "$WORK/config.toml" serve --port 0 > "$WORK/url" 2> "$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL=$(head -1 "$WORK/url")
URL=${URL%/}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c$CONNS -d${SECS}s; $READERS readers"

echo "--- baseline: GET /assets/serve.css (same server, no store)"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$URL/assets/serve.css" | grep -E "requests in|Requests/sec|Latency|99%|Non-2xx"
echo "--- one-click POST /unsubscribe/{token} (a store write each)"
THREADS=2 TOKENS="$WORK/tokens.txt" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/scripts/bench/serve_unsubscribe.lua" "$URL" \
    | grep -E "requests in|Requests/sec|Latency|99%|non-2xx"
"$BIN" --config "$WORK/config.toml" subscribers stats | head -6
if grep -qi "locked" "$WORK/serve.log"; then echo "serve.log mentions a lock:"; grep -i locked "$WORK/serve.log" | head; fi
