use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use clap::ValueEnum;
use newsletter::schedule::daemon::{self, DaemonEvent, Stopper};
use newsletter::schedule::{timer, Schedule};

/// Show the publishing slots, run them as a daemon, or print a timer for them.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the next N slots (RFC 3339 with offset, one a line).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub next: usize,
    /// Count slots from this time instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = super::run::parse_time)]
    pub from: Option<DateTime<FixedOffset>>,
    /// Stay up and run each slot as it comes (SIGTERM or Ctrl-C stops it after any send in flight).
    #[arg(long, conflicts_with = "print")]
    pub daemon: bool,
    /// Print a systemd service and timer pair, or a crontab line, that runs `newsletter run`.
    #[arg(long, value_enum, value_name = "systemd|cron")]
    pub print: Option<PrintKind>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrintKind {
    Systemd,
    Cron,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    let schedule = Schedule::from_config(&config)?;
    if let Some(kind) = args.print {
        return print(config_path, &config, &schedule, kind);
    }
    if args.daemon {
        return run_daemon(&config);
    }
    let from = args
        .from
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    for slot in schedule.next_slots(from, args.next) {
        println!("{}", slot.to_rfc3339());
    }
    Ok(0)
}

fn print(
    config_path: &Path,
    config: &newsletter::config::Config,
    schedule: &Schedule,
    kind: PrintKind,
) -> anyhow::Result<i32> {
    let exe = std::env::current_exe().context("finding the newsletter executable")?;
    let config_abs = std::fs::canonicalize(config_path)
        .with_context(|| format!("{}: cannot resolve the config path", config_path.display()))?;
    let workdir = config_abs.parent().unwrap_or(Path::new("/")).to_path_buf();
    let log = std::path::absolute(config.paths.state.join("cron.log"))
        .context("resolving the state folder")?;
    let inv = timer::Invocation {
        log: &log,
        exe: &exe,
        config: &config_abs,
        workdir: &workdir,
        name: &config.newsletter.name,
    };
    let text = match kind {
        PrintKind::Systemd => timer::systemd_units(schedule, &inv)?,
        PrintKind::Cron => timer::crontab(schedule, &inv)?,
    };
    print!("{text}");
    Ok(0)
}

fn run_daemon(config: &newsletter::config::Config) -> anyhow::Result<i32> {
    let stopper = Stopper::new();
    daemon::stop_on_signals(stopper.clone()).context("listening for SIGTERM and SIGINT")?;
    eprintln!(
        "schedule: daemon started (PID {}), cron {:?} in {}",
        std::process::id(),
        config.schedule.cron,
        config.newsletter.timezone
    );
    daemon::run_daemon(config, &stopper, |event| match event {
        DaemonEvent::Outcome(outcome) => {
            super::run::report_outcome(&outcome);
        }
        DaemonEvent::Failed(err) => {
            eprintln!("error: {:#}", anyhow::Error::from(err));
        }
        DaemonEvent::Sleeping(until) => {
            eprintln!("schedule: sleeping until {}", until.to_rfc3339());
        }
        DaemonEvent::Stopping => {
            eprintln!("schedule: stop requested; exiting");
        }
    })?;
    Ok(0)
}
