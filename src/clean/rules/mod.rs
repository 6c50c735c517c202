//! The junk rules: named patterns for the boilerplate scrapers leave in an
//! article (ad markers, promos, share prompts, credits, link lists).
//!
//! They are data, not code, so that a reader can see every rule in one table
//! (`table.rs`) and add one without touching the cleaner: append a [`Rule`]
//! to [`RULES`] and an example of what it removes to the table in
//! `tests/clean_rules.rs` (a test fails for a rule without an example).
//! Furniture that one pattern does not describe well (share rows, numbered
//! headline lists, where a headline list ends) has structural tests in
//! `furniture.rs`.
//!
//! Patterns are `regex` syntax and are matched against one paragraph whose
//! whitespace has been collapsed to single spaces. Paragraph rules only fire
//! on paragraphs of at most `max_words` words, so a long story paragraph that
//! happens to mention "click here" or "cookies" is never dropped.
//!
//! A paragraph rule may list words that every match of its pattern contains
//! ([`Rule::needs`]) or opens with ([`Rule::opens`]); the pattern is then
//! run only on text that has one, which spares the regex engine nearly all
//! the sentences the summarizer checks. A list must hold for every possible
//! match: one word too few and the rule silently misses junk.
//!
//! An inline rule's match is replaced by a space and the whitespace collapsed
//! again, so its pattern need not take in the spaces around it; a pattern
//! that opens with a literal word (not `\s*` or `(?:^|\s)`) lets the regex
//! engine skip straight to that word, which on a long story is many times
//! faster (measured in BENCHMARKS.md, "Summaries").

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

/// What a rule does when its pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Cuts the matched text out of the paragraph; the rest stays.
    Inline,
    /// Drops the whole paragraph.
    Paragraph,
    /// Drops the paragraph (a heading such as "Related:") and the link
    /// list under it: the following short lines that are not sentences.
    ListHeading,
    /// Cuts the matched text from the start of the story's first paragraph
    /// (at most once per article), keeping the sentence after it. A named
    /// capture group `agency`, when present, is reported in
    /// [`Applied::agency`].
    Lead,
}

/// One named junk pattern.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub pattern: &'static str,
    /// Paragraph and list rules only fire on paragraphs this short (words).
    pub max_words: usize,
    /// Words of which every match of the pattern contains one (compared
    /// ASCII case-blind), so that a paragraph with none of them is not run
    /// through the pattern at all; empty for a rule without such a list.
    /// Worth it for a pattern that can match anywhere in the text: those
    /// cost the most to run on the sentences the summarizer checks.
    pub needs: &'static [&'static str],
    /// Words of which every match of the pattern starts with one (ASCII
    /// case-blind), for a pattern anchored at the start: the cheapest test
    /// of all, and the rule's regex is not run (nor its matching state ever
    /// built) on text that opens otherwise. Empty for a rule without one.
    pub opens: &'static [&'static str],
}

impl Rule {
    /// The rule with its list of [`Rule::needs`].
    const fn needing(self, needs: &'static [&'static str]) -> Rule {
        Rule { needs, ..self }
    }

    /// The rule with its list of [`Rule::opens`].
    const fn opening(self, opens: &'static [&'static str]) -> Rule {
        Rule { opens, ..self }
    }
}

const fn rule(
    name: &'static str,
    kind: Kind,
    max_words: usize,
    pattern: &'static str,
    description: &'static str,
) -> Rule {
    Rule {
        name,
        description,
        kind,
        pattern,
        max_words,
        needs: &[],
        opens: &[],
    }
}

use Kind::{Inline, Lead, ListHeading, Paragraph};

mod furniture;
mod table;

use super::bytes::{ascii_spaces, ascii_word, plain_spaces, HIGH, ONES};

pub use furniture::is_furniture;
pub(crate) use table::months;
pub use table::{DATELINE, RULES};

/// Compiles a rule pattern with ASCII word boundaries: a Unicode `\b`
/// makes the regex engine leave its fast automaton for a slow one on any
/// text with a curly quote or an accent, which scraped news always has. The
/// patterns only put `\b` next to English words, where the two agree.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)"))
}

/// A rule with its pattern, compiled the first time the rule is asked to
/// match. Compiling all 28 patterns cost about 25 ms of start-up, and a run
/// over long story paragraphs never asks most paragraph rules at all.
struct Compiled {
    rule: &'static Rule,
    regex: OnceLock<Option<Regex>>,
}

impl Compiled {
    /// The compiled pattern; `None` only for a pattern that does not
    /// compile, a bug in the table that the test suite catches.
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| compile(self.rule.pattern).ok())
            .as_ref()
    }

    fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|r| r.is_match(text))
    }
}

/// The rules, each compiled on first use (see [`Compiled`]).
fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        RULES
            .iter()
            .map(|rule| Compiled {
                rule,
                regex: OnceLock::new(),
            })
            .collect()
    })
}

/// Compiles every paragraph and list rule now rather than on first use.
/// [`is_furniture`] is asked of short sentences one at a time, and would
/// otherwise compile a rule in the middle of whichever story first has a
/// sentence short enough for it; compiled once up front, the cost is a
/// fixed part of start-up (a few milliseconds) instead.
pub(crate) fn compile_paragraph_rules() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for c in compiled()
            .iter()
            .filter(|c| matches!(c.rule.kind, Paragraph | ListHeading))
        {
            let _ = c.regex();
        }
    });
}

/// Checks that every pattern in the table compiles; the error names the rule.
pub fn validate() -> Result<(), String> {
    for rule in RULES {
        compile(rule.pattern).map_err(|e| format!("rule {}: {e}", rule.name))?;
    }
    Ok(())
}

/// Words in a paragraph, for the length limits. Scripts written without
/// spaces (Chinese, Japanese, Thai) count one word per three characters, so a
/// long paragraph in them is never mistaken for a short label.
pub fn word_count(s: &str) -> usize {
    word_count_capped(s, usize::MAX)
}

/// [`word_count`], but counting stops once it passes `cap`: the result is
/// the exact count when that is at most `cap`, else `cap + 1`. The rules only
/// ask "at most N words?", and a story paragraph can be thousands of words.
pub fn word_count_capped(s: &str, cap: usize) -> usize {
    let (mut spaced, mut wide, mut in_word) = (0usize, 0usize, false);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII, the common case, eight bytes at a time (see `ascii_spaces`):
        // word starts are the non-space bytes after a space. Counting only
        // grows, so the cap is checked once per eight bytes; passing it
        // anywhere in them gives the same answer.
        if let Some(spaces) = bytes.get(i..i + 8).and_then(ascii_spaces) {
            let before = spaces << 8 | u64::from(!in_word) << 7;
            // One bit at the top of each byte: the multiply adds the bytes
            // up into the top byte (x86-64 has no popcount by default).
            let starts = (!spaces & before & HIGH) >> 7;
            spaced += (starts.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize;
            in_word = spaces >> 63 == 0;
            i += 8;
            // `wide / 3` has been at most `cap` since the last check, and
            // ASCII leaves it as it is.
            if spaced > cap {
                return cap.saturating_add(1);
            }
            continue;
        }
        let b = bytes[i];
        if b.is_ascii() {
            let space = is_ascii_space(b);
            if !space && !in_word {
                spaced += 1;
                if spaced.max(wide / 3) > cap {
                    return cap.saturating_add(1);
                }
            }
            in_word = !space;
            i += 1;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        if (c as u32) >= 0x0E00 {
            wide += 1;
        }
        let space = c.is_whitespace();
        if !space && !in_word {
            spaced += 1;
        }
        in_word = !space;
        if spaced.max(wide / 3) > cap {
            return cap.saturating_add(1);
        }
        i += c.len_utf8();
    }
    spaced.max(wide / 3)
}

/// ASCII whitespace as `char::is_whitespace` has it (tab, line feed,
/// vertical tab, form feed, carriage return, space).
#[inline]
pub(crate) fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// The longest paragraph (in words) that any paragraph or list rule looks at.
fn longest_rule_paragraph() -> usize {
    RULES
        .iter()
        .filter(|r| matches!(r.kind, Paragraph | ListHeading))
        .map(|r| r.max_words)
        .max()
        .unwrap_or(0)
}

/// The first rule that drops this paragraph whole (a paragraph or list rule).
pub fn dropping_rule(paragraph: &str) -> Option<&'static Rule> {
    let longest = longest_rule_paragraph();
    let words = word_count_capped(paragraph, longest);
    if words > longest {
        return None; // longer than every rule's limit: a story paragraph
    }
    // Which rules' needed words the paragraph has, found on first need.
    let mut present: Option<u64> = None;
    let mut folds: Option<bool> = None;
    compiled()
        .iter()
        .enumerate()
        .find(|(i, c)| {
            matches!(c.rule.kind, Paragraph | ListHeading)
                && words <= c.rule.max_words
                && (c.rule.opens.is_empty()
                    || *folds.get_or_insert_with(|| has_case_folds(paragraph))
                    || opens_with_any(paragraph, c.rule.opens))
                && (c.rule.needs.is_empty()
                    || *i >= 64
                    || *present.get_or_insert_with(|| rules_with_needed_words(paragraph)) & 1 << i
                        != 0)
                && c.is_match(paragraph)
        })
        .map(|(_, c)| c.rule)
}

/// True when `text` starts with one of `words`, ASCII case-blind.
fn opens_with_any(text: &str, words: &[&str]) -> bool {
    let bytes = text.as_bytes();
    words.iter().any(|w| {
        bytes
            .get(..w.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// True when `text` has a character outside ASCII that a pattern's Unicode
/// `(?i)` matches to an ASCII letter: "ſ" (long s, an "s") or the Kelvin
/// sign (a "k"). The only two (a test checks); on such text the ASCII
/// case-blind word lists prove nothing, so every rule runs.
fn has_case_folds(text: &str) -> bool {
    text.contains(['\u{17f}', '\u{212a}'])
}

/// A bit for every rule (by its index in [`RULES`], the first 64) whose
/// [`Rule::needs`] has a word that occurs in `text`, found in one pass.
///
/// Case-blind means ASCII here, so text with [`has_case_folds`] gets every
/// bit.
fn rules_with_needed_words(text: &str) -> u64 {
    struct Needed {
        words: AhoCorasick,
        /// For each word of `words`, the rules that list it.
        rules: Vec<u64>,
    }
    static NEEDED: OnceLock<Option<Needed>> = OnceLock::new();
    let needed = NEEDED.get_or_init(|| {
        let mut words: Vec<&str> = Vec::new();
        let mut rules: Vec<u64> = Vec::new();
        for (i, rule) in RULES.iter().enumerate().take(64) {
            for &word in rule.needs {
                let k = words.iter().position(|w| *w == word).unwrap_or_else(|| {
                    words.push(word);
                    rules.push(0);
                    words.len() - 1
                });
                rules[k] |= 1 << i;
            }
        }
        let words = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .ok()?;
        Some(Needed { words, rules })
    });
    let Some(needed) = needed else {
        return u64::MAX; // cannot happen with the table's words; run every rule
    };
    if has_case_folds(text) {
        return u64::MAX;
    }
    needed
        .words
        .find_overlapping_iter(text)
        .fold(0, |bits, m| bits | needed.rules[m.pattern().as_usize()])
}

/// A wire dateline's parts, for the published date and the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dateline {
    pub city: String,
    /// Month (1-12) and day, when the dateline has a date.
    pub month_day: Option<(u32, u32)>,
    pub year: Option<i32>,
    pub agency: String,
}

/// Reads a wire dateline at the start of a paragraph.
pub fn dateline(paragraph: &str) -> Option<Dateline> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let caps = RE
        .get_or_init(|| compile(DATELINE).ok())
        .as_ref()?
        .captures(paragraph)?;
    let month_day = match (caps.name("month"), caps.name("day")) {
        (Some(m), Some(d)) => {
            let day: u32 = d.as_str().parse().ok()?;
            Some((month_number(m.as_str())?, day))
        }
        _ => None,
    };
    Some(Dateline {
        city: caps["city"].to_string(),
        month_day,
        year: caps.name("year").and_then(|y| y.as_str().parse().ok()),
        agency: collapse(&caps["agency"]),
    })
}

/// The number (1-12) of an English month name or abbreviation.
pub fn month_number(name: &str) -> Option<u32> {
    let key: String = name.chars().take(3).flat_map(char::to_lowercase).collect();
    let n = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| *m == key)?;
    u32::try_from(n + 1).ok()
}

/// Cuts out inline junk (ad markers, embed placeholders, credits) and
/// re-collapses the whitespace. Names the rules that fired into `fired`.
pub fn strip_inline(paragraph: &str, fired: &mut Vec<&'static str>) -> String {
    let mut text = std::borrow::Cow::Borrowed(paragraph);
    for c in compiled().iter().filter(|c| c.rule.kind == Inline) {
        let Some(regex) = c.regex() else { continue };
        if regex.is_match(&text) {
            fired.push(c.rule.name);
            text = regex.replace_all(&text, " ").into_owned().into();
        }
    }
    collapse(&text)
}

/// Collapses runs of whitespace to one space and trims.
///
/// It runs over every paragraph of every article, and most paragraphs are
/// already collapsed, so it copies whole spans of text that need no change
/// (words with single plain spaces between them) rather than word by word.
/// Whitespace is Unicode's: no-break and em spaces count too.
pub fn collapse(text: &str) -> String {
    if is_collapsed(text) {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let space = whitespace_len(text, i);
        if space > 0 {
            i += space;
            continue;
        }
        // A span kept as it is: words with single plain spaces between
        // them. It starts and ends with a word: a space is taken into it
        // only when a word follows.
        let from = i;
        while i < bytes.len() {
            if let Some(chunk) = bytes.get(i..i + 8) {
                if plain_ascii(chunk, bytes.get(i + 8).copied()) {
                    i += 8;
                    continue;
                }
            }
            let space = whitespace_len(text, i);
            if space == 0 {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            } else if bytes[i] == b' ' && i + 1 < bytes.len() && whitespace_len(text, i + 1) == 0 {
                i += 1;
            } else {
                break;
            }
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text[from..i]);
    }
    out
}

/// Whether eight bytes inside a span of [`collapse`] can be kept as they
/// are without a closer look: ASCII with no control byte, no two spaces
/// together, and a last space only before a printable ASCII byte (`next`).
/// Eight bytes a step, where the byte-by-byte walk cost about eleven
/// instructions a byte of the story.
#[inline]
fn plain_ascii(chunk: &[u8], next: Option<u8>) -> bool {
    let Some(x) = ascii_word(chunk) else {
        return false;
    };
    // Adding 0x60 sets a byte's top bit exactly when the byte is 0x20 or more.
    if !(x + ONES * 0x60) & HIGH != 0 {
        return false;
    }
    let spaces = plain_spaces(x);
    if spaces & (spaces >> 8) != 0 {
        return false;
    }
    spaces >> 63 == 0 || next.is_some_and(|b| b > b' ' && b < 0x80)
}

/// True when the text has no whitespace at either end and only single plain
/// spaces inside, so that [`collapse`] would return it unchanged. Built from
/// whole-buffer searches (memchr) rather than a byte-by-byte walk, because
/// it is asked of every paragraph; it may say false for text that is in fact
/// collapsed (a control character), which only costs the slow path.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    // Tab, line feed and the other ASCII whitespace are all control bytes;
    // a fold without an early exit lets the compiler vectorise the scan.
    if bytes.iter().fold(false, |any, &b| any | (b < 0x20)) {
        return false;
    }
    if memchr::memmem::find(bytes, b"  ").is_some() {
        return false;
    }
    // Non-ASCII whitespace starts with one of four lead bytes; 0xe2 also
    // starts curly quotes and dashes, so each hit is decoded and checked.
    memchr::memchr3_iter(0xc2, 0xe1, 0xe3, bytes)
        .chain(memchr::memchr_iter(0xe2, bytes))
        .all(|i| whitespace_len(text, i) == 0)
}

/// The length in bytes of the whitespace character at byte `i`, or 0.
#[inline]
fn whitespace_len(text: &str, i: usize) -> usize {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        usize::from(b.is_ascii_whitespace() || b == 0x0b)
    } else if matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3) {
        // The lead bytes of every non-ASCII whitespace character.
        text[i..]
            .chars()
            .next()
            .filter(|c| c.is_whitespace())
            .map_or(0, char::len_utf8)
    } else {
        0
    }
}

/// The outcome of cleaning a list of paragraphs: what is kept and which rules
/// fired (each name once per removal), for tests and `--explain` style output.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<String>,
    pub fired: Vec<&'static str>,
    /// The paragraphs dropped whole as furniture, for tests that check a
    /// summary never quotes one.
    pub dropped: Vec<String>,
    /// The agency named by a lead rule (a wire dateline), to use as the
    /// source of an article that names none.
    pub agency: Option<String>,
}

/// Cuts a lead rule's match from the start of a paragraph, noting the rule
/// and any agency it names; `None` when no lead rule matches.
fn strip_lead(paragraph: &str, out: &mut Applied) -> Option<String> {
    for c in compiled().iter().filter(|c| c.rule.kind == Lead) {
        let Some(caps) = c.regex().and_then(|r| r.captures(paragraph)) else {
            continue;
        };
        let end = caps.get(0).map_or(0, |m| m.end());
        let rest = paragraph[end..].trim();
        // A dateline with nothing after it is not a story's opening.
        if !rest.chars().any(char::is_alphanumeric) {
            continue;
        }
        out.fired.push(c.rule.name);
        if let Some(agency) = caps.name("agency") {
            out.agency = Some(collapse(agency.as_str()));
        }
        return Some(rest.to_string());
    }
    None
}

/// Applies every rule to the paragraphs, in order.
pub fn apply<S: AsRef<str>>(paragraphs: &[S]) -> Applied {
    let mut out = Applied::default();
    let mut in_list = false;
    let mut lead_done = false;
    let numbered = furniture::numbered_headline_runs(paragraphs);
    for (raw, numbered) in paragraphs.iter().zip(numbered) {
        if numbered {
            out.fired.push("numbered_headlines");
            out.dropped.push(collapse(raw.as_ref()));
            continue;
        }
        let mut text = strip_inline(raw.as_ref(), &mut out.fired);
        if text.is_empty() || !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        if !lead_done {
            if let Some(rest) = strip_lead(&text, &mut out) {
                text = rest;
                lead_done = true;
            }
        }
        if let Some(rule) = dropping_rule(&text) {
            out.fired.push(rule.name);
            in_list = rule.kind == ListHeading;
            out.dropped.push(text);
            continue;
        }
        // A headline list runs, however long, until story prose resumes.
        if in_list && furniture::is_headline_item(&text) {
            out.fired.push("related_list");
            out.dropped.push(text);
            continue;
        }
        if furniture::is_share_row(&text) {
            out.fired.push("share_row");
            out.dropped.push(text);
            continue;
        }
        in_list = false;
        // The story has begun once a full sentence is kept: a dateline
        // further down is quoted copy, not this story's lead.
        if word_count_capped(&text, 12) > 12
            && text
                .trim_end_matches(['"', '”', '’', ')'])
                .ends_with(['.', '!', '?'])
        {
            lead_done = true;
        }
        out.kept.push(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_names_are_unique() {
        validate().unwrap();
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        assert_eq!(compiled().len(), RULES.len());
        assert!(compiled().iter().all(|c| c.regex().is_some()));
    }

    #[test]
    fn only_long_s_and_the_kelvin_sign_match_ascii_letters_case_blind() {
        // What `rules_with_needed_words` relies on to compare ASCII case-blind.
        let letter = Regex::new("(?i)^[a-z]$").unwrap();
        let outside: Vec<char> = (0x80..=0x10_ffff)
            .filter_map(char::from_u32)
            .filter(|c| letter.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(outside, vec!['\u{17f}', '\u{212a}']);
    }

    #[test]
    fn a_rule_runs_only_on_text_with_a_word_it_needs() {
        let bit = |name: &str| 1u64 << RULES.iter().position(|r| r.name == name).unwrap();
        let cookie = bit("cookie_notice");
        assert_ne!(rules_with_needed_words("We use COOKIES here.") & cookie, 0);
        assert_eq!(rules_with_needed_words("We use biscuits here.") & cookie, 0);
        assert_eq!(
            rules_with_needed_words("We use biscuits here.") & bit("rights_line"),
            0
        );
        assert_ne!(
            rules_with_needed_words("All Rights Reserved.") & bit("rights_line"),
            0
        );
        // Unicode case folding: "ſ" is an "s" to the pattern, so every rule runs.
        assert_eq!(rules_with_needed_words("\u{17f}ign up here"), u64::MAX);
        // Each found by its rule through the word lists: long s and the
        // Kelvin sign are an "s" and a "k" to `(?i)`, so on text with them
        // neither the needed words nor the openers are asked.
        for (text, rule) in [
            ("\u{17f}ign up here", "newsletter_promo"),
            (
                "By continuing you accept all coo\u{212a}ies.",
                "cookie_notice",
            ),
            ("\u{17f}hare this article", "share_prompt"),
            ("Sponsored", "advertisement"),
            (
                "We use cookies to improve your experience.",
                "cookie_notice",
            ),
        ] {
            assert_eq!(dropping_rule(text).map(|r| r.name), Some(rule), "{text}");
        }
        // Every rule's list is a real list, and the bits fit.
        assert!(RULES.len() <= 64 || RULES[64..].iter().all(|r| r.needs.is_empty()));
        assert!(RULES
            .iter()
            .flat_map(|r| r.needs.iter().chain(r.opens))
            .all(|w| !w.is_empty() && *w == w.to_lowercase()));
        // A rule with a list of openers is anchored at the start.
        for rule in RULES.iter().filter(|r| !r.opens.is_empty()) {
            assert!(
                rule.pattern.trim_start_matches("(?i)").starts_with('^'),
                "{}",
                rule.name
            );
        }
        let byline = RULES.iter().find(|r| r.name == "byline").unwrap();
        assert!(opens_with_any("BY Jane Smith", byline.opens));
        assert!(!opens_with_any("Jane Smith, by the sea", byline.opens));
    }

    #[test]
    fn wire_dateline_is_cut_from_the_lead_and_names_the_agency() {
        let out = apply(&[
            "Brent climbs above $78",
            "LONDON, Nov. 19 (Meridian Wire) - Oil prices rose to a seven-week high on Thursday after the group met.",
            "NEW YORK (Meridian Wire) - A quoted second dateline further down stays as it is.",
        ]);
        assert_eq!(
            out.kept[1],
            "Oil prices rose to a seven-week high on Thursday after the group met."
        );
        assert!(out.kept[2].starts_with("NEW YORK (Meridian Wire) - "));
        assert_eq!(out.agency.as_deref(), Some("Meridian Wire"));
        assert_eq!(out.fired, vec!["wire_dateline"]);
        assert_eq!(
            dateline("WARSAW, Nov. 20 (Meridian Wire) - Vistula Power signed."),
            Some(Dateline {
                city: "WARSAW".into(),
                month_day: Some((11, 20)),
                year: None,
                agency: "Meridian Wire".into(),
            })
        );
        let d = dateline("HOUSTON, Texas, September 3, 2025 (Gulf Wire) — Output fell.").unwrap();
        assert_eq!((d.month_day, d.year), (Some((9, 3)), Some(2025)));
        // Not datelines: no capitals city, no agency, or nothing after it.
        assert!(dateline("London, Nov. 19 (Meridian Wire) - Oil rose.").is_none());
        assert!(dateline("LONDON, Nov. 19 - Oil rose.").is_none());
        assert!(apply(&["LONDON (Meridian Wire) -"]).agency.is_none());
    }

    #[test]
    fn collapse_and_capped_word_count_agree_with_the_plain_definitions() {
        let plain_collapse = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let cases = [
            "",
            " ",
            "one",
            "one two",
            " one",
            "one ",
            "one  two",
            "one\ttwo",
            "one\u{a0}two",
            "one\u{3000}two",
            "one\u{2009}two\u{202f}three",
            "caf\u{e9} \u{2014} na\u{ef}ve",
            "\u{4e2d}\u{6587}\u{6587}\u{4e2d}\u{6587}\u{6587}\u{4e2d}",
            "a\u{b}b\u{c}c",
            "one\u{a0}",
            "\u{2003}one \u{201c}two\u{201d}  ",
            // Longer than the eight bytes the ASCII path takes at once,
            // with words and spaces across their edges.
            "Oil prices rose to a seven-week high on Thursday after the group met.",
            "  two  spaces\tand a tab\nand a line   feed at   odd places  ",
            "Kilmarnock\u{2019}s permanent manager \u{2018}I\u{2019}d be over the moon\u{2019} said",
            "abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnop q",
            "\u{4e2d}\u{6587} mixed with ASCII words \u{6587}\u{4e2d}\u{6587}\u{6587}\u{4e2d}\u{6587}\u{6587}\u{4e2d} and more words after",
        ];
        // Generated text over the pieces that decide a span's edges, at
        // every offset to the eight-byte steps: words, single and double
        // spaces, tabs, line feeds, no-break spaces, accents, control bytes.
        let pieces = [
            "ab", "c", " ", "  ", "\t", "\n", "\u{a0}", "\u{e9}", "\u{1}", "\u{7f}", "xyzw",
        ];
        let mut seed = 0x2545_f491_u32;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 24) {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                text.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
            }
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            assert_eq!(collapse(&text), plain_collapse(&text), "{text:?}");
        }
        for case in cases {
            assert_eq!(collapse(case), plain_collapse(case), "{case:?}");
            let full = word_count(case);
            let spaced = case.split_whitespace().count();
            let wide = case.chars().filter(|c| (*c as u32) >= 0x0E00).count();
            assert_eq!(full, spaced.max(wide / 3), "{case:?}");
            for cap in 0..16 {
                assert_eq!(
                    word_count_capped(case, cap),
                    full.min(cap + 1),
                    "{case:?} {cap}"
                );
            }
        }
    }
}
