//! Which intro and which Data Drill data each issue carried, by digest, so
//! that an undated `content/intro.md` or data file left in place goes out
//! once and is never repeated in the next issue, and so that a rebuild of an
//! issue keeps its own intro and chart even after the files were replaced.
//!
//! The text itself is kept too (intros and chart CSVs are small): a rebuild
//! of Tuesday's issue after the editor wrote Thursday's intro into the same
//! file still shows Tuesday's words.
//!
//! SQL here is kept portable to PostgreSQL (`ON CONFLICT`, text timestamps).

use chrono::{SecondsFormat, Utc};

use super::backend::args;
use super::migrate::Migration;
use super::{Ledger, LedgerError};

pub(super) const MIGRATIONS: &[Migration] = &[Migration::sql("editorial-1", SCHEMA)];

const SCHEMA: &str = "
-- kind: 'intro' or 'data'. generated: 1 when the issue had no intro written
-- for it and got an opening made from its stories (never blocks a file).
-- source: the file, relative to the project folder ('' when generated).
-- digest: of the normalised text (intro) or the parsed series (data).
CREATE TABLE IF NOT EXISTS issue_editorial (
    issue       INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('intro', 'data')),
    generated   INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    body        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (issue, kind)
);
CREATE INDEX IF NOT EXISTS issue_editorial_digest ON issue_editorial (kind, digest);
";

/// The two kinds of editor-supplied content an issue carries once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorialKind {
    Intro,
    Data,
}

impl EditorialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EditorialKind::Intro => "intro",
            EditorialKind::Data => "data",
        }
    }
}

/// What one issue carried of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorialRecord {
    pub issue: u32,
    pub kind: EditorialKind,
    pub generated: bool,
    pub source: String,
    pub digest: String,
    pub body: String,
}

impl Ledger {
    /// What issue `issue` carried of `kind`, if it was built with one.
    pub fn editorial_for(
        &self,
        issue: u32,
        kind: EditorialKind,
    ) -> Result<Option<EditorialRecord>, LedgerError> {
        let Some(r) = self.conn.query_opt(
            "SELECT generated, source, digest, body FROM issue_editorial WHERE issue = ?1 AND kind = ?2",
            args![issue, kind.as_str()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(EditorialRecord {
            issue,
            kind,
            generated: r.get(0)?,
            source: r.get(1)?,
            digest: r.get(2)?,
            body: r.get(3)?,
        }))
    }

    /// The lowest-numbered issue other than `except` that carried this
    /// editor-written content (generated openings never count).
    pub fn editorial_carrier(
        &self,
        kind: EditorialKind,
        digest: &str,
        except: u32,
    ) -> Result<Option<u32>, LedgerError> {
        self.conn
            .query_one(
                "SELECT MIN(issue) FROM issue_editorial WHERE kind = ?1 AND digest = ?2 AND generated = 0 AND issue <> ?3",
                args![kind.as_str(), digest, except],
            )?
            .get(0)
    }

    /// Records what an issue carried, replacing an earlier build's record.
    pub fn record_editorial(&self, record: &EditorialRecord) -> Result<(), LedgerError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        self.conn.execute(
            "INSERT INTO issue_editorial (issue, kind, generated, source, digest, body, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (issue, kind) DO UPDATE SET
                generated = excluded.generated, source = excluded.source,
                digest = excluded.digest, body = excluded.body, recorded_at = excluded.recorded_at",
            args![
                record.issue,
                record.kind.as_str(),
                i64::from(record.generated),
                &record.source,
                &record.digest,
                &record.body,
                now
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    fn record(issue: u32, generated: bool, digest: &str) -> EditorialRecord {
        EditorialRecord {
            issue,
            kind: EditorialKind::Intro,
            generated,
            source: "content/intro.md".into(),
            digest: digest.into(),
            body: format!("text {digest}"),
        }
    }

    #[test]
    fn records_replace_per_issue_and_carriers_exclude_the_asking_issue() {
        testing::each_backend(|open| {
            let ledger = open();
            ledger.record_editorial(&record(1, false, "aaa")).unwrap();
            assert_eq!(
                ledger
                    .editorial_carrier(EditorialKind::Intro, "aaa", 2)
                    .unwrap(),
                Some(1)
            );
            assert_eq!(
                ledger
                    .editorial_carrier(EditorialKind::Intro, "aaa", 1)
                    .unwrap(),
                None,
                "an issue does not block itself"
            );
            assert_eq!(
                ledger
                    .editorial_carrier(EditorialKind::Data, "aaa", 2)
                    .unwrap(),
                None,
                "kinds are apart"
            );
            // A rebuild with other text replaces the record.
            ledger.record_editorial(&record(1, false, "bbb")).unwrap();
            assert_eq!(
                ledger
                    .editorial_carrier(EditorialKind::Intro, "aaa", 2)
                    .unwrap(),
                None
            );
            let got = ledger
                .editorial_for(1, EditorialKind::Intro)
                .unwrap()
                .unwrap();
            assert_eq!(got.digest, "bbb");
            assert_eq!(got.body, "text bbb");
            // Generated openings never block anything.
            ledger.record_editorial(&record(2, true, "ccc")).unwrap();
            assert_eq!(
                ledger
                    .editorial_carrier(EditorialKind::Intro, "ccc", 3)
                    .unwrap(),
                None
            );
        });
    }
}
