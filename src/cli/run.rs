use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use newsletter::schedule::{self, RunOptions, RunOutcome};

/// One scheduled cycle: summarize, build and send the current slot's issue.
///
/// This is what cron or a systemd timer calls. It does nothing if the
/// current slot already ran, unless --now.
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
    };
    match schedule::run_cycle(&config, &opts).context("running the scheduled cycle")? {
        RunOutcome::AlreadyRan { slot } => {
            eprintln!(
                "run: the slot {} already ran; nothing to do (use --now to run anyway)",
                slot.to_rfc3339()
            );
        }
        RunOutcome::Ran {
            slot,
            issue,
            report,
        } => {
            eprintln!(
                "run: slot {}: issue {issue}: {} sent, {} failed, {} skipped, {} ambiguous",
                slot.to_rfc3339(),
                report.sent,
                report.failed,
                report.skipped,
                report.ambiguous
            );
            if report.failed > 0 {
                return Ok(1);
            }
        }
    }
    Ok(0)
}
