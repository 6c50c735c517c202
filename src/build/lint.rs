//! `newsletter check`'s look at a built issue: the things that get an email
//! clipped, flagged as spam, broken in a client or unreadable.

use std::fmt;
use std::path::{Path, PathBuf};

use dom_query::Document;

use super::IssueManifest;
use crate::render::personalize;

/// Gmail clips messages over about 102 KB; stay clear of it.
pub const MAX_HTML_BYTES: usize = 90 * 1024;

/// One thing wrong with a built issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    pub file: PathBuf,
    /// Short rule name, e.g. `size`, `alt`, `link`.
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: [{}] {}",
            self.file.display(),
            self.rule,
            self.message
        )
    }
}

/// Lints the issue in `dir` (email.html, email.txt, index.html, issue.json).
pub fn lint(dir: &Path) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let html_path = dir.join("email.html");
    let text_path = dir.join("email.txt");
    let web_path = dir.join("index.html");
    let manifest = IssueManifest::load(dir).ok();
    let base = manifest.as_ref().map(|m| site_base(&m.web_url));

    match std::fs::read_to_string(&html_path) {
        Ok(html) => lint_email_html(&html_path, &html, base.as_deref(), dir, &mut out),
        Err(e) => out.push(finding(
            &html_path,
            "missing",
            format!("no HTML part ({e}); run `newsletter build`"),
        )),
    }
    match std::fs::read_to_string(&text_path) {
        Ok(text) if text.trim().is_empty() => {
            out.push(finding(&text_path, "text", "the plain-text part is empty"))
        }
        Ok(text) => leftovers(&text_path, &text, &mut out),
        Err(e) => out.push(finding(
            &text_path,
            "text",
            format!("no plain-text part ({e}); many clients and spam filters expect one"),
        )),
    }
    if let Ok(web) = std::fs::read_to_string(&web_path) {
        leftovers(&web_path, &web, &mut out);
        unsafe_markup(&web_path, &Document::from(web.as_str()), &mut out);
    }
    match &manifest {
        Some(m) if m.text_template.slots().count() == 0 && m.html_template.slots().count() == 0 => {
            out.push(finding(
                &dir.join("issue.json"),
                "unsubscribe",
                "the email has no per-recipient unsubscribe link",
            ))
        }
        Some(_) => {}
        None => out.push(finding(
            &dir.join("issue.json"),
            "missing",
            "no readable issue.json; rebuild the issue",
        )),
    }
    out
}

fn finding(file: &Path, rule: &'static str, message: impl Into<String>) -> LintFinding {
    LintFinding {
        file: file.to_path_buf(),
        rule,
        message: message.into(),
    }
}

/// `https://site.example/` from `https://site.example/issues/007/`.
fn site_base(web_url: &str) -> String {
    match web_url.find("/issues/") {
        Some(i) => web_url[..=i].to_string(),
        None => web_url.to_string(),
    }
}

fn lint_email_html(
    path: &Path,
    html: &str,
    base: Option<&str>,
    dir: &Path,
    out: &mut Vec<LintFinding>,
) {
    let encoded = encoded_size(html);
    if encoded > MAX_HTML_BYTES {
        out.push(finding(
            path,
            "size",
            format!(
                "the HTML part is about {} KB encoded, over the {} KB limit (Gmail clips at about 102 KB); use fewer stories or shorter summaries",
                encoded / 1024,
                MAX_HTML_BYTES / 1024
            ),
        ));
    }
    leftovers(path, html, out);
    let doc = Document::from(html);
    unsafe_markup(path, &doc, out);
    for img in doc.select("img").iter() {
        let src = img.attr("src").map(|s| s.to_string()).unwrap_or_default();
        if img.attr("alt").is_none() {
            out.push(finding(
                path,
                "alt",
                format!("image {src:?} has no alt text"),
            ));
        }
        if !(src.starts_with("https://") || src.starts_with("http://") || src.starts_with("cid:")) {
            out.push(finding(
                path,
                "link",
                format!("image source {src:?} is not an absolute URL or cid:"),
            ));
        }
    }
    let ids: Vec<String> = doc
        .select("[id], a[name]")
        .iter()
        .filter_map(|n| n.attr("id").or_else(|| n.attr("name")))
        .map(|s| s.to_string())
        .collect();
    let mut unsubscribe = false;
    for a in doc.select("a").iter() {
        let Some(href) = a.attr("href").map(|s| s.to_string()) else {
            continue;
        };
        let text = a.text().to_lowercase();
        if text.contains("unsubscribe") && !href.trim().is_empty() {
            unsubscribe = true;
        }
        if let Some(anchor) = href.strip_prefix('#') {
            if !ids.iter().any(|id| id == anchor) {
                out.push(finding(
                    path,
                    "link",
                    format!("link to #{anchor} has no target in the email"),
                ));
            }
            continue;
        }
        let lower = href.to_ascii_lowercase();
        let absolute = lower.starts_with("https://")
            || lower.starts_with("http://")
            || lower.starts_with("mailto:");
        if !absolute {
            out.push(finding(
                path,
                "link",
                format!(
                    "link {href:?} is not absolute; email clients cannot follow relative links"
                ),
            ));
            continue;
        }
        // A link into our own site must point at a file the build wrote.
        if let Some(base) = base {
            if let Some(rest) = href.strip_prefix(base) {
                let rest = rest.split(['#', '?']).next().unwrap_or("");
                if let Some(dist) = dir.parent().and_then(Path::parent) {
                    let mut target = dist.join(rest);
                    if rest.is_empty() || rest.ends_with('/') {
                        target = target.join("index.html");
                    }
                    let is_site_page = !rest.contains("unsubscribe");
                    if is_site_page && !target.exists() {
                        out.push(finding(
                            path,
                            "link",
                            format!(
                                "link {href:?} points into the site but {} does not exist",
                                target.display()
                            ),
                        ));
                    }
                }
            }
        }
    }
    if !unsubscribe {
        out.push(finding(
            path,
            "unsubscribe",
            "no unsubscribe link (a link whose text says \"unsubscribe\")",
        ));
    }
}

/// The size of `html` once quoted-printable encoded for sending: `=` and
/// non-ASCII bytes take three bytes, and a soft line break (`=` CRLF) is
/// added every 75 characters or so.
pub fn encoded_size(html: &str) -> usize {
    let expanded: usize = html
        .bytes()
        .map(|b| if b == b'=' || b >= 0x80 { 3 } else { 1 })
        .sum();
    expanded + expanded / 73 * 3
}

/// Template syntax or personalisation markers that survived rendering.
fn leftovers(path: &Path, text: &str, out: &mut Vec<LintFinding>) {
    for (line_no, line) in text.lines().enumerate() {
        for token in ["{{", "}}", "{%", "%}", "{#", "#}"] {
            if line.contains(token) {
                out.push(finding(
                    path,
                    "template",
                    format!("line {}: leftover template syntax {token:?}", line_no + 1),
                ));
                break;
            }
        }
        if personalize::contains_marker(line) {
            out.push(finding(
                path,
                "template",
                format!("line {}: unfilled personalisation marker", line_no + 1),
            ));
        }
    }
}

/// Anything that could run: scripts, frames, forms, event handlers,
/// `javascript:` URLs.
fn unsafe_markup(path: &Path, doc: &Document, out: &mut Vec<LintFinding>) {
    for tag in ["script", "iframe", "object", "embed", "form"] {
        if doc.select(tag).exists() {
            out.push(finding(
                path,
                "unsafe",
                format!("contains a <{tag}> element"),
            ));
        }
    }
    for node in doc.select("*").iter() {
        for attr in node.attrs() {
            let name = attr.name.local.to_string().to_ascii_lowercase();
            let value = attr.value.to_string();
            let compact: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            if name.starts_with("on") {
                out.push(finding(
                    path,
                    "unsafe",
                    format!("an element has an event handler attribute {name}"),
                ));
            } else if compact.starts_with("javascript:") || compact.starts_with("vbscript:") {
                out.push(finding(
                    path,
                    "unsafe",
                    format!("attribute {name} holds a script URL"),
                ));
            }
        }
    }
}
