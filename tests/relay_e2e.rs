//! `send` against a real submission relay: Postfix with STARTTLS (and
//! implicit TLS on a second port) on certificates from a CA generated with
//! openssl, SASL through Dovecot, delivering to a Maildir — all started by
//! tests/e2e/relay_server.sh in a temp folder, on free loopback ports, as
//! this test's own processes. Ignored by default; `.ci/run` installs Postfix,
//! Dovecot, openssl and dkimpy and runs it with `--include-ignored`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::send_project::{shown, Project};

const LIST: &str =
    "email,name\nada@example.com,Ada\ngrace@example.com,Grace\nrosalind@example.com,Rosalind\n";
const READERS: [&str; 3] = [
    "ada@example.com",
    "grace@example.com",
    "rosalind@example.com",
];

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(name)
}

/// A running Postfix + Dovecot; stopped (by its own pid files) when dropped.
struct Relay {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Relay {
    fn start() -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("bash")
            .arg(script("relay_server.sh"))
            .arg("start")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "relay_server.sh start failed (needs postfix, dovecot-core, openssl):\n{}",
            shown(&out)
        );
        let env = std::fs::read_to_string(dir.path().join("relay.env"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Relay { dir, env }
    }

    fn get(&self, key: &str) -> &str {
        &self.env[key]
    }

    /// Messages in the Maildir, waiting (a bounded number of polls) until
    /// there are `expected`; Postfix delivers after it has answered 250.
    fn delivered(&self, expected: usize) -> Vec<String> {
        let dir = Path::new(self.get("MAIL_DIR")).join("new");
        let mut found = Vec::new();
        for _ in 0..200 {
            found = std::fs::read_dir(&dir)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
                .unwrap_or_default();
            if found.len() >= expected {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut texts: Vec<String> = found
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        texts.sort();
        texts
    }

    fn message_files(&self) -> Vec<PathBuf> {
        let dir = Path::new(self.get("MAIL_DIR")).join("new");
        std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script("relay_server.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output();
    }
}

/// A project whose `[delivery.smtp]` is the relay on `port_key`.
fn project(
    relay: &Relay,
    port_key: &str,
    security: &str,
    ca_file: Option<&str>,
    extra: &str,
) -> Project {
    let port = relay.get(port_key).parse().unwrap();
    let ca = ca_file
        .map(|c| format!("ca_file = \"{c}\""))
        .unwrap_or_default();
    Project::for_relay(LIST, port, security, &format!("{ca}\n{extra}"))
}

fn run(relay: &Relay, project: &Project, password: &str, args: &[&str]) -> Output {
    project.run_with_login(relay.get("RELAY_USER"), password, args)
}

fn recipients(messages: &[String]) -> Vec<String> {
    let mut to: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(m.as_bytes())?;
            let addr = parsed.to()?.first()?.address()?.to_string();
            Some(addr)
        })
        .collect();
    to.sort();
    to
}

#[test]
#[ignore = "needs postfix, dovecot-core, openssl and python3 with dkimpy"]
fn postfix_starttls_and_implicit_tls_with_login_deliver_dkim_signed_mail() {
    let relay = Relay::start();
    let ca = relay.get("CA_FILE").to_string();
    let pass = relay.get("RELAY_PASS").to_string();

    // The DKIM key as the guides make it: PKCS#8 since OpenSSL 3.
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("dkim.pem");
    let made = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key)
        .arg("2048")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    let dkim = format!(
        "\n[delivery.dkim]\ndomain = \"example.com\"\nselector = \"nl2026\"\nprivate_key_file = \"{}\"\n",
        key.display()
    );

    let starttls = project(&relay, "PORT_GOOD", "starttls", Some(ca.as_str()), &dkim);
    let check = run(&relay, &starttls, &pass, &["check", "--smtp"]);
    let stdout = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        stdout.contains("TLS (STARTTLS): certificate valid for 127.0.0.1")
            && stdout.contains("EHLO: relay.e2e.test offers")
            && stdout.contains("AUTH PLAIN: logged in as \"news@example.com\"")
            && stdout.contains("publish this TXT record at nl2026._domainkey.example.com")
            && stdout.contains("RSA 2048-bit, PKCS#8 PEM"),
        "{}",
        shown(&check)
    );
    let record = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("value: "))
        .expect("the TXT value line")
        .to_string();
    assert!(record.starts_with("v=DKIM1; k=rsa; p=MII"), "{record}");

    let out = run(&relay, &starttls, &pass, &["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let messages = relay.delivered(3);
    assert_eq!(recipients(&messages), READERS, "{}", shown(&out));
    // The relay saw the login over TLS.
    let log = std::fs::read_to_string(relay.dir.path().join("maillog")).unwrap_or_default();
    assert!(
        log.contains("sasl_method=PLAIN, sasl_username=news@example.com"),
        "{log}"
    );
    // Each message verifies against the record `check` printed.
    let verify = Command::new("python3")
        .arg(script("dkim_verify_record.py"))
        .arg(&record)
        .args(relay.message_files())
        .output()
        .unwrap();
    assert!(verify.status.success(), "DKIM: {}", shown(&verify));

    // Implicit TLS on the second port, a fresh project (its own ledger).
    let implicit = project(&relay, "PORT_TLS", "tls", Some(ca.as_str()), "");
    let out = run(&relay, &implicit, &pass, &["send"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(relay.delivered(6).len(), 6, "{}", shown(&out));
}

/// One way a relay can be wrong, and what `send` must say about it.
struct Case<'a> {
    what: &'a str,
    port: &'a str,
    security: &'a str,
    ca_file: Option<&'a str>,
    password: &'a str,
    says: &'a str,
}

#[test]
#[ignore = "needs postfix, dovecot-core and openssl"]
fn postfix_refusals_each_say_why_and_deliver_nothing() {
    let relay = Relay::start();
    let ca = relay.get("CA_FILE").to_string();
    let other_ca = relay.get("OTHER_CA_FILE").to_string();
    let pass = relay.get("RELAY_PASS").to_string();
    let cases = [
        Case {
            what: "wrong password",
            port: "PORT_GOOD",
            security: "starttls",
            ca_file: Some(ca.as_str()),
            password: "not-the-password",
            says: "refused the login of \"news@example.com\" with AUTH PLAIN: permanent error (535)",
        },
        Case {
            what: "certificate for another host name",
            port: "PORT_OTHER",
            security: "starttls",
            ca_file: Some(ca.as_str()),
            password: &pass,
            says: "certificate is for another host name (it names mail.example.org), not \"127.0.0.1\"",
        },
        Case {
            what: "expired certificate",
            port: "PORT_EXPIRED",
            security: "starttls",
            ca_file: Some(ca.as_str()),
            password: &pass,
            says: "the server's certificate expired on 2021-01-01",
        },
        Case {
            what: "CA not given",
            port: "PORT_GOOD",
            security: "starttls",
            ca_file: None,
            password: &pass,
            says: "signed by a CA that is not trusted here (checked against the system trust store",
        },
        Case {
            what: "another CA given",
            port: "PORT_TLS",
            security: "tls",
            ca_file: Some(other_ca.as_str()),
            password: &pass,
            says: "other-ca.pem (1 certificate)",
        },
        Case {
            what: "STARTTLS dropped from EHLO",
            port: "PORT_NOTLS",
            security: "starttls",
            ca_file: Some(ca.as_str()),
            password: &pass,
            says: "did not offer STARTTLS",
        },
    ];
    let mut messages_seen = Vec::new();
    for Case {
        what,
        port,
        security,
        ca_file,
        password,
        says: needle,
    } in cases
    {
        let p = project(&relay, port, security, ca_file, "");
        let out = run(&relay, &p, password, &["send"]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", shown(&out));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            stderr.contains(needle),
            "{what}: wanted {needle:?} in\n{}",
            shown(&out)
        );
        let counts = p.ledger().delivery_counts(1, None).unwrap();
        assert_eq!(
            (counts.queued, counts.sent, counts.failed),
            (3, 0, 0),
            "{what}"
        );
        messages_seen.push(stderr);
    }
    // Every refusal reads differently.
    for (i, a) in messages_seen.iter().enumerate() {
        for b in &messages_seen[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // Nothing reached the Maildir, and Postfix never accepted a message.
    std::thread::sleep(Duration::from_millis(500));
    assert!(relay.message_files().is_empty());
    let log = std::fs::read_to_string(relay.dir.path().join("maillog")).unwrap_or_default();
    assert!(!log.contains("message-id="), "{log}");
    assert!(log.contains("authentication failed"), "{log}");
}
