//! `newsletter bounces` on reports written for this project, and refusals
//! during a real send to the in-process SMTP server: each kind moves the
//! reader as the issue says, and a soft policy refusal never removes anyone.

mod common;

use std::path::{Path, PathBuf};

use common::send_project::{shown, Project};
use common::smtp_server::SmtpServer;
use newsletter::audience::SubscriberStatus;

const LIST: &str = "email,name\nann@example.net,Ann\nbob@example.org,Bob\ncat@example.com,Cat\n\
dan@example.net,Dan\neve@example.org,Eve\n";

/// A Postfix-style DSN for `rcpt` with the given status and diagnostic.
fn dsn(rcpt: &str, status: &str, diagnostic: &str, original_id: &str) -> String {
    format!(
        "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n\
To: newsletter@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.com.\r\n\
Your message could not be delivered to one or more recipients.\r\n\r\n\
<{rcpt}>: host mx.remote.example said: {diagnostic}\r\n\r\n\
--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n\
Final-Recipient: rfc822; {rcpt}\r\nOriginal-Recipient: rfc822;{rcpt}\r\nAction: failed\r\n\
Status: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n\
--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Energy Source <newsletter@example.com>\r\n\
To: {rcpt}\r\nSubject: Energy Source #1\r\nMessage-ID: {original_id}\r\n\r\n--b1--\r\n"
    )
}

/// An RFC 5965 feedback report of `kind` about `rcpt`.
fn arf(rcpt: &str, kind: &str) -> String {
    format!(
        "From: feedback@isp.example\r\nTo: abuse@example.com\r\nSubject: Feedback report\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\r\n\r\n\
--f\r\nContent-Type: text/plain\r\n\r\nA reader reported this message.\r\n\
--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: {kind}\r\nVersion: 1\r\n\
Original-Mail-From: <newsletter@example.com>\r\nOriginal-Rcpt-To: <{rcpt}>\r\n\r\n\
--f\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: newsletter@example.com\r\nTo: {rcpt}\r\n\
Subject: Energy Source #1\r\n\r\n--f--\r\n"
    )
}

/// An RFC 3834 out-of-office answer from `from`.
fn auto_reply(from: &str) -> String {
    format!(
        "From: {from}\r\nTo: newsletter@example.com\r\nSubject: Out of office: Energy Source #1\r\n\
Auto-Submitted: auto-replied\r\nReturn-Path: <>\r\n\r\nI am away until Monday and will reply then.\r\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn status(project: &Project, address: &str) -> Option<SubscriberStatus> {
    project
        .ledger()
        .subscriber(address)
        .unwrap()
        .map(|r| r.status)
}

/// The readers of LIST, active in the store (as `subscribers import` would leave them).
fn seeded(extra: &str) -> Project {
    let project = Project::new(LIST, extra);
    let mut ledger = project.ledger();
    for line in LIST.lines().skip(1) {
        let address = line.split(',').next().unwrap();
        ledger
            .set_subscriber_status(address, "", SubscriberStatus::Active, "listed", "test")
            .unwrap();
    }
    project
}

fn reports(dir: &Path) -> Vec<PathBuf> {
    vec![
        write(
            dir,
            "hard.eml",
            &dsn(
                "ann@example.net",
                "5.1.1",
                "550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
                "<a1@example.com>",
            ),
        ),
        write(
            dir,
            "soft-policy.eml",
            &dsn(
                "bob@example.org",
                "5.7.1",
                "550 5.7.1 Message rejected under our DMARC policy for example.com (in reply to end of DATA command)",
                "<b1@example.com>",
            ),
        ),
        write(dir, "complaint.eml", &arf("cat@example.com", "abuse")),
        write(dir, "opt-out.eml", &arf("dan@example.net", "opt-out")),
        write(dir, "away.eml", &auto_reply("eve@example.org")),
    ]
}

fn args<'a>(paths: &'a [PathBuf], head: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = head.to_vec();
    all.extend(paths.iter().map(|p| p.to_str().unwrap()));
    all
}

#[test]
fn each_kind_of_report_moves_the_reader_as_described_and_twice_counts_once() {
    let project = seeded("");
    let dir = project.root().join("mail");
    std::fs::create_dir_all(&dir).unwrap();
    let paths = reports(&dir);
    let out = project.run(&args(&paths, &["bounces"]));
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        5,
        "one line per recipient: {stdout}"
    );

    for (reader, expected) in [
        ("ann@example.net", SubscriberStatus::Bounced),
        ("bob@example.org", SubscriberStatus::Active),
        ("cat@example.com", SubscriberStatus::Complained),
        ("dan@example.net", SubscriberStatus::Unsubscribed),
        ("eve@example.org", SubscriberStatus::Active),
    ] {
        assert_eq!(status(&project, reader), Some(expected), "{reader}");
    }
    let history = project
        .ledger()
        .subscriber_history("ann@example.net")
        .unwrap();
    let last = history.last().unwrap();
    assert!(last.reason.contains("5.1.1"), "{last:?}");
    assert!(last.origin.contains("hard.eml"), "{last:?}");
    assert_eq!(
        project
            .ledger()
            .soft_bounce_streak("bob@example.org")
            .unwrap(),
        1
    );

    // The same reports again: nothing is counted twice.
    let again = project.run(&args(&paths, &["bounces"]));
    assert_eq!(again.status.code(), Some(0), "{}", shown(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("seen before"),
        "{}",
        shown(&again)
    );
    assert_eq!(
        project
            .ledger()
            .soft_bounce_streak("bob@example.org")
            .unwrap(),
        1
    );
    assert_eq!(
        project
            .ledger()
            .subscriber_history("ann@example.net")
            .unwrap()
            .len(),
        history.len()
    );
}

#[test]
fn a_soft_policy_rejection_never_removes_but_three_issues_in_a_row_do() {
    let project = seeded("soft_bounce_limit = 3\n");
    let dir = project.root().join("mail");
    std::fs::create_dir_all(&dir).unwrap();
    // The same reader refused for policy in two issues: counted, still active.
    for issue in 1..=2 {
        record_delivery(
            &project,
            issue,
            "bob@example.org",
            &format!("<b{issue}@example.com>"),
        );
        let report = dsn(
            "bob@example.org",
            "5.7.1",
            &format!("554 5.7.1 Message refused for policy reasons, issue {issue}"),
            &format!("<b{issue}@example.com>"),
        );
        let path = write(&dir, &format!("policy-{issue}.eml"), &report);
        let out = project.run(&["bounces", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
        assert_eq!(
            status(&project, "bob@example.org"),
            Some(SubscriberStatus::Active)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("matched by message-id"), "{stdout}");
        assert!(stdout.contains(&format!("{issue} of 3")), "{stdout}");
    }

    // A third consecutive issue: suppressed as bounced, and the history says why.
    record_delivery(&project, 3, "bob@example.org", "<b3@example.com>");
    let third = write(
        &dir,
        "policy-3.eml",
        &dsn(
            "bob@example.org",
            "5.2.2",
            "552 5.2.2 Mailbox full",
            "<b3@example.com>",
        ),
    );
    let out = project.run(&args(&[third], &["bounces"]));
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(
        status(&project, "bob@example.org"),
        Some(SubscriberStatus::Bounced)
    );
    let history = project
        .ledger()
        .subscriber_history("bob@example.org")
        .unwrap();
    assert!(
        history
            .last()
            .unwrap()
            .reason
            .contains("3 consecutive issues"),
        "{history:?}"
    );
}

/// A `sent` delivery row with its Message-ID, as `send` leaves it.
fn record_delivery(project: &Project, issue: u32, address: &str, message_id: &str) {
    let ledger = project.ledger();
    ledger
        .issue_number_for(chrono::NaiveDate::from_ymd_opt(2025, 1, issue).unwrap())
        .unwrap();
    let run = ledger.begin_delivery_run(issue).unwrap();
    ledger
        .enqueue_delivery(issue, run, address, address, "", "{}", 1)
        .unwrap();
    ledger
        .mark_sent(issue, address, "250 ok", message_id)
        .unwrap();
}

#[test]
fn dry_run_prints_json_per_recipient_and_touches_nothing() {
    let project = Project::new(LIST, "");
    let dir = tempfile::tempdir().unwrap();
    let paths = reports(dir.path());
    let out = project.run(&args(&paths, &["bounces", "--dry-run", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let kinds: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert!(v["path"].as_str().unwrap().ends_with(".eml"));
            (
                v["recipient"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("ann@example.net", "hard"),
            ("bob@example.org", "soft"),
            ("cat@example.com", "complaint"),
            ("dan@example.net", "unsubscribe"),
            ("eve@example.org", "auto-reply"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(
        !project.root().join("state").exists(),
        "a dry run must not create the ledger"
    );
}

#[test]
fn an_unreadable_report_is_named_and_skipped_and_the_rest_go_through() {
    let project = seeded("");
    let dir = project.root().join("Maildir");
    std::fs::create_dir_all(dir.join("new")).unwrap();
    std::fs::create_dir_all(dir.join("cur")).unwrap();
    write(&dir.join("new"), "1.garbage", "");
    write(
        &dir.join("cur"),
        "2.hard",
        &dsn(
            "ann@example.net",
            "5.1.1",
            "550 5.1.1 user unknown (in reply to RCPT TO command)",
            "<x@y>",
        ),
    );
    let out = project.run(&["bounces", "--maildir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1.garbage"), "{stderr}");
    assert_eq!(
        status(&project, "ann@example.net"),
        Some(SubscriberStatus::Bounced)
    );
}

#[test]
fn a_send_records_user_unknown_against_the_reader_and_policy_as_soft() {
    let server = SmtpServer::start();
    let project = seeded("max_send_errors = 50\nreturn_path = \"bounces+{token}@example.com\"\n");
    server.refuse_recipient(
        "ann@example.net",
        550,
        "5.1.1 <ann@example.net>: user unknown",
    );
    server.refuse_recipient("bob@example.org", 550, "5.7.1 refused by local policy");
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert_eq!(
        status(&project, "ann@example.net"),
        Some(SubscriberStatus::Bounced)
    );
    assert_eq!(
        status(&project, "bob@example.org"),
        Some(SubscriberStatus::Active)
    );
    assert_eq!(
        project
            .ledger()
            .soft_bounce_streak("bob@example.org")
            .unwrap(),
        1
    );

    // VERP: each reader's envelope sender names them, so a report that only
    // names a forwarding address still finds the reader.
    let cat = &server.messages_to("cat@example.com")[0];
    assert!(
        cat.from.starts_with("bounces+cat=example.com."),
        "{}",
        cat.from
    );
    assert!(cat.from.ends_with("@example.com"));
    let report = dsn(
        "cat.forwarded@elsewhere.example",
        "5.1.1",
        "550 5.1.1 no such user (in reply to RCPT TO command)",
        "<unknown@example.com>",
    )
    .replace("To: newsletter@example.com", &format!("To: {}", cat.from));
    let path = write(project.root(), "verp.eml", &report);
    let out = project.run(&["bounces", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("verp"),
        "{}",
        shown(&out)
    );
    assert_eq!(
        status(&project, "cat@example.com"),
        Some(SubscriberStatus::Bounced)
    );
    // A forged token names nobody.
    let forged = report.replace("bounces+cat=example.com.", "bounces+dan=example.net.");
    let path = write(project.root(), "forged.eml", &forged);
    let out = project.run(&["bounces", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(
        status(&project, "dan@example.net"),
        Some(SubscriberStatus::Active)
    );
}

#[test]
fn no_reports_is_bad_input() {
    let project = Project::new(LIST, "");
    let out = project.run(&["bounces"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
}

#[test]
fn an_mbox_is_read_message_by_message_and_a_missing_one_is_bad_input() {
    let project = seeded("");
    let mbox = project.root().join("bounces.mbox");
    let mut text = String::new();
    for report in [
        dsn(
            "ann@example.net",
            "5.1.1",
            "550 5.1.1 user unknown (in reply to RCPT TO command)",
            "<m1@x>",
        ),
        arf("cat@example.com", "abuse"),
    ] {
        text.push_str("From MAILER-DAEMON Mon Jan  6 07:00:00 2025\n");
        text.push_str(&report.replace("\r\n", "\n"));
        text.push('\n');
    }
    std::fs::write(&mbox, text).unwrap();
    let out = project.run(&["bounces", "--dry-run", "--mbox", mbox.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("bounces.mbox:1: ann@example.net hard 5.1.1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bounces.mbox:2: cat@example.com complaint"),
        "{stdout}"
    );

    let missing = project.root().join("nowhere.mbox");
    let out = project.run(&["bounces", "--mbox", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nowhere.mbox"),
        "{}",
        shown(&out)
    );
}
