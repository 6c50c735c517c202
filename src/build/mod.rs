//! Builds one issue: picks the stories for the issue's window from the
//! summaries, renders the email (HTML and text), the web page, the archive
//! and the feed into `dist/`, and records the issue number in the ledger.
//!
//! Layout: `dist/issues/<NNN>/{email.html,email.txt,index.html,issue.json}`,
//! `dist/index.html`, `dist/feed.xml`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Config;
use crate::problem::Problem;

#[derive(Debug, Error)]
pub enum BuildError {
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    NoIssue(String),
}

/// What `build` produced.
#[derive(Debug, Clone)]
pub struct BuiltIssue {
    pub number: u32,
    pub date: NaiveDate,
    pub dir: PathBuf,
    pub subject: String,
    pub stories: usize,
    pub problems: Vec<Problem>,
}

/// `dist/issues/<NNN>/issue.json`: what `send` and other tools need to know
/// about a built issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueManifest {
    pub number: u32,
    pub date: NaiveDate,
    pub subject: String,
    pub preheader: String,
    /// Absolute URL of the web version.
    pub web_url: String,
    /// The email's HTML and text with per-recipient slots, for `send`.
    pub html_template: crate::render::personalize::SlotTemplate,
    pub text_template: crate::render::personalize::SlotTemplate,
}

/// The folder of issue `number`.
pub fn issue_dir(config: &Config, number: u32) -> PathBuf {
    config
        .paths
        .dist
        .join("issues")
        .join(format!("{number:03}"))
}

/// Builds the issue for `date` (a rebuild for the same date keeps its number).
pub fn build_issue(config: &Config, date: NaiveDate) -> Result<BuiltIssue, BuildError> {
    let _ = (config, date);
    todo!("issue #5")
}

impl IssueManifest {
    pub fn load(dir: &Path) -> Result<IssueManifest, BuildError> {
        let path = dir.join("issue.json");
        let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|e| BuildError::NoIssue(format!("{}: {e}", path.display())))
    }
}
