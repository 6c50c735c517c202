//! The delivery loop: takes jobs from the ledger (or a test send's list),
//! composes each reader's message, hands it to the transport, and records
//! the outcome — `sending` before the message data, `sent` after the 250 —
//! with pacing (the rate limit), retries with backoff, a pause after too
//! many consecutive failures, and the progress bar.
//!
//! The outbox is written from this thread; SMTP runs `pool` workers, each
//! with its own connection, fed from the job source through a bounded channel.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;

use crate::config::Config;
use crate::ledger::{locked, LedgerError, SharedLedger};
use crate::problem::Problem;

use super::message::Composer;
use super::record::{Recorder, Sending};
use super::select::{Job, JobSource};
use super::smtp::{FailKind, Failure};
use super::transport::{Outbox, Smtp, Transport};
use super::{stop_requested, SendError, STOPPED_BY_REQUEST};

/// What a delivery run did.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub sent: usize,
    pub failed_permanent: usize,
    pub failed_transient: usize,
    pub paused: Option<String>,
    pub problems: Vec<Problem>,
}

/// Delivers every job of `source` through `transport`, recording outcomes in
/// `ledger` when there is one (a test send has none).
pub(super) fn deliver(
    config: &Config,
    composer: Composer,
    transport: Transport,
    source: JobSource,
    ledger: Option<SharedLedger>,
    progress: bool,
    total: usize,
) -> Result<Outcome, SendError> {
    match transport {
        Transport::Outbox(outbox) => deliver_to_outbox(
            config,
            &composer,
            &outbox,
            source,
            ledger.as_ref(),
            progress,
            total,
        ),
        Transport::Smtp(smtp) => Ok(deliver_over_smtp(
            config, composer, smtp, source, ledger, progress, total,
        )),
    }
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

/// The file transport: one .eml per recipient, written atomically.
fn deliver_to_outbox(
    config: &Config,
    composer: &Composer,
    outbox: &Outbox,
    source: JobSource,
    ledger: Option<&SharedLedger>,
    progress: bool,
    total: usize,
) -> Result<Outcome, SendError> {
    let issue = composer.issue();
    let bar = progress_bar(progress, total);
    let mut outcome = Outcome::default();
    let mut error = None;
    source.for_each_page(issue, |jobs| {
        for job in jobs {
            if stop_requested() {
                outcome.paused = Some(STOPPED_BY_REQUEST.to_string());
                return false;
            }
            let composed = match composer.compose(&job.address, &job.name, &job.fields()) {
                Ok(c) => c,
                Err(e) => {
                    if let Some(l) = ledger {
                        let _ = locked(l).mark_failed(issue, &job.recipient, &e);
                    }
                    outcome.failed_permanent += 1;
                    outcome
                        .problems
                        .push(Problem::skipped(&config.subscribers.file, None, e));
                    continue;
                }
            };
            if let Some(l) = ledger {
                match locked(l).mark_sending(issue, &job.recipient) {
                    Ok(()) => {}
                    // Another worker took this reader over after our lease ran out.
                    Err(LedgerError::LeaseLost { .. }) => continue,
                    Err(e) => {
                        error = Some(e.into());
                        return false;
                    }
                }
            }
            let reply = match outbox.write(&job.address, &composed) {
                Ok(reply) => reply,
                Err(e) => {
                    error = Some(e);
                    return false;
                }
            };
            if let Some(l) = ledger {
                if let Err(e) =
                    locked(l).mark_sent(issue, &job.recipient, &reply, &composed.message_id)
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
    smtp: Smtp,
    retries: u32,
    /// `[delivery] soft_bounce_limit`, for refusals recorded against readers.
    soft_bounce_limit: u32,
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
}

/// One SMTP connection's loop; `ledger` records its outcomes (on a ledger
/// session of its own with PostgreSQL, see `record.rs`).
async fn worker(
    shared: Arc<Shared>,
    ledger: Arc<Recorder>,
    rx: Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Job>>>,
) {
    let issue = shared.issue;
    let limit = shared.smtp.timeout();
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
        let composed = match shared
            .composer
            .compose(&job.address, &job.name, &job.fields())
        {
            Ok(c) => c,
            Err(e) => {
                let _ = ledger.write(|l| l.mark_failed(issue, &job.recipient, &e));
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
                match shared.smtp.connect().await {
                    Ok(c) => conn = Some(c),
                    Err(f) => {
                        if handle_failure(&shared, &ledger, &job, &f, attempt).await {
                            continue;
                        }
                        break;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { break };
            let mut lease_lost = false;
            let result = shared
                .smtp
                .deliver(c, &composed, || match ledger.sending(&job.recipient) {
                    Err(Sending::LeaseLost) => {
                        lease_lost = true;
                        Err("the reader passed to another worker".into())
                    }
                    Err(Sending::Failed(e)) => Err(e),
                    Ok(()) => Ok(()),
                })
                .await;
            if lease_lost {
                // Another worker sends this one; this connection is mid-envelope.
                conn = None;
                break;
            }
            match result {
                Ok(reply) => {
                    shared.consecutive_errors.store(0, Ordering::SeqCst);
                    // At once, or with the next `sending` (see record.rs).
                    ledger.sent(&job.recipient, &reply, &composed.message_id);
                    shared.sent.fetch_add(1, Ordering::SeqCst);
                    shared.bar.inc(1);
                    break;
                }
                Err(f) => {
                    // The connection's state is unknown after a failure: start afresh.
                    conn = None;
                    if handle_failure(&shared, &ledger, &job, &f, attempt).await {
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
async fn handle_failure(
    shared: &Shared,
    ledger: &Recorder,
    job: &Job,
    failure: &Failure,
    attempt: u32,
) -> bool {
    let issue = shared.issue;
    if failure.kind == FailKind::Fatal {
        // Wrong for every reader alike: stop at once; this reader stays queued.
        stop_with(shared, format!("stopped: {}", failure.reply));
        return false;
    }
    shared.note_error(failure);
    match failure.kind {
        FailKind::Fatal => false, // handled above
        FailKind::Permanent => {
            let _ = ledger.write(|l| l.mark_failed(issue, &job.recipient, &failure.reply));
            record_refusal(shared, ledger, job, failure);
            shared.failed_permanent.fetch_add(1, Ordering::SeqCst);
            push_problem(shared, job, failure, "refused");
            shared.bar.inc(1);
            false
        }
        FailKind::Ambiguous => {
            // Stays `sending`: reported, resent only with --resend-ambiguous.
            let _ = ledger.write(|l| l.note_attempt(issue, &job.recipient, &failure.reply));
            shared.bar.inc(1);
            false
        }
        FailKind::Transient => {
            if attempt < shared.retries.max(1) && !shared.stop.load(Ordering::SeqCst) {
                let _ = ledger.write(|l| l.note_attempt(issue, &job.recipient, &failure.reply));
                tokio::time::sleep(shared.backoff(attempt)).await;
                true
            } else {
                let _ = ledger.write(|l| l.mark_retry_later(issue, &job.recipient, &failure.reply));
                record_refusal(shared, ledger, job, failure);
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

/// A refusal by the reader's server counts against the reader as a bounce
/// would (see `audience::bounce`): user unknown suppresses, the rest is soft.
fn record_refusal(shared: &Shared, recorder: &Recorder, job: &Job, failure: &Failure) {
    recorder.with_ledger(|ledger| {
        crate::audience::bounce::apply::record_smtp_refusal(
            ledger,
            &job.address,
            shared.issue,
            &failure.reply,
            shared.soft_bounce_limit,
        )
    });
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
    smtp: Smtp,
    source: JobSource,
    ledger: Option<SharedLedger>,
    progress: bool,
    total: usize,
) -> Outcome {
    let pool = smtp.pool();
    let rate = config.delivery.rate;
    let main = Recorder::new(composer.issue(), ledger);
    let recorders: Vec<Arc<Recorder>> = (0..pool)
        .map(|_| Arc::new(Recorder::another(&main)))
        .collect();
    let shared = Arc::new(Shared {
        issue: composer.issue(),
        composer,
        smtp,
        retries: config.delivery.retries.max(1),
        soft_bounce_limit: config.delivery.soft_bounce_limit,
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
        let recorders = recorders.clone();
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
                let workers: Vec<_> = recorders
                    .into_iter()
                    .map(|ledger| {
                        tokio::spawn(worker(Arc::clone(&shared), ledger, Arc::clone(&rx)))
                    })
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
    // `main` itself records nothing: each connection has its own.
    drop(main);
    for recorder in &recorders {
        if let Err(e) = recorder.flush() {
            // Delivered but not recorded: those rows stay `sending` (ambiguous), never resent.
            outcome.paused.get_or_insert(format!(
                "stopped: cannot record deliveries in the ledger: {e}"
            ));
        }
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
}
