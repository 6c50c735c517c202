use std::path::{Path, PathBuf};

use anyhow::Context;
use newsletter::audience::{self, SubscriberStatus};
use newsletter::ledger::{Ledger, StatusChange};

use super::BadInput;

/// The subscriber store: who is active, unconfirmed, unsubscribed, bounced or complained.
///
/// The store lives in the ledger (state/newsletter.sqlite) beside the CSV
/// list. A send delivers to the CSV's readers plus the store's active
/// readers, and never to an address the store has as unsubscribed,
/// bounced, complained or unconfirmed, even while it is still in the CSV.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List readers (one a line: email, status, last change, name).
    List {
        /// Only readers with this status (active, unconfirmed, unsubscribed, bounced, complained).
        #[arg(long, value_name = "S")]
        status: Option<SubscriberStatus>,
    },
    /// Add a reader as active at once, without a confirmation mail.
    ///
    /// For readers who gave you their consent some other way: the editor
    /// vouches for it. This also re-activates a reader who unsubscribed,
    /// bounced or complained (you are told when it does).
    Add {
        email: String,
        #[arg(long, value_name = "N", default_value = "")]
        name: String,
    },
    /// Unsubscribe a reader (recorded with its history, not deleted).
    Remove { email: String },
    /// Import a CSV (same columns as subscribers.csv) as active readers.
    ///
    /// Rows marked unsubscribed in the file are recorded as unsubscribed; a
    /// reader the store has as unsubscribed, bounced or complained stays
    /// so. Bad rows are reported with file and line and skipped.
    Import { file: PathBuf },
    /// Print the store as CSV: email,name,status,changed,created (the GDPR export).
    Export {
        #[arg(long, value_name = "S")]
        status: Option<SubscriberStatus>,
    },
    /// Counts by status, and what changed since each recent issue.
    Stats,
}

fn open(config: &newsletter::config::Config) -> anyhow::Result<Ledger> {
    Ledger::for_config(config).context("opening the ledger")
}

fn checked_address(email: &str) -> anyhow::Result<String> {
    let email = email.trim();
    newsletter::send::subscribers::validate_address(email)
        .map_err(|why| BadInput(format!("{email:?} is not an email address: {why}")))?;
    Ok(email.to_string())
}

pub fn run(config_path: &Path, command: Command) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    match command {
        Command::List { status } => {
            for r in open(&config)?.subscribers_list(status)? {
                println!("{}\t{}\t{}\t{}", r.address, r.status, r.changed_at, r.name);
            }
        }
        Command::Add { email, name } => {
            let email = checked_address(&email)?;
            let change = open(&config)?.set_subscriber_status(
                &email,
                name.trim(),
                SubscriberStatus::Active,
                "added by the editor",
                "subscribers add",
            )?;
            match change {
                StatusChange::Added => println!("{email}: added as active"),
                StatusChange::Changed(old) if old.is_suppressed() => {
                    println!("{email}: active again (was {old}); make sure the reader asked for it")
                }
                StatusChange::Changed(old) => println!("{email}: active (was {old})"),
                StatusChange::Unchanged => println!("{email}: already active"),
            }
        }
        Command::Remove { email } => {
            let email = email.trim();
            let change = open(&config)?.set_subscriber_status(
                email,
                "",
                SubscriberStatus::Unsubscribed,
                "removed by the editor",
                "subscribers remove",
            )?;
            match change {
                StatusChange::Unchanged => println!("{email}: already unsubscribed"),
                _ => println!("{email}: unsubscribed (kept in the store with its history)"),
            }
        }
        Command::Import { file } => {
            let mut ledger = open(&config)?;
            let report = audience::subscribers::import(&mut ledger, &file)
                .with_context(|| format!("importing {}", file.display()))?;
            super::report_problems(&report.problems);
            println!(
                "{}: {} added, {} activated, {} already active, {} unsubscribed, {} kept suppressed, {} bad row(s) skipped",
                file.display(),
                report.added,
                report.activated,
                report.unchanged,
                report.unsubscribed,
                report.kept_suppressed,
                report.problems.len()
            );
            if !report.problems.is_empty() {
                eprintln!("hint: fix the rows named above and import the file again; rows already imported are not changed twice");
                return Ok(2);
            }
        }
        Command::Export { status } => {
            let records = open(&config)?.subscribers_list(status)?;
            audience::subscribers::export_csv(&records, std::io::stdout().lock())
                .context("writing the export")?;
        }
        Command::Stats => {
            let ledger = open(&config)?;
            let counts = ledger.subscriber_counts()?;
            let total: usize = counts.values().sum();
            for (status, n) in &counts {
                println!("{status}\t{n}");
            }
            println!("total\t{total}");
            for change in ledger.subscriber_changes_since_issues(5)? {
                let parts: Vec<String> = SubscriberStatus::ALL
                    .iter()
                    .map(|s| format!("+{} {s}", change.into.get(s).copied().unwrap_or(0)))
                    .collect();
                println!(
                    "since issue {} ({}): {}",
                    change.issue,
                    change.since,
                    parts.join(", ")
                );
            }
        }
    }
    Ok(0)
}
