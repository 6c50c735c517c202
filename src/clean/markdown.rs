//! Markdown with TOML (`+++`) or YAML (`---`) front matter: already clean, so
//! only the front matter is read and the body split into paragraphs.

use std::path::Path;

use super::{non_empty, parse_date, rules, text, CleanArticle};

/// Front matter keys this reader understands, from either syntax.
#[derive(Debug, Default)]
struct Front {
    title: Option<String>,
    source: Option<String>,
    url: Option<String>,
    author: Option<String>,
    published: Option<String>,
}

impl Front {
    fn set(&mut self, key: &str, value: String) {
        let slot = match key.to_ascii_lowercase().as_str() {
            "title" => &mut self.title,
            "source" | "site" | "publication" => &mut self.source,
            "url" | "link" | "canonical_url" => &mut self.url,
            "author" | "byline" => &mut self.author,
            "published" | "date" | "pubdate" => &mut self.published,
            _ => return,
        };
        if slot.is_none() {
            *slot = non_empty(Some(value));
        }
    }
}

/// Splits `raw` into (front matter, fence, body) when it opens with a fence.
fn split_front(raw: &str) -> Option<(&str, &str, &str)> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    for fence in ["+++", "---"] {
        let Some(rest) = raw.strip_prefix(fence) else {
            continue;
        };
        let Some(rest) = rest
            .strip_prefix('\n')
            .or_else(|| rest.strip_prefix("\r\n"))
        else {
            continue;
        };
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.trim_end() == fence {
                return Some((&rest[..offset], fence, &rest[offset + line.len()..]));
            }
            offset += line.len();
        }
    }
    None
}

fn parse_toml(front: &str, out: &mut Front) -> Result<(), String> {
    let table: toml::Table = toml::from_str(front).map_err(|e| e.to_string())?;
    for (key, value) in table {
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Datetime(d) => d.to_string(),
            other => other.to_string(),
        };
        out.set(&key, value);
    }
    Ok(())
}

/// Reads the flat `key: value` lines of YAML front matter (quoted or not);
/// nested structures are ignored, which is all an article header needs.
fn parse_yaml(front: &str, out: &mut Front) {
    for line in front.lines() {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let v = value.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            out.set(key.trim(), v.to_string());
        }
    }
}

/// Turns a Markdown body into paragraphs: blank-line separated blocks with
/// their lines joined, heading marks taken off.
fn body_paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .flat_map(|block| block.split("\r\n\r\n"))
        .map(|block| rules::collapse(block.trim().trim_start_matches('#')))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Reads a Markdown article. A TOML error in the front matter is returned so
/// the caller can report it; the body is still usable then, but the file is
/// better fixed.
pub fn clean(raw: &str, path: &Path) -> Result<CleanArticle, String> {
    let mut front = Front::default();
    let body = match split_front(raw) {
        Some((fm, "+++", body)) => {
            parse_toml(fm, &mut front)
                .map_err(|e| format!("front matter is not valid TOML: {e}"))?;
            body
        }
        Some((fm, _, body)) => {
            parse_yaml(fm, &mut front);
            body
        }
        None => raw,
    };
    let mut paragraphs = body_paragraphs(body);
    let title = match front.title.take() {
        Some(t) => t,
        None => match body.trim_start().starts_with("# ") && !paragraphs.is_empty() {
            true => paragraphs.remove(0),
            false => paragraphs
                .first()
                .map(|p| text::title_from_lead(p))
                .unwrap_or_default(),
        },
    };
    let mut article = CleanArticle::new(path, title, paragraphs);
    article.source = front.source;
    article.url = front.url;
    article.author = front.author;
    article.published = front.published.as_deref().and_then(parse_date);
    Ok(article)
}
