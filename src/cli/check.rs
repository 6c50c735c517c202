use std::path::Path;

use newsletter::{ingest, summarize};

/// Validate config, templates, content and subscribers; lint the last built email.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config_path: &Path, _args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
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
    if problems.iter().any(|p| p.skipped) {
        return Ok(1);
    }
    eprintln!("check: {} is fine", config.source_path.display());
    Ok(0)
}
