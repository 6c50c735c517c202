//! Input that is not a tidy English news story: the summarizer gives a
//! sensible summary (or an empty one) and never panics; what it picks is
//! always the article's own text.

use std::path::Path;

use newsletter::clean::CleanArticle;
use newsletter::summarize::split::split_sentences;
use newsletter::summarize::{render_body, summarize, SummaryOptions};
use proptest::prelude::*;

fn article(title: &str, paragraphs: &[&str]) -> CleanArticle {
    CleanArticle::new(
        Path::new("in.txt"),
        title.into(),
        paragraphs.iter().map(|p| p.to_string()).collect(),
    )
}

fn opts(k: usize) -> SummaryOptions {
    SummaryOptions {
        sentences: k,
        key_figures: 3,
        quotes: true,
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every chosen sentence is a piece of the input text, whitespace aside.
fn assert_from_input(a: &CleanArticle, k: usize) {
    let s = summarize(a, &opts(k));
    let input = squash(&format!("{} {}", a.title, a.paragraphs.join(" ")));
    for sentence in &s.sentences {
        assert!(
            input.contains(&squash(sentence)),
            "{sentence:?} not in input"
        );
    }
    assert!(s.sentences.len() <= k);
    let _ = render_body(a, &s);
}

#[test]
fn empty_article_gives_an_empty_summary() {
    let s = summarize(&article("", &[]), &opts(3));
    assert!(s.sentences.is_empty());
    assert_eq!(s.standfirst, "");
    assert!(s.key_figures.is_empty() && s.quote.is_none());
    let s = summarize(&article("   ", &["", "  \n "]), &opts(3));
    assert!(s.sentences.is_empty());
}

#[test]
fn headline_only_article_is_summarized_from_its_headline() {
    let a = article(
        "Oil jumps 5% after pipeline outage. Traders rush to cover.",
        &[],
    );
    let s = summarize(&a, &opts(3));
    assert_eq!(
        s.sentences,
        [
            "Oil jumps 5% after pipeline outage.",
            "Traders rush to cover."
        ]
    );
}

#[test]
fn one_sentence() {
    let s = summarize(&article("T", &["The grid held up."]), &opts(3));
    assert_eq!(s.sentences, ["The grid held up."]);
    assert_eq!(s.standfirst, "The grid held up.");
    assert!(s.key_points.is_empty());
}

#[test]
fn no_punctuation_at_all() {
    let text = "wind and solar output rose while gas demand fell ".repeat(60);
    let a = article("T", &[&text]);
    let s = summarize(&a, &opts(3));
    assert_eq!(s.sentences.len(), 3, "cut into readable pieces");
    assert!(s.sentences.iter().all(|x| x.len() <= 600));
    assert_from_input(&a, 3);
}

#[test]
fn a_megabyte_of_text() {
    let para = "Brent crude rose 2.4 per cent to $91.20 a barrel on Monday. \
                “We expect tighter markets through the winter months ahead,” said Ana Ruiz, an analyst. \
                Refiners in Asia bought more cargoes from the Middle East. ";
    let big = para.repeat(1_000_000 / para.len() + 1);
    let paragraphs: Vec<&str> = big
        .as_bytes()
        .chunks(50_000)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    let a = article("Big", &paragraphs);
    let s = summarize(&a, &opts(4));
    assert_eq!(s.sentences.len(), 4);
    assert!(!s.key_figures.is_empty());
    assert_eq!(
        s.quote.unwrap().speaker.as_deref(),
        Some("Ana Ruiz, an analyst")
    );
}

#[test]
fn non_english_article() {
    let a = article(
        "Netzausbau",
        &[
            "Die Bundesnetzagentur hat am Montag neue Regeln für den Netzausbau veröffentlicht. Bis 2030 sollen 12.000 Kilometer Leitungen entstehen. „Wir brauchen mehr Tempo“, sagte Klaus Müller.",
            "在2024年，中国的太阳能装机容量增长了45%。风电也创下新高。",
        ],
    );
    let s = summarize(&a, &opts(3));
    assert_eq!(s.sentences.len(), 3);
    assert_from_input(&a, 3);
}

#[test]
fn all_numbers_and_all_quotes() {
    let numbers = article("Numbers", &["12 45 78.5 1,000 2024 3.14 99% $5 £7bn 0 0 0"]);
    let s = summarize(&numbers, &opts(3));
    assert_eq!(s.sentences.len(), 1);
    assert_from_input(&numbers, 3);

    let quotes = article(
        "Quotes",
        &[
            "“We will not cut output.” “Prices are too low for that.” “Ask us again next year.”",
            "‘Never,’ ‘never,’ ‘never.’",
        ],
    );
    let s = summarize(&quotes, &opts(3));
    assert!(!s.sentences.is_empty());
    assert_from_input(&quotes, 3);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn never_panics_and_picks_only_input_text(
        title in "\\PC{0,40}",
        paragraphs in proptest::collection::vec("[\\PC\\s“”‘’\"'.!?$%£€0-9A-Za-z]{0,300}", 0..6),
        k in 0usize..7,
    ) {
        let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        let a = article(&title, &refs);
        let s = summarize(&a, &opts(k));
        let input = squash(&format!("{} {}", a.title, a.paragraphs.join(" ")));
        prop_assert!(s.sentences.len() <= k);
        for sentence in &s.sentences {
            prop_assert!(input.contains(&squash(sentence)));
        }
        let _ = render_body(&a, &s);
    }

    #[test]
    fn splitter_returns_trimmed_pieces_that_cover_the_text(text in "[\\PC\\s“”‘’.!?]{0,400}") {
        let parts = split_sentences(&text);
        for p in &parts {
            prop_assert!(!p.is_empty());
            prop_assert_eq!(p.trim(), *p);
        }
        let joined: String = parts.concat().split_whitespace().collect();
        let original: String = text.split_whitespace().collect();
        prop_assert_eq!(joined, original);
    }
}
