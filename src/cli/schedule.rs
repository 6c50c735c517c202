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
    ///
    /// The systemd pair is a user unit (~/.config/systemd/user/) unless
    /// --system; the crontab line logs to state/cron.log through --log-file.
    #[arg(long, value_enum, value_name = "systemd|cron")]
    pub print: Option<PrintKind>,
    /// With --print systemd: a system unit (/etc/systemd/system/) with
    /// `User=` set to --user, or else to the owner of the config file.
    #[arg(long, requires = "print")]
    pub system: bool,
    /// The user a system unit runs as (default: the config file's owner).
    #[arg(long, value_name = "NAME", requires = "system")]
    pub user: Option<String>,
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
        let user = if args.system {
            Some(
                args.user
                    .clone()
                    .unwrap_or_else(|| owner_name(config_path).unwrap_or_default()),
            )
        } else {
            None
        };
        return print(config_path, &config, &schedule, kind, user.as_deref());
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
    system_user: Option<&str>,
) -> anyhow::Result<i32> {
    let exe = std::env::current_exe().context("finding the newsletter executable")?;
    let config_abs = std::fs::canonicalize(config_path)
        .with_context(|| format!("{}: cannot resolve the config path", config_path.display()))?;
    let workdir = config_abs.parent().unwrap_or(Path::new("/")).to_path_buf();
    let log = std::path::absolute(config.paths.state.join("cron.log"))
        .context("resolving the state folder")?;
    let secrets = secret_variables(config);
    let inv = timer::Invocation {
        log: &log,
        secrets: &secrets,
        system_user,
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

/// The environment variables the config names for secrets, in config order.
fn secret_variables(config: &newsletter::config::Config) -> Vec<String> {
    let delivery = &config.delivery;
    let mut names = vec![delivery.unsubscribe_secret_env.clone()];
    for smtp in std::iter::once(&delivery.smtp).chain(&delivery.relays) {
        names.extend(smtp.username_env.iter().cloned());
        names.extend(smtp.password_env.iter().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| !n.is_empty() && seen.insert(n.clone()));
    names
}

/// The login name owning `path`, from /etc/passwd (no NSS lookup: a
/// missing name only means `User=` is left for the user to fill in).
fn owner_name(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata(path).ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    })
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
