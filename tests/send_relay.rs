//! Real relays, in-process: the test server speaks STARTTLS or implicit TLS
//! with a certificate from a CA made in the test, and wants AUTH. `send`
//! must deliver with the right `ca_file` and login, and refuse — with its
//! own message, nothing delivered, every reader still queued — a wrong
//! password, a certificate for another host, an expired certificate, a CA
//! it was not given, a relay that drops STARTTLS, and one offering no AUTH.

mod common;

use std::path::Path;
use std::process::Output;

use common::send_project::{shown, Project};
use common::smtp_server::{ServerOptions, SmtpServer, TlsMode};
use common::test_ca::{Leaf, TestCa};
use mailin::AuthMechanism;

const LIST: &str =
    "email,name\nada@example.com,Ada\ngrace@example.com,Grace\nrosalind@example.com,Rosalind\n";
const USER: &str = "news@example.com";
const PASS: &str = "correct horse battery staple";

/// A project sending through the server, with `ca_file` written from `ca`
/// when given.
fn relay_project(server: &SmtpServer, security: &str, ca: Option<&TestCa>, extra: &str) -> Project {
    let mut keys = extra.to_string();
    if ca.is_some() {
        keys.push_str("\nca_file = \"relay-ca.pem\"");
    }
    let project = Project::for_relay(LIST, server.addr().port(), security, &keys);
    if let Some(ca) = ca {
        ca.write_pem(&project.root().join("relay-ca.pem"));
    }
    project
}

fn run_with_login(project: &Project, password: &str, args: &[&str]) -> Output {
    project.run_with_login(USER, password, args)
}

fn tls_server(tls: TlsMode, ca: &TestCa, leaf: Leaf) -> SmtpServer {
    SmtpServer::start_with(ServerOptions {
        tls,
        cert: Some(ca.leaf(leaf)),
        login: Some((USER.into(), PASS.into())),
        ..ServerOptions::default()
    })
}

/// The run failed with `needle` in its output, delivered nothing and left
/// every reader queued (not failed): the next run can still reach them.
fn assert_refused(project: &Project, server: &SmtpServer, out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", shown(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(needle),
        "wanted {needle:?} in\n{}",
        shown(out)
    );
    assert!(server.messages().is_empty(), "a message was delivered");
    let counts = project.ledger().delivery_counts(1, None).unwrap();
    assert_eq!(
        (counts.queued, counts.failed, counts.sent),
        (3, 0, 0),
        "{}",
        shown(out)
    );
}

/// A send through `server` that must be refused saying `says`.
fn send_refused(server: &SmtpServer, security: &str, ca: Option<&TestCa>, says: &str) -> Output {
    let project = relay_project(server, security, ca, "");
    let out = run_with_login(&project, PASS, &["send"]);
    assert_refused(&project, server, &out, says);
    out
}

#[test]
fn starttls_with_the_ca_file_and_login_delivers_and_check_reports_it() {
    let ca = TestCa::new("Relay Test CA");
    let server = tls_server(TlsMode::StartTls, &ca, Leaf::Loopback);
    let project = relay_project(&server, "starttls", Some(&ca), "");

    let check = run_with_login(&project, PASS, &["check", "--smtp"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("smtp: smtp+starttls://127.0.0.1:")
            && stdout.contains("TLS (STARTTLS): certificate valid for 127.0.0.1")
            && stdout.contains("relay-ca.pem (1 certificate)")
            && stdout.contains("AUTH PLAIN: logged in as \"news@example.com\""),
        "{}",
        shown(&check)
    );
    assert!(server.messages().is_empty(), "check sent a message");

    let out = run_with_login(&project, PASS, &["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 3, "{}", shown(&out));
    let attempts = server.auth_attempts();
    assert!(!attempts.is_empty());
    for a in &attempts {
        assert!(a.over_tls && a.accepted && a.mechanism == "PLAIN", "{a:?}");
    }
}

#[test]
fn the_system_trust_store_is_used_and_the_mozilla_roots_stand_in_when_it_is_empty() {
    let ca = TestCa::new("Corporate CA");
    let server = tls_server(TlsMode::StartTls, &ca, Leaf::Loopback);
    let project = relay_project(&server, "starttls", None, "");
    // The CA as the only one in the system store (SSL_CERT_FILE and
    // SSL_CERT_DIR say where OpenSSL-style stores are): trusted with no ca_file.
    let system = project.root().join("system-ca.pem");
    ca.write_pem(&system);
    let no_dir = project.root().join("no-certs");
    std::fs::create_dir(&no_dir).unwrap();
    let check = project.run_with_login_env(
        USER,
        PASS,
        &["check", "--smtp"],
        &[("SSL_CERT_FILE", &system), ("SSL_CERT_DIR", &no_dir)],
    );
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains(": ok")
            && stdout.contains("checked against the system trust store (1 certificate)"),
        "{}",
        shown(&check)
    );
    // A system with no store at all: the Mozilla roots, which do not know this CA.
    let empty = project.root().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let check = project.run_with_login_env(
        USER,
        PASS,
        &["check", "--smtp"],
        &[("SSL_CERT_FILE", &empty), ("SSL_CERT_DIR", &no_dir)],
    );
    assert_eq!(check.status.code(), Some(1), "{}", shown(&check));
    assert!(
        String::from_utf8_lossy(&check.stderr)
            .contains("checked against the Mozilla roots (the system has no trust store)"),
        "{}",
        shown(&check)
    );
    assert!(server.messages().is_empty());
}

#[test]
fn implicit_tls_delivers_with_auth_login_when_that_is_all_the_relay_offers() {
    let ca = TestCa::new("Relay Test CA");
    let server = SmtpServer::start_with(ServerOptions {
        tls: TlsMode::Implicit,
        cert: Some(ca.leaf(Leaf::Loopback)),
        login: Some((USER.into(), PASS.into())),
        mechanisms: vec![AuthMechanism::Login],
        ..ServerOptions::default()
    });
    let project = relay_project(&server, "tls", Some(&ca), "");
    let out = run_with_login(&project, PASS, &["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 3);
    assert!(server
        .auth_attempts()
        .iter()
        .all(|a| a.mechanism == "LOGIN" && a.over_tls && a.accepted));
}

#[test]
fn a_wrong_password_stops_the_run_at_once_and_leaves_readers_queued() {
    let ca = TestCa::new("Relay Test CA");
    let server = tls_server(TlsMode::StartTls, &ca, Leaf::Loopback);
    let project = relay_project(&server, "starttls", Some(&ca), "");
    let out = run_with_login(&project, "wrong", &["send"]);
    assert_refused(
        &project,
        &server,
        &out,
        "refused the login of \"news@example.com\" with AUTH PLAIN",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("535") && stderr.contains("NL_RELAY_USER and NL_RELAY_PASS"),
        "{stderr}"
    );
    // Not retried in a loop: at most one login per connection of the pool.
    assert!(
        server.auth_attempts().len() <= 2,
        "{:?}",
        server.auth_attempts()
    );
    // The same login fixed: the next run delivers to everyone.
    let out = run_with_login(&project, PASS, &["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn a_certificate_for_another_host_name_is_refused() {
    let ca = TestCa::new("Relay Test CA");
    let server = tls_server(TlsMode::StartTls, &ca, Leaf::OtherHost("mail.example.org"));
    send_refused(
        &server,
        "starttls",
        Some(&ca),
        "certificate is for another host name (it names mail.example.org), not \"127.0.0.1\"",
    );
    assert!(
        server.auth_attempts().is_empty(),
        "a password went to the wrong host"
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = TestCa::new("Relay Test CA");
    let server = tls_server(TlsMode::Implicit, &ca, Leaf::Expired);
    send_refused(
        &server,
        "tls",
        Some(&ca),
        "certificate expired on 2021-01-01",
    );
}

#[test]
fn a_ca_the_sender_was_not_given_is_refused_and_ca_file_is_the_hint() {
    let ca = TestCa::new("Relay Test CA");
    let server = tls_server(TlsMode::StartTls, &ca, Leaf::Loopback);
    // No ca_file: the system store does not know this CA.
    let out = send_refused(
        &server,
        "starttls",
        None,
        "signed by a CA that is not trusted here",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("set ca_file ="));
    // Another CA in ca_file is no better.
    let other = TestCa::new("Some Other CA");
    send_refused(
        &server,
        "starttls",
        Some(&other),
        "relay-ca.pem (1 certificate)",
    );
    assert!(server.auth_attempts().is_empty());
}

#[test]
fn a_relay_that_drops_starttls_gets_nothing_in_plain_text() {
    // Offers AUTH in plain text and no STARTTLS: a downgrade.
    let server = SmtpServer::start_with(ServerOptions {
        login: Some((USER.into(), PASS.into())),
        plaintext_auth: true,
        ..ServerOptions::default()
    });
    let ca = TestCa::new("Relay Test CA");
    send_refused(&server, "starttls", Some(&ca), "did not offer STARTTLS");
    assert!(
        server.auth_attempts().is_empty(),
        "the password went out in plain text"
    );
}

#[test]
fn credentials_but_no_auth_offered_is_an_error_not_an_anonymous_send() {
    let ca = TestCa::new("Relay Test CA");
    let server = SmtpServer::start_with(ServerOptions {
        tls: TlsMode::StartTls,
        cert: Some(ca.leaf(Leaf::Loopback)),
        ..ServerOptions::default()
    });
    send_refused(
        &server,
        "starttls",
        Some(&ca),
        "offers no AUTH at all, but credentials are configured",
    );
    let project = relay_project(&server, "starttls", Some(&ca), "");
    let check = run_with_login(&project, PASS, &["check", "--smtp"]);
    assert_eq!(check.status.code(), Some(1), "{}", shown(&check));
    assert!(String::from_utf8_lossy(&check.stdout).contains("FAILED"));
}

#[test]
fn plain_text_to_a_remote_host_is_bad_input() {
    let project = Project::new(LIST, "");
    let out = project.run(&["send", "--smtp", "smtp://192.0.2.10:25"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a loopback address"),
        "{}",
        shown(&out)
    );
    let path = project.config_path();
    let text = std::fs::read_to_string(&path).unwrap()
        + "\n[delivery.smtp]\nhost = \"mail.example.com\"\nsecurity = \"none\"\n";
    std::fs::write(&path, text).unwrap();
    let out = project.run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("allow_plaintext = true"));
}

#[test]
fn a_missing_ca_file_is_bad_input_naming_it() {
    let server = SmtpServer::start();
    let project = relay_project(&server, "starttls", None, "ca_file = \"nowhere/ca.pem\"");
    let out = run_with_login(&project, PASS, &["send"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: cannot read the ca_file",
            Path::new(&project.root()).join("nowhere/ca.pem").display()
        )),
        "{stderr}"
    );
}
