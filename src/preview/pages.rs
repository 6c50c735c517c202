//! The preview's own pages: the front page with the five views, the frames
//! around the email, the build-error page, and the live-reload script that
//! is added to HTML as it is served (never to the files in `dist/`).

use super::IssueView;

/// Path of the long-poll endpoint the reload script calls.
pub const POLL_PATH: &str = "/_preview/poll";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    crate::render::escape_markup(s)
}

/// The live-reload script for a page served at build `generation`: it waits
/// on the poll endpoint and reloads the page when the generation moves on.
/// Inside a frame it does nothing; the page around the frame reloads.
pub fn reload_script(generation: u64) -> String {
    format!(
        r#"<script data-newsletter-preview>(function () {{
  if (window.top !== window.self) return;
  var seen = {generation};
  function poll() {{
    fetch("{POLL_PATH}?since=" + seen, {{ cache: "no-store" }})
      .then(function (r) {{ return r.json(); }})
      .then(function (d) {{ if (d.generation !== seen) location.reload(); else poll(); }})
      .catch(function () {{ setTimeout(poll, 1000); }});
  }}
  poll();
}})();</script>"#
    )
}

/// `html` with the reload script added before `</body>` (or at the end).
pub fn inject(html: &str, generation: u64) -> String {
    let script = reload_script(generation);
    let lower = html.to_ascii_lowercase();
    match lower.rfind("</body>") {
        Some(at) => format!("{}{}\n{}", &html[..at], script, &html[at..]),
        None => format!("{html}\n{script}\n"),
    }
}

const STYLE: &str = r#"<style>
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f3efe9; color: #222; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; padding: 10px 16px; background: #1c2a3a; color: #fff; }
nav strong { margin-right: 12px; }
nav a { color: #ffd9b0; text-decoration: none; }
nav a[aria-current] { color: #fff; text-decoration: underline; }
main { padding: 16px; }
.desktop { display: block; width: 100%; max-width: 1200px; height: calc(100vh - 90px); margin: 0 auto; border: 1px solid #ccc; background: #fff; }
.phone { display: block; width: 375px; height: 740px; margin: 0 auto; border: 14px solid #111; border-radius: 36px; background: #fff; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
.views { list-style: none; padding: 0; max-width: 40em; }
.views li { margin: 10px 0; }
.views a { font-size: 1.1em; }
.error { max-width: 60em; margin: 24px auto; padding: 16px 20px; background: #fff; border-left: 6px solid #b3261e; }
.notice { max-width: 40em; padding: 10px 14px; background: #fff4d6; border-left: 6px solid #c98a00; }
.error pre { white-space: pre-wrap; font: 14px/1.45 ui-monospace, Menlo, Consolas, monospace; }
</style>"#;

/// The views of an issue: (slug, label, href).
fn views(issue: &IssueView) -> [(&'static str, &'static str, String); 5] {
    let dir = &issue.rel_dir;
    [
        (
            "desktop",
            "Email, desktop width",
            "/_preview/desktop".to_string(),
        ),
        (
            "phone",
            "Email on a phone (375 px)",
            "/_preview/phone".to_string(),
        ),
        ("text", "Plain-text part", "/_preview/text".to_string()),
        ("web", "Web version", format!("/{dir}/index.html")),
        ("archive", "Archive", "/index.html".to_string()),
    ]
}

fn page(title: &str, nav: &str, body: &str, generation: u64) -> String {
    let doc = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title>{STYLE}</head><body>{nav}<main>{body}</main></body></html>\n",
        escape(title)
    );
    inject(&doc, generation)
}

fn nav(issue: Option<&IssueView>, current: &str) -> String {
    let mut out = String::from("<nav><strong><a href=\"/\">Preview</a></strong>");
    if let Some(issue) = issue {
        for (slug, label, href) in views(issue) {
            let mark = if slug == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<a href=\"{}\"{mark}>{}</a>",
                escape(&href),
                escape(label)
            ));
        }
    } else {
        out.push_str("<a href=\"/index.html\">Archive</a>");
    }
    out.push_str("</nav>");
    out
}

/// The front page's note for an issue with a generated opening.
pub const NO_INTRO: &str = "<p class=\"notice\"><strong>No intro written for this issue.</strong> \
It opens with a short paragraph made from its stories. Write <code>content/intro/&lt;issue date&gt;.md</code> \
(or a new <code>content/intro.md</code>) to give it one; the intro of an earlier issue is never repeated.</p>";

/// The front page: what was built and a link to each view.
pub fn front(issue: Option<&IssueView>, generation: u64) -> String {
    let body = match issue {
        Some(issue) => {
            let mut list = String::from("<ul class=\"views\">");
            for (_, label, href) in views(issue) {
                list.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>",
                    escape(&href),
                    escape(label)
                ));
            }
            list.push_str("</ul>");
            format!(
                "<h1>Issue {} — {}</h1>{}<p>Rebuilt on every change to content, templates or config; open pages reload by themselves.</p>{list}",
                issue.number,
                escape(&issue.subject),
                if issue.no_intro { NO_INTRO } else { "" }
            )
        }
        None => "<h1>Preview</h1><p>No issue was built.</p>".to_string(),
    };
    page("Preview", &nav(issue, ""), &body, generation)
}

/// A view that frames part of the built issue: desktop, phone or text.
pub fn framed(issue: &IssueView, view: &str, generation: u64) -> Option<String> {
    let dir = &issue.rel_dir;
    let (label, frame) = match view {
        "desktop" => (
            "Email, desktop width",
            format!("<iframe class=\"desktop\" title=\"Email\" src=\"/{dir}/email.html\"></iframe>"),
        ),
        "phone" => (
            "Email on a phone",
            format!("<iframe class=\"phone\" title=\"Email on a 375 px screen\" src=\"/{dir}/email.html\"></iframe>"),
        ),
        "text" => (
            "Plain-text part",
            format!("<iframe class=\"desktop\" title=\"Plain text\" src=\"/{dir}/email.txt\"></iframe>"),
        ),
        _ => return None,
    };
    Some(page(
        &format!("{label} — issue {}", issue.number),
        &nav(Some(issue), view),
        &frame,
        generation,
    ))
}

/// The page shown instead of any HTML while the last build failed.
pub fn build_error(message: &str, issue: Option<&IssueView>, generation: u64) -> String {
    let body = format!(
        "<div class=\"error\"><h1>The build failed</h1><pre>{}</pre>\
         <p>Fix the file and save it: this page reloads by itself once the build works.</p></div>",
        escape(message)
    );
    page("Build failed — preview", &nav(issue, ""), &body, generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_close() {
        let out = inject("<html><body><p>x</p></BODY></html>", 7);
        let script_at = out.find("<script data-newsletter-preview>").unwrap();
        assert!(script_at < out.find("</BODY>").unwrap());
        assert!(out.contains("var seen = 7;"));
        assert!(inject("fragment", 1).starts_with("fragment\n<script"));
    }

    #[test]
    fn the_front_page_says_when_no_intro_was_written() {
        let mut issue = IssueView {
            number: 2,
            subject: "Gas <b>up</b>".into(),
            rel_dir: "issues/002".into(),
            no_intro: true,
        };
        let page = front(Some(&issue), 1);
        assert!(page.contains("No intro written for this issue."), "{page}");
        assert!(page.contains("Gas &lt;b&gt;up&lt;/b&gt;"));
        issue.no_intro = false;
        assert!(!front(Some(&issue), 1).contains("No intro written"));
    }

    #[test]
    fn error_text_is_escaped() {
        let page = build_error("templates/email.html:3: <script>alert(1)</script>", None, 2);
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script>alert(1)"));
    }
}
