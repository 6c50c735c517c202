//! The subscriber store: one row per reader (by lower-cased address) with a
//! status, and a history row for every change (when, why, from where), so
//! a suppression can be explained and exported.
//!
//! SQL here is kept portable to PostgreSQL (`ON CONFLICT`, text timestamps).

use chrono::{SecondsFormat, Utc};

use super::backend::args;
use super::migrate::Migration;
use super::{Ledger, LedgerError};
use crate::audience::SubscriberStatus;

pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql("subscribers-1", SCHEMA)];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS subscribers (
    email       TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('active', 'unconfirmed', 'unsubscribed', 'bounced', 'complained')),
    created_at  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriber_events (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    at          TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    origin      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriber_events_email ON subscriber_events (email, id);
";

/// One reader in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberRecord {
    /// Lower-cased address (the key).
    pub email: String,
    /// As first written.
    pub address: String,
    pub name: String,
    pub status: SubscriberStatus,
    pub created_at: String,
    pub changed_at: String,
}

/// One change in a reader's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberEvent {
    pub at: String,
    pub from: Option<SubscriberStatus>,
    pub to: SubscriberStatus,
    pub reason: String,
    pub origin: String,
}

/// What a status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// The reader was not in the store and now is.
    Added,
    /// The status changed from the one given.
    Changed(SubscriberStatus),
    /// The reader already had that status: nothing was written.
    Unchanged,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_status(text: String) -> Result<SubscriberStatus, LedgerError> {
    text.parse().map_err(LedgerError::Value)
}

impl Ledger {
    /// The reader with this address (any case), if the store knows them.
    pub fn subscriber(&self, address: &str) -> Result<Option<SubscriberRecord>, LedgerError> {
        let key = address.trim().to_lowercase();
        let Some(r) = self.conn.query_opt(
            "SELECT email, address, name, status, created_at, changed_at FROM subscribers WHERE email = ?1",
            args![&key],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(SubscriberRecord {
            email: r.get(0)?,
            address: r.get(1)?,
            name: r.get(2)?,
            status: parse_status(r.get(3)?)?,
            created_at: r.get(4)?,
            changed_at: r.get(5)?,
        }))
    }

    /// Sets a reader's status, adding them to the store if needed, and
    /// records the change in the history with its reason and origin (for
    /// example "one-click unsubscribe" from "serve", or "5.1.1 user unknown"
    /// from "bounces: report.eml"). Setting the status a reader already has
    /// writes nothing, so repeating a request is harmless. A non-empty
    /// `name` replaces the stored one.
    pub fn set_subscriber_status(
        &mut self,
        address: &str,
        name: &str,
        status: SubscriberStatus,
        reason: &str,
        origin: &str,
    ) -> Result<StatusChange, LedgerError> {
        let address = address.trim();
        let key = address.to_lowercase();
        let at = now();
        // A write transaction from the start (IMMEDIATE on SQLite), so a
        // concurrent writer makes this wait instead of failing on upgrade.
        self.conn.in_transaction(|tx| {
            let before: Option<String> = tx
                .query_opt("SELECT status FROM subscribers WHERE email = ?1", args![&key])?
                .map(|r| r.get(0))
                .transpose()?;
            let before = before.map(parse_status).transpose()?;
            let change = match before {
                Some(old) if old == status => {
                    if !name.is_empty() {
                        tx.execute(
                            "UPDATE subscribers SET name = ?2 WHERE email = ?1",
                            args![&key, name],
                        )?;
                    }
                    return Ok(StatusChange::Unchanged);
                }
                Some(old) => {
                    tx.execute(
                        "UPDATE subscribers SET status = ?2, changed_at = ?3, name = CASE WHEN ?4 = '' THEN name ELSE ?4 END WHERE email = ?1",
                        args![&key, status.as_str(), &at, name],
                    )?;
                    StatusChange::Changed(old)
                }
                None => {
                    tx.execute(
                        "INSERT INTO subscribers (email, address, name, status, created_at, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        args![&key, address, name, status.as_str(), &at],
                    )?;
                    StatusChange::Added
                }
            };
            tx.execute(
                "INSERT INTO subscriber_events (email, at, from_status, to_status, reason, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    &key,
                    &at,
                    before.map(|s| s.as_str()),
                    status.as_str(),
                    reason,
                    origin
                ],
            )?;
            Ok(change)
        })
    }

    /// The history of one reader, oldest first.
    pub fn subscriber_history(&self, address: &str) -> Result<Vec<SubscriberEvent>, LedgerError> {
        let key = address.trim().to_lowercase();
        self.conn
            .query(
                "SELECT at, from_status, to_status, reason, origin FROM subscriber_events WHERE email = ?1 ORDER BY id",
                args![&key],
            )?
            .iter()
            .map(|r| {
                Ok(SubscriberEvent {
                    at: r.get(0)?,
                    from: r.get::<Option<String>>(1)?.map(parse_status).transpose()?,
                    to: parse_status(r.get(2)?)?,
                    reason: r.get(3)?,
                    origin: r.get(4)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_status_change_is_recorded_once_with_its_reason() {
        testing::each_backend(|open| {
            let mut ledger = open();
            assert_eq!(ledger.subscriber("Ann@Example.com").unwrap(), None);
            let added = ledger
                .set_subscriber_status(
                    "Ann@Example.com",
                    "Ann",
                    SubscriberStatus::Active,
                    "listed",
                    "test",
                )
                .unwrap();
            assert_eq!(added, StatusChange::Added);
            let again = ledger
                .set_subscriber_status(
                    "ann@example.com",
                    "",
                    SubscriberStatus::Active,
                    "listed",
                    "test",
                )
                .unwrap();
            assert_eq!(again, StatusChange::Unchanged);
            let changed = ledger
                .set_subscriber_status(
                    "ANN@example.com",
                    "",
                    SubscriberStatus::Unsubscribed,
                    "one-click unsubscribe",
                    "serve",
                )
                .unwrap();
            assert_eq!(changed, StatusChange::Changed(SubscriberStatus::Active));
            let record = ledger.subscriber("ann@EXAMPLE.com").unwrap().unwrap();
            assert_eq!(record.address, "Ann@Example.com");
            assert_eq!(record.name, "Ann");
            assert_eq!(record.status, SubscriberStatus::Unsubscribed);
            let history = ledger.subscriber_history("ann@example.com").unwrap();
            assert_eq!(history.len(), 2, "{history:?}");
            assert_eq!(history[1].from, Some(SubscriberStatus::Active));
            assert_eq!(history[1].to, SubscriberStatus::Unsubscribed);
            assert_eq!(history[1].reason, "one-click unsubscribe");
            assert_eq!(history[1].origin, "serve");
        });
    }

    #[test]
    fn statuses_read_back_in_any_case() {
        for status in SubscriberStatus::ALL {
            assert_eq!(
                status.as_str().to_uppercase().parse::<SubscriberStatus>(),
                Ok(status)
            );
        }
        assert!("gone".parse::<SubscriberStatus>().is_err());
    }
}
