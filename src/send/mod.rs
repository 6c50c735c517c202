//! Delivers a built issue to the subscriber list (or to `--to` addresses),
//! over SMTP or into `outbox/` as .eml files, recording every recipient in
//! the ledger so a run can be resumed without sending anything twice.
//!
//! A list send has two phases. First the list is streamed into the ledger
//! (one row per lower-cased address, so duplicates merge and a `sent` row
//! stays sent); then the rows still `queued` are paged out of the ledger and
//! delivered. The ledger is the queue, so memory does not grow with the list.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use thiserror::Error;

use crate::build::{self, IssueManifest};
use crate::config::{Config, Transport};
use crate::ledger::{Claim, DeliveryCounts, Enqueued, Ledger, LedgerError};
use crate::problem::Problem;

pub mod message;
pub mod smtp;
pub mod subscribers;

use message::Composer;
use smtp::{FailKind, Failure, Relay};
use subscribers::{Row, SubscriberReader};

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

/// The highest-numbered issue folder in dist/issues.
fn latest_built(config: &Config) -> Option<u32> {
    std::fs::read_dir(config.paths.dist.join("issues"))
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("issue.json").is_file())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .max()
}

fn resolve_issue(
    config: &Config,
    ledger: &Ledger,
    selector: &IssueSelector,
) -> Result<u32, SendError> {
    match selector {
        IssueSelector::Number(n) => Ok(*n),
        IssueSelector::Latest => ledger
            .latest_issue()?
            .or_else(|| latest_built(config))
            .ok_or_else(|| {
                SendError::NoIssue(format!(
                    "{}: no issue has been built yet; run `newsletter build` first",
                    config.paths.dist.join("issues").display()
                ))
            }),
    }
}

fn load_manifest(config: &Config, issue: u32) -> Result<IssueManifest, SendError> {
    let dir = build::issue_dir(config, issue);
    if !dir.join("issue.json").is_file() {
        return Err(SendError::NoIssue(format!(
            "{}: issue {issue} has not been built (no issue.json); run `newsletter build` first",
            dir.display()
        )));
    }
    Ok(IssueManifest::load(&dir)?)
}

/// Shows the delivery counts of an issue.
pub fn delivery_status(
    config: &Config,
    selector: &IssueSelector,
) -> Result<DeliveryStatus, SendError> {
    let ledger = Ledger::for_config(config)?;
    let issue = resolve_issue(config, &ledger, selector)?;
    Ok(DeliveryStatus {
        issue,
        counts: ledger.delivery_counts(issue, None)?,
        ambiguous_recipients: ledger.ambiguous_deliveries(issue, None, 20)?,
    })
}

/// Reads the unsubscribe secret. When the variable is unset, a real list
/// send over SMTP is refused (its links would be forgeable); the file
/// transport, dry runs and test sends fall back to a development secret
/// with a warning, so the embedded default works on a fresh machine.
fn unsubscribe_secret(
    config: &Config,
    real_list_send_over_smtp: bool,
    problems: &mut Vec<Problem>,
) -> Result<Vec<u8>, SendError> {
    let var = &config.delivery.unsubscribe_secret_env;
    match std::env::var(var) {
        Ok(s) if !s.is_empty() => Ok(s.into_bytes()),
        _ if real_list_send_over_smtp => Err(SendError::BadConfig {
            path: config.source_path.clone(),
            message: format!(
                "the environment variable {var} (named by [delivery] unsubscribe_secret_env) is not set; \
                 it signs the unsubscribe links, so set it to a long random string (e.g. `export {var}=$(openssl rand -hex 32)`) and keep it stable"
            ),
        }),
        _ => {
            problems.push(Problem::warning(
                &config.source_path,
                None,
                format!("{var} is not set: unsubscribe links are signed with a public development secret; set it before sending to real readers"),
            ));
            Ok(message::DEVELOPMENT_SECRET.as_bytes().to_vec())
        }
    }
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

/// Sends an issue.
pub fn send_issue(config: &Config, opts: &SendOptions) -> Result<SendReport, SendError> {
    let mut ledger = Ledger::for_config(config)?;
    let issue = resolve_issue(config, &ledger, &opts.issue)?;
    let manifest = load_manifest(config, issue)?;
    let transport = if opts.smtp_url.is_some() {
        Transport::Smtp
    } else {
        config.delivery.transport
    };
    let mut report = SendReport {
        issue,
        subject: manifest.subject.clone(),
        dry_run: opts.dry_run,
        test_send: !opts.to.is_empty(),
        ..SendReport::default()
    };
    let real_list_smtp = transport == Transport::Smtp && opts.to.is_empty() && !opts.dry_run;
    let secret = unsubscribe_secret(config, real_list_smtp, &mut report.problems)?;
    let composer = Composer::new(config, manifest, secret)?;
    let relays = match transport {
        Transport::Smtp => smtp::relays(config, opts.smtp_url.as_deref())?,
        Transport::File => Vec::new(),
    };
    report.destination = match relays.first() {
        Some(r) => r.describe(),
        None => config
            .delivery
            .outbox
            .join(format!("{issue:03}"))
            .display()
            .to_string(),
    };

    if !opts.to.is_empty() {
        return test_send(config, opts, composer, relays, report);
    }

    // Phase 1: stream the list into the ledger. The run number is taken
    // inside the write transaction, so concurrent workers get distinct runs.
    let mut reader = SubscriberReader::open(&config.subscribers.file)?;
    ledger.begin()?;
    let run = match ledger.begin_delivery_run(issue) {
        Ok(run) => run,
        Err(e) => {
            let _ = ledger.rollback();
            return Err(e.into());
        }
    };
    let mut in_batch = 0usize;
    let enqueue_result = (|| -> Result<(), SendError> {
        while let Some(row) = reader.next_row() {
            match row {
                Row::Bad(problem) => {
                    report.invalid += 1;
                    report.problems.push(problem);
                }
                Row::Unsubscribed { .. } => report.unsubscribed += 1,
                Row::Subscriber(s) => {
                    let fields = serde_json::to_string(&s.fields).unwrap_or_else(|_| "{}".into());
                    match ledger.enqueue_delivery(
                        issue, run, &s.key, &s.address, &s.name, &fields, s.line,
                    )? {
                        Enqueued::Listed(_) => {}
                        Enqueued::Duplicate { first_line } => {
                            report.duplicates += 1;
                            let first = first_line
                                .map(|l| format!(" on line {l}"))
                                .unwrap_or_default();
                            report.problems.push(Problem::warning(
                                &config.subscribers.file,
                                Some(s.line),
                                format!(
                                    "{} is already listed{first} (addresses are compared ignoring case); merged, it gets one copy",
                                    s.address
                                ),
                            ));
                        }
                    }
                    in_batch += 1;
                    if in_batch == 10_000 && !opts.dry_run {
                        ledger.commit()?;
                        ledger.begin()?;
                        in_batch = 0;
                    }
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = enqueue_result {
        let _ = ledger.rollback();
        return Err(e);
    }
    let counts = ledger.delivery_counts(issue, Some(run))?;
    report.already_sent = counts.sent;
    report.skipped = report.unsubscribed + report.invalid + counts.sent + counts.failed;
    if opts.dry_run {
        report.would_send = counts.queued
            + if opts.resend_ambiguous {
                counts.sending
            } else {
                0
            };
        report.ambiguous = if opts.resend_ambiguous {
            0
        } else {
            counts.sending
        };
        report.ambiguous_recipients = ledger.ambiguous_deliveries(issue, Some(run), 20)?;
        ledger.rollback()?;
        return Ok(report);
    }
    ledger.commit()?;
    let total = counts.queued
        + if opts.resend_ambiguous {
            counts.sending
        } else {
            0
        };

    // Phase 2: deliver what is still to send, claimed in leased batches so
    // that other workers on the same ledger take disjoint readers.
    let claim = Claim {
        take_over: !opts.worker,
        ..Claim::new(
            Duration::from_secs(config.ledger.lease_secs),
            config.ledger.claim_batch,
        )
    };
    ledger.work_as(&claim.owner);
    let ledger = Arc::new(Mutex::new(ledger));
    let source = JobSource::Ledger {
        ledger: Arc::clone(&ledger),
        run,
        include_sending: opts.resend_ambiguous,
        claim: claim.clone(),
    };
    let outcome = match transport {
        Transport::File => deliver_to_outbox(
            config,
            &composer,
            source,
            Some(&ledger),
            false,
            opts.progress,
            total,
        )?,
        Transport::Smtp => deliver_over_smtp(
            config,
            composer,
            relays,
            source,
            Some(Arc::clone(&ledger)),
            opts.progress,
            total,
        ),
    };
    apply_outcome(&mut report, outcome);
    let ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
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

/// `--to`: a test copy to each address; the ledger is not touched.
fn test_send(
    config: &Config,
    opts: &SendOptions,
    composer: Composer,
    relays: Vec<Relay>,
    mut report: SendReport,
) -> Result<SendReport, SendError> {
    let mut jobs = Vec::new();
    for address in &opts.to {
        let address = address.trim();
        subscribers::validate_address(address).map_err(|why| {
            SendError::BadFlag(format!(
                "--to {address:?}: not a valid email address: {why}"
            ))
        })?;
        jobs.push(Job {
            recipient: address.to_lowercase(),
            address: address.to_string(),
            name: String::new(),
            fields: "{}".into(),
        });
    }
    jobs.dedup_by(|a, b| a.recipient == b.recipient);
    if opts.dry_run {
        report.would_send = jobs.len();
        return Ok(report);
    }
    let total = jobs.len();
    let outcome = if relays.is_empty() {
        deliver_to_outbox(
            config,
            &composer,
            JobSource::List(jobs),
            None,
            true,
            opts.progress,
            total,
        )?
    } else {
        deliver_over_smtp(
            config,
            composer,
            relays,
            JobSource::List(jobs),
            None,
            opts.progress,
            total,
        )
    };
    apply_outcome(&mut report, outcome);
    Ok(report)
}

/// One message to deliver.
#[derive(Debug, Clone)]
struct Job {
    recipient: String,
    address: String,
    name: String,
    fields: String,
}

enum JobSource {
    Ledger {
        ledger: Arc<Mutex<Ledger>>,
        run: i64,
        include_sending: bool,
        claim: Claim,
    },
    List(Vec<Job>),
}

impl JobSource {
    /// Calls `f` with each page of jobs until it returns false or the source ends.
    fn for_each_page(
        self,
        issue: u32,
        mut f: impl FnMut(Vec<Job>) -> bool,
    ) -> Result<(), SendError> {
        match self {
            JobSource::List(jobs) => {
                f(jobs);
                Ok(())
            }
            JobSource::Ledger {
                ledger,
                run,
                include_sending,
                claim,
            } => loop {
                let batch = {
                    let ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
                    ledger.claim_deliveries(issue, run, include_sending, &claim)?
                };
                if batch.is_empty() {
                    return Ok(());
                }
                let jobs = batch
                    .into_iter()
                    .map(|p| Job {
                        recipient: p.recipient,
                        address: p.address,
                        name: p.name,
                        fields: p.fields,
                    })
                    .collect();
                if !f(jobs) {
                    return Ok(());
                }
            },
        }
    }
}

#[derive(Debug, Default)]
struct Outcome {
    sent: usize,
    failed_permanent: usize,
    failed_transient: usize,
    paused: Option<String>,
    problems: Vec<Problem>,
}

fn progress_bar(show: bool, total: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} sent  {per_sec}  ETA {eta}  {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The .eml file name for an address: readable, safe on any file system,
/// and distinct for distinct addresses.
pub fn eml_file_name(address: &str) -> String {
    let lower = address.to_lowercase();
    let clean: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean != lower || clean.starts_with('.') {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(lower.as_bytes());
        format!("{clean}-{}.eml", &hex::encode(digest)[..8])
    } else {
        format!("{clean}.eml")
    }
}

fn parse_fields(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

/// The file transport: one .eml per recipient, written atomically.
fn deliver_to_outbox(
    config: &Config,
    composer: &Composer,
    source: JobSource,
    ledger: Option<&Arc<Mutex<Ledger>>>,
    test: bool,
    progress: bool,
    total: usize,
) -> Result<Outcome, SendError> {
    let issue = composer.issue();
    let mut dir = config.delivery.outbox.join(format!("{issue:03}"));
    if test {
        dir = dir.join("test");
    }
    let bar = progress_bar(progress, total);
    let mut outcome = Outcome::default();
    let mut error = None;
    source.for_each_page(issue, |jobs| {
        for job in jobs {
            if stop_requested() {
                outcome.paused = Some(STOPPED_BY_REQUEST.to_string());
                return false;
            }
            let composed =
                match composer.compose(&job.address, &job.name, &parse_fields(&job.fields)) {
                    Ok(c) => c,
                    Err(e) => {
                        if let Some(l) = ledger {
                            let _ = lock(l).mark_failed(issue, &job.recipient, &e);
                        }
                        outcome.failed_permanent += 1;
                        outcome
                            .problems
                            .push(Problem::skipped(&config.subscribers.file, None, e));
                        continue;
                    }
                };
            let path = dir.join(eml_file_name(&job.address));
            if let Some(l) = ledger {
                match lock(l).mark_sending(issue, &job.recipient) {
                    Ok(()) => {}
                    // Another worker took this reader over after our lease ran out.
                    Err(LedgerError::LeaseLost { .. }) => continue,
                    Err(e) => {
                        error = Some(e.into());
                        return false;
                    }
                }
            }
            if let Err(source) = crate::fsutil::write_atomic(&path, &composed.bytes) {
                error = Some(SendError::Io { path, source });
                return false;
            }
            if let Some(l) = ledger {
                let reply = format!("written to {}", path.display());
                if let Err(e) =
                    lock(l).mark_sent(issue, &job.recipient, &reply, &composed.message_id)
                {
                    error = Some(e.into());
                    return false;
                }
            }
            outcome.sent += 1;
            bar.inc(1);
        }
        true
    })?;
    bar.finish_and_clear();
    match error {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

/// State shared by the SMTP workers of one run.
struct Shared {
    issue: u32,
    composer: Composer,
    relays: Vec<Relay>,
    hello: ClientId,
    ledger: Option<Arc<Mutex<Ledger>>>,
    retries: u32,
    retry_base: Duration,
    max_errors: u32,
    consecutive_errors: AtomicU32,
    stop: AtomicBool,
    paused: Mutex<Option<String>>,
    sent: AtomicUsize,
    failed_permanent: AtomicUsize,
    failed_transient: AtomicUsize,
    problems: Mutex<Vec<Problem>>,
    /// Earliest time the next message may start (rate limit), if limited.
    next_slot: Option<tokio::sync::Mutex<tokio::time::Instant>>,
    interval: Duration,
    bar: indicatif::ProgressBar,
}

impl Shared {
    fn ledger_do(
        &self,
        f: impl FnOnce(&Ledger) -> Result<(), crate::ledger::LedgerError>,
    ) -> Result<(), String> {
        match &self.ledger {
            None => Ok(()),
            Some(l) => f(&lock(l)).map_err(|e| e.to_string()),
        }
    }

    /// Waits for this message's turn under the rate limit.
    async fn pace(&self) {
        if let Some(next) = &self.next_slot {
            let at = {
                let mut next = next.lock().await;
                let now = tokio::time::Instant::now();
                let at = (*next).max(now);
                *next = at + self.interval;
                at
            };
            tokio::time::sleep_until(at).await;
        }
    }

    /// Counts a failed attempt; pauses the run after too many in a row.
    fn note_error(&self, failure: &Failure) {
        let n = self.consecutive_errors.fetch_add(1, Ordering::SeqCst) + 1;
        if self.max_errors > 0 && n >= self.max_errors && !self.stop.swap(true, Ordering::SeqCst) {
            let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
            *paused = Some(format!(
                "paused after {n} consecutive failed attempts (max_send_errors = {}); last: {}",
                self.max_errors, failure.reply
            ));
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff_delay(self.retry_base, attempt, fastrand::f64())
    }

    /// Opens a connection to the first relay that answers (failover in order).
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let mut last = None;
        for relay in &self.relays {
            match smtp::connect(relay, &self.hello).await {
                Ok(c) => return Ok(c),
                Err(f) if f.kind == FailKind::Permanent && self.relays.len() == 1 => return Err(f),
                Err(f) => last = Some(f),
            }
        }
        Err(last.unwrap_or(Failure {
            kind: FailKind::Permanent,
            reply: "no SMTP relay configured".into(),
        }))
    }
}

async fn worker(
    shared: Arc<Shared>,
    rx: Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Job>>>,
) {
    let issue = shared.issue;
    let limit = shared
        .relays
        .first()
        .map(|r| r.timeout)
        .unwrap_or(Duration::from_secs(30));
    let mut conn: Option<AsyncSmtpConnection> = None;
    loop {
        let job = { rx.lock().await.recv().await };
        let Some(job) = job else { break };
        if stop_requested() {
            stop_with(&shared, STOPPED_BY_REQUEST.to_string());
        }
        if shared.stop.load(Ordering::SeqCst) {
            break; // paused: the rest stays queued for the next run
        }
        let composed =
            match shared
                .composer
                .compose(&job.address, &job.name, &parse_fields(&job.fields))
            {
                Ok(c) => c,
                Err(e) => {
                    let _ = shared.ledger_do(|l| l.mark_failed(issue, &job.recipient, &e));
                    shared.failed_permanent.fetch_add(1, Ordering::SeqCst);
                    shared.bar.inc(1);
                    continue;
                }
            };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            shared.pace().await;
            if conn.is_none() {
                match shared.connect().await {
                    Ok(c) => conn = Some(c),
                    Err(f) => {
                        if handle_failure(&shared, &job, &f, attempt).await {
                            continue;
                        }
                        break;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { break };
            let mut lease_lost = false;
            let result =
                smtp::deliver(
                    c,
                    &composed.envelope,
                    &composed.bytes,
                    limit,
                    || match &shared.ledger {
                        None => Ok(()),
                        Some(l) => match lock(l).mark_sending(issue, &job.recipient) {
                            Err(LedgerError::LeaseLost { .. }) => {
                                lease_lost = true;
                                Err("the reader passed to another worker".into())
                            }
                            other => other.map_err(|e| e.to_string()),
                        },
                    },
                )
                .await;
            if lease_lost {
                // Another worker sends this one; this connection is mid-envelope.
                conn = None;
                break;
            }
            match result {
                Ok(reply) => {
                    shared.consecutive_errors.store(0, Ordering::SeqCst);
                    if let Err(e) = shared.ledger_do(|l| {
                        l.mark_sent(issue, &job.recipient, &reply, &composed.message_id)
                    }) {
                        // Delivered but not recorded: stop rather than risk a resend.
                        stop_with(
                            &shared,
                            format!("stopped: cannot record a delivery in the ledger: {e}"),
                        );
                    }
                    shared.sent.fetch_add(1, Ordering::SeqCst);
                    shared.bar.inc(1);
                    break;
                }
                Err(f) => {
                    // The connection's state is unknown after a failure: start afresh.
                    conn = None;
                    if handle_failure(&shared, &job, &f, attempt).await {
                        continue;
                    }
                    break;
                }
            }
        }
    }
    if let Some(mut c) = conn {
        let _ = tokio::time::timeout(limit, c.quit()).await;
    }
}

fn stop_with(shared: &Shared, why: String) {
    shared.stop.store(true, Ordering::SeqCst);
    let mut paused = shared.paused.lock().unwrap_or_else(|e| e.into_inner());
    paused.get_or_insert(why);
}

/// Records a failed attempt; returns true to retry (after the backoff).
async fn handle_failure(shared: &Shared, job: &Job, failure: &Failure, attempt: u32) -> bool {
    let issue = shared.issue;
    shared.note_error(failure);
    match failure.kind {
        FailKind::Permanent => {
            let _ = shared.ledger_do(|l| l.mark_failed(issue, &job.recipient, &failure.reply));
            shared.failed_permanent.fetch_add(1, Ordering::SeqCst);
            push_problem(shared, job, failure, "refused");
            shared.bar.inc(1);
            false
        }
        FailKind::Ambiguous => {
            // Stays `sending`: reported, resent only with --resend-ambiguous.
            let _ = shared.ledger_do(|l| l.note_attempt(issue, &job.recipient, &failure.reply));
            shared.bar.inc(1);
            false
        }
        FailKind::Transient => {
            if attempt < shared.retries.max(1) && !shared.stop.load(Ordering::SeqCst) {
                let _ = shared.ledger_do(|l| l.note_attempt(issue, &job.recipient, &failure.reply));
                tokio::time::sleep(shared.backoff(attempt)).await;
                true
            } else {
                let _ =
                    shared.ledger_do(|l| l.mark_retry_later(issue, &job.recipient, &failure.reply));
                shared.failed_transient.fetch_add(1, Ordering::SeqCst);
                push_problem(
                    shared,
                    job,
                    failure,
                    "not delivered yet (will be retried by the next run)",
                );
                shared.bar.inc(1);
                false
            }
        }
    }
}

fn push_problem(shared: &Shared, job: &Job, failure: &Failure, what: &str) {
    let mut problems = shared.problems.lock().unwrap_or_else(|e| e.into_inner());
    // Keep the report readable when a whole list fails the same way.
    if problems.len() < 100 {
        problems.push(Problem::warning(
            PathBuf::from(&job.address),
            None,
            format!("{what}: {}", failure.reply),
        ));
    }
}

/// The SMTP transport: `pool` workers, each with its own connection, fed
/// from the job source through a bounded channel.
fn deliver_over_smtp(
    config: &Config,
    composer: Composer,
    relays: Vec<Relay>,
    source: JobSource,
    ledger: Option<Arc<Mutex<Ledger>>>,
    progress: bool,
    total: usize,
) -> Outcome {
    let pool = relays.first().map(|r| r.pool).unwrap_or(1).max(1);
    let rate = config.delivery.rate;
    let hello =
        ClientId::Domain(composer_domain(config).unwrap_or_else(|| "localhost".to_string()));
    let shared = Arc::new(Shared {
        issue: composer.issue(),
        composer,
        relays,
        hello,
        ledger,
        retries: config.delivery.retries.max(1),
        retry_base: Duration::from_millis(config.delivery.retry_delay_ms),
        max_errors: config.delivery.max_send_errors,
        consecutive_errors: AtomicU32::new(0),
        stop: AtomicBool::new(false),
        paused: Mutex::new(None),
        sent: AtomicUsize::new(0),
        failed_permanent: AtomicUsize::new(0),
        failed_transient: AtomicUsize::new(0),
        problems: Mutex::new(Vec::new()),
        next_slot: (rate > 0.0).then(|| tokio::sync::Mutex::new(tokio::time::Instant::now())),
        interval: if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        },
        bar: progress_bar(progress, total),
    });
    let run = {
        let shared = Arc::clone(&shared);
        move || -> Result<(), SendError> {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    SendError::Transport(format!("cannot start the async runtime: {e}"))
                })?;
            runtime.block_on(async move {
                let (tx, rx) = tokio::sync::mpsc::channel::<Job>(pool * 32);
                let rx = Arc::new(tokio::sync::Mutex::new(rx));
                let workers: Vec<_> = (0..pool)
                    .map(|_| tokio::spawn(worker(Arc::clone(&shared), Arc::clone(&rx))))
                    .collect();
                let issue = shared.issue;
                let stop_flag = Arc::clone(&shared);
                // Page the ledger on a blocking thread so SQLite never stalls the workers.
                let producer = tokio::task::spawn_blocking(move || {
                    source.for_each_page(issue, |jobs| {
                        for job in jobs {
                            if stop_flag.stop.load(Ordering::SeqCst)
                                || stop_requested()
                                || tx.blocking_send(job).is_err()
                            {
                                return false;
                            }
                        }
                        true
                    })
                });
                let produced = producer.await;
                for w in workers {
                    let _ = w.await;
                }
                match produced {
                    Ok(r) => r,
                    Err(e) => Err(SendError::Transport(format!(
                        "the queue reader failed: {e}"
                    ))),
                }
            })
        }
    };
    // A separate thread keeps this callable from inside another runtime.
    let result = std::thread::scope(|s| s.spawn(run).join())
        .unwrap_or_else(|_| Err(SendError::Transport("the sender thread panicked".into())));
    shared.bar.finish_and_clear();
    let mut outcome = Outcome {
        sent: shared.sent.load(Ordering::SeqCst),
        failed_permanent: shared.failed_permanent.load(Ordering::SeqCst),
        failed_transient: shared.failed_transient.load(Ordering::SeqCst),
        paused: shared
            .paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(),
        problems: std::mem::take(&mut *shared.problems.lock().unwrap_or_else(|e| e.into_inner())),
    };
    if let Err(e) = result {
        outcome.paused.get_or_insert(format!("stopped: {e}"));
    }
    outcome
}

/// Exponential backoff with jitter: base·2^(attempt-1), capped at a minute,
/// then scaled by 0.5 + `jitter` (jitter in [0, 1)) so that many workers
/// failing together do not retry in lockstep.
fn backoff_delay(base: Duration, attempt: u32, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(Duration::from_secs(60))
        .mul_f64(0.5 + jitter.clamp(0.0, 1.0))
}

/// The EHLO name: the From address's domain.
fn composer_domain(config: &Config) -> Option<String> {
    let from: lettre::message::Mailbox = config.delivery.from.parse().ok()?;
    Some(from.email.domain().to_string())
}

/// The outbox folder of an issue (for messages and tests).
pub fn outbox_dir(config: &Config, issue: u32) -> PathBuf {
    config.delivery.outbox.join(format!("{issue:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(500);
        assert_eq!(backoff_delay(base, 1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff_delay(base, 2, 0.5), Duration::from_millis(1000));
        assert_eq!(backoff_delay(base, 4, 0.5), Duration::from_millis(4000));
        assert_eq!(backoff_delay(base, 3, 0.0), Duration::from_millis(1000));
        assert_eq!(backoff_delay(base, 40, 0.5), Duration::from_secs(60));
    }

    #[test]
    fn eml_names_are_safe_and_distinct() {
        assert_eq!(eml_file_name("Ada@Example.com"), "ada@example.com.eml");
        let odd = eml_file_name("a/b@example.com");
        assert!(
            odd.starts_with("a_b@example.com-") && !odd.contains('/'),
            "{odd}"
        );
        assert_ne!(odd, eml_file_name("a_b@example.com"));
    }
}
