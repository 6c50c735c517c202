# Bounces: a Postfix of our own on loopback (its config, queue and mail in a
# temp dir; started with `postfix -c`, never as the system service). It
# accepts every recipient at bounce.test and then finds no such local user,
# so it writes a real DSN to the envelope sender; everything for
# newsletter.test (the VERP bounce address) lands in one Maildir.
# Sourced by .ci/run; exports NEWSLETTER_POSTFIX_SMTP and NEWSLETTER_POSTFIX_MAILDIR.

if ! command -v postfix >/dev/null; then
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postfix >/dev/null
fi

bounces_postfix_start() {
    local dir port owner
    dir="$(mktemp -d /tmp/newsletter-postfix.XXXXXX)"
    chmod 755 "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # Virtual delivery will not write as root: the mail belongs to the user
    # running the tests (or nobody when that is root, who can read it anyway).
    owner="$(id -un)"
    [ "$(id -u)" = 0 ] && owner=nobody
    mkdir -p "$dir/conf" "$dir/queue" "$dir/data" "$dir/mail"
    as_root chown postfix "$dir/data"
    as_root chown "$owner" "$dir/mail"
    # The packaged master.cf with chroot off and smtpd on our loopback port only.
    sed -e 's/^\(\S\+\s\+\S\+\s\+\S\+\s\+\S\+\s\+\)y\(\s\)/\1n\2/' \
        -e "s/^smtp\(\s\+\)inet/127.0.0.1:${port}\1inet/" \
        /etc/postfix/master.cf > "$dir/conf/master.cf"
    cat > "$dir/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.newsletter.test
mydomain = newsletter.test
myorigin = newsletter.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination = bounce.test
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = newsletter.test
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:bounces/
virtual_uid_maps = static:$(id -u "$owner")
virtual_gid_maps = static:$(id -g "$owner")
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
disable_dns_lookups = yes
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
notify_classes =
CONF
    as_root postfix -c "$dir/conf" start >/dev/null
    ci_on_exit "as_root postfix -c '$dir/conf' stop >/dev/null 2>&1; as_root rm -rf '$dir'"
    export NEWSLETTER_POSTFIX_SMTP="127.0.0.1:${port}"
    export NEWSLETTER_POSTFIX_MAILDIR="$dir/mail/bounces"
}
bounces_postfix_start
