//! `schedule --print systemd|cron` output, checked against the schedulers'
//! own reading of it where they are installed.

use std::process::Command;

use chrono::{DateTime, FixedOffset};
use newsletter::schedule::Schedule;

fn project(cron: &str, tz: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[newsletter]\nname = \"Energy Source\"\ntimezone = \"{tz}\"\n[schedule]\ncron = \"{cron}\"\n"),
    )
    .unwrap();
    dir
}

fn print(dir: &tempfile::TempDir, kind: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .args(["schedule", "--print", kind])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn systemd_pair_runs_newsletter_run_with_absolute_paths() {
    let dir = project("0 7 * * TUE,THU", "Europe/London");
    let (code, units, _) = print(&dir, "systemd");
    assert_eq!(code, 0);
    let config = dir.path().join("config.toml").canonicalize().unwrap();
    assert!(units.contains("[Service]\nType=oneshot\n"), "{units}");
    assert!(
        units.contains(&format!("--config \"{}\" run\n", config.display())),
        "{units}"
    );
    assert!(
        units.contains("\nOnCalendar=Tue,Thu *-*-* 07:00:00 Europe/London\n"),
        "{units}"
    );
    assert!(units.contains("\nPersistent=true\n"));
    assert!(units.contains("\nWantedBy=timers.target\n"));
}

#[test]
fn crontab_line_carries_cron_tz() {
    let dir = project("0 7 * * TUE,THU", "America/New_York");
    let (code, text, _) = print(&dir, "cron");
    assert_eq!(code, 0);
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines[0], "CRON_TZ=America/New_York");
    assert!(lines[1].starts_with("0 7 * * TUE,THU cd '"), "{text}");
    assert!(lines[1].contains("' run >> '"), "{text}");
}

#[test]
fn a_cron_systemd_cannot_express_is_refused_with_exit_2() {
    let dir = project("0 7 * * FRI#2", "UTC");
    let (code, _, err) = print(&dir, "systemd");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("# (nth weekday)"), "{err}");
}

/// systemd-analyze's own iterations of the printed OnCalendar match the
/// slots `schedule --next` prints, across both DST changes of the year.
#[test]
#[ignore = "needs systemd-analyze (package systemd)"]
fn systemd_agrees_with_our_slots() {
    for (cron, tz) in [
        ("0 7 * * TUE,THU", "Europe/London"),
        ("0 7 * * TUE,THU", "America/New_York"),
        ("*/20 6-8 1,15 * *", "Europe/London"),
        ("30 9 * * MON-FRI", "Asia/Kolkata"),
    ] {
        let tzv: chrono_tz::Tz = tz.parse().unwrap();
        let schedule = Schedule::new(cron, tzv, 0, std::path::Path::new("c")).unwrap();
        let calendars = newsletter::schedule::timer::on_calendar(&schedule).unwrap();
        assert_eq!(calendars.len(), 1, "{calendars:?}");
        let from = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let ours: Vec<DateTime<FixedOffset>> = schedule.next_slots(from, 120);
        let out = Command::new("systemd-analyze")
            .env("TZ", "UTC")
            .args([
                "calendar",
                "--iterations=120",
                "--base-time=2026-01-01 00:00:00 UTC",
            ])
            .arg(&calendars[0])
            .output()
            .expect("run systemd-analyze");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // Lines like "Next elapse: Thu 2026-11-26 07:00:00 UTC" and "Iter. #2: ...".
        let theirs: Vec<String> = text
            .lines()
            .filter(|l| l.contains("Next elapse:") || l.contains("Iter. #"))
            .filter_map(|l| {
                let (_, rest) = l.split_once(": ")?;
                let mut parts = rest.split_whitespace().skip(1);
                Some(format!("{} {}", parts.next()?, parts.next()?))
            })
            .collect();
        let ours: Vec<String> = ours
            .iter()
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .collect();
        assert_eq!(theirs, ours, "{cron} in {tz}");
    }
}
