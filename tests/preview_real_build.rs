//! `newsletter preview` on a copy of the sample project, through the real
//! build stage: serves the issue, and serves an edited summary, without
//! touching what is published (dist/) or using up an issue number.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::preview::{get, spawn_preview};
use common::sample::copy_tree;

#[test]
fn preview_serves_the_built_issue_and_an_edited_summary() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["config.toml", "subscribers.csv", "content", "templates"] {
        copy_tree(&root.join(name), &dir.path().join(name));
    }
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
