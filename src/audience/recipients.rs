//! Who a send delivers to: the CSV's readers plus the store's active readers
//! (those who subscribed through `serve` or were added by the editor), minus
//! every address the store holds as suppressed or unconfirmed, and minus the
//! rows the CSV itself marks. The send stage calls in here once per row and
//! once at the end of the list, and reports the counts kept here.

use std::collections::{HashMap, HashSet};
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

/// The store's verdicts for one send, loaded once before the list is read.
pub struct Recipients {
    withheld: HashMap<String, SubscriberStatus>,
    csv_marked: HashSet<String>,
    pub skipped: SkipCounts,
}

impl Recipients {
    pub fn load(ledger: &Ledger) -> Result<Recipients, LedgerError> {
        Ok(Recipients {
            withheld: ledger.withheld_subscribers()?,
            csv_marked: HashSet::new(),
            skipped: SkipCounts::default(),
        })
    }

    /// True when the reader with this (lower-cased) address must not get
    /// the issue; the reason is counted.
    pub fn withhold(&mut self, key: &str) -> bool {
        let Some(status) = self.withheld.get(key) else {
            return false;
        };
        match status {
            SubscriberStatus::Unsubscribed => self.skipped.unsubscribed += 1,
            SubscriberStatus::Bounced => self.skipped.bounced += 1,
            SubscriberStatus::Complained => self.skipped.complained += 1,
            SubscriberStatus::Unconfirmed => self.skipped.unconfirmed += 1,
            SubscriberStatus::Active => return false,
        }
        true
    }

    /// A row the CSV marks as unsubscribed: counted, and kept from the
    /// store's readers too (the editor's mark in the file is respected).
    pub fn csv_marked(&mut self, address: &str) {
        self.skipped.csv_marked += 1;
        self.csv_marked.insert(address.trim().to_lowercase());
    }

    /// The store's active readers, except those the CSV marks; the send
    /// enqueues them after the CSV (a reader in both gets one copy).
    pub fn store_readers(&self, ledger: &Ledger) -> Result<Vec<SubscriberRecord>, LedgerError> {
        Ok(ledger
            .subscribers_list(Some(SubscriberStatus::Active))?
            .into_iter()
            .filter(|r| !self.csv_marked.contains(&r.email))
            .collect())
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
