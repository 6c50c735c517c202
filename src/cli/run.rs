use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use newsletter::schedule::daemon::{self, Stopper};
use newsletter::schedule::{self, RunOptions, RunOutcome};

/// One scheduled cycle: fetch the [[sources]], then summarize, build and
/// send the current slot's issue.
///
/// This is what cron or a systemd timer calls. It does nothing if the
/// current slot already ran, unless --now. A slot missed by more than
/// [schedule] grace_minutes is recorded as skipped instead of sent late.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run even if this slot already ran (and even between slots).
    #[arg(long)]
    pub now: bool,
    /// Run as if it were this time (RFC 3339, e.g. 2026-11-24T07:00:00Z).
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub at: Option<DateTime<FixedOffset>>,
}

pub fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time like 2026-11-24T07:00:00+00:00: {e}"))
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    let opts = RunOptions {
        at: args.at,
        now: args.now,
        daemon: false,
    };
    // SIGTERM (systemd stopping the unit) or Ctrl-C must not cut a message in
    // half: the messages in flight finish, the rest stays queued for the next
    // run, and the cycle is recorded as unfinished. A second signal exits at once.
    let stopper = Stopper::new();
    daemon::stop_on_signals(stopper.clone()).context("listening for SIGTERM and SIGINT")?;
    let watcher = stopper.clone();
    std::thread::spawn(move || {
        watcher.wait();
        eprintln!("run: stop requested; finishing the messages in flight, the rest stays queued (signal again to quit now)");
    });
    let outcome = schedule::run_cycle(&config, &opts).context("running the scheduled cycle")?;
    Ok(report_outcome(&outcome))
}

/// Prints what a cycle did; returns the exit code it calls for.
pub fn report_outcome(outcome: &RunOutcome) -> i32 {
    match outcome {
        RunOutcome::AlreadyRan { slot, status } => {
            eprintln!(
                "run: the slot {} already ran ({status}); nothing to do (use --now to run anyway)",
                slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            0
        }
        RunOutcome::Missed {
            slot,
            late_minutes,
            grace_minutes,
        } => {
            eprintln!(
                "run: the slot {} was missed by {late_minutes} minutes, more than [schedule] grace_minutes = {grace_minutes}; recorded as skipped, nothing sent (use --now to send anyway)",
                slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            0
        }
        RunOutcome::Ran {
            slot,
            issue,
            report,
            problems,
        } => {
            super::report_problems(problems);
            super::report_problems(&report.problems);
            eprintln!(
                "run: slot {}: issue {issue} ({}) via {}: {} sent, {} failed, {} skipped, {} ambiguous",
                slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                report.subject,
                report.destination,
                report.sent,
                report.failed,
                report.skipped,
                report.ambiguous
            );
            eprintln!("run: skipped: {}", report.skipped_by);
            if report.failed > 0 {
                1
            } else {
                0
            }
        }
    }
}
