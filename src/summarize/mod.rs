//! Extractive, deterministic summaries, written as Markdown files the editor
//! owns: `content/summaries/<date>-<slug>.md` with TOML front matter.
//!
//! Re-running skips unchanged inputs and never overwrites a body the editor
//! changed (detected by the body digest in the front matter).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clean::CleanArticle;

mod figures;
mod file;
pub mod score;
pub mod shape;
pub mod split;
mod stem;

pub use file::{load_summaries, write_summaries, FrontMatter, Sections, SummaryDoc, WriteReport};

#[derive(Debug, Error)]
pub enum SummarizeError {
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How much to pick from each article.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    pub sentences: usize,
    pub key_figures: usize,
    pub quotes: bool,
}

impl From<&crate::config::SummaryConfig> for SummaryOptions {
    fn from(c: &crate::config::SummaryConfig) -> Self {
        Self {
            sentences: c.sentences,
            key_figures: c.key_figures,
            quotes: c.quotes,
        }
    }
}

/// A number worth showing on its own: "40% — Russia's share of EU gas".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFigure {
    /// The number with its unit, as written: "$91.20", "2.4 per cent", "40%".
    pub value: String,
    /// What it measures, in the article's words.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub text: String,
    pub speaker: Option<String>,
}

/// What the summarizer picked from one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// One sentence that says what happened.
    pub standfirst: String,
    /// Further key sentences, in article order.
    pub key_points: Vec<String>,
    pub key_figures: Vec<KeyFigure>,
    pub quote: Option<Quote>,
    /// Every chosen sentence in article order (standfirst first when it leads).
    pub sentences: Vec<String>,
}

/// An article's sentences, each a slice of its paragraph.
pub struct Split<'a> {
    pub paragraphs: Vec<&'a str>,
    pub texts: Vec<&'a str>,
    /// (paragraph, start, end) of each sentence, in bytes.
    pub spans: Vec<(usize, usize, usize)>,
}

/// Splits the article's paragraphs into sentences. An article with no body
/// paragraphs is split from its headline, which is where a one-line scraped
/// file ends up.
pub fn split_article(article: &CleanArticle) -> Split<'_> {
    let mut paragraphs: Vec<&str> = article
        .paragraphs
        .iter()
        .map(String::as_str)
        .filter(|p| !p.trim().is_empty())
        .collect();
    if paragraphs.is_empty() && !article.title.trim().is_empty() {
        paragraphs.push(article.title.as_str());
    }
    let mut texts: Vec<&str> = Vec::new();
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (p, paragraph) in paragraphs.iter().enumerate() {
        for sentence in split::split_sentences(paragraph) {
            // Sentences are slices of the paragraph, so their offsets are exact.
            let start = sentence.as_ptr() as usize - paragraph.as_ptr() as usize;
            spans.push((p, start, start + sentence.len()));
            texts.push(sentence);
        }
    }
    Split {
        paragraphs,
        texts,
        spans,
    }
}

/// Summarizes one article: picks `opts.sentences` sentences (fewer only when
/// the article has fewer), the key figures and the strongest quote.
///
/// An article with no body paragraphs is summarized from its headline, which
/// is where a one-line scraped file ends up.
pub fn summarize(article: &CleanArticle, opts: &SummaryOptions) -> Summary {
    let Split {
        paragraphs,
        texts,
        spans,
    } = split_article(article);
    let weights = score::Weights::default();
    let scored = score::score(&texts, &weights);
    let split = Split {
        paragraphs,
        texts,
        spans,
    };
    let leans: Vec<bool> = split
        .texts
        .iter()
        .map(|s| shape::leans_on_previous(s))
        .collect();
    // An article with no body is summarized from its headline, which is
    // not prose; nor is a story with no prose sentence at all (a list).
    // Either is summarized from what it has rather than left blank.
    let from_headline = article.paragraphs.iter().all(|p| p.trim().is_empty());
    let mut picked = if from_headline {
        Vec::new()
    } else {
        score::select_where(&scored, opts.sentences, &weights, &leans, |i| {
            shape::eligible(&split, i)
        })
    };
    if picked.is_empty() {
        picked = score::select(&scored, opts.sentences, &weights);
    }
    let Split {
        paragraphs,
        texts,
        spans,
    } = split;
    let sentences: Vec<String> = picked.iter().map(|&i| texts[i].to_string()).collect();
    let key_figures = figures::key_figures(&texts, &scored.scores, opts.key_figures);
    // Quotations are found once per paragraph and serve both the strongest
    // quote and the speakers of chosen sentences below.
    let mut quote_cache: Vec<Option<Vec<figures::QuoteSpan>>> = vec![None; paragraphs.len()];
    let quote = if opts.quotes {
        for (p, slot) in paragraphs.iter().zip(quote_cache.iter_mut()) {
            slot.get_or_insert_with(|| figures::quote_spans(p));
        }
        figures::strongest_quote(&quote_cache, &spans, &scored.scores, &picked)
    } else {
        None
    };
    // The Markdown body is read point by point, so a sentence cut from a
    // quotation gets its speaker attached, or is left out when the article
    // does not say who spoke. `sentences` (what ROUGE scores) stays as picked.
    let mut readable: Vec<String> = Vec::new();
    for &i in &picked {
        let (p, start, end) = spans[i];
        let quotes = quote_cache[p].get_or_insert_with(|| figures::quote_spans(paragraphs[p]));
        if let Some(point) = standalone(paragraphs[p], start, end, quotes, &readable) {
            readable.push(point);
        }
    }
    let mut readable = readable.into_iter();
    let standfirst = readable
        .next()
        .or_else(|| sentences.first().map(|s| balance_quotes(s)))
        .unwrap_or_default();
    let key_points: Vec<String> = readable.collect();
    Summary {
        standfirst,
        key_points,
        key_figures,
        quote,
        sentences,
    }
}

/// One line of `summarize --stdout --format json`: the article's path and
/// title, the chosen sentences (what ROUGE scores) and the Markdown body.
/// Serialized straight from borrowed fields (a `serde_json::Value` cost an
/// allocation per field); the keys stay in the alphabetical order the output
/// has always had.
pub fn json_line(article: &CleanArticle, summary: &Summary) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct JsonLine<'a> {
        markdown: String,
        path: &'a std::path::Path,
        sentences: &'a [String],
        title: &'a str,
    }
    serde_json::to_string(&JsonLine {
        markdown: render_body(article, summary),
        path: &article.path,
        sentences: &summary.sentences,
        title: &article.title,
    })
}

/// A chosen sentence as a reader can take it alone: with balanced quote
/// marks, and with "— speaker" after it when it lies inside a quotation
/// whose attribution is outside the sentence. `None` for such a fragment
/// whose speaker the article does not name. A speaker already named in an
/// `earlier` point is given by name only.
fn standalone(
    paragraph: &str,
    start: usize,
    end: usize,
    quotes: &[figures::QuoteSpan],
    earlier: &[String],
) -> Option<String> {
    let sentence = &paragraph[start..end];
    for q in quotes {
        let close_end = q.close
            + paragraph[q.close..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        if q.open >= end || close_end <= start {
            continue;
        }
        // Words of the sentence outside the quotation carry its attribution.
        let outside = paragraph[start..q.open.max(start)]
            .split_whitespace()
            .count()
            + paragraph[close_end.min(end)..end]
                .split_whitespace()
                .count();
        if outside >= 2 {
            continue;
        }
        let text = balance_quotes(sentence.trim());
        return q.quote.speaker.as_ref().map(|speaker| {
            // A speaker the reader has just met needs no role again.
            let name = speaker.split(", ").next().unwrap_or(speaker);
            // Compared without the title: the article may write "Dr.".
            let bare_name = name.split_once(' ').map_or(name, |(first, rest)| {
                if figures::is_title(first) {
                    rest
                } else {
                    name
                }
            });
            if earlier.iter().any(|e| e.contains(bare_name)) {
                format!("{text} — {name}")
            } else {
                format!("{text} — {speaker}")
            }
        });
    }
    Some(balance_quotes(sentence.trim()))
}

/// Lower-case ASCII words joined by hyphens, for file names.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(
            word.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    if out.is_empty() {
        "untitled".into()
    } else {
        out
    }
}

/// The Markdown body of a summary file: standfirst, key points, key figures,
/// the strongest quote and the source link. Article text is escaped so that
/// it reads as text, never as Markdown or HTML; [`SummaryDoc::sections`]
/// reads this layout back.
pub fn render_body(article: &CleanArticle, summary: &Summary) -> String {
    let mut out = escape_md(&balance_quotes(&summary.standfirst));
    if !summary.key_points.is_empty() {
        out.push_str("\n\n");
        for point in &summary.key_points {
            out.push_str("- ");
            out.push_str(&escape_md(&balance_quotes(point)));
            out.push('\n');
        }
    }
    if !summary.key_figures.is_empty() {
        out.push_str("\n### Key figures\n\n");
        for figure in &summary.key_figures {
            out.push_str(&format!(
                "- **{}** — {}\n",
                escape_md(&figure.value),
                escape_md(&figure.label)
            ));
        }
    }
    if let Some(quote) = &summary.quote {
        out.push_str(&format!("\n> “{}”\n", escape_md(&quote.text)));
        if let Some(speaker) = &quote.speaker {
            out.push_str(&format!(">\n> — {}\n", escape_md(speaker)));
        }
    }
    match (&article.url, &article.source) {
        (Some(url), source) if url.starts_with("http://") || url.starts_with("https://") => {
            let label = source
                .as_deref()
                .map_or("Read the full story".to_string(), |s| {
                    format!("Read the full story at {}", escape_md(s))
                });
            let url = url
                .replace(' ', "%20")
                .replace('(', "%28")
                .replace(')', "%29");
            out.push_str(&format!("\n[{label}]({url})\n"));
        }
        (_, Some(source)) => out.push_str(&format!("\nSource: {}\n", escape_md(source))),
        _ => {}
    }
    out.trim().to_string()
}

/// A sentence cut from a quotation that runs over several sentences has
/// only one of its quote marks; add the missing one so the point reads as a
/// quote. Only double quotes: a lone ’ is usually an apostrophe.
pub fn balance_quotes(sentence: &str) -> String {
    let opens = sentence.matches('“').count();
    let closes = sentence.matches('”').count();
    let straight = sentence.matches('"').count();
    // Room for the mark that may be added, so that adding it does not
    // copy the sentence again.
    let mut out = String::with_capacity(sentence.len() + '”'.len_utf8());
    out.push_str(sentence);
    if closes > opens {
        out.insert(0, '“');
    } else if opens > closes {
        out.push('”');
    } else if straight % 2 == 1 {
        // Which end is missing: a mark at the start opens, anywhere else closes.
        if sentence.starts_with('"') {
            out.push('"');
        } else {
            out.insert(0, '"');
        }
    }
    out
}

/// Backslash-escapes the characters that would make article text into
/// Markdown emphasis, links, code or HTML.
pub fn escape_md(text: &str) -> String {
    let text = crate::clean::rules::collapse(text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut copied = 0;
    for (i, b) in text.bytes().enumerate() {
        if matches!(
            b,
            b'\\' | b'*' | b'_' | b'`' | b'[' | b']' | b'<' | b'>' | b'#' | b'|'
        ) {
            out.push_str(&text[copied..i]);
            out.push('\\');
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::balance_quotes as b;

    #[test]
    fn quote_marks_are_balanced_for_display() {
        assert_eq!(b("“Prices will rise."), "“Prices will rise.”");
        assert_eq!(b("We are ready,” she said."), "“We are ready,” she said.");
        assert_eq!(b("Not many are left.\""), "\"Not many are left.\"");
        assert_eq!(b("\"Buyers were calm."), "\"Buyers were calm.\"");
        assert_eq!(b("He said “yes” twice."), "He said “yes” twice.");
        assert_eq!(b("It’s fine."), "It’s fine.");
    }
}
