//! Who a send delivers to: the CSV's readers plus the store's active readers
//! (those who subscribed through `serve` or were added by the editor), minus
//! every address the store holds as suppressed or unconfirmed, and minus the
//! rows the CSV itself marks. The send stage calls in here once per row and
//! once at the end of the list, and reports the counts kept here.

use std::collections::HashSet;
use std::fmt;

use crate::ledger::{Ledger, LedgerError, SubscriberRecord};

use super::SubscriberStatus;

/// How many readers a send skipped, and why.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SkipCounts {
    pub unsubscribed: usize,
    pub bounced: usize,
    pub complained: usize,
    pub unconfirmed: usize,
    /// Marked in the CSV's own `unsubscribed` or `status` column.
    pub csv_marked: usize,
    /// Rows that are not a usable address.
    pub invalid: usize,
}

impl SkipCounts {
    /// Skipped because of the store (not the CSV).
    pub fn by_store(&self) -> usize {
        self.unsubscribed + self.bounced + self.complained + self.unconfirmed
    }

    pub fn total(&self) -> usize {
        self.by_store() + self.csv_marked + self.invalid
    }
}

impl fmt::Display for SkipCounts {
    /// `3 unsubscribed, 1 bounced, 0 complained, 2 unconfirmed, 1 CSV-marked, 0 invalid`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} unsubscribed, {} bounced, {} complained, {} unconfirmed, {} CSV-marked, {} invalid",
            self.unsubscribed,
            self.bounced,
            self.complained,
            self.unconfirmed,
            self.csv_marked,
            self.invalid
        )
    }
}

/// The store's verdicts for one send: asked row by row (an indexed lookup
/// each), so memory stays flat however large the store is; only the
/// addresses the CSV itself marks are remembered.
#[derive(Default)]
pub struct Recipients {
    csv_marked: HashSet<String>,
    pub skipped: SkipCounts,
}

impl Recipients {
    pub fn new() -> Recipients {
        Recipients::default()
    }

    /// True when the reader with this (lower-cased) address must not get
    /// the issue; the reason is counted.
    pub fn withhold(&mut self, ledger: &Ledger, key: &str) -> Result<bool, LedgerError> {
        let Some(status) = ledger.subscriber_status(key)? else {
            return Ok(false);
        };
        match status {
            SubscriberStatus::Unsubscribed => self.skipped.unsubscribed += 1,
            SubscriberStatus::Bounced => self.skipped.bounced += 1,
            SubscriberStatus::Complained => self.skipped.complained += 1,
            SubscriberStatus::Unconfirmed => self.skipped.unconfirmed += 1,
            SubscriberStatus::Active => return Ok(false),
        }
        Ok(true)
    }

    /// A row the CSV marks as unsubscribed: counted, and kept from the
    /// store's readers too (the editor's mark in the file is respected).
    pub fn csv_marked(&mut self, address: &str) {
        self.skipped.csv_marked += 1;
        self.csv_marked.insert(address.trim().to_lowercase());
    }

    /// Calls `f` with each of the store's active readers, except those the
    /// CSV marks; the send enqueues them after the CSV (a reader in both
    /// gets one copy).
    pub fn for_each_store_reader(
        &self,
        ledger: &Ledger,
        mut f: impl FnMut(&SubscriberRecord) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        ledger.for_each_active_subscriber(|r| {
            if self.csv_marked.contains(&r.email) {
                Ok(())
            } else {
                f(&r)
            }
        })
    }
}

/// `check`: addresses still in the CSV that the store suppresses (each once,
/// with its line and status), so the editor can tidy the file.
pub fn suppressed_in_list(
    ledger: &Ledger,
    list: &std::path::Path,
) -> Result<Vec<(usize, String, SubscriberStatus)>, crate::send::SendError> {
    use crate::send::subscribers::{Row, SubscriberReader};
    let withheld = ledger.withheld_subscribers()?;
    let mut found = Vec::new();
    if withheld.is_empty() {
        return Ok(found);
    }
    let mut reader = SubscriberReader::open(list)?;
    while let Some(row) = reader.next_row() {
        if let Row::Subscriber(s) = row {
            if let Some(status) = withheld.get(&s.key) {
                if status.is_suppressed() {
                    found.push((s.line, s.address, *status));
                }
            }
        }
    }
    Ok(found)
}
