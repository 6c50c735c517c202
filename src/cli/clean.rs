use std::path::{Path, PathBuf};

use clap::ValueEnum;
use newsletter::clean::{self, CleanArticle};
use newsletter::ingest;

/// Print each cleaned article to stdout (no config needed). Near-duplicates
/// are merged as for `summarize`: the fullest copy is printed once, with
/// the other copies' sources in `also_in`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output form: Markdown with TOML front matter, one JSON object per line, or plain text.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Article files: .txt, .html, .md, or a feed (.xml, .rss, .atom, .json).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
    Text,
}

pub fn run(_config: &Path, args: Args) -> anyhow::Result<i32> {
    let ingested = ingest::ingest_files(&args.files);
    super::report_problems(&ingested.problems);
    let mut out = String::new();
    let articles = clean::merge_near_duplicates(ingested.articles);
    for article in &articles {
        match args.format {
            Format::Json => {
                out.push_str(&json_line(article)?);
                out.push('\n');
            }
            Format::Markdown => out.push_str(&markdown(article)),
            Format::Text => {
                out.push_str(&article.title);
                out.push_str("\n\n");
                out.push_str(&article.body());
                out.push_str("\n\n");
            }
        }
    }
    print!("{out}");
    let any_skipped = ingested.problems.iter().any(|p| p.skipped);
    Ok(if any_skipped && articles.is_empty() {
        2
    } else {
        0
    })
}

fn json_line(article: &CleanArticle) -> anyhow::Result<String> {
    Ok(serde_json::to_string(&serde_json::json!({
        "path": article.path,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published.map(|d| d.to_rfc3339()),
        "also_in": article.also_in,
        "body": article.body(),
    }))?)
}

fn markdown(article: &CleanArticle) -> String {
    #[derive(serde::Serialize)]
    struct Front<'a> {
        title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        published: Option<String>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        also_in: &'a [String],
    }
    let front = Front {
        title: &article.title,
        source: article.source.as_deref(),
        url: article.url.as_deref(),
        published: article.published.map(|d| d.to_rfc3339()),
        also_in: &article.also_in,
    };
    format!(
        "+++\n{}+++\n\n{}\n\n",
        toml::to_string(&front).unwrap_or_default(),
        article.body()
    )
}
