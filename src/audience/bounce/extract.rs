//! Finding the reported recipients in a report message.
//!
//! MIME is parsed by `mail-parser`; this file only reads what the parts
//! mean. In order of trust:
//! 1. RFC 5965 `message/feedback-report` (and the older provider loops that
//!    send the complained-about message with a complaint subject),
//! 2. a mailed unsubscribe (`X-Apple-Unsubscribe`, RFC 3834 `auto-replied`
//!    with subject "unsubscribe"), then RFC 3834 auto-replies,
//! 3. RFC 3464 `message/delivery-status` fields, one record per recipient,
//!    read together with the human-readable part for the SMTP transcript,
//! 4. the free-text notice of an MTA that sends no DSN (qmail, Exim,
//!    Exchange, Gmail, …): addresses in the notice, each with the text that
//!    follows it, up to the copy of the original message.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::classify::{classify, command_in, rcpt_only_inferred, says_mailbox_full, Verdict};
use super::notice::{looks_like_bounce, notice_findings};
use super::text::{addresses, enhanced_status, fold, reply_code, strip_tags};
use super::{BounceError, Finding, Kind, Report};

/// How much of a diagnostic is kept for display and the history.
const DIAGNOSTIC_LIMIT: usize = 300;
/// At most this many recipients are read from one report.
pub(super) const MAX_RECIPIENTS: usize = 500;

/// The parts of a report that matter, gathered from its MIME tree.
#[derive(Default)]
pub(super) struct Parts {
    /// Human-readable notice (text parts of the report itself), subject first.
    pub(super) notice: String,
    /// `message/delivery-status` bodies.
    pub(super) dsn: Vec<String>,
    /// `message/feedback-report` bodies.
    pub(super) feedback: Vec<String>,
    /// Header fields of the original message (attached or quoted).
    pub(super) original: Vec<(String, String)>,
}

/// Reads one report. Never panics; a message that is not a report at all
/// gives no findings.
pub fn read_report(raw: &[u8]) -> Result<Report, BounceError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(BounceError::NotAMessage)?;
    if message.headers().is_empty() {
        return Err(BounceError::NotAMessage);
    }
    let mut parts = Parts::default();
    if let Some(subject) = message.subject() {
        parts.notice.push_str(subject);
        parts.notice.push('\n');
    }
    gather(&message, &mut parts);
    if parts.dsn.is_empty()
        && parts.feedback.is_empty()
        && parts.original.is_empty()
        && parts.notice.lines().count() <= 1
    {
        // A multipart whose boundary never occurs (it happens): read its body as text.
        let body_at = message.root_part().raw_body_offset() as usize;
        if let Some(body) = raw.get(body_at..) {
            parts.notice.push_str(&String::from_utf8_lossy(body));
        }
    }
    if parts.original.is_empty() {
        // An inline copy after a marker line ("--- Below this line is a copy of the message.").
        if let Some(at) = original_marker(&parts.notice) {
            let tail = parts.notice[at..].to_string();
            parts.notice.truncate(at);
            let start = tail.find('\n').map_or(tail.len(), |n| n + 1);
            let quoted = tail[start..].trim_start_matches(['\r', '\n']);
            if let Some(copy) = MessageParser::default().parse_headers(quoted.as_bytes()) {
                parts.original = raw_headers(&copy);
            }
        }
    } else if let Some(at) = original_marker(&parts.notice) {
        parts.notice.truncate(at);
    }

    let mut report = Report {
        original_message_ids: original_ids(&parts),
        addressed_to: addressed_to(&message, &parts),
        findings: Vec::new(),
    };
    report.findings = findings(&message, &parts);
    report.findings.truncate(MAX_RECIPIENTS);
    Ok(report)
}

fn findings(message: &Message<'_>, parts: &Parts) -> Vec<Finding> {
    if !parts.feedback.is_empty() {
        return feedback_findings(&parts.feedback.join("\n"), parts);
    }
    let header = |name: &str| message.header_raw(name).unwrap_or("").trim().to_lowercase();
    let auto_submitted = header("auto-submitted");
    let subject = message.subject().unwrap_or("").trim().to_lowercase();
    if header("x-apple-unsubscribe") == "true"
        || (auto_submitted.starts_with("auto-replied") && subject == "unsubscribe")
    {
        let from = sender_address(message);
        return vec![finding(
            from,
            Kind::Unsubscribe,
            "",
            "mailed unsubscribe",
            &subject,
        )];
    }
    if parts.dsn.is_empty()
        && !parts.original.is_empty()
        && (subject.contains("complaint about message") || subject.contains("abuse report"))
    {
        return complaint_without_arf(parts);
    }
    if !parts.dsn.is_empty() {
        let found = dsn_findings(&parts.dsn.join("\n\n"), parts);
        if !found.is_empty() {
            return found;
        }
        // A DSN part without recipient fields: the notice still names them.
        return notice_findings(message, parts);
    }
    if let Some(at) = find_ci(&parts.notice, "final-recipient:") {
        // A DSN pasted into the text part instead of its own MIME part.
        let fields = dsn_findings(&parts.notice[at..], parts);
        if !fields.is_empty() {
            return fields;
        }
    }
    // Exim marks its bounces `auto-replied` too, so the signs of a
    // delivery failure are looked at first.
    if looks_like_bounce(message, &subject) {
        return notice_findings(message, parts);
    }
    if is_auto_reply(message, &auto_submitted, &subject) {
        let from = sender_address(message);
        return vec![finding(from, Kind::AutoReply, "", "auto-reply", &subject)];
    }
    Vec::new()
}

fn finding(
    recipient: String,
    kind: Kind,
    status: &str,
    reason: &'static str,
    text: &str,
) -> Finding {
    Finding {
        recipient,
        kind,
        status: status.to_string(),
        reason,
        diagnostic: fold(text, DIAGNOSTIC_LIMIT),
    }
}

/// Collects the notice text, report bodies and original headers of the
/// message's own parts (an attached message's parts are its own, not ours).
fn gather(message: &Message<'_>, parts: &mut Parts) {
    for part in &message.parts {
        let (ctype, subtype) = match part.content_type() {
            Some(ct) => (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            ),
            None => ("text".to_string(), "plain".to_string()),
        };
        match (&part.body, ctype.as_str(), subtype.as_str()) {
            (PartType::Multipart(_), _, _) => {}
            // Only the first attached copy counts as the original.
            (PartType::Message(inner), _, _) if parts.original.is_empty() => {
                parts.original = raw_headers(inner);
            }
            (PartType::Message(_), _, _) => {}
            (_, "message", "delivery-status" | "global-delivery-status") => {
                parts
                    .dsn
                    .push(String::from_utf8_lossy(part.contents()).into_owned());
            }
            (_, "message", "feedback-report") => {
                parts
                    .feedback
                    .push(String::from_utf8_lossy(part.contents()).into_owned());
            }
            (_, "text" | "message", "rfc822-headers" | "rfc822-header" | "rfc822") => {
                let copy = parts
                    .original
                    .is_empty()
                    .then(|| MessageParser::default().parse_headers(part.contents()))
                    .flatten();
                if let Some(copy) = copy {
                    parts.original = raw_headers(&copy);
                }
            }
            (PartType::Html(html), _, _) => {
                parts.notice.push_str(&strip_tags(html));
                parts.notice.push('\n');
            }
            (PartType::Text(text), "text", _) => {
                parts.notice.push_str(&undo_iso_2022_jp(text));
                parts.notice.push('\n');
            }
            _ => {}
        }
    }
}

/// Japanese notices often carry ISO-2022-JP without saying so; its escape
/// sequences survive as-is and are decoded here.
fn undo_iso_2022_jp(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("\x1b$B") || text.contains("\x1b$@") {
        let (decoded, _, _) = encoding_rs::ISO_2022_JP.decode(text.as_bytes());
        return std::borrow::Cow::Owned(decoded.into_owned());
    }
    std::borrow::Cow::Borrowed(text)
}

fn raw_headers(message: &Message<'_>) -> Vec<(String, String)> {
    message
        .headers_raw()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string()))
        .collect()
}

pub(super) fn original_header<'a>(
    parts: &'a Parts,
    name: &str,
) -> impl Iterator<Item = &'a str> + 'a {
    let name = name.to_string();
    parts
        .original
        .iter()
        .filter(move |(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// Where a quoted copy of the original message starts in a notice.
fn original_marker(notice: &str) -> Option<usize> {
    const MARKERS: &[&str] = &[
        "below this line is a copy of the message",
        "this is a copy of the message",
        "original message follows",
        "----- original message -----",
        "message headers follow",
        "content-type: message/rfc822",
        "------ original message header",
        "original message headers",
        "----- the header of the original message",
        "--- the message header ---",
        "unsent message below",
        "unsent message follows",
        "copy of the message header",
        "original message header",
        "this is the original message",
        "original message:",
        "--- original message",
    ];
    let lower = notice.to_lowercase();
    // Or the first header line of a copy: a notice's own prose never starts
    // a line with "Received: from" or "Return-Path:".
    // A forwarded notice quotes the copy too ("> Return-Path:").
    let copied_header = lower.match_indices('\n').map(|(i, _)| i + 1).find(|&i| {
        let line = lower[i..].strip_prefix("> ").unwrap_or(&lower[i..]);
        line.starts_with("received: from") || line.starts_with("return-path:")
    });
    // Lower-casing can change byte lengths outside ASCII; only trust a
    // position that is a char boundary in the original and starts a line.
    MARKERS
        .iter()
        .filter_map(|m| lower.find(m))
        .chain(copied_header)
        .min()
        .and_then(|at| {
            let line_start = lower[..at].rfind('\n').map_or(0, |n| n + 1);
            notice.is_char_boundary(line_start).then_some(line_start)
        })
        .filter(|at| *at > 0)
}

/// Case-insensitive ASCII search that returns a byte offset valid in `text`.
pub(super) fn find_ci(text: &str, needle: &str) -> Option<usize> {
    let hay = text.as_bytes();
    let needle = needle.as_bytes();
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

fn original_ids(parts: &Parts) -> Vec<String> {
    let mut ids: Vec<String> = original_header(parts, "message-id")
        .map(|v| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|v| !v.is_empty())
        .collect();
    for body in &parts.dsn {
        for (name, value) in fields(body).into_iter().flatten() {
            if name == "x-original-message-id" || name == "original-message-id" {
                ids.push(value.trim().trim_matches(['<', '>']).to_string());
            }
        }
    }
    ids.dedup();
    ids
}

fn addressed_to(message: &Message<'_>, parts: &Parts) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in message.headers_raw() {
        let name = name.to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "to" | "delivered-to" | "x-original-to" | "envelope-to" | "x-envelope-to"
        ) {
            out.extend(addresses(value));
        }
    }
    for value in original_header(parts, "return-path") {
        out.extend(addresses(value));
    }
    for body in &parts.feedback {
        for (name, value) in fields(body).into_iter().flatten() {
            if name == "original-mail-from" {
                out.extend(addresses(&value));
            }
        }
    }
    out.dedup();
    out
}

fn sender_address(message: &Message<'_>) -> String {
    message
        .header_raw("From")
        .and_then(|from| addresses(from).into_iter().next())
        .unwrap_or_default()
}

/// Splits `Name: value` fields into blocks at blank lines, unfolding
/// continuation lines (RFC 3464 section 2.1).
fn fields(body: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in body.lines() {
        // A report forwarded as a quote ("> Status: 5.1.1") is read as its fields.
        let line = line.strip_prefix("> ").unwrap_or(line);
        if line.trim().is_empty() {
            if blocks.last().is_some_and(|b| !b.is_empty()) {
                blocks.push(Vec::new());
            }
            continue;
        }
        let block = blocks.last_mut().expect("blocks is never empty");
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = block.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            if !name.is_empty() && !name.contains(' ') {
                block.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    blocks.retain(|b| !b.is_empty());
    blocks
}

/// `rfc822; <Ann@Example.com>` -> `Ann@Example.com`.
fn address_field(value: &str) -> String {
    let value = value.split_once(';').map_or(value, |(_, v)| v).trim();
    addresses(value)
        .into_iter()
        .next()
        .unwrap_or_else(|| value.trim_matches(['<', '>']).to_string())
}

#[derive(Default)]
struct DsnRecord {
    original: Option<String>,
    final_recipient: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic: String,
}

fn dsn_findings(body: &str, parts: &Parts) -> Vec<Finding> {
    // RFC 3464: per-recipient field groups are separated by blank lines;
    // fields may come in any order within a group.
    let mut records: Vec<DsnRecord> = Vec::new();
    let mut reporting_mta = String::new();
    for block in fields(body) {
        let mut current = DsnRecord::default();
        for (name, value) in block {
            match name.as_str() {
                "reporting-mta" => reporting_mta = value.to_ascii_lowercase(),
                "original-recipient" => {
                    if current.original.is_some() {
                        records.push(std::mem::take(&mut current));
                    }
                    current.original = Some(address_field(&value));
                }
                "final-recipient" => {
                    if current.final_recipient.is_some() {
                        records.push(std::mem::take(&mut current));
                    }
                    current.final_recipient = Some(address_field(&value));
                }
                "action" => current.action = Some(value.to_ascii_lowercase()),
                "status" => current.status = enhanced_status(&value),
                "diagnostic-code" => {
                    let text = value.split_once(';').map_or(value.as_str(), |(_, t)| t);
                    current.diagnostic = text.trim().to_string();
                }
                _ => {}
            }
        }
        if current.original.is_some() || current.final_recipient.is_some() {
            records.push(current);
        }
    }
    let names: Vec<String> = records
        .iter()
        .map(|r| {
            r.final_recipient
                .clone()
                .or(r.original.clone())
                .unwrap_or_default()
        })
        .collect();
    records
        .into_iter()
        .zip(names.iter())
        .map(|(record, recipient)| {
            let segment = segment_for(&parts.notice, recipient, &names);
            let own_words = !record.diagnostic.is_empty()
                && (enhanced_status(&record.diagnostic).is_some()
                    || reply_code(&record.diagnostic).is_some());
            let text = if own_words {
                record.diagnostic.clone()
            } else {
                format!("{} {}", record.diagnostic, segment)
            };
            let command = command_in(&record.diagnostic).or_else(|| command_in(segment));
            // An undefined Status (x.0.0) gives way to a specific code in the diagnostic.
            let in_words = enhanced_status(&record.diagnostic).or_else(|| enhanced_status(&text));
            let status = match (&record.status, in_words) {
                (Some(s), Some(w)) if s.ends_with(".0.0") && s.as_bytes()[0] == w.as_bytes()[0] => {
                    w
                }
                (Some(s), _) => s.clone(),
                (None, w) => w.unwrap_or_default(),
            };
            let mut verdict = classify(Some(&status), &text, command, record.action.as_deref());
            if verdict.kind == Kind::Hard
                && status.starts_with("5.2.")
                && command_in(&record.diagnostic).is_none()
                && rcpt_only_inferred(segment)
            {
                verdict = Verdict {
                    kind: Kind::Soft,
                    reason: "recipient refused",
                };
            }
            if verdict.kind == Kind::Hard && own_words && says_mailbox_full(segment) {
                verdict = Verdict {
                    kind: Kind::Soft,
                    reason: "mailbox full",
                };
            }
            if verdict.kind == Kind::Hard && is_receipt_rule_mta(&reporting_mta) {
                verdict = Verdict {
                    kind: Kind::Soft,
                    reason: "refused by a receiving rule",
                };
            }
            let shown = if record.diagnostic.is_empty() {
                segment
            } else {
                &record.diagnostic
            };
            make(recipient.clone(), verdict, &status, shown)
        })
        .collect()
}

/// Amazon SES's inbound endpoints have no mailboxes of their own: a bounce
/// they report comes from a receipt rule's bounce action, whose reply the
/// domain's owner configures (the console's default text is "550 5.1.1
/// Mailbox does not exist" whatever the rule is for). Such a refusal is a
/// filter speaking, not a directory lookup, so it never proves the address
/// gone.
fn is_receipt_rule_mta(reporting_mta: &str) -> bool {
    let host = reporting_mta
        .split_once(';')
        .map_or(reporting_mta, |(_, h)| h)
        .trim();
    host.starts_with("inbound-smtp.") && host.ends_with(".amazonaws.com")
}

pub(super) fn make(recipient: String, verdict: Verdict, status: &str, text: &str) -> Finding {
    finding(recipient, verdict.kind, status, verdict.reason, text)
}

/// The part of `notice` about `recipient`: from where it is first named to
/// where the next other recipient is first named (the whole notice when
/// only one recipient is reported or it is not named).
pub(super) fn segment_for<'a>(notice: &'a str, recipient: &str, all: &[String]) -> &'a str {
    if recipient.is_empty() {
        return notice;
    }
    let Some(start) = find_ci(notice, recipient) else {
        return notice;
    };
    let others: Vec<&String> = all
        .iter()
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case(recipient))
        .collect();
    if others.is_empty() {
        return notice;
    }
    let end = others
        .iter()
        .filter_map(|other| find_ci(&notice[start..], other).map(|at| start + at))
        .filter(|&at| at > start)
        .min()
        .unwrap_or(notice.len());
    &notice[start..end]
}

fn feedback_findings(body: &str, parts: &Parts) -> Vec<Finding> {
    let mut feedback_type = String::new();
    let mut recipients = Vec::new();
    for (name, value) in fields(body).into_iter().flatten() {
        match name.as_str() {
            "feedback-type" => feedback_type = value.trim().to_ascii_lowercase(),
            "original-rcpt-to" | "removal-recipient" => recipients.extend(addresses(&value)),
            _ => {}
        }
    }
    if recipients.is_empty() {
        recipients = original_recipients(parts);
    }
    if recipients.is_empty() {
        recipients.push(String::new());
    }
    let (kind, reason) = match feedback_type.as_str() {
        "abuse" | "fraud" | "virus" => (Kind::Complaint, "abuse report"),
        "opt-out" | "unsubscribe" => (Kind::Unsubscribe, "opt-out report"),
        _ => (Kind::None, "feedback report"),
    };
    let text = format!("Feedback-Type: {feedback_type}");
    recipients.dedup();
    recipients
        .into_iter()
        .map(|r| finding(r, kind, "", reason, &text))
        .collect()
}

/// The recipients named in the original's headers (for reports that do not
/// say who complained).
pub(super) fn original_recipients(parts: &Parts) -> Vec<String> {
    for name in ["x-hmxmroriginalrecipient", "x-original-to", "to"] {
        let found: Vec<String> = original_header(parts, name).flat_map(addresses).collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

fn complaint_without_arf(parts: &Parts) -> Vec<Finding> {
    let mut recipients = original_recipients(parts);
    if recipients.is_empty() {
        recipients.push(String::new());
    }
    recipients
        .into_iter()
        .map(|r| finding(r, Kind::Complaint, "", "abuse report", "complaint"))
        .collect()
}

fn is_auto_reply(message: &Message<'_>, auto_submitted: &str, subject: &str) -> bool {
    if auto_submitted.starts_with("auto-replied") {
        return true;
    }
    let has = |name: &str| message.header_raw(name).is_some();
    if has("X-Autoreply")
        || has("X-Autorespond")
        || has("X-Auto-Response-Suppress") && subject.starts_with("automatic reply")
    {
        return true;
    }
    let precedence = message
        .header_raw("Precedence")
        .unwrap_or("")
        .trim()
        .to_lowercase();
    precedence == "auto_reply"
        || [
            "out of office",
            "automatic reply",
            "auto:",
            "autoreply",
            "auto-reply",
            "abwesenheit",
            "vacation",
        ]
        .iter()
        .any(|p| subject.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_unfold_and_split_into_blocks() {
        let blocks = fields("Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; x@y.org\nDiagnostic-Code: smtp; 550\n  user unknown\n");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1][1].1, "smtp; 550 user unknown");
    }

    #[test]
    fn the_original_message_id_is_read_from_attached_headers() {
        let raw = "From: MAILER-DAEMON@mx.example.com\r\nTo: n@example.com\r\nSubject: Undelivered\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain\r\n\r\nx\r\n\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.7.1\r\n\r\n\
--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: bob@example.org\r\nMessage-ID: <b1@example.com>\r\n\r\n--b1--\r\n";
        let report = read_report(raw.as_bytes()).unwrap();
        assert_eq!(
            report.original_message_ids,
            vec!["b1@example.com".to_string()]
        );
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].kind, Kind::Soft);
    }

    /// A DSN with `notice` as its human-readable part and one recipient.
    fn dsn(notice: &str, status: &str, diagnostic: &str) -> Report {
        dsn_from("relay.example.com", notice, status, diagnostic)
    }

    /// [`dsn`] as reported by `reporting_mta`.
    fn dsn_from(reporting_mta: &str, notice: &str, status: &str, diagnostic: &str) -> Report {
        let raw = format!(
            "From: MAILER-DAEMON@relay.example.com\r\nTo: n@example.com\r\nSubject: Returned mail\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"q7\"\r\n\r\n\
--q7\r\nContent-Type: text/plain\r\n\r\n{notice}\r\n\r\n--q7\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; {reporting_mta}\r\n\r\nFinal-Recipient: rfc822; fay@example.org\r\nAction: failed\r\n\
Status: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n--q7--\r\n"
        );
        read_report(raw.as_bytes()).unwrap()
    }

    #[test]
    fn a_notice_that_says_the_disk_is_full_keeps_the_reader() {
        let full = dsn(
            "Delivery to fay was refused:\r\nthe mailbox quota was exceeded",
            "5.1.1",
            "550 5.1.1 <fay@example.org>... User unknown",
        );
        assert_eq!(full.findings[0].kind, Kind::Soft);
        let plain = dsn(
            "Delivery to fay failed.",
            "5.1.1",
            "550 5.1.1 <fay@example.org>... User unknown",
        );
        assert_eq!(plain.findings[0].kind, Kind::Hard);
    }

    #[test]
    fn a_receiving_rule_bounce_from_ses_inbound_keeps_the_reader() {
        let (status, words) = ("5.1.1", "550 5.1.1 Mailbox does not exist");
        let rule = dsn_from(
            "inbound-smtp.eu-west-1.amazonaws.com",
            "Not delivered.",
            status,
            words,
        );
        assert_eq!(rule.findings[0].kind, Kind::Soft);
        // The same words from an ordinary mail store still remove the reader.
        let store = dsn("Not delivered.", status, words);
        assert_eq!(store.findings[0].kind, Kind::Hard);
    }

    #[test]
    fn a_pipelined_transcript_does_not_overrule_a_mailbox_exists_code() {
        let transcript = "... while talking to mx.example.org.:\r\n>>> DATA\r\n\
<<< 550 5.2.1 <fay@example.org>... User unknown\r\n<<< 503 5.0.0 Need RCPT (recipient)";
        let piped = dsn(
            transcript,
            "5.2.1",
            "550 5.2.1 <fay@example.org>... User unknown",
        );
        assert_eq!(piped.findings[0].kind, Kind::Soft);
        // Stated outright, the RCPT TO refusal settles it.
        let stated = dsn(
            "Delivery to fay failed.",
            "5.2.1",
            "550 5.2.1 <fay@example.org>... User unknown (in reply to RCPT TO command)",
        );
        assert_eq!(stated.findings[0].kind, Kind::Hard);
    }

    #[test]
    fn a_bounce_forwarded_as_a_quote_is_read_without_the_quoted_copy() {
        let raw = "From: gil@example.com\r\nTo: n@example.com\r\nSubject: Fwd: Returned mail: see transcript for details\r\n\r\n\
Passing this on.\r\n\r\n> From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\r\n\
> Subject: Returned mail: see transcript for details\r\n>\r\n\
>    ----- The following addresses had permanent fatal errors -----\r\n> <hal@example.org>\r\n>\r\n\
> Final-Recipient: RFC822; hal@example.org\r\n> Action: failed\r\n> Status: 5.1.1\r\n\
> Diagnostic-Code: SMTP; 550 5.1.1 <hal@example.org>... User unknown (in reply to RCPT TO command)\r\n>\r\n\
> Return-Path: <n@example.com>\r\n> X-Virus-Scanned: by a scanner\r\n> Subject: hello\r\n";
        let report = read_report(raw.as_bytes()).unwrap();
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].recipient, "hal@example.org");
        assert_eq!(report.findings[0].kind, Kind::Hard);
    }

    #[test]
    fn a_list_robot_refusing_our_post_is_a_soft_refusal() {
        let raw = "From: birds-admin@lists.example.org\r\nTo: n@example.com\r\n\
Subject: Your post to birds was not accepted\r\nList-Subscribe: <mailto:birds-ctl@lists.example.org>\r\n\r\n\
Only members may post to the list <birds@lists.example.org>.\r\n";
        let report = read_report(raw.as_bytes()).unwrap();
        assert_eq!(report.findings[0].recipient, "birds@lists.example.org");
        assert_eq!(report.findings[0].kind, Kind::Soft);
        // The same words from a person (no list headers) are not a report.
        let person = raw.replace(
            "List-Subscribe: <mailto:birds-ctl@lists.example.org>\r\n",
            "",
        );
        assert!(read_report(person.as_bytes()).unwrap().findings.is_empty());
    }

    #[test]
    fn not_a_message_is_an_error_not_a_panic() {
        assert_eq!(read_report(b""), Err(BounceError::NotAMessage));
    }
}
