//! Sentence splitting for news text.
//!
//! Written for what scraped articles look like rather than for clean prose:
//! abbreviations (U.S., Dr., Jan. 5, No. 10), decimals and money ($91.20),
//! initials (George W. Bush), quotes that close after the full stop
//! (`here.” He`), and text whose paragraph breaks were lost, so that a photo
//! caption runs straight into the next sentence without any punctuation
//! ("in charge of the club He has impressed").
//!
//! Every sentence is a slice of the input (trimmed), so a summary is always in
//! the article's own words.

/// Longest sentence we hand on, in bytes. Text without punctuation would
/// otherwise be one endless "sentence"; it is cut at a word boundary instead.
pub const MAX_SENTENCE_BYTES: usize = 600;

/// Words before a full stop that never end a sentence (titles and the like),
/// compared lower-case and without the dot.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "cpl",
    "maj", "adm", "gov", "sen", "rep", "rev", "hon", "pres", "supt", "insp", "det", "messrs", "mt",
    "ft", "vs", "v", "approx", "fig", "figs", "al", "cf", "ca", "est", "dept", "univ", "mme",
    "mlle",
];

/// Abbreviations that end a sentence only when the next word is not a number:
/// "Jan. 5", "No. 10", "p. 3" — but "It was No." may end one.
const BEFORE_NUMBERS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no",
    "nos", "vol", "p", "pp", "art", "ch", "sec", "para", "op", "ed",
];

/// Words that, capitalised right after a lower-case word, almost always begin
/// a new sentence: where a caption was glued to the text with no full stop.
const GLUED_STARTERS: &[&str] = &[
    "He",
    "She",
    "They",
    "We",
    "His",
    "Her",
    "Their",
    "Its",
    "It",
    "The",
    "In",
    "This",
    "There",
    "But",
    "However",
    "Meanwhile",
    "Police",
    "Officials",
    "Scroll",
    "Click",
    "Pictured",
    "Photo",
    "Video",
    "Read",
];

/// Words that start a sentence after a dotted acronym ("moved to the U.S. He
/// was"); any other capitalised word keeps the acronym inside ("U.S. President").
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "But",
    "And",
    "In",
    "On",
    "At",
    "As",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "However",
    "Meanwhile",
    "So",
    "Yet",
    "Now",
    "Then",
    "Some",
    "Many",
    "Most",
    "One",
    "Two",
    "Last",
    "Next",
    "What",
    "Why",
    "How",
    "Who",
    "Officials",
];

/// Splits a paragraph into sentences, each a trimmed slice of `text`.
pub fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in boundaries(text) {
        push_capped(&mut out, &text[start..end]);
        start = end;
    }
    push_capped(&mut out, &text[start..]);
    out
}

/// Byte offsets where a new sentence begins (never 0 or `text.len()`).
fn boundaries(text: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut cuts = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            // Run of terminal punctuation ("?!", "...") then closing quotes/brackets.
            let mut j = i;
            while j + 1 < chars.len() && matches!(chars[j + 1].1, '.' | '!' | '?' | '…') {
                j += 1;
            }
            while j + 1 < chars.len() && is_closer(chars[j + 1].1) {
                j += 1;
            }
            let after = j + 1;
            if after < chars.len()
                && chars[after].1.is_whitespace()
                && ends_sentence(text, &chars, i, after)
            {
                let next = skip_space(&chars, after);
                if next < chars.len() {
                    cuts.push(chars[next].0);
                }
            }
            i = j + 1;
            continue;
        }
        if matches!(c, '。' | '！' | '？') {
            // CJK full stops need no space after them.
            let mut j = i;
            while j + 1 < chars.len() && is_closer(chars[j + 1].1) {
                j += 1;
            }
            let next = skip_space(&chars, j + 1);
            if next < chars.len() {
                cuts.push(chars[next].0);
            }
            i = j + 1;
            continue;
        }
        if c.is_whitespace() && i > 0 {
            if let Some(next) = glued_caption(text, &chars, i) {
                cuts.push(next);
            }
        }
        i += 1;
    }
    cuts
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '’' | '”' | ')' | ']' | '»')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '‘' | '“' | '(' | '[' | '«')
}

fn skip_space(chars: &[(usize, char)], mut k: usize) -> usize {
    while k < chars.len() && chars[k].1.is_whitespace() {
        k += 1;
    }
    k
}

/// The word that begins at char index `k`, after any opening quotes.
fn word_at<'a>(text: &'a str, chars: &[(usize, char)], mut k: usize) -> &'a str {
    while k < chars.len() && is_opener(chars[k].1) {
        k += 1;
    }
    let Some(&(begin, _)) = chars.get(k) else {
        return "";
    };
    let mut e = k;
    while e < chars.len() && chars[e].1.is_alphanumeric() {
        e += 1;
    }
    let end = chars.get(e).map_or(text.len(), |&(b, _)| b);
    &text[begin..end]
}

/// Whether the punctuation at char `p` (followed by space at `after`) ends a sentence.
fn ends_sentence(text: &str, chars: &[(usize, char)], p: usize, after: usize) -> bool {
    let next = skip_space(chars, after);
    let Some(&(_, first)) = chars.get(next) else {
        return false;
    };
    let mut n = next;
    while n < chars.len() && is_opener(chars[n].1) {
        n += 1;
    }
    let Some(&(_, first_letter)) = chars.get(n) else {
        return false;
    };
    // A lower-case continuation ("e.g. the", "?” he asked") is never a new sentence.
    if first_letter.is_lowercase() || !(first_letter.is_alphanumeric() || is_opener(first)) {
        return false;
    }
    if chars[p].1 != '.' {
        return true;
    }
    if p > 0 && chars[p - 1].1 == '.' {
        return true; // an ellipsis "..." before a capital
    }
    // The token that the full stop ends: back to the previous space.
    let mut b = p;
    while b > 0 && !chars[b - 1].1.is_whitespace() && !is_opener(chars[b - 1].1) {
        b -= 1;
    }
    let token = &text[chars[b].0..chars[p].0];
    if token.is_empty() {
        return true;
    }
    let bare = token.trim_start_matches(|c: char| !c.is_alphanumeric());
    let lower = bare.to_lowercase();
    if lower == "st" {
        // "St. Louis" (saint) or "Downing St. The" (street).
        return SENTENCE_STARTERS.contains(&word_at(text, chars, next));
    }
    if TITLES.contains(&lower.as_str()) {
        return false;
    }
    let next_is_number = first_letter.is_ascii_digit();
    if next_is_number && BEFORE_NUMBERS.contains(&lower.as_str()) {
        return false;
    }
    // Initials: "George W. Bush", "J. K. Rowling".
    let mut letters = bare.chars();
    if let (Some(only), None) = (letters.next(), letters.next()) {
        if only.is_uppercase() {
            return false;
        }
    }
    // Dotted acronyms: "U.S.", "a.m.", "e.g." end a sentence only before a
    // word that usually starts one.
    if bare.contains('.') && bare.chars().filter(|c| c.is_alphabetic()).count() <= 4 {
        return SENTENCE_STARTERS.contains(&word_at(text, chars, next));
    }
    true
}

/// A caption glued to the next sentence: a lower-case word or number, a
/// space, then a capitalised pronoun or an opening quote that starts a long
/// quotation ("on Friday ‘I’d be over the moon"). Returns where to cut.
fn glued_caption(text: &str, chars: &[(usize, char)], space: usize) -> Option<usize> {
    let prev = chars[space - 1].1;
    if !(prev.is_lowercase() || prev.is_ascii_digit()) {
        return None;
    }
    let next = space + 1;
    let &(at, first) = chars.get(next)?;
    if matches!(first, '‘' | '“') {
        // Opening quote straight after a word with no comma or colon: in
        // British news copy that only happens where a sentence was glued on.
        let after = chars.get(next + 1)?.1;
        if !after.is_uppercase() {
            return None;
        }
        let prev_word = previous_word(text, chars, space);
        if QUOTE_INTRO.contains(&prev_word.to_lowercase().as_str()) {
            return None;
        }
        // Needs a long quotation, not a nickname or a title in quotes.
        let rest = &text[at..];
        // The closing mark, not an apostrophe inside a word ("I’d").
        let close = rest.char_indices().skip(1).find_map(|(k, c)| {
            let next = rest[k + c.len_utf8()..].chars().next();
            (matches!(c, '’' | '”') && !next.is_some_and(char::is_alphanumeric)).then_some(k)
        })?;
        let words = rest[..close].split_whitespace().count();
        return (words >= 6).then_some(at);
    }
    if !first.is_uppercase() {
        return None;
    }
    let word = word_at(text, chars, next);
    if GLUED_STARTERS.contains(&word) {
        let prev_word = previous_word(text, chars, space);
        if prev_word.len() >= 2 && !QUOTE_INTRO.contains(&prev_word.to_lowercase().as_str()) {
            return Some(at);
        }
    }
    None
}

/// Words after which an opening quote or a capital is normal mid-sentence.
const QUOTE_INTRO: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "added",
    "asked",
    "called",
    "named",
    "dubbed",
    "wrote",
    "write",
    "writes",
    "the",
    "a",
    "an",
    "of",
    "as",
    "and",
    "or",
    "to",
    "was",
    "is",
    "be",
    "that",
    "than",
    "like",
    "word",
    "words",
    "phrase",
    "term",
    "titled",
    "entitled",
    "read",
    "reads",
    "reading",
    "by",
    "from",
    "with",
    "for",
    "in",
    "on",
    "at",
    "about",
    "into",
    "onto",
    "via",
    "see",
    "saw",
    "watch",
    "watched",
    "starred",
    "starring",
    "joined",
    "left",
    "host",
    "hosts",
    "hosted",
    "presents",
    "presented",
    "edited",
    "edits",
    "edit",
    "publisher",
];

fn previous_word<'a>(text: &'a str, chars: &[(usize, char)], space: usize) -> &'a str {
    let end = chars[space].0;
    let mut b = space;
    while b > 0 && chars[b - 1].1.is_alphanumeric() {
        b -= 1;
    }
    &text[chars[b].0..end]
}

/// Pushes a trimmed sentence, cutting over-long runs at word boundaries.
fn push_capped<'a>(out: &mut Vec<&'a str>, piece: &'a str) {
    let mut rest = piece.trim();
    while rest.len() > MAX_SENTENCE_BYTES {
        let mut cut = MAX_SENTENCE_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Prefer a clause break, then a space; else cut mid-word at a char boundary.
        let head = &rest[..cut];
        let at = head
            .rfind([';', ','])
            .map(|i| i + 1)
            .filter(|&i| i > MAX_SENTENCE_BYTES / 2)
            .or_else(|| head.rfind(char::is_whitespace).filter(|&i| i > 0))
            .unwrap_or(cut);
        let (a, b) = rest.split_at(at);
        if !a.trim().is_empty() {
            out.push(a.trim());
        }
        rest = b.trim_start();
    }
    if !rest.is_empty() {
        out.push(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::split_sentences as s;

    #[test]
    fn plain_sentences() {
        assert_eq!(
            s("Oil rose. Gas fell! Why? Nobody knows."),
            ["Oil rose.", "Gas fell!", "Why?", "Nobody knows."]
        );
    }

    #[test]
    fn abbreviations_and_titles() {
        assert_eq!(
            s("Dr. Ana Ruiz met Mr. Li in the U.S. Senate on Jan. 5 at No. 10 Downing St. The talks failed."),
            [
                "Dr. Ana Ruiz met Mr. Li in the U.S. Senate on Jan. 5 at No. 10 Downing St.",
                "The talks failed."
            ]
        );
        assert_eq!(
            s("She moved to the U.S. He stayed behind."),
            ["She moved to the U.S.", "He stayed behind."]
        );
        assert_eq!(
            s("It was No. He would not."),
            ["It was No.", "He would not."]
        );
    }

    #[test]
    fn decimals_money_and_initials() {
        assert_eq!(
            s("Brent hit $91.20 a barrel, up 2.4 per cent. George W. Bush and J. K. Rowling agreed."),
            [
                "Brent hit $91.20 a barrel, up 2.4 per cent.",
                "George W. Bush and J. K. Rowling agreed."
            ]
        );
    }

    #[test]
    fn quotes_close_with_their_sentence() {
        assert_eq!(
            s("“Prices will rise. We are ready,” she said. “Are you?” he asked. Then silence."),
            [
                "“Prices will rise.",
                "We are ready,” she said.",
                "“Are you?” he asked.",
                "Then silence."
            ]
        );
    }

    #[test]
    fn glued_captions_are_split() {
        assert_eq!(
            s("The pipeline reopened on Friday He said the repairs took a week."),
            [
                "The pipeline reopened on Friday",
                "He said the repairs took a week."
            ]
        );
        assert_eq!(
            s("Engineers inspect the damaged turbine ‘We will be back online by spring,’ said Ms Okafor."),
            [
                "Engineers inspect the damaged turbine",
                "‘We will be back online by spring,’ said Ms Okafor."
            ]
        );
        // A short quoted name is not a sentence break.
        assert_eq!(
            s("The rig nicknamed ‘Big Bertha’ sank."),
            ["The rig nicknamed ‘Big Bertha’ sank."]
        );
        assert_eq!(
            s("He said ‘We will never give in to these demands at all,’ and left."),
            ["He said ‘We will never give in to these demands at all,’ and left."]
        );
    }

    #[test]
    fn no_punctuation_is_cut_at_word_boundaries() {
        let text = "word ".repeat(1000);
        let parts = s(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.len() <= super::MAX_SENTENCE_BYTES));
        assert_eq!(parts.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn empty_and_blank() {
        assert!(s("").is_empty());
        assert!(s("   ").is_empty());
        assert_eq!(s("ok"), ["ok"]);
    }
}
