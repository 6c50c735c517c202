//! `run` and the daemon: a slot runs once, the missed-slot policy, the state
//! lock between processes, and SIGTERM.
//!
//! The bookkeeping is driven through `run_cycle_with` / `run_daemon_with`
//! with a real ledger (the SQLite file, or PostgreSQL when
//! NEWSLETTER_TEST_LEDGER=postgres, see `common::ledger_db`) and the real lock, and a cycle body that records
//! what it was asked to do, so the policy is tested apart from build and
//! send. The tests at the end run the real pipeline through the binary.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use newsletter::config::Config;
use newsletter::ledger::{locked, Ledger, RunStatus, SharedLedger};
use newsletter::schedule::daemon::{run_daemon_with, DaemonEvent, Stopper};
use newsletter::schedule::{run_cycle_with, CycleReport, RunOptions, RunOutcome, ScheduleError};
use newsletter::send::SendReport;

mod common;
use common::cli::{assert_success, run_cli};
use common::ledger_db::TestLedger;
use common::sample::sample_project;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A project folder and its ledger (PostgreSQL when the run asks for it).
struct Folder {
    _ledger: TestLedger,
    dir: tempfile::TempDir,
}

impl Folder {
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A project folder with just a config.
fn project(extra: &str) -> (Folder, Config) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = format!(
        "[newsletter]\ntimezone = \"Europe/London\"\n[schedule]\ncron = \"0 7 * * TUE,THU\"\ngrace_minutes = 360\n{extra}"
    );
    std::fs::write(&path, text).unwrap();
    let ledger = TestLedger::for_config(&path);
    let config = Config::load(&path).unwrap();
    (
        Folder {
            _ledger: ledger,
            dir,
        },
        config,
    )
}

/// The project's ledger, on whichever backend the config names.
fn ledger_of(config: &Config) -> Ledger {
    Ledger::for_config(config).unwrap()
}

/// The sample project, with its ledger on the backend this run uses.
fn sample_with_ledger() -> (tempfile::TempDir, TestLedger) {
    let dir = sample_project();
    let ledger = TestLedger::for_config(&dir.path().join("config.toml"));
    (dir, ledger)
}

/// A cycle body that records the issue dates it was asked for and numbers
/// the issue through the real ledger, as build does.
fn recorder(
    dates: Arc<Mutex<Vec<NaiveDate>>>,
) -> impl Fn(&Config, &SharedLedger, NaiveDate, DateTime<Utc>) -> Result<CycleReport, ScheduleError>
{
    move |_: &Config, ledger: &SharedLedger, date: NaiveDate, _now| {
        dates.lock().unwrap().push(date);
        let issue = locked(ledger).issue_number_for(date)?;
        Ok(CycleReport {
            issue,
            subject: format!("Issue {issue}"),
            report: SendReport {
                issue,
                sent: 3,
                ..SendReport::default()
            },
            problems: Vec::new(),
        })
    }
}

fn opts(time: &str) -> RunOptions {
    RunOptions {
        at: Some(at(time)),
        ..RunOptions::default()
    }
}

#[test]
fn run_at_twice_within_a_slot_runs_once() {
    let (_dir, config) = project("");
    let dates = Arc::new(Mutex::new(Vec::new()));
    let first = run_cycle_with(
        &config,
        &opts("2026-11-24T07:00:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    match first {
        RunOutcome::Ran { slot, issue, .. } => {
            assert_eq!(slot.to_rfc3339(), "2026-11-24T07:00:00+00:00");
            assert_eq!(issue, 1);
        }
        other => panic!("expected a run, got {other:?}"),
    }
    let second = run_cycle_with(
        &config,
        &opts("2026-11-24T09:30:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    assert!(
        matches!(
            second,
            RunOutcome::AlreadyRan {
                status: RunStatus::Done,
                ..
            }
        ),
        "{second:?}"
    );
    assert_eq!(
        *dates.lock().unwrap(),
        [NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()]
    );

    // The next slot is a new run, with the next issue number.
    let third = run_cycle_with(
        &config,
        &opts("2026-11-26T07:01:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    assert!(
        matches!(third, RunOutcome::Ran { issue: 2, .. }),
        "{third:?}"
    );

    let ledger = ledger_of(&config);
    let runs = ledger.recent_runs(10).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs
        .iter()
        .all(|r| r.status == RunStatus::Done && r.trigger == "slot"));
    assert_eq!(
        runs[0].detail.as_deref(),
        Some("issue 2: 3 sent, 0 failed, 0 skipped, 0 ambiguous")
    );
}

#[test]
fn the_issue_date_is_the_slots_date_in_the_newsletter_zone() {
    // 23:30 in New York is already tomorrow in UTC.
    let (_dir, config) = project("");
    let mut config = config;
    config.newsletter.timezone = "America/New_York".into();
    config.schedule.cron = "30 23 * * *".into();
    let dates = Arc::new(Mutex::new(Vec::new()));
    run_cycle_with(
        &config,
        &opts("2026-11-25T04:45:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    assert_eq!(
        *dates.lock().unwrap(),
        [NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()]
    );
}

#[test]
fn missed_slot_policy_runs_within_grace_and_records_skips_beyond() {
    let (_dir, config) = project("");
    let dates = Arc::new(Mutex::new(Vec::new()));
    // Exactly at the end of the 360-minute grace period: still runs.
    let ran = run_cycle_with(
        &config,
        &opts("2026-11-24T13:00:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    assert!(matches!(ran, RunOutcome::Ran { .. }), "{ran:?}");

    // Thursday's slot, one minute past grace: skipped, nothing sent.
    let missed = run_cycle_with(
        &config,
        &opts("2026-11-26T13:01:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    match missed {
        RunOutcome::Missed {
            slot,
            late_minutes,
            grace_minutes,
        } => {
            assert_eq!(slot.to_rfc3339(), "2026-11-26T07:00:00+00:00");
            assert_eq!((late_minutes, grace_minutes), (361, 360));
        }
        other => panic!("expected missed, got {other:?}"),
    }
    assert_eq!(dates.lock().unwrap().len(), 1);
    let again = run_cycle_with(
        &config,
        &opts("2026-11-26T20:00:00Z"),
        recorder(dates.clone()),
    )
    .unwrap();
    assert!(
        matches!(
            again,
            RunOutcome::AlreadyRan {
                status: RunStatus::Skipped,
                ..
            }
        ),
        "{again:?}"
    );
    let ledger = ledger_of(&config);
    let skipped = ledger
        .run_for_slot(&at("2026-11-26T07:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(skipped.status, RunStatus::Skipped);
    assert!(skipped.detail.unwrap().contains("missed by 361 minutes"));

    // --now still sends on demand, recorded as a manual run.
    let now = RunOptions {
        now: true,
        ..opts("2026-11-26T20:00:00Z")
    };
    let manual = run_cycle_with(&config, &now, recorder(dates.clone())).unwrap();
    assert!(matches!(manual, RunOutcome::Ran { .. }), "{manual:?}");
    assert_eq!(dates.lock().unwrap().len(), 2);
    let rec = ledger
        .run_for_slot(&at("2026-11-26T20:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (rec.status, rec.trigger.as_str()),
        (RunStatus::Done, "manual")
    );
}

#[test]
fn a_failed_run_is_recorded_and_retried_within_grace() {
    let (_dir, config) = project("");
    let failing = |_: &Config,
                   _: &SharedLedger,
                   _: NaiveDate,
                   _: DateTime<Utc>|
     -> Result<CycleReport, ScheduleError> {
        Err(ScheduleError::Inbox {
            path: PathBuf::from("content/inbox"),
            source: std::io::Error::other("disk on fire"),
        })
    };
    let err = run_cycle_with(&config, &opts("2026-11-24T07:00:00Z"), failing).unwrap_err();
    assert!(err.to_string().contains("disk on fire"));
    let ledger = ledger_of(&config);
    let rec = ledger
        .run_for_slot(&at("2026-11-24T07:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(rec.status, RunStatus::Failed);
    assert!(rec.detail.unwrap().contains("disk on fire"));

    let dates = Arc::new(Mutex::new(Vec::new()));
    let retried = run_cycle_with(&config, &opts("2026-11-24T07:05:00Z"), recorder(dates)).unwrap();
    assert!(matches!(retried, RunOutcome::Ran { .. }), "{retried:?}");
}

#[test]
fn two_concurrent_runs_the_second_refuses_naming_the_pid() {
    let (_dir, config) = project("");
    let config = Arc::new(config);
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let first_config = config.clone();
    let first = std::thread::spawn(move || {
        run_cycle_with(
            &first_config,
            &opts("2026-11-24T07:00:00Z"),
            move |c: &Config, l: &SharedLedger, d, n| {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                recorder(Arc::new(Mutex::new(Vec::new())))(c, l, d, n)
            },
        )
    });
    started_rx.recv().unwrap();

    let dates = Arc::new(Mutex::new(Vec::new()));
    let err = run_cycle_with(
        &config,
        &opts("2026-11-24T07:00:30Z"),
        recorder(dates.clone()),
    )
    .unwrap_err();
    // The file lock names the PID; the database lock the holder's connection.
    let pid = format!("pid {}", std::process::id());
    match &err {
        ScheduleError::Locked(newsletter::ledger::LockError::Held { pid, .. }) => {
            assert_eq!(*pid, Some(std::process::id()));
        }
        ScheduleError::Locked(newsletter::ledger::LockError::HeldInDatabase { holder, .. }) => {
            assert!(
                holder.as_deref().unwrap_or_default().contains(&pid),
                "{holder:?}"
            );
        }
        other => panic!("expected the lock to be held, got {other:?}"),
    }
    assert!(err.to_string().to_lowercase().contains(&pid), "{err}");

    // Another process is refused the same way, naming this one.
    let out = run_cli(
        &config.source_path,
        &["run", "--at", "2026-11-24T07:00:30Z"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains(&pid), "{stderr}");

    release_tx.send(()).unwrap();
    assert!(matches!(
        first.join().unwrap().unwrap(),
        RunOutcome::Ran { .. }
    ));
    assert!(
        dates.lock().unwrap().is_empty(),
        "the refused run did no work"
    );
}

/// Runs the daemon loop until its first sleep, then stops it; returns the
/// number of cycles it worked.
fn daemon_until_first_sleep(config: &Config) -> (usize, Vec<String>) {
    let stopper = Stopper::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let (c, l, s) = (calls.clone(), log.clone(), stopper.clone());
    run_daemon_with(
        config,
        &stopper,
        move |event| {
            l.lock().unwrap().push(format!("{event:?}"));
            if matches!(event, DaemonEvent::Sleeping(_)) {
                s.stop();
            }
        },
        move |config: &Config, ledger: &SharedLedger, date, now| {
            c.fetch_add(1, Ordering::SeqCst);
            recorder(Arc::new(Mutex::new(Vec::new())))(config, ledger, date, now)
        },
    )
    .unwrap();
    let log = log.lock().unwrap().clone();
    (calls.load(Ordering::SeqCst), log)
}

#[test]
fn after_downtime_the_daemon_runs_the_missed_slot_once_within_grace() {
    // A yearly slot, so the most recent one is always in the past; a grace
    // of more than a year makes it "within grace".
    let (_dir, config) = project("");
    let mut config = config;
    config.schedule.cron = "0 7 1 1 *".into();
    config.schedule.grace_minutes = 60 * 24 * 400;
    let (calls, log) = daemon_until_first_sleep(&config);
    assert_eq!(calls, 1, "{log:?}");
    assert!(log.last().unwrap().contains("Stopping"), "{log:?}");
    // Restarted: the slot is done, so nothing runs again.
    let (calls, log) = daemon_until_first_sleep(&config);
    assert_eq!(calls, 0, "{log:?}");
    assert!(log[0].contains("AlreadyRan"), "{log:?}");
}

#[test]
fn after_downtime_the_daemon_records_a_slot_beyond_grace_as_skipped() {
    let (_dir, config) = project("");
    let mut config = config;
    config.schedule.cron = "0 7 1 1 *".into();
    config.schedule.grace_minutes = 60;
    let (calls, log) = daemon_until_first_sleep(&config);
    assert_eq!(calls, 0, "{log:?}");
    assert!(log[0].contains("Missed"), "{log:?}");
    let ledger = ledger_of(&config);
    let runs = ledger.recent_runs(5).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].status, runs[0].trigger.as_str()),
        (RunStatus::Skipped, "daemon")
    );
}

#[test]
fn a_stop_during_a_cycle_lets_it_finish_and_record_then_exits() {
    let (_dir, config) = project("");
    let mut config = config;
    config.schedule.cron = "0 7 1 1 *".into();
    config.schedule.grace_minutes = 60 * 24 * 400;
    let stopper = Stopper::new();
    let during = stopper.clone();
    let mut events = Vec::new();
    run_daemon_with(
        &config,
        &stopper,
        |event| events.push(format!("{event:?}")),
        move |config: &Config, ledger: &SharedLedger, date, now| {
            // SIGTERM arrives mid-send: the cycle carries on to the end.
            during.stop();
            recorder(Arc::new(Mutex::new(Vec::new())))(config, ledger, date, now)
        },
    )
    .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[0].contains("Ran"), "{events:?}");
    assert!(
        events[1].contains("Stopping"),
        "no sleep after a stop: {events:?}"
    );
    let ledger = ledger_of(&config);
    assert_eq!(ledger.recent_runs(1).unwrap()[0].status, RunStatus::Done);
}

/// Waits for a line containing `needle` on a child's stderr; returns all seen.
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) => {
                let hit = line.contains(needle);
                seen.push(line);
                if hit {
                    return seen;
                }
            }
            Err(_) => panic!("gave up waiting for {needle:?}; saw {seen:?}"),
        }
    }
}

#[cfg(unix)]
#[test]
fn the_daemon_exits_cleanly_on_sigterm() {
    let (dir, _config) = project("");
    // Yearly slot with a short grace: at start it records the missed slot, then sleeps.
    std::fs::write(
        dir.path().join("config.toml"),
        "[newsletter]\ntimezone = \"Europe/London\"\n[schedule]\ncron = \"0 7 1 1 *\"\ngrace_minutes = 60\n",
    )
    .unwrap();
    let (mut child, rx) = spawn_daemon(&dir.path().join("config.toml"));
    let seen = wait_for_line(&rx, "sleeping until");
    assert!(seen.iter().any(|l| l.contains("missed")), "{seen:?}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for_line(&rx, "stop requested");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "clean exit after SIGTERM");
}

// ---------------------------------------------------------------------------
// End to end through the real pipeline (summarize, build, send to outbox/).

/// The .eml files in the project's outbox (one folder per issue).
fn emls(dir: &Path) -> usize {
    common::sample::files_with_extension(&dir.join("outbox"), "eml").len()
}

#[test]
fn end_to_end_run_at_twice_within_a_slot_sends_once() {
    let (dir, _ledger) = sample_with_ledger();
    let run = |time: &str| run_cli(&dir.path().join("config.toml"), &["run", "--at", time]);
    let first = run("2026-11-24T07:00:00Z");
    assert_success(&first);
    let sent = emls(dir.path());
    assert!(sent > 0, "the first run writes one .eml per subscriber");
    assert!(dir.path().join("dist/issues/001/email.html").is_file());

    let second = run("2026-11-24T08:15:00Z");
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already ran"));
    assert_eq!(emls(dir.path()), sent, "nothing sent twice");
}

#[test]
fn end_to_end_run_now_sends_the_issue_for_todays_date() {
    let (dir, ledger) = sample_with_ledger();
    let out = run_cli(
        &dir.path().join("config.toml"),
        &["run", "--now", "--at", "2026-11-25T15:00:00Z"],
    );
    assert_success(&out);
    assert!(emls(dir.path()) > 0);
    let runs = ledger.open(dir.path()).recent_runs(1).unwrap();
    assert_eq!(
        (runs[0].status, runs[0].trigger.as_str()),
        (RunStatus::Done, "manual")
    );
}

#[cfg(unix)]
#[test]
fn end_to_end_daemon_catches_up_a_missed_slot_then_stops_on_sigterm() {
    let (dir, _ledger) = sample_with_ledger();
    // The sample config with a yearly slot and a grace of over a year, so
    // the most recent slot is missed but within grace whenever this runs.
    let config = dir.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("cron =") {
            out.push_str("cron = \"0 7 1 1 *\"\n");
        } else if line.trim_start().starts_with("grace_minutes =") {
            out.push_str("grace_minutes = 600000\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(&config, out).unwrap();
    let (mut child, rx) = spawn_daemon(&config);
    let seen = wait_for_line(&rx, "sleeping until");
    assert!(seen.iter().any(|l| l.contains("issue 1 (")), "{seen:?}");
    assert!(emls(dir.path()) > 0);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Starts `newsletter schedule --daemon` on `config`; its stderr lines arrive
/// on the returned channel.
fn spawn_daemon(config: &Path) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(config)
        .args(["schedule", "--daemon"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}
