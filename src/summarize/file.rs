//! Summary files: `content/summaries/<date>-<slug>.md`, TOML front matter
//! between `+++` lines, then the Markdown body.
//!
//! The files belong to the editor once written. Two digests in the front
//! matter make that safe: `input_digest` (the cleaned article) lets a re-run
//! skip unchanged inputs, and `body_digest` (the body as generated) tells a
//! body the editor changed from one we may regenerate.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{render_body, slug, summarize, KeyFigure, Quote, SummarizeError, SummaryOptions};
use crate::clean::CleanArticle;
use crate::problem::Problem;

/// The front matter of a summary file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_time")]
    pub published: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_time")]
    pub summarized: Option<DateTime<FixedOffset>>,
    /// Digest of the cleaned input, to skip unchanged articles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
    /// Digest of the body as generated; a different body means the editor changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
}

/// Times in front matter: written as RFC 3339 strings; read from a string
/// or a bare TOML date-time (`published = 2026-11-24T07:00:00Z`), or a bare
/// date (taken as midnight UTC), since an editor may write any of them.
mod toml_time {
    use chrono::{DateTime, FixedOffset, NaiveDate};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<FixedOffset>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&t.to_rfc3339()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Toml(t) => t.to_string(),
        };
        parse(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a date-time; write e.g. 2026-11-24T07:00:00Z or 2026-11-24"
            ))
        })
    }

    fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
        let text = text.trim();
        DateTime::parse_from_rfc3339(text)
            .or_else(|_| DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc().fixed_offset())
            })
    }
}

/// The parts of a summary body that the issue template lays out separately.
///
/// The standfirst, points and quote text are inline Markdown exactly as the
/// body has it (escapes and any emphasis the editor added included), so render
/// them with the Markdown filter. Figure values and labels and the quote's
/// speaker are plain text: Markdown escapes are removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections {
    pub standfirst: String,
    pub points: Vec<String>,
    pub figures: Vec<KeyFigure>,
    pub quote: Option<Quote>,
}

/// A summary file, generated or written by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryDoc {
    pub path: PathBuf,
    pub front: FrontMatter,
    /// Markdown.
    pub body: String,
}

impl SummaryDoc {
    /// Parses `+++`-fenced TOML front matter and the Markdown body.
    pub fn parse(text: &str, path: &Path) -> Result<SummaryDoc, SummarizeError> {
        let bad = |message: String| SummarizeError::BadFile {
            path: path.to_path_buf(),
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let rest = text
            .strip_prefix("+++")
            .filter(|r| r.starts_with(['\n', '\r']))
            .ok_or_else(|| {
                bad("line 1: a summary starts with a `+++` line, then TOML front matter, then another `+++` line".into())
            })?;
        let end = rest.find("\n+++").ok_or_else(|| {
            bad("the front matter is not closed: add a line `+++` after it".into())
        })?;
        let front: FrontMatter = toml::from_str(&rest[..end]).map_err(|e| {
            // Lines in the TOML error are counted from after the first `+++`.
            let line = e
                .span()
                .map(|s| rest[..s.start].matches('\n').count() + 1)
                .map_or(String::new(), |l| format!("line {l}: "));
            bad(format!("{line}front matter: {}", e.message()))
        })?;
        let after = &rest[end + 4..];
        let body = after
            .split_once('\n')
            .map_or("", |(_, b)| b)
            .trim_start_matches(['\r', '\n'])
            .replace("\r\n", "\n");
        Ok(SummaryDoc {
            path: path.to_path_buf(),
            front,
            body,
        })
    }

    /// The file's text: front matter then body. Fails only if the front
    /// matter cannot be written as TOML, which would be a bug here; it is
    /// reported rather than writing a file without its digests.
    pub fn to_file_text(&self) -> Result<String, toml::ser::Error> {
        let front = toml::to_string(&self.front)?;
        Ok(format!("+++\n{front}+++\n\n{}\n", self.body.trim_end()))
    }

    /// Whether the body differs from the one summarize wrote (or has no
    /// digest at all: a hand-written summary).
    pub fn is_edited(&self) -> bool {
        self.front.body_digest.as_deref() != Some(body_digest(&self.body).as_str())
    }

    /// The body's standfirst, key points, figures and quote.
    ///
    /// Reads the layout [`render_body`] writes, and is lenient with what an
    /// editor writes by hand: the first plain paragraph is the standfirst;
    /// list items and later paragraphs are points; items under a heading
    /// that mentions figures, numbers or data are figures
    /// (`**value** — label`, or `value: label`); a blockquote is the quote,
    /// with a closing `— Name` line as its speaker. A paragraph that is only a
    /// link, or starts with `Source:`, is the source line and is skipped.
    pub fn sections(&self) -> Sections {
        #[derive(PartialEq, Clone, Copy)]
        enum Part {
            Points,
            Figures,
            Quote,
        }
        let mut out = Sections::default();
        let mut part = Part::Points;
        let mut quote_lines: Vec<String> = Vec::new();
        let mut speaker: Option<String> = None;
        let mut items: Vec<(Part, String)> = Vec::new();
        let mut paragraph: Vec<&str> = Vec::new();
        let mut in_item = false;

        let flush_paragraph =
            |paragraph: &mut Vec<&str>, out: &mut Sections, items: &mut Vec<(Part, String)>| {
                if paragraph.is_empty() {
                    return;
                }
                let text = paragraph.join(" ");
                paragraph.clear();
                let text = text.trim();
                if is_source_line(text) {
                    return;
                }
                if out.standfirst.is_empty() && items.is_empty() {
                    out.standfirst = text.to_string();
                } else {
                    items.push((Part::Points, text.to_string()));
                }
            };

        for line in self.body.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                flush_paragraph(&mut paragraph, &mut out, &mut items);
                in_item = false;
                continue;
            }
            if let Some(heading) = heading_text(trimmed) {
                flush_paragraph(&mut paragraph, &mut out, &mut items);
                in_item = false;
                let h = heading.to_lowercase();
                part = if h.contains("figure") || h.contains("number") || h.contains("data") {
                    Part::Figures
                } else if h.contains("quote") {
                    Part::Quote
                } else {
                    Part::Points
                };
                continue;
            }
            if let Some(q) = trimmed.strip_prefix('>') {
                flush_paragraph(&mut paragraph, &mut out, &mut items);
                in_item = false;
                let q = q.trim();
                if let Some(name) = attribution(q) {
                    speaker = Some(unescape_md(name));
                } else if !q.is_empty() {
                    quote_lines.push(q.to_string());
                }
                continue;
            }
            if !quote_lines.is_empty() && speaker.is_none() {
                if let Some(name) = attribution(trimmed) {
                    speaker = Some(unescape_md(name));
                    continue;
                }
            }
            if let Some(item) = list_item(trimmed) {
                flush_paragraph(&mut paragraph, &mut out, &mut items);
                let target = if part == Part::Quote {
                    Part::Points
                } else {
                    part
                };
                items.push((target, item.to_string()));
                in_item = true;
                continue;
            }
            if in_item && line.starts_with([' ', '\t']) {
                if let Some((_, last)) = items.last_mut() {
                    last.push(' ');
                    last.push_str(trimmed);
                }
                continue;
            }
            if part == Part::Quote {
                quote_lines.push(trimmed.to_string());
                continue;
            }
            in_item = false;
            paragraph.push(trimmed);
        }
        flush_paragraph(&mut paragraph, &mut out, &mut items);

        for (part, text) in items {
            if is_source_line(&text) {
                continue;
            }
            match part {
                Part::Figures => out.figures.push(parse_figure(&text)),
                _ => out.points.push(text),
            }
        }
        if out.standfirst.is_empty() && !out.points.is_empty() {
            out.standfirst = out.points.remove(0);
        }
        if !quote_lines.is_empty() {
            let text = quote_lines.join(" ");
            let text = text
                .trim()
                .trim_start_matches(['“', '"', '‘'])
                .trim_end_matches(['”', '"', '’'])
                .trim()
                .to_string();
            out.quote = Some(Quote { text, speaker });
        }
        out
    }
}

fn heading_text(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    (rest.len() < line.len() && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// `- item`, `* item`, `+ item`, `1. item`, `1) item`.
fn list_item(line: &str) -> Option<&str> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest.trim());
        }
    }
    let digits = line.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &line[digits..];
    rest.strip_prefix(". ")
        .or_else(|| rest.strip_prefix(") "))
        .map(str::trim)
}

/// `— Name`, `-- Name`, `– Name`: who said the quote.
fn attribution(line: &str) -> Option<&str> {
    for dash in ["—", "--", "–", "- ", "~"] {
        if let Some(rest) = line.strip_prefix(dash) {
            let name = rest.trim();
            return (!name.is_empty()).then_some(name);
        }
    }
    None
}

/// The source link line: only a link, or `Source: …`.
fn is_source_line(text: &str) -> bool {
    let t = text.trim_matches(['*', '_']).trim();
    if t.to_lowercase().starts_with("source:") {
        return true;
    }
    t.starts_with('[') && t.ends_with(')') && t.contains("](") && t.matches("](").count() == 1
}

/// Removes Markdown backslash escapes (`\*` -> `*`), for fields shown as plain text.
fn unescape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek().filter(|n| n.is_ascii_punctuation()) {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `**40%** — Russia's share of EU gas`, `40%: Russia's share`, or `40% - share`,
/// as plain text.
fn parse_figure(item: &str) -> KeyFigure {
    let f = parse_figure_md(item);
    KeyFigure {
        value: unescape_md(&f.value),
        label: unescape_md(&f.label),
    }
}

fn parse_figure_md(item: &str) -> KeyFigure {
    if let Some(rest) = item.strip_prefix("**") {
        if let Some(end) = rest.find("**") {
            let value = rest[..end].trim().to_string();
            let label = rest[end + 2..]
                .trim()
                .trim_start_matches(['—', '–', '-', ':'])
                .trim()
                .to_string();
            return KeyFigure { value, label };
        }
    }
    for sep in [" — ", " – ", " - ", ": "] {
        if let Some((value, label)) = item.split_once(sep) {
            return KeyFigure {
                value: value.trim().to_string(),
                label: label.trim().to_string(),
            };
        }
    }
    KeyFigure {
        value: item.trim().to_string(),
        label: String::new(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Digest of a body as the editor would see it: line endings and trailing
/// space do not count as edits.
pub fn body_digest(body: &str) -> String {
    let normal: Vec<&str> = body.trim().lines().map(str::trim_end).collect();
    sha256_hex(normal.join("\n").as_bytes())
}

/// Digest of the cleaned article, independent of where the file lives.
pub fn input_digest(article: &CleanArticle) -> String {
    let canonical = serde_json::json!({
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "author": article.author,
        "published": article.published.map(|t| t.to_rfc3339()),
        "paragraphs": article.paragraphs,
        "also_in": article.also_in,
    });
    sha256_hex(canonical.to_string().as_bytes())
}

/// What a summarize run did, per file.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// Summaries the editor changed, left alone (use --force to regenerate).
    pub kept_edited: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

/// Summarizes articles into `dir`, honouring the editor's changes unless `force`.
///
/// An article's summary is found by its URL (or, without one, its title), so
/// a file keeps its name across runs even when the date or slug would now
/// come out differently. For each article:
/// - no summary yet: write `<date>-<slug>.md` (date published, else `now`);
/// - body edited (or hand-written, no digest): keep it and report it, unless `force`;
/// - same input digest: leave it alone (unchanged), unless `force`;
/// - otherwise rewrite it in place.
///
/// A file in `dir` that cannot be parsed is reported and never overwritten.
pub fn write_summaries(
    articles: &[CleanArticle],
    dir: &Path,
    opts: &SummaryOptions,
    force: bool,
    now: DateTime<FixedOffset>,
) -> Result<WriteReport, SummarizeError> {
    let mut report = WriteReport::default();
    let (existing, problems) = load_summaries(dir);
    let unreadable: HashSet<PathBuf> = problems.iter().map(|p| p.path.clone()).collect();
    report.problems.extend(problems);
    let mut taken: HashSet<PathBuf> = existing.iter().map(|d| d.path.clone()).collect();
    taken.extend(unreadable.iter().cloned());
    let mut claimed: HashSet<PathBuf> = HashSet::new();

    for article in articles {
        let no_text = article.title.trim().is_empty()
            && article.paragraphs.iter().all(|p| p.trim().is_empty());
        if no_text {
            report.problems.push(Problem::skipped(
                &article.path,
                None,
                "no text to summarize: the article is empty after cleaning; check the file",
            ));
            continue;
        }
        let digest = input_digest(article);
        let found = existing.iter().find(|d| {
            !claimed.contains(&d.path)
                && match (&article.url, &d.front.url) {
                    (Some(a), Some(b)) => a == b,
                    _ => d.front.title.trim() == article.title.trim(),
                }
        });
        if let Some(doc) = found {
            claimed.insert(doc.path.clone());
            if doc.is_edited() && !force {
                report.kept_edited.push(doc.path.clone());
                continue;
            }
            if doc.front.input_digest.as_deref() == Some(digest.as_str()) && !force {
                report.unchanged.push(doc.path.clone());
                continue;
            }
        }
        let path = match found {
            Some(doc) => doc.path.clone(),
            None => {
                let date = article.published.unwrap_or(now).date_naive();
                let stem = format!("{}-{}", date.format("%Y-%m-%d"), slug(&article.title));
                let mut path = dir.join(format!("{stem}.md"));
                let mut n = 2;
                while taken.contains(&path) {
                    path = dir.join(format!("{stem}-{n}.md"));
                    n += 1;
                }
                path
            }
        };
        taken.insert(path.clone());
        claimed.insert(path.clone());
        let summary = summarize(article, opts);
        let body = render_body(article, &summary);
        let doc = SummaryDoc {
            front: FrontMatter {
                title: article.title.clone(),
                source: article.source.clone(),
                url: article.url.clone(),
                published: article.published,
                summarized: Some(now),
                input_digest: Some(digest),
                body_digest: Some(body_digest(&body)),
                also_in: article.also_in.clone(),
            },
            body,
            path,
        };
        let text = doc.to_file_text().map_err(|e| SummarizeError::BadFile {
            path: doc.path.clone(),
            message: format!("cannot write the front matter: {e}"),
        })?;
        crate::fsutil::write_atomic(&doc.path, text.as_bytes()).map_err(|source| {
            SummarizeError::Io {
                path: doc.path.clone(),
                source,
            }
        })?;
        report.written.push(doc.path);
    }
    Ok(report)
}

/// Every summary in `dir`, sorted by file name; unreadable ones become problems.
/// A missing folder is simply empty (nothing summarized yet).
pub fn load_summaries(dir: &Path) -> (Vec<SummaryDoc>, Vec<Problem>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "md")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => match SummaryDoc::parse(&text, &path) {
                    Ok(doc) => docs.push(doc),
                    Err(SummarizeError::BadFile { message, .. }) => {
                        problems.push(Problem::skipped(&path, None, message))
                    }
                    Err(err) => problems.push(Problem::skipped(&path, None, err.to_string())),
                },
                Err(_) => problems.push(Problem::skipped(
                    &path,
                    None,
                    "not UTF-8 text; save it as UTF-8",
                )),
            },
            Err(err) => problems.push(Problem::skipped(&path, None, format!("cannot read: {err}"))),
        }
    }
    (docs, problems)
}
