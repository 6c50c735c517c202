//! Structural tests for page furniture that one pattern does not describe
//! well: share rows naming several networks, runs of numbered headlines,
//! and the end of a headline list (where story prose resumes).

use super::{dropping_rule, word_count_capped};

/// Social networks and sharing targets a share row names.
const NETWORKS: &[&str] = &[
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "whatsapp",
    "reddit",
    "pinterest",
    "telegram",
    "messenger",
    "flipboard",
    "bluesky",
    "threads",
    "mastodon",
    "tumblr",
    "email",
    "e-mail",
    "mail",
    "sms",
    "xing",
    "vk",
    "line",
    "wechat",
    "weibo",
];

/// The other words a share row is made of.
const SHARE_WORDS: &[&str] = &[
    "share", "shares", "sharing", "this", "the", "on", "via", "with", "to", "by", "or", "and",
    "article", "story", "page", "post", "link", "copy", "url", "print", "save", "tweet", "pin",
    "it", "send", "friend", "a", "opens", "in", "new", "window", "tab",
];

/// A row of share buttons flattened to text: "Share this on LinkedIn Share
/// on Reddit Email", "Facebook Twitter LinkedIn Email". Every word is a
/// network or a sharing word, and it names two networks or more (or one,
/// after the word "share"). "Shares rose on Facebook's results" has other
/// words, so it stays.
pub fn is_share_row(line: &str) -> bool {
    if word_count_capped(line, 16) > 16 {
        return false;
    }
    let (mut networks, mut share) = (0, false);
    for word in line.split(|c: char| c.is_whitespace() || "|/•·,:()[]".contains(c)) {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        if word.is_empty() {
            continue;
        }
        let lower = word.to_lowercase();
        if NETWORKS.contains(&lower.as_str()) {
            networks += 1;
        } else if SHARE_WORDS.contains(&lower.as_str()) {
            share |= lower.starts_with("shar") || lower == "tweet" || lower == "pin";
        } else {
            return false;
        }
    }
    networks >= 2 || (share && networks >= 1)
}

/// A numbered headline: "1. Can Europe build its own panels again?",
/// "2) Spain's grid wants batteries". The number, then a short line that
/// does not end like a sentence.
fn is_numbered_headline(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    let rest = &line[digits..];
    let Some(rest) = rest.strip_prefix(['.', ')']) else {
        return false;
    };
    rest.starts_with(' ') && is_headline_item(rest.trim())
}

/// True for a line that reads like an item of a headline list rather than
/// story prose: at most 20 words, and not ending with a full stop or an
/// exclamation mark (headlines often end with a question mark, and a
/// headline list is often a run of questions).
pub fn is_headline_item(line: &str) -> bool {
    let t = line.trim_end_matches(['"', '”', '’', '\'', ')']);
    word_count_capped(line, 20) <= 20 && !t.ends_with(['.', '!']) && !t.is_empty()
}

/// Marks the paragraphs that belong to a run of two or more numbered
/// headlines ("1. …", "2. …" on consecutive lines, numbers counting up).
/// One numbered line alone is the story's own (a numbered point).
pub fn numbered_headline_runs<S: AsRef<str>>(paragraphs: &[S]) -> Vec<bool> {
    let mut marks = vec![false; paragraphs.len()];
    let mut i = 0;
    while i < paragraphs.len() {
        let mut j = i;
        while j < paragraphs.len() && is_numbered_headline(paragraphs[j].as_ref().trim()) {
            j += 1;
        }
        if j - i >= 2 {
            marks[i..j].iter_mut().for_each(|m| *m = true);
        }
        i = j.max(i + 1);
    }
    marks
}

/// True when the cleaner would drop this line as page furniture: a rule in
/// the table drops it, or it is a share row. The summarizer asks this of
/// the sentences it is about to choose, so that a leftover the cleaner
/// missed (inside a paragraph it kept) still cannot become a key point.
pub fn is_furniture(line: &str) -> bool {
    super::compile_paragraph_rules();
    dropping_rule(line).is_some() || is_share_row(line) || is_numbered_headline(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_rows() {
        for row in [
            "Share this on LinkedIn Share on Reddit Email",
            "Facebook Twitter LinkedIn Email",
            "Share on X | Share on Facebook",
            "Share via WhatsApp",
        ] {
            assert!(is_share_row(row), "{row}");
        }
        for prose in [
            "Shares rose on Facebook and Twitter news.",
            "Email",
            "The share of gas in the mix fell.",
            "Twitter",
        ] {
            assert!(!is_share_row(prose), "{prose}");
        }
    }

    #[test]
    fn numbered_runs_need_two_lines() {
        let marks = numbered_headline_runs(&[
            "Prices fell on Monday, traders said.",
            "1. Can Europe build its own panels again?",
            "2. Spain's grid operator wants batteries",
            "The council said growth would return.",
            "1. The first point of the plan is a levy.",
        ]);
        assert_eq!(marks, vec![false, true, true, false, false]);
    }
}
