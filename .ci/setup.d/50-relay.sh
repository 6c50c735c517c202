# Real submission relays for tests/relay_e2e.rs: Postfix with STARTTLS and
# implicit TLS on certificates from a CA made with openssl, SASL through
# Dovecot, delivering to a Maildir. Each test starts its own instance with
# tests/e2e/relay_server.sh (own config, queue and sockets in a temp folder,
# free ports, stopped by the test), so the tests stay independent of one
# another and of this script; here we install the pieces and prove once that
# the stack comes up.
echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
# Installing must not start the packages' system services.
relay_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    relay_policy=1
fi
as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    postfix dovecot-core openssl python3 >/dev/null
[ -n "$relay_policy" ] && as_root rm -f /usr/sbin/policy-rc.d
python3 -c "import dkim" 2>/dev/null || python3 -m pip install -q dkimpy

relay_smoke="$(mktemp -d)"
if ! bash tests/e2e/relay_server.sh start "$relay_smoke"; then
    echo "relay: Postfix + Dovecot did not start; see $relay_smoke/start.log" >&2
    exit 1
fi
bash tests/e2e/relay_server.sh stop "$relay_smoke"
as_root rm -rf "$relay_smoke"
unset relay_policy relay_smoke
