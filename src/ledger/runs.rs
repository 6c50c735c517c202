//! The `runs` table: one row per schedule slot (or manual `run --now`), so a
//! slot is run once however often cron, systemd or the daemon call `run`.
//!
//! Slots are keyed by their instant in UTC (`2026-11-24T07:00:00Z`), so the
//! same slot has the same key whatever offset the caller printed it with.

use std::fmt;
use std::str::FromStr;

use super::backend::{args, Conn, Row};
use super::migrate::Migration;
use super::{Ledger, LedgerError};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Started and not finished: either in progress (the state lock is held)
    /// or the process died (the lock is free), in which case it is resumed.
    Running,
    /// Summarized, built and sent.
    Done,
    /// Stopped by an error; the next `run` within the grace period retries it.
    Failed,
    /// Missed by more than the grace period and deliberately not sent.
    Skipped,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    /// Whether the slot is settled: a later `run` for it does nothing.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Done | RunStatus::Skipped)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "running" => RunStatus::Running,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            "skipped" => RunStatus::Skipped,
            other => return Err(format!("unknown run status {other:?}")),
        })
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    /// `newsletter run` (cron, a systemd timer, or by hand) for the current slot.
    Slot,
    /// `newsletter run --now`: outside the slot bookkeeping.
    Manual,
    /// `newsletter schedule --daemon`.
    Daemon,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RunTrigger::Slot => "slot",
            RunTrigger::Manual => "manual",
            RunTrigger::Daemon => "daemon",
        }
    }
}

/// One row of the `runs` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub slot: DateTime<Utc>,
    pub status: RunStatus,
    pub trigger: String,
    pub issue: Option<u32>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub detail: Option<String>,
}

/// The key a slot is stored under.
pub fn slot_key<Tz: TimeZone>(slot: &DateTime<Tz>) -> String {
    slot.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn record_from_row(row: &Row) -> Result<RunRecord, LedgerError> {
    let slot: String = row.get(0)?;
    let status: String = row.get(1)?;
    Ok(RunRecord {
        slot: DateTime::parse_from_rfc3339(&slot)
            .map_err(|e| LedgerError::Value(format!("runs.slot {slot:?}: {e}")))?
            .with_timezone(&Utc),
        status: status.parse().map_err(LedgerError::Value)?,
        trigger: row.get(2)?,
        issue: row.get(3)?,
        started_at: row.get(4)?,
        finished_at: row.get(5)?,
        detail: row.get(6)?,
    })
}

pub(super) const MIGRATIONS: &[Migration] = &[Migration::code("runs-1-trigger", add_trigger)];

/// Brings a `runs` table made by an earlier version up to date (the
/// `trigger` column came later; `core-1` already has it).
fn add_trigger(conn: &Conn) -> Result<(), LedgerError> {
    if !conn.has_column("runs", "trigger")? {
        conn.batch("ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'slot'")?;
    }
    Ok(())
}

const COLUMNS: &str = "slot, status, trigger, issue, started_at, finished_at, detail";

impl Ledger {
    /// The run recorded for `slot`, if any.
    pub fn run_for_slot<Tz: TimeZone>(
        &self,
        slot: &DateTime<Tz>,
    ) -> Result<Option<RunRecord>, LedgerError> {
        self.conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM runs WHERE slot = ?1"),
                args![slot_key(slot)],
            )?
            .as_ref()
            .map(record_from_row)
            .transpose()
    }

    /// Marks `slot` as started (replacing a failed or interrupted attempt).
    pub fn begin_run<Tz: TimeZone>(
        &self,
        slot: &DateTime<Tz>,
        trigger: RunTrigger,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO runs (slot, status, trigger, issue, started_at, finished_at, detail)
             VALUES (?1, 'running', ?2, NULL, ?3, NULL, NULL)
             ON CONFLICT (slot) DO UPDATE SET status = 'running', trigger = ?2,
                 started_at = ?3, finished_at = NULL, detail = NULL",
            args![slot_key(slot), trigger.as_str(), stamp(now)],
        )?;
        Ok(())
    }

    /// Records how a started run ended.
    pub fn finish_run<Tz: TimeZone>(
        &self,
        slot: &DateTime<Tz>,
        status: RunStatus,
        issue: Option<u32>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE runs SET status = ?2, issue = COALESCE(?3, issue), finished_at = ?4, detail = ?5
             WHERE slot = ?1",
            args![slot_key(slot), status.as_str(), issue, stamp(now), detail],
        )?;
        Ok(())
    }

    /// Records a slot that was deliberately not run (missed beyond the grace period).
    pub fn record_skipped<Tz: TimeZone>(
        &self,
        slot: &DateTime<Tz>,
        trigger: RunTrigger,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO runs (slot, status, trigger, issue, started_at, finished_at, detail)
             VALUES (?1, 'skipped', ?2, NULL, ?3, ?3, ?4)
             ON CONFLICT (slot) DO UPDATE SET status = 'skipped', trigger = ?2,
                 finished_at = ?3, detail = ?4",
            args![slot_key(slot), trigger.as_str(), stamp(now), detail],
        )?;
        Ok(())
    }

    /// The most recent runs, newest slot first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>, LedgerError> {
        self.conn
            .query(
                &format!("SELECT {COLUMNS} FROM runs ORDER BY slot DESC LIMIT ?1"),
                args![limit],
            )?
            .iter()
            .map(record_from_row)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;
    use chrono::FixedOffset;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn a_slot_is_keyed_by_its_instant_whatever_the_offset() {
        testing::each_backend(|open| {
            let ledger = open();
            let london = at("2026-06-02T07:00:00+01:00");
            let utc = at("2026-06-02T06:00:00Z");
            let now = Utc::now();
            assert_eq!(ledger.run_for_slot(&london).unwrap(), None);
            ledger.begin_run(&london, RunTrigger::Slot, now).unwrap();
            let rec = ledger.run_for_slot(&utc).unwrap().unwrap();
            assert_eq!(rec.status, RunStatus::Running);
            assert_eq!(slot_key(&rec.slot), "2026-06-02T06:00:00Z");

            ledger
                .finish_run(&utc, RunStatus::Done, Some(3), "3 sent", now)
                .unwrap();
            let rec = ledger.run_for_slot(&london).unwrap().unwrap();
            assert_eq!(rec.status, RunStatus::Done);
            assert_eq!(rec.issue, Some(3));
            assert_eq!(rec.detail.as_deref(), Some("3 sent"));
            assert!(rec.status.is_final());
        });
    }

    #[test]
    fn a_failed_run_can_be_restarted_and_skips_are_recorded() {
        testing::each_backend(|open| {
            let ledger = open();
            let slot = at("2026-11-24T07:00:00Z");
            let now = Utc::now();
            ledger.begin_run(&slot, RunTrigger::Daemon, now).unwrap();
            ledger
                .finish_run(&slot, RunStatus::Failed, None, "smtp down", now)
                .unwrap();
            assert!(!ledger
                .run_for_slot(&slot)
                .unwrap()
                .unwrap()
                .status
                .is_final());
            ledger.begin_run(&slot, RunTrigger::Slot, now).unwrap();
            let rec = ledger.run_for_slot(&slot).unwrap().unwrap();
            assert_eq!(rec.status, RunStatus::Running);
            assert_eq!(rec.detail, None);
            assert_eq!(rec.trigger, "slot");

            let later = at("2026-11-26T07:00:00Z");
            ledger
                .record_skipped(&later, RunTrigger::Daemon, "missed", now)
                .unwrap();
            let runs = ledger.recent_runs(10).unwrap();
            assert_eq!(runs.len(), 2);
            assert_eq!(runs[0].status, RunStatus::Skipped);
            assert_eq!(runs[1].slot, slot.with_timezone(&Utc));
        });
    }

    const OLD_RUNS: &str =
        "CREATE TABLE runs (slot TEXT PRIMARY KEY, status TEXT NOT NULL, issue INTEGER,
         started_at TEXT NOT NULL, finished_at TEXT, detail TEXT);
         INSERT INTO runs VALUES ('2026-11-19T07:00:00Z', 'done', 1, 'x', 'y', NULL);";

    fn check_old_run_gained_trigger(ledger: &Ledger) {
        let old = ledger
            .run_for_slot(&at("2026-11-19T07:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (old.status, old.trigger.as_str()),
            (RunStatus::Done, "slot")
        );
        ledger
            .begin_run(&at("2026-11-24T07:00:00Z"), RunTrigger::Daemon, Utc::now())
            .unwrap();
    }

    #[test]
    fn an_older_runs_table_gains_the_trigger_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(OLD_RUNS)
            .unwrap();
        check_old_run_gained_trigger(&Ledger::open(&path).unwrap());
        match testing::postgres_schema() {
            Some(schema) => {
                postgres::Client::connect(&schema.url, postgres::NoTls)
                    .unwrap()
                    .batch_execute(OLD_RUNS)
                    .unwrap();
                check_old_run_gained_trigger(&Ledger::open_postgres(&schema.url, None).unwrap());
            }
            None => eprintln!(
                "skipping the PostgreSQL run: {} is not set",
                testing::POSTGRES_ENV
            ),
        }
    }
}
