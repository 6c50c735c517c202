//! Issue 5: the email is safe to send (nothing from an article can run),
//! email-client friendly, and `check` lints what was built.

mod build_support;

use std::process::Command;

use build_support::Project;
use dom_query::Document;
use newsletter::build;

/// Everything in `html` that could run: script-like elements, event
/// handler attributes, script URLs.
fn live_code(html: &str) -> Vec<String> {
    let doc = Document::from(html);
    let mut found = Vec::new();
    for tag in ["script", "iframe", "object", "embed", "form"] {
        if doc.select(tag).exists() {
            found.push(format!("<{tag}>"));
        }
    }
    for node in doc.select("*").iter() {
        for attr in node.attrs() {
            let name = attr.name.local.to_string();
            let value: String = attr
                .value
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            if name.starts_with("on") {
                found.push(format!("attribute {name}"));
            }
            if value.starts_with("javascript:") {
                found.push(format!("{name}={value}"));
            }
        }
    }
    found
}

fn hostile(p: &Project) {
    p.summary(
        "2026-11-23-hostile.md",
        "<script>alert('title')</script>Refinery fire <img src=x onerror=alert(1)>",
        Some("<b onmouseover=alert(2)>Wire</b>"),
        Some("javascript:alert(3)"),
        Some("2026-11-23T10:00:00Z"),
        "A fire shut the refinery <script>alert(4)</script> for two days <img src=x onerror=alert(5)>.\n\n\
         - See [the notice](javascript:alert(6)) and <a href=\"javascript:alert(7)\" onclick=\"alert(8)\">this</a>.\n\
         - <iframe src=\"https://evil.example.com/\"></iframe>Output fell 40 per cent.\n\n\
         > \"<svg onload=alert(9)>Safe now\", the operator said.",
    );
    p.summary(
        "2026-11-22-hostile-two.md",
        "Second story with <style>body{display:none}</style> style",
        None,
        Some("https://ok.example.com/story\" onmouseover=\"alert(10)"),
        Some("2026-11-22T10:00:00Z"),
        "<div onclick=alert(11)>Click</div> and [data](data:text/html;base64,PHNjcmlwdD4=) links.",
    );
    std::fs::write(
        p.path().join("content/intro.md"),
        "Intro <script>alert(12)</script> with [a link](javascript:alert(13)).",
    )
    .unwrap();
}

#[test]
fn hostile_article_text_is_inert_in_email_web_and_feed() {
    let p = Project::new();
    hostile(&p);
    p.build("2026-11-24");
    for file in [
        "dist/issues/001/email.html",
        "dist/issues/001/index.html",
        "dist/index.html",
    ] {
        let html = p.read(file);
        assert_eq!(live_code(&html), Vec::<String>::new(), "{file}:\n{html}");
        assert!(!html.contains("alert(4)"), "{file}: script body survived");
    }
    // The article's title is shown, as text.
    let html = p.read("dist/issues/001/email.html");
    assert!(html.contains("Refinery fire"));
    assert!(
        html.contains("&lt;script&gt;"),
        "title escaped, not dropped"
    );
    // The feed: parse it as a reader would and check the HTML it carries.
    let feed = feed_rs::parser::parse(p.read("dist/feed.xml").as_bytes()).unwrap();
    assert_eq!(feed.entries.len(), 1);
    let content = feed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .expect("entry content");
    assert!(content.contains("Refinery fire"), "{content}");
    assert_eq!(live_code(&content), Vec::<String>::new(), "{content}");
    // The per-recipient template (what send fills) is just as clean.
    let manifest = build::IssueManifest::load(&p.path().join("dist/issues/001")).unwrap();
    let fields = Default::default();
    let filled = manifest.html_template.fill(
        &newsletter::render::personalize::Values {
            email: "x@example.com",
            name: "<script>alert(14)</script>",
            unsubscribe_url: "javascript:alert(15)",
            fields: &fields,
        },
        true,
    );
    assert!(!filled.contains("<script>alert(14)"));
    // And lint agrees there is nothing unsafe.
    let unsafe_findings: Vec<_> = build::lint(&p.path().join("dist/issues/001"))
        .into_iter()
        .filter(|f| f.rule == "unsafe")
        .collect();
    assert!(unsafe_findings.is_empty(), "{unsafe_findings:?}");
}

/// `@media` blocks removed, what is left of a stylesheet.
fn outside_at_rules(css: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_at = false;
    let mut rest = css;
    while let Some(c) = rest.chars().next() {
        if depth == 0 && rest.starts_with('@') {
            in_at = true;
        }
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && in_at {
                    in_at = false;
                    rest = &rest[1..];
                    continue;
                }
            }
            _ => {}
        }
        if !in_at {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn long_issue(p: &Project, stories: usize) {
    let body = "The regulator approved a new connection queue for grid projects, clearing a backlog of more than 700GW of wind, solar and storage schemes waiting for a grid offer, some of them for more than a decade.\n\n\
        - Projects that are ready to build will move to the front of the queue.\n\
        - Developers must post a deposit of £10,000 per megawatt to keep their place.\n\
        - The system operator expects the first new offers to go out in March.\n\
        - Speculative schemes without land rights will lose their slots.\n\n\
        > \"This ends the era of zombie projects blocking the grid,\" the regulator's chief executive said.";
    for i in 0..stories {
        p.summary(
            &format!("2026-11-2{}-story-{i:02}.md", i % 4),
            &format!("Grid queue reform number {i} clears the way for a decade of projects"),
            Some("Grid Notes"),
            Some(&format!("https://grid.example.com/queue-{i}")),
            Some(&format!("2026-11-2{}T{:02}:00:00Z", i % 4, 6 + i % 12)),
            body,
        );
    }
}

#[test]
fn the_email_is_built_the_way_email_clients_need() {
    let p = Project::new();
    long_issue(&p, 8);
    let built = p.build("2026-11-24");
    assert_eq!(built.stories, 8);
    let html = p.read("dist/issues/001/email.html");
    let doc = Document::from(html.as_str());

    assert_eq!(
        doc.select("html").attr("lang").unwrap().to_string(),
        "en-GB"
    );
    let tables = doc.select("table");
    assert!(tables.length() > 2);
    for table in tables.iter() {
        assert_eq!(
            table.attr("role").map(|r| r.to_string()).as_deref(),
            Some("presentation")
        );
    }
    // The 600 px centred column.
    let container = doc.select("table.container");
    assert_eq!(container.attr("width").unwrap().to_string(), "600");
    assert!(container
        .attr("style")
        .unwrap()
        .contains("max-width: 600px"));
    // All CSS inlined: only at-rules remain in <style>.
    let styles: Vec<String> = doc
        .select("style")
        .iter()
        .map(|s| s.text().to_string())
        .collect();
    assert_eq!(styles.len(), 1, "{styles:?}");
    assert!(styles[0].contains("@media (prefers-color-scheme: dark)"));
    assert!(
        outside_at_rules(&styles[0]).trim().is_empty(),
        "non-@media CSS left in <style>: {}",
        outside_at_rules(&styles[0])
    );
    assert!(doc
        .select("p.brand")
        .attr("style")
        .unwrap()
        .contains("font-family"));
    // The hidden preheader.
    let manifest = build::IssueManifest::load(&built.dir).unwrap();
    let pre = doc.select("div.preheader");
    assert!(pre.attr("style").unwrap().contains("display: none"));
    assert!(pre.text().starts_with(&manifest.preheader));
    assert!(html.contains("name=\"color-scheme\""));
    // Absolute URLs only, alt on every image, nothing that runs.
    for a in doc.select("a").iter() {
        let href = a.attr("href").unwrap().to_string();
        assert!(
            href.starts_with("https://") || href.starts_with("mailto:"),
            "{href}"
        );
    }
    for img in doc.select("img").iter() {
        assert!(img.attr("alt").is_some());
    }
    assert!(doc.select("script, form, link").is_empty());
    // Well under Gmail's clipping point with a full issue.
    assert!(
        build::encoded_size(&html) < build::MAX_HTML_BYTES,
        "{} bytes encoded",
        build::encoded_size(&html)
    );
    // The charset is declared early enough for a browser preview.
    assert!(html.find("<meta charset=\"utf-8\">").unwrap() < 1024);
    assert!(
        build::lint(&built.dir).is_empty(),
        "{:?}",
        build::lint(&built.dir)
    );
}

#[test]
fn the_web_pages_are_made_for_phones_too() {
    let p = Project::new();
    long_issue(&p, 3);
    p.build("2026-11-24");
    for file in ["dist/issues/001/index.html", "dist/index.html"] {
        let html = p.read(file);
        assert!(
            html.contains("name=\"viewport\" content=\"width=device-width"),
            "{file}"
        );
        assert!(html.contains("<html lang=\"en-GB\">"), "{file}");
        assert!(html.contains("max-width: 680px"), "{file}: CSS embedded");
        assert!(!html.contains("{{"), "{file}");
    }
    let web = p.read("dist/issues/001/index.html");
    assert!(
        web.contains("href=\"../../index.html\""),
        "archive link works from disk"
    );
    assert!(
        !web.contains("Unsubscribe"),
        "no per-recipient parts on the public page"
    );
}

fn lint_rules(dir: &std::path::Path) -> Vec<&'static str> {
    let mut rules: Vec<_> = build::lint(dir).into_iter().map(|f| f.rule).collect();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn lint_finds_what_breaks_an_email() {
    let p = Project::new();
    long_issue(&p, 2);
    let built = p.build("2026-11-24");
    assert_eq!(lint_rules(&built.dir), Vec::<&str>::new());

    let html_path = built.dir.join("email.html");
    let good = std::fs::read_to_string(&html_path).unwrap();
    let tampered = good.replace(">Unsubscribe</a>", ">Manage</a>").replace(
        "</body>",
        "<img src=\"https://news.example.com/x.png\"><a href=\"/relative\">r</a>\
             <a href=\"#nowhere\">n</a><a href=\"https://news.example.com/issues/009/\">gone</a>\
             <p>{{ leftover }}</p></body>",
    );
    std::fs::write(&html_path, &tampered).unwrap();
    std::fs::remove_file(built.dir.join("email.txt")).unwrap();
    let findings = build::lint(&built.dir);
    let shown: Vec<String> = findings.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        lint_rules(&built.dir),
        vec!["alt", "link", "template", "text", "unsubscribe"],
        "{shown:#?}"
    );
    let links: Vec<_> = findings.iter().filter(|f| f.rule == "link").collect();
    assert_eq!(
        links.len(),
        3,
        "relative, missing anchor, missing page: {links:?}"
    );
    assert!(shown.iter().any(|s| s.contains("issues/009")));

    // Size: pad the good email past the limit.
    let padded = good.replace(
        "</body>",
        &format!("<p>{}</p></body>", "x".repeat(build::MAX_HTML_BYTES)),
    );
    std::fs::write(&html_path, padded).unwrap();
    std::fs::write(built.dir.join("email.txt"), "text").unwrap();
    assert_eq!(lint_rules(&built.dir), vec!["size"]);
}

fn newsletter(p: &Project, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(p.path().join("config.toml"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_lints_the_last_issue_and_names_broken_templates() {
    let p = Project::new();
    long_issue(&p, 2);
    let (code, err) = newsletter(&p, &["build", "--date", "2026-11-24"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = newsletter(&p, &["check"]);
    assert_eq!(code, 0, "{err}");

    let html_path = p.path().join("dist/issues/001/email.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    std::fs::write(
        &html_path,
        html.replace("</body>", "<img src=\"cid:chart\"></body>"),
    )
    .unwrap();
    let (code, err) = newsletter(&p, &["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("email.html: [alt]"), "{err}");

    // A broken template: exit 2, naming the file and line.
    let templates = p.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("email.html"),
        "<html>\n<body>\n{% if top %}\n<p>unclosed\n</body>\n",
    )
    .unwrap();
    let (code, err) = newsletter(&p, &["check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("templates/email.html:"), "{err}");
    let (code, err) = newsletter(&p, &["build", "--date", "2026-11-24"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("templates/email.html:"), "{err}");
}
