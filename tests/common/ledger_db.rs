//! Which ledger a test project uses: the SQLite file in its state folder,
//! or, when `NEWSLETTER_TEST_LEDGER=postgres`, a fresh PostgreSQL database
//! on the server `NEWSLETTER_TEST_POSTGRES` names. `.ci/run` runs the test
//! files whose subject is the ledger's promises a second time that way, so
//! the same assertions hold on both backends.
#![allow(dead_code)]

use std::path::Path;

use newsletter::ledger::Ledger;

/// Set to `postgres` to put every test project's ledger in PostgreSQL.
pub const LEDGER_ENV: &str = "NEWSLETTER_TEST_LEDGER";
/// The PostgreSQL server for tests (`.ci/setup.d/40-postgres.sh` starts one).
pub const POSTGRES_ENV: &str = "NEWSLETTER_TEST_POSTGRES";

/// A database of its own on the test server, dropped at the end.
pub struct Database {
    base: String,
    name: String,
    pub url: String,
}

impl Database {
    pub fn new() -> Database {
        let base = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
            panic!("{POSTGRES_ENV} names the PostgreSQL server to test against")
        });
        let name = format!("e2e_{:016x}", fastrand::u64(..));
        let mut admin = postgres::Client::connect(&base, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base}: cannot connect: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.set_path(&name);
        Database {
            base,
            name,
            url: url.to_string(),
        }
    }

    /// One number from the ledger.
    pub fn count(&self, sql: &str) -> i64 {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        c.query_one(sql, &[]).unwrap().get(0)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Appends a `[ledger]` section naming `db` (and `extra` keys) to `config`.
pub fn append_ledger(config: &Path, db: &Database, extra: &str) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!("\n[ledger]\nurl = \"{}\"\n{extra}", db.url));
    std::fs::write(config, text).unwrap();
}

/// A test project's ledger, as the environment asks for it.
pub struct TestLedger {
    /// The PostgreSQL database, when the run asks for one; kept for the test's length.
    pub db: Option<Database>,
}

impl TestLedger {
    /// Points the project whose config is `config` at a fresh PostgreSQL
    /// database when `NEWSLETTER_TEST_LEDGER=postgres`; otherwise leaves it
    /// on its SQLite file. Call it after the config's last section.
    pub fn for_config(config: &Path) -> TestLedger {
        let db = match std::env::var(LEDGER_ENV).ok().as_deref() {
            None | Some("") | Some("sqlite") => None,
            Some("postgres") => Some(Database::new()),
            Some(other) => panic!("{LEDGER_ENV}={other}: expected sqlite or postgres"),
        };
        if let Some(db) = &db {
            append_ledger(config, db, "");
        }
        TestLedger { db }
    }

    /// Opens the ledger of the project in `root`, as the binary would.
    pub fn open(&self, root: &Path) -> Ledger {
        match &self.db {
            Some(db) => Ledger::open_postgres(&db.url, None).unwrap(),
            None => Ledger::open(&root.join("state/newsletter.sqlite")).unwrap(),
        }
    }
}
