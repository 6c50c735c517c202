//! Applying reports to the subscriber store: matching each reported
//! recipient to a reader, then suppressing, counting or ignoring.
//!
//! A report is matched to a reader by, in order: the VERP token in the
//! address it was delivered to (`[delivery] return_path`), the original
//! Message-ID as recorded in the ledger's deliveries, and last the
//! recipient address the report names (only if the ledger knows it: a
//! report about a stranger changes nothing). The report's digest is
//! recorded, so reading the same report again counts it once.

use sha2::{Digest, Sha256};

use super::mailbox::Input;
use super::verp::ReturnPath;
use super::{read_report, Finding, Kind, Report};
use crate::audience::SubscriberStatus;
use crate::config::Config;
use crate::ledger::{Ledger, LedgerError};

/// What happened to one reported recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub path: String,
    /// The reader it was applied to (or the report's recipient when unmatched).
    pub recipient: String,
    pub kind: Kind,
    pub status: String,
    pub reason: String,
    /// How the reader was found: `verp`, `message-id`, `address`, or `unmatched`.
    pub matched_by: &'static str,
    /// What was done, in words.
    pub outcome: String,
}

impl Line {
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "path": self.path,
            "recipient": self.recipient,
            "kind": self.kind.as_str(),
            "status": self.status,
            "reason": self.reason,
            "matched_by": self.matched_by,
            "outcome": self.outcome,
        })
        .to_string()
    }

    pub fn to_text(&self) -> String {
        format!(
            "{}: {} {} {} ({}) -> {} [matched by {}]",
            self.path,
            if self.recipient.is_empty() {
                "(unnamed)"
            } else {
                &self.recipient
            },
            self.kind,
            if self.status.is_empty() {
                "-"
            } else {
                &self.status
            },
            self.reason,
            self.outcome,
            self.matched_by
        )
    }
}

/// The whole run.
#[derive(Debug, Default)]
pub struct Summary {
    pub lines: Vec<Line>,
    /// Reports that could not be read, each with its file named.
    pub unreadable: Vec<String>,
    pub reports: usize,
    pub repeated: usize,
    pub suppressed: usize,
    pub soft: usize,
}

impl Summary {
    pub fn describe(&self) -> String {
        format!(
            "bounces: {} reports read ({} seen before), {} readers suppressed, {} soft bounces counted, {} unreadable",
            self.reports,
            self.repeated,
            self.suppressed,
            self.soft,
            self.unreadable.len()
        )
    }
}

/// What recording one outcome did to a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Newly suppressed with this status.
    Suppressed(SubscriberStatus),
    /// Was already suppressed; nothing changed.
    AlreadySuppressed(SubscriberStatus),
    /// A soft bounce was counted; `streak` issues in a row so far.
    Counted {
        streak: usize,
    },
    /// Soft bounces ran out: suppressed as bounced.
    CountedAndSuppressed {
        streak: usize,
    },
    Ignored,
}

impl Effect {
    fn describe(&self, limit: u32) -> String {
        match self {
            Effect::Suppressed(s) => format!("marked {s}"),
            Effect::AlreadySuppressed(s) => format!("already {s}"),
            Effect::Counted { streak } => {
                format!("soft bounce counted ({streak} of {limit} in consecutive issues)")
            }
            Effect::CountedAndSuppressed { streak } => {
                format!("marked bounced after soft bounces in {streak} consecutive issues")
            }
            Effect::Ignored => "ignored".to_string(),
        }
    }
}

/// Records what a report (or a live SMTP refusal) says about one reader:
/// the shared rule for `bounces` and `send`. `issue` is the issue the
/// failure belongs to when known; otherwise the latest issue delivered to
/// the reader is assumed.
pub fn record(
    ledger: &mut Ledger,
    address: &str,
    issue: Option<u32>,
    finding: &Finding,
    origin: &str,
    soft_limit: u32,
) -> Result<Effect, LedgerError> {
    let target = match finding.kind {
        Kind::Hard => SubscriberStatus::Bounced,
        Kind::Complaint => SubscriberStatus::Complained,
        Kind::Unsubscribe => SubscriberStatus::Unsubscribed,
        Kind::Soft => return record_soft(ledger, address, issue, finding, origin, soft_limit),
        Kind::AutoReply | Kind::None => return Ok(Effect::Ignored),
    };
    let why = match finding.kind {
        Kind::Hard => format!("hard bounce: {} {}", finding.status, finding.reason),
        Kind::Complaint => "complaint: the reader reported the issue as spam".to_string(),
        _ => "opt-out relayed by the reader's provider".to_string(),
    };
    suppress(ledger, address, target, why.trim(), origin)
}

fn suppress(
    ledger: &mut Ledger,
    address: &str,
    status: SubscriberStatus,
    why: &str,
    origin: &str,
) -> Result<Effect, LedgerError> {
    if let Some(current) = ledger.subscriber(address)?.map(|r| r.status) {
        if current.is_suppressed() {
            return Ok(Effect::AlreadySuppressed(current));
        }
    }
    ledger.set_subscriber_status(address, "", status, why, origin)?;
    Ok(Effect::Suppressed(status))
}

fn record_soft(
    ledger: &mut Ledger,
    address: &str,
    issue: Option<u32>,
    finding: &Finding,
    origin: &str,
    soft_limit: u32,
) -> Result<Effect, LedgerError> {
    let issue = match issue {
        Some(issue) => issue,
        None => ledger
            .issues_for_recipient(address, 1)?
            .first()
            .copied()
            .unwrap_or(0),
    };
    let why = format!("{} {}", finding.status, finding.reason);
    ledger.record_soft_bounce(address, issue, why.trim(), origin)?;
    let streak = ledger.soft_bounce_streak(address)?;
    if streak >= soft_limit as usize {
        let reason = format!(
            "soft bounces in {streak} consecutive issues (last: {})",
            why.trim()
        );
        return Ok(
            match suppress(ledger, address, SubscriberStatus::Bounced, &reason, origin)? {
                Effect::Suppressed(_) => Effect::CountedAndSuppressed { streak },
                other => other,
            },
        );
    }
    Ok(Effect::Counted { streak })
}

/// Records a refusal seen during a send, classified by the same rules as a
/// report: a permanent "user unknown" at RCPT suppresses the reader, a policy
/// or spam refusal counts as soft, and so does a 4xx that outlived its
/// retries. Failures that never reached the reader's server (our relay down,
/// a timeout) are not held against the reader.
pub fn record_smtp_refusal(
    ledger: &mut Ledger,
    address: &str,
    issue: u32,
    reply: &str,
    soft_limit: u32,
) -> Result<Effect, LedgerError> {
    let Some(code) = super::text::reply_code(reply) else {
        return Ok(Effect::Ignored);
    };
    let command = super::classify::command_in(reply);
    if matches!(
        command,
        Some(super::Command::Connect) | Some(super::Command::MailFrom)
    ) {
        return Ok(Effect::Ignored);
    }
    let verdict = super::classify_reply(code, reply, command);
    let finding = Finding {
        recipient: address.to_string(),
        kind: verdict.kind,
        status: super::text::enhanced_status(reply)
            .unwrap_or_else(|| format!("{}.0.0", code / 100)),
        reason: verdict.reason,
        diagnostic: super::text::fold(reply, 300),
    };
    record(
        ledger,
        address,
        Some(issue),
        &finding,
        &format!("send: issue {issue}"),
        soft_limit,
    )
}

/// The secret that signs VERP and unsubscribe tokens: the configured
/// environment variable, else the development secret (a warning is the
/// caller's business; tokens signed with it are worthless by design).
pub fn secret(config: &Config) -> Vec<u8> {
    std::env::var(&config.delivery.unsubscribe_secret_env)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| crate::send::message::DEVELOPMENT_SECRET.to_string())
        .into_bytes()
}

/// A reader found for a report: their address, the issue when known, and how.
type Matched = (String, Option<u32>, &'static str);

/// The reader a report is about when the report itself says so without
/// naming the recipient: its VERP token, else its original Message-ID.
fn reader_of_report(
    ledger: &Ledger,
    report: &Report,
    verp: Option<&ReturnPath>,
    secret: &[u8],
) -> Result<Option<Matched>, LedgerError> {
    if let Some(rp) = verp {
        if let Some(reader) = rp.reader_in(secret, &report.addressed_to) {
            let issue = first_issue_by_id(ledger, report)?;
            return Ok(Some((reader, issue, "verp")));
        }
    }
    for id in &report.original_message_ids {
        if let Some((issue, recipient)) = ledger.delivery_by_message_id(id)? {
            return Ok(Some((recipient, Some(issue), "message-id")));
        }
    }
    Ok(None)
}

fn first_issue_by_id(ledger: &Ledger, report: &Report) -> Result<Option<u32>, LedgerError> {
    for id in &report.original_message_ids {
        if let Some((issue, _)) = ledger.delivery_by_message_id(id)? {
            return Ok(Some(issue));
        }
    }
    Ok(None)
}

/// Reads and applies every input. One unreadable report is listed in
/// `unreadable` and the rest go through.
pub fn apply(config: &Config, inputs: &[Input]) -> Result<Summary, LedgerError> {
    let mut ledger = Ledger::for_config(config)?;
    let secret = secret(config);
    let verp = config
        .delivery
        .return_path
        .as_deref()
        .and_then(ReturnPath::parse);
    let limit = config.delivery.soft_bounce_limit.max(1);
    let mut summary = Summary::default();
    for input in inputs {
        let bytes = match &input.bytes {
            Ok(bytes) => bytes,
            Err(why) => {
                summary.unreadable.push(format!(
                    "{}: cannot read the report: {why}; skipped",
                    input.label
                ));
                continue;
            }
        };
        let report = match read_report(bytes) {
            Ok(report) => report,
            Err(why) => {
                summary.unreadable.push(format!(
                    "{}: cannot read the report: {why}; skipped",
                    input.label
                ));
                continue;
            }
        };
        summary.reports += 1;
        let digest = hex::encode(Sha256::digest(bytes));
        let repeated = ledger.bounce_report_seen(&digest)?;
        if repeated {
            summary.repeated += 1;
        }
        let origin = format!("bounces: {}", input.label);
        let named = reader_of_report(&ledger, &report, verp.as_ref(), &secret)?;
        // A report tied to one reader (VERP or Message-ID) is about that
        // reader only: apply its most telling finding to them.
        let findings: Vec<(Option<Matched>, &Finding)> = match &named {
            Some((reader, issue, how)) => main_finding(&report.findings, reader)
                .map(|f| vec![(Some((reader.clone(), *issue, *how)), f)])
                .unwrap_or_default(),
            None => report
                .findings
                .iter()
                .map(|f| {
                    let known = !f.recipient.is_empty() && ledger.knows_recipient(&f.recipient)?;
                    Ok((
                        known.then(|| (f.recipient.to_lowercase(), None, "address")),
                        f,
                    ))
                })
                .collect::<Result<_, LedgerError>>()?,
        };
        for (reader, finding) in findings {
            let (recipient, matched_by, outcome) = match reader {
                _ if matches!(finding.kind, Kind::AutoReply | Kind::None) => (
                    finding.recipient.clone(),
                    "unmatched",
                    "ignored".to_string(),
                ),
                None => (
                    finding.recipient.clone(),
                    "unmatched",
                    "no reader in the ledger has this address; nothing changed".to_string(),
                ),
                Some(_) if repeated => (
                    finding.recipient.clone(),
                    "unmatched",
                    "report seen before; not counted again".to_string(),
                ),
                Some((reader, issue, how)) => {
                    let effect = record(&mut ledger, &reader, issue, finding, &origin, limit)?;
                    match effect {
                        Effect::Suppressed(_) | Effect::CountedAndSuppressed { .. } => {
                            summary.suppressed += 1
                        }
                        _ => {}
                    }
                    if matches!(
                        effect,
                        Effect::Counted { .. } | Effect::CountedAndSuppressed { .. }
                    ) {
                        summary.soft += 1;
                    }
                    (reader, how, effect.describe(limit))
                }
            };
            summary.lines.push(Line {
                path: input.label.clone(),
                recipient,
                kind: finding.kind,
                status: finding.status.clone(),
                reason: finding.reason.to_string(),
                matched_by,
                outcome,
            });
        }
        if !repeated {
            ledger.record_bounce_report(&digest, &input.label)?;
        }
    }
    Ok(summary)
}

/// The finding about `reader` if the report names them, else the most
/// severe one (hard or complaint before soft before nothing).
fn main_finding<'a>(findings: &'a [Finding], reader: &str) -> Option<&'a Finding> {
    findings
        .iter()
        .find(|f| f.recipient.eq_ignore_ascii_case(reader))
        .or_else(|| findings.iter().min_by_key(|f| f.kind))
}
