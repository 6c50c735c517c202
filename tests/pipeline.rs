//! The whole pipeline on a copy of the sample project: `run --now` with the
//! embedded default (file transport, SQLite ledger, sample content).

use std::path::Path;
use std::process::{Command, Output};

use mail_parser::MimeHeaders;

mod common;
use common::sample::{files_with_extension, sample_project};

fn newsletter(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the newsletter binary runs")
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
        // The Data Drill chart travels with the message, referred to by Content-ID.
        assert!(html.contains("cid:chart"), "{}", eml.display());
        let chart = message
            .attachments()
            .find(|part| part.content_id() == Some("chart"))
            .unwrap_or_else(|| panic!("{}: no inline part for cid:chart", eml.display()));
        assert!(
            chart.contents().starts_with(b"\x89PNG"),
            "{}",
            eml.display()
        );
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

#[test]
fn a_send_by_hand_refuses_while_another_process_holds_the_state_lock() {
    let project = sample_project();
    let summarized = newsletter(project.path(), &["summarize"]);
    assert!(
        summarized.status.success(),
        "{}",
        String::from_utf8_lossy(&summarized.stderr)
    );
    let built = newsletter(project.path(), &["build", "--date", "2026-11-24"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let held = newsletter::ledger::StateLock::acquire(&project.path().join("state")).unwrap();
    let refused = newsletter(project.path(), &["send"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("PID {}", std::process::id())),
        "{stderr}"
    );
    assert!(files_with_extension(&project.path().join("outbox"), "eml").is_empty());

    drop(held);
    let sent = newsletter(project.path(), &["send"]);
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert_eq!(
        files_with_extension(&project.path().join("outbox"), "eml").len(),
        subscriber_count(project.path())
    );
}

/// A `run` whose send pauses (here: a server that keeps answering 451) is
/// recorded as unfinished, not done, so the next `run` in the same slot
/// resumes it; every reader ends with exactly one message.
#[test]
fn a_run_whose_send_paused_is_resumed_by_the_next_run_in_the_slot() {
    use common::smtp_server::{Fault, SmtpServer, Stage};

    let server = SmtpServer::start();
    let project = sample_project();
    let config_path = project.path().join("config.toml");
    let config = std::fs::read_to_string(&config_path)
        .unwrap()
        .replace("transport = \"file\"", "transport = \"smtp\"")
        .replace("max_send_errors = 20", "max_send_errors = 3");
    let port = server.addr().port();
    std::fs::write(
        &config_path,
        format!("{config}\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\npool = 1\n"),
    )
    .unwrap();
    server.fail_next(Stage::Mail, Fault::Reply(451, "4.7.1 try later".into()), 3);
    let run = |at: &str| {
        Command::new(env!("CARGO_BIN_EXE_newsletter"))
            .args(["run", "--at", at])
            .current_dir(project.path())
            .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret")
            .output()
            .unwrap()
    };

    let first = run("2026-11-24T07:00:00Z");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stopped before the whole list was done"),
        "{stderr}"
    );

    let second = run("2026-11-24T07:20:00Z");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    let list = std::fs::read_to_string(project.path().join("subscribers.csv")).unwrap();
    for line in list.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let address = line.split(',').next().unwrap();
        assert_eq!(server.messages_to(address).len(), 1, "{address}: {stderr}");
    }
}
