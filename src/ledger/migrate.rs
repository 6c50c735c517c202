//! Versioned schema migrations, applied when a ledger is opened.
//!
//! Each migration has a name that never changes once shipped; the names
//! applied are recorded in `schema_migrations`, so each runs once per
//! database. Files under `src/ledger/` keep their own migrations beside their
//! methods (named after the file, so engineers adding tables in parallel
//! never pick the same name) and [`all`] chains them in order.
//!
//! Ledgers made before versioning have the tables but no
//! `schema_migrations`: the first migrations are written to be harmless on
//! them (`CREATE TABLE IF NOT EXISTS`, a column added only when missing), so
//! such a ledger is brought up to date like a new one.

use chrono::{SecondsFormat, Utc};

use super::backend::{args, Conn};
use super::LedgerError;

/// One step of the schema's history.
pub struct Migration {
    /// Stable, unique name, e.g. `deliveries-2`.
    pub name: &'static str,
    pub step: Step,
}

pub enum Step {
    /// Portable SQL statements (see `backend` for what is adapted).
    Sql(&'static str),
    /// A step that must look before it changes (old ledgers of unknown shape).
    Code(fn(&Conn) -> Result<(), LedgerError>),
}

impl Migration {
    pub const fn sql(name: &'static str, sql: &'static str) -> Migration {
        Migration {
            name,
            step: Step::Sql(sql),
        }
    }

    pub const fn code(name: &'static str, f: fn(&Conn) -> Result<(), LedgerError>) -> Migration {
        Migration {
            name,
            step: Step::Code(f),
        }
    }
}

const CORE: &[Migration] = &[Migration::sql("core-1", super::SCHEMA)];

/// Every migration, in the order they are applied.
pub fn all() -> impl Iterator<Item = &'static Migration> {
    CORE.iter()
        .chain(super::runs::MIGRATIONS)
        .chain(super::subscribers::MIGRATIONS)
        .chain(super::editorial::MIGRATIONS)
        .chain(super::fetch::MIGRATIONS)
        .chain(super::bounces::MIGRATIONS)
        .chain(super::claims::MIGRATIONS)
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL
)";

/// The names of the migrations already applied (none if the table is missing).
fn applied(conn: &Conn) -> Vec<String> {
    conn.query("SELECT version FROM schema_migrations", args![])
        .map(|rows| rows.iter().filter_map(|r| r.get(0).ok()).collect())
        .unwrap_or_default()
}

/// Applies the migrations `conn` lacks, in one write transaction, so that
/// two processes opening a new ledger at once do not both create it.
pub fn apply(conn: &Conn) -> Result<(), LedgerError> {
    let done = applied(conn);
    if all().all(|m| done.iter().any(|d| d == m.name)) {
        return Ok(());
    }
    conn.in_transaction(|tx| {
        tx.batch(TABLE)?;
        // Read again under the lock: another process may have just done it.
        let done = applied(tx);
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        for m in all() {
            if done.iter().any(|d| d == m.name) {
                continue;
            }
            match &m.step {
                Step::Sql(sql) => tx.batch(sql)?,
                Step::Code(f) => f(tx)?,
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                args![m.name, &now],
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn every_migration_is_recorded_once_and_reopening_applies_nothing() {
        testing::each_backend(|open| {
            let ledger = open();
            let names: Vec<String> = applied(&ledger.conn);
            let expected: Vec<&str> = all().map(|m| m.name).collect();
            assert_eq!(names.len(), expected.len());
            for name in expected {
                assert!(names.iter().any(|n| n == name), "{name} not recorded");
            }
            drop(ledger);
            let again = open();
            assert_eq!(applied(&again.conn).len(), names.len());
        });
    }

    #[test]
    fn migration_names_are_unique() {
        let mut names: Vec<&str> = all().map(|m| m.name).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
