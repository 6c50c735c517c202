//! Recording SMTP outcomes in the ledger. `sending` is always committed,
//! and durable, before DATA. What happens to a `sent` mark (only ever
//! written after the server's 250) depends on the backend:
//!
//! - PostgreSQL: each SMTP connection has a session of its own, and the mark
//!   is committed at once, in one statement, with `synchronous_commit` off
//!   for it alone (`Ledger::mark_sent_unflushed`): the server has it
//!   as soon as the commit returns, so killing the sender loses nothing, but
//!   it does not wait for the WAL flush. Only a crash of the database server
//!   itself can lose it, which leaves the row `sending`: reported as
//!   ambiguous and not resent, never sent twice. The `sending` commits of the
//!   connections share flushes (group commit) instead of queueing.
//! - SQLite: the mark is held in memory and committed in the same
//!   transaction as the connection's next `sending`, or at the end of the
//!   run, so a message costs one write. A crash in between leaves the row
//!   `sending` (ambiguous, never resent); at most one message per connection
//!   is in that window.
//!
//! A PostgreSQL mark that cannot be committed at once is held the same way.
//! The ledger calls block; inside the send loop's runtime they say so
//! ([`tokio::task::block_in_place`]), so a commit waiting on the disk does
//! not hold up the other connections' tasks.

use std::sync::Mutex;

use crate::ledger::backend::Backend;
use crate::ledger::{locked, Ledger, LedgerError, SharedLedger};

/// Why a row could not be marked `sending`.
#[derive(Debug)]
pub(super) enum Sending {
    /// Another worker took the reader over (its lease on this one lapsed).
    LeaseLost,
    Failed(String),
}

impl From<LedgerError> for Sending {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::LeaseLost { .. } => Sending::LeaseLost,
            other => Sending::Failed(other.to_string()),
        }
    }
}

/// A delivery the server accepted, not yet written to the ledger.
struct SentMark {
    recipient: String,
    reply: String,
    message_id: String,
}

/// The ledger one SMTP connection records on (none for a test send) and
/// the sent marks it holds.
pub(super) struct Recorder {
    issue: u32,
    ledger: Option<SharedLedger>,
    held: Mutex<Vec<SentMark>>,
    /// Commit sent marks at once, without waiting for the flush (PostgreSQL).
    commit_sent_now: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a blocking ledger call, letting the runtime (if any) move its other
/// tasks off this thread meanwhile.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl Recorder {
    pub fn new(issue: u32, ledger: Option<SharedLedger>) -> Recorder {
        let commit_sent_now = ledger
            .as_ref()
            .is_some_and(|l| locked(l).backend() == Backend::Postgres);
        Recorder {
            issue,
            ledger,
            held: Mutex::new(Vec::new()),
            commit_sent_now,
        }
    }

    /// A recorder for one more SMTP connection of the run `main` records:
    /// on a PostgreSQL session of its own, or sharing the SQLite connection
    /// (and, if the server refuses another session, sharing `main`'s: slower,
    /// never less safe).
    pub fn another(main: &Recorder) -> Recorder {
        let ledger = main.ledger.as_ref().map(|l| {
            let session = locked(l).another_session();
            match session {
                Ok(Some(session)) => session.share(),
                Ok(None) => l.clone(),
                Err(e) => {
                    tracing::warn!(error = %e, "no ledger session of its own for an SMTP connection; it shares the run's");
                    l.clone()
                }
            }
        });
        Recorder::new(main.issue, ledger)
    }

    /// Runs one ledger write now (nothing without a ledger).
    pub fn write(&self, f: impl FnOnce(&Ledger) -> Result<(), LedgerError>) -> Result<(), String> {
        match &self.ledger {
            None => Ok(()),
            Some(l) => blocking(|| f(&locked(l))).map_err(|e| e.to_string()),
        }
    }

    /// Runs `f` on the ledger itself, outside the held marks (a refusal
    /// recorded against the reader in the subscriber store); `None` without a ledger.
    pub fn with_ledger<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        self.ledger.as_ref().map(|l| blocking(|| f(&mut locked(l))))
    }

    /// Commits `recipient` as `sending`, together with the held sent marks,
    /// before returning. On failure nothing is written and the marks stay held.
    pub fn sending(&self, recipient: &str) -> Result<(), Sending> {
        let Some(l) = &self.ledger else {
            return Ok(());
        };
        blocking(|| {
            let held = std::mem::take(&mut *lock(&self.held));
            let ledger = locked(l);
            if held.is_empty() {
                return Ok(ledger.mark_sending(self.issue, recipient)?);
            }
            self.transaction(&ledger, &held, Some(recipient))
                .map_err(|e| {
                    lock(&self.held).extend(held);
                    e.into()
                })
        })
    }

    /// Records that the server accepted the message to `recipient`: at
    /// once on PostgreSQL, else (or if that fails) held until the next
    /// write or [`Recorder::flush`].
    pub fn sent(&self, recipient: &str, reply: &str, message_id: &str) {
        let Some(l) = &self.ledger else {
            return;
        };
        if self.commit_sent_now {
            let written = blocking(|| {
                locked(l).mark_sent_unflushed(self.issue, recipient, reply, message_id)
            });
            match written {
                // A resend took the row over after our lease lapsed: its to record.
                Ok(()) | Err(LedgerError::LeaseLost { .. }) => return,
                Err(_) => {}
            }
        }
        lock(&self.held).push(SentMark {
            recipient: recipient.to_string(),
            reply: reply.to_string(),
            message_id: message_id.to_string(),
        });
    }

    /// Commits every held sent mark (at the end of a run).
    pub fn flush(&self) -> Result<(), String> {
        let Some(l) = &self.ledger else {
            return Ok(());
        };
        let held = std::mem::take(&mut *lock(&self.held));
        if held.is_empty() {
            return Ok(());
        }
        self.transaction(&locked(l), &held, None).map_err(|e| {
            lock(&self.held).extend(held);
            e.to_string()
        })
    }

    /// One transaction: `marks` as sent, then `sending` (if any) as sending;
    /// all or nothing. A plain transaction (the workers' writes to their own
    /// rows need no writer lock, unlike enqueueing, see `Ledger::begin`).
    fn transaction(
        &self,
        ledger: &Ledger,
        marks: &[SentMark],
        sending: Option<&str>,
    ) -> Result<(), LedgerError> {
        let write = || {
            ledger.begin_rows()?;
            for m in marks {
                match ledger.mark_sent(self.issue, &m.recipient, &m.reply, &m.message_id) {
                    // A resend took the row over after our lease lapsed: its to record.
                    Ok(()) | Err(LedgerError::LeaseLost { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if let Some(recipient) = sending {
                ledger.mark_sending(self.issue, recipient)?;
            }
            ledger.commit()
        };
        let result = write();
        if result.is_err() {
            let _ = ledger.rollback();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::testing;

    #[test]
    fn a_sent_mark_is_committed_at_once_on_postgres_and_with_the_next_sending_on_sqlite() {
        testing::each_backend(|open| {
            let ledger = open();
            let postgres = ledger.backend() == Backend::Postgres;
            let run = ledger.begin_delivery_run(1).unwrap();
            for r in ["a@x.example", "b@x.example", "c@x.example"] {
                ledger.enqueue_delivery(1, run, r, r, "", "{}", 2).unwrap();
            }
            let main = Recorder::new(1, Some(ledger.share()));
            let recorder = Recorder::another(&main);
            // Another connection sees only what is committed.
            let other = open();
            let counts = || other.delivery_counts(1, None).unwrap();

            recorder.sending("a@x.example").unwrap();
            assert_eq!(counts().sending, 1);
            recorder.sent("a@x.example", "250 ok", "<a@x>");
            if postgres {
                assert_eq!((counts().sending, counts().sent), (0, 1));
            } else {
                // Held: a crash now would leave `a` ambiguous, never resent.
                assert_eq!((counts().sending, counts().sent), (1, 0));
            }
            recorder.sending("b@x.example").unwrap();
            assert_eq!((counts().sending, counts().sent), (1, 1));
            recorder.sent("b@x.example", "250 ok", "<b@x>");
            recorder.flush().unwrap();
            assert_eq!(
                (counts().queued, counts().sending, counts().sent),
                (1, 0, 2)
            );
            recorder.flush().unwrap();
            main.flush().unwrap();
        });
    }
}
