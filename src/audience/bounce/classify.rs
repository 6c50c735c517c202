//! What a refusal means: hard (the address is gone), soft (the message was
//! refused or delayed) or nothing.
//!
//! The order of the checks is the policy:
//! 1. A success or a temporary status (2.x.x, 4.x.x, `Action: delayed`) is
//!    never hard.
//! 2. A refusal that is about the sender or the connection (the reply to
//!    MAIL FROM, to the greeting or EHLO) says nothing about the reader: soft.
//! 3. Words that name the message's fault (spam, policy, DMARC, quota, size,
//!    rate, reputation, block lists) make it soft even when the server also
//!    said 5.1.1: many servers reuse "user unknown" codes for filtering.
//! 4. A security/policy status (x.7.x) is soft whatever the words.
//! 5. Words that say the address is gone make it hard, unless the server
//!    said them only after accepting the recipient (after DATA): a mailbox
//!    that accepted RCPT exists, and a content filter is speaking.
//! 6. Status codes that name a gone address (x.1.1, x.1.2, x.1.3, x.1.6,
//!    x.1.10, x.4.4 unroutable) make it hard with the same DATA exception.
//! 7. Anything else that failed is soft.

use super::Kind;

/// The SMTP command a reply answered, when the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The greeting, EHLO/HELO or the connection itself.
    Connect,
    MailFrom,
    RcptTo,
    /// DATA or the end of the message data.
    Data,
}

/// The decision for one recipient, with a short reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub kind: Kind,
    pub reason: &'static str,
}

const fn v(kind: Kind, reason: &'static str) -> Verdict {
    Verdict { kind, reason }
}

/// Phrases that blame the message, the sender or the moment (lower case).
/// Checked before the "address is gone" phrases, so a mixed diagnostic is soft.
const SOFT: &[(&str, &str)] = &[
    // full mailbox
    ("mailbox full", "mailbox full"),
    ("mailbox is full", "mailbox full"),
    ("mailbox_full", "mailbox full"),
    ("quota", "mailbox full"),
    ("disk space", "mailbox full"),
    ("mailfolder is full", "mailbox full"),
    ("exceeds allowed size", "mailbox full"),
    ("mailbox exceeds", "mailbox full"),
    ("insufficient system storage", "mailbox full"),
    ("too much mail", "mailbox full"),
    ("メールボックスが一杯", "mailbox full"),
    ("容量", "mailbox full"),
    // size
    ("too large", "message too large"),
    ("too big", "message too large"),
    ("size limit", "message too large"),
    ("message size", "message too large"),
    ("exceeds the maximum", "message too large"),
    // content and spam filtering
    ("spam", "spam filter"),
    ("junk", "spam filter"),
    ("ube", "spam filter"),
    ("content rejected", "spam filter"),
    ("message content", "spam filter"),
    ("content filter", "spam filter"),
    ("virus", "spam filter"),
    ("malware", "spam filter"),
    ("security issue", "spam filter"),
    ("security polic", "policy"),
    ("mail rejete", "spam filter"),
    // policy and standards
    ("policy", "policy"),
    ("protocol violation", "policy"),
    ("header error", "policy"),
    ("rfc 5322", "policy"),
    ("rfc5322", "policy"),
    ("rfc 2822", "policy"),
    ("multiple addresses in from", "policy"),
    ("8-bit data", "policy"),
    ("8bit data", "policy"),
    ("not a member", "list policy"),
    ("permission to post", "list policy"),
    ("group you tried to contact", "list policy"),
    ("not a registered gateway user", "policy"),
    // authentication of the sender
    ("dmarc", "authentication"),
    ("spf", "authentication"),
    ("dkim", "authentication"),
    ("authenticat", "authentication"),
    ("not allowed to send from", "authentication"),
    ("email address is not verified", "authentication"),
    ("identities failed", "authentication"),
    ("sender address", "sender refused"),
    ("sender domain", "sender refused"),
    ("domain of sender", "sender refused"),
    ("sender rejected", "sender refused"),
    ("sender is", "sender refused"),
    ("from: domain", "sender refused"),
    ("purported responsible", "sender refused"),
    ("sending domain", "sender refused"),
    ("blacklisted", "blocked"),
    // reputation, block lists, the sending host
    ("blocked", "blocked"),
    ("bloque", "blocked"),
    ("blacklist", "blocked"),
    ("blocklist", "blocked"),
    ("black list", "blocked"),
    ("block list", "blocked"),
    ("dnsbl", "blocked"),
    ("rbl", "blocked"),
    ("spamhaus", "blocked"),
    ("banned", "blocked"),
    ("reputation", "blocked"),
    ("access denied", "blocked"),
    ("client host rejected", "blocked"),
    ("not accepted from servers", "blocked"),
    ("ptr record", "blocked"),
    ("reverse dns", "blocked"),
    ("name lookup failed", "blocked"),
    ("mismatches client ip", "blocked"),
    ("unverifyable", "blocked"),
    ("smtp server of your isp", "blocked"),
    ("may not be mail exchanger", "blocked"),
    ("refuse", "blocked"),
    ("rejected by this system", "blocked"),
    ("abuse", "blocked"),
    // rate
    ("rate limit", "rate limited"),
    ("rate that prevents", "rate limited"),
    ("too many", "rate limited"),
    ("frequency limited", "rate limited"),
    ("throttl", "rate limited"),
    ("temporarily deferred", "rate limited"),
    ("unexpected volume", "rate limited"),
    // relaying
    ("relaying", "relay refused"),
    ("relay access", "relay refused"),
    ("relay denied", "relay refused"),
    ("relay not permitted", "relay refused"),
    ("mail relay", "relay refused"),
    ("unable to relay", "relay refused"),
    // the mailbox is there but switched off (it may come back)
    ("disabled", "mailbox disabled"),
    ("suspended", "mailbox disabled"),
    ("account is locked", "mailbox disabled"),
    ("frozen", "mailbox disabled"),
    ("on hold", "mailbox disabled"),
    // time, network, the remote system
    ("timed out", "timed out"),
    ("timeout", "timed out"),
    ("expired", "timed out"),
    ("too long", "timed out"),
    ("retry", "timed out"),
    ("retries", "timed out"),
    ("attempts", "timed out"),
    ("try again", "temporary failure"),
    ("try later", "temporary failure"),
    ("temporar", "temporary failure"),
    ("delayed", "temporary failure"),
    ("connection refused", "network error"),
    ("unable to connect", "network error"),
    ("could not connect", "network error"),
    ("requests to connect", "network error"),
    ("not reachable", "network error"),
    ("network error", "network error"),
    ("hop count", "network error"),
    ("too many hops", "network error"),
    ("routing loop", "network error"),
    ("malformed", "network error"),
    ("gateway for", "network error"),
    ("system error", "remote system error"),
    ("internal", "remote system error"),
    ("mailer error", "remote system error"),
    ("service unavailable", "remote system error"),
    ("service currently unavailable", "remote system error"),
    ("transaction failed", "remote system error"),
    ("not implemented", "remote system error"),
    ("improper sequence", "remote system error"),
    ("pipe to", "remote system error"),
    ("procmail", "remote system error"),
];

/// Phrases that say the address, mailbox or domain does not exist (lower case).
const GONE: &[(&str, &str)] = &[
    ("not listed in", "not in directory"),
    ("ディレクトリのリストにありません", "not in directory"),
    ("recipient name is not recognized", "not in directory"),
    ("user unknown", "user unknown"),
    ("unknown user", "user unknown"),
    ("no such user", "user unknown"),
    ("unknown recipient", "user unknown"),
    ("recipient unknown", "user unknown"),
    ("invalid recipient", "user unknown"),
    ("recipient not found", "user unknown"),
    ("recipientnotfound", "user unknown"),
    ("recipnotfound", "user unknown"),
    ("user not found", "user unknown"),
    ("no such mailbox", "user unknown"),
    ("mailbox not found", "user unknown"),
    ("mailbox does not exist", "user unknown"),
    ("address does not exist", "user unknown"),
    (
        "account that you tried to reach does not exist",
        "user unknown",
    ),
    ("unknown or illegal", "user unknown"),
    ("doesn't have a", "user unknown"),
    ("inactive email address", "user unknown"),
    ("no mailbox here", "user unknown"),
    ("invalid mailbox", "user unknown"),
    ("mailbox unavailable", "user unknown"),
    ("unrouteable address", "host unknown"),
    ("dns lookup failure", "host unknown"),
    ("host unknown", "host unknown"),
    ("unknown host", "host unknown"),
    ("host not found", "host unknown"),
    ("domain not found", "host unknown"),
    ("host or domain name not found", "host unknown"),
    ("illegal host", "host unknown"),
    ("invalid domain", "host unknown"),
    ("no mx record", "host unknown"),
    ("couldn't find a mail exchanger", "host unknown"),
    ("does not accept mail", "host does not accept mail"),
    ("null mx", "host does not accept mail"),
    ("has moved", "mailbox moved"),
    ("not our customer", "mailbox moved"),
    ("no forwarding address", "mailbox moved"),
];

/// The first phrase of `table` found in `text` (already lower case).
fn find(table: &[(&str, &'static str)], text: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(phrase, _)| contains_word(text, phrase))
        .map(|(_, reason)| *reason)
}

/// `phrase` in `text`, not glued to letters on either side (so "ube" does
/// not match "tube" and "spf" matches "spf=fail").
fn contains_word(text: &str, phrase: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        let end = start + phrase.len();
        let first = phrase.as_bytes()[0];
        let last = phrase.as_bytes()[phrase.len() - 1];
        let left_ok =
            !first.is_ascii_alphabetic() || start == 0 || !bytes[start - 1].is_ascii_alphabetic();
        // A phrase may be a stem ("authenticat", "temporar"), so only short
        // phrases (acronyms) need a clean right edge.
        let right_ok = phrase.len() > 4
            || !last.is_ascii_alphabetic()
            || end == bytes.len()
            || !bytes[end].is_ascii_alphabetic();
        if left_ok && right_ok {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Status codes that on their own say the address is gone (RFC 3463, 7505).
fn gone_status(status: &str) -> Option<&'static str> {
    let mut parts = status.split('.');
    let (_, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
    match (subject, detail) {
        ("1", "1") | ("1", "3") | ("1", "351") => Some("user unknown"),
        ("1", "2") | ("1", "10") | ("4", "4") => Some("host unknown"),
        ("1", "6") => Some("mailbox moved"),
        _ => None,
    }
}

/// Whether a notice's own prose says the mailbox or disk is full: a DSN that
/// also says "user unknown" then contradicts itself, and the reader stays.
pub fn says_mailbox_full(text: &str) -> bool {
    find(SOFT, &text.to_lowercase()) == Some("mailbox full")
}

/// Whether a transcript shows the replies only after DATA (pipelining), so
/// that they answered RCPT TO is inferred ("need RCPT"), not stated. That is
/// not enough to overrule a code (x.2.x) that says the mailbox exists.
pub fn rcpt_only_inferred(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains(">>> data")
        && command_in(&lower) == Some(Command::RcptTo)
        && !lower.contains(">>> rcpt")
        && !lower.contains("rcpt to")
}

/// Classifies one recipient's failure. `status` is the enhanced code
/// (`5.1.1`), `text` the diagnostic (any case), `command` the SMTP command the
/// reply answered, `action` the DSN `Action:` field.
pub fn classify(
    status: Option<&str>,
    text: &str,
    command: Option<Command>,
    action: Option<&str>,
) -> Verdict {
    let action = action.map(|a| a.trim().to_ascii_lowercase());
    match action.as_deref() {
        Some("delivered") | Some("relayed") | Some("expanded") => {
            return v(Kind::None, "delivered")
        }
        _ => {}
    }
    let status = status.unwrap_or("").trim();
    let class = status.as_bytes().first().copied();
    if class == Some(b'2') {
        return v(Kind::None, "delivered");
    }
    let lower = text.to_lowercase();
    let soft_reason = find(SOFT, &lower);
    if class == Some(b'4') || action.as_deref() == Some("delayed") {
        return v(Kind::Soft, soft_reason.unwrap_or("temporary failure"));
    }
    if matches!(command, Some(Command::MailFrom) | Some(Command::Connect)) {
        return v(Kind::Soft, soft_reason.unwrap_or("sender refused"));
    }
    if let Some(reason) = soft_reason {
        return v(Kind::Soft, reason);
    }
    let phrase = find(GONE, &lower);
    // Yahoo refuses an address that has no account after DATA, marking it
    // "dd" (final): the one well-known refusal after DATA that means gone.
    if lower.contains("delivery error: dd ") && phrase.is_some() {
        return v(Kind::Hard, "user unknown");
    }
    // A domain that takes no mail at all (RFC 7505 null MX, no MX) is gone
    // whatever code comes with it.
    if phrase == Some("host does not accept mail") && command != Some(Command::Data) {
        return v(Kind::Hard, "host unknown");
    }
    // RFC 7504's 521 and RFC 7505's 556 say the domain takes no mail at all.
    if matches!(super::text::reply_code(&lower), Some(521) | Some(556))
        && !matches!(command, Some(Command::Data))
    {
        return v(Kind::Hard, "host does not accept mail");
    }
    // x.7.x is soft, unless the server's own reply to RCPT TO had no enhanced
    // code and named the address gone: then the 5.7.x is only the reporting
    // MTA's guess, and the remote server's words are the evidence.
    let remote_gone_at_rcpt = command == Some(Command::RcptTo)
        && super::text::enhanced_status(&lower).is_none()
        && phrase.is_some();
    if status.starts_with("5.7.") && !remote_gone_at_rcpt {
        return v(Kind::Soft, "policy");
    }
    let by_status = gone_status(status);
    if phrase.is_none() && by_status.is_none() {
        return v(Kind::Soft, "refused");
    }
    if command == Some(Command::Data) {
        return v(Kind::Soft, "refused after data");
    }
    if let Some(reason) = by_status {
        return v(Kind::Hard, phrase.unwrap_or(reason));
    }
    let reason = phrase.unwrap_or("refused");
    // "User unknown" without a status that says so is trusted only as the
    // answer to RCPT TO: filters and gateways that refuse a message later
    // (or do not say when) reuse those words for mail they merely reject.
    // A gone host or a moved mailbox is the sending side's own finding.
    // The mail store's own directory lookup (Exchange, Domino) is trusted.
    if reason == "not in directory" {
        return v(Kind::Hard, "user unknown");
    }
    // x.2.x says the mailbox exists (RFC 3463): the words and code disagree,
    // and only the answer to RCPT TO settles it.
    if reason == "user unknown" && status.starts_with("5.2.") && command != Some(Command::RcptTo) {
        return v(Kind::Soft, "recipient refused");
    }
    // A server that knows the user is unknown says 5.1.1; one that answers
    // "user unknown" under the undefined 5.0.0 is often a filter reusing the
    // words, so without a code that names the address the reader stays.
    if reason == "user unknown"
        && status == "5.0.0"
        && super::text::enhanced_status(&lower).as_deref() == Some("5.0.0")
    {
        return v(Kind::Soft, "recipient refused");
    }
    if reason == "user unknown" && command != Some(Command::RcptTo) {
        return v(Kind::Soft, "recipient refused");
    }
    v(Kind::Hard, reason)
}

/// Classifies a live SMTP reply during a send: `code` is the basic reply code
/// (550), `text` the reply with its enhanced code if the server gave one.
/// A 4xx is soft (the caller counts it only once its retries ran out).
pub fn classify_reply(code: u16, text: &str, command: Option<Command>) -> Verdict {
    let enhanced = super::text::enhanced_status(text);
    let status = match (&enhanced, code / 100) {
        (Some(s), _) => s.clone(),
        (None, 4) => "4.0.0".to_string(),
        (None, 5) => "5.0.0".to_string(),
        (None, _) => String::new(),
    };
    if code < 400 {
        return v(Kind::None, "accepted");
    }
    classify(Some(&status), text, command, None)
}

/// The SMTP command a diagnostic or transcript says the reply answered.
/// RCPT wins over DATA: a transcript that failed at RCPT goes on to show
/// "503 need RCPT" after DATA.
pub fn command_in(text: &str) -> Option<Command> {
    let lower = text.to_lowercase();
    let any = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(p));
    // A pipelined transcript shows ">>> DATA" before the replies; "need
    // RCPT" or "no valid recipients" says the refusal was the RCPT's.
    if any(&["need rcpt", "no valid recipients", "rcpt first"]) {
        return Some(Command::RcptTo);
    }
    if any(&[
        "rcpt to",
        ">>> rcpt",
        "[rcpt_to]",
        "does not like recipient",
        "rcpt command",
        "(rcpt)",
        // Messaging Server's words when the remote refused the RCPT TO
        // address itself (its refusals of the message say "message").
        "has rejected address",
    ]) {
        return Some(Command::RcptTo);
    }
    if any(&[
        "end of data",
        "in reply to data",
        "after data",
        ">>> data",
        "after i sent the message",
        "(data)",
        "data command",
        "text command",
    ]) {
        return Some(Command::Data);
    }
    if any(&["mail from", ">>> mail", "[mail_from]"]) {
        return Some(Command::MailFrom);
    }
    if any(&[
        "initial connection",
        "after ehlo",
        "after helo",
        "my name was rejected",
        "refused to talk to me",
        "greeting",
    ]) {
        return Some(Command::Connect);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: &str, text: &str) -> Kind {
        classify(Some(status), text, command_in(text), Some("failed")).kind
    }

    #[test]
    fn an_unknown_user_at_rcpt_is_hard() {
        assert_eq!(
            kind(
                "5.1.1",
                "550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)"
            ),
            Kind::Hard
        );
        assert_eq!(
            kind("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
            Kind::Hard
        );
        assert_eq!(kind("5.4.4", "Host or domain name not found"), Kind::Hard);
    }

    #[test]
    fn refusals_of_the_message_are_soft_even_with_a_5_1_1() {
        for text in [
            "550 5.1.1 <bo@example.net> - 192.0.2.1 has sent to too many recipients this hour",
            "552 5.2.2 Quota exceeded (mailbox for user is full)",
            "554 5.7.1 Your message was rejected due to example.org's DMARC policy",
            "550 5.7.1 Message content rejected, UBE",
            "552 5.3.4 Message too large",
            "421 4.7.0 temporarily deferred due to user complaints",
            "550 5.7.606 Access denied, banned sending IP",
        ] {
            assert_eq!(kind("5.1.1", text), Kind::Soft, "{text}");
        }
    }

    #[test]
    fn user_unknown_after_data_is_a_filter_speaking() {
        assert_eq!(
            kind(
                "5.0.0",
                "550 : User unknown (in reply to end of DATA command)"
            ),
            Kind::Soft
        );
    }

    #[test]
    fn temporary_and_delivered_are_never_hard() {
        assert_eq!(kind("4.1.1", "450 4.1.1 User unknown"), Kind::Soft);
        assert_eq!(
            classify(Some("2.0.0"), "250 ok", None, Some("delivered")).kind,
            Kind::None
        );
        assert_eq!(
            classify(Some("5.1.1"), "User unknown", None, Some("delayed")).kind,
            Kind::Soft
        );
    }

    #[test]
    fn a_sender_refusal_says_nothing_about_the_reader() {
        assert_eq!(
            kind(
                "5.1.0",
                "SMTP error from remote mail server after MAIL FROM:<us@example.com>: 553 5.1.0 us example.com does not exist"
            ),
            Kind::Soft
        );
    }

    #[test]
    fn live_replies_use_the_same_rules() {
        assert_eq!(
            classify_reply(
                550,
                "5.1.1 <ann@example.net>: user unknown",
                Some(Command::RcptTo)
            )
            .kind,
            Kind::Hard
        );
        assert_eq!(
            classify_reply(554, "5.7.1 rejected by policy", Some(Command::Data)).kind,
            Kind::Soft
        );
        assert_eq!(
            classify_reply(550, "no such user", Some(Command::Data)).kind,
            Kind::Soft
        );
        assert_eq!(
            classify_reply(451, "try later", Some(Command::RcptTo)).kind,
            Kind::Soft
        );
    }

    #[test]
    fn a_domain_that_takes_no_mail_is_gone() {
        assert_eq!(
            kind(
                "5.3.2",
                "example.net did not like our RCPT TO: 521 5.3.2 <cy@example.net>: this host does not take mail"
            ),
            Kind::Hard
        );
        assert_eq!(
            classify_reply(556, "5.1.10 null MX", Some(Command::RcptTo)).kind,
            Kind::Hard
        );
        assert_eq!(
            classify_reply(521, "5.3.2 closed", Some(Command::Data)).kind,
            Kind::Soft
        );
    }

    #[test]
    fn user_unknown_under_an_explicit_5_0_0_is_not_trusted() {
        assert_eq!(
            kind(
                "5.0.0",
                ">>> RCPT TO:<di@example.net>\n<<< 550 5.0.0 <di@example.net>... User unknown"
            ),
            Kind::Soft
        );
        // A bare 550 at RCPT (no enhanced code written) still removes.
        assert_eq!(
            classify_reply(550, "<di@example.net>: user unknown", Some(Command::RcptTo)).kind,
            Kind::Hard
        );
    }

    #[test]
    fn a_notice_that_says_the_disk_is_full_is_noticed() {
        assert!(says_mailbox_full(
            "Your mail to <ed> bounced:\nNot enough disk space"
        ));
        assert!(!says_mailbox_full(
            "Returned mail: see transcript for details"
        ));
    }

    #[test]
    fn a_policy_code_the_remote_never_gave_does_not_hide_an_unknown_user() {
        // The remote answered RCPT TO with a bare 553; the 5.7.1 is the relay's.
        assert_eq!(
            kind(
                "5.7.1",
                ">>> RCPT TO:<ivy@example.org>\n<<< 553 Invalid recipient ivy@example.org"
            ),
            Kind::Hard
        );
        // The remote's own 5.7.1 is policy, whatever the words.
        assert_eq!(
            kind(
                "5.7.1",
                ">>> RCPT TO:<ivy@example.org>\n<<< 550 5.7.1 Invalid recipient ivy@example.org"
            ),
            Kind::Soft
        );
    }

    #[test]
    fn a_rejected_address_is_a_refusal_at_rcpt() {
        assert_eq!(
            command_in("Reason: Remote SMTP server has rejected address"),
            Some(Command::RcptTo)
        );
        assert!(rcpt_only_inferred(">>> DATA\n<<< 550 x\n<<< 503 Need RCPT"));
        assert!(!rcpt_only_inferred(
            ">>> RCPT TO:<a@b>\n<<< 550 x\n>>> DATA\n<<< 503 Need RCPT"
        ));
    }

    #[test]
    fn phrases_match_whole_words() {
        assert!(contains_word("spf=fail", "spf"));
        assert!(!contains_word("youtube", "ube"));
        assert!(contains_word("550 ube, id=1", "ube"));
    }
}
