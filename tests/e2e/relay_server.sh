#!/usr/bin/env bash
# A real submission relay on loopback for tests/relay_e2e.rs: Postfix (its own
# config dir, queue and data dir under DIR, run as its own instance, no system
# service) with STARTTLS on certificates from a CA generated here with
# openssl, SASL through Dovecot (its own config and sockets under DIR, auth
# only), delivering to the Maildir DIR/mail/inbox.
#
#   relay_server.sh start DIR   writes DIR/relay.env (ports, paths) and starts
#   relay_server.sh stop DIR    stops that instance (by its own pid files)
#
# Ports are free ones picked at start, one per listener:
#   PORT_GOOD     STARTTLS, certificate for localhost/127.0.0.1 from the CA
#   PORT_OTHER    STARTTLS, certificate for mail.example.org only
#   PORT_EXPIRED  STARTTLS, certificate that expired in 2021
#   PORT_TLS      implicit TLS (wrapper mode), good certificate
#   PORT_NOTLS    no STARTTLS offered (a downgraded relay)
#   PORT_PLAIN    no TLS, no AUTH, relays for loopback (the benchmark's baseline)
# The one login is $RELAY_USER / $RELAY_PASS (written to relay.env).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
# Postfix starts as root and drops to its own users; elsewhere use sudo.
if [ "$(id -u)" != 0 ]; then
    exec sudo -n env PATH="$PATH" bash "$0" "$@"
fi

cmd="${1:?usage: relay_server.sh start|stop DIR}"
dir="$(cd "${2:?usage: relay_server.sh start|stop DIR}" && pwd)"

stop() {
    postfix -c "$dir/postfix" stop >/dev/null 2>&1 || true
    if [ -s "$dir/dovecot/run/master.pid" ]; then
        local pid
        pid="$(cat "$dir/dovecot/run/master.pid")"
        kill "$pid" 2>/dev/null || true
        # Dovecot winds down its children first; wait so nothing outlives the test.
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
    fi
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: relay_server.sh start|stop DIR" >&2; exit 2; }

# Postfix's unprivileged daemons and virtual(8) (as nobody) must reach DIR.
chmod 755 "$dir"
p="$dir"
while [ "$p" != / ]; do
    chmod o+x "$p" 2>/dev/null || true
    p="$(dirname "$p")"
done

read -r PORT_GOOD PORT_OTHER PORT_EXPIRED PORT_TLS PORT_NOTLS PORT_PLAIN < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)

# --- certificates -----------------------------------------------------------
tls="$dir/tls"
mkdir -p "$tls/newcerts"
ssl() { openssl "$@" 2>/dev/null; }
ssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=Relay E2E Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem"
# A second CA, which signed nothing the relay presents.
ssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=Some Other CA" \
    -addext "basicConstraints=critical,CA:TRUE" -keyout "$tls/other-ca.key" -out "$tls/other-ca.pem"
: >"$tls/index.txt"
echo 1000 >"$tls/serial"
cat >"$tls/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $tls/index.txt
new_certs_dir = $tls/newcerts
serial = $tls/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
EOF
# leaf NAME SAN START END: a key and a certificate chain signed by the CA.
leaf() {
    ssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -addext "subjectAltName=$2" \
        -addext "extendedKeyUsage=serverAuth" -keyout "$tls/$1.key" -out "$tls/$1.csr"
    ssl ca -batch -notext -config "$tls/ca.cnf" -cert "$tls/ca.pem" -keyfile "$tls/ca.key" \
        -startdate "$3" -enddate "$4" -in "$tls/$1.csr" -out "$tls/$1.crt"
    cat "$tls/$1.crt" "$tls/ca.pem" >"$tls/$1.pem"
}
now="$(date -u +%Y%m%d%H%M%SZ)"
later="$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)"
leaf good "DNS:localhost,IP:127.0.0.1" "$now" "$later"
leaf other "DNS:mail.example.org" "$now" "$later"
leaf expired "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20210101000000Z

# --- Dovecot: SASL only -----------------------------------------------------
RELAY_USER="news@example.com"
RELAY_PASS="e2e-$(openssl rand -hex 8)"
dc="$dir/dovecot"
mkdir -p "$dc/run" "$dc/state"
echo "$RELAY_USER:{PLAIN}$RELAY_PASS" >"$dc/users"
chmod 644 "$dc/users"
cat >"$dc/dovecot.conf" <<EOF
base_dir = $dc/run
state_dir = $dc/state
log_path = $dc/dovecot.log
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dc/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $dir/sasl-auth {
    mode = 0666
  }
}
EOF
# Daemons must not hold the caller's stdout open (a test waits for it to close).
dovecot -c "$dc/dovecot.conf" </dev/null >>"$dir/start.log" 2>&1
# Up once its pid file and the SASL socket Postfix will use are there.
for _ in $(seq 200); do
    [ -S "$dir/sasl-auth" ] && [ -s "$dc/run/master.pid" ] && break
    sleep 0.05
done
[ -S "$dir/sasl-auth" ] || { echo "dovecot did not start: $(cat "$dc/dovecot.log" 2>/dev/null)" >&2; exit 1; }

# --- Postfix ----------------------------------------------------------------
pf="$dir/postfix"
mkdir -p "$pf" "$dir/queue" "$dir/data" "$dir/mail"
chown nobody "$dir/mail"
chown postfix "$dir/data"
cat >"$pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.e2e.test
mydestination =
mynetworks = 192.0.2.1/32
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
biff = no
smtputf8_enable = yes
virtual_mailbox_domains = example.com
virtual_mailbox_base = $dir/mail
# Every accepted message lands in one Maildir; tests read the recipients from it.
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
virtual_minimum_uid = 1
smtpd_tls_chain_files = $tls/good.key, $tls/good.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $dir/sasl-auth
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
EOF
cat >"$pf/master.cf" <<EOF
127.0.0.1:$PORT_GOOD inet n - n - - smtpd
127.0.0.1:$PORT_OTHER inet n - n - - smtpd -o smtpd_tls_chain_files=$tls/other.key,$tls/other.pem
127.0.0.1:$PORT_EXPIRED inet n - n - - smtpd -o smtpd_tls_chain_files=$tls/expired.key,$tls/expired.pem
127.0.0.1:$PORT_TLS inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
127.0.0.1:$PORT_NOTLS inet n - n - - smtpd -o smtpd_tls_security_level=none
127.0.0.1:$PORT_PLAIN inet n - n - - smtpd -o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=no -o mynetworks=127.0.0.0/8 -o smtpd_relay_restrictions=permit_mynetworks,reject -o smtpd_recipient_restrictions=permit_mynetworks,reject
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
if ! postfix -c "$pf" start </dev/null >>"$dir/start.log" 2>&1; then
    cat "$dir/start.log" >&2
    stop
    exit 1
fi

cat >"$dir/relay.env" <<EOF
PORT_GOOD=$PORT_GOOD
PORT_OTHER=$PORT_OTHER
PORT_EXPIRED=$PORT_EXPIRED
PORT_TLS=$PORT_TLS
PORT_NOTLS=$PORT_NOTLS
PORT_PLAIN=$PORT_PLAIN
CA_FILE=$tls/ca.pem
OTHER_CA_FILE=$tls/other-ca.pem
MAIL_DIR=$dir/mail/inbox
RELAY_USER=$RELAY_USER
RELAY_PASS=$RELAY_PASS
EOF
