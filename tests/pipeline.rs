//! The whole pipeline on a copy of the sample project: `run --now` with the
//! embedded default (file transport, SQLite ledger, sample content).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Copies what a user's project holds (config, subscribers, content,
/// templates) into a fresh folder, so the test never touches the checkout.
fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for item in ["config.toml", "subscribers.csv", "content", "templates"] {
        copy_recursively(&root.join(item), &dir.path().join(item));
    }
    // Summaries generated in the checkout must not leak into the test.
    let summaries = dir.path().join("content/summaries");
    let _ = std::fs::remove_dir_all(&summaries);
    dir
}

fn copy_recursively(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_recursively(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

fn newsletter(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the newsletter binary runs")
}

fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_with_extension(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn subscriber_count(project: &Path) -> usize {
    let text = std::fs::read_to_string(project.join("subscribers.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[test]
fn run_now_builds_the_issue_and_writes_one_eml_per_subscriber() {
    let project = sample_project();
    let out = newsletter(project.path(), &["run", "--now"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run --now failed: {stderr}");

    let issue = project.path().join("dist/issues/001");
    for file in ["email.html", "email.txt", "index.html", "issue.json"] {
        assert!(issue.join(file).is_file(), "missing dist/issues/001/{file}");
    }
    assert!(project.path().join("dist/index.html").is_file());
    assert!(project.path().join("dist/feed.xml").is_file());
    let summaries = files_with_extension(&project.path().join("content/summaries"), "md");
    assert!(summaries.len() >= 10, "only {} summaries", summaries.len());

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(issue.join("issue.json")).unwrap()).unwrap();
    let subject = manifest["subject"].as_str().unwrap().to_string();
    assert!(!subject.is_empty());

    let emls = files_with_extension(&project.path().join("outbox"), "eml");
    assert_eq!(emls.len(), subscriber_count(project.path()), "{emls:?}");
    let mut recipients = Vec::new();
    for eml in &emls {
        let raw = std::fs::read(eml).unwrap();
        let message = mail_parser::MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("{} does not parse as email", eml.display()));
        assert_eq!(
            message.subject(),
            Some(subject.as_str()),
            "{}",
            eml.display()
        );
        let html = message.body_html(0).expect("an HTML part");
        let text = message.body_text(0).expect("a text part");
        assert!(html.contains("Energy Source"), "{}", eml.display());
        assert!(text.contains("Energy Source"), "{}", eml.display());
        assert!(!html.contains("<script"), "{}", eml.display());
        let to = message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap();
        recipients.push(to.to_string());
    }
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        emls.len(),
        "a subscriber got two messages"
    );
}

#[test]
fn second_run_for_the_same_slot_sends_nothing_twice() {
    let project = sample_project();
    let first = newsletter(project.path(), &["run", "--at", "2026-11-24T07:00:00Z"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let count = files_with_extension(&project.path().join("outbox"), "eml").len();
    assert_eq!(count, subscriber_count(project.path()));

    let again = newsletter(project.path(), &["run", "--at", "2026-11-24T08:30:00Z"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        files_with_extension(&project.path().join("outbox"), "eml").len(),
        count
    );
}
