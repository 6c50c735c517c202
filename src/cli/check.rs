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
