use std::path::Path;

use chrono::{DateTime, FixedOffset};
use clap::ValueEnum;
use newsletter::schedule::Schedule;

/// Show the publishing slots, run them as a daemon, or print a timer for them.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the next N slots (RFC 3339 with offset, one a line).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub next: usize,
    /// Count slots from this time instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = super::run::parse_time)]
    pub from: Option<DateTime<FixedOffset>>,
    /// Stay up and run each slot as it comes.
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
    let from = args
        .from
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    for slot in schedule.next_slots(from, args.next) {
        println!("{}", slot.to_rfc3339());
    }
    Ok(0)
}
