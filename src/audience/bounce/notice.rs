//! Free-text notices: the bounces of MTAs that send no RFC 3464 report
//! (qmail, Exim, Exchange, Gmail, Yahoo, …). The recipients are the
//! addresses the notice names (not its own sender and receiver, not the
//! original's author), each read with the words that follow it.

use mail_parser::Message;

use super::classify::{classify, command_in};
use super::extract::{
    find_ci, make, original_header, original_recipients, segment_for, Parts, MAX_RECIPIENTS,
};
use super::text::{addresses, enhanced_status, reply_code};
use super::Finding;

/// A notice from a mail system, as opposed to a person writing to the bounce address.
pub(super) fn looks_like_bounce(message: &Message<'_>, subject: &str) -> bool {
    if message.header_raw("X-Failed-Recipients").is_some() {
        return true;
    }
    let from = message.header_raw("From").unwrap_or("").to_lowercase();
    if [
        "mailer-daemon",
        "postmaster",
        "mail delivery",
        "mmdf",
        "mail-daemon",
        "daemon@",
        "no-reply",
        "noreply",
    ]
    .iter()
    .any(|p| from.contains(p))
    {
        return true;
    }
    // A list server's robot (RFC 2369 `List-*` headers, an `-admin`/`-owner`
    // sender) answering our post: a refusal by the list, not a person.
    let list_robot = ["-admin@", "-owner@", "owner-", "-request@"]
        .iter()
        .any(|p| from.contains(p));
    if list_robot
        && (message.header_raw("List-Subscribe").is_some()
            || message.header_raw("Mailing-List").is_some())
    {
        return true;
    }
    [
        "undeliver",
        "delivery",
        "failure",
        "failed",
        "returned",
        "bounce",
        "not delivered",
        "error",
        "rejected",
        "notification",
        "nondeliverable",
        "エラー",
    ]
    .iter()
    .any(|p| subject.contains(p))
}

/// True when a transcript in `notice` shows `RCPT TO:<address>`: then it
/// is a recipient even if it is also the report's own To (a sender who
/// mailed themselves).
fn named_at_rcpt(notice: &str, address: &str) -> bool {
    let lower = notice.to_lowercase();
    lower.match_indices("rcpt to:").any(|(at, m)| {
        lower[at + m.len()..]
            .trim_start_matches([' ', '<'])
            .starts_with(address)
    })
}

/// The first 4.x.x or 5.x.x code in a notice (a transcript also shows the
/// 2.x.x of the commands that went well).
fn failure_status(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(code) = enhanced_status(rest) {
        if !code.starts_with('2') {
            return Some(code);
        }
        let at = rest.find(&code).map_or(rest.len(), |i| i + code.len());
        rest = &rest[at..];
    }
    None
}

pub(super) fn notice_findings(message: &Message<'_>, parts: &Parts) -> Vec<Finding> {
    let notice = &parts.notice;
    let mut excluded: Vec<String> = Vec::new();
    for name in ["From", "Sender", "Reply-To", "Return-Path", "To"] {
        if let Some(value) = message.header_raw(name) {
            excluded.extend(addresses(value));
        }
    }
    for name in ["from", "sender", "reply-to", "return-path", "errors-to"] {
        excluded.extend(original_header(parts, name).flat_map(addresses));
    }
    excluded.extend(original_header(parts, "message-id").flat_map(addresses));
    let excluded: Vec<String> = excluded.into_iter().map(|a| a.to_lowercase()).collect();

    let mut recipients: Vec<String> = message
        .header_raw("X-Failed-Recipients")
        .map(addresses)
        .unwrap_or_default();
    if recipients.is_empty() {
        for line in notice.lines() {
            let lower = line
                .trim_start_matches(['>', ' ', '\t'])
                .to_ascii_lowercase();
            if [
                "message-id:",
                "references:",
                "in-reply-to:",
                "received:",
                "return-path:",
            ]
            .iter()
            .any(|p| lower.starts_with(p))
            {
                continue;
            }
            // The envelope sender in a transcript is not a recipient.
            let line = match find_ci(line, "mail from:") {
                Some(at) => &line[..at],
                None => line,
            };
            for address in addresses(line) {
                let key = address.to_lowercase();
                let local = key.split('@').next().unwrap_or("");
                if (excluded.contains(&key) && !named_at_rcpt(notice, &key))
                    || matches!(local, "postmaster" | "mailer-daemon" | "abuse" | "root")
                    || recipients
                        .iter()
                        .any(|r: &String| r.eq_ignore_ascii_case(&address))
                {
                    continue;
                }
                recipients.push(address);
            }
        }
    }
    if recipients.is_empty() {
        recipients = original_recipients(parts);
        recipients.truncate(1);
    }
    if recipients.is_empty() {
        recipients.push(String::new());
    }
    recipients.truncate(MAX_RECIPIENTS);
    let first_named = recipients
        .iter()
        .filter_map(|r| find_ci(notice, r))
        .min()
        .unwrap_or(0);
    let intro = &notice[..first_named];
    recipients
        .iter()
        .map(|recipient| {
            // From where the recipient is named to where the next one is;
            // the notice's opening words only when that says nothing coded.
            let mut segment = segment_for(notice, recipient, &recipients);
            if segment.len() == notice.len() {
                if let Some(at) = find_ci(notice, recipient).filter(|_| !recipient.is_empty()) {
                    segment = &notice[at..];
                }
            }
            let own = enhanced_status(segment).is_some() || reply_code(segment).is_some();
            let text = if own {
                segment.to_string()
            } else {
                format!("{intro} {segment}")
            };
            let status = failure_status(&text)
                .or_else(|| match reply_code(&text) {
                    Some(code) if code >= 500 => Some("5.0.0".to_string()),
                    Some(code) if code >= 400 => Some("4.0.0".to_string()),
                    _ => None,
                })
                .unwrap_or_default();
            let verdict = classify(Some(&status), &text, command_in(&text), None);
            make(recipient.clone(), verdict, &status, &text)
        })
        .collect()
}
