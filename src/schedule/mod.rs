//! When issues go out: the cron slots in the newsletter's time zone, and the
//! `run` cycle (summarize, build, send) that runs once per slot.
//!
//! The pieces are kept apart so each can be tested on its own:
//! [`Schedule`] turns the cron expression into instants (croner evaluates it
//! in the newsletter's chrono-tz zone, so 07:00 stays 07:00 local across
//! daylight-saving changes); [`decide`] is the whole missed-slot policy as a
//! pure function; the ledger's `runs` table remembers what ran; [`lock`]
//! keeps two processes from sending at once; [`run_cycle_with`] ties them
//! together around any piece of work, and [`run_cycle`] plugs in the real
//! pipeline ([`pipeline`]).

use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use thiserror::Error;

use crate::config::Config;
use crate::ledger::{locked, Ledger, RunRecord, RunStatus, RunTrigger, SharedLedger};
use crate::problem::Problem;

pub mod daemon;
pub mod timer;

use crate::ledger::lock::ProcessLock;
use crate::ledger::LockError;

#[derive(Debug, Error)]
pub enum ScheduleError {
    #[error("{path}: [schedule] cron = {cron:?}: {message}\n  hint: use five fields, minute hour day-of-month month day-of-week, e.g. \"0 7 * * TUE,THU\"")]
    BadCron {
        path: PathBuf,
        cron: String,
        message: String,
    },
    #[error("{path}: [schedule] cron = {cron:?} has no slot at or before {at}; nothing to run yet\n  hint: use `newsletter run --now` to run regardless of the schedule")]
    NoSlot {
        path: PathBuf,
        cron: String,
        at: String,
    },
    #[error("{path}: [schedule] cron = {cron:?} cannot be written as {target}: {message}")]
    NotExpressible {
        path: PathBuf,
        cron: String,
        target: &'static str,
        message: String,
    },
    /// A project path that no quoting carries through the unit or crontab (bad input).
    #[error("{path}: cannot write {target}: the path {message}")]
    UnwritablePath {
        path: PathBuf,
        target: &'static str,
        message: String,
    },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("{path}: cannot read the inbox: {source}")]
    Inbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The send stopped early (paused after repeated failures, or asked to
    /// stop): the slot counts as failed so that the next run resumes it.
    #[error("issue {issue}: the send stopped before the whole list was done ({sent} sent): {why}\n  hint: the rest stays queued; `newsletter run` within the grace period (or `newsletter send`) resumes it")]
    SendUnfinished {
        issue: u32,
        sent: usize,
        why: String,
    },
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error(transparent)]
    Send(#[from] crate::send::SendError),
    #[error(transparent)]
    Summarize(#[from] crate::summarize::SummarizeError),
}

/// The newsletter's publishing slots.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The expression as written in the config.
    pub cron: String,
    pub timezone: Tz,
    /// How late a missed slot may still be run.
    pub grace: Duration,
    parsed: Cron,
    /// The config file, for messages.
    source: PathBuf,
}

impl Schedule {
    /// The schedule of `[schedule]` in `newsletter.timezone`.
    pub fn from_config(config: &Config) -> Result<Schedule, ScheduleError> {
        // The config validated the zone at load time; UTC only guards a hand-built Config.
        let tz = config.timezone().unwrap_or(chrono_tz::UTC);
        Schedule::new(
            &config.schedule.cron,
            tz,
            config.schedule.grace_minutes,
            &config.source_path,
        )
    }

    /// A schedule from its parts; `source` is the config file named in errors.
    pub fn new(
        cron: &str,
        timezone: Tz,
        grace_minutes: u32,
        source: &std::path::Path,
    ) -> Result<Schedule, ScheduleError> {
        let bad = |message: String| ScheduleError::BadCron {
            path: source.to_path_buf(),
            cron: cron.to_string(),
            message,
        };
        // Five fields, as cron and systemd users expect; croner would
        // otherwise read a sixth field as seconds and shift every field.
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let parsed = parser.parse(cron).map_err(|e| bad(e.to_string()))?;
        // A pattern that can never match (31 February) would make every
        // search fail later; catch it now, with the file named.
        let probe = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        if parsed
            .find_next_occurrence(&probe.with_timezone(&timezone), false)
            .is_err()
        {
            return Err(bad("it never matches any date".into()));
        }
        Ok(Schedule {
            cron: cron.to_string(),
            timezone,
            grace: Duration::minutes(i64::from(grace_minutes)),
            parsed,
            source: source.to_path_buf(),
        })
    }

    /// The next `n` slots strictly after `from`, in the newsletter's offset.
    pub fn next_slots(&self, from: DateTime<FixedOffset>, n: usize) -> Vec<DateTime<FixedOffset>> {
        self.parsed
            .iter_after(from.with_timezone(&self.timezone))
            .take(n)
            .map(|slot| slot.fixed_offset())
            .collect()
    }

    /// The first slot strictly after `after`.
    pub fn next_slot<Z: TimeZone>(&self, after: &DateTime<Z>) -> Option<DateTime<Tz>> {
        self.parsed
            .find_next_occurrence(&after.with_timezone(&self.timezone), false)
            .ok()
    }

    /// The slot in force at `at`: the most recent slot at or before it.
    ///
    /// Computed from the forward sequence (the one `next_slots` prints), so
    /// the two always agree, even for a slot that falls into a DST gap and is
    /// moved to the end of the gap.
    pub fn current_slot<Z: TimeZone>(&self, at: &DateTime<Z>) -> Option<DateTime<Tz>> {
        let at = at.with_timezone(&self.timezone);
        let rough = self.parsed.find_previous_occurrence(&at, true).ok()?;
        let mut best = None;
        for slot in self.parsed.iter_after(rough - Duration::days(1)) {
            if slot > at {
                break;
            }
            best = Some(slot);
        }
        best
    }

    /// The issue date a slot publishes: its calendar date in the newsletter's zone.
    pub fn issue_date<Z: TimeZone>(&self, slot: &DateTime<Z>) -> NaiveDate {
        slot.with_timezone(&self.timezone).date_naive()
    }

    /// The config file this schedule came from.
    pub fn source(&self) -> &std::path::Path {
        &self.source
    }

    /// The parsed expression.
    pub fn parsed(&self) -> &Cron {
        &self.parsed
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;
    /// `"0 7 * * TUE,THU"` in UTC with no grace, for quick checks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schedule::new(s, chrono_tz::UTC, 0, std::path::Path::new("<cron>"))
    }
}

/// What to do about a slot, given what the ledger knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not run yet (or failed, or interrupted) and still within grace: run it.
    Run,
    /// Done or skipped already: nothing to do.
    Settled(RunRecord),
    /// Missed by more than the grace period: record it as skipped, send nothing.
    Missed { late: Duration },
}

/// The missed-slot policy: a slot runs once; a late slot runs if it is at
/// most `grace` late, and is skipped otherwise, so that subscribers never
/// get Tuesday's issue on Wednesday evening.
pub fn decide(
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: Duration,
    existing: Option<&RunRecord>,
) -> Decision {
    if let Some(record) = existing.filter(|r| r.status.is_final()) {
        return Decision::Settled(record.clone());
    }
    let late = now - slot;
    if late > grace {
        Decision::Missed { late }
    } else {
        Decision::Run
    }
}

/// One `run` invocation's choices.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run as if it were this time.
    pub at: Option<DateTime<FixedOffset>>,
    /// Run even if the current slot already ran.
    pub now: bool,
    /// Who is asking: recorded in the ledger (the daemon, or cron/by hand).
    pub daemon: bool,
}

/// What the work of one cycle produced.
#[derive(Debug)]
pub struct CycleReport {
    pub issue: u32,
    pub subject: String,
    pub report: crate::send::SendReport,
    /// Inputs skipped or warned about on the way (summarize and build).
    pub problems: Vec<Problem>,
}

/// What a `run` did.
#[derive(Debug)]
pub enum RunOutcome {
    /// The slot is already done or skipped.
    AlreadyRan {
        slot: DateTime<FixedOffset>,
        status: RunStatus,
    },
    /// The slot was missed by more than the grace period; recorded as skipped.
    Missed {
        slot: DateTime<FixedOffset>,
        late_minutes: i64,
        grace_minutes: i64,
    },
    Ran {
        slot: DateTime<FixedOffset>,
        issue: u32,
        report: Box<crate::send::SendReport>,
        problems: Vec<Problem>,
    },
}

/// One scheduled cycle: summarize, build, send.
pub fn run_cycle(config: &Config, opts: &RunOptions) -> Result<RunOutcome, ScheduleError> {
    run_cycle_with(config, opts, pipeline)
}

/// The bookkeeping of a cycle around `work` (called with the config, the
/// ledger, the issue date and the time the cycle runs as): takes the state
/// lock, opens the ledger (once: `work` is handed it), works out the slot,
/// runs `work` only if the slot calls for it, and records the result in the
/// ledger. [`run_cycle`] passes [`pipeline`].
pub fn run_cycle_with<W>(
    config: &Config,
    opts: &RunOptions,
    work: W,
) -> Result<RunOutcome, ScheduleError>
where
    W: FnOnce(
        &Config,
        &SharedLedger,
        NaiveDate,
        DateTime<Utc>,
    ) -> Result<CycleReport, ScheduleError>,
{
    let schedule = Schedule::from_config(config)?;
    let now = opts
        .at
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let _lock = ProcessLock::acquire(config)?;
    let shared = Ledger::for_config(config)?.share();
    let ledger = || locked(&shared);
    let trigger = if opts.now {
        RunTrigger::Manual
    } else if opts.daemon {
        RunTrigger::Daemon
    } else {
        RunTrigger::Slot
    };

    // With --now the run is its own "slot": the instant it ran.
    let slot: DateTime<Tz> = if opts.now {
        now.with_timezone(&schedule.timezone)
    } else {
        let slot = schedule
            .current_slot(&now)
            .ok_or_else(|| ScheduleError::NoSlot {
                path: config.source_path.clone(),
                cron: schedule.cron.clone(),
                at: now.to_rfc3339(),
            })?;
        let existing = ledger().run_for_slot(&slot)?;
        match decide(
            slot.with_timezone(&Utc),
            now,
            schedule.grace,
            existing.as_ref(),
        ) {
            Decision::Run => {}
            Decision::Settled(record) => {
                return Ok(RunOutcome::AlreadyRan {
                    slot: slot.fixed_offset(),
                    status: record.status,
                })
            }
            Decision::Missed { late } => {
                let detail = format!(
                    "missed by {} minutes, more than the grace period of {} minutes",
                    late.num_minutes(),
                    schedule.grace.num_minutes()
                );
                ledger().record_skipped(&slot, trigger, &detail, Utc::now())?;
                return Ok(RunOutcome::Missed {
                    slot: slot.fixed_offset(),
                    late_minutes: late.num_minutes(),
                    grace_minutes: schedule.grace.num_minutes(),
                });
            }
        }
        slot
    };

    ledger().begin_run(&slot, trigger, Utc::now())?;
    match work(config, &shared, schedule.issue_date(&slot), now) {
        Ok(done) => {
            let r = &done.report;
            let detail = format!(
                "issue {}: {} sent, {} failed, {} skipped, {} ambiguous",
                done.issue, r.sent, r.failed, r.skipped, r.ambiguous
            );
            ledger().finish_run(
                &slot,
                RunStatus::Done,
                Some(done.issue),
                &detail,
                Utc::now(),
            )?;
            Ok(RunOutcome::Ran {
                slot: slot.fixed_offset(),
                issue: done.issue,
                report: Box::new(done.report),
                problems: done.problems,
            })
        }
        Err(err) => {
            // Best effort: the error being reported matters more than the bookkeeping.
            let _ =
                ledger().finish_run(&slot, RunStatus::Failed, None, &err.to_string(), Utc::now());
            Err(err)
        }
    }
}

/// The real work of a cycle: fetch the sources, summarize the inbox, build
/// the issue for `date` and send it to the subscriber list.
pub fn pipeline(
    config: &Config,
    ledger: &SharedLedger,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CycleReport, ScheduleError> {
    use crate::{build, clean, ingest, send, summarize};

    let mut problems = Vec::new();
    // Fetch first; a source that fails (or a fetch that cannot run) is a
    // warning, never a reason to skip the issue.
    if !config.sources.is_empty() {
        match crate::fetch::fetch_sources_in(config, ledger, &Default::default(), &|_| {}) {
            Ok(fetched) => problems.extend(fetched.problems()),
            Err(err) => problems.push(Problem::warning(
                config.source_path.clone(),
                None,
                format!("fetching the sources failed: {err}"),
            )),
        }
    }
    let inbox = &config.content.inbox;
    let inputs = match ingest::discover(inbox) {
        Ok(inputs) => inputs,
        // No inbox is not fatal: the summaries already there still make an issue.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            problems.push(Problem::warning(
                inbox.clone(),
                None,
                "no inbox folder; building from the existing summaries",
            ));
            Vec::new()
        }
        Err(source) => {
            return Err(ScheduleError::Inbox {
                path: inbox.clone(),
                source,
            })
        }
    };
    let ingested = ingest::ingest_files(&inputs);
    problems.extend(ingested.problems);
    let articles = clean::merge_near_duplicates(ingested.articles);
    let written = summarize::write_summaries(
        &articles,
        &config.content.summaries,
        &summarize::SummaryOptions::from(&config.summary),
        false,
        now.fixed_offset(),
    )?;
    problems.extend(written.problems);

    let built = build::build_issue_in(config, &mut locked(ledger), date)?;
    problems.extend(built.problems);

    let report = send::send_issue_in(
        config,
        ledger,
        &send::SendOptions::to_list(send::IssueSelector::Number(built.number)),
    )?;
    if let Some(why) = report.paused {
        return Err(ScheduleError::SendUnfinished {
            issue: built.number,
            sent: report.sent,
            why,
        });
    }
    Ok(CycleReport {
        issue: built.number,
        subject: built.subject,
        report,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn london() -> Schedule {
        Schedule::new(
            "0 7 * * TUE,THU",
            chrono_tz::Europe::London,
            360,
            std::path::Path::new("config.toml"),
        )
        .unwrap()
    }

    #[test]
    fn next_slots_are_strictly_after_from() {
        let s = london();
        let slots = s.next_slots(t("2026-11-24T07:00:00Z"), 2);
        assert_eq!(
            slots.iter().map(|d| d.to_rfc3339()).collect::<Vec<_>>(),
            ["2026-11-26T07:00:00+00:00", "2026-12-01T07:00:00+00:00"]
        );
    }

    #[test]
    fn current_slot_is_the_latest_at_or_before() {
        let s = london();
        let at_slot = t("2026-11-24T07:00:00Z");
        assert_eq!(s.current_slot(&at_slot).unwrap(), at_slot);
        assert_eq!(
            s.current_slot(&t("2026-11-24T06:59:59Z")).unwrap(),
            t("2026-11-19T07:00:00Z")
        );
        assert_eq!(
            s.current_slot(&t("2026-11-25T23:00:00-05:00")).unwrap(),
            t("2026-11-26T07:00:00Z") - Duration::days(2)
        );
    }

    #[test]
    fn current_slot_agrees_with_next_slots_in_a_dst_gap() {
        // 01:30 does not exist in London on 29 March 2026; croner moves the
        // slot to the end of the gap, and the current slot must agree.
        let s = Schedule::new(
            "30 1 * * *",
            chrono_tz::Europe::London,
            0,
            std::path::Path::new("c"),
        )
        .unwrap();
        let slots = s.next_slots(t("2026-03-28T12:00:00Z"), 2);
        for slot in &slots {
            assert_eq!(s.current_slot(slot).unwrap(), *slot);
            assert_eq!(
                s.current_slot(&(*slot + Duration::minutes(5))).unwrap(),
                *slot
            );
        }
    }

    #[test]
    fn bad_cron_names_the_config_file() {
        let err = Schedule::new(
            "0 7 * * FUNDAY",
            chrono_tz::UTC,
            0,
            std::path::Path::new("/srv/config.toml"),
        )
        .unwrap_err();
        assert!(matches!(err, ScheduleError::BadCron { .. }));
        let shown = err.to_string();
        assert!(
            shown.starts_with("/srv/config.toml: [schedule] cron"),
            "{shown}"
        );
        for bad in ["0 0 7 * * TUE", "61 7 * * *", "", "0 0 31 2 *"] {
            assert!(
                matches!(bad.parse::<Schedule>(), Err(ScheduleError::BadCron { .. })),
                "{bad:?} should be rejected"
            );
        }
    }

    fn record(status: RunStatus) -> RunRecord {
        RunRecord {
            slot: Utc::now(),
            status,
            trigger: "slot".into(),
            issue: None,
            started_at: String::new(),
            finished_at: None,
            detail: None,
        }
    }

    #[test]
    fn policy_runs_once_within_grace_and_skips_beyond() {
        let slot = t("2026-11-24T07:00:00Z").with_timezone(&Utc);
        let grace = Duration::minutes(360);
        assert_eq!(decide(slot, slot, grace, None), Decision::Run);
        assert_eq!(
            decide(slot, slot + Duration::minutes(360), grace, None),
            Decision::Run
        );
        assert_eq!(
            decide(slot, slot + Duration::minutes(361), grace, None),
            Decision::Missed {
                late: Duration::minutes(361)
            }
        );
        for status in [RunStatus::Done, RunStatus::Skipped] {
            assert!(matches!(
                decide(slot, slot, grace, Some(&record(status))),
                Decision::Settled(_)
            ));
        }
        // A failed or interrupted run is retried while within grace.
        for status in [RunStatus::Failed, RunStatus::Running] {
            assert_eq!(
                decide(
                    slot,
                    slot + Duration::minutes(5),
                    grace,
                    Some(&record(status))
                ),
                Decision::Run
            );
        }
    }
}
