//! The issue's end-to-end proofs with installed servers: issues and
//! confirmation mails delivered to aiosmtpd (tests/e2e/store_server.py),
//! one-click POSTs to a running `serve` over HTTP, and the double opt-in
//! driven in headless Chromium. Ignored by default; `.ci/run` installs
//! aiosmtpd and chromium and runs them.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::cdp::Browser;
use common::send_project::{shown, Project, SECRET};
use common::serve::{one_click_link, path_of, post, request, Serve};
use newsletter::audience::SubscriberStatus;

const ENV: [(&str, &str); 1] = [("NL_TEST_UNSUB_SECRET", SECRET)];

/// aiosmtpd storing each message as NAME.eml with NAME.json (envelope).
struct Aiosmtpd {
    child: Child,
    store: PathBuf,
    port: u16,
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Aiosmtpd {
    fn start(dir: &Path) -> Aiosmtpd {
        let store = dir.join("received");
        let portfile = dir.join("received.port");
        let child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/store_server.py"))
            .arg(&store)
            .arg(&portfile)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd");
        let mut server = Aiosmtpd {
            child,
            store,
            port: 0,
        };
        for _ in 0..600 {
            if let Some(port) = std::fs::read_to_string(&portfile)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                server.port = port;
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Recipient -> raw messages received for them.
    fn received(&self) -> HashMap<String, Vec<Vec<u8>>> {
        let mut out: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for entry in std::fs::read_dir(&self.store)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let envelope: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let raw = std::fs::read(path.with_extension("eml")).unwrap();
            for to in envelope["to"].as_array().unwrap() {
                out.entry(to.as_str().unwrap().to_lowercase())
                    .or_default()
                    .push(raw.clone());
            }
        }
        out
    }

    fn wait_for(&self, rcpt: &str, count: usize) -> Vec<Vec<u8>> {
        for _ in 0..600 {
            let got = self.received().remove(rcpt).unwrap_or_default();
            if got.len() >= count {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{rcpt} never received {count} message(s)");
    }
}

fn header(raw: &[u8], name: &str) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .unwrap()
        .header_raw(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_string()
}

#[test]
#[ignore = "needs python3 with aiosmtpd"]
fn aiosmtpd_one_click_then_the_next_issue_skips_only_that_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Aiosmtpd::start(tmp.path());
    let list: String = std::iter::once("email,name\n".to_string())
        .chain((0..20).map(|i| format!("reader{i}@example.com,Reader {i}\n")))
        .collect();
    let project = Project::new(&list, "");
    let out = project.run(&["send", "--smtp", &smtp.url()]);
    assert!(out.status.success(), "{}", shown(&out));
    let first = smtp.wait_for("reader7@example.com", 1);
    let link = one_click_link(&header(&first[0], "List-Unsubscribe"));
    assert_eq!(
        header(&first[0], "List-Unsubscribe-Post").trim(),
        "List-Unsubscribe=One-Click"
    );

    let serve = Serve::start(&project.config_path(), &ENV);
    // A mail scanner (or anyone) following another reader's link: no change.
    let other = one_click_link(&header(
        &smtp.wait_for("reader8@example.com", 1)[0],
        "List-Unsubscribe",
    ));
    assert_eq!(
        request(serve.addr, "GET", &path_of(&other), None).status,
        200
    );
    let answer = post(serve.addr, &path_of(&link), "List-Unsubscribe=One-Click");
    assert_eq!(answer.status, 200, "{answer:?}");
    let ledger = project.ledger();
    assert_eq!(
        ledger
            .subscriber("reader7@example.com")
            .unwrap()
            .unwrap()
            .status,
        SubscriberStatus::Unsubscribed
    );
    assert_eq!(
        ledger.subscriber("reader8@example.com").unwrap(),
        None,
        "the GET left reader 8 alone"
    );

    project.write_issue(2);
    let out = project.run(&["send", "--issue", "2", "--smtp", &smtp.url()]);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("19 sent"),
        "{}",
        shown(&out)
    );
    let received = smtp.received();
    for i in 0..20 {
        let n = received
            .get(&format!("reader{i}@example.com"))
            .map(Vec::len)
            .unwrap_or(0);
        assert_eq!(n, if i == 7 { 1 } else { 2 }, "reader{i}");
    }
}

#[test]
#[ignore = "needs chromium and python3 with aiosmtpd"]
fn chromium_double_opt_in_with_the_mail_at_a_real_smtp_server() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Aiosmtpd::start(tmp.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let project = Project::new("email,name\nann@example.com,Ann\n", "");
    let config = std::fs::read_to_string(project.config_path())
        .unwrap()
        .replace("transport = \"file\"", "transport = \"smtp\"")
        .replace(
            "[newsletter]\n",
            &format!("[newsletter]\nbase_url = \"http://127.0.0.1:{port}\"\n"),
        );
    std::fs::write(
        project.config_path(),
        format!(
            "{config}\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\n[serve]\nport = {port}\n",
            smtp.port
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_newsletter"));
    command
        .arg("--config")
        .arg(project.config_path())
        .arg("serve")
        .env("NL_TEST_UNSUB_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut serve = command.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut browser = Browser::open(&format!("{base}/subscribe"));
    browser.wait_for("the form loads", "!!document.querySelector('#email')");
    // The stylesheet arrived under the strict CSP: the honeypot is out of sight.
    browser.wait_for(
        "the stylesheet applies",
        "getComputedStyle(document.querySelector('.hp')).position === 'absolute'",
    );
    browser.eval(
        "document.querySelector('#email').value = 'reader@example.com';\
         document.querySelector('#name').value = 'Rea Der';\
         document.querySelector('button[type=submit]').click(); true",
    );
    browser.wait_for(
        "the answer page",
        "document.body.innerText.includes('Check your inbox')",
    );
    let mail = smtp.wait_for("reader@example.com", 1);
    let link = common::serve::confirm_link(&mail[0]);
    assert!(link.starts_with(&base), "{link}");
    browser.eval(&format!(
        "location.href = {}; true",
        serde_json::json!(link)
    ));
    browser.wait_for(
        "the confirm page",
        "!!document.querySelector('form button')",
    );
    assert_eq!(
        project
            .ledger()
            .subscriber("reader@example.com")
            .unwrap()
            .unwrap()
            .status,
        SubscriberStatus::Unconfirmed,
        "opening the link confirms nothing"
    );
    browser.eval("document.querySelector('form button').click(); true");
    browser.wait_for(
        "confirmed",
        "document.body.innerText.includes('You are subscribed')",
    );

    // A second reader asks but never confirms.
    browser.eval(&format!(
        "location.href = {}; true",
        serde_json::json!(format!("{base}/subscribe"))
    ));
    browser.wait_for(
        "the form again",
        "!!document.querySelector('#email') && location.pathname === '/subscribe'",
    );
    browser.eval(
        "document.querySelector('#email').value = 'lurker@example.com';\
         document.querySelector('button[type=submit]').click(); true",
    );
    browser.wait_for(
        "the answer page",
        "document.body.innerText.includes('Check your inbox')",
    );
    smtp.wait_for("lurker@example.com", 1);

    let export = project.run(&["subscribers", "export"]);
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(csv.contains("reader@example.com,Rea Der,active,"), "{csv}");
    assert!(csv.contains("lurker@example.com,,unconfirmed,"), "{csv}");

    let out = project.run(&["send"]);
    assert!(out.status.success(), "{}", shown(&out));
    let received = smtp.received();
    assert_eq!(
        received["reader@example.com"].len(),
        2,
        "confirmation + the issue"
    );
    assert_eq!(
        received["lurker@example.com"].len(),
        1,
        "only the confirmation"
    );
    assert_eq!(received["ann@example.com"].len(), 1);
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    assert_eq!(serve.wait().unwrap().code(), Some(0));
}
