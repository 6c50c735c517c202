//! Recording SMTP outcomes in the ledger with one transaction per message
//! instead of two. `sending` is committed before DATA, as always; a `sent`
//! mark (only ever written after the server's 250) is held in memory and
//! committed in the same transaction as the next `sending` of any worker, or
//! at the end of the run. A crash in between leaves such a row `sending`:
//! reported as ambiguous and not resent, never sent twice. At most one
//! message per connection is in that window.

use std::sync::{Arc, Mutex};

use crate::ledger::{Ledger, LedgerError};

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

/// The ledger of a run (none for a test send) and the sent marks it holds.
pub(super) struct Recorder {
    issue: u32,
    ledger: Option<Arc<Mutex<Ledger>>>,
    held: Mutex<Vec<SentMark>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Recorder {
    pub fn new(issue: u32, ledger: Option<Arc<Mutex<Ledger>>>) -> Recorder {
        Recorder {
            issue,
            ledger,
            held: Mutex::new(Vec::new()),
        }
    }

    /// Runs one ledger write now (nothing without a ledger).
    pub fn write(&self, f: impl FnOnce(&Ledger) -> Result<(), LedgerError>) -> Result<(), String> {
        match &self.ledger {
            None => Ok(()),
            Some(l) => f(&lock(l)).map_err(|e| e.to_string()),
        }
    }

    /// Runs `f` on the ledger itself, outside the held marks (a refusal
    /// recorded against the reader in the subscriber store); `None` without a ledger.
    pub fn with_ledger<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        self.ledger.as_ref().map(|l| f(&mut lock(l)))
    }

    /// Commits `recipient` as `sending`, together with the held sent marks,
    /// before returning. On failure nothing is written and the marks stay held.
    pub fn sending(&self, recipient: &str) -> Result<(), Sending> {
        let Some(l) = &self.ledger else {
            return Ok(());
        };
        let held = std::mem::take(&mut *lock(&self.held));
        let ledger = lock(l);
        if held.is_empty() {
            return Ok(ledger.mark_sending(self.issue, recipient)?);
        }
        let result = self
            .commit(&ledger, &held)
            .and_then(|()| ledger.mark_sending(self.issue, recipient))
            .and_then(|()| ledger.commit());
        if let Err(e) = result {
            let _ = ledger.rollback();
            lock(&self.held).extend(held);
            return Err(e.into());
        }
        Ok(())
    }

    /// Holds a sent mark until the next write (or [`Recorder::flush`]).
    pub fn sent(&self, recipient: &str, reply: &str, message_id: &str) {
        if self.ledger.is_some() {
            lock(&self.held).push(SentMark {
                recipient: recipient.to_string(),
                reply: reply.to_string(),
                message_id: message_id.to_string(),
            });
        }
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
        let ledger = lock(l);
        let result = self.commit(&ledger, &held).and_then(|()| ledger.commit());
        if let Err(e) = result {
            let _ = ledger.rollback();
            lock(&self.held).extend(held);
            return Err(e.to_string());
        }
        Ok(())
    }

    /// Opens a transaction and writes `held` into it.
    fn commit(&self, ledger: &Ledger, held: &[SentMark]) -> Result<(), LedgerError> {
        // A plain transaction: the workers' writes to their own rows need
        // no writer lock (unlike enqueueing, see `Ledger::begin`).
        ledger.begin_rows()?;
        for m in held {
            ledger.mark_sent(self.issue, &m.recipient, &m.reply, &m.message_id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_marks_are_committed_with_the_next_sending_or_the_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        let ledger = Ledger::open(&path).unwrap();
        let run = ledger.begin_delivery_run(1).unwrap();
        for r in ["a@x.example", "b@x.example", "c@x.example"] {
            ledger.enqueue_delivery(1, run, r, r, "", "{}", 2).unwrap();
        }
        let recorder = Recorder::new(1, Some(Arc::new(Mutex::new(ledger))));
        // Another connection sees only what is committed.
        let other = Ledger::open(&path).unwrap();
        let counts = || other.delivery_counts(1, None).unwrap();

        recorder.sending("a@x.example").unwrap();
        assert_eq!(counts().sending, 1);
        recorder.sent("a@x.example", "250 ok", "<a@x>");
        // Held: a crash now would leave `a` ambiguous, never resent.
        assert_eq!((counts().sending, counts().sent), (1, 0));
        recorder.sending("b@x.example").unwrap();
        assert_eq!((counts().sending, counts().sent), (1, 1));
        recorder.sent("b@x.example", "250 ok", "<b@x>");
        recorder.flush().unwrap();
        assert_eq!(
            (counts().queued, counts().sending, counts().sent),
            (1, 0, 2)
        );
        recorder.flush().unwrap();
    }
}
