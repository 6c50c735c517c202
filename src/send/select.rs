//! Choosing what to send and to whom: the issue (a number or the latest),
//! its manifest, and the readers — the subscriber list streamed into the
//! ledger for a list send, or the `--to` addresses for a test send — and
//! paging them back out as jobs for the delivery loop.

use std::collections::BTreeMap;

use crate::build::{self, IssueManifest};
use crate::config::Config;
use crate::ledger::{locked, Claim, DeliveryCounts, Enqueued, Ledger, SharedLedger};
use crate::problem::Problem;

use super::subscribers::{self, Row, SubscriberReader};
use super::{IssueSelector, SendError, SendReport};

/// The highest-numbered issue folder in dist/issues.
fn latest_built(config: &Config) -> Option<u32> {
    std::fs::read_dir(config.paths.dist.join("issues"))
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("issue.json").is_file())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .max()
}

pub(super) fn resolve_issue(
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

pub(super) fn load_manifest(config: &Config, issue: u32) -> Result<IssueManifest, SendError> {
    let dir = build::issue_dir(config, issue);
    if !dir.join("issue.json").is_file() {
        return Err(SendError::NoIssue(format!(
            "{}: issue {issue} has not been built (no issue.json); run `newsletter build` first",
            dir.display()
        )));
    }
    Ok(IssueManifest::load(&dir)?)
}

/// Phase 1 of a list send: streams the list into the ledger for a fresh run
/// and returns the run and its counts. The last transaction is left open:
/// the caller commits it, or rolls it back for a dry run.
pub(super) fn enqueue_list(
    config: &Config,
    ledger: &Ledger,
    issue: u32,
    dry_run: bool,
    report: &mut SendReport,
) -> Result<(i64, DeliveryCounts), SendError> {
    // The run number is taken inside the write transaction, so concurrent
    // workers get distinct runs.
    let mut reader = SubscriberReader::open(&config.subscribers.file)?;
    let mut audience = crate::audience::Recipients::new();
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
                Row::Unsubscribed { address, .. } => {
                    report.unsubscribed += 1;
                    audience.csv_marked(&address);
                }
                Row::Subscriber(s) => {
                    if audience.withhold(ledger, &s.key)? {
                        continue;
                    }
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
                    if in_batch == 10_000 && !dry_run {
                        ledger.commit()?;
                        ledger.begin()?;
                        in_batch = 0;
                    }
                }
            }
        }
        // Readers who subscribed through `serve` (or were added by hand) and
        // are not in the CSV; one already listed above keeps its CSV row.
        audience.for_each_store_reader(ledger, |r| {
            ledger
                .enqueue_delivery(issue, run, &r.email, &r.address, &r.name, "{}", 0)
                .map(|_| ())
        })?;
        Ok(())
    })();
    if let Err(e) = enqueue_result {
        let _ = ledger.rollback();
        return Err(e);
    }
    report.skipped_by = crate::audience::SkipCounts {
        csv_marked: report.unsubscribed,
        invalid: report.invalid,
        ..audience.skipped
    };
    let counts = ledger.delivery_counts(issue, Some(run))?;
    Ok((run, counts))
}

/// `--to`: one job per distinct, valid address; the ledger is not touched.
pub(super) fn test_jobs(to: &[String]) -> Result<Vec<Job>, SendError> {
    let mut jobs = Vec::new();
    for address in to {
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
    Ok(jobs)
}

/// One message to deliver.
#[derive(Debug, Clone)]
pub(super) struct Job {
    pub recipient: String,
    pub address: String,
    pub name: String,
    pub fields: String,
}

impl Job {
    /// The reader's template fields (a JSON object in the ledger).
    pub fn fields(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

/// Where the delivery loop takes its jobs from.
pub(super) enum JobSource {
    /// The rows of one send run still to deliver, claimed from the ledger
    /// a batch at a time (see `ledger::Claim`).
    Ledger {
        ledger: SharedLedger,
        run: i64,
        include_sending: bool,
        claim: Claim,
    },
    /// A fixed list (a test send).
    List(Vec<Job>),
}

impl JobSource {
    /// Calls `f` with each page of jobs until it returns false or the source ends.
    pub fn for_each_page(
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
                    let ledger = locked(&ledger);
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
