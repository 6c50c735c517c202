#!/usr/bin/env bash
# What TLS and AUTH cost a send through a real relay: the same Postfix
# (tests/e2e/relay_server.sh: own instance, free loopback ports, Dovecot SASL,
# Maildir delivery) takes N personalised messages of about the sample issue's
# size, pool 4, three ways in one run:
#   plain      no TLS, no AUTH (a listener that relays for loopback)
#   starttls   STARTTLS, certificate checked against ca_file, AUTH PLAIN
#   tls        implicit TLS, the same checks and login
# then times `check --smtp` (one connection: TCP, TLS, EHLO, AUTH, QUIT).
#
# usage: scripts/bench/relay.sh [MESSAGES]    (default 2000)
# needs: root or sudo, postfix, dovecot-core, openssl, python3, hyperfine
set -euo pipefail
N=${1:-2000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# NEWSLETTER_BIN runs another build (e.g. target/debug/newsletter) without building.
if [ -n "${NEWSLETTER_BIN:-}" ]; then
    BIN=$NEWSLETTER_BIN
else
    cargo build --release --bin newsletter --manifest-path "$ROOT/Cargo.toml" >&2
    BIN=$ROOT/target/release/newsletter
fi
WORK=$(mktemp -d)
RELAY="$WORK/relay"
mkdir -p "$RELAY"
cleanup() { bash "$ROOT/tests/e2e/relay_server.sh" stop "$RELAY" || true; rm -rf "$WORK"; }
trap cleanup EXIT
bash "$ROOT/tests/e2e/relay_server.sh" start "$RELAY"
# shellcheck source=/dev/null
. "$RELAY/relay.env"
export NEWSLETTER_UNSUBSCRIBE_SECRET=bench-secret BENCH_USER="$RELAY_USER" BENCH_PASS="$RELAY_PASS"

# project NAME PORT SECURITY [login]: a fresh project (its own ledger) for one run.
project() {
    python3 "$ROOT/scripts/bench/smtp_project.py" "$WORK/$1" "$N" --pool 4 >/dev/null
    local login=""
    [ "${4:-}" = login ] && login="username_env = \"BENCH_USER\"\npassword_env = \"BENCH_PASS\"\nca_file = \"$CA_FILE\"\n"
    sed -i -e "s/port = 2525/port = $2/" -e "s/security = \"none\"/security = \"$3\"/" \
        -e "s|timeout_secs = 10|timeout_secs = 30\n$login|" "$WORK/$1/config.toml"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $N messages, pool 4"
for run in "plain $PORT_PLAIN none" "starttls $PORT_GOOD starttls login" "tls $PORT_TLS tls login"; do
    set -- $run
    project "$@"
    t0=$(date +%s.%N)
    "$BIN" --config "$WORK/$1/config.toml" send >/dev/null
    t1=$(date +%s.%N)
    python3 -c "print(f'{\"$1\":9} {$t1-$t0:6.2f} s  {$N/($t1-$t0):6.0f} msg/s')"
done
# check also lints the (unbuilt) issue and so exits 1: -i.
hyperfine -N -i --warmup 2 --runs 20 "$BIN --config $WORK/starttls/config.toml check --smtp"
