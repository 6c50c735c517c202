#!/usr/bin/env bash
# Delivery throughput: `newsletter send` (ledger on, 4 connections, personalised
# messages of about the sample issue's size) against Postfix's smtp-source
# sending the same number of messages of the same size in 4 sessions, both to
# smtp-sink on loopback, in the same run. Then peak memory (RSS) for a
# 1,000,000-reader list: dry run and real send.
#
# usage: scripts/bench/smtp.sh [MESSAGES] [MEMORY_READERS]
#   defaults: 10000 and 1000000 (set MEMORY_READERS=0 to skip the memory part)
# needs: smtp-sink, smtp-source (Postfix), python3, /usr/bin/time
set -euo pipefail
N=${1:-10000}
BIG=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cargo build --release --bin newsletter --manifest-path "$ROOT/Cargo.toml" >&2
BIN=$ROOT/target/release/newsletter
WORK=$(mktemp -d)
SINK_PID=
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export NEWSLETTER_UNSUBSCRIBE_SECRET=bench-secret

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SINK_USER=(); [ "$(id -u)" = 0 ] && SINK_USER=(-u nobody)  # required when root
smtp-sink "${SINK_USER[@]}" "127.0.0.1:$PORT" 256 &
SINK_PID=$!
sleep 0.5

python3 "$ROOT/scripts/bench/smtp_project.py" "$WORK/p" "$N" --pool 4
sed -i "s/port = 2525/port = $PORT/" "$WORK/p/config.toml"
# One message's size on the wire, for smtp-source -l.
sed 's/transport = "smtp"/transport = "file"/' "$WORK/p/config.toml" > "$WORK/p/file.toml"
"$BIN" --config "$WORK/p/file.toml" send --to size@example.com >/dev/null 2>&1
SIZE=$(stat -c %s "$WORK"/p/outbox/001/test/*.eml)
echo "machine: $(nproc) cores; messages: $N of $SIZE bytes; 4 connections/sessions"

t0=$(date +%s.%N)
"$BIN" --config "$WORK/p/config.toml" send >/dev/null
t1=$(date +%s.%N)
ours=$(python3 -c "print(f'{$N/($t1-$t0):.0f}')")
echo "newsletter send (ledger on):   $(python3 -c "print(f'{$t1-$t0:.2f}')") s  $ours msg/s"

t0=$(date +%s.%N)
smtp-source -s 4 -m "$N" -l "$SIZE" -f newsletter@example.com -t reader@example.com "127.0.0.1:$PORT"
t1=$(date +%s.%N)
theirs=$(python3 -c "print(f'{$N/($t1-$t0):.0f}')")
echo "smtp-source -s 4:              $(python3 -c "print(f'{$t1-$t0:.2f}')") s  $theirs msg/s"
echo "ratio newsletter/smtp-source:  $(python3 -c "print(f'{$ours/$theirs:.2f}')")"

if [ "$BIG" -gt 0 ]; then
    python3 "$ROOT/scripts/bench/smtp_project.py" "$WORK/big" "$BIG" --pool 4
    sed -i "s/port = 2525/port = $PORT/" "$WORK/big/config.toml"
    /usr/bin/time -f "dry run, $BIG readers: peak RSS %M KB, %e s" \
        "$BIN" --config "$WORK/big/config.toml" send --dry-run >/dev/null
    /usr/bin/time -f "real send, $BIG readers: peak RSS %M KB, %e s" \
        "$BIN" --config "$WORK/big/config.toml" send >/dev/null
fi
