//! The small layer that lets one set of ledger SQL run on SQLite and on
//! PostgreSQL: a value type both drivers can bind and read, a row of such
//! values, and [`Conn`], which adapts the SQL text to the backend.
//!
//! SQL is written once, in the portable dialect the two share, with SQLite's
//! `?N` placeholders. [`Conn`] rewrites, for PostgreSQL, `?N` to `$N` and
//! `INTEGER PRIMARY KEY` to an identity column; for SQLite it drops
//! `FOR UPDATE SKIP LOCKED` (a SQLite write transaction already has the
//! whole database to itself). Values are bound to the type PostgreSQL infers
//! for each parameter, so an integer fits an `INTEGER`, `BIGINT` or `BOOLEAN`
//! column alike.

use std::borrow::Cow;

use super::pg::PgConn;
use super::LedgerError;

/// Which database a ledger lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One SQL value, as bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The arguments of a statement: `args![issue, recipient]`.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::ledger::backend::Value::from($v)),*][..]
    };
}
pub(crate) use args;

/// A value read back as a Rust type.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(i64::from(*b)),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        u32::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromValue for usize {
    fn from_value(v: &Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        usize::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

impl Row {
    /// Column `i` as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, LedgerError> {
        let v = self.0.get(i).unwrap_or(&Value::Null);
        T::from_value(v).map_err(|e| LedgerError::Value(format!("column {i}: {e}")))
    }

    pub fn values(&self) -> &[Value] {
        &self.0
    }
}

/// An open connection to either backend.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(PgConn),
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs one statement; returns the number of rows it changed.
    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<usize, LedgerError> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&adapt(sql, Backend::Sqlite))?;
                Ok(stmt.execute(rusqlite::params_from_iter(args.iter()))?)
            }
            Conn::Postgres(p) => p.execute(sql, args),
        }
    }

    /// Runs one query and collects its rows.
    pub fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, LedgerError> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&adapt(sql, Backend::Sqlite))?;
                let width = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut values = Vec::with_capacity(width);
                    for i in 0..width {
                        values.push(from_sqlite(r.get_ref(i)?));
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
            Conn::Postgres(p) => p.query(sql, args),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&self, sql: &str, args: &[Value]) -> Result<Option<Row>, LedgerError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first row of a query that always returns one (an aggregate).
    pub fn query_one(&self, sql: &str, args: &[Value]) -> Result<Row, LedgerError> {
        self.query_opt(sql, args)?
            .ok_or_else(|| LedgerError::Value(format!("no row from {sql}")))
    }

    /// Runs several statements without parameters (schema, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), LedgerError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(&adapt(sql, Backend::Sqlite))?),
            Conn::Postgres(p) => p.batch(sql),
        }
    }

    /// Runs `f` in a transaction: committed if it returns Ok, rolled back otherwise.
    pub fn in_transaction<T>(
        &self,
        f: impl FnOnce(&Conn) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        self.batch(self.begin_sql())?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Starts a write transaction. SQLite's IMMEDIATE takes the write lock up
    /// front; on PostgreSQL a transaction-scoped advisory lock does the same
    /// job, so that two processes read-then-write (the next issue number, the
    /// next run) one after the other on both backends.
    pub fn begin_sql(&self) -> &'static str {
        match self {
            Conn::Sqlite(_) => "BEGIN IMMEDIATE",
            Conn::Postgres(_) => {
                "BEGIN; SELECT pg_advisory_xact_lock(hashtext(current_database() || '.' || current_schema() || ':writer'))"
            }
        }
    }

    /// Whether `table` has a column called `column` (for migrations of
    /// ledgers made before versioning).
    pub fn has_column(&self, table: &str, column: &str) -> Result<bool, LedgerError> {
        let sql = match self {
            Conn::Sqlite(_) => "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
            Conn::Postgres(_) => {
                "SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ?1 AND column_name = ?2"
            }
        };
        Ok(self.query_opt(sql, args![table, column])?.is_some())
    }
}

/// `sql` as `backend` wants it (see the module doc).
pub fn adapt(sql: &str, backend: Backend) -> Cow<'_, str> {
    match backend {
        Backend::Sqlite => {
            if sql.contains(" FOR UPDATE SKIP LOCKED") {
                Cow::Owned(sql.replace(" FOR UPDATE SKIP LOCKED", ""))
            } else {
                Cow::Borrowed(sql)
            }
        }
        Backend::Postgres => {
            let sql = sql.replace(
                "INTEGER PRIMARY KEY",
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            );
            let mut out = String::with_capacity(sql.len());
            let mut in_quote = false;
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    in_quote = !in_quote;
                }
                if c == '?' && !in_quote && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    out.push('$');
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_identity_columns_are_adapted_outside_quotes() {
        let sql = "INSERT INTO t (id, a) VALUES (?1, '?2') ON CONFLICT DO NOTHING -- ?3";
        assert_eq!(
            adapt(sql, Backend::Postgres),
            "INSERT INTO t (id, a) VALUES ($1, '?2') ON CONFLICT DO NOTHING -- $3"
        );
        assert_eq!(adapt(sql, Backend::Sqlite), sql);
        assert_eq!(
            adapt("id INTEGER PRIMARY KEY,", Backend::Postgres),
            "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        );
        assert_eq!(
            adapt(
                "SELECT a FROM t LIMIT 3 FOR UPDATE SKIP LOCKED)",
                Backend::Sqlite
            ),
            "SELECT a FROM t LIMIT 3)"
        );
    }

    #[test]
    fn values_read_back_as_the_rust_type_asked_for() {
        let row = Row(vec![
            Value::Int(3),
            Value::Null,
            Value::Text("x".into()),
            Value::Bool(true),
        ]);
        assert_eq!(row.get::<u32>(0).unwrap(), 3);
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "x");
        assert!(row.get::<bool>(3).unwrap());
        assert!(row.get::<i64>(2).is_err());
        assert_eq!(Value::from(Some("a")), Value::Text("a".into()));
        assert_eq!(Value::from(None::<u32>), Value::Null);
    }
}
