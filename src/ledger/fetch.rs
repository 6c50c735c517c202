//! What `fetch` remembers between runs: the validators (ETag,
//! Last-Modified) of every URL it fetched, so an unchanged feed costs a 304,
//! and every item it met, so an item is saved once and a failed page is
//! retried on the next run.
//!
//! SQL here is kept portable to PostgreSQL (`ON CONFLICT`, text timestamps).

use super::backend::args;
use super::migrate::Migration;
use super::{Ledger, LedgerError};

pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql("fetch-1", SCHEMA)];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fetch_validators (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    checked_at    TEXT NOT NULL
);
-- key is the item's identity (feed GUID, or its canonical URL); url the
-- canonical URL of its page, so the same page carried by two feeds is saved once.
CREATE TABLE IF NOT EXISTS fetch_items (
    key         TEXT PRIMARY KEY,
    url         TEXT,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('saved', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    file        TEXT,
    first_seen  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fetch_items_url ON fetch_items (url);
";

/// The validators a server sent with a URL's last full response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the ledger knows of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    /// Saved into the inbox (as this file).
    Saved,
    /// Its page failed this many runs in a row.
    Failed { attempts: u32 },
}

impl Ledger {
    /// The validators stored for `url`, if any.
    pub fn fetch_validators(&self, url: &str) -> Result<Option<Validators>, LedgerError> {
        self.conn
            .query_opt(
                "SELECT etag, last_modified FROM fetch_validators WHERE url = ?1",
                args![url],
            )?
            .map(|r| {
                Ok(Validators {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                })
            })
            .transpose()
    }

    /// Stores the validators of a full response for `url` (`at`: RFC 3339 UTC).
    pub fn record_validators(
        &self,
        url: &str,
        validators: &Validators,
        at: &str,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO fetch_validators (url, etag, last_modified, checked_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,
                 last_modified = excluded.last_modified, checked_at = excluded.checked_at",
            args![url, validators.etag.as_deref(), validators.last_modified.as_deref(), at],
        )?;
        Ok(())
    }

    /// The state of the item with this key, or of any item saved from the same
    /// canonical page URL.
    pub fn fetch_item(
        &self,
        key: &str,
        url: Option<&str>,
    ) -> Result<Option<ItemState>, LedgerError> {
        let found: Option<(String, u32)> = self
            .conn
            .query_opt(
                "SELECT status, attempts FROM fetch_items WHERE key = ?1",
                args![key],
            )?
            .map(|r| Ok::<_, LedgerError>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        if let Some((status, attempts)) = found {
            if status == "saved" {
                return Ok(Some(ItemState::Saved));
            }
            if let Some(url) = url {
                if self.fetch_url_saved(url)? {
                    return Ok(Some(ItemState::Saved));
                }
            }
            return Ok(Some(ItemState::Failed { attempts }));
        }
        match url {
            Some(url) if self.fetch_url_saved(url)? => Ok(Some(ItemState::Saved)),
            _ => Ok(None),
        }
    }

    fn fetch_url_saved(&self, url: &str) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .query_opt(
                "SELECT 1 FROM fetch_items WHERE url = ?1 AND status = 'saved'",
                args![url],
            )?
            .is_some())
    }

    /// Records that an item was written into the inbox as `file`.
    pub fn record_item_saved(
        &self,
        key: &str,
        url: Option<&str>,
        source: &str,
        file: &str,
        at: &str,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO fetch_items (key, url, source, status, attempts, file, first_seen, updated_at)
             VALUES (?1, ?2, ?3, 'saved', 0, ?4, ?5, ?5)
             ON CONFLICT (key) DO UPDATE SET status = 'saved', url = excluded.url,
                 file = excluded.file, last_error = NULL, updated_at = excluded.updated_at",
            args![key, url, source, file, at],
        )?;
        Ok(())
    }

    /// Records a failed page fetch for an item; returns the attempts so far.
    pub fn record_item_failed(
        &self,
        key: &str,
        url: Option<&str>,
        source: &str,
        error: &str,
        at: &str,
    ) -> Result<u32, LedgerError> {
        self.conn.execute(
            "INSERT INTO fetch_items (key, url, source, status, attempts, last_error, first_seen, updated_at)
             VALUES (?1, ?2, ?3, 'failed', 1, ?4, ?5, ?5)
             ON CONFLICT (key) DO UPDATE SET attempts = fetch_items.attempts + 1,
                 last_error = excluded.last_error, updated_at = excluded.updated_at",
            args![key, url, source, error, at],
        )?;
        self.conn
            .query_one(
                "SELECT attempts FROM fetch_items WHERE key = ?1",
                args![key],
            )?
            .get(0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    const AT: &str = "2026-12-01T07:00:00Z";

    #[test]
    fn validators_and_items_survive_a_reopen() {
        testing::each_backend(|open| {
            let ledger = open();
            assert_eq!(
                ledger.fetch_validators("https://a.example/f").unwrap(),
                None
            );
            let v = Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            };
            ledger
                .record_validators("https://a.example/f", &v, AT)
                .unwrap();
            let v2 = Validators {
                etag: Some("\"v2\"".into()),
                last_modified: Some("Tue, 01 Dec 2026 07:00:00 GMT".into()),
            };
            ledger
                .record_validators("https://a.example/f", &v2, AT)
                .unwrap();

            let page = Some("https://a.example/story");
            assert_eq!(
                ledger
                    .record_item_failed("g1", page, "A", "HTTP 503", AT)
                    .unwrap(),
                1
            );
            assert_eq!(
                ledger
                    .record_item_failed("g1", page, "A", "HTTP 503", AT)
                    .unwrap(),
                2
            );
            assert_eq!(
                ledger.fetch_item("g1", page).unwrap(),
                Some(ItemState::Failed { attempts: 2 })
            );
            ledger
                .record_item_saved("g1", page, "A", "a.html", AT)
                .unwrap();
            drop(ledger);

            let ledger = open();
            assert_eq!(
                ledger.fetch_validators("https://a.example/f").unwrap(),
                Some(v2)
            );
            assert_eq!(
                ledger.fetch_item("g1", None).unwrap(),
                Some(ItemState::Saved)
            );
            // Another feed's item with the same page is the same article.
            assert_eq!(
                ledger.fetch_item("other", page).unwrap(),
                Some(ItemState::Saved)
            );
            assert_eq!(
                ledger
                    .fetch_item("new", Some("https://a.example/x"))
                    .unwrap(),
                None
            );
        });
    }
}
