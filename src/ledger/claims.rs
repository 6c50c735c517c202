//! Several senders sharing one list: workers claim batches of queued rows
//! with a lease, and the state lock becomes a lock in the database.
//!
//! A claim marks up to a batch of `queued` rows with the worker's id and a
//! lease expiry, choosing only rows nobody holds a live lease on; on
//! PostgreSQL the choice is `SELECT … FOR UPDATE SKIP LOCKED`, so workers
//! claiming at the same moment get disjoint batches without waiting on each
//! other. From then on the worker's status changes are fenced by its id
//! (`deliveries.rs`): if its lease ran out and another worker took a row
//! over, its `mark_sending` fails with [`LedgerError::LeaseLost`] and it
//! leaves the row alone. A worker that dies leaves its `queued` rows leased
//! until the expiry, after which any worker claims them; the rows it had in
//! DATA stay `sending`, reported as ambiguous and never resent on their own.
//!
//! Lease times are the workers' clocks (RFC 3339 text, compared as text), so
//! the machines need their clocks in step (NTP) to well within a lease.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};

use super::backend::{args, Backend};
use super::deliveries::PendingDelivery;
use super::lock::LockError;
use super::migrate::Migration;
use super::{Ledger, LedgerError};

pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql(
    "deliveries-leases-1",
    "ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
     ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
     CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (issue, status, line);",
)];

/// How one worker claims rows.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Unique per process: `host:pid:random`.
    pub owner: String,
    /// How long a claimed row stays this worker's without being sent.
    pub lease: Duration,
    /// Rows per claim.
    pub batch: usize,
    /// Claim rows whatever their lease: for a send that holds the state
    /// lock, any other lease holder is dead or a worker, which the fence
    /// stops before DATA, so a killed send can be resumed at once.
    pub take_over: bool,
}

impl Claim {
    /// A claim under a fresh worker id.
    pub fn new(lease: Duration, batch: usize) -> Claim {
        Claim {
            owner: format!(
                "{}:{}:{:08x}",
                host_name(),
                std::process::id(),
                fastrand::u32(..)
            ),
            lease,
            batch: batch.max(1),
            take_over: false,
        }
    }
}

/// This machine's name, for worker ids and lock holders.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn stamp(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Ledger {
    /// From now on, fence every delivery status change by `owner`.
    pub fn work_as(&mut self, owner: &str) {
        self.owner = Some(owner.to_string());
    }

    /// Ends [`Ledger::work_as`]: the ledger goes on to other stages of the command.
    pub fn stop_working(&mut self) {
        self.owner = None;
    }

    /// Claims up to `claim.batch` rows of `issue` still to send, seen by run
    /// `from_run` or a later one (a worker that enqueued the list after this
    /// one moved the rows to its run), in list order. Never rows this worker
    /// already holds, even on a lapsed lease: they may still be waiting in its
    /// queue, and two jobs of one worker for one reader would both pass the
    /// fence. (So a lease must outlast the time a batch waits to be sent.)
    pub fn claim_deliveries(
        &self,
        issue: u32,
        from_run: i64,
        include_sending: bool,
        claim: &Claim,
    ) -> Result<Vec<PendingDelivery>, LedgerError> {
        let now = Utc::now();
        let lease = chrono::Duration::from_std(claim.lease).unwrap_or(chrono::Duration::MAX);
        let until = now.checked_add_signed(lease).unwrap_or(now);
        let mut rows = self
            .conn
            .query(
                "UPDATE deliveries SET lease_owner = ?3, lease_until = ?4
                 WHERE (issue, recipient) IN (
                     SELECT issue, recipient FROM deliveries
                     WHERE issue = ?1 AND run >= ?2
                       AND (status = 'queued' OR (?5 AND status = 'sending'))
                       AND (lease_owner IS NULL OR lease_owner <> ?3)
                       AND (?8 OR lease_until IS NULL OR lease_until < ?6)
                     ORDER BY line LIMIT ?7 FOR UPDATE SKIP LOCKED)
                 RETURNING line, recipient, address, name, fields, attempts",
                args![
                    issue,
                    from_run,
                    &claim.owner,
                    stamp(until),
                    include_sending,
                    stamp(now),
                    claim.batch,
                    claim.take_over
                ],
            )?
            .iter()
            .map(PendingDelivery::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by_key(|r| r.line);
        Ok(rows)
    }

    /// Gives back this worker's leases when it is done: rows still `queued`
    /// (stopped early, or retries used up) are free for another worker or the
    /// next run at once; rows left `sending` keep the worker's id (it is who
    /// had them in DATA) but no lease, so `--resend-ambiguous` may take them.
    pub fn release_claims(&self, issue: u32, owner: &str) -> Result<usize, LedgerError> {
        self.conn.execute(
            "UPDATE deliveries
             SET lease_until = NULL,
                 lease_owner = CASE WHEN status = 'queued' THEN NULL ELSE lease_owner END
             WHERE issue = ?1 AND lease_owner = ?2 AND status IN ('queued', 'sending')",
            args![issue, owner],
        )
    }

    /// The rows of run `from_run` (or later) left `sending` that no live
    /// worker is in the middle of (this worker's own, or those whose lease has
    /// lapsed): how many, and the first `limit` addresses.
    pub fn stranded_deliveries(
        &self,
        issue: u32,
        from_run: i64,
        owner: &str,
        limit: usize,
    ) -> Result<(usize, Vec<String>), LedgerError> {
        let rows = self.conn.query(
            "SELECT address FROM deliveries
             WHERE issue = ?1 AND run >= ?2 AND status = 'sending'
               AND (lease_until IS NULL OR lease_owner = ?3 OR lease_until < ?4)
             ORDER BY line, recipient",
            args![issue, from_run, owner, stamp(Utc::now())],
        )?;
        let first = rows
            .iter()
            .take(limit)
            .map(|r| r.get(0))
            .collect::<Result<_, _>>()?;
        Ok((rows.len(), first))
    }

    /// Takes the database-wide lock named `name` for this connection's
    /// lifetime, without waiting. True if taken; on SQLite always true
    /// (the state folder's file lock does that job there).
    fn try_session_lock(&self, name: &str) -> Result<bool, LedgerError> {
        if self.backend() == Backend::Sqlite {
            return Ok(true);
        }
        self.conn
            .query_one(
                "SELECT pg_try_advisory_lock(hashtext(current_database() || '.' || current_schema() || ':' || ?1))",
                args![name],
            )?
            .get(0)
    }

    /// Who holds the lock named `name`, as their connection says.
    fn session_lock_holder(&self, name: &str) -> Result<Option<String>, LedgerError> {
        let row = self.conn.query_opt(
            "SELECT a.application_name, COALESCE(host(a.client_addr), 'local socket'), a.pid
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
               AND l.objid::bigint = (hashtext(current_database() || '.' || current_schema() || ':' || ?1)::bigint & 4294967295)",
            args![name],
        )?;
        row.map(|r| {
            let app: String = r.get(0)?;
            let from: String = r.get(1)?;
            let pid: i64 = r.get(2)?;
            Ok(format!("{app} (from {from}, server pid {pid})"))
        })
        .transpose()
    }
}

/// The state lock of a PostgreSQL ledger: a session advisory lock held on a
/// connection of its own, so that whichever machine holds it runs the cycle
/// and the others stop. The server drops it when the connection closes,
/// which is when this is dropped or the process dies, however it dies.
pub struct DatabaseLock {
    _conn: Ledger,
}

/// The name of the state lock inside the database.
const STATE_LOCK: &str = "state";

impl DatabaseLock {
    /// Takes the state lock in `ledger`'s database (which it keeps open).
    pub fn acquire(ledger: Ledger, target: &str) -> Result<DatabaseLock, LockError> {
        let err = LockError::Database;
        if ledger.try_session_lock(STATE_LOCK).map_err(err)? {
            return Ok(DatabaseLock { _conn: ledger });
        }
        Err(LockError::HeldInDatabase {
            target: target.to_string(),
            holder: ledger.session_lock_holder(STATE_LOCK).ok().flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    fn enqueue(ledger: &Ledger, n: usize) -> i64 {
        let run = ledger.begin_delivery_run(1).unwrap();
        for i in 0..n {
            let a = format!("r{i}@x.example");
            ledger
                .enqueue_delivery(1, run, &a, &a, "", "{}", i + 2)
                .unwrap();
        }
        run
    }

    #[test]
    fn two_workers_claim_disjoint_batches_and_a_lapsed_lease_is_taken_over() {
        testing::each_backend(|open| {
            let mut a = open();
            let mut b = open();
            let run = enqueue(&a, 5);
            let long = Claim::new(Duration::from_secs(600), 2);
            let short = Claim::new(Duration::ZERO, 2);
            a.work_as(&long.owner);
            b.work_as(&short.owner);
            let first = a.claim_deliveries(1, run, false, &long).unwrap();
            let second = b.claim_deliveries(1, run, false, &short).unwrap();
            let lines = |rows: &[PendingDelivery]| rows.iter().map(|r| r.line).collect::<Vec<_>>();
            assert_eq!(lines(&first), [2, 3]);
            assert_eq!(lines(&second), [4, 5], "a live lease is not claimed twice");
            // b's lease lapsed at once: a takes b's rows over, and b is fenced out.
            std::thread::sleep(Duration::from_millis(5));
            let third = a.claim_deliveries(1, run, false, &long).unwrap();
            assert_eq!(lines(&third), [4, 5]);
            assert!(matches!(
                b.mark_sending(1, "r2@x.example"),
                Err(LedgerError::LeaseLost { .. })
            ));
            a.mark_sending(1, "r2@x.example").unwrap();
            a.mark_sent(1, "r2@x.example", "250 ok", "<m>").unwrap();
            // The rest is released for the next worker, except what is in DATA.
            a.mark_sending(1, "r3@x.example").unwrap();
            assert_eq!(a.release_claims(1, &long.owner).unwrap(), 3);
            let wide = Claim::new(Duration::from_secs(600), 10);
            let rest = b.claim_deliveries(1, run, false, &wide).unwrap();
            assert_eq!(lines(&rest), [2, 3, 6]);
            assert_eq!(
                a.ambiguous_deliveries(1, None, 10).unwrap(),
                ["r3@x.example"]
            );
            // Released: another worker's report counts it; a resend may take it.
            let (n, stranded) = b.stranded_deliveries(1, run, &short.owner, 10).unwrap();
            assert_eq!((n, stranded), (1, vec!["r3@x.example".to_string()]));
            let resend = b.claim_deliveries(1, run, true, &wide).unwrap();
            assert_eq!(lines(&resend), [5]);
        });
    }

    #[test]
    fn a_send_holding_the_state_lock_takes_over_live_leases_and_fences_the_old_holder() {
        testing::each_backend(|open| {
            let mut worker = open();
            let mut resumed = open();
            let run = enqueue(&worker, 2);
            let live = Claim::new(Duration::from_secs(600), 10);
            worker.work_as(&live.owner);
            assert_eq!(
                worker.claim_deliveries(1, run, false, &live).unwrap().len(),
                2
            );
            worker.mark_sending(1, "r0@x.example").unwrap();
            let lock_holder = Claim {
                take_over: true,
                ..Claim::new(Duration::from_secs(600), 10)
            };
            resumed.work_as(&lock_holder.owner);
            let taken = resumed
                .claim_deliveries(1, run, false, &lock_holder)
                .unwrap();
            // The row in DATA stays the worker's; the queued one changes hands.
            assert_eq!(taken.iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
            assert!(matches!(
                worker.mark_sending(1, "r1@x.example"),
                Err(LedgerError::LeaseLost { .. })
            ));
            worker.mark_sent(1, "r0@x.example", "250", "<m>").unwrap();
            // Nor does a worker claim again what it holds, even on a lapsed lease.
            let lapsed = Claim {
                take_over: true,
                ..Claim::new(Duration::ZERO, 10)
            };
            let mut again = open();
            again.work_as(&lapsed.owner);
            enqueue(&again, 4);
            let first = again.claim_deliveries(1, run, false, &lapsed).unwrap();
            std::thread::sleep(Duration::from_millis(5));
            let second = again.claim_deliveries(1, run, false, &lapsed).unwrap();
            assert_eq!(first.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4, 5]);
            assert!(second.is_empty(), "{second:?}");
        });
    }

    #[test]
    fn a_second_process_is_refused_the_database_lock_until_the_first_lets_go() {
        let Some(schema) = testing::postgres_schema() else {
            eprintln!("skipping: {} is not set", testing::POSTGRES_ENV);
            return;
        };
        let open = || Ledger::open_postgres(&schema.url, None).unwrap();
        let held = DatabaseLock::acquire(open(), "db").unwrap();
        match DatabaseLock::acquire(open(), "db") {
            Err(LockError::HeldInDatabase { holder, .. }) => {
                let holder = holder.unwrap_or_default();
                assert!(holder.contains("newsletter pid"), "{holder}");
            }
            Err(other) => panic!("expected HeldInDatabase, got {other}"),
            Ok(_) => panic!("the lock was taken twice"),
        }
        drop(held);
        DatabaseLock::acquire(open(), "db").unwrap();
    }
}
