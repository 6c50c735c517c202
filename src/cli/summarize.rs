use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use newsletter::{clean, ingest, summarize};

/// Clean and summarize the inbox (or PATHs) into content/summaries/.
///
/// Unchanged inputs are skipped, and a summary whose body the editor changed
/// is never overwritten unless --force is given.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Article files or folders (default: the configured inbox).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Regenerate summaries even where the editor changed them.
    #[arg(long)]
    pub force: bool,
    /// Print the summaries instead of writing files.
    #[arg(long)]
    pub stdout: bool,
    /// With --stdout: Markdown, or one JSON object per line (path, title, sentences, markdown).
    #[arg(long, value_enum, default_value_t = Format::Markdown, requires = "stdout")]
    pub format: Format,
    /// With --stdout: exactly this many sentences per article (fewer only if it has fewer).
    #[arg(long, value_name = "K", requires = "stdout")]
    pub sentences: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = if args.stdout {
        super::load_config_or_default(config_path)?
    } else {
        super::load_config(config_path)?
    };
    let inputs = if args.paths.is_empty() {
        ingest::discover(&config.content.inbox).with_context(|| {
            format!(
                "{}: cannot list the inbox\n  hint: create it, or set [content] inbox in the config",
                config.content.inbox.display()
            )
        })?
    } else {
        super::expand_inputs(&args.paths)?
    };
    let ingested = ingest::ingest_files(&inputs);
    super::report_problems(&ingested.problems);
    let mut opts = summarize::SummaryOptions::from(&config.summary);
    if let Some(k) = args.sentences {
        opts.sentences = k;
    }

    if args.stdout {
        // About 2 KB of output per article; reserving it up front saves
        // copying the whole output each time the buffer would have grown.
        let mut out = String::with_capacity(ingested.articles.len().saturating_mul(2048));
        for article in &ingested.articles {
            let summary = summarize::summarize(article, &opts);
            if summary.sentences.is_empty() && opts.sentences > 0 {
                eprintln!(
                    "warning: {}: no text to summarize (the article is empty after cleaning)",
                    article.path.display()
                );
            }
            match args.format {
                Format::Json => {
                    out.push_str(&summarize::json_line(article, &summary)?);
                    out.push('\n');
                }
                Format::Markdown => {
                    out.push_str(&format!("# {}\n\n", article.title));
                    out.push_str(&summarize::render_body(article, &summary));
                    out.push_str("\n\n");
                }
            }
        }
        // A closed pipe (`| head`) is the reader's choice, not an error.
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(err).context("writing to stdout")
            }
            _ => return Ok(0),
        }
    }

    let articles = clean::merge_near_duplicates(ingested.articles);
    let now = chrono::Utc::now().fixed_offset();
    let report =
        summarize::write_summaries(&articles, &config.content.summaries, &opts, args.force, now)?;
    super::report_problems(&report.problems);
    for path in &report.kept_edited {
        eprintln!(
            "kept: {} was edited by hand; use --force to regenerate it",
            path.display()
        );
    }
    eprintln!(
        "summarize: {} written, {} unchanged, {} kept (edited), {} skipped",
        report.written.len(),
        report.unchanged.len(),
        report.kept_edited.len(),
        ingested.problems.iter().filter(|p| p.skipped).count() + report.problems.len()
    );
    Ok(0)
}
