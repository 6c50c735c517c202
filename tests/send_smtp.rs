//! `newsletter send` against a real SMTP server running in the test process.

mod common;

use common::send_project::{shown, Project, SECRET};
use common::smtp_server::{Fault, SmtpServer, Stage};
use mail_parser::MessageParser;

const LIST: &str = "email,name,company,status\n\
ada@example.com,Ada Lovelace,Analytical Engines,active\n\
grace@example.com,Grace Hopper,COBOL Inc,\n\
not-an-address,Nobody,,\n\
carol@example.com,Carol,,unsubscribed\n\
ADA@Example.com,Ada Again,,\n\
rosalind@example.com,\"Franklin, Rosalind\",King's,\n";

fn smtp_project(list: &str, extra: &str) -> Project {
    Project::new(list, &format!("max_send_errors = 50\n{extra}"))
}

#[test]
fn list_send_reaches_each_subscriber_once_and_a_rerun_sends_nothing() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "");
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The bad row is reported with its line and skipped; the duplicate is merged.
    assert!(
        stderr.contains("subscribers.csv:4:") && stderr.contains("not-an-address"),
        "{stderr}"
    );
    assert!(
        stderr.contains("subscribers.csv:6:") && stderr.contains("already listed on line 2"),
        "{stderr}"
    );

    let messages = server.messages();
    assert_eq!(messages.len(), 3, "{}", shown(&out));
    for rcpt in [
        "ada@example.com",
        "grace@example.com",
        "rosalind@example.com",
    ] {
        assert_eq!(server.messages_to(rcpt).len(), 1, "{rcpt}");
    }
    assert!(
        server.messages_to("carol@example.com").is_empty(),
        "unsubscribed reader got mail"
    );

    let ada = &server.messages_to("ada@example.com")[0];
    assert_eq!(ada.from, "newsletter@example.com");
    let parsed = MessageParser::default().parse(&ada.data).expect("parses");
    assert_eq!(parsed.subject(), Some("Energy Source #1: oil climbs"));
    let html = parsed.body_html(0).expect("html part").into_owned();
    let text = parsed.body_text(0).expect("text part").into_owned();
    assert!(html.contains("Good morning Ada Lovelace,"), "{html}");
    assert!(html.contains("Your company: Analytical Engines"), "{html}");
    assert!(text.contains("Good morning Ada Lovelace,"), "{text}");
    assert!(
        text.contains("\n.leading dot line"),
        "dot-stuffing broke the text: {text}"
    );
    let raw = ada.text();
    assert!(raw.contains("multipart/alternative"), "{raw}");
    let header = |name: &str| {
        parsed
            .header_raw(name)
            .unwrap_or_else(|| panic!("no {name} header in\n{raw}"))
            .trim()
            .to_string()
    };
    assert!(header("Message-ID").contains("@example.com>"));
    assert!(header("Date").len() > 10);
    assert_eq!(
        header("List-Id"),
        "Energy Source <energy-source.example.com>"
    );
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsub = header("List-Unsubscribe").replace(['\r', '\n'], "");
    assert!(unsub.contains("mailto:unsubscribe@example.com"), "{unsub}");
    let token = unsub
        .split("token=")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .expect("token in List-Unsubscribe");
    assert_eq!(
        newsletter::send::message::verify_unsubscribe_token(SECRET.as_bytes(), token).as_deref(),
        Some("ada@example.com")
    );
    assert!(
        html.contains(token),
        "the unsubscribe link in the body carries the same token"
    );

    let counts = project.ledger().delivery_counts(1, None).unwrap();
    assert_eq!((counts.sent, counts.total()), (3, 3));

    let again = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(again.status.code(), Some(0), "{}", shown(&again));
    assert_eq!(
        server.messages().len(),
        3,
        "a re-run sent again: {}",
        shown(&again)
    );
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 sent"),
        "{}",
        shown(&again)
    );
}

#[test]
fn to_sends_only_to_that_address_and_leaves_the_ledger_alone() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "");
    let out = project.run(&[
        "send",
        "--smtp",
        &server.url(),
        "--to",
        "editor@example.org",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, vec!["editor@example.org".to_string()]);
    assert_eq!(
        project.ledger().delivery_counts(1, None).unwrap().total(),
        0
    );
    // The list send afterwards still reaches everyone.
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 4);

    let bad = project.run(&["send", "--smtp", &server.url(), "--to", "nope"]);
    assert_eq!(bad.status.code(), Some(2), "{}", shown(&bad));
}

#[test]
fn transient_failures_are_retried_and_permanent_ones_recorded() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "retries = 5\n[delivery.smtp]\npool = 2\n");
    server.fail_next(
        Stage::Rcpt,
        Fault::Reply(451, "4.3.0 try again later".into()),
        2,
    );
    server.fail_next(Stage::Mail, Fault::Drop, 1);
    server.fail_next(
        Stage::Data,
        Fault::Reply(421, "4.3.2 shutting down".into()),
        1,
    );
    server.refuse_recipient("grace@example.com", 550, "5.1.1 no such user");
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused reader makes the run fail: {}",
        shown(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("5.1.1 no such user"),
        "{}",
        shown(&out)
    );
    assert_eq!(server.messages_to("ada@example.com").len(), 1);
    assert_eq!(server.messages_to("rosalind@example.com").len(), 1);
    assert_eq!(server.messages().len(), 2);

    let ledger = project.ledger();
    let counts = ledger.delivery_counts(1, None).unwrap();
    assert_eq!(
        (counts.sent, counts.failed, counts.queued),
        (2, 1, 0),
        "{counts:?}"
    );
    // A permanent failure is final: the next run does not try again.
    let again = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(server.messages().len(), 2, "{}", shown(&again));
    assert!(server.connections() > 2, "failed exchanges reconnect");
}

#[test]
fn a_lost_reply_after_the_message_is_ambiguous_and_not_resent_unless_asked() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "[delivery.smtp]\npool = 1\n");
    server.fail_next(Stage::DataEnd, Fault::Drop, 1);
    let out = project.run(&["send", "--smtp", &server.url()]);
    let shown_out = shown(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 ambiguous"),
        "{shown_out}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ambiguous: "),
        "{shown_out}"
    );
    assert_eq!(server.messages().len(), 2, "{shown_out}");
    let lost = server.unacknowledged();
    assert_eq!(lost.len(), 1);
    let lost_rcpt = lost[0].to[0].clone();

    let again = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(
        server.messages().len(),
        2,
        "ambiguous row resent: {}",
        shown(&again)
    );
    let status = project.run(&["send", "--status"]);
    let status_out = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        status_out.contains("2 sent") && status_out.contains("1 sending"),
        "{status_out}"
    );
    assert!(status_out.contains(&lost_rcpt), "{status_out}");

    let resend = project.run(&["send", "--smtp", &server.url(), "--resend-ambiguous"]);
    assert_eq!(resend.status.code(), Some(0), "{}", shown(&resend));
    assert_eq!(server.messages_to(&lost_rcpt).len(), 1);
    assert_eq!(project.ledger().delivery_counts(1, None).unwrap().sent, 3);
}

#[test]
fn consecutive_failures_pause_the_run_and_a_later_run_resumes() {
    let server = SmtpServer::start();
    let project = Project::new(
        LIST,
        "max_send_errors = 3\nretries = 10\n[delivery.smtp]\npool = 1\n",
    );
    server.fail_next(Stage::Mail, Fault::Reply(451, "4.7.1 greylisted".into()), 3);
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("paused after 3 consecutive failed attempts"),
        "{stderr}"
    );
    assert!(stderr.contains("greylisted"), "{stderr}");
    assert!(server.messages().is_empty());

    let again = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(again.status.code(), Some(0), "{}", shown(&again));
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections but never sends a greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(2) {
            held.push(stream);
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    });
    let project = Project::new(
        "email,name\nada@example.com,Ada\n",
        "retries = 2\nmax_send_errors = 10\n[delivery.smtp]\npool = 1\ntimeout_secs = 1\n",
    );
    let out = project.run(&["send", "--smtp", &format!("smtp://{addr}")]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("timed out"),
        "{}",
        shown(&out)
    );
    let counts = project.ledger().delivery_counts(1, None).unwrap();
    assert_eq!(
        counts.queued, 1,
        "a timed-out reader stays queued for the next run"
    );
    drop(holder);
}

#[test]
fn dry_run_sends_nothing_and_records_nothing() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "");
    let out = project.run(&["send", "--smtp", &server.url(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("would go to 3 recipient(s)"), "{stdout}");
    assert!(
        stdout.contains("1 unsubscribed, 1 invalid, 1 duplicate(s)"),
        "{stdout}"
    );
    assert!(server.messages().is_empty());
    assert_eq!(server.connections(), 0);
    assert_eq!(
        project.ledger().delivery_counts(1, None).unwrap().total(),
        0
    );
}

#[test]
fn a_list_without_an_email_header_is_bad_input() {
    let server = SmtpServer::start();
    let project = smtp_project("ada@example.com,Ada\n", "");
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("subscribers.csv:1:") && stderr.contains("email"),
        "{stderr}"
    );
}

#[test]
fn a_real_smtp_send_needs_the_unsubscribe_secret() {
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(project.config_path())
        .args(["send", "--smtp", &server.url()])
        .env_remove("NL_TEST_UNSUB_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NL_TEST_UNSUB_SECRET"));
    assert!(server.messages().is_empty());
}

#[test]
fn a_dead_main_relay_fails_over_to_the_next_one() {
    let server = SmtpServer::start();
    // Nothing listens on the main relay's port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let project = Project::new(
        LIST,
        &format!(
            "transport = \"smtp\"\nmax_send_errors = 50\n\
             [delivery.smtp]\nhost = \"127.0.0.1\"\nport = {dead_port}\nsecurity = \"none\"\npool = 2\n\
             [[delivery.relays]]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n",
            server.addr().port()
        ),
    );
    let text = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replacen("transport = \"file\"\n", "", 1);
    std::fs::write(project.config_path(), text).unwrap();
    let out = project.run(&["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn tls_is_never_silently_downgraded_to_plaintext() {
    // The in-process server speaks plaintext only and does not offer STARTTLS.
    let server = SmtpServer::start();
    let project = smtp_project(LIST, "retries = 1\n");
    let starttls = format!("{}?tls=starttls", server.url());
    let out = project.run(&["send", "--smtp", &starttls]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("STARTTLS"),
        "{}",
        shown(&out)
    );
    let tls = format!("smtps://{}", server.addr());
    let out = project.run(&["send", "--smtp", &tls]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        server.messages().is_empty(),
        "a message went out in plaintext"
    );
    assert_eq!(project.ledger().delivery_counts(1, None).unwrap().queued, 3);
}

/// `[delivery] rate` spaces messages out: nine messages at four a second
/// cannot all be handed over in less than two seconds (8 intervals of 250 ms).
/// This bounds the time from below only, so a slow machine cannot fail it.
#[test]
fn the_rate_limit_spaces_messages_out() {
    let server = SmtpServer::start();
    let list: String = std::iter::once("email,name\n".to_string())
        .chain((1..=9).map(|i| format!("reader{i}@example.com,Reader {i}\n")))
        .collect();
    let project = smtp_project(&list, "rate = 4");
    let started = std::time::Instant::now();
    let out = project.run(&["send", "--smtp", &server.url()]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 9, "{}", shown(&out));
    assert!(
        elapsed >= std::time::Duration::from_millis(1900),
        "9 messages at 4/s went out in {elapsed:?}"
    );
}

/// SIGTERM mid-send: the messages in flight finish and are recorded, nothing
/// new starts, the process exits saying so, and the next `send` delivers the
/// rest. Every reader ends with exactly one message.
#[test]
fn sigterm_stops_after_the_messages_in_flight_and_a_rerun_finishes() {
    let server = SmtpServer::start();
    let list: String = std::iter::once("email,name\n".to_string())
        .chain((1..=40).map(|i| format!("reader{i}@example.com,Reader {i}\n")))
        .collect();
    // Five a second keeps the send running long enough to be stopped.
    let project = smtp_project(&list, "rate = 5");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(project.config_path())
        .args(["send", "--smtp", &server.url()])
        .env("NL_TEST_UNSUB_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while server.messages().len() < 3 {
        assert!(std::time::Instant::now() < give_up, "no mail arrived");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stopped on request"),
        "{}",
        shown(&out)
    );
    let first_run = server.messages().len();
    assert!(first_run < 40, "the stop came too late to test anything");
    assert!(
        server.unacknowledged().is_empty(),
        "a message was cut off mid-delivery"
    );

    let again = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(again.status.code(), Some(0), "{}", shown(&again));
    for i in 1..=40 {
        let rcpt = format!("reader{i}@example.com");
        assert_eq!(server.messages_to(&rcpt).len(), 1, "{rcpt}");
    }
}
