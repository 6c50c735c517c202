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
    assert!(lines[1].contains("' --log-file '"), "{text}");
    assert!(lines[1].ends_with("/state/cron.log' run"), "{text}");
    assert!(
        !lines[1].contains(">>"),
        "no redirection into state/: {text}"
    );
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

/// Project folders a user can have: a space, a `%` (a specifier to systemd,
/// a newline to cron), a single quote, and letters outside ASCII.
const AWKWARD: &[&str] = &[
    "my newsletter",
    "50% more",
    "it's mine",
    "énergie ünd Ström",
    "all of it's 100% ça va",
];

/// A project in `folder` (made under a temp dir), with the test binary
/// copied into it, so the executable's path is awkward too.
fn awkward_project(
    root: &std::path::Path,
    folder: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = root.join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[newsletter]\nname = \"Energy 100% Source\"\ntimezone = \"Europe/London\"\n[schedule]\ncron = \"0 7 * * TUE,THU\"\n",
    )
    .unwrap();
    let exe = dir.join("news letter");
    std::fs::copy(env!("CARGO_BIN_EXE_newsletter"), &exe).unwrap();
    (dir, exe)
}

/// Runs a command, retrying while the kernel says the freshly copied
/// executable is busy (another test thread's fork can hold the copy's
/// write handle for a moment).
fn output_of(command: &mut Command) -> std::process::Output {
    for _ in 0..50 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("{command:?}: executable stayed busy")
}

fn print_with(exe: &std::path::Path, dir: &std::path::Path, args: &[&str]) -> String {
    let out = output_of(
        Command::new(exe)
            .arg("--config")
            .arg(dir.join("config.toml"))
            .args(["schedule", "--print"])
            .args(args),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Splits the printed pair into the two files, as the header tells the user to.
fn write_units(text: &str, into: &std::path::Path) {
    let mut current: Option<std::path::PathBuf> = None;
    let mut parts: Vec<(std::path::PathBuf, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("# ")
            && (line.ends_with("/newsletter.service") || line.ends_with("/newsletter.timer"))
        {
            let name = line.rsplit('/').next().unwrap();
            current = Some(into.join(name));
            parts.push((into.join(name), String::new()));
        }
        if current.is_some() {
            let last = parts.last_mut().unwrap();
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    assert_eq!(parts.len(), 2, "{text}");
    for (path, body) in parts {
        std::fs::write(path, body).unwrap();
    }
}

/// The printed units, for awkward project paths, are accepted by systemd's
/// own checker, user and system flavour alike: the service's paths read
/// back as the real ones (the executable must exist where ExecStart says)
/// and the timer's calendar parses.
#[test]
#[ignore = "needs systemd-analyze (package systemd)"]
fn printed_units_pass_systemd_analyze_verify_for_awkward_paths() {
    let root = tempfile::tempdir().unwrap();
    for folder in AWKWARD {
        let (dir, exe) = awkward_project(root.path(), folder);
        for flavour in [
            &["systemd"][..],
            &["systemd", "--system", "--user", "newsletter"][..],
            &["systemd", "--system"][..],
        ] {
            let units = print_with(&exe, &dir, flavour);
            let unit_dir = tempfile::tempdir().unwrap();
            write_units(&units, unit_dir.path());
            let out = Command::new("systemd-analyze")
                .current_dir(unit_dir.path())
                .args(["verify", "newsletter.service", "newsletter.timer"])
                .output()
                .expect("run systemd-analyze");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && !stderr.contains("newsletter.service:"),
                "{folder:?} {flavour:?}: systemd-analyze verify failed:\n{stderr}\n{units}"
            );
            if flavour.len() > 2 {
                assert!(units.contains("\nUser=newsletter\n"), "{units}");
            } else if flavour.len() == 2 {
                assert!(units.contains("\nUser="), "{units}");
            }
            let calendar = units
                .lines()
                .find_map(|l| l.strip_prefix("OnCalendar="))
                .unwrap();
            let out = Command::new("systemd-analyze")
                .args(["calendar", calendar])
                .output()
                .unwrap();
            assert!(out.status.success(), "{calendar}");
        }
        // A wrong executable path is caught by the same check, so the check
        // above is really reading ExecStart. (A path with a quote runs
        // through /bin/sh, which systemd cannot look inside.)
        if folder.contains('\'') {
            continue;
        }
        let units = print_with(&exe, &dir, &["systemd"]).replace("news letter", "no such file");
        let unit_dir = tempfile::tempdir().unwrap();
        write_units(&units, unit_dir.path());
        let out = Command::new("systemd-analyze")
            .current_dir(unit_dir.path())
            .args(["verify", "newsletter.service"])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{folder:?}: a missing executable passed verify"
        );
    }
}

/// What cron hands to `/bin/sh` for a crontab entry: the text after the
/// five time fields, cut at the first unescaped `%` (the rest would be the
/// command's standard input), with `\%` read as `%` (cronie and Vixie cron).
fn cron_command(entry: &str) -> String {
    let mut rest = entry.trim_start();
    for _ in 0..5 {
        let end = rest.find(char::is_whitespace).unwrap();
        rest = rest[end..].trim_start();
    }
    let mut out = String::new();
    let mut escaped = false;
    for c in rest.chars() {
        if escaped {
            if c != '%' {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '%' {
            break;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    out
}

/// The printed crontab entry, read the way cron reads it and run through
/// `sh -c` from another directory, reaches `newsletter run` for awkward
/// paths, and `run` creates `state/` for its log on a project that has never run.
#[test]
fn printed_crontab_line_survives_cron_and_the_shell() {
    let root = tempfile::tempdir().unwrap();
    for folder in AWKWARD {
        let (dir, exe) = awkward_project(root.path(), folder);
        let text = print_with(&exe, &dir, &["cron"]);
        let entry = text
            .lines()
            .find(|l| !l.starts_with('#') && !l.starts_with("CRON_TZ="))
            .unwrap();
        assert!(!dir.join("state").exists());
        let out = Command::new("sh")
            .arg("-c")
            .arg(cron_command(entry))
            .current_dir(root.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        let log = std::fs::read_to_string(dir.join("state/cron.log")).unwrap_or_else(|e| {
            panic!(
                "{folder:?}: no log ({e}); sh said: {}\n{entry}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert!(
            out.stdout.is_empty() && out.stderr.is_empty(),
            "{folder:?}: output escaped the log: {out:?}"
        );
        assert!(
            log.contains("run:") || log.contains("error:"),
            "{folder:?}: {log}"
        );
    }
}

#[test]
fn the_log_file_flag_creates_its_folder_and_appends() {
    let dir = project("0 7 * * TUE,THU", "Europe/London");
    let log = dir.path().join("state/deeper/cron.log");
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_newsletter"))
            .arg("--config")
            .arg(dir.path().join("config.toml"))
            .arg("--log-file")
            .arg(&log)
            .args(["schedule", "--next", "1", "--from", "2026-12-01T00:00:00Z"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(out.stdout.is_empty(), "stdout went to the log");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text, "2026-12-01T07:00:00+00:00\n".repeat(2), "{text}");
}
