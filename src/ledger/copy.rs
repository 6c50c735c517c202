//! `newsletter ledger migrate --to postgres://…`: copies every table of a
//! SQLite ledger into another ledger (normally PostgreSQL).
//!
//! The copy is generic over tables, so tables other files add later are
//! copied too: every table the source has (except `schema_migrations`, which
//! the target keeps for itself) is read whole and inserted with `ON CONFLICT
//! DO NOTHING`, over the columns both sides have. Running it again adds only
//! rows the target lacks and never changes one it has, so it is safe to
//! repeat (for instance once more just before switching the config over).

use super::backend::{args, Backend, Value};
use super::{Ledger, LedgerError};

/// What was copied from one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    /// Rows in the source.
    pub read: usize,
    /// Rows the target did not have and now has.
    pub added: usize,
}

/// Copies `from` (a SQLite ledger) into `to`; returns the counts per table.
pub fn copy_ledger(from: &Ledger, to: &Ledger) -> Result<Vec<TableCopy>, LedgerError> {
    if from.backend() != Backend::Sqlite {
        return Err(LedgerError::Value(
            "only a SQLite ledger can be copied from".into(),
        ));
    }
    let tables: Vec<String> = from
        .conn
        .query(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
            args![],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    let mut copies = Vec::new();
    for table in tables {
        let source_columns = columns(from, &table)?;
        let target_columns = columns(to, &table)?;
        let shared: Vec<&String> = source_columns
            .iter()
            .filter(|c| target_columns.contains(c))
            .collect();
        if shared.is_empty() {
            continue;
        }
        let list = shared
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        let marks = (1..=shared.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = from
            .conn
            .query(&format!("SELECT {list} FROM {}", quote(&table)), args![])?;
        let insert = format!(
            "INSERT INTO {} ({list}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            quote(&table)
        );
        let added = to.conn.in_transaction(|tx| {
            let mut added = 0;
            for row in &rows {
                added += tx.execute(&insert, row.values())?;
            }
            Ok(added)
        })?;
        if to.backend() == Backend::Postgres {
            advance_identity(to, &table)?;
        }
        copies.push(TableCopy {
            table,
            read: rows.len(),
            added,
        });
    }
    Ok(copies)
}

/// The column names of `table` in `ledger`.
fn columns(ledger: &Ledger, table: &str) -> Result<Vec<String>, LedgerError> {
    let sql = match ledger.backend() {
        Backend::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    ledger
        .conn
        .query(sql, args![table])?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Moves an identity column's sequence past the ids just copied, so the
/// next row the database numbers does not collide with a copied one.
fn advance_identity(to: &Ledger, table: &str) -> Result<(), LedgerError> {
    let identity = to.conn.query(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 AND is_identity = 'YES'",
        args![table],
    )?;
    for row in identity {
        let column: String = row.get(0)?;
        to.conn.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence(?1, ?2), GREATEST((SELECT COALESCE(MAX({}), 0) FROM {}), 1))",
                quote(&column),
                quote(table)
            ),
            &[Value::Text(quote(table)), Value::Text(column.clone())],
        )?;
    }
    Ok(())
}

/// An identifier quoted for SQL (both backends use double quotes).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;
    use crate::audience::SubscriberStatus;

    #[test]
    fn a_sqlite_ledger_is_copied_once_however_often_it_is_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut source = Ledger::open(&dir.path().join("old.sqlite")).unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(source.issue_number_for(date).unwrap(), 1);
        let run = source.begin_delivery_run(1).unwrap();
        for i in 0..3 {
            let a = format!("r{i}@x.example");
            source
                .enqueue_delivery(1, run, &a, &a, "", "{}", i + 2)
                .unwrap();
        }
        source.mark_sending(1, "r0@x.example").unwrap();
        source
            .mark_sent(1, "r0@x.example", "250 ok", "<m>")
            .unwrap();
        source
            .set_subscriber_status("A@x.example", "A", SubscriberStatus::Active, "listed", "t")
            .unwrap();
        testing::each_backend(|open| {
            let mut target = open();
            let first = copy_ledger(&source, &target).unwrap();
            let find = |copies: &[TableCopy], t: &str| {
                copies.iter().find(|c| c.table == t).cloned().unwrap()
            };
            assert_eq!(find(&first, "deliveries").added, 3);
            assert_eq!(find(&first, "issues").added, 1);
            assert_eq!(find(&first, "subscriber_events").added, 1);
            let again = copy_ledger(&source, &target).unwrap();
            assert!(again.iter().all(|c| c.added == 0), "{again:?}");
            assert_eq!(find(&again, "deliveries").read, 3);
            let counts = target.delivery_counts(1, None).unwrap();
            assert_eq!((counts.sent, counts.queued), (1, 2));
            // The target numbers what comes next after what it was given.
            assert_eq!(target.latest_issue().unwrap(), Some(1));
            target
                .set_subscriber_status("A@x.example", "", SubscriberStatus::Unsubscribed, "u", "t")
                .unwrap();
            assert_eq!(target.subscriber_history("a@x.example").unwrap().len(), 2);
        });
    }
}
