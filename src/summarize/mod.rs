//! Extractive, deterministic summaries, written as Markdown files the editor
//! owns: `content/summaries/<date>-<slug>.md` with TOML front matter.
//!
//! Re-running skips unchanged inputs and never overwrites a body the editor
//! changed (detected by the body digest in the front matter).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clean::CleanArticle;
use crate::problem::Problem;

#[derive(Debug, Error)]
pub enum SummarizeError {
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How much to pick from each article.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    pub sentences: usize,
    pub key_figures: usize,
    pub quotes: bool,
}

impl From<&crate::config::SummaryConfig> for SummaryOptions {
    fn from(c: &crate::config::SummaryConfig) -> Self {
        Self {
            sentences: c.sentences,
            key_figures: c.key_figures,
            quotes: c.quotes,
        }
    }
}

/// A number worth showing on its own: "40% — Russia's share of EU gas".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFigure {
    /// The number with its unit, as written: "$91.20", "2.4 per cent", "40%".
    pub value: String,
    /// What it measures, in the article's words.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub text: String,
    pub speaker: Option<String>,
}

/// What the summarizer picked from one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// One sentence that says what happened.
    pub standfirst: String,
    /// Further key sentences, in article order.
    pub key_points: Vec<String>,
    pub key_figures: Vec<KeyFigure>,
    pub quote: Option<Quote>,
    /// Every chosen sentence in article order (standfirst first when it leads).
    pub sentences: Vec<String>,
}

/// Summarizes one article.
pub fn summarize(article: &CleanArticle, opts: &SummaryOptions) -> Summary {
    let sentences: Vec<String> = article
        .paragraphs
        .iter()
        .take(opts.sentences)
        .cloned()
        .collect();
    Summary {
        standfirst: sentences.first().cloned().unwrap_or_default(),
        key_points: sentences.iter().skip(1).cloned().collect(),
        key_figures: Vec::new(),
        quote: None,
        sentences,
    }
}

/// The front matter of a summary file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summarized: Option<DateTime<FixedOffset>>,
    /// Digest of the cleaned input, to skip unchanged articles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
    /// Digest of the body as generated; a different body means the editor changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
}

/// The parts of a summary body that the issue template lays out separately.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections {
    pub standfirst: String,
    pub points: Vec<String>,
    pub figures: Vec<KeyFigure>,
    pub quote: Option<Quote>,
}

/// A summary file, generated or written by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryDoc {
    pub path: PathBuf,
    pub front: FrontMatter,
    /// Markdown.
    pub body: String,
}

impl SummaryDoc {
    /// Parses `+++`-fenced TOML front matter and the Markdown body.
    pub fn parse(text: &str, path: &Path) -> Result<SummaryDoc, SummarizeError> {
        let bad = |message: String| SummarizeError::BadFile {
            path: path.to_path_buf(),
            message,
        };
        let rest = text.strip_prefix("+++").ok_or_else(|| {
            bad("line 1: a summary starts with a `+++` line, then TOML front matter".into())
        })?;
        let end = rest
            .find("\n+++")
            .ok_or_else(|| bad("the front matter is not closed by a `+++` line".into()))?;
        let front: FrontMatter = toml::from_str(&rest[..end])
            .map_err(|e| bad(format!("front matter: {}", e.message())))?;
        let body = rest[end + 4..].trim_start_matches(['\r', '\n']).to_string();
        Ok(SummaryDoc {
            path: path.to_path_buf(),
            front,
            body,
        })
    }

    /// The file's text: front matter then body.
    pub fn to_file_text(&self) -> String {
        let front = toml::to_string(&self.front).unwrap_or_default();
        format!("+++\n{front}+++\n\n{}\n", self.body.trim_end())
    }

    /// The body's standfirst, key points, figures and quote.
    pub fn sections(&self) -> Sections {
        let mut paragraphs = self
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty());
        Sections {
            standfirst: paragraphs.next().unwrap_or_default().to_string(),
            points: Vec::new(),
            figures: Vec::new(),
            quote: None,
        }
    }
}

/// What a summarize run did, per file.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// Summaries the editor changed, left alone (use --force to regenerate).
    pub kept_edited: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

/// Summarizes articles into `dir`, honouring the editor's changes unless `force`.
pub fn write_summaries(
    articles: &[CleanArticle],
    dir: &Path,
    opts: &SummaryOptions,
    force: bool,
    now: DateTime<FixedOffset>,
) -> Result<WriteReport, SummarizeError> {
    let _ = force;
    let mut report = WriteReport::default();
    for article in articles {
        let summary = summarize(article, opts);
        let doc = SummaryDoc {
            path: dir.join(format!("{}.md", slug(&article.title))),
            front: FrontMatter {
                title: article.title.clone(),
                source: article.source.clone(),
                url: article.url.clone(),
                published: article.published,
                summarized: Some(now),
                ..FrontMatter::default()
            },
            body: summary.sentences.join("\n\n"),
        };
        crate::fsutil::write_atomic(&doc.path, doc.to_file_text().as_bytes()).map_err(
            |source| SummarizeError::Io {
                path: doc.path.clone(),
                source,
            },
        )?;
        report.written.push(doc.path);
    }
    Ok(report)
}

/// Every summary in `dir`, sorted by file name; unreadable ones become problems.
pub fn load_summaries(dir: &Path) -> (Vec<SummaryDoc>, Vec<Problem>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => match SummaryDoc::parse(&text, &path) {
                Ok(doc) => docs.push(doc),
                Err(err) => problems.push(Problem::skipped(&path, None, err.to_string())),
            },
            Err(err) => problems.push(Problem::skipped(&path, None, err.to_string())),
        }
    }
    (docs, problems)
}

/// Lower-case ASCII words joined by hyphens, for file names.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(
            word.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    if out.is_empty() {
        "untitled".into()
    } else {
        out
    }
}

/// The Markdown body of a summary file: standfirst, key points, key figures,
/// the strongest quote and the source link.
pub fn render_body(article: &CleanArticle, summary: &Summary) -> String {
    let mut out = summary.standfirst.clone();
    for point in &summary.key_points {
        out.push_str("\n\n- ");
        out.push_str(point);
    }
    if let Some(url) = &article.url {
        out.push_str(&format!("\n\n[Read the full story]({url})"));
    }
    out
}
