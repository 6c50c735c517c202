//! When issues go out: the cron slots in the newsletter's time zone, and the
//! `run` cycle (summarize, build, send) that runs once per slot.

use chrono::{DateTime, FixedOffset};
use thiserror::Error;

use crate::config::Config;

#[derive(Debug, Error)]
pub enum ScheduleError {
    #[error("{path}: [schedule] cron = {cron:?}: {message}")]
    BadCron {
        path: std::path::PathBuf,
        cron: String,
        message: String,
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
pub struct Schedule {
    pub cron: String,
    pub timezone: chrono_tz::Tz,
}

impl Schedule {
    pub fn from_config(config: &Config) -> Result<Schedule, ScheduleError> {
        let _ = config;
        todo!("issue #7")
    }

    /// The next `n` slots strictly after `from`.
    pub fn next_slots(&self, from: DateTime<FixedOffset>, n: usize) -> Vec<DateTime<FixedOffset>> {
        let _ = (from, n);
        todo!("issue #7")
    }
}

/// One `run` invocation's choices.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run as if it were this time.
    pub at: Option<DateTime<FixedOffset>>,
    /// Run even if the current slot already ran.
    pub now: bool,
}

/// What a `run` did.
#[derive(Debug)]
pub enum RunOutcome {
    AlreadyRan {
        slot: DateTime<FixedOffset>,
    },
    Ran {
        slot: DateTime<FixedOffset>,
        issue: u32,
        report: crate::send::SendReport,
    },
}

/// One scheduled cycle: summarize, build, send.
pub fn run_cycle(config: &Config, opts: &RunOptions) -> Result<RunOutcome, ScheduleError> {
    let _ = (config, opts);
    todo!("issue #7")
}
