//! The editor's side of the store (`newsletter subscribers`): importing a
//! list and exporting the store as CSV (the GDPR export).

use std::io::Write;
use std::path::Path;

use crate::ledger::{Ledger, StatusChange, SubscriberRecord};
use crate::problem::Problem;
use crate::send::subscribers::{Row, SubscriberReader};
use crate::send::SendError;

use super::SubscriberStatus;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// New in the store, as active.
    pub added: usize,
    /// Already in the store, now active (they had not confirmed yet).
    pub activated: usize,
    /// Already active: nothing written.
    pub unchanged: usize,
    /// Marked unsubscribed in the file, recorded as such.
    pub unsubscribed: usize,
    /// Suppressed in the store (unsubscribed, bounced, complained): an
    /// import never undoes that; only the reader's own confirmation does.
    pub kept_suppressed: usize,
    /// Rows that could not be read, with their file and line.
    pub problems: Vec<Problem>,
}

/// Imports a CSV with the same columns as `subscribers.csv`.
pub fn import(ledger: &mut Ledger, path: &Path) -> Result<ImportReport, SendError> {
    let mut reader = SubscriberReader::open(path)?;
    let mut report = ImportReport::default();
    let origin = format!("subscribers import {}", path.display());
    while let Some(row) = reader.next_row() {
        match row {
            Row::Bad(problem) => report.problems.push(problem),
            Row::Unsubscribed { address, .. } => {
                ledger.set_subscriber_status(
                    &address,
                    "",
                    SubscriberStatus::Unsubscribed,
                    "marked unsubscribed in an imported list",
                    &origin,
                )?;
                report.unsubscribed += 1;
            }
            Row::Subscriber(s) => {
                let known = ledger.subscriber(&s.address)?;
                if known.as_ref().is_some_and(|r| r.status.is_suppressed()) {
                    report.kept_suppressed += 1;
                    continue;
                }
                match ledger.set_subscriber_status(
                    &s.address,
                    &s.name,
                    SubscriberStatus::Active,
                    "imported by the editor",
                    &origin,
                )? {
                    StatusChange::Added => report.added += 1,
                    StatusChange::Changed(_) => report.activated += 1,
                    StatusChange::Unchanged => report.unchanged += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Writes `email,name,status,changed,created` rows (properly quoted).
pub fn export_csv(records: &[SubscriberRecord], out: impl Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["email", "name", "status", "changed", "created"])?;
    for r in records {
        writer.write_record([
            r.address.as_str(),
            r.name.as_str(),
            r.status.as_str(),
            r.changed_at.as_str(),
            r.created_at.as_str(),
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_adds_reports_bad_rows_and_never_undoes_a_suppression() {
        crate::ledger::testing::each_backend(|open| {
            let dir = tempfile::tempdir().unwrap();
            let mut ledger = open();
            ledger
                .set_subscriber_status(
                    "gone@example.com",
                    "",
                    SubscriberStatus::Bounced,
                    "5.1.1",
                    "test",
                )
                .unwrap();
            let list = dir.path().join("import.csv");
            std::fs::write(
            &list,
            "email,name,unsubscribed\nann@example.com,Ann,\nnot-an-address,X,\ngone@example.com,G,\nbob@example.com,Bob,yes\n",
        )
        .unwrap();
            let report = import(&mut ledger, &list).unwrap();
            assert_eq!(report.added, 1);
            assert_eq!(report.kept_suppressed, 1);
            assert_eq!(report.unsubscribed, 1);
            assert_eq!(report.problems.len(), 1);
            let shown = report.problems[0].to_string();
            assert!(shown.contains("import.csv:3"), "{shown}");
            assert_eq!(
                ledger
                    .subscriber("gone@example.com")
                    .unwrap()
                    .unwrap()
                    .status,
                SubscriberStatus::Bounced
            );
            let again = import(&mut ledger, &list).unwrap();
            assert_eq!((again.added, again.unchanged), (0, 1));

            let mut out = Vec::new();
            export_csv(&ledger.subscribers_list(None).unwrap(), &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.starts_with("email,name,status,changed"), "{text}");
            assert!(text.contains("ann@example.com,Ann,active,"), "{text}");
            assert!(text.contains("bob@example.com,,unsubscribed,"), "{text}");
        });
    }
}
