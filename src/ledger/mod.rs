//! The ledger: the memory that makes the pipeline safe to re-run. It records
//! issue numbers (never reused), schedule runs (a slot runs once) and one
//! delivery row per (issue, recipient) so that a send can be resumed without
//! sending anything twice.
//!
//! It lives in `state/newsletter.sqlite` by default, or in PostgreSQL when
//! `[ledger] url` names one, so that several sending processes on several
//! machines can share one list (see `claims.rs`). Both backends run the same
//! SQL through [`backend::Conn`]; the schema is a list of versioned
//! migrations (`migrate.rs`) applied on open and recorded in
//! `schema_migrations`.
//!
//! The state folder is guarded by [`StateLock`] (SQLite), or by an advisory
//! lock in the database (PostgreSQL), so that two processes never run the
//! same cycle at once.
//!
//! The methods for each table live beside the stage that uses them
//! (`deliveries.rs` for send, `runs.rs` for schedule, `subscribers.rs` for
//! the subscriber store).
//!
//! # Adding a table, or converting a file written against rusqlite
//!
//! A file under `src/ledger/` owns its tables and its methods. Stages open
//! the ledger with [`Ledger::for_config`] (never `Ledger::open(&config.ledger_path())`,
//! which is always SQLite). To make a file work on both backends (a
//! mechanical recipe):
//!
//! 1. Schema: rename `SCHEMA` to a migration,
//!    `pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql("NAME-1", SCHEMA)];`
//!    with a name no other file uses, and add `NAME::MIGRATIONS` to the chain
//!    in `migrate::all`. Never edit a migration once it has shipped: add
//!    `NAME-2` (e.g. an `ALTER TABLE … ADD COLUMN`). Write `INTEGER PRIMARY
//!    KEY` for an id the database assigns (it becomes an identity column on
//!    PostgreSQL); other types as `TEXT`, `INTEGER`, `BIGINT`.
//! 2. Imports: drop `use rusqlite::…`; add `use super::backend::{args, Row};`.
//! 3. Statements: `self.conn.execute(SQL, params![a, b])` becomes
//!    `self.conn.execute(SQL, args![a, b])`; `query_row(SQL, p, |r| r.get(0))`
//!    becomes `self.conn.query_one(SQL, args![…])?.get(0)?`, and with
//!    `.optional()` it becomes `query_opt(…)?.map(|r| r.get(0)).transpose()?`;
//!    `prepare(…)?.query_map(p, f)` becomes `query(SQL, args![…])?` and a map
//!    over the [`backend::Row`]s. Keep `?1`-style placeholders.
//! 4. Transactions: `let tx = self.conn.transaction()?; … tx.commit()?` becomes
//!    `self.conn.in_transaction(|tx| { …; Ok(v) })`.
//! 5. SQL: `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE` (never `INSERT OR
//!    IGNORE/REPLACE`), no `rowid`, timestamps as RFC 3339 UTC text, booleans
//!    bound as `bool`. A parameter must have a type PostgreSQL can infer from
//!    its first place (a column it is compared with or stored in): write
//!    `(col = ?1 OR ?1 IS NULL)`, not `(?1 IS NULL OR col = ?1)`.
//! 6. Tests: open with `testing::each_backend(|ledger| …)` so they run on
//!    SQLite and, when `NEWSLETTER_TEST_POSTGRES` is set, on PostgreSQL.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;
use thiserror::Error;

pub mod backend;
mod bounces;
mod claims;
pub mod copy;
mod deliveries;
mod editorial;
mod fetch;
pub mod lock;
mod migrate;
mod pg;
mod roster;
mod runs;
mod subscribers;
#[cfg(test)]
pub(crate) mod testing;

use backend::{args, Backend, Conn};
pub use claims::{Claim, DatabaseLock};
pub use deliveries::{DeliveryCounts, Enqueued, PendingDelivery};
pub use editorial::{EditorialKind, EditorialRecord};
pub use fetch::{ItemState, Validators};
pub use lock::{LockError, StateLock};
pub use roster::ChangesSince;
pub use runs::{slot_key, RunRecord, RunStatus, RunTrigger};
pub use subscribers::{StatusChange, SubscriberEvent, SubscriberRecord};

/// The detail of a PostgreSQL error (its `Display` alone says only "db error").
pub(crate) fn pg_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut text = e.to_string();
            if let Some(source) = std::error::Error::source(e) {
                text = format!("{text}: {source}");
            }
            text
        }
    }
}

#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {source}\n  hint: check the [paths] state folder is writable")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{target}: cannot open the PostgreSQL ledger: {cause}\n  hint: check [ledger] url, that the server is up and accepts this user, and the password variable named by [ledger] password_env")]
    OpenPostgres {
        /// The URL without its password.
        target: String,
        /// Shown in the message, not chained, so it is said once.
        cause: pg::ConnectError,
    },
    /// The ledger settings are unusable (bad input, exit 2).
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("ledger: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("ledger (PostgreSQL): {}", pg_detail(.0))]
    Postgres(postgres::Error),
    #[error("ledger: unexpected value: {0}")]
    Value(String),
    #[error("ledger: the PostgreSQL connection thread has stopped")]
    Closed,
    /// This worker's lease on a row ran out and another worker took it over.
    #[error("ledger: the lease on {recipient} passed to another worker")]
    LeaseLost { recipient: String },
}

impl From<postgres::Error> for LedgerError {
    fn from(e: postgres::Error) -> Self {
        // Not a `#[source]`: `pg_detail` already says what the source would.
        LedgerError::Postgres(e)
    }
}

impl LedgerError {
    /// True when the cause is the user's configuration (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, LedgerError::BadConfig { .. })
    }
}

/// The first version of the core tables (issues, runs, deliveries).
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

/// A ledger opened once by a command and handed to each of its stages
/// (`run`: the schedule's bookkeeping, fetch, build and send).
pub type SharedLedger = Arc<Mutex<Ledger>>;

/// The ledger behind `shared`; a panic elsewhere while it was held does not
/// make it unusable (every write is a transaction, committed or not).
pub fn locked(shared: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// An open ledger.
pub struct Ledger {
    pub(crate) conn: Conn,
    /// The worker id this process claims rows under (see `claims.rs`); when
    /// set, every status change of a delivery row is fenced by it.
    pub(crate) owner: Option<String>,
}

impl Ledger {
    /// Opens (creating if needed) the SQLite ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let open_err = |source| LedgerError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = rusqlite::Connection::open(path).map_err(open_err)?;
        // WAL keeps readers (send --status, preview) from blocking a running send;
        // a busy timeout rides out the short write locks of a concurrent process.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        let ledger = Ledger {
            conn: Conn::Sqlite(conn),
            owner: None,
        };
        migrate::apply(&ledger.conn).map_err(|e| match e {
            LedgerError::Sql(source) => open_err(source),
            other => other,
        })?;
        Ok(ledger)
    }

    /// Connects to the PostgreSQL ledger at `url` (`postgres://user@host/db`),
    /// with `password` if given, and brings its schema up to date.
    pub fn open_postgres(url: &str, password: Option<&str>) -> Result<Ledger, LedgerError> {
        let target = redact(url);
        let mut config: postgres::Config = url.parse().map_err(|e| LedgerError::OpenPostgres {
            target: target.clone(),
            cause: pg::ConnectError::Db(e),
        })?;
        if let Some(p) = password {
            config.password(p);
        }
        if config.get_application_name().is_none() {
            config.application_name(&format!(
                "newsletter pid {} on {}",
                std::process::id(),
                claims::host_name()
            ));
        }
        let conn = pg::PgConn::connect(config, target.clone()).map_err(|cause| {
            LedgerError::OpenPostgres {
                target: target.clone(),
                cause,
            }
        })?;
        let ledger = Ledger {
            conn: Conn::Postgres(conn),
            owner: None,
        };
        migrate::apply(&ledger.conn)?;
        Ok(ledger)
    }

    /// The ledger `config` names: PostgreSQL when `[ledger] url` is set,
    /// otherwise the SQLite file in the state folder.
    pub fn for_config(config: &crate::config::Config) -> Result<Ledger, LedgerError> {
        let Some(url) = &config.ledger.url else {
            return Ledger::open(&config.ledger_path());
        };
        let password = match &config.ledger.password_env {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(p) => Some(p),
                Err(_) => {
                    return Err(LedgerError::BadConfig {
                        path: config.source_path.clone(),
                        message: format!(
                            "[ledger] password_env = {var:?}, but that environment variable is not set\n  hint: export {var}=… with the database password"
                        ),
                    })
                }
            },
        };
        Ledger::open_postgres(url, password.as_deref())
    }

    /// The ledger `config` names if it exists: always for PostgreSQL, and
    /// for SQLite only once the file has been made (`check` creates nothing).
    pub fn existing_for_config(
        config: &crate::config::Config,
    ) -> Result<Option<Ledger>, LedgerError> {
        if config.ledger.url.is_none() && !config.ledger_path().exists() {
            return Ok(None);
        }
        Ledger::for_config(config).map(Some)
    }

    /// Which database this ledger is in.
    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// Another session on this PostgreSQL ledger (its schema is already up
    /// to date), working as the same worker: each SMTP connection records on
    /// a session of its own, so their commits share the server's WAL flushes
    /// instead of queueing behind one connection. None on SQLite, whose
    /// writers take turns on the file anyway: one connection serves them all.
    pub fn another_session(&self) -> Result<Option<Ledger>, LedgerError> {
        let Conn::Postgres(pg) = &self.conn else {
            return Ok(None);
        };
        let conn = pg.another().map_err(|cause| LedgerError::OpenPostgres {
            target: pg.target().to_string(),
            cause,
        })?;
        Ok(Some(Ledger {
            conn: Conn::Postgres(conn),
            owner: self.owner.clone(),
        }))
    }

    /// Shares this ledger between the stages and threads of one command.
    pub fn share(self) -> SharedLedger {
        Arc::new(Mutex::new(self))
    }

    /// The issue number for `date`: the one it already has, or the next
    /// unused number. Numbers are never reused.
    pub fn issue_number_for(&self, date: NaiveDate) -> Result<u32, LedgerError> {
        let key = date.to_string();
        let find = "SELECT number FROM issues WHERE date = ?1";
        if let Some(row) = self.conn.query_opt(find, args![&key])? {
            return row.get(0);
        }
        // Read-then-write under the write lock, so two processes never take one number.
        self.conn.in_transaction(|tx| {
            tx.execute(
                "INSERT INTO issues (number, date) VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM issues), ?1)
                 ON CONFLICT (date) DO NOTHING",
                args![&key],
            )?;
            tx.query_one(find, args![&key])?.get(0)
        })
    }

    /// The number `date` has or would get, without reserving it (for previews).
    pub fn peek_issue_number(&self, date: NaiveDate) -> Result<u32, LedgerError> {
        self.conn
            .query_one(
                "SELECT COALESCE((SELECT number FROM issues WHERE date = ?1), (SELECT COALESCE(MAX(number), 0) + 1 FROM issues))",
                args![date.to_string()],
            )?
            .get(0)
    }

    /// The stories (summary file names) that went into issues other than `number`.
    pub fn stories_in_other_issues(
        &self,
        number: u32,
    ) -> Result<std::collections::HashSet<String>, LedgerError> {
        self.conn
            .query(
                "SELECT story FROM issue_stories WHERE issue != ?1",
                args![number],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Records the stories of issue `number`, replacing those of an earlier build of it.
    pub fn record_stories(&mut self, number: u32, stories: &[String]) -> Result<(), LedgerError> {
        self.conn.in_transaction(|tx| {
            tx.execute("DELETE FROM issue_stories WHERE issue = ?1", args![number])?;
            for story in stories {
                tx.execute(
                    "INSERT INTO issue_stories (issue, story) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    args![number, story],
                )?;
            }
            Ok(())
        })
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
            args![number, subject, built_at],
        )?;
        Ok(())
    }

    /// The date of the latest issue before `date`, which bounds the next issue's window.
    pub fn previous_issue_date(&self, date: NaiveDate) -> Result<Option<NaiveDate>, LedgerError> {
        let found: Option<String> = self
            .conn
            .query_one(
                "SELECT MAX(date) FROM issues WHERE date < ?1",
                args![date.to_string()],
            )?
            .get(0)?;
        Ok(found.and_then(|d| d.parse().ok()))
    }

    /// The highest issue number built so far.
    pub fn latest_issue(&self) -> Result<Option<u32>, LedgerError> {
        self.conn
            .query_one("SELECT MAX(number) FROM issues", args![])?
            .get(0)
    }
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "[ledger] url".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_numbers_are_stable_per_date_and_never_reused() {
        testing::each_backend(|open| {
            let ledger = open();
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
            let reopened = open();
            assert_eq!(reopened.latest_issue().unwrap(), Some(2));
        });
    }

    #[test]
    fn stories_of_a_rebuilt_issue_replace_the_earlier_ones() {
        testing::each_backend(|open| {
            let mut ledger = open();
            ledger
                .record_stories(1, &["a.md".into(), "b.md".into(), "a.md".into()])
                .unwrap();
            ledger.record_stories(2, &["c.md".into()]).unwrap();
            ledger.record_stories(2, &["d.md".into()]).unwrap();
            let mut others: Vec<_> = ledger
                .stories_in_other_issues(1)
                .unwrap()
                .into_iter()
                .collect();
            others.sort();
            assert_eq!(others, ["d.md"]);
            assert_eq!(ledger.stories_in_other_issues(2).unwrap().len(), 2);
        });
    }

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://news:s3cret@db.example:5432/letters"),
            "postgres://news:***@db.example:5432/letters"
        );
        assert_eq!(redact("not a url"), "[ledger] url");
    }
}
