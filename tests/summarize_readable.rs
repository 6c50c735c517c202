//! What a reader sees in the Markdown body: every key point makes sense on
//! its own (a sentence cut from a quotation carries its speaker, or is left
//! out), no quote mark is left unpaired, and speakers are named in full.

use std::path::Path;

use newsletter::clean::CleanArticle;
use newsletter::summarize::{render_body, summarize, SummaryOptions};

fn article(paragraphs: &[&str]) -> CleanArticle {
    CleanArticle::new(
        Path::new("in.txt"),
        "Grid copes with a cold, still evening".into(),
        paragraphs.iter().map(|p| p.to_string()).collect(),
    )
}

fn all(k: usize) -> SummaryOptions {
    SummaryOptions {
        sentences: k,
        key_figures: 3,
        quotes: true,
    }
}

const STORY: &[&str] = &[
    "Britain's power prices jumped to £412 per megawatt hour on Thursday as a windless spell left the grid leaning on gas plants.",
    "\"This is the scenario everyone has been modelling for years,\" said Dr. Amira Haddad, director of Kestrel Energy Economics. \"The system coped, and it is important to say that.\"",
    "\"Nobody was cut off tonight.\" Nobody knows who said that here.",
    "\"Importers will have to know every wellhead they buy from,\" said Annelies de Vries, head of gas at Noordgas, at a briefing.",
];

fn unpaired(text: &str) -> bool {
    text.matches('"').count() % 2 == 1 || text.matches('“').count() != text.matches('”').count()
}

#[test]
fn quote_fragments_carry_their_speaker_or_are_left_out() {
    let s = summarize(&article(STORY), &all(20));
    // What ROUGE scores is untouched: every sentence, as written.
    assert_eq!(s.sentences.len(), 6, "{:#?}", s.sentences);
    assert!(s
        .sentences
        .contains(&"\"The system coped, and it is important to say that.\"".to_string()));

    let points: Vec<&String> = std::iter::once(&s.standfirst)
        .chain(&s.key_points)
        .collect();
    assert!(
        points.contains(
            &&"\"The system coped, and it is important to say that.\" — Dr Amira Haddad"
                .to_string()
        ),
        "{points:#?}"
    );
    // "Nobody was cut off tonight." has no speaker in the text: not a point.
    assert!(
        points.iter().all(|p| !p.contains("Nobody was cut off")),
        "{points:#?}"
    );
    // A sentence that carries its own attribution is kept as written.
    assert!(points.iter().any(|p| p.starts_with(
        "\"This is the scenario everyone has been modelling for years,\" said Dr. Amira Haddad"
    )));
    for p in &points {
        assert!(!unpaired(p), "unpaired quote mark in {p:?}");
    }
}

#[test]
fn a_fragment_from_a_new_speaker_names_the_role() {
    let story = [
        "Europe's gas importers face new methane rules from January, officials said on Wednesday.",
        "\"The rules are strict for every buyer. Every importer will have to know each wellhead it buys from,\" said Dr. Amira Haddad, director of Kestrel Energy Economics.",
    ];
    let s = summarize(&article(&story), &all(20));
    let points: Vec<&String> = std::iter::once(&s.standfirst)
        .chain(&s.key_points)
        .collect();
    assert!(
        points.contains(
            &&"\"The rules are strict for every buyer.\" — Dr Amira Haddad, director of Kestrel Energy Economics"
                .to_string()
        ),
        "{points:#?}"
    );
}

#[test]
fn body_names_the_speaker_in_full_with_role() {
    let a = article(STORY);
    let s = summarize(&a, &all(3));
    let body = render_body(&a, &s);
    let quote = s.quote.as_ref().expect("a quote");
    let speaker = quote.speaker.as_deref().expect("a speaker");
    assert!(
        speaker == "Dr Amira Haddad, director of Kestrel Energy Economics"
            || speaker == "Annelies de Vries, head of gas at Noordgas",
        "{speaker}"
    );
    assert!(body.contains(&format!("> — {speaker}")), "{body}");
    assert!(!body.contains("— Dr\n"), "{body}");
    for line in body.lines() {
        assert!(!unpaired(line), "unpaired quote mark in {line:?}");
    }
}

#[test]
fn key_figure_labels_have_no_stray_quote_marks() {
    let story = [
        "Methane is blamed for about 30 per cent of warming since the industrial revolution, scientists say.",
        "\"Leaks are cheap to fix. Anything above 0.2 per cent would be a missed opportunity,\" said Dr. Amira Haddad.",
    ];
    let s = summarize(&article(&story), &all(2));
    assert!(!s.key_figures.is_empty());
    for f in &s.key_figures {
        assert!(!unpaired(&f.label), "{f:?}");
        assert!(!f.label.ends_with('"'), "{f:?}");
    }
}
