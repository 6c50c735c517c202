//! What a sentence looks like, as opposed to what it says: whether it can be
//! a key point at all (a whole sentence of the story's prose, not a
//! headline, caption, credit or promo the cleaner missed), whether it leans
//! on the sentence before it, and the cheap surface features the scorer
//! weighs.
//!
//! The summarizer asks [`eligible`] only of the sentences it is about to
//! choose (a handful per article), so the regex checks borrowed from the
//! cleaner cost almost nothing per story.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde::Serialize;

use super::Split;
use crate::clean::rules;

/// Marks that end a sentence, in Latin and CJK scripts.
const TERMINALS: &[char] = &['.', '!', '?', '…', '。', '！', '？', '．'];

/// Marks that may close a sentence after its final punctuation.
const CLOSERS: &[char] = &['"', '”', '’', '\'', ')', ']', '»', '」', '』', '）'];

/// Words that open a sentence which only makes sense after the one before
/// it: connectives ("However, …") and a "there" or "then" pointing back.
/// Compared case-sensitively as the sentence's first words.
const LEANING_OPENERS: &[&str] = &[
    "And ",
    "But ",
    "Or ",
    "So ",
    "Yet ",
    "Nor ",
    "However",
    "Nevertheless",
    "Nonetheless",
    "Moreover",
    "Furthermore",
    "Also,",
    "Still,",
    "Instead,",
    "Thus",
    "Therefore",
    "Hence",
    "Otherwise",
    "Besides",
    "Even so",
    "In addition",
    "As a result",
    "By contrast",
    "In contrast",
    "On the other hand",
    "That is why",
    "This is why",
    "It was there",
    "It was then",
    "It was here",
    "There, ",
    "Then, ",
];

/// Why a sentence cannot be a key point, standfirst or quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unfit {
    /// It does not end with a full stop, question or exclamation mark: a
    /// headline, a caption run into the text, or a sentence cut short.
    Unfinished,
    /// Fewer than [`MIN_WORDS`] words.
    Short,
    /// Most of its words are capitalised, as in a headline.
    TitleCase,
    /// A question that is a paragraph on its own: a headline or a teaser.
    LoneQuestion,
    /// A line the cleaner's rules take for page furniture.
    Furniture,
}

/// Sentences shorter than this are labels, not findings.
pub const MIN_WORDS: usize = 5;

/// The reason the sentence `i` of `split` cannot be chosen, or `None` when
/// it is a prose sentence of the story.
pub fn unfit(split: &Split, i: usize) -> Option<Unfit> {
    let text = split.texts[i].trim();
    if let Some(why) = headline_shaped(text) {
        return Some(why);
    }
    let (p, start, end) = split.spans[i];
    let paragraph = split.paragraphs[p];
    let alone = paragraph[..start].trim().is_empty() && paragraph[end..].trim().is_empty();
    if alone
        && text.trim_end_matches(CLOSERS).ends_with(['?', '？'])
        && rules::word_count_capped(text, 25) <= 25
    {
        return Some(Unfit::LoneQuestion);
    }
    None
}

/// Why a sentence, taken alone, is not a prose sentence of a story: it is
/// unfinished, short, a line of furniture or in title case. `None` for prose.
/// (A question standing alone as a paragraph needs the paragraph: [`unfit`].)
pub fn headline_shaped(text: &str) -> Option<Unfit> {
    let text = text.trim();
    let bare = text.trim_end_matches(CLOSERS);
    if !bare.ends_with(TERMINALS) {
        return Some(Unfit::Unfinished);
    }
    let words = rules::word_count_capped(text, 40);
    if words < MIN_WORDS {
        return Some(Unfit::Short);
    }
    if words <= 40 && rules::is_furniture(text) {
        return Some(Unfit::Furniture);
    }
    if is_title_case(text) {
        return Some(Unfit::TitleCase);
    }
    None
}

/// True when the sentence can be chosen (see [`unfit`]).
pub fn eligible(split: &Split, i: usize) -> bool {
    unfit(split, i).is_none()
}

/// True for a headline written in title case: at least four words of four
/// letters or more, and nearly all of them capitalised. Sentences capitalise
/// names, but not their verbs and common nouns.
pub fn is_title_case(text: &str) -> bool {
    let (mut long, mut capitalised) = (0usize, 0usize);
    for word in text.split_whitespace().skip(1) {
        let Some((letters, upper)) = letters_of(word) else {
            continue;
        };
        if letters < 4 {
            continue;
        }
        long += 1;
        if upper {
            capitalised += 1;
        }
    }
    long >= 4 && capitalised * 10 >= long * 8
}

/// How many characters `word` has from its first letter to its last, and
/// whether the first is a capital; `None` without letters. It is asked of
/// every word of every candidate sentence, so ASCII words, nearly all of
/// them, are read as bytes.
fn letters_of(word: &str) -> Option<(usize, bool)> {
    if word.is_ascii() {
        let bytes = word.as_bytes();
        let first = bytes.iter().position(u8::is_ascii_alphabetic)?;
        let last = bytes.iter().rposition(u8::is_ascii_alphabetic)?;
        return Some((last + 1 - first, bytes[first].is_ascii_uppercase()));
    }
    let letters = word.trim_matches(|c: char| !c.is_alphabetic());
    let first = letters.chars().next()?;
    Some((letters.chars().count(), first.is_uppercase()))
}

/// True when the sentence opens with a word that points back at the one
/// before it ("However, …", "And the band will …", "It was there that …").
pub fn leans_on_previous(sentence: &str) -> bool {
    let s = sentence.trim_start_matches(['"', '“', '‘', '\'']);
    if opens_with_connective(s) {
        return true;
    }
    // "That structure is designed to …", "These plants …": a demonstrative
    // pointing back; "This year" and "That morning" only name a time.
    // The cheap test first, and no allocation: the list is lower case, so
    // an ASCII case-blind comparison is the lower-cased one.
    if !s.trim_start().starts_with(['T', 'S']) {
        return false;
    }
    let mut words = s.split_whitespace();
    let (Some(first), Some(next)) = (words.next(), words.next()) else {
        return false;
    };
    let next = next.trim_end_matches([',', ';', ':']);
    matches!(first, "This" | "That" | "These" | "Those" | "Such")
        && !TIME_WORDS.iter().any(|w| w.eq_ignore_ascii_case(next))
}

/// True when `s` starts with one of [`LEANING_OPENERS`]. It is asked of
/// every sentence, so an opener is compared only when its first letter is
/// the sentence's.
fn opens_with_connective(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false;
    };
    LEANING_OPENERS
        .iter()
        .any(|o| o.as_bytes().first() == Some(&first) && s.starts_with(o))
}

/// [`leans_on_previous`] for a quotation shown on its own: a connective
/// ("But we have to …") or a demonstrative with a noun ("That reason
/// exists") leans, but "This unlocks …" or "That is …", a pronoun with its
/// verb, reads whole as a quote under the story's key points.
pub fn quote_leans(quote: &str) -> bool {
    if !leans_on_previous(quote) {
        return false;
    }
    let s = quote.trim_start_matches(['"', '“', '‘', '\'']);
    if opens_with_connective(s) {
        return true;
    }
    let mut words = s.split_whitespace();
    let first = words.next().unwrap_or("");
    let next = words.next().unwrap_or("");
    let verb = next.len() > 2 && next.ends_with('s') && !next.ends_with("ss")
        || matches!(
            next,
            "is" | "was"
                | "has"
                | "had"
                | "will"
                | "would"
                | "could"
                | "can"
                | "should"
                | "may"
                | "might"
                | "must"
                | "does"
                | "did"
        );
    !(matches!(first, "This" | "That") && verb)
}

/// Words after "This" or "That" that make a time, not a pointer back.
const TIME_WORDS: &[&str] = &[
    "year",
    "year's",
    "week",
    "week's",
    "month",
    "month's",
    "morning",
    "afternoon",
    "evening",
    "night",
    "weekend",
    "summer",
    "winter",
    "spring",
    "autumn",
    "quarter",
    "season",
    "time",
    "decade",
    "century",
    "day",
    "spring's",
    "summer's",
    "winter's",
    "autumn's",
];

/// The surface features of one sentence that the scorer weighs.
#[derive(Debug, Clone, Serialize)]
pub struct Features {
    /// Words, counted up to [`WORDS_CAP`].
    pub words: usize,
    /// The sentence opens with a quotation mark.
    pub opens_quote: bool,
    /// The sentence leans on the one before it.
    pub leans: bool,
    /// The sentence reports speech ("said", "says", "told").
    pub attributed: bool,
    /// Cheap part of [`eligible`] (the rest is asked only of candidates).
    pub fit: bool,
}

/// Where counting words stops: the scorer's length feature saturates there.
pub const WORDS_CAP: usize = 60;

/// [`Features`] of every sentence, for fitting the weights offline.
pub fn features(split: &Split) -> Vec<Features> {
    (0..split.texts.len())
        .map(|i| {
            let s = split.texts[i];
            Features {
                words: rules::word_count_capped(s, WORDS_CAP).min(WORDS_CAP),
                opens_quote: opens_quote(s),
                leans: leans_on_previous(s),
                attributed: is_attributed(s),
                fit: eligible(split, i),
            }
        })
        .collect()
}

/// True when the sentence reports speech: it has the word "said", "says"
/// or "told". Such sentences carry a quotation or a claim with its source,
/// which summaries of the story's facts choose less often.
pub fn is_attributed(sentence: &str) -> bool {
    let b = sentence.as_bytes();
    let word_at = |i: usize, len: usize| {
        (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + len).is_none_or(|c| !c.is_ascii_alphanumeric())
    };
    // "said" and "says" share "sa"; one search finds both. The searchers
    // are built once: building one per sentence cost more than the search.
    static SA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("sa"));
    static TOLD: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("told"));
    SA.find_iter(b)
        .any(|i| matches!(b.get(i + 2..i + 4), Some(b"id") | Some(b"ys")) && word_at(i, 4))
        || TOLD.find_iter(b).any(|i| word_at(i, 4))
}

/// True when the sentence starts inside or with a quotation.
pub fn opens_quote(sentence: &str) -> bool {
    sentence.starts_with(['"', '“', '‘', '\''])
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::clean::CleanArticle;
    use std::path::Path;

    #[test]
    fn letters_of_a_word_as_bytes_or_as_characters_agree() {
        let by_chars = |word: &str| {
            let letters = word.trim_matches(|c: char| !c.is_alphabetic());
            letters
                .chars()
                .next()
                .map(|first| (letters.chars().count(), first.is_uppercase()))
        };
        for word in [
            "Grid",
            "grid,",
            "(Energy)",
            "“Quoted”",
            "Élan",
            "naïve",
            "U.S.",
            "42",
            "--",
            "",
            "x",
            "GW-scale",
            "a1b2c3",
            "Ærø's",
            "’Tis",
        ] {
            assert_eq!(letters_of(word), by_chars(word), "{word:?}");
        }
    }

    fn split_of(paragraphs: &[&str]) -> CleanArticle {
        CleanArticle::new(
            Path::new("t.txt"),
            "T".into(),
            paragraphs.iter().map(|p| p.to_string()).collect(),
        )
    }

    fn verdicts(paragraphs: &[&str]) -> Vec<Option<Unfit>> {
        let article = split_of(paragraphs);
        let split = super::super::split_article(&article);
        (0..split.texts.len()).map(|i| unfit(&split, i)).collect()
    }

    #[test]
    fn headline_shapes_are_unfit_and_prose_is_fit() {
        let v = verdicts(&[
            "Gas prices rose sharply on Monday as Norwegian flows fell, traders said.",
            "Can Europe build its own solar panels again?",
            "Spain's grid operator wants more batteries, fast",
            "The Hidden Cost Of Negative Power Prices Explained Today.",
            "Prices fell.",
            "\"Stadia has been built from the ground up to be a cloud platform,\" Jack Buser, director for games at Google, tells",
            "Why would anyone build a plant there, he asked, when the grid is full?",
            "The council expects growth to return in 2028, helped by cheaper batteries.",
        ]);
        assert_eq!(
            v,
            vec![
                None,
                Some(Unfit::LoneQuestion),
                Some(Unfit::Unfinished),
                Some(Unfit::TitleCase),
                Some(Unfit::Short),
                Some(Unfit::Unfinished),
                Some(Unfit::LoneQuestion),
                None,
            ]
        );
    }

    #[test]
    fn cjk_sentences_end_with_their_own_marks() {
        assert_eq!(
            headline_shaped(
                "パソコンでそのまま読みたい時もありますし、調べながら作業をする場合もあります。"
            ),
            None
        );
    }

    #[test]
    fn a_question_inside_a_paragraph_is_prose() {
        let v = verdicts(&[
            "Who pays for the grid? Households do, through standing charges that rose by a third.",
        ]);
        assert_eq!(v, vec![None, None]);
    }

    #[test]
    fn furniture_the_cleaner_missed_is_unfit() {
        let v = verdicts(&[
            "Reporting by Jo Lind in Oslo; Editing by Mark Hale.",
            "Shares rose 4% after the results, the company said.",
        ]);
        assert_eq!(v, vec![Some(Unfit::Furniture), None]);
    }

    #[test]
    fn leaning_openers() {
        assert!(leans_on_previous(
            "However, the council expects growth in 2028."
        ));
        assert!(leans_on_previous(
            "And the band will do it with a new drummer."
        ));
        assert!(leans_on_previous("It was there that the talks broke down."));
        assert!(leans_on_previous("“But we have to sell it,” she said."));
        assert!(!leans_on_previous(
            "Andrew Smith, the chief executive, resigned."
        ));
        assert!(!leans_on_previous("Butane prices rose."));
        assert!(!leans_on_previous("The council expects growth in 2028."));
        assert!(leans_on_previous(
            "That structure is designed to avoid overruns."
        ));
        assert!(leans_on_previous("These plants will close by 2030."));
        assert!(!leans_on_previous("This year the council expects growth."));
        assert!(!leans_on_previous("Thatcher closed the pits."));
        assert!(quote_leans(
            "That reason exists: a household can cut its bill."
        ));
        assert!(quote_leans("But we have to sell it."));
        assert!(!quote_leans("This unlocks the cheapest power we can build"));
        assert!(!quote_leans("That is exactly the scenario we modelled"));
    }

    #[test]
    fn attribution() {
        assert!(is_attributed("Prices will rise, he said."));
        assert!(is_attributed("She told reporters the plant would close."));
        assert!(is_attributed("The minister says so."));
        assert!(!is_attributed(
            "The saidness of things; a saying; untold riches."
        ));
        assert!(!is_attributed("Brent rose 2% on Monday."));
    }

    #[test]
    fn title_case() {
        assert!(is_title_case(
            "Europe's Solar Boom Slows For The First Time"
        ));
        assert!(!is_title_case(
            "Kitaura Electric restarted the Hamasaki No. 3 reactor on Monday after a long review."
        ));
        assert!(!is_title_case(
            "Vistula Power Generation signed a deal with Westinghouse Electric Company on Monday."
        ));
    }
}
