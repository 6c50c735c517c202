#!/usr/bin/env bash
# Delivery throughput: `newsletter send` (ledger on, 4 connections, personalised
# messages) against Postfix's smtp-source sending the same number of messages
# of the same size in 4 sessions, both to one smtp-sink on loopback, in the
# same run, at each message size of the sweep; then the real sample issue
# (built from content/, Data Drill chart inline). Then peak memory (RSS) for
# a 1,000,000-reader list: dry run and real send.
#
# usage: scripts/bench/smtp.sh [MESSAGES] [MEMORY_READERS]
#   defaults: 10000 and 1000000 (set MEMORY_READERS=0 to skip the memory part)
#   SIZES="10 25 56 100 200" (KB, the sweep; SIZES= to skip it), SAMPLE=1
#   (0 skips the sample issue), BIN=path (skip the build, use that binary)
# needs: smtp-sink, smtp-source (Postfix), python3, /usr/bin/time
set -euo pipefail
N=${1:-10000}
BIG=${2:-1000000}
SIZES=${SIZES-10 25 56 100 200}
SAMPLE=${SAMPLE:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/scripts/bench/lib.sh"
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

# The size in bytes of one message of project $1, as written to the outbox.
message_size() {
    sed 's/transport = "smtp"/transport = "file"/' "$1/config.toml" > "$1/file.toml"
    rm -rf "$1/outbox"
    "$BIN" --config "$1/file.toml" send --to size@example.com >/dev/null 2>&1
    stat -c %s "$1"/outbox/001/test/*.eml
}

# A sweep project of about $2 KB in $1: fewer stories for the small sizes, and
# an inline chart image making up the rest (the first guess is corrected once).
sized_project() {
    local dir=$1 kb=$2 stories=14 base image
    [ "$kb" -lt 25 ] && stories=2
    [ "$kb" -ge 25 ] && [ "$kb" -lt 56 ] && stories=6
    rm -rf "$dir"
    python3 "$ROOT/scripts/bench/smtp_project.py" "$dir" "$N" --pool 4 --stories "$stories"
    base=$(message_size "$dir")
    image=$(( (kb * 1024 - base) * 76 / 104 ))
    [ "$image" -lt 1 ] && image=1
    rm -rf "$dir"
    python3 "$ROOT/scripts/bench/smtp_project.py" "$dir" "$N" --pool 4 --stories "$stories" --image-bytes "$image"
    local got
    got=$(message_size "$dir")
    image=$(( image + (kb * 1024 - got) * 76 / 104 ))
    rm -rf "$dir"
    python3 "$ROOT/scripts/bench/smtp_project.py" "$dir" "$N" --pool 4 --stories "$stories" --image-bytes "$image"
    sed -i "s/port = 2525/port = $PORT/" "$dir/config.toml"
}

# The sample issue from content/ (chart inline) to $N readers with names.
sample_project() {
    local dir=$1
    mkdir -p "$dir"
    cp -r "$ROOT/config.toml" "$ROOT/content" "$ROOT/templates" "$dir/"
    sed -i 's/^transport = "file"/transport = "smtp"/' "$dir/config.toml"
    printf '\n[delivery.smtp]\nhost = "127.0.0.1"\nport = %s\nsecurity = "none"\npool = 4\ntimeout_secs = 10\n' \
        "$PORT" >> "$dir/config.toml"
    python3 -c "
import sys
with open(sys.argv[1], 'w') as f:
    f.write('email,name\n')
    for i in range(int(sys.argv[2])):
        f.write(f'reader{i}@example.com,Reader {i}\n')
" "$dir/subscribers.csv" "$N"
    "$BIN" --config "$dir/config.toml" summarize >/dev/null 2>&1
    "$BIN" --config "$dir/config.toml" build --date 2026-12-01 >/dev/null 2>&1
}

# Wall seconds and CPU seconds (user+sys) of the command timed into file $1.
wall() { cut -d' ' -f1 "$1"; }
cpu() { python3 -c "a=open('$1').read().split(); print(f'{float(a[1])+float(a[2]):.2f}')"; }

# One row: our send of project $2, then smtp-source with the same size. Wall
# time gives the ratio; CPU time (user+sys) is steadier when the machine is
# shared, so it is shown too.
row() {
    local label=$1 dir=$2 size ours theirs
    size=$(message_size "$dir")
    rm -rf "$dir/state"
    /usr/bin/time -f '%e %U %S' -o "$WORK/t.ours" "$BIN" --config "$dir/config.toml" send >/dev/null
    /usr/bin/time -f '%e %U %S' -o "$WORK/t.theirs" \
        smtp-source -s 4 -m "$N" -l "$size" -f newsletter@example.com -t reader@example.com "127.0.0.1:$PORT"
    ours=$(python3 -c "print(f'{$N/$(wall "$WORK/t.ours"):.0f}')")
    theirs=$(python3 -c "print(f'{$N/$(wall "$WORK/t.theirs"):.0f}')")
    echo "| $label | $size | $(wall "$WORK/t.ours") s, $ours msg/s, CPU $(cpu "$WORK/t.ours") s | $(wall "$WORK/t.theirs") s, $theirs msg/s, CPU $(cpu "$WORK/t.theirs") s | $(python3 -c "print(f'{$ours/$theirs:.2f}')") |"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $N messages per row; 4 connections/sessions"
echo "| message | bytes | newsletter send (ledger on) | smtp-source -s 4 | ratio |"
echo "|---|---|---|---|---|"
for kb in $SIZES; do
    sized_project "$WORK/s$kb" "$kb"
    row "$kb KB" "$WORK/s$kb"
    rm -rf "$WORK/s$kb"
done
if [ "$SAMPLE" = 1 ]; then
    sample_project "$WORK/sample"
    row "sample issue" "$WORK/sample"
fi

if [ "$BIG" -gt 0 ]; then
    python3 "$ROOT/scripts/bench/smtp_project.py" "$WORK/big" "$BIG" --pool 4
    sed -i "s/port = 2525/port = $PORT/" "$WORK/big/config.toml"
    /usr/bin/time -f "dry run, $BIG readers: peak RSS %M KB, %e s" \
        "$BIN" --config "$WORK/big/config.toml" send --dry-run >/dev/null
    /usr/bin/time -f "real send, $BIG readers: peak RSS %M KB, %e s" \
        "$BIN" --config "$WORK/big/config.toml" send >/dev/null
fi
