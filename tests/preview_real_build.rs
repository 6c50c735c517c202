//! `newsletter preview` on a copy of the sample project, through the real
//! build stage: serves the issue, and serves an edited summary, without
//! touching what is published (dist/) or using up an issue number.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::preview::{get, spawn_preview, spawn_preview_with};
use common::sample::copy_tree;

/// A copy of the sample project in a fresh folder.
fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["config.toml", "subscribers.csv", "content", "templates"] {
        copy_tree(&root.join(name), &dir.path().join(name));
    }
    dir
}

#[test]
fn preview_serves_the_built_issue_and_an_edited_summary() {
    let dir = sample_project();
    let (mut child, url) = spawn_preview(&dir.path().join("config.toml"));

    let (status, front) = get(&url, "/");
    assert_eq!(status, 200, "{front}");
    let issue_dir = front
        .split("href=\"/issues/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("front page links the web version")
        .to_string();
    let email = format!("/issues/{issue_dir}/email.html");
    assert_eq!(get(&url, &email).0, 200);

    // Add a line to every summary; whichever are in the issue show it.
    let summaries = dir.path().join("content/summaries");
    for entry in std::fs::read_dir(&summaries).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "md") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str("\nEditor's note: ZEBRA-7431.\n");
            std::fs::write(&path, text).unwrap();
        }
    }
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, page) = get(&url, &email);
        if status == 200 && page.contains("ZEBRA-7431") {
            break;
        }
        assert!(
            Instant::now() < give_up,
            "gave up waiting for the edit: {page}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !dir.path().join("dist").exists(),
        "the preview wrote into the published dist/"
    );
    let ledger =
        newsletter::ledger::Ledger::open(&dir.path().join("state/newsletter.sqlite")).unwrap();
    assert_eq!(
        ledger.latest_issue().unwrap(),
        None,
        "the preview reserved an issue number"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Ctrl-C stops `preview` cleanly (exit 0), and an open page's waiting
/// long-poll gets its answer rather than a cut connection. Each request
/// was logged (at debug, asked for with `NEWSLETTER_LOG`).
#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_preview_and_answers_a_waiting_poll() {
    use std::io::{Read, Write};

    let dir = sample_project();
    let (mut child, url) = spawn_preview_with(
        &dir.path().join("config.toml"),
        &[("NEWSLETTER_LOG", "newsletter::preview=debug")],
        std::process::Stdio::piped(),
    );
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let (_, front) = get(&url, "/");
    let seen = front
        .split("var seen = ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("the front page carries the reload script")
        .to_string();

    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /_preview/poll?since={seen} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Give the server a moment to read the poll, so it is waiting when stopped.
    std::thread::sleep(Duration::from_millis(500));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "preview after Ctrl-C: {status:?}\n{log}");
    assert!(log.contains("preview: stopped"), "{log}");
    for request in ["path=/ status=200", "path=/_preview/poll status=200"] {
        assert!(
            log.lines()
                .any(|l| l.contains("newsletter::preview") && l.contains(request)),
            "{request} logged in {log}"
        );
    }

    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with(&format!("{{\"generation\":{seen}}}")),
        "{answer}"
    );
}
