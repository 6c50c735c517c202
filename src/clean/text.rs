//! Scraped plain text: lines become paragraphs, the junk rules run, and a
//! short first line is taken as the headline.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{dates, rules, CleanArticle};

/// Splits raw text into paragraphs. Blank lines always separate paragraphs;
/// inside a block, each line is its own paragraph unless the block looks
/// hard-wrapped (every line but the last of similar, moderate length), in
/// which case its lines are joined.
pub fn paragraphs(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in raw.lines().chain(std::iter::once("")) {
        let line = line.trim();
        if !line.is_empty() {
            block.push(line);
            continue;
        }
        if block.is_empty() {
            continue;
        }
        if is_hard_wrapped(&block) {
            out.push(rules::collapse(&block.join(" ")));
        } else {
            out.extend(block.iter().map(|l| rules::collapse(l)));
        }
        block.clear();
    }
    out
}

fn is_hard_wrapped(lines: &[&str]) -> bool {
    if lines.len() < 2 {
        return false;
    }
    let body = &lines[..lines.len() - 1];
    let lens: Vec<usize> = body.iter().map(|l| l.chars().count()).collect();
    let max = lens.iter().copied().max().unwrap_or(0);
    let min = lens.iter().copied().min().unwrap_or(0);
    // Wrapped text fills its lines to a fixed width: every line but the last
    // is between 40 and 100 characters and they differ by less than 30; a
    // wrapped line rarely ends a sentence mid-block.
    let sentence_ends = body
        .iter()
        .filter(|l| l.ends_with(['.', '!', '?', '"', '”']))
        .count();
    (40..=100).contains(&min) && max <= 100 && max - min < 30 && sentence_ends * 2 < body.len() + 1
}

/// True when a paragraph reads like a headline: short, not a sentence ending
/// in a full stop.
pub fn looks_like_headline(p: &str) -> bool {
    let words = p.split_whitespace().count();
    (1..=25).contains(&words) && !p.ends_with('.') && p.chars().any(char::is_alphabetic)
}

/// A title for an article that has no headline: the opening words of its
/// first paragraph, cut at a word boundary.
pub fn title_from_lead(lead: &str) -> String {
    let first_sentence = lead
        .split_inclusive(['.', '!', '?'])
        .next()
        .unwrap_or(lead)
        .trim();
    let words: Vec<&str> = first_sentence.split_whitespace().collect();
    if words.len() <= 14 {
        first_sentence.trim_end_matches('.').to_string()
    } else {
        format!(
            "{}…",
            words[..12].join(" ").trim_end_matches([',', ';', ':'])
        )
    }
}

/// Cleans scraped plain text with no reference time: a wire dateline
/// without a year gives a date only when the text has a full date to take
/// the year from. See [`clean_at`].
pub fn clean(raw: &str, path: &Path) -> CleanArticle {
    clean_at(raw, path, None)
}

/// Cleans scraped plain text. The first paragraph is the headline when it
/// looks like one; otherwise the title is made from the lead and every
/// paragraph stays in the body. The published date comes from the stamps in
/// the text ([`dates::published_in_text`]; `reference` places a dateline
/// that has no year), and the agency of a wire dateline is the source.
pub fn clean_at(raw: &str, path: &Path, reference: Option<DateTime<Utc>>) -> CleanArticle {
    let split = paragraphs(raw);
    let published = dates::published_in_text(&split, reference);
    let applied = rules::apply(&split);
    let mut kept = applied.kept;
    let title = match kept.first() {
        Some(first) if kept.len() > 1 && looks_like_headline(first) => kept.remove(0),
        Some(first) => title_from_lead(first),
        None => String::new(),
    };
    let mut article = CleanArticle::new(path, title, kept);
    article.published = published;
    article.source = applied.agency;
    article
}
