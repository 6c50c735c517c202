//! End-to-end delivery against real external SMTP servers: aiosmtpd (with a
//! handler that stores raw messages), Postfix's smtp-sink (fault flags) and
//! MailDev. Ignored by default; `.ci/run` installs the servers and runs them
//! with `cargo test --test send_e2e -- --include-ignored`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::store_server::{free_port, store_server, stored_counts, wait_for_port, Server};

const SECRET_ENV: &str = "NEWSLETTER_UNSUBSCRIBE_SECRET";
const SECRET: &str = "e2e-secret";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project from scripts/bench/smtp_project.py, with `extra` appended to [delivery].
fn project(dir: &Path, subscribers: usize, args: &[&str], delivery_extra: &str) {
    let status = Command::new("python3")
        .arg(repo().join("scripts/bench/smtp_project.py"))
        .arg(dir)
        .arg(subscribers.to_string())
        .args(args)
        .status()
        .expect("python3");
    assert!(status.success());
    if !delivery_extra.is_empty() {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen(
            "retry_delay_ms = 50\n",
            &format!("retry_delay_ms = 50\n{delivery_extra}\n"),
            1,
        );
        std::fs::write(path, text).unwrap();
    }
}

fn send(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("send")
        .args(args)
        .env(SECRET_ENV, SECRET)
        .output()
        .expect("run newsletter")
}

fn shown(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn status_counts(dir: &Path) -> String {
    String::from_utf8_lossy(&send(dir, &["--status"]).stdout).into_owned()
}

#[test]
#[ignore = "needs python3 with aiosmtpd and dkimpy, and openssl"]
fn aiosmtpd_1000_readers_get_one_signed_message_each() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("dkim.pem");
    let public = tmp.path().join("dkim.pub");
    assert!(Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success());
    assert!(Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success());
    let dir = tmp.path().join("project");
    project(&dir, 1000, &["--dkim", key.to_str().unwrap()], "");
    let store = tmp.path().join("store");
    let (_server, port) = store_server(&store, None);
    let out = send(&dir, &["--smtp", &format!("smtp://127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1000 sent, 0 failed"),
        "{}",
        shown(&out)
    );

    let counts = stored_counts(&store);
    assert_eq!(counts.len(), 1000);
    for i in 0..1000 {
        assert_eq!(
            counts.get(&format!("reader{i}@example.com")),
            Some(&1),
            "reader{i}"
        );
    }
    // Headers, on every message.
    for entry in std::fs::read_dir(&store).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            let raw = std::fs::read(&path).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
            for h in [
                "Message-ID",
                "Date",
                "List-Id",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
                "DKIM-Signature",
            ] {
                assert!(msg.header_raw(h).is_some(), "{} lacks {h}", path.display());
            }
            let unsub = msg.header_raw("List-Unsubscribe").unwrap();
            assert!(unsub.contains("https://news.example.com/unsubscribe?token="));
            assert!(unsub.contains("mailto:"));
            assert!(msg.body_html(0).unwrap().contains("Good morning Reader "));
        }
    }
    let verify = Command::new("python3")
        .arg(repo().join("tests/e2e/dkim_verify.py"))
        .arg(&store)
        .arg(&public)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "DKIM: {}",
        String::from_utf8_lossy(&verify.stdout)
    );

    // Nothing is sent twice.
    let again = send(&dir, &["--smtp", &format!("smtp://127.0.0.1:{port}")]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 sent"),
        "{}",
        shown(&again)
    );
    assert_eq!(stored_counts(&store).values().sum::<usize>(), 1000);
}

#[test]
#[ignore = "needs python3 with aiosmtpd"]
fn kill_9_mid_run_then_rerun_delivers_exactly_once_except_reported_ambiguous() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    project(&dir, 400, &["--pool", "4"], "");
    let store = tmp.path().join("store");
    // A slow server keeps messages in flight when the sender dies.
    let (_server, port) = store_server(&store, Some(0.02));
    let url = format!("smtp://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["send", "--smtp", &url])
        .env(SECRET_ENV, SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a good part has gone out.
    loop {
        let delivered = stored_counts(&store).values().sum::<usize>();
        if delivered >= 100 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the sender ended before it could be killed: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap()
        .success());
    let _ = child.wait();
    let delivered_before = stored_counts(&store).values().sum::<usize>();
    assert!(delivered_before < 400, "the run finished before the kill");

    let out = send(&dir, &["--smtp", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let status = status_counts(&dir);
    let ambiguous: Vec<String> = status
        .lines()
        .filter_map(|l| l.strip_prefix("ambiguous: "))
        .map(|s| s.to_lowercase())
        .collect();
    let counts = stored_counts(&store);
    for i in 0..400 {
        let rcpt = format!("reader{i}@example.com");
        let n = counts.get(&rcpt).copied().unwrap_or(0);
        if ambiguous.contains(&rcpt) {
            assert!(n <= 1, "{rcpt} (ambiguous) got {n}");
        } else {
            assert_eq!(n, 1, "{rcpt} got {n}; status:\n{status}");
        }
    }
    // The re-run reported the ambiguous ones to the user.
    for a in &ambiguous {
        assert!(String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains(a.as_str()));
    }
    eprintln!(
        "killed after {delivered_before} delivered; {} ambiguous",
        ambiguous.len()
    );
}

/// Starts smtp-sink with `flags` on a free port.
fn smtp_sink(flags: &[&str]) -> (Server, u16) {
    let port = free_port();
    let mut cmd = Command::new("smtp-sink");
    if is_root() {
        cmd.args(["-u", "nobody"]); // smtp-sink refuses to run as root without it
    }
    let child = cmd
        .args(flags)
        .arg(format!("127.0.0.1:{port}"))
        .arg("64")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("smtp-sink (Postfix)");
    wait_for_port(port);
    (Server(child), port)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn sink_run(dir: &Path, flags: &[&str]) -> Output {
    let (_sink, port) = smtp_sink(flags);
    send(dir, &["--smtp", &format!("smtp://127.0.0.1:{port}")])
}

const FAULTY: &str = "retries = 3\nmax_send_errors = 1000";

#[test]
#[ignore = "needs Postfix smtp-sink"]
fn smtp_sink_transient_faults_are_retried_and_end_sent() {
    for flags in [
        &["-r", "rcpt"][..], // 4xx to every RCPT
        &["-r", "mail"][..], // 4xx to every MAIL
        &["-Q", "mail"][..], // 421 and disconnect
        &["-q", "data"][..], // disconnect without a reply, before the message
        &["-r", "."][..],    // 4xx to the final dot: definitely not accepted
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p");
        project(&dir, 20, &["--pool", "2"], FAULTY);
        let faulty = sink_run(&dir, flags);
        assert_eq!(
            faulty.status.code(),
            Some(1),
            "{flags:?}: {}",
            shown(&faulty)
        );
        let status = status_counts(&dir);
        assert!(status.contains("0 sent, 20 queued"), "{flags:?}: {status}");
        // The server recovers: the next run delivers everything.
        let healthy = sink_run(&dir, &[]);
        assert_eq!(
            healthy.status.code(),
            Some(0),
            "{flags:?}: {}",
            shown(&healthy)
        );
        let status = status_counts(&dir);
        assert!(
            status.contains("20 sent, 0 queued, 0 sending"),
            "{flags:?}: {status}"
        );
    }
}

#[test]
#[ignore = "needs Postfix smtp-sink"]
fn smtp_sink_permanent_faults_are_recorded_and_final() {
    for flags in [&["-f", "rcpt"][..], &["-f", "."][..]] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p");
        project(&dir, 10, &["--pool", "2"], FAULTY);
        let out = sink_run(&dir, flags);
        assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
        let status = status_counts(&dir);
        assert!(
            status.contains("0 sent, 0 queued, 0 sending (ambiguous), 10 failed"),
            "{flags:?}: {status}"
        );
        let conn = rusqlite::Connection::open(dir.join("state/newsletter.sqlite")).unwrap();
        let reply: String = conn
            .query_row("SELECT last_reply FROM deliveries LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(reply.contains("500") || reply.contains("5.3.0"), "{reply}");
        // Final: a healthy server later gets nothing.
        let again = sink_run(&dir, &[]);
        assert!(
            String::from_utf8_lossy(&again.stdout).contains("0 sent"),
            "{}",
            shown(&again)
        );
    }
}

#[test]
#[ignore = "needs Postfix smtp-sink"]
fn smtp_sink_slow_replies_time_out_and_a_lost_final_reply_is_ambiguous() {
    // -w 5: wait 5 s before answering DATA; the configured 1 s timeout fires.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    project(
        &dir,
        4,
        &["--pool", "2"],
        "retries = 2\nmax_send_errors = 1000",
    );
    let text = std::fs::read_to_string(dir.join("config.toml"))
        .unwrap()
        .replace("timeout_secs = 10", "timeout_secs = 1");
    std::fs::write(dir.join("config.toml"), text).unwrap();
    let out = sink_run(&dir, &["-w", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("timed out"),
        "{}",
        shown(&out)
    );
    assert!(status_counts(&dir).contains("0 sent, 4 queued"));

    // -q .: the server drops the connection right after the final dot.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    project(&dir, 4, &["--pool", "1"], FAULTY);
    let out = sink_run(&dir, &["-q", "."]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("4 ambiguous"),
        "{}",
        shown(&out)
    );
    let again = sink_run(&dir, &[]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 sent"),
        "{}",
        shown(&again)
    );
    let resend = {
        let (_sink, port) = smtp_sink(&[]);
        send(
            &dir,
            &[
                "--smtp",
                &format!("smtp://127.0.0.1:{port}"),
                "--resend-ambiguous",
            ],
        )
    };
    assert!(
        String::from_utf8_lossy(&resend.stdout).contains("4 sent"),
        "{}",
        shown(&resend)
    );
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs MailDev (npm -g maildev)"]
fn maildev_receives_a_send() {
    let smtp = free_port();
    let web = free_port();
    let _maildev = Server(
        Command::new("maildev")
            .args(["--smtp", &smtp.to_string(), "--web", &web.to_string()])
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("maildev"),
    );
    wait_for_port(smtp);
    wait_for_port(web);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    project(&dir, 3, &[], "");
    let out = send(&dir, &["--smtp", &format!("smtp://127.0.0.1:{smtp}")]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let emails: serde_json::Value = serde_json::from_str(&http_get(web, "/api/email")).unwrap();
    let emails = emails.as_array().expect("a JSON array of emails");
    assert_eq!(emails.len(), 3, "{emails:?}");
    for e in emails {
        assert_eq!(
            e["subject"].as_str(),
            Some("Energy Source: gas storage holds as LNG heads east")
        );
        assert!(e["html"]
            .as_str()
            .unwrap_or("")
            .contains("Good morning Reader"));
    }
    let mut to: Vec<String> = emails
        .iter()
        .map(|e| e["to"][0]["address"].as_str().unwrap_or("").to_string())
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "reader0@example.com",
            "reader1@example.com",
            "reader2@example.com"
        ]
    );
}
