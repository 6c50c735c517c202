//! Real DSNs: a Postfix on loopback (started by .ci/setup.d/60-bounces.sh)
//! accepts the issue for a mailbox that does not exist, writes a delivery
//! status notification to the reader's VERP envelope sender, and delivers it
//! into a Maildir; `bounces --maildir` then removes that reader and only them.

mod common;

use std::time::{Duration, Instant};

use common::send_project::{shown, Project};
use newsletter::audience::SubscriberStatus;

fn dsn_files(maildir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(entries) = std::fs::read_dir(maildir.join(sub)) {
            for entry in entries.flatten() {
                let text = std::fs::read(entry.path()).unwrap_or_default();
                if String::from_utf8_lossy(&text).contains("message/delivery-status") {
                    found.push(entry.path());
                }
            }
        }
    }
    found
}

#[test]
#[ignore = "needs a Postfix on loopback (.ci/setup.d/60-bounces.sh)"]
fn a_real_postfix_dsn_for_a_missing_mailbox_removes_that_reader() {
    let smtp = std::env::var("NEWSLETTER_POSTFIX_SMTP").expect("NEWSLETTER_POSTFIX_SMTP");
    let maildir = std::path::PathBuf::from(
        std::env::var("NEWSLETTER_POSTFIX_MAILDIR").expect("NEWSLETTER_POSTFIX_MAILDIR"),
    );
    // A unique local part, so runs sharing the Postfix do not see each other's DSNs.
    let tag = format!("{}{}", std::process::id(), fastrand::u32(..));
    let gone = format!("gone{tag}@bounce.test");
    let alive = format!("alive{tag}@newsletter.test");
    let project = Project::new(
        &format!("email,name\n{gone},Gone\n{alive},Alive\n"),
        "return_path = \"bounces+{token}@newsletter.test\"\n",
    );
    let out = project.run(&["send", "--smtp", &format!("smtp://{smtp}")]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));

    // Postfix bounces in the background; wait for our DSN to arrive.
    let started = Instant::now();
    let mine = |files: Vec<std::path::PathBuf>| -> Vec<std::path::PathBuf> {
        files
            .into_iter()
            .filter(|f| {
                String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).contains(&gone)
            })
            .collect()
    };
    while mine(dsn_files(&maildir)).is_empty() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !mine(dsn_files(&maildir)).is_empty(),
        "no DSN from Postfix in {}",
        maildir.display()
    );

    let out = project.run(&["bounces", "--maildir", maildir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{gone} hard 5.1.1")) && stdout.contains("matched by verp"),
        "{stdout}"
    );
    let ledger = project.ledger();
    let status = |a: &str| ledger.subscriber(a).unwrap().map(|r| r.status);
    assert_eq!(status(&gone), Some(SubscriberStatus::Bounced));
    assert_ne!(status(&alive), Some(SubscriberStatus::Bounced));

    // Reading the same Maildir again changes nothing.
    let history = ledger.subscriber_history(&gone).unwrap().len();
    let again = project.run(&["bounces", "--maildir", maildir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", shown(&again));
    assert_eq!(ledger.subscriber_history(&gone).unwrap().len(), history);
}
