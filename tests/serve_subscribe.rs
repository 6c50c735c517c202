//! Double opt-in through the real `serve` binary over HTTP, with the
//! confirmation mail read back from the file transport's outbox or from the
//! in-process SMTP server; and the `subscribers` and `check` commands.

mod common;

use common::send_project::{shown, Project, SECRET};
use common::serve::{confirm_link, path_of, post, request, request_with, Serve};
use common::smtp_server::SmtpServer;
use newsletter::audience::{tokens, SubscriberStatus};

const ENV: [(&str, &str); 1] = [("NL_TEST_UNSUB_SECRET", SECRET)];

fn confirmation_file(project: &Project, address: &str) -> std::path::PathBuf {
    project
        .root()
        .join("outbox/confirmations")
        .join(newsletter::send::eml_file_name(address))
}

/// Waits for the background mail (the answer does not wait for it).
fn wait_for_file(path: &std::path::Path) -> Vec<u8> {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            return bytes;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "{} never written",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn status_of(project: &Project, address: &str) -> Option<SubscriberStatus> {
    project
        .ledger()
        .subscriber(address)
        .unwrap()
        .map(|r| r.status)
}

#[test]
fn double_opt_in_needs_the_link_and_the_button_and_only_then_mail_arrives() {
    let project = Project::new("email,name\nann@example.com,Ann\n", "");
    let serve = Serve::start(&project.config_path(), &ENV);
    let form = request(serve.addr, "GET", "/subscribe", None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"email\"") && form.body.contains("name=\"website\""));

    let asked = post(
        serve.addr,
        "/subscribe",
        "email=New%40Example.com&name=Nia+New&website=",
    );
    assert_eq!(asked.status, 200);
    let mail = wait_for_file(&confirmation_file(&project, "new@example.com"));
    assert_eq!(
        status_of(&project, "new@example.com"),
        Some(SubscriberStatus::Unconfirmed)
    );

    // Unconfirmed readers receive nothing.
    let out = project.run(&["send"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 sent"),
        "{}",
        shown(&out)
    );
    assert!(!project
        .root()
        .join("outbox/001/new@example.com.eml")
        .exists());

    let link = path_of(&confirm_link(&mail));
    let page = request(serve.addr, "GET", &link, None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<button"));
    assert_eq!(
        status_of(&project, "new@example.com"),
        Some(SubscriberStatus::Unconfirmed),
        "a GET on the link confirms nothing"
    );
    let done = post(serve.addr, &link, "confirm=yes");
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(
        status_of(&project, "new@example.com"),
        Some(SubscriberStatus::Active)
    );

    let export = project.run(&["subscribers", "export"]);
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(csv.starts_with("email,name,status,changed"), "{csv}");
    assert!(csv.contains("New@Example.com,Nia New,active,"), "{csv}");

    // The next issue reaches them although they are not in the CSV.
    project.write_issue(2);
    let out = project.run(&["send", "--issue", "2"]);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 sent"),
        "{}",
        shown(&out)
    );
    let eml =
        std::fs::read_to_string(project.root().join("outbox/002/new@example.com.eml")).unwrap();
    assert!(eml.contains("Nia New"), "{eml}");
    assert!(!serve.log().contains("new@example.com"), "{}", serve.log());
}

#[test]
fn the_answer_is_the_same_for_known_and_unknown_addresses_and_bots_get_nothing() {
    let project = Project::new("email,name\nann@example.com,Ann\n", "");
    let serve = Serve::start(&project.config_path(), &ENV);
    let known = post(serve.addr, "/subscribe", "email=ann%40example.com");
    let unknown = post(serve.addr, "/subscribe", "email=zed%40example.com");
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body, unknown.body);
    // Ann is in the CSV: asking again must not stop her issues.
    assert_eq!(status_of(&project, "ann@example.com"), None);
    let bot = post(
        serve.addr,
        "/subscribe",
        "email=bot%40example.com&website=http%3A%2F%2Fspam",
    );
    assert_eq!(bot.body, unknown.body);
    wait_for_file(&confirmation_file(&project, "zed@example.com"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!confirmation_file(&project, "bot@example.com").exists());
    assert_eq!(status_of(&project, "bot@example.com"), None);
    let invalid = post(serve.addr, "/subscribe", "email=not-an-address");
    assert_eq!(invalid.status, 422);
}

#[test]
fn resubscribing_after_an_unsubscribe_goes_through_confirmation_and_old_links_do_not() {
    let project = Project::new("email,name\nann@example.com,Ann\n", "");
    let serve = Serve::start(&project.config_path(), &ENV);
    let secret = SECRET.as_bytes();
    let old_link = tokens::confirm_token(
        secret,
        "ann@example.com",
        chrono::Utc::now().timestamp() - 60,
    );
    let unsub = tokens::unsubscribe_token(secret, "ann@example.com");
    let answer = post(
        serve.addr,
        &format!("/unsubscribe/{unsub}"),
        "List-Unsubscribe=One-Click",
    );
    assert_eq!(answer.status, 200);
    assert_eq!(
        status_of(&project, "ann@example.com"),
        Some(SubscriberStatus::Unsubscribed)
    );

    // A link issued before the unsubscribe does not undo it.
    let stale = post(serve.addr, &format!("/confirm/{old_link}"), "confirm=yes");
    assert_eq!(stale.status, 409, "{stale:?}");
    assert_eq!(
        status_of(&project, "ann@example.com"),
        Some(SubscriberStatus::Unsubscribed)
    );

    // Asking again changes nothing until the new link is confirmed.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    post(serve.addr, "/subscribe", "email=ann%40example.com");
    let mail = wait_for_file(&confirmation_file(&project, "ann@example.com"));
    assert_eq!(
        status_of(&project, "ann@example.com"),
        Some(SubscriberStatus::Unsubscribed)
    );
    let out = project.run(&["send"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 sent"),
        "{}",
        shown(&out)
    );
    let link = path_of(&confirm_link(&mail));
    let done = post(serve.addr, &link, "confirm=yes");
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(
        status_of(&project, "ann@example.com"),
        Some(SubscriberStatus::Active)
    );
    let history = project
        .ledger()
        .subscriber_history("ann@example.com")
        .unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
}

#[test]
fn subscribe_posts_are_rate_limited_per_client_and_forwarded_for_needs_trust() {
    let project = Project::new(
        "email\nann@example.com\n",
        "\n[serve]\nsubscribe_limit = 2\n",
    );
    let serve = Serve::start(&project.config_path(), &ENV);
    let post = |headers: &[(&str, &str)]| {
        request_with(
            serve.addr,
            "POST",
            "/subscribe",
            Some("email=x%40example.com"),
            headers,
        )
        .status
    };
    assert_eq!(post(&[]), 200);
    assert_eq!(post(&[]), 200);
    assert_eq!(post(&[]), 429);
    // Not from a trusted proxy: the header does not buy a new allowance.
    assert_eq!(post(&[("X-Forwarded-For", "198.51.100.7")]), 429);
    let answer = request(serve.addr, "GET", "/subscribe", None);
    assert_eq!(answer.status, 200, "pages still answer");
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let project = Project::new(
        "email\nann@example.com\n",
        "\n[serve]\nsubscribe_limit = 1\ntrusted_proxies = [\"127.0.0.1\"]\n",
    );
    let serve = Serve::start(&project.config_path(), &ENV);
    let post = |client: &str| {
        request_with(
            serve.addr,
            "POST",
            "/subscribe",
            Some("email=x%40example.com"),
            &[("X-Forwarded-For", client)],
        )
        .status
    };
    assert_eq!(post("198.51.100.7"), 200);
    assert_eq!(post("198.51.100.7"), 429);
    assert_eq!(post("198.51.100.8"), 200);
    serve.log_with("client=198.51.100.8");
}

#[test]
fn the_confirmation_mail_goes_through_the_configured_smtp_relay() {
    let smtp = SmtpServer::start();
    let port = smtp.addr().port();
    let project = Project::new("email\nann@example.com\n", "");
    let config = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace("transport = \"file\"", "transport = \"smtp\"");
    std::fs::write(
        project.config_path(),
        format!(
            "{config}\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n"
        ),
    )
    .unwrap();
    let serve = Serve::start(&project.config_path(), &ENV);
    let answer = post(serve.addr, "/subscribe", "email=sam%40example.com&name=Sam");
    assert_eq!(answer.status, 200);
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtp.messages_to("sam@example.com").is_empty() {
        assert!(
            std::time::Instant::now() < give_up,
            "no confirmation mail: {}",
            serve.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mail = &smtp.messages_to("sam@example.com")[0];
    let link = path_of(&confirm_link(&mail.data));
    assert_eq!(post(serve.addr, &link, "confirm=yes").status, 200);
    assert_eq!(
        status_of(&project, "sam@example.com"),
        Some(SubscriberStatus::Active)
    );
}

#[test]
fn the_subscribers_command_adds_removes_imports_exports_and_counts() {
    let project = Project::new("email,name\nann@example.com,Ann\n", "");
    let ok = |args: &[&str]| {
        let out = project.run(args);
        assert!(out.status.success(), "{args:?}: {}", shown(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        ok(&["subscribers", "add", "Dee@example.com", "--name", "Dee"]).contains("added as active")
    );
    assert!(ok(&["subscribers", "remove", "ann@example.com"]).contains("unsubscribed"));
    let bad = project.run(&["subscribers", "add", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2), "{}", shown(&bad));

    let import = project.root().join("more.csv");
    std::fs::write(
        &import,
        "email,name\neve@example.com,Eve\nbroken,X\nann@example.com,Ann\n",
    )
    .unwrap();
    let out = project.run(&["subscribers", "import", import.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("more.csv:3"), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 added"),
        "{}",
        shown(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 kept suppressed"),
        "{}",
        shown(&out)
    );

    let list = ok(&["subscribers", "list", "--status", "active"]);
    assert!(
        list.contains("Dee@example.com") && list.contains("eve@example.com"),
        "{list}"
    );
    assert!(!list.contains("ann@example.com"), "{list}");
    let export = ok(&["subscribers", "export", "--status", "unsubscribed"]);
    assert_eq!(export.lines().count(), 2, "{export}");
    let stats = ok(&["subscribers", "stats"]);
    assert!(
        stats.contains("active\t2") && stats.contains("unsubscribed\t1"),
        "{stats}"
    );

    // check names the CSV row that the store suppresses.
    let check = project.run(&["check"]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr
            .contains("subscribers.csv:2: ann@example.com is unsubscribed in the subscriber store"),
        "{}",
        shown(&check)
    );
    // And the send skips her, though the CSV still lists her.
    let out = ok(&["send"]);
    assert!(
        out.contains("2 sent") && out.contains("1 unsubscribed"),
        "{out}"
    );
}

#[test]
fn unusable_serve_settings_are_bad_input_naming_the_config() {
    let project = Project::new(
        "email\nann@example.com\n",
        "\n[serve]\ntrusted_proxies = [\"the proxy\"]\n",
    );
    let out = project.run(&["serve", "--port", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("trusted_proxies"),
        "{}",
        shown(&out)
    );

    // Over SMTP the links must be checked with the real secret.
    let project = Project::new("email\nann@example.com\n", "");
    let config = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace("transport = \"file\"", "transport = \"smtp\"");
    std::fs::write(project.config_path(), config).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(project.config_path())
        .args(["serve", "--port", "0"])
        .env_remove("NL_TEST_UNSUB_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("NL_TEST_UNSUB_SECRET"),
        "{}",
        shown(&out)
    );
    let out = project.run(&["serve", "--host", "localhost:80"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
}
