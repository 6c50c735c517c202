//! Reading the subscriber store as a whole: listing and exporting readers,
//! counts by status, what changed since each recent issue, and the sets a
//! send needs (who is suppressed, who subscribed through `serve`).
//!
//! The tables are those of `subscribers.rs`; SQL stays portable to PostgreSQL.

use std::collections::{BTreeMap, HashMap};

use super::backend::{args, Row};
use super::subscribers::SubscriberRecord;
use super::{Ledger, LedgerError};
use crate::audience::SubscriberStatus;

/// What changed in the store since one issue was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesSince {
    pub issue: u32,
    /// When the issue was built (RFC 3339), or its date.
    pub since: String,
    /// Readers who moved into each status since then.
    pub into: BTreeMap<SubscriberStatus, usize>,
}

fn status_of(text: String) -> Result<SubscriberStatus, LedgerError> {
    text.parse().map_err(LedgerError::Value)
}

fn record(r: &Row) -> Result<SubscriberRecord, LedgerError> {
    Ok(SubscriberRecord {
        email: r.get(0)?,
        address: r.get(1)?,
        name: r.get(2)?,
        status: status_of(r.get(3)?)?,
        created_at: r.get(4)?,
        changed_at: r.get(5)?,
    })
}

impl Ledger {
    /// Every reader in the store (or only those with `status`), by address.
    pub fn subscribers_list(
        &self,
        status: Option<SubscriberStatus>,
    ) -> Result<Vec<SubscriberRecord>, LedgerError> {
        const COLUMNS: &str =
            "SELECT email, address, name, status, created_at, changed_at FROM subscribers";
        let rows = match status {
            Some(status) => self.conn.query(
                &format!("{COLUMNS} WHERE status = ?1 ORDER BY email"),
                args![status.as_str()],
            )?,
            None => self
                .conn
                .query(&format!("{COLUMNS} ORDER BY email"), args![])?,
        };
        rows.iter().map(record).collect()
    }

    /// How many readers have each status (every status present, zero or not).
    pub fn subscriber_counts(&self) -> Result<BTreeMap<SubscriberStatus, usize>, LedgerError> {
        let mut counts: BTreeMap<SubscriberStatus, usize> =
            SubscriberStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for r in self.conn.query(
            "SELECT status, COUNT(*) FROM subscribers GROUP BY status",
            args![],
        )? {
            counts.insert(status_of(r.get(0)?)?, r.get(1)?);
        }
        Ok(counts)
    }

    /// The status of one (lower-cased) address, if the store knows it: one
    /// indexed lookup, cheap enough to ask for every row of a list.
    pub fn subscriber_status(&self, key: &str) -> Result<Option<SubscriberStatus>, LedgerError> {
        self.conn
            .query_opt(
                "SELECT status FROM subscribers WHERE email = ?1",
                args![key],
            )?
            .map(|r| status_of(r.get(0)?))
            .transpose()
    }

    /// Calls `f` with each active reader, by address.
    pub fn for_each_active_subscriber(
        &self,
        mut f: impl FnMut(SubscriberRecord) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        for row in self.conn.query(
            "SELECT email, address, name, status, created_at, changed_at FROM subscribers
             WHERE status = 'active' ORDER BY email",
            args![],
        )? {
            f(record(&row)?)?;
        }
        Ok(())
    }

    /// Every address the store holds in a status other than `active`: a
    /// send skips them even while they are in the CSV.
    pub fn withheld_subscribers(&self) -> Result<HashMap<String, SubscriberStatus>, LedgerError> {
        self.conn
            .query(
                "SELECT email, status FROM subscribers WHERE status <> 'active'",
                args![],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, status_of(r.get(1)?)?)))
            .collect()
    }

    /// For each of the last `issues` built issues, newest first, how many
    /// readers moved into each status since it was built.
    pub fn subscriber_changes_since_issues(
        &self,
        issues: usize,
    ) -> Result<Vec<ChangesSince>, LedgerError> {
        let marks: Vec<(u32, String)> = self
            .conn
            .query(
                "SELECT number, COALESCE(built_at, date) FROM issues ORDER BY number DESC LIMIT ?1",
                args![issues],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<Result<_, LedgerError>>()?;
        let mut out = Vec::new();
        for (issue, since) in marks {
            let mut into = BTreeMap::new();
            for r in self.conn.query(
                "SELECT to_status, COUNT(*) FROM subscriber_events WHERE at >= ?1 GROUP BY to_status",
                args![&since],
            )? {
                into.insert(status_of(r.get(0)?)?, r.get(1)?);
            }
            out.push(ChangesSince { issue, since, into });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn lists_counts_and_withheld_readers_follow_the_store() {
        testing::each_backend(|open| {
            let mut ledger = open();
            let set = |l: &mut Ledger, a: &str, s| {
                l.set_subscriber_status(a, "", s, "test", "test").unwrap();
            };
            set(&mut ledger, "b@example.com", SubscriberStatus::Active);
            set(&mut ledger, "a@example.com", SubscriberStatus::Active);
            set(&mut ledger, "c@example.com", SubscriberStatus::Unconfirmed);
            set(&mut ledger, "a@example.com", SubscriberStatus::Bounced);
            let all: Vec<_> = ledger
                .subscribers_list(None)
                .unwrap()
                .into_iter()
                .map(|r| r.email)
                .collect();
            assert_eq!(all, ["a@example.com", "b@example.com", "c@example.com"]);
            let active = ledger
                .subscribers_list(Some(SubscriberStatus::Active))
                .unwrap();
            assert_eq!(active.len(), 1);
            assert_eq!(active[0].email, "b@example.com");
            let counts = ledger.subscriber_counts().unwrap();
            assert_eq!(counts[&SubscriberStatus::Active], 1);
            assert_eq!(counts[&SubscriberStatus::Bounced], 1);
            assert_eq!(counts[&SubscriberStatus::Complained], 0);
            let withheld = ledger.withheld_subscribers().unwrap();
            assert_eq!(withheld.len(), 2);
            assert_eq!(withheld["c@example.com"], SubscriberStatus::Unconfirmed);
        });
    }

    #[test]
    fn changes_are_counted_since_each_issue() {
        testing::each_backend(|open| {
            let mut ledger = open();
            let n = ledger
                .issue_number_for(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap())
                .unwrap();
            ledger
                .record_build(n, "One", "2000-01-01T00:00:00Z")
                .unwrap();
            ledger
                .set_subscriber_status("a@example.com", "", SubscriberStatus::Active, "t", "t")
                .unwrap();
            ledger
                .set_subscriber_status(
                    "a@example.com",
                    "",
                    SubscriberStatus::Unsubscribed,
                    "t",
                    "t",
                )
                .unwrap();
            let changes = ledger.subscriber_changes_since_issues(5).unwrap();
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].issue, n);
            assert_eq!(changes[0].into[&SubscriberStatus::Active], 1);
            assert_eq!(changes[0].into[&SubscriberStatus::Unsubscribed], 1);
        });
    }
}
