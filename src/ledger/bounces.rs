//! What the bounce reader remembers: which reports it has already applied
//! (by digest, so a report read twice counts once) and each reader's soft
//! bounces per issue (so "soft bounces in N consecutive issues" can be told).
//!
//! SQL here is kept portable to PostgreSQL (`ON CONFLICT`, text timestamps).

use super::backend::args;
use super::migrate::Migration;
use super::{Ledger, LedgerError};
use chrono::{SecondsFormat, Utc};

pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql("bounces-1", SCHEMA)];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bounce_reports (
    digest      TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    read_at     TEXT NOT NULL
);
-- One row per reader and issue that soft-bounced; issue 0 when the report
-- could not be tied to an issue and the reader had none.
CREATE TABLE IF NOT EXISTS soft_bounces (
    email       TEXT NOT NULL,
    issue       INTEGER NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    PRIMARY KEY (email, issue)
);
";

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Ledger {
    /// Records that the report with `digest` was applied. False when it
    /// already was (then nothing should be applied again).
    pub fn record_bounce_report(
        &mut self,
        digest: &str,
        source: &str,
    ) -> Result<bool, LedgerError> {
        let inserted = self.conn.execute(
            "INSERT INTO bounce_reports (digest, source, read_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (digest) DO NOTHING",
            args![digest, source, now()],
        )?;
        Ok(inserted == 1)
    }

    /// True when the report with `digest` was applied before.
    pub fn bounce_report_seen(&self, digest: &str) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .query_opt(
                "SELECT 1 FROM bounce_reports WHERE digest = ?1",
                args![digest],
            )?
            .is_some())
    }

    /// The (issue, lower-cased recipient) a Message-ID was sent as, with or
    /// without its angle brackets.
    pub fn delivery_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<(u32, String)>, LedgerError> {
        let bare = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let bracketed = format!("<{bare}>");
        self.conn
            .query_opt(
                "SELECT issue, recipient FROM deliveries WHERE message_id = ?1 OR message_id = ?2 ORDER BY issue DESC LIMIT 1",
                args![bare, &bracketed],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
    }

    /// The issues delivered (or attempted) to a reader, newest first.
    pub fn issues_for_recipient(
        &self,
        address: &str,
        limit: usize,
    ) -> Result<Vec<u32>, LedgerError> {
        let key = address.trim().to_lowercase();
        self.conn
            .query(
                "SELECT issue FROM deliveries WHERE recipient = ?1 AND status IN ('sent', 'failed', 'sending') ORDER BY issue DESC LIMIT ?2",
                args![&key, limit],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// True when the ledger has sent (or tried to send) anything to this address.
    pub fn knows_recipient(&self, address: &str) -> Result<bool, LedgerError> {
        let key = address.trim().to_lowercase();
        let found = self.conn.query_opt(
            "SELECT 1 FROM deliveries WHERE recipient = ?1 UNION ALL SELECT 1 FROM subscribers WHERE email = ?1 LIMIT 1",
            args![&key],
        )?;
        Ok(found.is_some())
    }

    /// Records a soft bounce of `address` in `issue` (once per issue).
    pub fn record_soft_bounce(
        &mut self,
        address: &str,
        issue: u32,
        reason: &str,
        origin: &str,
    ) -> Result<(), LedgerError> {
        let key = address.trim().to_lowercase();
        self.conn.execute(
            "INSERT INTO soft_bounces (email, issue, at, reason, origin) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (email, issue) DO NOTHING",
            args![&key, issue, now(), reason, origin],
        )?;
        Ok(())
    }

    /// How many of the reader's most recent issues in a row soft-bounced.
    /// Counted over the issues the ledger delivered to them, newest first,
    /// stopping at the first one that did not bounce; a reader with no
    /// delivery rows counts the issues their soft bounces name.
    pub fn soft_bounce_streak(&self, address: &str) -> Result<usize, LedgerError> {
        let key = address.trim().to_lowercase();
        let bounced: std::collections::BTreeSet<u32> = {
            self.conn
                .query(
                    "SELECT issue FROM soft_bounces WHERE email = ?1",
                    args![&key],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<_, _>>()?
        };
        let issues = self.issues_for_recipient(&key, 1000)?;
        if issues.is_empty() {
            return Ok(bounced.len());
        }
        Ok(issues.iter().take_while(|i| bounced.contains(i)).count())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;

    #[test]
    fn a_report_is_recorded_once() {
        testing::each_backend(|open| {
            let mut ledger = open();
            assert!(!ledger.bounce_report_seen("abc").unwrap());
            assert!(ledger.record_bounce_report("abc", "a.eml").unwrap());
            assert!(!ledger.record_bounce_report("abc", "b.eml").unwrap());
            assert!(ledger.bounce_report_seen("abc").unwrap());
        });
    }

    #[test]
    fn soft_bounces_count_once_per_issue() {
        testing::each_backend(|open| {
            let mut ledger = open();
            ledger
                .record_soft_bounce("Ann@example.com", 1, "mailbox full", "t")
                .unwrap();
            ledger
                .record_soft_bounce("ann@example.com", 1, "mailbox full", "t")
                .unwrap();
            assert_eq!(ledger.soft_bounce_streak("ann@example.com").unwrap(), 1);
            ledger
                .record_soft_bounce("ann@example.com", 2, "policy", "t")
                .unwrap();
            assert_eq!(ledger.soft_bounce_streak("ANN@example.com").unwrap(), 2);
        });
    }
}
