use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use newsletter::send::{self, IssueSelector, SendOptions};

/// Deliver an issue to the subscriber list, or only to --to addresses.
///
/// Every recipient is recorded in the ledger (state/newsletter.sqlite), so an
/// interrupted send can simply be run again: nobody gets the issue twice.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Issue number, or "latest".
    #[arg(long, value_name = "N|latest", default_value = "latest", value_parser = parse_issue)]
    pub issue: IssueSelector,
    /// Send a test copy to this address only (repeatable); the list is not touched.
    #[arg(long = "to", value_name = "ADDR")]
    pub to: Vec<String>,
    /// Override the configured transport for this run: smtp://host:port, smtps://host:port, or smtp://host:port?tls=starttls.
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// Say what would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Show the delivery counts for the issue and exit.
    #[arg(long)]
    pub status: bool,
    /// Also send to recipients whose earlier delivery was interrupted mid-message (they may get it twice).
    #[arg(long)]
    pub resend_ambiguous: bool,
    /// Be one of several senders sharing the list (on one machine or many,
    /// with a PostgreSQL ledger): no state lock; readers are claimed in
    /// leased batches, so each gets the issue once.
    #[arg(long)]
    pub worker: bool,
}

fn parse_issue(s: &str) -> Result<IssueSelector, String> {
    if s == "latest" {
        return Ok(IssueSelector::Latest);
    }
    s.parse::<u32>()
        .map(IssueSelector::Number)
        .map_err(|_| format!("{s:?} is not an issue number or \"latest\""))
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    if args.status {
        let status = send::delivery_status(&config, &args.issue).context("reading the ledger")?;
        let c = status.counts;
        println!(
            "issue {}: {} sent, {} queued, {} sending (ambiguous), {} failed, {} total",
            status.issue,
            c.sent,
            c.queued,
            c.sending,
            c.failed,
            c.total()
        );
        for address in &status.ambiguous_recipients {
            println!("ambiguous: {address}");
        }
        return Ok(0);
    }
    let opts = SendOptions {
        issue: args.issue,
        to: args.to,
        smtp_url: args.smtp,
        dry_run: args.dry_run,
        resend_ambiguous: args.resend_ambiguous,
        progress: std::io::stderr().is_terminal(),
        worker: args.worker,
    };
    // A real send holds the state lock (a database lock with PostgreSQL),
    // like `run`, so that a send by hand never races a scheduled one; a
    // worker instead shares the list with the others through its claims.
    let _lock = if opts.dry_run || opts.worker {
        None
    } else {
        Some(newsletter::ledger::lock::ProcessLock::acquire(&config)?)
    };
    // SIGTERM or Ctrl-C: the messages in flight finish and are recorded, the
    // rest stays queued for the next `send`. A second signal exits at once.
    newsletter::schedule::daemon::stop_on_signals(newsletter::schedule::daemon::Stopper::new())
        .context("listening for SIGTERM and SIGINT")?;
    let report = send::send_issue(&config, &opts).context("sending the issue")?;
    super::report_problems(&report.problems);
    let what = if report.test_send {
        "test send of issue"
    } else {
        "issue"
    };
    if report.dry_run {
        println!(
            "dry run: {what} {} ({:?}) would go to {} recipient(s) via {}; {} already sent, {} unsubscribed, {} invalid, {} duplicate(s) merged, {} ambiguous; nothing was sent",
            report.issue,
            report.subject,
            report.would_send,
            report.destination,
            report.already_sent,
            report.unsubscribed,
            report.invalid,
            report.duplicates,
            report.ambiguous
        );
        if !report.test_send {
            println!("would skip: {}", report.skipped_by);
        }
        return Ok(0);
    }
    for address in &report.ambiguous_recipients {
        eprintln!(
            "ambiguous: {address} (the connection was lost mid-message; it may have arrived; resend with --resend-ambiguous)"
        );
    }
    if let Some(why) = &report.paused {
        eprintln!("{why}\n  hint: fix the cause and run `newsletter send` again; it resumes where it stopped");
    }
    println!(
        "{what} {} via {}: {} sent, {} failed, {} skipped, {} ambiguous",
        report.issue,
        report.destination,
        report.sent,
        report.failed,
        report.skipped,
        report.ambiguous
    );
    if !report.test_send {
        println!("skipped: {}", report.skipped_by);
    }
    Ok(if report.failed > 0 || report.paused.is_some() {
        1
    } else {
        0
    })
}
