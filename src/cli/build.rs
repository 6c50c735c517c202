use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use newsletter::build;

/// Render the issue for a date into dist/ and print the issue's folder.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Issue date (default: today in the configured time zone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    let date = args.date.unwrap_or_else(|| today(&config));
    let built = build::build_issue(&config, date).context("building the issue")?;
    super::report_problems(&built.problems);
    eprintln!(
        "built issue {} for {} with {} stories: {}",
        built.number, built.date, built.stories, built.subject
    );
    println!("{}", built.dir.display());
    Ok(0)
}

/// Today's date in the newsletter's time zone.
pub fn today(config: &newsletter::config::Config) -> NaiveDate {
    let tz = config.timezone().unwrap_or(chrono_tz::UTC);
    chrono::Utc::now().with_timezone(&tz).date_naive()
}
