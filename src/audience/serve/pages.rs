//! The few pages `serve` shows, in the newsletter's own web style (the
//! templates' `web.css`, served as a file so the Content-Security-Policy
//! can forbid every inline style and script). Every value from a request
//! or the store is escaped.

use crate::config::Config;
use crate::render::escape_markup as escape;

/// For our own pages: nothing but our stylesheet, and forms only to us.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Rules for the forms, after the newsletter's `web.css`.
const FORM_CSS: &str = "
/* serve: subscribe, confirm and unsubscribe pages */
.panel { padding: 24px 0 32px; }
form.action label { display: block; font-family: Arial, Helvetica, sans-serif; font-size: 0.9rem; margin: 14px 0 4px; }
form.action input[type=email], form.action input[type=text] { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid var(--rule, #ccc1b7); background: #fff; color: #33302e; }
form.action button { margin-top: 18px; font: bold 1rem Arial, Helvetica, sans-serif; padding: 10px 22px; border: 0; background: var(--accent, #0d7680); color: #fff; cursor: pointer; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.note { font-family: Arial, Helvetica, sans-serif; color: var(--muted, #66605c); font-size: 0.85rem; }
";

/// The stylesheet: the newsletter's `web.css` when the templates have one.
pub fn stylesheet(config: &Config) -> String {
    let web = std::fs::read_to_string(config.paths.templates.join("web.css")).unwrap_or_default();
    format!("{web}\n{FORM_CSS}")
}

/// A whole page around `body` (already HTML).
pub fn page(config: &Config, title: &str, body: &str) -> String {
    let name = escape(&config.newsletter.name);
    let tagline = escape(&config.newsletter.tagline);
    let lang = escape(&config.newsletter.language);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title} · {name}</title><link rel=\"stylesheet\" href=\"/assets/serve.css\"></head>\
         <body><header class=\"site\"><p class=\"brand\">{name}</p><p class=\"tagline\">{tagline}</p></header>\
         <main><div class=\"panel\"><h1>{title}</h1>\n{body}</div></main></body></html>\n",
        title = escape(title),
    )
}

/// A page with one button that POSTs the form back to the same address.
/// An empty `action` keeps the token (in the path or the query) as it came.
pub fn button(
    config: &Config,
    title: &str,
    text: &str,
    fields: &[(&str, &str)],
    label: &str,
) -> String {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    page(
        config,
        title,
        &format!(
            "<p>{}</p><form class=\"action\" method=\"post\" action=\"\">{hidden}<button type=\"submit\">{}</button></form>",
            escape(text),
            escape(label)
        ),
    )
}

/// A page with a message only.
pub fn message(config: &Config, title: &str, text: &str) -> String {
    page(config, title, &format!("<p>{}</p>", escape(text)))
}

/// The subscribe form, with a honeypot field people never see.
pub fn subscribe_form(config: &Config, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"note\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    page(
        config,
        &format!("Subscribe to {}", config.newsletter.name),
        &format!(
            "{problem}<form class=\"action\" method=\"post\" action=\"\">\
             <label for=\"email\">Email address</label>\
             <input type=\"email\" id=\"email\" name=\"email\" required maxlength=\"254\" autocomplete=\"email\">\
             <label for=\"name\">Name (optional)</label>\
             <input type=\"text\" id=\"name\" name=\"name\" maxlength=\"100\" autocomplete=\"name\">\
             <div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Leave this empty</label>\
             <input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\
             <button type=\"submit\">Subscribe</button></form>\
             <p class=\"note\">We send a link to confirm; nothing arrives until you follow it.</p>"
        ),
    )
}
