//! The `deliveries` table: one row per (issue, recipient), the send stage's
//! queue and its memory across crashes.
//!
//! States: `queued` → `sending` (written before DATA) → `sent` (after the
//! server's 250) | `failed` (a permanent 5xx). A transient failure that ran out
//! of retries goes back to `queued` so the next run tries again. A `sending`
//! row found by a later run means a crash or a lost reply mid-message: the
//! reader may or may not have the issue, so it is reported, not guessed.

use super::backend::{args, Row};
use super::{Ledger, LedgerError};

/// Counts of one issue's delivery rows by status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub queued: usize,
    pub sending: usize,
    pub sent: usize,
    pub failed: usize,
}

impl DeliveryCounts {
    pub fn total(&self) -> usize {
        self.queued + self.sending + self.sent + self.failed
    }
}

/// What recording a subscriber row for a run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// First seen in this run; the status it has (new rows are `queued`).
    Listed(String),
    /// The same address (ignoring case) already appeared in this run, at `first_line`.
    Duplicate { first_line: Option<usize> },
}

/// A row still to be delivered.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    /// Its line in the subscriber list of the run that last saw it (the
    /// paging cursor: unique within a run, and the order readers are sent in).
    pub line: i64,
    pub recipient: String,
    pub address: String,
    pub name: String,
    /// JSON object of the other subscriber columns.
    pub fields: String,
    pub attempts: u32,
}

impl PendingDelivery {
    /// From `line, recipient, address, name, fields, attempts`.
    pub(super) fn from_row(r: &Row) -> Result<PendingDelivery, LedgerError> {
        Ok(PendingDelivery {
            line: r.get::<Option<i64>>(0)?.unwrap_or(0),
            recipient: r.get(1)?,
            address: r.get(2)?,
            name: r.get(3)?,
            fields: r.get(4)?,
            attempts: r.get(5)?,
        })
    }
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Ledger {
    /// A fresh run number for sending `issue`; rows seen by this run carry it.
    pub fn begin_delivery_run(&self, issue: u32) -> Result<i64, LedgerError> {
        self.conn
            .query_one(
                "SELECT COALESCE(MAX(run), 0) + 1 FROM deliveries WHERE issue = ?1",
                args![issue],
            )?
            .get(0)
    }

    /// Starts a write transaction (enqueueing a large list in batches is far
    /// faster); one process at a time holds it, on either backend.
    pub fn begin(&self) -> Result<(), LedgerError> {
        self.conn.batch(self.conn.begin_sql())
    }

    /// Starts a transaction over rows this process holds (a run's delivery
    /// marks): on PostgreSQL without the writer lock `begin` takes, so that
    /// workers' transactions run side by side.
    pub fn begin_rows(&self) -> Result<(), LedgerError> {
        match self.conn.backend() {
            super::backend::Backend::Sqlite => self.conn.batch("BEGIN IMMEDIATE"),
            super::backend::Backend::Postgres => self.conn.batch("BEGIN"),
        }
    }

    pub fn commit(&self) -> Result<(), LedgerError> {
        self.conn.batch("COMMIT")
    }

    /// Undoes the open transaction (a dry run enqueues, counts, and rolls back).
    pub fn rollback(&self) -> Result<(), LedgerError> {
        self.conn.batch("ROLLBACK")
    }

    /// Records that subscriber `recipient` (lower-cased address) is on the list
    /// for this run, keeping any earlier status (a `sent` row stays sent).
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue_delivery(
        &self,
        issue: u32,
        run: i64,
        recipient: &str,
        address: &str,
        name: &str,
        fields_json: &str,
        line: usize,
    ) -> Result<Enqueued, LedgerError> {
        let status: Option<String> = self
            .conn
            .query_opt(
                "INSERT INTO deliveries (issue, recipient, address, status, name, fields, run, line, updated_at)
                 VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (issue, recipient) DO UPDATE
                   SET address = excluded.address, name = excluded.name, fields = excluded.fields,
                       run = excluded.run, line = excluded.line
                   WHERE deliveries.run <> excluded.run
                 RETURNING status",
                args![issue, recipient, address, name, fields_json, run, line, now()],
            )?
            .map(|r| r.get(0))
            .transpose()?;
        match status {
            Some(status) => Ok(Enqueued::Listed(status)),
            None => {
                let first_line: Option<usize> = self
                    .conn
                    .query_opt(
                        "SELECT line FROM deliveries WHERE issue = ?1 AND recipient = ?2",
                        args![issue, recipient],
                    )?
                    .map(|r| r.get(0))
                    .transpose()?
                    .flatten();
                Ok(Enqueued::Duplicate { first_line })
            }
        }
    }

    /// Up to `limit` rows of this run still to send, after list line
    /// `after_line` (keyset paging keeps memory flat however long the list).
    pub fn pending_deliveries(
        &self,
        issue: u32,
        run: Option<i64>,
        include_sending: bool,
        after_line: i64,
        limit: usize,
    ) -> Result<Vec<PendingDelivery>, LedgerError> {
        self.conn
            .query(
                "SELECT line, recipient, address, name, fields, attempts FROM deliveries
                 WHERE issue = ?1 AND (run = ?2 OR ?2 IS NULL) AND line > ?3
                   AND (status = 'queued' OR (?4 AND status = 'sending'))
                 ORDER BY line LIMIT ?5",
                args![issue, run, after_line, include_sending, limit],
            )?
            .iter()
            .map(PendingDelivery::from_row)
            .collect()
    }

    /// Counts rows by status, for the whole issue or only those seen by `run`.
    pub fn delivery_counts(
        &self,
        issue: u32,
        run: Option<i64>,
    ) -> Result<DeliveryCounts, LedgerError> {
        let rows = self.conn.query(
            "SELECT status, COUNT(*) FROM deliveries
             WHERE issue = ?1 AND (run = ?2 OR ?2 IS NULL) GROUP BY status",
            args![issue, run],
        )?;
        let mut counts = DeliveryCounts::default();
        for row in rows {
            let status: String = row.get(0)?;
            let n: usize = row.get(1)?;
            match status.as_str() {
                "queued" => counts.queued = n,
                "sending" => counts.sending = n,
                "sent" => counts.sent = n,
                _ => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// Addresses left `sending` (ambiguous), at most `limit`, for the report.
    pub fn ambiguous_deliveries(
        &self,
        issue: u32,
        run: Option<i64>,
        limit: usize,
    ) -> Result<Vec<String>, LedgerError> {
        self.conn
            .query(
                "SELECT address FROM deliveries
                 WHERE issue = ?1 AND (run = ?2 OR ?2 IS NULL) AND status = 'sending'
                 ORDER BY line, recipient LIMIT ?3",
                args![issue, run, limit],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Marks a row `sending`: from here until `sent`, a crash leaves it ambiguous.
    /// Every attempt's outcome (`mark_sent`, `mark_failed`, `mark_retry_later`,
    /// `note_attempt`) adds one to `attempts`. A worker (see `claims.rs`)
    /// gets [`LedgerError::LeaseLost`] if the row is no longer its to send.
    pub fn mark_sending(&self, issue: u32, recipient: &str) -> Result<(), LedgerError> {
        self.set_status(issue, recipient, "sending", None, None, false)
    }

    /// Marks a row `sent` with the server's reply and the Message-ID.
    pub fn mark_sent(
        &self,
        issue: u32,
        recipient: &str,
        reply: &str,
        message_id: &str,
    ) -> Result<(), LedgerError> {
        self.write_status(issue, recipient, Write::sent(reply, message_id, false))
    }

    /// [`Ledger::mark_sent`] in a statement of its own whose commit does not
    /// wait for the disk: on PostgreSQL `synchronous_commit` is off for its
    /// transaction alone (one round trip), so it returns once the server has
    /// the change, and only a crash of the server could lose it, leaving
    /// the row `sending`: ambiguous, never resent. The same as `mark_sent` on
    /// SQLite, whose commits do not wait for the disk anyway (WAL, NORMAL).
    pub fn mark_sent_unflushed(
        &self,
        issue: u32,
        recipient: &str,
        reply: &str,
        message_id: &str,
    ) -> Result<(), LedgerError> {
        self.write_status(issue, recipient, Write::sent(reply, message_id, true))
    }

    /// Marks a row permanently `failed` (a 5xx): it is not retried.
    pub fn mark_failed(&self, issue: u32, recipient: &str, reply: &str) -> Result<(), LedgerError> {
        self.set_status(issue, recipient, "failed", Some(reply), None, true)
    }

    /// Puts a row back to `queued` after transient failures, keeping the reply.
    pub fn mark_retry_later(
        &self,
        issue: u32,
        recipient: &str,
        reply: &str,
    ) -> Result<(), LedgerError> {
        self.set_status(issue, recipient, "queued", Some(reply), None, true)
    }

    /// Records a failed attempt and its reply without changing the status
    /// (a transient failure about to be retried, or an ambiguous one).
    pub fn note_attempt(
        &self,
        issue: u32,
        recipient: &str,
        reply: &str,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_reply = ?3, updated_at = ?4
             WHERE issue = ?1 AND recipient = ?2 AND (lease_owner = ?5 OR ?5 IS NULL)",
            args![issue, recipient, reply, now(), self.owner.as_deref()],
        )?;
        Ok(())
    }

    fn set_status(
        &self,
        issue: u32,
        recipient: &str,
        status: &str,
        reply: Option<&str>,
        message_id: Option<&str>,
        count_attempt: bool,
    ) -> Result<(), LedgerError> {
        let write = Write {
            status,
            reply,
            message_id,
            count_attempt,
            unflushed: false,
        };
        self.write_status(issue, recipient, write)
    }

    fn write_status(&self, issue: u32, recipient: &str, w: Write<'_>) -> Result<(), LedgerError> {
        // A worker only writes rows it holds the lease on, and never moves a
        // row out of `sent`: a row another worker took over is left to it.
        let sql = match (w.unflushed, self.backend()) {
            (true, super::backend::Backend::Postgres) => SET_STATUS_UNFLUSHED,
            _ => SET_STATUS,
        };
        let changed = self.conn.execute(
            sql,
            args![
                issue,
                recipient,
                w.status,
                w.reply,
                w.message_id,
                i64::from(w.count_attempt),
                now(),
                self.owner.as_deref()
            ],
        )?;
        if changed == 0 && self.owner.is_some() {
            return Err(LedgerError::LeaseLost {
                recipient: recipient.to_string(),
            });
        }
        Ok(())
    }
}

/// One status change of a delivery row.
struct Write<'a> {
    status: &'a str,
    reply: Option<&'a str>,
    message_id: Option<&'a str>,
    count_attempt: bool,
    /// Commit without waiting for the disk (PostgreSQL; see `mark_sent_unflushed`).
    unflushed: bool,
}

impl<'a> Write<'a> {
    /// The server's 250: `sent`, counted as an attempt.
    fn sent(reply: &'a str, message_id: &'a str, unflushed: bool) -> Write<'a> {
        Write {
            status: "sent",
            reply: Some(reply),
            message_id: Some(message_id),
            count_attempt: true,
            unflushed,
        }
    }
}

/// A status change, fenced by the lease (see `write_status`).
macro_rules! set_status_sql {
    () => {
        "UPDATE deliveries SET status = ?3,
            last_reply = COALESCE(?4, last_reply),
            message_id = COALESCE(?5, message_id),
            attempts = attempts + ?6,
            updated_at = ?7
         WHERE issue = ?1 AND recipient = ?2 AND status <> 'sent'
           AND (lease_owner = ?8 OR ?8 IS NULL)"
    };
}

const SET_STATUS: &str = set_status_sql!();

/// [`SET_STATUS`], turning `synchronous_commit` off for the statement's own
/// transaction (`set_config(…, true)` lasts until that transaction ends,
/// which is after its commit record is written).
const SET_STATUS_UNFLUSHED: &str = concat!(
    set_status_sql!(),
    " AND set_config('synchronous_commit', 'off', true) = 'off'"
);

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn rows_move_through_states_and_duplicates_are_detected() {
        testing::each_backend(|open| {
            let ledger = open();
            let run = ledger.begin_delivery_run(1).unwrap();
            assert_eq!(run, 1);
            let e = ledger
                .enqueue_delivery(1, run, "a@x.example", "A@x.example", "A", "{}", 2)
                .unwrap();
            assert_eq!(e, Enqueued::Listed("queued".into()));
            let dup = ledger
                .enqueue_delivery(1, run, "a@x.example", "a@x.example", "", "{}", 5)
                .unwrap();
            assert_eq!(
                dup,
                Enqueued::Duplicate {
                    first_line: Some(2)
                }
            );
            ledger.mark_sending(1, "a@x.example").unwrap();
            ledger
                .mark_sent(1, "a@x.example", "250 ok", "<m@x>")
                .unwrap();
            let run2 = ledger.begin_delivery_run(1).unwrap();
            assert_eq!(run2, 2);
            let again = ledger
                .enqueue_delivery(1, run2, "a@x.example", "a@x.example", "", "{}", 2)
                .unwrap();
            assert_eq!(again, Enqueued::Listed("sent".into()));
            assert!(ledger
                .pending_deliveries(1, Some(run2), true, 0, 10)
                .unwrap()
                .is_empty());
            let counts = ledger.delivery_counts(1, None).unwrap();
            assert_eq!(counts.sent, 1);
            assert_eq!(counts.total(), 1);
        });
    }

    #[test]
    fn an_unflushed_sent_mark_is_fenced_like_any_and_leaves_the_next_commit_synchronous() {
        testing::each_backend(|open| {
            let mut ledger = open();
            let run = ledger.begin_delivery_run(1).unwrap();
            for r in ["a@x.example", "b@x.example"] {
                ledger.enqueue_delivery(1, run, r, r, "", "{}", 2).unwrap();
            }
            ledger.mark_sending(1, "a@x.example").unwrap();
            ledger
                .mark_sent_unflushed(1, "a@x.example", "250 ok", "<a@x>")
                .unwrap();
            // Committed: another session sees it at once.
            assert_eq!(open().delivery_counts(1, None).unwrap().sent, 1);
            if ledger.backend() == super::super::backend::Backend::Postgres {
                // The setting lasted for that statement's transaction only:
                // the next `sending` waits for the disk again.
                let setting: String = ledger
                    .conn
                    .query_one("SELECT current_setting('synchronous_commit')", args![])
                    .unwrap()
                    .get(0)
                    .unwrap();
                assert_eq!(setting, "on");
            }
            // A row this worker does not hold is left alone.
            ledger.work_as("someone-else");
            assert!(matches!(
                ledger.mark_sent_unflushed(1, "b@x.example", "250 ok", "<b@x>"),
                Err(LedgerError::LeaseLost { .. })
            ));
            assert_eq!(open().delivery_counts(1, None).unwrap().queued, 1);
        });
    }
}
