//! Runs a ledger test on every backend: SQLite always, and PostgreSQL when
//! `NEWSLETTER_TEST_POSTGRES` names a server (`.ci/setup.d/40-postgres.sh`
//! starts one), each test in a fresh schema of its own.

use super::Ledger;

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "NEWSLETTER_TEST_POSTGRES";

/// Calls `test` once per backend with a function that opens (and reopens)
/// the same empty ledger.
pub fn each_backend(test: impl Fn(&dyn Fn() -> Ledger)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.sqlite");
    test(&|| Ledger::open(&path).unwrap());
    match postgres_schema() {
        Some(schema) => {
            let url = schema.url.clone();
            test(&|| Ledger::open_postgres(&url, None).unwrap());
        }
        None => eprintln!("skipping the PostgreSQL run: {POSTGRES_ENV} is not set"),
    }
}

/// A schema made for one test, dropped when the test ends.
pub struct TestSchema {
    /// The server URL with `search_path` set to the schema.
    pub url: String,
    base: String,
    name: String,
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// A fresh schema on the test server, if one is configured.
pub fn postgres_schema() -> Option<TestSchema> {
    let base = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty())?;
    let name = format!("t_{:016x}", fastrand::u64(..));
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base}: cannot connect: {e}"));
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(TestSchema {
        url: format!("{base}{sep}options=-c%20search_path%3D{name}"),
        base,
        name,
    })
}
