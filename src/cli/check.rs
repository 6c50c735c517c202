use std::path::Path;

use newsletter::{build, ingest, render, summarize};

/// Validate config, templates, content and subscribers; lint the last built email.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config_path: &Path, _args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
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

    failed |= editorial_notes(&config);

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
    if failed {
        return Ok(1);
    }
    eprintln!("check: {} is fine", config.source_path.display());
    Ok(0)
}

/// Says whether the last built issue and the coming one have an intro
/// written for them and what the coming one charts; true when an intro or
/// data file is bad input.
fn editorial_notes(config: &newsletter::config::Config) -> bool {
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
    let plan = match build::plan(config, date) {
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
