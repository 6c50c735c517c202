//! A lock on the state folder, so that two processes (cron firing while the
//! daemon is up, or an editor running `send` by hand) can never send at once.
//! `run`, the daemon's cycles and `send` all take it.
//!
//! It is an advisory file lock (`flock` on Unix, `LockFileEx` on Windows)
//! held on `state/newsletter.lock`. The operating system drops it when the
//! process exits, however it exits, so a crash never leaves a stale lock. The
//! holder writes its PID into the file so the loser can say who holds it.
//!
//! With a PostgreSQL ledger the processes may be on different machines, so
//! [`ProcessLock`] takes a lock in the database instead ([`DatabaseLock`]).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The lock file's name inside the state folder.
pub const LOCK_FILE: &str = "newsletter.lock";

#[derive(Debug, Error)]
pub enum LockError {
    #[error(
        "{path}: another newsletter process{} is sending or running a cycle, so this one stops rather than send twice\n  hint: wait for it to finish{}",
        pid.map(|p| format!(" (PID {p})")).unwrap_or_default(),
        pid.map(|p| format!(" (`ps -p {p}` shows it)")).unwrap_or_default()
    )]
    Held { path: PathBuf, pid: Option<u32> },
    #[error(
        "{target}: another newsletter process{} is sending or running a cycle on this ledger, so this one stops rather than send twice\n  hint: wait for it to finish; `newsletter send --worker` may run beside it",
        holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    HeldInDatabase {
        target: String,
        holder: Option<String>,
    },
    #[error("cannot take the state lock in the database")]
    Database(#[source] crate::ledger::LedgerError),
    #[error("{path}: cannot take the state lock: {source}\n  hint: check the [paths] state folder exists and is writable")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Takes the lock on `state_dir` without waiting: if another process
    /// holds it, fails with [`LockError::Held`] naming that process.
    pub fn acquire(state_dir: &Path) -> Result<StateLock, LockError> {
        let path = state_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        // Not truncated on open: the file may belong to the current holder,
        // whose PID the loser wants to read.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    pid: text.trim().parse().ok(),
                    path,
                });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StateLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Clear the PID first so nobody is blamed for a lock already released.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The lock that keeps two processes from running the same cycle: the state
/// folder's file lock for a SQLite ledger, a database lock for PostgreSQL.
pub enum ProcessLock {
    File(StateLock),
    Database(super::DatabaseLock),
}

impl ProcessLock {
    /// Takes the lock `config`'s ledger calls for, without waiting.
    pub fn acquire(config: &crate::config::Config) -> Result<ProcessLock, LockError> {
        match &config.ledger.url {
            None => StateLock::acquire(&config.paths.state).map(ProcessLock::File),
            Some(url) => {
                let ledger = super::Ledger::for_config(config).map_err(LockError::Database)?;
                super::DatabaseLock::acquire(ledger, &super::redact(url)).map(ProcessLock::Database)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_taker_is_refused_with_the_holders_pid_until_release() {
        let dir = tempfile::tempdir().unwrap();
        let held = StateLock::acquire(dir.path()).unwrap();
        match StateLock::acquire(dir.path()) {
            Err(LockError::Held { pid, path }) => {
                assert_eq!(pid, Some(std::process::id()));
                assert_eq!(path, dir.path().join(LOCK_FILE));
            }
            other => panic!("expected Held, got {other:?}"),
        }
        let shown = StateLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            shown.contains(&format!("PID {}", std::process::id())),
            "{shown}"
        );
        drop(held);
        let again = StateLock::acquire(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(again.path()).unwrap().trim(),
            std::process::id().to_string()
        );
    }

    #[test]
    fn the_process_lock_is_held_once_on_either_backend() {
        let schema = crate::ledger::testing::postgres_schema();
        let mut ledgers = vec![String::new()];
        if let Some(schema) = &schema {
            ledgers.push(format!("[ledger]\nurl = \"{}\"\n", schema.url));
        }
        for section in ledgers {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config.toml");
            std::fs::write(&path, format!("[newsletter]\nname = \"t\"\n{section}")).unwrap();
            let config = crate::config::Config::load(&path).unwrap();
            let held = ProcessLock::acquire(&config).unwrap();
            let refused = ProcessLock::acquire(&config).err();
            let shown = refused
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                matches!(
                    (&refused, section.is_empty()),
                    (Some(LockError::Held { .. }), true)
                        | (Some(LockError::HeldInDatabase { .. }), false)
                ),
                "{section}: {shown}"
            );
            drop(held);
            ProcessLock::acquire(&config).unwrap();
        }
    }
}
