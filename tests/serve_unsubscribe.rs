//! One-click unsubscribe against the real `serve` binary over HTTP on
//! loopback, with issues sent over SMTP to the in-process server.

mod common;

use common::send_project::{shown, Project, SECRET};
use common::serve::{one_click_link, path_of, post, request, Serve};
use common::smtp_server::SmtpServer;
use newsletter::audience::{tokens, SubscriberStatus};

const ENV: [(&str, &str); 1] = [("NL_TEST_UNSUB_SECRET", SECRET)];

fn list_unsubscribe(server: &SmtpServer, rcpt: &str) -> String {
    let messages = server.messages_to(rcpt);
    assert_eq!(messages.len(), 1, "{rcpt} got {} messages", messages.len());
    let parsed = mail_parser::MessageParser::default()
        .parse(&messages[0].data)
        .unwrap();
    parsed
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .to_string()
}

/// The issue's proof in plain `cargo test`: a real send, the link read from
/// the received message, the RFC 8058 POST over HTTP, and the next issue
/// skipping that reader while everyone else gets exactly one copy.
#[test]
fn a_one_click_post_stops_the_next_issue_for_that_reader_only() {
    let smtp = SmtpServer::start();
    let project = Project::new(
        "email,name\nann@example.com,Ann\nBob@Example.com,Bob\ncid@example.com,Cid\n",
        "",
    );
    let out = project.run(&["send", "--smtp", &smtp.url()]);
    assert!(out.status.success(), "{}", shown(&out));

    let link = one_click_link(&list_unsubscribe(&smtp, "bob@example.com"));
    let serve = Serve::start(&project.config_path(), &ENV);
    let target = path_of(&link);
    let first = post(serve.addr, &target, "List-Unsubscribe=One-Click");
    assert_eq!(first.status, 200, "{first:?}");
    let again = post(serve.addr, &target, "List-Unsubscribe=One-Click");
    assert_eq!(again.status, 200, "a repeated one-click POST is still 200");
    let history = project
        .ledger()
        .subscriber_history("bob@example.com")
        .unwrap();
    assert_eq!(history.len(), 1, "the repeat changed nothing: {history:?}");
    assert_eq!(history[0].to, SubscriberStatus::Unsubscribed);

    project.write_issue(2);
    let out = project.run(&["send", "--issue", "2", "--smtp", &smtp.url()]);
    assert!(out.status.success(), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 sent"), "{}", shown(&out));
    assert!(
        stdout.contains("skipped: 1 unsubscribed"),
        "{}",
        shown(&out)
    );
    assert_eq!(smtp.messages_to("bob@example.com").len(), 1, "only issue 1");
    assert_eq!(smtp.messages_to("ann@example.com").len(), 2);
    assert_eq!(smtp.messages_to("cid@example.com").len(), 2);

    // Logged, but never with the address or the token.
    let log = serve.log_with("path=/unsubscribe status=200");
    assert!(
        log.contains("path=/unsubscribe") && log.contains("status=200"),
        "{log}"
    );
    assert!(
        !log.contains("bob@example.com") && !log.contains("Bob@Example.com"),
        "{log}"
    );
    let token = target.rsplit(['=', '/']).next().unwrap();
    assert!(!log.contains(token), "{log}");
    assert_eq!(serve.stop(), Some(0), "SIGTERM stops it cleanly");
}

#[test]
fn a_get_never_unsubscribes_and_bad_tokens_change_nothing() {
    let project = Project::new("email,name\nann@example.com,Ann\nbob@example.com,Bob\n", "");
    let serve = Serve::start(&project.config_path(), &ENV);
    let secret = SECRET.as_bytes();
    let ann = tokens::unsubscribe_token(secret, "ann@example.com");

    let page = request(serve.addr, "GET", &format!("/unsubscribe/{ann}"), None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form") && page.body.contains("method=\"post\""));
    assert!(page.body.contains("ann@example.com"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    // The legacy query form of the link shows the same page.
    let legacy = request(
        serve.addr,
        "GET",
        &format!("/unsubscribe?token={ann}"),
        None,
    );
    assert_eq!(legacy.status, 200);

    let tag = ann.rsplit('.').next().unwrap();
    let now = chrono::Utc::now().timestamp();
    let bad = [
        // Bob's address with Ann's tag.
        format!("u1.{}.{tag}", hex::encode("bob@example.com")),
        ann[..ann.len() - 4].to_string(),
        tokens::unsubscribe_token(b"another secret", "bob@example.com"),
        // A genuine confirmation token is not an unsubscribe token.
        tokens::confirm_token(secret, "bob@example.com", now),
        "nonsense".to_string(),
    ];
    for token in &bad {
        let answer = post(
            serve.addr,
            &format!("/unsubscribe/{token}"),
            "List-Unsubscribe=One-Click",
        );
        assert!((400..500).contains(&answer.status), "{token}: {answer:?}");
    }
    let confirm_bad = [
        tokens::unsubscribe_token(secret, "bob@example.com"),
        tokens::confirm_token(secret, "bob@example.com", now - 8 * 86_400),
        tokens::confirm_token(b"another secret", "bob@example.com", now),
    ];
    for token in &confirm_bad {
        let answer = post(serve.addr, &format!("/confirm/{token}"), "confirm=yes");
        assert!((400..500).contains(&answer.status), "{token}: {answer:?}");
    }
    // A POST without the one-click body is not an unsubscribe either.
    let bare = post(serve.addr, &format!("/unsubscribe/{ann}"), "x=1");
    assert_eq!(bare.status, 400);
    assert!(
        project.ledger().subscribers_list(None).unwrap().is_empty(),
        "nothing was written to the store"
    );
}

#[test]
fn the_archive_is_served_without_leaving_dist() {
    let project = Project::new("email\nann@example.com\n", "");
    std::fs::write(project.root().join("dist/index.html"), "<p>archive</p>").unwrap();
    let serve = Serve::start(&project.config_path(), &ENV);
    let home = request(serve.addr, "GET", "/", None);
    assert_eq!(home.status, 200);
    assert!(home.body.contains("archive"));
    for target in [
        "/../config.toml",
        "/%2e%2e/config.toml",
        "/..%2fconfig.toml",
        "/issues/..%5c..%5cconfig.toml",
    ] {
        let answer = request(serve.addr, "GET", target, None);
        assert_eq!(answer.status, 404, "{target}");
        assert!(!answer.body.contains("unsubscribe_secret_env"), "{target}");
    }
    // A folder without its slash goes to the same folder on this site only.
    let folder = request(serve.addr, "GET", "//issues", None);
    assert_eq!(folder.status, 308);
    assert_eq!(folder.header("location"), Some("/issues/"));
    let big = "List-Unsubscribe=One-Click&".repeat(2000);
    let token = tokens::unsubscribe_token(SECRET.as_bytes(), "ann@example.com");
    let answer = post(serve.addr, &format!("/unsubscribe/{token}"), &big);
    assert_eq!(answer.status, 413, "bodies are capped");
}

/// 200 one-click POSTs at once, each on its own connection, while a send of
/// 400 readers runs in another process over the same ledger: every request
/// is answered 200 and recorded once, nobody sees "database is locked".
#[test]
fn two_hundred_one_click_posts_at_once_during_a_send_are_all_recorded() {
    let smtp = SmtpServer::start();
    let list: String = std::iter::once("email,name\n".to_string())
        .chain((0..400).map(|i| format!("reader{i}@example.com,Reader {i}\n")))
        .collect();
    let project = Project::new(&list, "rate = 200");
    let serve = Serve::start(&project.config_path(), &ENV);
    let send = std::process::Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(project.config_path())
        .args(["send", "--smtp", &smtp.url()])
        .env("NL_TEST_UNSUB_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while smtp.messages().is_empty() {
        assert!(
            std::time::Instant::now() < give_up,
            "the send never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(200));
    let addr = serve.addr;
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let barrier = std::sync::Arc::clone(&barrier);
            std::thread::spawn(move || {
                let token =
                    tokens::unsubscribe_token(SECRET.as_bytes(), &format!("reader{i}@example.com"));
                barrier.wait();
                post(
                    addr,
                    &format!("/unsubscribe/{token}"),
                    "List-Unsubscribe=One-Click",
                )
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let out = send.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", shown(&out));
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let ledger = project.ledger();
    let unsubscribed = ledger
        .subscribers_list(Some(SubscriberStatus::Unsubscribed))
        .unwrap();
    assert_eq!(unsubscribed.len(), 200);
    for i in 0..200 {
        let history = ledger
            .subscriber_history(&format!("reader{i}@example.com"))
            .unwrap();
        assert_eq!(history.len(), 1, "reader{i}: {history:?}");
    }
    let mut log = serve.log();
    for _ in 0..400 {
        if log.matches("path=/unsubscribe/… status=200").count() >= 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
        log = serve.log();
    }
    let everything = format!("{log}{}", shown(&out));
    assert!(!everything.contains("locked"), "{everything}");
    assert_eq!(
        log.matches("path=/unsubscribe/… status=200").count(),
        200,
        "{log}"
    );
}
