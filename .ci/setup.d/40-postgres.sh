# PostgreSQL for the shared-ledger tests (tests/ledger_postgres.rs and the
# ledger unit tests' second backend): Debian's server binaries, run as the
# `postgres` user from a temporary data folder on a free loopback port. No
# system service is started. Exports NEWSLETTER_TEST_POSTGRES.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_DIR=$(mktemp -d /tmp/newsletter-pg.XXXXXX)
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_as() {
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres "$PG_DIR"
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}
pg_as "'$PG_BIN/initdb' -D '$PG_DIR/data' -A trust -U postgres >/dev/null"
pg_as "'$PG_BIN/postgres' -D '$PG_DIR/data' -p $PG_PORT -k '$PG_DIR' -c listen_addresses=127.0.0.1 -c max_connections=200 >'$PG_DIR/log' 2>&1 & echo \$! >'$PG_DIR/pid'"
for _ in $(seq 1 100); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.1
done
"$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
ci_on_exit "kill \$(cat '$PG_DIR/pid') 2>/dev/null; rm -rf '$PG_DIR'"
export NEWSLETTER_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
