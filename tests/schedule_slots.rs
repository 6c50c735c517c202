//! Slots across the March and October daylight-saving changes: 07:00 stays
//! 07:00 local, the offset changes, and slots that fall into a gap or an
//! overlap happen exactly once.

use std::path::Path;
mod common;
use common::cli::{assert_success, run_cli};

use chrono::{DateTime, FixedOffset};
use newsletter::schedule::Schedule;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn slots(cron: &str, tz: chrono_tz::Tz, from: &str, n: usize) -> Vec<String> {
    Schedule::new(cron, tz, 360, Path::new("config.toml"))
        .unwrap()
        .next_slots(at(from), n)
        .iter()
        .map(|s| s.to_rfc3339())
        .collect()
}

#[test]
fn london_spring_forward_keeps_seven_local() {
    assert_eq!(
        slots(
            "0 7 * * TUE,THU",
            chrono_tz::Europe::London,
            "2026-03-23T00:00:00Z",
            4
        ),
        [
            "2026-03-24T07:00:00+00:00",
            "2026-03-26T07:00:00+00:00",
            "2026-03-31T07:00:00+01:00",
            "2026-04-02T07:00:00+01:00",
        ]
    );
}

#[test]
fn london_fall_back_keeps_seven_local() {
    assert_eq!(
        slots(
            "0 7 * * TUE,THU",
            chrono_tz::Europe::London,
            "2026-10-20T12:00:00+01:00",
            3
        ),
        [
            "2026-10-22T07:00:00+01:00",
            "2026-10-27T07:00:00+00:00",
            "2026-10-29T07:00:00+00:00",
        ]
    );
}

#[test]
fn new_york_spring_forward_and_fall_back() {
    let ny = chrono_tz::America::New_York;
    assert_eq!(
        slots("0 7 * * TUE,THU", ny, "2026-03-04T00:00:00Z", 3),
        [
            "2026-03-05T07:00:00-05:00",
            "2026-03-10T07:00:00-04:00",
            "2026-03-12T07:00:00-04:00",
        ]
    );
    assert_eq!(
        slots("0 7 * * TUE,THU", ny, "2026-10-28T00:00:00Z", 3),
        [
            "2026-10-29T07:00:00-04:00",
            "2026-11-03T07:00:00-05:00",
            "2026-11-05T07:00:00-05:00",
        ]
    );
}

#[test]
fn a_slot_in_the_spring_gap_runs_once_at_the_end_of_the_gap() {
    // 01:30 does not exist in London on 29 March 2026, nor 02:30 in New York on 8 March.
    assert_eq!(
        slots(
            "30 1 * * *",
            chrono_tz::Europe::London,
            "2026-03-28T12:00:00Z",
            3
        ),
        [
            "2026-03-29T02:00:00+01:00",
            "2026-03-30T01:30:00+01:00",
            "2026-03-31T01:30:00+01:00",
        ]
    );
    assert_eq!(
        slots(
            "30 2 * * *",
            chrono_tz::America::New_York,
            "2026-03-07T12:00:00Z",
            3
        ),
        [
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00",
            "2026-03-10T02:30:00-04:00",
        ]
    );
}

#[test]
fn a_slot_in_the_autumn_overlap_runs_once_at_its_first_occurrence() {
    // 01:30 happens twice in London on 25 October 2026 and in New York on 1 November.
    assert_eq!(
        slots(
            "30 1 * * *",
            chrono_tz::Europe::London,
            "2026-10-24T12:00:00Z",
            3
        ),
        [
            "2026-10-25T01:30:00+01:00",
            "2026-10-26T01:30:00+00:00",
            "2026-10-27T01:30:00+00:00",
        ]
    );
    assert_eq!(
        slots(
            "30 1 * * *",
            chrono_tz::America::New_York,
            "2026-10-31T12:00:00Z",
            3
        ),
        [
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00",
            "2026-11-03T01:30:00-05:00",
        ]
    );
}

#[test]
fn the_current_slot_across_the_changes_is_the_one_before() {
    let london = Schedule::new(
        "0 7 * * TUE,THU",
        chrono_tz::Europe::London,
        360,
        Path::new("config.toml"),
    )
    .unwrap();
    // Monday after the spring change: Thursday's slot, still in GMT.
    assert_eq!(
        london
            .current_slot(&at("2026-03-30T12:00:00+01:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-03-26T07:00:00+00:00"
    );
    // One second before Tuesday 07:00 BST is still Thursday's slot.
    assert_eq!(
        london
            .current_slot(&at("2026-03-31T06:59:59+01:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-03-26T07:00:00+00:00"
    );
    assert_eq!(
        london
            .current_slot(&at("2026-10-27T07:00:00+00:00"))
            .unwrap()
            .to_rfc3339(),
        "2026-10-27T07:00:00+00:00"
    );
    assert_eq!(
        london
            .issue_date(&at("2026-10-27T07:00:00+00:00"))
            .to_string(),
        "2026-10-27"
    );
}

#[test]
fn schedule_next_prints_rfc3339_with_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[newsletter]\ntimezone = \"America/New_York\"\n[schedule]\ncron = \"0 7 * * TUE,THU\"\n",
    )
    .unwrap();
    let out = run_cli(
        &config,
        &["schedule", "--next", "3", "--from", "2026-10-28T00:00:00Z"],
    );
    assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "2026-10-29T07:00:00-04:00\n2026-11-03T07:00:00-05:00\n2026-11-05T07:00:00-05:00\n"
    );
}

#[test]
fn a_bad_cron_exits_2_naming_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[schedule]\ncron = \"0 7 * * TUESDAY\"\n").unwrap();
    let out = run_cli(&config, &["schedule", "--next", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains("[schedule] cron"), "{err}");
}
