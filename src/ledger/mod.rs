//! `state/newsletter.sqlite`: the memory that makes the pipeline safe to
//! re-run. It records issue numbers (never reused), schedule runs (a slot runs
//! once) and one delivery row per (issue, recipient) so that a send can be
//! resumed without sending anything twice.
//!
//! The state folder it lives in is guarded by [`StateLock`], so that two
//! processes never send at once.
//!
//! The schema lives here in one place; the methods for each table live beside
//! the stage that uses them (`deliveries.rs` for send, `runs.rs` for schedule).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use thiserror::Error;

mod runs;
pub use runs::{slot_key, RunRecord, RunStatus, RunTrigger};
mod deliveries;
mod editorial;
pub use editorial::{EditorialKind, EditorialRecord};
mod fetch;
pub use fetch::{ItemState, Validators};
mod subscribers;
pub use subscribers::{StatusChange, SubscriberEvent, SubscriberRecord};
mod roster;
pub use roster::ChangesSince;
pub mod lock;
pub use deliveries::{DeliveryCounts, Enqueued, PendingDelivery};
pub use lock::{LockError, StateLock};

#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {source}\n  hint: check the [paths] state folder is writable")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("ledger: {0}")]
    Sql(#[from] rusqlite::Error),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS issues (
    number     INTEGER PRIMARY KEY,
    date       TEXT NOT NULL UNIQUE,
    subject    TEXT,
    built_at   TEXT
);
-- Which summaries (by file name) went into which issue, so the next issue's
-- window can start on the previous issue's day without repeating a story.
CREATE TABLE IF NOT EXISTS issue_stories (
    issue  INTEGER NOT NULL,
    story  TEXT NOT NULL,
    PRIMARY KEY (issue, story)
);
CREATE TABLE IF NOT EXISTS runs (
    slot        TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'skipped')),
    trigger     TEXT NOT NULL DEFAULT 'slot',
    issue       INTEGER,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    detail      TEXT
);
-- recipient is the lower-cased address (the merge key); address is the
-- address as first written in the list. run is the send run that last saw the
-- recipient in the list (a run sends only to readers still on the list), line
-- its line in subscribers.csv, name/fields the per-recipient template values.
CREATE TABLE IF NOT EXISTS deliveries (
    issue       INTEGER NOT NULL,
    recipient   TEXT NOT NULL,
    address     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_reply  TEXT,
    message_id  TEXT,
    name        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{}',
    run         INTEGER NOT NULL DEFAULT 0,
    line        INTEGER,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (issue, recipient)
);
";

/// An open ledger.
pub struct Ledger {
    pub(crate) conn: Connection,
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let open_err = |source| LedgerError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(open_err)?;
        // WAL keeps readers (send --status, preview) from blocking a running send;
        // a busy timeout rides out the short write locks of a concurrent process.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        conn.execute_batch(subscribers::SCHEMA).map_err(open_err)?;
        conn.execute_batch(editorial::SCHEMA).map_err(open_err)?;
        conn.execute_batch(fetch::SCHEMA).map_err(open_err)?;
        runs::migrate(&conn).map_err(open_err)?;
        Ok(Ledger { conn })
    }

    /// The issue number for `date`: the one it already has, or the next
    /// unused number. Numbers are never reused.
    pub fn issue_number_for(&self, date: NaiveDate) -> Result<u32, LedgerError> {
        let key = date.to_string();
        if let Some(n) = self
            .conn
            .query_row("SELECT number FROM issues WHERE date = ?1", [&key], |r| {
                r.get(0)
            })
            .optional()?
        {
            return Ok(n);
        }
        self.conn.execute(
            "INSERT INTO issues (number, date) VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM issues), ?1)",
            [&key],
        )?;
        Ok(self
            .conn
            .query_row("SELECT number FROM issues WHERE date = ?1", [&key], |r| {
                r.get(0)
            })?)
    }

    /// The number `date` has or would get, without reserving it (for previews).
    pub fn peek_issue_number(&self, date: NaiveDate) -> Result<u32, LedgerError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE((SELECT number FROM issues WHERE date = ?1), (SELECT COALESCE(MAX(number), 0) + 1 FROM issues))",
            [date.to_string()],
            |r| r.get(0),
        )?)
    }

    /// The stories (summary file names) that went into issues other than `number`.
    pub fn stories_in_other_issues(
        &self,
        number: u32,
    ) -> Result<std::collections::HashSet<String>, LedgerError> {
        let mut statement = self
            .conn
            .prepare("SELECT story FROM issue_stories WHERE issue != ?1")?;
        let stories = statement
            .query_map([number], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        Ok(stories)
    }

    /// Records the stories of issue `number`, replacing those of an earlier build of it.
    pub fn record_stories(&mut self, number: u32, stories: &[String]) -> Result<(), LedgerError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM issue_stories WHERE issue = ?1", [number])?;
        for story in stories {
            tx.execute(
                "INSERT OR IGNORE INTO issue_stories (issue, story) VALUES (?1, ?2)",
                params![number, story],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the subject and build time of an issue.
    pub fn record_build(
        &self,
        number: u32,
        subject: &str,
        built_at: &str,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE issues SET subject = ?2, built_at = ?3 WHERE number = ?1",
            params![number, subject, built_at],
        )?;
        Ok(())
    }

    /// The date of the latest issue before `date`, which bounds the next issue's window.
    pub fn previous_issue_date(&self, date: NaiveDate) -> Result<Option<NaiveDate>, LedgerError> {
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT MAX(date) FROM issues WHERE date < ?1",
                [date.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(found.and_then(|d| d.parse().ok()))
    }

    /// The highest issue number built so far.
    pub fn latest_issue(&self) -> Result<Option<u32>, LedgerError> {
        Ok(self
            .conn
            .query_row("SELECT MAX(number) FROM issues", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_numbers_are_stable_per_date_and_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        let d1 = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(ledger.peek_issue_number(d1).unwrap(), 1);
        assert_eq!(ledger.issue_number_for(d1).unwrap(), 1);
        assert_eq!(ledger.peek_issue_number(d2).unwrap(), 2);
        assert_eq!(
            ledger.peek_issue_number(d2).unwrap(),
            2,
            "peeking reserves nothing"
        );
        assert_eq!(ledger.issue_number_for(d2).unwrap(), 2);
        assert_eq!(ledger.peek_issue_number(d1).unwrap(), 1);
        assert_eq!(ledger.issue_number_for(d1).unwrap(), 1);
        assert_eq!(ledger.previous_issue_date(d2).unwrap(), Some(d1));
        drop(ledger);
        let reopened = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        assert_eq!(reopened.latest_issue().unwrap(), Some(2));
    }
}
