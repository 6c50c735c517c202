//! The one writer of the subscriber store while `serve` runs: a thread that
//! owns the ledger connection and runs jobs sent to it over a channel, one
//! at a time. Concurrent requests queue here instead of racing for SQLite's
//! write lock, so none fails with "database is locked" and none loses an
//! update; another process (a send) is waited for in the busy timeout.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::SystemTime;

use tokio::sync::{mpsc, oneshot};

use crate::audience::SubscriberStatus;
use crate::config::Config;
use crate::ledger::{Ledger, StatusChange};

type Job = Box<dyn FnOnce(&mut Writer) + Send>;

/// A handle to the writer thread (cheap to share).
pub struct Store {
    jobs: mpsc::Sender<Job>,
}

/// What the writer thread owns.
pub struct Writer {
    ledger: Ledger,
    list: PathBuf,
    /// The CSV's addresses, reread when the file changes.
    listed: Option<(Option<SystemTime>, u64, HashSet<String>)>,
}

/// What a subscribe request led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// Send a confirmation link.
    Confirm,
    /// Already active: nothing to send (the answer page is the same).
    AlreadyActive,
}

/// What a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    Now,
    Already,
    /// The reader left (or was suppressed) after this link was issued: an
    /// old link must not undo a later unsubscribe.
    Stale,
}

impl Store {
    pub fn start(config: &Config) -> Result<Store, super::ServeError> {
        let ledger = Ledger::for_config(config)?;
        let mut writer = Writer {
            ledger,
            list: config.subscribers.file.clone(),
            listed: None,
        };
        let (jobs, mut rx) = mpsc::channel::<Job>(4096);
        std::thread::Builder::new()
            .name("subscriber-store".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    job(&mut writer);
                }
            })
            .map_err(|e| {
                super::ServeError::Runtime(format!("cannot start the store thread: {e}"))
            })?;
        Ok(Store { jobs })
    }

    /// Runs `f` on the writer thread and waits for its answer.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |w| {
                let _ = tx.send(f(w));
            }))
            .await
            .map_err(|_| "the subscriber store has stopped".to_string())?;
        rx.await
            .map_err(|_| "the subscriber store has stopped".to_string())?
    }
}

impl Writer {
    /// Unsubscribes (idempotent: a second request changes nothing).
    pub fn unsubscribe(&mut self, address: &str, reason: &str) -> Result<StatusChange, String> {
        self.ledger
            .set_subscriber_status(address, "", SubscriberStatus::Unsubscribed, reason, "serve")
            .map_err(|e| e.to_string())
    }

    /// Records a subscribe request. A new address is stored `unconfirmed`;
    /// an address in the CSV or already in the store keeps its status until
    /// the link is followed (so nobody can stop a reader's issues, or undo
    /// a complaint, by typing their address into the form).
    pub fn request(&mut self, address: &str, name: &str) -> Result<Requested, String> {
        let known = self.ledger.subscriber(address).map_err(|e| e.to_string())?;
        match known {
            Some(r) if r.status == SubscriberStatus::Active => Ok(Requested::AlreadyActive),
            Some(_) => Ok(Requested::Confirm),
            None if self.listed(address) => Ok(Requested::Confirm),
            None => {
                self.ledger
                    .set_subscriber_status(
                        address,
                        name,
                        SubscriberStatus::Unconfirmed,
                        "subscribe form",
                        "serve",
                    )
                    .map_err(|e| e.to_string())?;
                Ok(Requested::Confirm)
            }
        }
    }

    /// Confirms a subscription whose link was issued at `issued` (Unix seconds).
    pub fn confirm(&mut self, address: &str, issued: i64, name: &str) -> Result<Confirmed, String> {
        let known = self.ledger.subscriber(address).map_err(|e| e.to_string())?;
        if let Some(r) = &known {
            if r.status == SubscriberStatus::Active {
                return Ok(Confirmed::Already);
            }
            let changed = chrono::DateTime::parse_from_rfc3339(&r.changed_at)
                .map(|t| t.timestamp())
                .unwrap_or(0);
            if r.status.is_suppressed() && changed > issued {
                return Ok(Confirmed::Stale);
            }
        }
        self.ledger
            .set_subscriber_status(
                address,
                name,
                SubscriberStatus::Active,
                "confirmed subscription",
                "serve",
            )
            .map_err(|e| e.to_string())?;
        Ok(Confirmed::Now)
    }

    /// Whether the CSV lists this address (cached until the file changes).
    fn listed(&mut self, address: &str) -> bool {
        let meta = std::fs::metadata(&self.list).ok();
        let stamp = meta.as_ref().map(|m| (m.modified().ok(), m.len()));
        let fresh = matches!((&self.listed, stamp), (Some((t, n, _)), Some((mt, ml))) if *t == mt && *n == ml);
        if !fresh {
            let mut keys = HashSet::new();
            if let Ok(mut reader) = crate::send::subscribers::SubscriberReader::open(&self.list) {
                while let Some(row) = reader.next_row() {
                    match row {
                        crate::send::subscribers::Row::Subscriber(s) => {
                            keys.insert(s.key);
                        }
                        crate::send::subscribers::Row::Unsubscribed { address, .. } => {
                            keys.insert(address.trim().to_lowercase());
                        }
                        crate::send::subscribers::Row::Bad(_) => {}
                    }
                }
            }
            let (t, n) = stamp.unwrap_or((None, 0));
            self.listed = Some((t, n, keys));
        }
        self.listed
            .as_ref()
            .is_some_and(|(_, _, keys)| keys.contains(&address.trim().to_lowercase()))
    }
}
