//! The editor's round trip on real summary files in a temporary folder:
//! unchanged input is skipped, changed input rewritten, an edited body kept
//! (unless forced), and a hand-written summary left alone and loaded.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use newsletter::clean::CleanArticle;
use newsletter::summarize::{
    load_summaries, summarize, write_summaries, SummaryDoc, SummaryOptions, WriteReport,
};

fn opts() -> SummaryOptions {
    SummaryOptions {
        sentences: 4,
        key_figures: 3,
        quotes: true,
    }
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn article() -> CleanArticle {
    CleanArticle {
        path: PathBuf::from("inbox/north-sea.txt"),
        title: "North Sea gas output falls as fields age".into(),
        source: Some("Energy Wire".into()),
        url: Some("https://example.com/north-sea-gas".into()),
        author: None,
        published: Some(at("2026-11-20T09:30:00+00:00")),
        paragraphs: vec![
            "Gas production from the UK North Sea fell 12% last year as ageing fields ran down faster than new ones came online, the regulator said on Thursday.".into(),
            "Output averaged 3.1 billion cubic metres a month, the lowest since records began in 1975.".into(),
            "“We are managing a basin in decline, and the decline is speeding up,” said Mairi Campbell, the regulator's chief executive.".into(),
            "Imports from Norway made up the gap, with pipeline flows running at 94% of capacity through the winter.".into(),
            "Industry groups blamed the windfall tax for deterring investment in new fields.".into(),
            "The government said the tax would stay until prices returned to normal levels.".into(),
        ],
        also_in: vec![],
    }
}

/// One summarize run of the sample article into `dir`, on the sample day.
fn summarize_sample_into(dir: &Path) -> WriteReport {
    write_summaries(
        &[article()],
        dir,
        &opts(),
        false,
        at("2026-11-24T07:00:00+00:00"),
    )
    .unwrap()
}

fn only_md(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn file_name_front_matter_and_body_follow_the_design() {
    let dir = tempfile::tempdir().unwrap();
    let now = at("2026-11-24T07:00:00+00:00");
    let report = write_summaries(&[article()], dir.path(), &opts(), false, now).unwrap();
    let path = dir
        .path()
        .join("2026-11-20-north-sea-gas-output-falls-as-fields-age.md");
    assert_eq!(report.written, vec![path.clone()]);
    assert_eq!(
        only_md(dir.path()),
        vec![path.clone()],
        "no temporaries left"
    );

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("+++\n"), "{text}");
    let doc = SummaryDoc::parse(&text, &path).unwrap();
    assert_eq!(doc.front.title, "North Sea gas output falls as fields age");
    assert_eq!(doc.front.source.as_deref(), Some("Energy Wire"));
    assert_eq!(doc.front.published, Some(at("2026-11-20T09:30:00+00:00")));
    assert_eq!(doc.front.summarized, Some(now));
    assert_eq!(doc.front.input_digest.as_ref().unwrap().len(), 64);
    assert_eq!(doc.front.body_digest.as_ref().unwrap().len(), 64);
    assert!(!doc.is_edited());

    let s = doc.sections();
    assert!(s
        .standfirst
        .starts_with("Gas production from the UK North Sea fell 12%"));
    assert!((2..=5).contains(&s.points.len()), "{:?}", s.points);
    assert!(s
        .figures
        .iter()
        .any(|f| f.value == "12%" && f.label.contains("North Sea")));
    let quote = s.quote.expect("a quote");
    assert_eq!(
        quote.text,
        "We are managing a basin in decline, and the decline is speeding up"
    );
    assert_eq!(
        quote.speaker.as_deref(),
        Some("Mairi Campbell, the regulator's chief executive")
    );
    assert!(doc
        .body
        .contains("[Read the full story at Energy Wire](https://example.com/north-sea-gas)"));

    // Every point is a sentence of the article (escaping aside).
    let body = article().paragraphs.join(" ");
    for p in &s.points {
        assert!(body.contains(&p.replace('\\', "")), "{p}");
    }
}

#[test]
fn unchanged_skipped_changed_rewritten_edited_kept_force_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = at("2026-11-24T07:00:00+00:00");
    let day2 = at("2026-11-26T07:00:00+00:00");
    let mut a = article();
    let first =
        write_summaries(std::slice::from_ref(&a), dir.path(), &opts(), false, day1).unwrap();
    let path = first.written[0].clone();
    let original = std::fs::read_to_string(&path).unwrap();

    // Same input: skipped, file untouched.
    let again =
        write_summaries(std::slice::from_ref(&a), dir.path(), &opts(), false, day2).unwrap();
    assert_eq!(again.unchanged, vec![path.clone()]);
    assert!(again.written.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

    // Changed input: rewritten in place.
    a.paragraphs[0] = "Gas production from the UK North Sea fell 15% last year, revised figures showed on Friday.".into();
    let changed =
        write_summaries(std::slice::from_ref(&a), dir.path(), &opts(), false, day2).unwrap();
    assert_eq!(changed.written, vec![path.clone()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("fell 15%"));
    assert_eq!(only_md(dir.path()).len(), 1);

    // The editor edits the body: kept, even when the input changes again.
    let doc = SummaryDoc::parse(&text, &path).unwrap();
    let edited = text.replace(
        &doc.body,
        "My own standfirst, written by the editor.\n\n- One point.\n",
    );
    std::fs::write(&path, &edited).unwrap();
    a.paragraphs[1] = "Output averaged 2.9 billion cubic metres a month.".into();
    let kept = write_summaries(std::slice::from_ref(&a), dir.path(), &opts(), false, day2).unwrap();
    assert_eq!(kept.kept_edited, vec![path.clone()]);
    assert!(kept.written.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    // --force regenerates it.
    let forced =
        write_summaries(std::slice::from_ref(&a), dir.path(), &opts(), true, day2).unwrap();
    assert_eq!(forced.written, vec![path.clone()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("My own standfirst"));
    assert!(!SummaryDoc::parse(&text, &path).unwrap().is_edited());
}

#[test]
fn hand_written_summary_is_left_alone_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let hand = dir.path().join("2026-11-23-editors-pick.md");
    let text = "+++\ntitle = \"Editor's pick: the week in power\"\npublished = 2026-11-23\n+++\n\nPower prices fell across Europe this week.\n\nWind output hit a record on Tuesday, and demand stayed low.\n\n* Germany's day-ahead price fell below zero twice.\n* France exported more than it imported.\n\n## The numbers\n\n1. 48 GW: peak wind output in Germany\n2. **-€12/MWh** – lowest hourly price\n\n> Cheap power is only cheap if the grid can carry it.\n— A grid engineer\n\nSource: our own reporting\n";
    std::fs::write(&hand, text).unwrap();

    // A summarize run for an unrelated article does not touch it.
    summarize_sample_into(dir.path());
    assert_eq!(std::fs::read_to_string(&hand).unwrap(), text);

    let (docs, problems) = load_summaries(dir.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(docs.len(), 2);
    let doc = docs.iter().find(|d| d.path == hand).unwrap();
    assert_eq!(doc.front.published, Some(at("2026-11-23T00:00:00+00:00")));
    assert!(doc.is_edited(), "no digest: treated as the editor's");
    let s = doc.sections();
    assert_eq!(s.standfirst, "Power prices fell across Europe this week.");
    assert_eq!(
        s.points,
        [
            "Wind output hit a record on Tuesday, and demand stayed low.",
            "Germany's day-ahead price fell below zero twice.",
            "France exported more than it imported."
        ]
    );
    assert_eq!(s.figures.len(), 2);
    assert_eq!(s.figures[0].value, "48 GW");
    assert_eq!(s.figures[0].label, "peak wind output in Germany");
    assert_eq!(s.figures[1].value, "-€12/MWh");
    assert_eq!(s.figures[1].label, "lowest hourly price");
    let q = s.quote.unwrap();
    assert_eq!(
        q.text,
        "Cheap power is only cheap if the grid can carry it."
    );
    assert_eq!(q.speaker.as_deref(), Some("A grid engineer"));
}

#[test]
fn hand_written_summary_for_a_known_article_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let hand = dir.path().join("north-sea.md");
    let text = "+++\ntitle = \"North Sea gas output falls as fields age\"\nurl = \"https://example.com/north-sea-gas\"\n+++\n\nThe editor's own take.\n";
    std::fs::write(&hand, text).unwrap();
    let report = summarize_sample_into(dir.path());
    assert_eq!(report.kept_edited, vec![hand.clone()]);
    assert_eq!(only_md(dir.path()), vec![hand.clone()]);
    assert_eq!(std::fs::read_to_string(&hand).unwrap(), text);
}

#[test]
fn broken_summary_is_reported_with_its_line_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir
        .path()
        .join("2026-11-20-north-sea-gas-output-falls-as-fields-age.md");
    let text = "+++\ntitle = \"North Sea\"\npublished = \"yesterday\"\n+++\n\nBody.\n";
    std::fs::write(&bad, text).unwrap();
    let report = summarize_sample_into(dir.path());
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), text);
    assert_eq!(report.problems.len(), 1);
    let msg = report.problems[0].to_string();
    assert!(
        msg.contains("north-sea-gas-output") && msg.contains("line 3: front matter"),
        "{msg}"
    );
    // The new summary went beside it under another name.
    assert_eq!(report.written.len(), 1);
    assert_ne!(report.written[0], bad);

    let (_, problems) = load_summaries(dir.path());
    assert_eq!(problems.len(), 1);
    let no_fence = dir.path().join("x.md");
    std::fs::write(&no_fence, "Just text, no front matter.\n").unwrap();
    let (_, problems) = load_summaries(dir.path());
    assert!(problems
        .iter()
        .any(|p| p.path == no_fence && p.message.contains("+++")));
}

#[test]
fn date_falls_back_to_the_summarize_date_and_names_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = article();
    a.published = None;
    a.url = None;
    let mut b = a.clone();
    b.title = "North Sea gas output falls as fields age!".into();
    b.paragraphs[0] = "A different story with the same headline words.".into();
    let report = write_summaries(
        &[a, b],
        dir.path(),
        &opts(),
        false,
        at("2026-11-24T07:00:00+00:00"),
    )
    .unwrap();
    let names: Vec<String> = report
        .written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "2026-11-24-north-sea-gas-output-falls-as-fields-age.md",
            "2026-11-24-north-sea-gas-output-falls-as-fields-age-2.md"
        ]
    );
}

#[test]
fn summary_is_deterministic_and_in_article_order() {
    let a = article();
    let one = summarize(&a, &opts());
    let two = summarize(&a, &opts());
    assert_eq!(one, two);
    assert_eq!(one.sentences.len(), 4);
    let body = a.paragraphs.join(" ");
    let positions: Vec<usize> = one
        .sentences
        .iter()
        .map(|s| body.find(s.as_str()).expect("a sentence of the article"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn empty_article_is_reported_and_no_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = article();
    empty.path = PathBuf::from("inbox/empty.txt");
    empty.title = " ".into();
    empty.paragraphs = vec!["".into()];
    let report = write_summaries(
        &[empty, article()],
        dir.path(),
        &opts(),
        false,
        at("2026-11-24T07:00:00+00:00"),
    )
    .unwrap();
    assert_eq!(
        report.written.len(),
        1,
        "the good article still goes through"
    );
    assert_eq!(report.problems.len(), 1);
    let msg = report.problems[0].to_string();
    assert!(
        msg.starts_with("inbox/empty.txt: no text to summarize"),
        "{msg}"
    );
    assert_eq!(only_md(dir.path()).len(), 1);
}

#[test]
fn markdown_in_article_text_is_escaped_and_figures_read_back_as_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = article();
    a.paragraphs[0] = "Gas output from the *North Sea* fell 12% to <b>record</b> lows [sic], the regulator said on Thursday.".into();
    let report = write_summaries(
        &[a],
        dir.path(),
        &opts(),
        false,
        at("2026-11-24T07:00:00+00:00"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&report.written[0]).unwrap();
    let doc = SummaryDoc::parse(&text, &report.written[0]).unwrap();
    assert!(
        doc.body
            .contains(r"\*North Sea\* fell 12% to \<b\>record\</b\> lows \[sic\]"),
        "{}",
        doc.body
    );
    let s = doc.sections();
    assert!(
        s.standfirst.contains(r"\*North Sea\*"),
        "inline Markdown, escapes kept"
    );
    let fig = s.figures.iter().find(|f| f.value == "12%").unwrap();
    assert!(
        fig.label
            .contains("*North Sea* fell 12% to <b>record</b> lows [sic]"),
        "plain text: {}",
        fig.label
    );
}

/// The quote under the key points is one the points do not already carry;
/// when every quotation is a key point already, there is no quote.
#[test]
fn the_quote_does_not_repeat_a_key_point() {
    let mut a = article();
    a.paragraphs.push(
        "“Every field we lose is a cargo we have to buy from somewhere else,” said Tom Reid, an analyst at Firth Energy."
            .into(),
    );
    let mut exercised = false;
    for k in 1..=8 {
        let summary = summarize(
            &a,
            &SummaryOptions {
                sentences: k,
                ..opts()
            },
        );
        if let Some(quote) = &summary.quote {
            assert!(
                summary
                    .sentences
                    .iter()
                    .all(|s| !s.contains(quote.text.as_str())),
                "k={k}: quote {:?} repeats a point of {:?}",
                quote.text,
                summary.sentences
            );
        }
        // Mairi Campbell's quotation chosen as a point: the other is shown.
        let carries_mairi = summary
            .sentences
            .iter()
            .any(|s| s.contains("We are managing a basin in decline"));
        if let (true, Some(quote)) = (carries_mairi, &summary.quote) {
            exercised = true;
            assert_eq!(
                quote.speaker.as_deref(),
                Some("Tom Reid, an analyst at Firth Energy")
            );
        }
    }
    assert!(
        exercised,
        "no k chose Mairi Campbell's quotation as a point"
    );
}
