//! The preview server, watcher and live reload, driven by a site this test
//! builds itself (a small stand-in for `build`, writing dist/ from the
//! summaries), so that serving, watching, debouncing, error pages and path
//! safety are tested on their own. `preview_real_build.rs` runs the same
//! checks through the real `build::build_issue`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;

use newsletter::preview::{IssueView, PreviewOptions, PreviewServer, Site};

/// One HTTP/1.1 GET over a raw socket, so the target is sent exactly as
/// written (clients would normalise `..` away). Returns (status, body).
fn get_with_host(addr: SocketAddr, target: &str, host: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Read the head, then exactly Content-Length bytes: some servers
    // (Chromium's DevTools) keep the connection open regardless.
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap() == 0 {
            break;
        }
        raw.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&raw).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            stream.read_exact(&mut body).unwrap();
        }
        None => {
            stream.read_to_end(&mut body).unwrap();
        }
    }
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    get_with_host(addr, target, &format!("127.0.0.1:{}", addr.port()))
}

/// Polls `check` until it holds; gives up (fails) after a generous minute.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < give_up, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A project with one summary, and a rebuild that renders every summary
/// into dist/issues/001/ (refusing a summary that says BROKEN, to play a
/// build error).
fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let summaries = dir.path().join("content/summaries");
    std::fs::create_dir_all(&summaries).unwrap();
    std::fs::write(
        summaries.join("2026-11-24-brent.md"),
        "Brent crude closed at $91.20 a barrel.\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.txt"), "TOP SECRET").unwrap();
    let dist = dir.path().join("dist");
    (dir, summaries, dist)
}

fn rebuild_from(summaries: PathBuf, dist: PathBuf) -> Box<newsletter::preview::RebuildFn> {
    Box::new(move |_changes| {
        let mut names: Vec<_> = std::fs::read_dir(&summaries)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        names.sort();
        let mut text = String::new();
        for path in names {
            let body = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            if body.contains("BROKEN") {
                return Err(format!("{}:1: the summary says BROKEN", path.display()));
            }
            text.push_str(&body);
        }
        let issue_dir = dist.join("issues/001");
        std::fs::create_dir_all(&issue_dir).map_err(|e| e.to_string())?;
        let html = format!(
            "<html><head><title>{}</title></head><body><p>{text}</p></body></html>",
            text.trim()
        );
        std::fs::write(issue_dir.join("email.html"), &html).map_err(|e| e.to_string())?;
        std::fs::write(issue_dir.join("index.html"), &html).map_err(|e| e.to_string())?;
        std::fs::write(issue_dir.join("email.txt"), &text).map_err(|e| e.to_string())?;
        std::fs::write(
            dist.join("index.html"),
            "<html><body><a href=\"issues/001/index.html\">Issue 1</a></body></html>",
        )
        .map_err(|e| e.to_string())?;
        Ok(Site {
            root: dist.clone(),
            issue: Some(IssueView {
                number: 1,
                subject: "Brent at $91".into(),
                rel_dir: "issues/001".into(),
                no_intro: false,
            }),
        })
    })
}

fn start(summaries: &Path, dist: &Path) -> PreviewServer {
    PreviewServer::start_with(
        PreviewOptions {
            host: "127.0.0.1".into(),
            port: 0,
            watch: vec![summaries.parent().unwrap().to_path_buf()],
            debounce: Duration::from_millis(100),
            on_event: Box::new(|_| {}),
        },
        rebuild_from(summaries.to_path_buf(), dist.to_path_buf()),
    )
    .unwrap()
}

#[test]
fn an_edited_summary_is_served_and_the_open_page_is_told_to_reload() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    assert_ne!(addr.port(), 0);

    let (status, page) = get(addr, "/issues/001/email.html");
    assert_eq!(status, 200);
    assert!(page.contains("$91.20"), "{page}");
    assert!(
        page.contains("data-newsletter-preview"),
        "reload script injected: {page}"
    );
    let on_disk = std::fs::read_to_string(dist.join("issues/001/email.html")).unwrap();
    assert!(
        !on_disk.contains("<script"),
        "dist/ must stay free of the preview script"
    );

    // An open page's long-poll, waiting on the generation it was served at.
    let generation = server.generation();
    let poll = std::thread::spawn(move || get(addr, &format!("/_preview/poll?since={generation}")));

    std::fs::write(
        summaries.join("2026-11-24-brent.md"),
        "Brent crude jumped to $97.45 a barrel.\n",
    )
    .unwrap();

    let (status, answer) = poll.join().unwrap();
    assert_eq!(status, 200);
    let told: u64 = answer
        .trim()
        .trim_start_matches("{\"generation\":")
        .trim_end_matches('}')
        .parse()
        .unwrap();
    assert!(told > generation, "{answer}");
    eventually("the edited text is served", || {
        get(addr, "/issues/001/email.html").1.contains("$97.45")
    });
    server.stop();
}

#[test]
fn a_build_error_is_a_page_that_recovers_once_fixed() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    let file = summaries.join("2026-11-24-brent.md");
    std::fs::write(&file, "BROKEN <b>front matter</b>\n").unwrap();
    eventually("the error page is served", || {
        let (status, page) = get(addr, "/");
        status == 500 && page.contains("the summary says BROKEN")
    });
    let (status, page) = get(addr, "/issues/001/email.html");
    assert_eq!(status, 500);
    assert!(page.contains("2026-11-24-brent.md:1"), "{page}");
    assert!(
        page.contains("&lt;b&gt;") || !page.contains("<b>front"),
        "{page}"
    );
    assert!(
        page.contains("data-newsletter-preview"),
        "error page reloads itself"
    );

    std::fs::write(&file, "Brent recovered to $93.10.\n").unwrap();
    eventually("the fixed page is served again", || {
        let (status, page) = get(addr, "/issues/001/email.html");
        status == 200 && page.contains("$93.10")
    });
    server.stop();
}

#[test]
fn the_front_page_links_every_view() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    let (status, front) = get(addr, "/");
    assert_eq!(status, 200);
    for href in [
        "/_preview/desktop",
        "/_preview/phone",
        "/_preview/text",
        "/issues/001/index.html",
        "/index.html",
    ] {
        assert!(
            front.contains(&format!("href=\"{href}\"")),
            "{href} in {front}"
        );
        let (status, _) = get(addr, href);
        assert_eq!(status, 200, "{href}");
    }
    let (_, phone) = get(addr, "/_preview/phone");
    assert!(phone.contains("src=\"/issues/001/email.html\""));
    assert!(phone.contains("width: 375px"));
    let (_, text) = get(addr, "/_preview/text");
    assert!(text.contains("src=\"/issues/001/email.txt\""));
    let (status, plain) = get(addr, "/issues/001/email.txt");
    assert_eq!(status, 200);
    assert!(plain.contains("$91.20") && !plain.contains("<script"));
    let (_, archive) = get(addr, "/index.html");
    assert!(archive.contains("issues/001/index.html"));
    server.stop();
}

#[test]
fn never_serves_outside_what_it_built() {
    let (dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), dist.join("escape.txt")).unwrap();
    let secret_abs = dir.path().join("secret.txt").display().to_string();
    let attempts = [
        "/../secret.txt".to_string(),
        "/issues/../../secret.txt".into(),
        "/%2e%2e/secret.txt".into(),
        "/%2E%2E/secret.txt".into(),
        "/.%2e/secret.txt".into(),
        "/..%2fsecret.txt".into(),
        "/issues%2f..%2f..%2fsecret.txt".into(),
        "/..%5csecret.txt".into(),
        "/..\\secret.txt".into(),
        "/issues\\..\\..\\secret.txt".into(),
        "/%252e%252e/secret.txt".into(),
        "/%c0%ae%c0%ae/secret.txt".into(),
        format!("/{secret_abs}"),
        format!("/{}", secret_abs.replace('/', "%2f")),
        format!("/..{}", secret_abs),
        "//etc/passwd".into(),
        "/%2fetc%2fpasswd".into(),
        "/../../../../../../etc/passwd".into(),
        "/escape.txt".into(),
        "/issues/001/email.html%00.txt".into(),
    ];
    for target in &attempts {
        let (status, body) = get(addr, target);
        assert!(
            !body.contains("TOP SECRET") && !body.contains("root:"),
            "{target} leaked: {body}"
        );
        assert!(status >= 400, "{target} answered {status}");
    }
    // Absolute-form targets name another host: also refused.
    let (status, body) = get(
        addr,
        &format!("http://127.0.0.1:{}{}", addr.port(), secret_abs),
    );
    assert!(
        status >= 400 && !body.contains("TOP SECRET"),
        "{status} {body}"
    );
    server.stop();
}

#[test]
fn answers_only_to_localhost_names() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    assert_eq!(get_with_host(addr, "/", "evil.example:80").0, 403);
    assert_eq!(
        get_with_host(addr, "/", &format!("localhost:{}", addr.port())).0,
        200
    );
    server.stop();
}

/// Headless Chromium keeps the web version open; after a summary is edited
/// the page reloads by itself, seen through the DevTools HTTP endpoint
/// (`/json/list` gives each open page's title, which is the summary text).
#[test]
#[ignore = "needs chromium (/usr/bin/chromium, or $CHROMIUM)"]
fn chromium_sees_an_open_page_reload_by_itself() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let (mut chromium, profile) = common::chromium::headless();
    let mut browser = chromium
        .arg("--remote-debugging-port=0")
        .arg(format!("{}issues/001/index.html", server.url()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");

    let port_file = profile.path().join("DevToolsActivePort");
    let mut devtools = None;
    eventually("chromium writes its DevTools port", || {
        devtools = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u16>().ok()));
        devtools.is_some()
    });
    let devtools: SocketAddr = ([127, 0, 0, 1], devtools.unwrap()).into();
    let title = || -> String {
        let (_, body) = get(devtools, "/json/list");
        let pages: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        pages
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["type"] == "page")
            .map(|p| p["title"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    eventually("the page opens", || title().contains("$91.20"));

    std::fs::write(
        summaries.join("2026-11-24-brent.md"),
        "Brent crude jumped to $97.45 a barrel.\n",
    )
    .unwrap();
    eventually("the open page reloads with the new text", || {
        title().contains("$97.45")
    });

    let _ = browser.kill();
    let _ = browser.wait();
    server.stop();
}

#[test]
fn a_panicking_build_is_shown_as_an_error_page_and_the_watcher_lives_on() {
    let (_dir, summaries, dist) = project();
    let inner = rebuild_from(summaries.clone(), dist.clone());
    let watched = summaries.clone();
    let server = PreviewServer::start_with(
        PreviewOptions {
            host: "127.0.0.1".into(),
            port: 0,
            watch: vec![summaries.parent().unwrap().to_path_buf()],
            debounce: Duration::from_millis(100),
            on_event: Box::new(|_| {}),
        },
        Box::new(move |changes| {
            let text = std::fs::read_to_string(watched.join("2026-11-24-brent.md")).unwrap();
            if text.contains("PANIC") {
                panic!("stage bug");
            }
            inner(changes)
        }),
    )
    .unwrap();
    let addr = server.addr();
    let file = summaries.join("2026-11-24-brent.md");
    std::fs::write(&file, "PANIC\n").unwrap();
    eventually("the panic is shown", || {
        let (status, page) = get(addr, "/");
        status == 500 && page.contains("internal error (a bug): stage bug")
    });
    std::fs::write(&file, "Brent steadied at $92.00.\n").unwrap();
    eventually("later edits still rebuild", || {
        get(addr, "/issues/001/email.html").1.contains("$92.00")
    });
    server.stop();
}

#[test]
fn a_folder_without_its_slash_redirects_within_the_site() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /issues/001 HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
        addr.port()
    )
    .unwrap();
    let mut head = String::new();
    let _ = stream.read_to_string(&mut head);
    assert!(
        head.starts_with("HTTP/1.1 301") || head.starts_with("HTTP/1.0 301"),
        "{head}"
    );
    assert!(head.contains("Location: /issues/001/\r\n"), "{head}");
    let (status, page) = get(addr, "/issues/001/");
    assert_eq!(status, 200);
    assert!(page.contains("$91.20"));
    server.stop();
}

/// One request written as given, on a connection the server closes
/// after answering; returns the whole answer, head and body.
fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

#[test]
fn answers_get_and_head_only_with_private_headers() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let addr = server.addr();
    let host = format!("127.0.0.1:{}", addr.port());

    let posted = exchange(
        addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(posted.starts_with("HTTP/1.1 405"), "{posted}");

    let head = exchange(
        addr,
        &format!(
            "HEAD /issues/001/email.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (head_part, body) = head.split_once("\r\n\r\n").unwrap();
    assert_eq!(body, "", "a HEAD answer has no body");
    for line in [
        "Content-Type: text/html; charset=utf-8",
        "Cache-Control: no-store",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
        // Its own pages frame the email; other sites may not frame it.
        "X-Frame-Options: SAMEORIGIN",
        "Content-Security-Policy: frame-ancestors 'self'",
    ] {
        assert!(
            head_part.lines().any(|l| l.eq_ignore_ascii_case(line)),
            "{line} in {head_part}"
        );
    }
    server.stop();
}

/// A client that never finishes its request head is cut off (after the
/// shared header timeout) instead of holding a connection for ever.
#[test]
fn a_request_head_that_never_ends_is_cut_off() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /issues/001/email.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = String::from_utf8_lossy(&raw);
    assert!(
        !answer.contains("$91.20"),
        "an unfinished request was served: {answer}"
    );
    server.stop();
}

/// The preview frames its own email (the headers that keep other sites
/// from framing it must not stop this): in headless Chromium the phone
/// view shows the built email inside its frame.
#[test]
#[ignore = "needs chromium (/usr/bin/chromium, or $CHROMIUM)"]
fn chromium_shows_the_email_inside_the_phone_frame() {
    let (_dir, summaries, dist) = project();
    let server = start(&summaries, &dist);
    let mut browser = common::cdp::Browser::open(&format!("{}_preview/phone", server.url()));
    browser.wait_for(
        "the email inside the phone frame",
        "(function () { try { var f = document.querySelector('iframe.phone'); \
         return !!f && !!f.contentDocument && f.contentDocument.body.innerText.includes('$91.20'); \
         } catch (e) { return false; } })()",
    );
    drop(browser);
    server.stop();
}
