# serve (issue 11, part A): the end-to-end tests in tests/serve_e2e.rs use
# aiosmtpd (tests/e2e/store_server.py) and headless Chromium driven over the
# DevTools protocol; scripts/bench/serve_unsubscribe.sh uses wrk.
# Sourced by .ci/run after the common installs (which already bring
# chromium and python3-aiosmtpd); this only makes sure of them.
command -v chromium >/dev/null || as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q aiosmtpd
command -v wrk >/dev/null || as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends wrk >/dev/null || true
