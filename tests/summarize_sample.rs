//! The sample inbox, summarized as the committed summaries are: no key
//! point, standfirst or quote is headline-shaped, and none comes from a
//! line the cleaner takes for page furniture (issue 16).

use std::path::{Path, PathBuf};

use newsletter::clean::{rules, text};
use newsletter::summarize::{shape, summarize, SummaryOptions};
use newsletter::{config, ingest};

fn inbox() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content/inbox")
}

/// The lines of a raw input, tags stripped, as the cleaner's rules see them.
fn raw_lines(path: &Path) -> Vec<String> {
    let raw = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in raw.lines() {
        // Tags out (crudely: this is only for finding furniture lines).
        let mut plain = String::new();
        let mut in_tag = false;
        for c in line.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    plain.push(' ');
                }
                _ if !in_tag => plain.push(c),
                _ => {}
            }
        }
        out.extend(text::paragraphs(&plain));
    }
    out
}

/// A point without what the summarizer adds for display: the speaker after
/// " — " and balanced quote marks.
fn bare(point: &str) -> &str {
    point.split(" — ").next().unwrap_or(point).trim()
}

#[test]
fn sample_summaries_choose_only_prose_sentences() {
    let cfg = config::Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
        .expect("config.toml");
    let opts = SummaryOptions::from(&cfg.summary);
    let inputs = ingest::discover(&inbox()).unwrap();
    assert!(inputs.len() >= 10, "the sample inbox is there");
    let ingested = ingest::ingest_files(&inputs);
    let mut checked = 0;
    for article in &ingested.articles {
        let summary = summarize(article, &opts);
        let lines = raw_lines(&article.path);
        let furniture = rules::apply(&lines).dropped;
        let mut chosen: Vec<(&str, &str)> = vec![("standfirst", summary.standfirst.as_str())];
        chosen.extend(summary.key_points.iter().map(|p| ("key point", p.as_str())));
        for (what, text) in &chosen {
            let text = bare(text);
            assert_eq!(
                shape::headline_shaped(text),
                None,
                "{}: {what} is not a prose sentence: {text:?}",
                article.path.display()
            );
            // A question standing alone on its line is a headline or a teaser.
            assert!(
                !(text.ends_with('?') && lines.iter().any(|l| l == text)),
                "{}: {what} is a question standing alone: {text:?}",
                article.path.display()
            );
            checked += 1;
        }
        if let Some(quote) = &summary.quote {
            // A quotation loses its closing comma, so only its shape is checked.
            assert!(
                !shape::is_title_case(&quote.text)
                    && rules::word_count(&quote.text) >= shape::MIN_WORDS
                    && !rules::is_furniture(&quote.text)
                    && !shape::leans_on_previous(&quote.text),
                "{}: quote {:?}",
                article.path.display(),
                quote.text
            );
            chosen.push(("quote", quote.text.as_str()));
        }
        for (what, text) in &chosen {
            let text = bare(text).trim_matches(['"', '“', '”']);
            for line in &furniture {
                assert!(
                    !(line.contains(text)
                        || (rules::word_count(line) >= 4 && text.contains(line.as_str()))),
                    "{}: {what} {text:?} comes from the furniture line {line:?}",
                    article.path.display()
                );
            }
        }
    }
    assert!(checked >= 30, "only {checked} sentences checked");
}
