use std::path::Path;

use newsletter::config::Config;
use newsletter::ledger::Ledger;
use newsletter::send::{dkim, probe};
use newsletter::{build, ingest, render, summarize};

/// Validate config, templates, content and subscribers; lint the last built email.
///
/// With [delivery.dkim] configured, also prints the DNS TXT record that
/// publishes the key. With --smtp, also connects to each configured relay.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also connect to each configured SMTP relay (TLS handshake with the
    /// certificate checked, EHLO, AUTH) and report what it offers; nothing is sent.
    #[arg(long)]
    pub smtp: bool,
}

/// Prints the TXT record for the configured DKIM key; a key that cannot be
/// used is bad input (exit 2), like at send time.
fn report_dkim(config: &Config) -> anyhow::Result<()> {
    let Some(d) = &config.delivery.dkim else {
        return Ok(());
    };
    let key = dkim::load_key(&d.private_key_file).map_err(super::BadInput)?;
    println!(
        "dkim: {} ({}); publish this TXT record at {}:",
        d.private_key_file.display(),
        key.kind,
        dkim::record_name(d)
    );
    println!("  {}", dkim::zone_line(d, &key));
    println!("  value: {}", key.txt_value());
    Ok(())
}

/// Connects to each relay; true when every one worked.
fn report_relays(config: &Config) -> anyhow::Result<bool> {
    let mut ok = true;
    if config.delivery.transport == newsletter::config::Transport::File {
        println!("smtp: note: transport = \"file\" (sends write .eml files); checking [delivery.smtp] anyway");
    }
    for p in probe::probe_relays(config, None)? {
        match p.result {
            Ok(lines) => {
                println!("smtp: {}: ok", p.relay);
                for line in lines {
                    println!("  {line}");
                }
            }
            Err(why) => {
                ok = false;
                println!("smtp: {}: FAILED", p.relay);
                eprintln!("error: {why}");
            }
        }
    }
    Ok(ok)
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    report_dkim(&config)?;
    let relays_ok = !args.smtp || report_relays(&config)?;
    // A broken template is bad input: the error names it and its line (exit 2).
    render::Renderer::load(&config.paths.templates)?;
    let mut problems = Vec::new();
    match ingest::discover(&config.content.inbox) {
        Ok(paths) => problems.extend(ingest::ingest_files(&paths).problems),
        Err(err) => eprintln!(
            "warning: {}: cannot list the inbox: {err}",
            config.content.inbox.display()
        ),
    }
    problems.extend(summarize::load_summaries(&config.content.summaries).1);
    super::report_problems(&problems);
    let mut failed = problems.iter().any(|p| p.skipped);
    // Opened once for the notes that read it, and never created here.
    let ledger = match Ledger::existing_for_config(&config) {
        Ok(ledger) => Some(ledger),
        Err(e) => {
            eprintln!("warning: cannot open the ledger, so the list is not compared with the subscriber store and the coming issue is not planned: {e}");
            None
        }
    };
    let ledger = ledger.as_ref().map(Option::as_ref);
    if let Some(Some(ledger)) = ledger {
        warn_suppressed_in_list(&config, ledger);
    }

    failed |= editorial_notes(&config, ledger);

    match build::latest_built_dir(&config) {
        Some(dir) => {
            let findings = build::lint(&dir);
            for finding in &findings {
                eprintln!("lint: {finding}");
            }
            if findings.is_empty() {
                eprintln!("check: {} passes the email lint", dir.display());
            }
            failed |= !findings.is_empty();
        }
        None => eprintln!(
            "check: no built issue in {} to lint (run `newsletter build`)",
            config.paths.dist.display()
        ),
    }
    if failed || !relays_ok {
        return Ok(1);
    }
    eprintln!("check: {} is fine", config.source_path.display());
    Ok(0)
}

/// Warns about addresses the subscriber store suppresses that are still in
/// the CSV: a send skips them anyway, but the file should say so too.
fn warn_suppressed_in_list(config: &Config, ledger: &Ledger) {
    if !config.subscribers.file.exists() {
        return;
    }
    let found =
        newsletter::audience::recipients::suppressed_in_list(ledger, &config.subscribers.file);
    match found {
        Ok(found) => {
            for (line, address, status) in &found {
                eprintln!(
                    "warning: {}:{line}: {address} is {status} in the subscriber store and is never sent to; remove the row or mark it unsubscribed",
                    config.subscribers.file.display()
                );
            }
        }
        Err(e) => eprintln!("warning: cannot compare the list with the subscriber store: {e}"),
    }
}

/// Says whether the last built issue and the coming one have an intro
/// written for them and what the coming one charts; true when an intro or
/// data file is bad input. `ledger`: the command's (`Some(None)` when there
/// is none yet; `None` when it cannot be opened, which was said).
fn editorial_notes(config: &Config, ledger: Option<Option<&Ledger>>) -> bool {
    if let Some(dir) = build::latest_built_dir(config) {
        if let Ok(manifest) = build::IssueManifest::load(&dir) {
            if manifest.intro.generated {
                eprintln!(
                    "check: issue {} ({}): no intro written for this issue; it opened with a paragraph made from its stories",
                    manifest.number,
                    dir.display()
                );
            }
        }
    }
    let Ok(schedule) = newsletter::schedule::Schedule::from_config(config) else {
        return false;
    };
    let now = chrono::Utc::now();
    let Some(date) = schedule.next_slot(&now).map(|s| schedule.issue_date(&s)) else {
        return false;
    };
    let Some(ledger) = ledger else {
        return false;
    };
    let plan = match build::plan(config, ledger, date) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("warning: cannot plan the issue of {date}: {err}");
            return false;
        }
    };
    super::report_problems(&plan.problems);
    let which = format!("the issue of {} (issue {})", plan.date, plan.number);
    match &plan.intro {
        Some(file) => eprintln!("check: {which} opens with {file}"),
        None => eprintln!(
            "check: {which}: no intro written for this issue; it will open with a paragraph made from its stories (write {})",
            plan.dated_intro
        ),
    }
    match &plan.data {
        Some(file) => eprintln!("check: {which} charts {file} in the Data Drill"),
        None => eprintln!(
            "check: {which} has no new Data Drill data; it shows the stories' key figures only"
        ),
    }
    plan.problems.iter().any(|p| p.skipped)
}
