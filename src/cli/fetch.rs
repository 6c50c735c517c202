use std::io::IsTerminal;
use std::path::Path;

use newsletter::fetch::{self, FetchOptions, SourceReport};

/// Fetch the [[sources]] (feeds and pages) into the inbox.
///
/// Each new article is written into the inbox once; an unchanged feed costs
/// a 304. One line per source says what happened. Exit 0 when every source
/// answered, 1 when some failed (the others' articles are still saved).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this source (its name, or its URL); may be repeated.
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    if config.sources.is_empty() {
        eprintln!(
            "fetch: {} has no [[sources]]; add one with a url (see the README)",
            config.source_path.display()
        );
        return Ok(0);
    }
    let options = FetchOptions { only: args.sources };
    let total = if options.only.is_empty() {
        config.sources.len()
    } else {
        options.only.len()
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} sources  {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let show = |report: &SourceReport| {
        bar.set_message(report.name.clone());
        bar.inc(1);
    };
    let report = fetch::fetch_sources(&config, &options, &show).map_err(|e| match e {
        fetch::FetchError::UnknownSource { .. } => {
            anyhow::Error::new(super::BadInput(e.to_string()))
        }
        other => anyhow::Error::new(other).context("fetching the sources"),
    })?;
    bar.finish_and_clear();
    // In config order, whatever order the sources finished in.
    for source in &report.sources {
        println!("{source}");
        for line in source.details() {
            println!("{line}");
        }
    }
    eprintln!(
        "fetch: {} new article(s) in {}",
        report.saved(),
        config.content.inbox.display()
    );
    Ok(if report.all_ok() { 0 } else { 1 })
}
