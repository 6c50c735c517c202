#!/usr/bin/env bash
# Shared-ledger throughput: 1, 2 and 4 `newsletter send --worker` processes
# (4 connections each) sharing one list through a PostgreSQL ledger, against
# Postfix's smtp-sink on loopback; in the same run, the peers: one plain
# `send` on the default SQLite ledger, and smtp-source -s 4 sending the same
# number of messages of the same size.
#
# usage: scripts/bench/pg_workers.sh [MESSAGES]      (default 10000)
#   BIN: the binary to measure (default: build the release binary here).
#   LEDGER_URL_QUERY: appended to the ledger URL, e.g.
#   "?options=-c%20synchronous_commit%3Doff" to see what the commits cost.
# needs: smtp-sink, smtp-source (Postfix), python3, PostgreSQL server binaries.
# Uses NEWSLETTER_TEST_POSTGRES if set, else starts a throwaway server the way
# CI does (.ci/setup.d/40-postgres.sh).
set -euo pipefail
N=${1:-10000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/scripts/bench/lib.sh"
WORK=$(mktemp -d)
HOOKS=()
ci_on_exit() { HOOKS+=("$1"); }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Last registered, first run: the databases are dropped before the server stops.
cleanup() {
    local i
    for ((i = ${#HOOKS[@]} - 1; i >= 0; i--)); do eval "${HOOKS[$i]}" || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
export NEWSLETTER_UNSUBSCRIBE_SECRET=bench-secret
export PATH="$PATH:/usr/sbin:/sbin"

if [ -z "${NEWSLETTER_TEST_POSTGRES:-}" ]; then
    # shellcheck source=/dev/null
    source "$ROOT/.ci/setup.d/40-postgres.sh" >/dev/null
fi
PG=$NEWSLETTER_TEST_POSTGRES

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SINK_USER=(); [ "$(id -u)" = 0 ] && SINK_USER=(-u nobody)  # required when root
smtp-sink "${SINK_USER[@]}" "127.0.0.1:$PORT" 256 &
SINK_PID=$!
ci_on_exit "kill $SINK_PID"
sleep 0.5

python3 "$ROOT/scripts/bench/smtp_project.py" "$WORK/p" "$N" --pool 4
sed -i "s/port = 2525/port = $PORT/" "$WORK/p/config.toml"
sed 's/transport = "smtp"/transport = "file"/' "$WORK/p/config.toml" > "$WORK/p/file.toml"
"$BIN" --config "$WORK/p/file.toml" send --to size@example.com >/dev/null 2>&1
SIZE=$(stat -c %s "$WORK"/p/outbox/001/test/*.eml)
echo "machine: $(nproc) cores; messages: $N of $SIZE bytes; 4 connections per process"

rate() { python3 -c "print(f'{$N/($2-$1):.0f}')"; }
secs() { python3 -c "print(f'{$2-$1:.2f}')"; }

t0=$(date +%s.%N)
"$BIN" --config "$WORK/p/config.toml" send >/dev/null
t1=$(date +%s.%N)
echo "send, SQLite ledger:           $(secs "$t0" "$t1") s  $(rate "$t0" "$t1") msg/s"

for W in 1 2 4; do
    DB="bench_$$_$W"
    psql "$PG" -qc "CREATE DATABASE $DB" >/dev/null
    DBURL="${PG%/*}/$DB"
    ci_on_exit "psql '$PG' -qc 'DROP DATABASE IF EXISTS $DB' >/dev/null"
    URL="${PG%/*}/$DB${LEDGER_URL_QUERY:-}"
    cp "$WORK/p/config.toml" "$WORK/p/pg$W.toml"
    printf '\n[ledger]\nurl = "%s"\n' "$URL" >> "$WORK/p/pg$W.toml"
    # The schema is made before the clock starts, as on a running system.
    "$BIN" --config "$WORK/p/pg$W.toml" send --status >/dev/null 2>&1 || true
    t0=$(date +%s.%N)
    pids=()
    for _ in $(seq "$W"); do
        "$BIN" --config "$WORK/p/pg$W.toml" send --worker >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    t1=$(date +%s.%N)
    sent=$(psql "$DBURL" -tAc "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
    echo "send --worker x$W, PostgreSQL:  $(secs "$t0" "$t1") s  $(rate "$t0" "$t1") msg/s  ($sent sent)"
done

t0=$(date +%s.%N)
smtp-source -s 4 -m "$N" -l "$SIZE" -f newsletter@example.com -t reader@example.com "127.0.0.1:$PORT"
t1=$(date +%s.%N)
echo "smtp-source -s 4:              $(secs "$t0" "$t1") s  $(rate "$t0" "$t1") msg/s"
