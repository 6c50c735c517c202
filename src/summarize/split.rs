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
    let mut out = Vec::with_capacity(likely_sentences(text));
    let mut start = 0;
    for end in boundaries(text) {
        push_capped(&mut out, &text[start..end]);
        start = end;
    }
    push_capped(&mut out, &text[start..]);
    out
}

/// Room for the sentences of `text` (news sentences average well over 100
/// bytes), so that collecting them seldom grows a vector twice.
fn likely_sentences(text: &str) -> usize {
    text.len() / 100 + 2
}

/// Byte offsets where a new sentence begins (never 0 or `text.len()`).
///
/// Works on byte offsets and decodes a character only where it must: it
/// runs over every article, and collecting `(offset, char)` pairs for the
/// whole text first was a visible share of summarizing.
fn boundaries(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::with_capacity(likely_sentences(text));
    let mut i = 0;
    while i < bytes.len() {
        // Letters, digits and most ASCII punctuation never decide a cut:
        // skip them in a tight loop.
        while i < bytes.len() && !MAY_DECIDE[usize::from(bytes[i])] {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else { break };
        // A plain space decides nothing unless a capital or an opening
        // quote follows (a glued caption, see `glued_caption`). Spaces are
        // a sixth of the text, so the scan stops at what follows them, a
        // capital or a non-ASCII byte, and looks back for the space.
        if i > 1 && bytes[i - 1] == b' ' && may_glue(bytes[i - 2], b) {
            if let Some(next) = glued_caption(text, i - 1) {
                cuts.push(next);
            }
        }
        if b.is_ascii_uppercase() {
            i += 1;
            continue;
        }
        let Some(c) = char_at(text, i) else { break };
        if matches!(c, '.' | '!' | '?' | '…') {
            // Run of terminal punctuation ("?!", "...") then closing quotes/brackets.
            let mut after = i + c.len_utf8();
            while let Some(n) = char_at(text, after).filter(|&n| matches!(n, '.' | '!' | '?' | '…'))
            {
                after += n.len_utf8();
            }
            while let Some(n) = char_at(text, after).filter(|&n| is_closer(n)) {
                after += n.len_utf8();
            }
            if char_at(text, after).is_some_and(char::is_whitespace)
                && ends_sentence(text, i, after)
            {
                let next = skip_space(text, after);
                if next < text.len() {
                    cuts.push(next);
                }
            }
            i = after;
            continue;
        }
        if matches!(c, '。' | '！' | '？') {
            // CJK full stops need no space after them.
            let mut after = i + c.len_utf8();
            while let Some(n) = char_at(text, after).filter(|&n| is_closer(n)) {
                after += n.len_utf8();
            }
            let next = skip_space(text, after);
            if next < text.len() {
                cuts.push(next);
            }
            i = after;
            continue;
        }
        if c.is_whitespace() && i > 0 {
            if let Some(next) = glued_caption(text, i) {
                cuts.push(next);
            }
        }
        i += c.len_utf8();
    }
    cuts
}

/// Whether [`glued_caption`] may cut at a space between the bytes `prev`
/// and `next`: a byte test that passes everything it could cut at (a
/// lower-case letter or digit before, which may be non-ASCII; after, an
/// opening curly quote, whose first byte is 0xE2, or the initial of one of
/// [`GLUED_STARTERS`]), so that the full check runs at a few of the spaces
/// before a capital rather than all of them.
#[inline]
fn may_glue(prev: u8, next: u8) -> bool {
    (prev.is_ascii_lowercase() || prev.is_ascii_digit() || !prev.is_ascii())
        && (next == 0xE2 || GLUED_INITIALS[usize::from(next)])
}

/// The first bytes of [`GLUED_STARTERS`].
static GLUED_INITIALS: [bool; 256] = {
    let mut table = [false; 256];
    let mut w = 0;
    while w < GLUED_STARTERS.len() {
        table[GLUED_STARTERS[w].as_bytes()[0] as usize] = true;
        w += 1;
    }
    table
};

/// Bytes that may decide a sentence boundary: terminal punctuation,
/// whitespace other than the plain space, the lead bytes of non-ASCII
/// characters ("…", "。", curly quotes, accented capitals), and ASCII
/// capitals (which decide whether the plain space before them does).
/// Every other byte is skipped unread.
static MAY_DECIDE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b >= 0x80
            || (b as u8).is_ascii_uppercase()
            || matches!(
                b as u8,
                b'.' | b'!' | b'?' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'
            );
        b += 1;
    }
    table
};

/// The character starting at byte `i`, if `i` is inside the text.
#[inline]
fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// The character ending at byte `i`, with its start.
#[inline]
fn char_before(text: &str, i: usize) -> Option<(usize, char)> {
    let c = text.get(..i)?.chars().next_back()?;
    Some((i - c.len_utf8(), c))
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '’' | '”' | ')' | ']' | '»')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '‘' | '“' | '(' | '[' | '«')
}

/// The first byte at or after `i` that is not whitespace.
fn skip_space(text: &str, mut i: usize) -> usize {
    while let Some(c) = char_at(text, i).filter(|c| c.is_whitespace()) {
        i += c.len_utf8();
    }
    i
}

/// Skips opening quotes and brackets from byte `i`.
fn skip_openers(text: &str, mut i: usize) -> usize {
    while let Some(c) = char_at(text, i).filter(|&c| is_opener(c)) {
        i += c.len_utf8();
    }
    i
}

/// The word that begins at byte `i`, after any opening quotes.
fn word_at(text: &str, i: usize) -> &str {
    let begin = skip_openers(text, i);
    let bytes = text.as_bytes();
    let mut end = begin;
    loop {
        // ASCII letters and digits without decoding; anything else decoded.
        match bytes.get(end) {
            Some(b) if b.is_ascii_alphanumeric() => end += 1,
            Some(b) if b.is_ascii() => break,
            _ => match char_at(text, end).filter(|c| c.is_alphanumeric()) {
                Some(c) => end += c.len_utf8(),
                None => break,
            },
        }
    }
    &text[begin..end]
}

/// Whether the punctuation at byte `p` (followed by space at byte `after`)
/// ends a sentence.
fn ends_sentence(text: &str, p: usize, after: usize) -> bool {
    let next = skip_space(text, after);
    let Some(first) = char_at(text, next) else {
        return false;
    };
    let Some(first_letter) = char_at(text, skip_openers(text, next)) else {
        return false;
    };
    // A lower-case continuation ("e.g. the", "?” he asked") is never a new sentence.
    if first_letter.is_lowercase() || !(first_letter.is_alphanumeric() || is_opener(first)) {
        return false;
    }
    if text.as_bytes()[p] != b'.' {
        return true;
    }
    if p > 0 && text.as_bytes()[p - 1] == b'.' {
        return true; // an ellipsis "..." before a capital
    }
    // The token that the full stop ends: back to the previous space.
    let mut b = p;
    while let Some((start, c)) = char_before(text, b) {
        if c.is_whitespace() || is_opener(c) {
            break;
        }
        b = start;
    }
    let token = &text[b..p];
    if token.is_empty() {
        return true;
    }
    let bare = token.trim_start_matches(|c: char| !c.is_alphanumeric());
    let is = |list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(bare));
    if bare.eq_ignore_ascii_case("st") {
        // "St. Louis" (saint) or "Downing St. The" (street).
        return SENTENCE_STARTERS.contains(&word_at(text, next));
    }
    if is(TITLES) {
        return false;
    }
    let next_is_number = first_letter.is_ascii_digit();
    if next_is_number && is(BEFORE_NUMBERS) {
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
    // A number with a unit ("$8.9bn.") is not an acronym.
    if bare.contains('.')
        && !bare.bytes().any(|b| b.is_ascii_digit())
        && bare.chars().filter(|c| c.is_alphabetic()).count() <= 4
    {
        return SENTENCE_STARTERS.contains(&word_at(text, next));
    }
    true
}

/// A caption glued to the next sentence: a lower-case word or number, a
/// space, then a capitalised pronoun or an opening quote that starts a long
/// quotation ("on Friday ‘I’d be over the moon"). Returns where to cut.
fn glued_caption(text: &str, space: usize) -> Option<usize> {
    let (_, prev) = char_before(text, space)?;
    if !(prev.is_lowercase() || prev.is_ascii_digit()) {
        return None;
    }
    let at = space + char_at(text, space)?.len_utf8();
    let first = char_at(text, at)?;
    let is_intro = |word: &str| QUOTE_INTRO.iter().any(|w| w.eq_ignore_ascii_case(word));
    if matches!(first, '‘' | '“') {
        // Opening quote straight after a word with no comma or colon: in
        // British news copy that only happens where a sentence was glued on.
        let after = char_at(text, at + first.len_utf8())?;
        if !after.is_uppercase() {
            return None;
        }
        if is_intro(previous_word(text, space)) {
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
    let word = word_at(text, at);
    if GLUED_STARTERS.contains(&word) {
        let prev_word = previous_word(text, space);
        // "Police" and "Officials" follow a place or force name inside a
        // sentence ("Metropolitan Police"); they start a glued one only
        // after a lower-case word.
        let after_name = matches!(word, "Police" | "Officials")
            && prev_word.chars().next().is_some_and(char::is_uppercase);
        if prev_word.len() >= 2 && !is_intro(prev_word) && !after_name {
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
    "tells",
    "tell",
    "telling",
    "asks",
    "explains",
    "explained",
    "warns",
    "warned",
    "adds",
    "notes",
    "noted",
    "per",
    "against",
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

/// The run of letters and digits that ends at byte `space`.
fn previous_word(text: &str, space: usize) -> &str {
    let mut b = space;
    while let Some((start, c)) = char_before(text, b) {
        if !c.is_alphanumeric() {
            break;
        }
        b = start;
    }
    &text[b..space]
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
    fn a_decimal_with_a_unit_ends_a_sentence() {
        assert_eq!(
            s("The deal values it at $8.9bn. Halvard shareholders will own 79%."),
            vec![
                "The deal values it at $8.9bn.",
                "Halvard shareholders will own 79%."
            ]
        );
        assert_eq!(
            s("He moved to the U.S. Army base in 2010."),
            vec!["He moved to the U.S. Army base in 2010."]
        );
    }

    #[test]
    fn a_verb_of_saying_keeps_the_outlet_after_it() {
        assert_eq!(
            s("\"Stadia has been built from the ground up to be a cloud platform,\" Jack Buser, director for games at Google, tells The Hollywood Reporter. \"You will see things that are not possible elsewhere.\""),
            vec![
                "\"Stadia has been built from the ground up to be a cloud platform,\" Jack Buser, director for games at Google, tells The Hollywood Reporter.",
                "\"You will see things that are not possible elsewhere.\""
            ]
        );
    }

    #[test]
    fn the_byte_filter_passes_every_space_a_caption_may_be_cut_at() {
        // Every pair of characters around a space that `glued_caption` is
        // asked about, from lower and upper case, digits, punctuation and
        // non-ASCII letters and quotes, before each glued starter and other
        // words: wherever it cuts, the filter let it through.
        let before = ["a", "z", "7", "é", "ß", "A", "Ö", ",", ")", "’", "”"];
        let after: Vec<String> = super::GLUED_STARTERS
            .iter()
            .map(|w| w.to_string())
            .chain(
                [
                    "Obama",
                    "Élise",
                    "‘We will be back online by spring soon,’ said",
                ]
                .map(String::from),
            )
            .chain(["“We will be back online by spring soon,” said".to_string()])
            .collect();
        let mut cuts = 0;
        for b in before {
            for a in &after {
                let text = format!("one word{b} {a} went on");
                let space = text.find(&format!("{b} ")).unwrap() + b.len();
                let cut = super::glued_caption(&text, space);
                if cut.is_some() {
                    cuts += 1;
                    let bytes = text.as_bytes();
                    assert!(
                        super::may_glue(bytes[space - 1], bytes[space + 1]),
                        "{text}"
                    );
                }
            }
        }
        assert!(cuts > 20, "only {cuts} cuts: the test asks too little");
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
