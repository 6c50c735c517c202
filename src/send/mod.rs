//! Delivers a built issue to the subscriber list (or to `--to` addresses),
//! over SMTP or into `outbox/` as .eml files, recording every recipient in
//! the ledger so a run can be resumed without sending anything twice.
//!
//! A list send has two phases. First the list is streamed into the ledger
//! (one row per lower-cased address, so duplicates merge and a `sent` row
//! stays sent); then the rows still `queued` are claimed from the ledger in
//! leased batches and delivered. The ledger is the queue, so memory does not
//! grow with the list, and several senders (`send --worker`) can share it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use thiserror::Error;

use crate::config::Config;
use crate::ledger::{locked, Claim, DeliveryCounts, Ledger, SharedLedger};
use crate::problem::Problem;

mod deliver;
pub mod dkim;
pub mod message;
pub mod probe;
mod qp;
mod record;
mod select;
pub mod smtp;
pub mod subscribers;
pub mod tls;
mod transport;
mod wire;

use deliver::Outcome;
use message::Composer;
use select::JobSource;
use transport::Transport;
pub use transport::{eml_file_name, outbox_dir};

#[derive(Debug, Error)]
pub enum SendError {
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error("{0}")]
    Transport(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The subscriber list as a whole is unusable (bad input, exit 2).
    #[error("{path}:{line}: {message}")]
    BadList {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A delivery setting is unusable (bad input, exit 2).
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    /// A command-line value is unusable (bad input, exit 2).
    #[error("{0}")]
    BadFlag(String),
    /// The issue to send does not exist (bad input, exit 2).
    #[error("{0}")]
    NoIssue(String),
}

impl SendError {
    /// True when the cause is the user's input (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SendError::BadList { .. }
                | SendError::BadConfig { .. }
                | SendError::BadFlag(_)
                | SendError::NoIssue(_)
        ) || matches!(self, SendError::Ledger(e) if e.is_bad_input())
            || matches!(self, SendError::Io { path, .. } if path.extension().is_some_and(|e| e == "csv"))
    }
}

/// Which issue to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueSelector {
    Latest,
    Number(u32),
}

/// One `send` invocation's choices.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub issue: IssueSelector,
    /// A test send to these addresses only (not recorded as a delivery to the list).
    pub to: Vec<String>,
    /// `smtp://host:port`, `smtps://…`, `…?tls=starttls`: overrides the configured transport.
    pub smtp_url: Option<String>,
    pub dry_run: bool,
    pub resend_ambiguous: bool,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
    /// `send --worker`: one of several senders sharing the list (no state
    /// lock; rows are claimed in leased batches, as every list send does).
    pub worker: bool,
}

impl SendOptions {
    /// A plain send of `issue` to the whole list: what a scheduled run does.
    pub fn to_list(issue: IssueSelector) -> SendOptions {
        SendOptions {
            issue,
            to: Vec::new(),
            smtp_url: None,
            dry_run: false,
            resend_ambiguous: false,
            progress: false,
            worker: false,
        }
    }
}

/// How a send ended.
#[derive(Debug, Default, Clone)]
pub struct SendReport {
    pub issue: u32,
    pub subject: String,
    /// Where the messages went: `outbox/…` or the relay.
    pub destination: String,
    /// Delivered (250 from the server, or the .eml written) in this run.
    pub sent: usize,
    /// Not delivered in this run: permanent refusals plus transient failures
    /// that ran out of retries (those stay queued for the next run).
    pub failed: usize,
    /// Permanent refusals (5xx), recorded as `failed`.
    pub failed_permanent: usize,
    /// Unsubscribed, invalid, already sent or earlier refused readers.
    pub skipped: usize,
    /// Rows left `sending` (a crash or lost reply mid-message): may or may not have arrived.
    pub ambiguous: usize,
    /// The first few ambiguous addresses, for the message to the user.
    pub ambiguous_recipients: Vec<String>,
    pub already_sent: usize,
    pub unsubscribed: usize,
    pub invalid: usize,
    /// Why readers were skipped: the store's suppressions, CSV marks, invalid rows.
    pub skipped_by: crate::audience::SkipCounts,
    /// Rows merged into an earlier row with the same address (ignoring case).
    pub duplicates: usize,
    /// Dry run: how many messages a real run would send now.
    pub would_send: usize,
    pub dry_run: bool,
    pub test_send: bool,
    /// Why the run stopped early (too many consecutive failures).
    pub paused: Option<String>,
    pub problems: Vec<Problem>,
}

/// `send --status`: the ledger's counts for an issue.
#[derive(Debug, Clone)]
pub struct DeliveryStatus {
    pub issue: u32,
    pub counts: DeliveryCounts,
    pub ambiguous_recipients: Vec<String>,
}

/// Shows the delivery counts of an issue.
pub fn delivery_status(
    config: &Config,
    selector: &IssueSelector,
) -> Result<DeliveryStatus, SendError> {
    let ledger = Ledger::for_config(config)?;
    let issue = select::resolve_issue(config, &ledger, selector)?;
    Ok(DeliveryStatus {
        issue,
        counts: ledger.delivery_counts(issue, None)?,
        ambiguous_recipients: ledger.ambiguous_deliveries(issue, None, 20)?,
    })
}

/// Set once the process is asked to stop (SIGTERM, Ctrl-C): messages already
/// being delivered finish and are recorded, nothing new starts, and the rest
/// stays queued for the next run. Process-wide because signals are.
static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every send in this process to stop after the messages in flight.
pub fn request_stop() {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

fn stop_requested() -> bool {
    STOP_REQUESTED.load(Ordering::SeqCst)
}

const STOPPED_BY_REQUEST: &str =
    "stopped on request (SIGTERM or Ctrl-C) after the messages in flight";

/// Sends an issue, opening the ledger for it (see [`send_issue_in`]).
pub fn send_issue(config: &Config, opts: &SendOptions) -> Result<SendReport, SendError> {
    send_issue_in(config, &Ledger::for_config(config)?.share(), opts)
}

/// Sends an issue: chooses the issue and its readers ([`select`]), builds
/// what all readers share once ([`message::Composer`]), and runs the
/// delivery loop ([`deliver`]) over the transport. `ledger` is the one the
/// command opened; every step shares it (on PostgreSQL each SMTP connection
/// adds a session of its own to it, see `deliver.rs`).
pub fn send_issue_in(
    config: &Config,
    ledger: &SharedLedger,
    opts: &SendOptions,
) -> Result<SendReport, SendError> {
    let issue = select::resolve_issue(config, &locked(ledger), &opts.issue)?;
    let manifest = select::load_manifest(config, issue)?;
    let test = !opts.to.is_empty();
    let transport = Transport::new(config, issue, opts.smtp_url.as_deref(), test)?;
    let mut report = SendReport {
        issue,
        subject: manifest.subject.clone(),
        dry_run: opts.dry_run,
        test_send: test,
        destination: transport.describe(config, issue),
        ..SendReport::default()
    };
    let real_list_smtp = transport.is_smtp() && !test && !opts.dry_run;
    let secret = message::unsubscribe_secret(config, real_list_smtp, &mut report.problems)?;
    let composer = Composer::new(config, manifest, secret)?;

    if test {
        // A test copy to each --to address; the ledger is not touched.
        let jobs = select::test_jobs(&opts.to)?;
        if opts.dry_run {
            report.would_send = jobs.len();
            return Ok(report);
        }
        let total = jobs.len();
        let outcome = deliver::deliver(
            config,
            composer,
            transport,
            JobSource::List(jobs),
            None,
            opts.progress,
            total,
        )?;
        apply_outcome(&mut report, outcome);
        return Ok(report);
    }

    // Phase 1: stream the list into the ledger.
    let (run, total) = {
        let ledger = locked(ledger);
        let (run, counts) =
            select::enqueue_list(config, &ledger, issue, opts.dry_run, &mut report)?;
        report.already_sent = counts.sent;
        report.skipped = report.skipped_by.total() + counts.sent + counts.failed;
        let ambiguous_sent = if opts.resend_ambiguous {
            counts.sending
        } else {
            0
        };
        if opts.dry_run {
            report.would_send = counts.queued + ambiguous_sent;
            report.ambiguous = counts.sending - ambiguous_sent;
            report.ambiguous_recipients = ledger.ambiguous_deliveries(issue, Some(run), 20)?;
            ledger.rollback()?;
            return Ok(report);
        }
        ledger.commit()?;
        (run, counts.queued + ambiguous_sent)
    };

    // Phase 2: deliver what is still to send, claimed in leased batches so
    // that other workers on the same ledger take disjoint readers.
    let claim = Claim {
        take_over: !opts.worker,
        ..Claim::new(
            std::time::Duration::from_secs(config.ledger.lease_secs),
            config.ledger.claim_batch,
        )
    };
    locked(ledger).work_as(&claim.owner);
    let source = JobSource::Ledger {
        ledger: Arc::clone(ledger),
        run,
        include_sending: opts.resend_ambiguous,
        claim: claim.clone(),
    };
    let delivered = deliver::deliver(
        config,
        composer,
        transport,
        source,
        Some(Arc::clone(ledger)),
        opts.progress,
        total,
    );
    let mut ledger = locked(ledger);
    ledger.stop_working();
    apply_outcome(&mut report, delivered?);
    ledger.release_claims(issue, &claim.owner)?;
    if opts.worker {
        // Rows another live worker has in DATA are its to report, not ours.
        (report.ambiguous, report.ambiguous_recipients) =
            ledger.stranded_deliveries(issue, run, &claim.owner, 20)?;
    } else {
        report.ambiguous = ledger.delivery_counts(issue, Some(run))?.sending;
        report.ambiguous_recipients = ledger.ambiguous_deliveries(issue, Some(run), 20)?;
    }
    Ok(report)
}

fn apply_outcome(report: &mut SendReport, outcome: Outcome) {
    report.sent = outcome.sent;
    report.failed = outcome.failed_permanent + outcome.failed_transient;
    report.failed_permanent = outcome.failed_permanent;
    report.paused = outcome.paused;
    report.problems.extend(outcome.problems);
}
