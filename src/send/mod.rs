//! Delivers a built issue to the subscriber list (or to `--to` addresses),
//! over SMTP or into `outbox/` as .eml files, recording every recipient in
//! the ledger so a run can be resumed without sending anything twice.

use std::path::PathBuf;

use thiserror::Error;

use crate::config::Config;
use crate::problem::Problem;

#[derive(Debug, Error)]
pub enum SendError {
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error("{0}")]
    Transport(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Which issue to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueSelector {
    Latest,
    Number(u32),
}

/// One `send` invocation's choices.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub issue: IssueSelector,
    /// A test send to these addresses only (not recorded as a delivery to the list).
    pub to: Vec<String>,
    /// `smtp://host:port`, `smtps://…`, `…?tls=starttls`: overrides the configured transport.
    pub smtp_url: Option<String>,
    pub dry_run: bool,
    pub resend_ambiguous: bool,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

/// How a send ended.
#[derive(Debug, Default, Clone)]
pub struct SendReport {
    pub issue: u32,
    pub sent: usize,
    pub failed: usize,
    pub skipped: usize,
    pub ambiguous: usize,
    pub problems: Vec<Problem>,
}

/// Sends an issue.
pub fn send_issue(config: &Config, opts: &SendOptions) -> Result<SendReport, SendError> {
    let _ = (config, opts);
    todo!("issue #6")
}
