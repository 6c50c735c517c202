//! Reading bounce, complaint and auto-reply reports, and deciding what each
//! one means for the reader it names.
//!
//! The hard part is the meaning, not the parsing: a reader is removed only
//! when the address itself is gone (user or host unknown, mailbox moved), when
//! they complained (ARF `abuse`) or opted out through their provider (ARF
//! `opt-out`). A refusal of the *message* (policy, spam filter, reputation,
//! SPF/DKIM/DMARC, rate limit, full mailbox, size) is soft: it is counted,
//! never a reason to remove. See [`classify`] for the rules.
//!
//! * [`extract`] walks the MIME structure (parsed by `mail-parser`) and finds
//!   the reported recipients: RFC 3464 delivery-status fields, RFC 5965
//!   feedback reports, RFC 3834 auto-replies, and the free-text notices of
//!   MTAs that send neither.
//! * [`classify`] turns a status code, a diagnostic and the SMTP command it
//!   answered into a [`Kind`]; `send` uses the same function on live replies.
//! * [`verp`] signs and reads the per-reader envelope sender.

use std::fmt;

pub mod apply;
pub mod classify;
pub mod extract;
pub mod mailbox;
mod notice;
mod text;
pub mod verp;

pub use classify::{classify, classify_reply, Command, Verdict};
pub use extract::read_report;

/// What a report says about one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The address is gone: remove the reader.
    Hard,
    /// The message was refused or delayed, the address may still work: count it.
    Soft,
    /// The reader reported the message as spam (ARF abuse/fraud/virus).
    Complaint,
    /// The reader opted out through their provider (ARF opt-out, a mailed unsubscribe).
    Unsubscribe,
    /// An out-of-office or other automatic answer: ignored.
    AutoReply,
    /// Nothing to act on (a delivery notice, an authentication report, not a report).
    None,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hard => "hard",
            Kind::Soft => "soft",
            Kind::Complaint => "complaint",
            Kind::Unsubscribe => "unsubscribe",
            Kind::AutoReply => "auto-reply",
            Kind::None => "none",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reported recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The reader's address as the report gives it (may be empty when the
    /// report names nobody, e.g. a redacted complaint).
    pub recipient: String,
    pub kind: Kind,
    /// Enhanced status code (`5.1.1`), or empty when the report has none.
    pub status: String,
    /// Why, in a few words ("user unknown", "mailbox full", "abuse report").
    pub reason: &'static str,
    /// The server's own words, whitespace folded and shortened.
    pub diagnostic: String,
}

/// Everything one report message says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Message-IDs of the original message (from the attached copy), without angle brackets.
    pub original_message_ids: Vec<String>,
    /// Addresses the report was delivered to (To, Delivered-To, X-Original-To,
    /// Envelope-To) and the original's Return-Path: where a VERP token shows up.
    pub addressed_to: Vec<String>,
}

/// A report that cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BounceError {
    #[error("not an email message (no header block)")]
    NotAMessage,
}

/// Reads every input, in parallel on the machine's cores, keeping the input
/// order (output must not depend on scheduling). An input that could not be
/// read, or is not a message, gives its reason.
pub fn read_reports(inputs: &[mailbox::Input]) -> Vec<Result<Report, String>> {
    let read_one = |input: &mailbox::Input| match &input.bytes {
        Ok(bytes) => read_report(bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.clone()),
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || inputs.len() < 16 {
        return inputs.iter().map(read_one).collect();
    }
    let chunk = inputs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || part.iter().map(read_one).collect::<Vec<_>>());
                (part.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                h.join().unwrap_or_else(|_| {
                    vec![Err("the reader stopped unexpectedly".to_string()); len]
                })
            })
            .collect()
    })
}
