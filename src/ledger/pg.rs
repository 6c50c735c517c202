//! The PostgreSQL connection behind a [`Ledger`](super::Ledger).
//!
//! The synchronous `postgres` client drives its own small tokio runtime and
//! panics if it is used from a thread that is already inside one, which is
//! where the send loop calls the ledger from. So the client lives on a
//! dedicated thread of its own and every call is a message to it: the caller
//! blocks on a plain channel (exactly as it blocks on SQLite's file I/O
//! today), whatever runtime it is or is not in. The thread also keeps the
//! prepared statements, so each statement is parsed once per connection.

use std::collections::HashMap;
use std::sync::mpsc;

use postgres::types::{ToSql, Type};

use super::backend::{adapt, Backend, Row, Value};
use super::LedgerError;

type Call = Box<dyn FnOnce(&mut Session) + Send>;

struct Session {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Session {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let prepared = self.client.prepare(&adapt(sql, Backend::Postgres));
        let prepared = prepared.inspect_err(|e| {
            tracing::debug!(sql, error = %e, "PostgreSQL could not prepare a ledger statement");
        })?;
        self.statements.insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }
}

/// A handle on the connection thread; dropping it closes the connection
/// (which also releases every advisory lock the session held).
pub struct PgConn {
    calls: Option<mpsc::Sender<Call>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Kept to open further sessions on the same database ([`PgConn::another`]);
    /// boxed, as it is large beside the rest.
    config: Box<postgres::Config>,
    /// The URL without its password, for messages.
    target: String,
}

impl PgConn {
    /// Connects with `config` on a new thread; `target` names the database in messages.
    pub fn connect(config: postgres::Config, target: String) -> Result<PgConn, ConnectError> {
        let (calls, inbox) = mpsc::channel::<Call>();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let kept = Box::new(config.clone());
        let thread = std::thread::Builder::new()
            .name("ledger-postgres".into())
            .spawn(move || match config.connect(postgres::NoTls) {
                Ok(client) => {
                    let _ = ready_tx.send(Ok(()));
                    let mut session = Session {
                        client,
                        statements: HashMap::new(),
                    };
                    for call in inbox {
                        call(&mut session);
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            });
        let thread = thread.map_err(|e| ConnectError::Thread(e.to_string()))?;
        match ready.recv() {
            Ok(Ok(())) => Ok(PgConn {
                calls: Some(calls),
                thread: Some(thread),
                config: kept,
                target,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(ConnectError::Db(e))
            }
            Err(_) => Err(ConnectError::Thread(
                "the connection thread ended before connecting".into(),
            )),
        }
    }

    /// A second session on the same database, with the same settings.
    pub fn another(&self) -> Result<PgConn, ConnectError> {
        PgConn::connect((*self.config).clone(), self.target.clone())
    }

    /// The database's URL without its password.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Runs `f` on the connection thread and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let calls = self.calls.as_ref().ok_or(LedgerError::Closed)?;
        calls
            .send(Box::new(move |s: &mut Session| {
                let _ = tx.send(f(s));
            }))
            .map_err(|_| LedgerError::Closed)?;
        rx.recv()
            .map_err(|_| LedgerError::Closed)?
            .map_err(LedgerError::from)
    }

    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<usize, LedgerError> {
        let sql = sql.to_string();
        let args = args.to_vec();
        let n = self.call(move |s| {
            let stmt = s.statement(&sql)?;
            let bound = bind_all(&args, stmt.params());
            s.client.execute(&stmt, &refs(&bound))
        })?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, LedgerError> {
        let sql = sql.to_string();
        let args = args.to_vec();
        let rows = self.call(move |s| {
            let stmt = s.statement(&sql)?;
            let bound = bind_all(&args, stmt.params());
            s.client.query(&stmt, &refs(&bound))
        })?;
        rows.iter().map(read_row).collect()
    }

    pub fn batch(&self, sql: &str) -> Result<(), LedgerError> {
        let sql = adapt(sql, Backend::Postgres).into_owned();
        self.call(move |s| s.client.batch_execute(&sql))
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, which drops the client.
        self.calls.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{}", super::pg_detail(.0))]
    Db(postgres::Error),
    #[error("cannot start the connection thread: {0}")]
    Thread(String),
}

type Bound = Box<dyn ToSql + Sync + Send>;

fn refs(bound: &[Bound]) -> Vec<&(dyn ToSql + Sync)> {
    bound
        .iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn bind_all(args: &[Value], types: &[Type]) -> Vec<Bound> {
    args.iter()
        .zip(types.iter().chain(std::iter::repeat(&Type::TEXT)))
        .map(|(v, t)| bind(v, t))
        .collect()
}

/// `v` as the Rust type PostgreSQL expects for a parameter of type `ty`.
/// A value that does not fit is passed as text, so the server reports it.
fn bind(v: &Value, ty: &Type) -> Bound {
    match (v, ty) {
        (Value::Null, &Type::INT2) => Box::new(None::<i16>),
        (Value::Null, &Type::INT4) => Box::new(None::<i32>),
        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
        (Value::Null, &Type::BOOL) => Box::new(None::<bool>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Int(i), &Type::INT2) => Box::new(i16::try_from(*i).unwrap_or(i16::MAX)),
        (Value::Int(i), &Type::INT4) => Box::new(i32::try_from(*i).unwrap_or(i32::MAX)),
        (Value::Int(i), &Type::INT8) => Box::new(*i),
        (Value::Int(i), &Type::BOOL) => Box::new(*i != 0),
        (Value::Int(i), _) => Box::new(i.to_string()),
        (Value::Bool(b), &Type::BOOL) => Box::new(*b),
        (Value::Bool(b), &Type::INT2) => Box::new(i16::from(*b)),
        (Value::Bool(b), &Type::INT4) => Box::new(i32::from(*b)),
        (Value::Bool(b), &Type::INT8) => Box::new(i64::from(*b)),
        (Value::Bool(b), _) => Box::new(b.to_string()),
        (Value::Text(s), _) => Box::new(s.clone()),
    }
}

fn read_row(row: &postgres::Row) -> Result<Row, LedgerError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let v = match *column.type_() {
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
            _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}
