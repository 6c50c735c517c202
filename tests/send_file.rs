//! The file transport: one .eml per reader in outbox/<NNN>/, resumable.

mod common;

use common::send_project::{shown, Project};
use mail_parser::MessageParser;

const LIST: &str =
    "email,name\nada@example.com,Ada\nGrace@Example.com,Grace\nbad@@example.com,Bad\n";

fn emls(project: &Project, sub: &str) -> Vec<String> {
    let dir = project.root().join("outbox").join(sub);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn writes_one_parseable_eml_per_reader_and_never_twice() {
    let project = Project::new(LIST, "");
    let out = project.run(&["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(
        emls(&project, "001"),
        vec!["ada@example.com.eml", "grace@example.com.eml"]
    );
    let raw = std::fs::read(project.root().join("outbox/001/grace@example.com.eml")).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("Energy Source #1: oil climbs"));
    assert!(parsed.body_html(0).unwrap().contains("Good morning Grace,"));
    assert!(parsed.body_text(0).unwrap().contains("Good morning Grace,"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("subscribers.csv:4:"),
        "{}",
        shown(&out)
    );

    // A second run writes nothing (the files' times stay put) and says so.
    let before = std::fs::metadata(project.root().join("outbox/001/ada@example.com.eml"))
        .unwrap()
        .modified()
        .unwrap();
    let again = project.run(&["send"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 sent"),
        "{}",
        shown(&again)
    );
    let after = std::fs::metadata(project.root().join("outbox/001/ada@example.com.eml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
    let counts = project.ledger().delivery_counts(1, None).unwrap();
    assert_eq!(counts.sent, 2);
}

#[test]
fn to_writes_a_test_copy_apart_from_the_list() {
    let project = Project::new(LIST, "");
    let out = project.run(&["send", "--to", "editor@example.org"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(emls(&project, "001/test"), vec!["editor@example.org.eml"]);
    assert_eq!(emls(&project, "001"), Vec::<String>::new());
    assert_eq!(
        project.ledger().delivery_counts(1, None).unwrap().total(),
        0
    );
}

#[test]
fn latest_picks_the_highest_issue_and_a_missing_issue_is_bad_input() {
    let project = Project::new(LIST, "");
    project.write_issue(2);
    let out = project.run(&["send", "--issue", "latest"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(emls(&project, "002").len(), 2);
    let missing = project.run(&["send", "--issue", "7"]);
    assert_eq!(missing.status.code(), Some(2), "{}", shown(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("newsletter build"));
}

#[test]
fn dry_run_writes_nothing() {
    let project = Project::new(LIST, "");
    let out = project.run(&["send", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("would go to 2 recipient(s)"));
    assert!(!project.root().join("outbox").exists());
}
