//! Several senders sharing one list through a PostgreSQL ledger, end to end:
//! real `newsletter` processes, a real PostgreSQL (`.ci/setup.d/40-postgres.sh`
//! starts one and exports NEWSLETTER_TEST_POSTGRES) and aiosmtpd storing
//! every message it accepts. Each test gets a database of its own.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::ledger_db::{self, Database};
use common::sample::sample_project;
use common::store_server::{store_server, stored_counts};

const SECRET_ENV: &str = "NEWSLETTER_UNSUBSCRIBE_SECRET";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project from scripts/bench/smtp_project.py with its ledger in `db`.
fn project(dir: &Path, readers: usize, db: &Database, lease_secs: u64) {
    let status = Command::new("python3")
        .arg(repo().join("scripts/bench/smtp_project.py"))
        .arg(dir)
        .arg(readers.to_string())
        .args(["--pool", "4"])
        .status()
        .expect("python3");
    assert!(status.success());
    append_ledger(&dir.join("config.toml"), db, lease_secs);
}

fn append_ledger(config: &Path, db: &Database, lease_secs: u64) {
    ledger_db::append_ledger(
        config,
        db,
        &format!("lease_secs = {lease_secs}\nclaim_batch = 50\n"),
    );
}

fn newsletter(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsletter"));
    cmd.arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env(SECRET_ENV, "e2e-secret");
    cmd
}

fn worker(dir: &Path, smtp: &str) -> Child {
    newsletter(dir, &["send", "--worker", "--smtp", smtp])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The "N sent" of a send's summary line.
fn sent_in(out: &Output) -> usize {
    let text = String::from_utf8_lossy(&out.stdout);
    text.split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no sent count in {}", shown(out)))
}

fn ambiguous_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("ambiguous: "))
        .map(|s| s.split(' ').next().unwrap_or("").to_lowercase())
        .collect()
}

#[test]
#[ignore = "needs PostgreSQL (NEWSLETTER_TEST_POSTGRES) and python3 with aiosmtpd"]
fn three_workers_deliver_a_5000_reader_list_once_each() {
    let db = Database::new();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    project(&dir, 5000, &db, 60);
    let store = tmp.path().join("store");
    let (_server, port) = store_server(&store, None);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let workers: Vec<Child> = (0..3).map(|_| worker(&dir, &smtp)).collect();
    let outs: Vec<Output> = workers
        .into_iter()
        .map(|w| w.wait_with_output().unwrap())
        .collect();
    for out in &outs {
        assert_eq!(out.status.code(), Some(0), "{}", shown(out));
    }
    let counts = stored_counts(&store);
    for i in 0..5000 {
        let rcpt = format!("reader{i}@example.com");
        assert_eq!(counts.get(&rcpt).copied(), Some(1), "{rcpt}");
    }
    assert_eq!(counts.values().sum::<usize>(), 5000);
    let sent: Vec<usize> = outs.iter().map(sent_in).collect();
    assert_eq!(sent.iter().sum::<usize>(), 5000, "{sent:?}");
    assert!(
        sent.iter().filter(|&&n| n > 0).count() >= 2,
        "the list was not shared: {sent:?}"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"),
        5000
    );
    eprintln!("sent per worker: {sent:?}");
}

#[test]
#[ignore = "needs PostgreSQL (NEWSLETTER_TEST_POSTGRES) and python3 with aiosmtpd"]
fn a_killed_worker_leaves_only_its_in_flight_rows_ambiguous_and_the_rest_is_reclaimed() {
    const READERS: usize = 2000;
    let db = Database::new();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    project(&dir, READERS, &db, 3);
    let store = tmp.path().join("store");
    // A slow server keeps messages in DATA when the worker dies.
    let (_server, port) = store_server(&store, Some(0.05));
    let smtp = format!("smtp://127.0.0.1:{port}");
    let mut victim = worker(&dir, &smtp);
    let others: Vec<Child> = (0..2).map(|_| worker(&dir, &smtp)).collect();
    loop {
        if stored_counts(&store).values().sum::<usize>() >= READERS / 4 {
            break;
        }
        if let Some(status) = victim.try_wait().unwrap() {
            panic!("the worker ended before it could be killed: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Command::new("kill")
        .args(["-9", &victim.id().to_string()])
        .status()
        .unwrap()
        .success());
    let _ = victim.wait();
    let leased_by_dead: i64 = db.count(
        "SELECT COUNT(*) FROM deliveries WHERE status = 'queued' AND lease_owner IS NOT NULL",
    );
    for w in others {
        let out = w.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    }
    // Let the dead worker's lease lapse, then run once more.
    std::thread::sleep(Duration::from_secs(4));
    let rerun = newsletter(&dir, &["send", "--worker", "--smtp", &smtp])
        .output()
        .unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", shown(&rerun));
    let reported = ambiguous_in(&String::from_utf8_lossy(&rerun.stderr));
    let status = newsletter(&dir, &["send", "--status"]).output().unwrap();
    let listed = ambiguous_in(&String::from_utf8_lossy(&status.stdout));
    let sending = db.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'");
    assert!(
        sending <= 4,
        "more rows in DATA than connections: {sending}"
    );
    assert_eq!(listed.len() as i64, sending, "{}", shown(&status));
    let mut reported_sorted = reported.clone();
    reported_sorted.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(reported_sorted, listed_sorted, "{}", shown(&rerun));

    let counts = stored_counts(&store);
    for i in 0..READERS {
        let rcpt = format!("reader{i}@example.com");
        let n = counts.get(&rcpt).copied().unwrap_or(0);
        if listed.contains(&rcpt) {
            assert!(n <= 1, "{rcpt} (ambiguous) got {n}");
        } else {
            assert_eq!(n, 1, "{rcpt} got {n}");
        }
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'") + sending,
        READERS as i64
    );
    eprintln!(
        "killed with {leased_by_dead} queued rows leased (some or all taken over by the others), {sending} ambiguous"
    );
}

#[test]
#[ignore = "needs PostgreSQL (NEWSLETTER_TEST_POSTGRES) and python3 with aiosmtpd"]
fn two_runs_of_the_same_slot_at_once_send_one_issue_once() {
    let db = Database::new();
    let project = sample_project();
    let dir = project.path();
    let store = dir.join("store");
    let (_server, port) = store_server(&store, None);
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "transport = \"file\"",
        "transport = \"smtp\"",
        1,
    );
    std::fs::write(
        &config,
        format!(
            "{text}\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n"
        ),
    )
    .unwrap();
    append_ledger(&config, &db, 60);
    let at = "2026-11-24T07:00:00Z";
    let runs: Vec<Child> = (0..2)
        .map(|_| {
            newsletter(dir, &["run", "--at", at])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = runs
        .into_iter()
        .map(|r| r.wait_with_output().unwrap())
        .collect();
    let ran: Vec<&Output> = outs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains(" sent, "))
        .collect();
    assert_eq!(
        ran.len(),
        1,
        "{}\n---\n{}",
        shown(&outs[0]),
        shown(&outs[1])
    );
    let other = outs
        .iter()
        .find(|o| !String::from_utf8_lossy(&o.stderr).contains(" sent, "))
        .unwrap();
    let said = String::from_utf8_lossy(&other.stderr);
    assert!(
        said.contains("another newsletter process") || said.contains("already ran"),
        "{}",
        shown(other)
    );
    let counts = stored_counts(&store);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert!(!counts.is_empty());
    assert_eq!(
        db.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"),
        counts.len() as i64
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM issues"), 1);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM runs WHERE status = 'done'"),
        1
    );
    // The slot is settled: a third run does nothing.
    let third = newsletter(dir, &["run", "--at", at]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&third.stderr).contains("already ran"),
        "{}",
        shown(&third)
    );
    assert_eq!(
        stored_counts(&store).values().sum::<usize>(),
        counts.values().sum::<usize>()
    );
}

#[test]
#[ignore = "needs PostgreSQL (NEWSLETTER_TEST_POSTGRES)"]
fn ledger_migrate_copies_a_sqlite_ledger_once_and_the_send_goes_on_from_it() {
    let db = Database::new();
    let project = sample_project();
    let dir = project.path();
    let out = newsletter(dir, &["run", "--now"]).output().unwrap();
    assert!(out.status.success(), "{}", shown(&out));
    let before = newsletter(dir, &["send", "--status"]).output().unwrap();
    let first = newsletter(dir, &["ledger", "migrate", "--to", &db.url])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", shown(&first));
    let first_text = String::from_utf8_lossy(&first.stdout);
    assert!(first_text.contains("deliveries: "), "{first_text}");
    assert!(!first_text.contains(": 0 row(s) added"), "{first_text}");
    let again = newsletter(dir, &["ledger", "migrate", "--to", &db.url])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(": 0 row(s) added"),
        "{}",
        shown(&again)
    );
    append_ledger(&dir.join("config.toml"), &db, 60);
    let after = newsletter(dir, &["send", "--status"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&before.stdout)
    );
    // Everyone already has the issue: a send from the new ledger sends nothing.
    let resend = newsletter(dir, &["send"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&resend.stdout).contains(": 0 sent"),
        "{}",
        shown(&resend)
    );
}

#[test]
fn a_missing_database_password_variable_is_bad_input_named_with_the_config() {
    let project = sample_project();
    let config = project.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[ledger]\nurl = \"postgres://news@127.0.0.1:1/news\"\npassword_env = \"NEWSLETTER_TEST_UNSET_PASSWORD\"\n",
    );
    std::fs::write(&config, text).unwrap();
    for args in [&["send", "--status"][..], &["send"], &["run", "--now"]] {
        let out = newsletter(project.path(), args)
            .env_remove("NEWSLETTER_TEST_UNSET_PASSWORD")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", shown(&out));
        assert!(
            err.contains("config.toml") && err.contains("NEWSLETTER_TEST_UNSET_PASSWORD"),
            "{err}"
        );
    }
}

#[test]
fn a_password_in_the_ledger_url_is_refused() {
    let project = sample_project();
    let config = project.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[ledger]\nurl = \"postgres://news:hunter2@127.0.0.1/news\"\n");
    std::fs::write(&config, text).unwrap();
    let out = newsletter(project.path(), &["send", "--status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("password_env") && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (NEWSLETTER_TEST_POSTGRES)"]
fn check_plans_the_coming_issue_against_the_postgres_ledger() {
    let db = Database::new();
    let project = sample_project();
    append_ledger(&project.path().join("config.toml"), &db, 60);
    // Two issues in the database, none in a SQLite file: the coming one is
    // the third, whichever day the next slot falls on.
    let ledger = newsletter::ledger::Ledger::open_postgres(&db.url, None).unwrap();
    for day in [6, 8] {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, day).unwrap();
        ledger.issue_number_for(date).unwrap();
    }
    let out = newsletter(project.path(), &["check"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(issue 3)"), "{}", shown(&out));
    assert!(
        !project.path().join("state/newsletter.sqlite").exists(),
        "check made a SQLite ledger"
    );
}
