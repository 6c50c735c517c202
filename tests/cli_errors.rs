//! Bad usage and bad config: exit code 2 and a message that names the file
//! (and line) and says what to do.

use std::process::{Command, Output};

fn newsletter(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the newsletter binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn missing_config_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsletter(dir.path(), &["--config", "nowhere.toml", "build"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nowhere.toml"), "{}", stderr(&out));
}

#[test]
fn toml_error_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[newsletter]\nname = \"Energy Source\"\ntimezone = Europe/London\n",
    )
    .unwrap();
    let out = newsletter(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config.toml:3:"),
        "expected file:line in {}",
        stderr(&out)
    );
}

#[test]
fn unknown_flag_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsletter(dir.path(), &["build", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-such-flag"), "{}", stderr(&out));
}

#[test]
fn unknown_config_key_exits_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[delivery]\ntransprot = \"file\"\n",
    )
    .unwrap();
    let out = newsletter(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("transprot"), "{}", stderr(&out));
}

#[test]
fn help_lists_every_command_of_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsletter(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    // Each command heads its own line in the Commands list ("  run  One …"),
    // so a word like "runs" in a description cannot stand in for it.
    let listed: Vec<&str> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .collect();
    for command in [
        "clean",
        "summarize",
        "build",
        "preview",
        "send",
        "run",
        "schedule",
        "check",
    ] {
        assert!(
            listed.contains(&command),
            "--help lacks {command}: {listed:?}"
        );
    }
}
