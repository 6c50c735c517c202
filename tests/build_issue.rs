//! `build_issue` on a real project in a temp folder: files, numbering,
//! the issue window, content, the plain-text part and per-recipient filling.

mod build_support;

use std::collections::BTreeMap;

use build_support::{date, texts, Project};
use newsletter::build::{self, IssueManifest};
use newsletter::render::personalize::Values;
use newsletter::summarize::SummaryDoc;

const FILES: [&str; 6] = [
    "dist/issues/001/email.html",
    "dist/issues/001/email.txt",
    "dist/issues/001/index.html",
    "dist/issues/001/issue.json",
    "dist/index.html",
    "dist/feed.xml",
];

#[test]
fn writes_every_file_and_a_rebuild_is_identical() {
    let p = Project::new();
    p.sample();
    let first = p.build("2026-11-24");
    assert_eq!(first.number, 1);
    assert_eq!(first.dir, p.path().join("dist/issues/001"));
    let before: Vec<String> = FILES.iter().map(|f| p.read(f)).collect();
    let again = p.build("2026-11-24");
    assert_eq!(again.number, 1, "same date, same number");
    for (file, old) in FILES.iter().zip(&before) {
        assert_eq!(&p.read(file), old, "{file} changed on rebuild");
    }
    // No temporary files are left behind by the atomic writes.
    for entry in std::fs::read_dir(p.path().join("dist/issues/001")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "leftover {name}");
    }
}

#[test]
fn the_next_issue_gets_the_next_number_and_only_newer_stories() {
    let p = Project::new();
    p.sample();
    p.build("2026-11-24");
    p.summary(
        "2026-11-25-hydrogen.md",
        "Hydrogen valley project wins first customer",
        Some("H2 Weekly"),
        Some("https://h2.example.com/valley"),
        Some("2026-11-25T08:00:00Z"),
        "A steelmaker signed the first offtake contract for green hydrogen from the valley project.",
    );
    // Published on the day of issue 1, but after it went out.
    p.summary(
        "2026-11-24-grid.md",
        "Grid operator doubles its winter reserve",
        Some("Grid Notes"),
        Some("https://grid.example.com/reserve"),
        Some("2026-11-24T15:30:00Z"),
        "The system operator said it would hold twice as much reserve this winter after a cold start.",
    );
    let second = p.build("2026-11-26");
    assert_eq!(second.number, 2);
    let manifest = IssueManifest::load(&second.dir).unwrap();
    // Every story of issue 1, dated or not, is left out; a story from issue
    // 1's day that came in after it is not lost.
    assert_eq!(
        manifest.headlines,
        vec![
            "Hydrogen valley project wins first customer",
            "Grid operator doubles its winter reserve"
        ]
    );
    // Issue 1 keeps its number when rebuilt after issue 2 exists.
    assert_eq!(p.build("2026-11-24").number, 1);
    let archive = p.read("dist/index.html");
    let items = texts(&archive, "ul.issues li");
    assert_eq!(items.len(), 2, "{archive}");
    assert!(items[0].contains("Issue 2"), "newest first: {items:?}");
    let feed = feed_rs::parser::parse(p.read("dist/feed.xml").as_bytes()).unwrap();
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(
        feed.entries[0].links[0].href,
        "https://news.example.com/issues/002/"
    );
}

#[test]
fn the_window_limits_orders_and_caps_the_stories() {
    let p = Project::new();
    p.sample();
    p.summary(
        "2026-11-10-old.md",
        "Too old for this issue",
        None,
        None,
        Some("2026-11-10T08:00:00Z"),
        "Old news.",
    );
    p.summary(
        "2026-11-27-future.md",
        "Published after the issue date",
        None,
        None,
        Some("2026-11-27T08:00:00Z"),
        "Not yet.",
    );
    let built = p.build("2026-11-24");
    let manifest = IssueManifest::load(&built.dir).unwrap();
    assert_eq!(
        manifest.headlines,
        vec![
            "Opec+ extends output cuts into spring as Brent slides",
            "North Sea wind auction clears at record low price",
            "European gas prices rise as cold snap drains storage",
            "Grid-scale batteries overtake gas peakers in evening ramp",
            "Qatar signs 27-year LNG supply deal with German utility",
            "EU carbon price steadies after reform vote",
        ]
    );

    // max_articles caps the issue.
    let config_path = p.path().join("config.toml");
    let text = std::fs::read_to_string(&config_path)
        .unwrap()
        .replace("max_articles = 8", "max_articles = 3");
    std::fs::write(&config_path, text).unwrap();
    let built = p.build("2026-11-24");
    assert_eq!(built.stories, 3);
    assert_eq!(IssueManifest::load(&built.dir).unwrap().headlines.len(), 3);
}

#[test]
fn an_empty_window_is_an_error_that_says_what_to_do() {
    let p = Project::new();
    let err = build::build_issue(&p.config(), date("2026-11-24")).unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("summaries"), "{shown}");
    assert!(shown.contains("newsletter summarize"), "{shown}");
}

#[test]
fn the_email_has_every_part_of_the_energy_source_layout() {
    let p = Project::new();
    p.sample();
    let built = p.build("2026-11-24");
    let html = p.read("dist/issues/001/email.html");
    for expected in [
        "Energy Source",
        "Oil, gas, power and the energy transition, twice a week",
        "Tuesday 24 November 2026",
        "Issue 1",
        "Leading this issue: Opec+ extends output cuts into spring as Brent slides.",
        "Top story",
        "Power Points",
        "Thanks for reading.",
        "You are receiving this because you signed up for Energy Source.",
        "Energy Source, 1 Example Street, London EC1A 1AA",
        "https://news.example.com/unsubscribe?token=preview",
        "https://news.example.com/issues/001/",
        "Hello,",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    // The top story in full, as the summary's sections give it.
    let docs = newsletter::summarize::load_summaries(&p.path().join("content/summaries")).0;
    let top = docs
        .iter()
        .find(|d| d.front.title.starts_with("Opec+"))
        .unwrap();
    let sections = top.sections();
    let top_text = texts(&html, "h1.headline").join("");
    assert_eq!(
        top_text,
        "Opec+ extends output cuts into spring as Brent slides"
    );
    let standfirst = texts(&html, "p.standfirst").join("");
    assert!(
        standfirst.starts_with("Opec+ agreed to keep 2.2mn barrels a day"),
        "{standfirst}"
    );
    let points = texts(&html, "ul.points li");
    assert_eq!(points.len(), sections.points.len());
    if let Some(quote) = &sections.quote {
        let shown = texts(&html, "blockquote.quote").join("");
        assert!(shown.contains(quote.text.trim_matches('"')), "{shown}");
    }
    // Data Drill appears exactly when there are key figures.
    let figures: usize = docs.iter().map(|d| d.sections().figures.len()).sum();
    assert_eq!(html.contains("Data Drill"), figures > 0);
    // Power Points: the other five stories, each with its source link.
    let others = texts(&html, "h2.pp-title");
    assert_eq!(others.len(), built.stories - 1);
    assert!(html.contains("href=\"https://power.example.com/wind-auction\""));
    assert!(others
        .iter()
        .any(|t| t == "Qatar signs 27-year LNG supply deal with German utility"));
}

#[test]
fn an_editor_intro_replaces_the_generated_one() {
    let p = Project::new();
    p.sample();
    std::fs::write(
        p.path().join("content/intro.md"),
        "Good morning. This week **oil** is back in the driving seat.",
    )
    .unwrap();
    p.build("2026-11-24");
    let html = p.read("dist/issues/001/email.html");
    assert!(html.contains("<strong>oil</strong> is back"), "{html}");
    assert!(!html.contains("Leading this issue:"));
    let text = p.read("dist/issues/001/email.txt");
    assert!(text.contains("Good morning. This week oil is back in the driving seat."));
}

#[test]
fn the_text_part_is_structured_plain_text() {
    let p = Project::new();
    p.sample();
    p.build("2026-11-24");
    let text = p.read("dist/issues/001/email.txt");
    for heading in ["ENERGY SOURCE", "TOP STORY", "POWER POINTS"] {
        assert!(
            text.lines().any(|l| l == heading),
            "no {heading} heading:\n{text}"
        );
    }
    assert!(text.contains("Tuesday 24 November 2026 | Issue 1"));
    assert!(text.contains("Hello,\n"));
    // Wrapped: only lines carrying a URL may be longer than 72 columns.
    for line in text.lines() {
        assert!(
            line.chars().count() <= 72 || line.contains("://"),
            "long line: {line:?}"
        );
    }
    // No markup, and links listed with their URLs.
    assert!(!text.contains('<') && !text.contains("**"), "{text}");
    assert!(text.contains("Gulf Energy Wire"));
    assert!(text.contains("Read the full story: https://wire.example.com/opec-cuts"));
    assert!(text.contains("Power Desk: https://power.example.com/wind-auction"));
    assert!(text.contains("Unsubscribe: https://news.example.com/unsubscribe?token=preview"));
    // The Markdown link in a key point becomes a numbered reference, when
    // the summary's sections carry it.
    if text.contains("Northgate Research [1]") {
        assert!(text.contains("[1] https://northgate.example.com/notes"));
    }
    // No preheader in the text part.
    let manifest = IssueManifest::load(&p.path().join("dist/issues/001")).unwrap();
    assert_eq!(text.matches(&manifest.preheader).count(), 0);
}

#[test]
fn the_manifest_fills_per_recipient_values_without_rerendering() {
    let p = Project::new();
    p.sample();
    let built = p.build("2026-11-24");
    let manifest = IssueManifest::load(&built.dir).unwrap();
    assert_eq!(manifest.number, 1);
    assert_eq!(manifest.date, date("2026-11-24"));
    assert_eq!(manifest.web_url, "https://news.example.com/issues/001/");
    assert!(!manifest.preheader.is_empty());

    let mut fields = BTreeMap::new();
    fields.insert("company".to_string(), "Analytical & Co".to_string());
    let ada = Values {
        email: "ada@example.com",
        name: "Ada <Lovelace>",
        unsubscribe_url: "https://news.example.com/unsubscribe?token=abc&x=1",
        fields: &fields,
    };
    let html = manifest.html_template.fill(&ada, true);
    assert!(html.contains("Hello Ada &lt;Lovelace&gt;,"), "name escaped");
    assert!(html.contains("href=\"https://news.example.com/unsubscribe?token=abc&amp;x=1\""));
    let text = manifest.text_template.fill(&ada, false);
    assert!(text.contains("Hello Ada <Lovelace>,"));
    assert!(text.contains("Unsubscribe: https://news.example.com/unsubscribe?token=abc&x=1"));

    // A reader without a name gets "Hello," and the same issue otherwise.
    let anon = Values { name: "", ..ada };
    assert!(manifest.html_template.fill(&anon, true).contains("Hello,"));

    // The on-disk copies are the same templates filled with generic values.
    let preview = Values {
        email: "",
        name: "",
        unsubscribe_url: "https://news.example.com/unsubscribe?token=preview",
        fields: &BTreeMap::new(),
    };
    assert_eq!(
        manifest.html_template.fill(&preview, true),
        p.read("dist/issues/001/email.html")
    );
    assert_eq!(
        manifest.text_template.fill(&preview, false),
        p.read("dist/issues/001/email.txt")
    );
}

#[test]
fn subscriber_columns_are_available_to_templates() {
    let p = Project::new();
    p.sample();
    // A theme that greets by company, from the subscribers.csv column.
    let templates = p.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let builtin = newsletter::render::BUILTIN
        .iter()
        .find(|(n, _)| *n == "email.txt")
        .unwrap()
        .1;
    std::fs::write(
        templates.join("email.txt"),
        builtin.replace(
            "Hello{{ subscriber.name | if_present(before=\" \") }},",
            "Hello{{ subscriber.name | if_present(before=\" \") }} of {{ subscriber.company }},",
        ),
    )
    .unwrap();
    let built = p.build("2026-11-24");
    let manifest = IssueManifest::load(&built.dir).unwrap();
    let mut fields = BTreeMap::new();
    fields.insert("company".to_string(), "Analytical Engines".to_string());
    let text = manifest.text_template.fill(
        &Values {
            email: "ada@example.com",
            name: "Ada",
            unsubscribe_url: "u",
            fields: &fields,
        },
        false,
    );
    assert!(text.contains("Hello Ada of Analytical Engines,"), "{text}");
}

#[test]
fn summaries_parse_through_the_library() {
    // Guard for the fixtures: they are real summary files.
    let p = Project::new();
    p.sample();
    let (docs, problems) =
        newsletter::summarize::load_summaries(&p.path().join("content/summaries"));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(docs.len(), 6);
    let _: &SummaryDoc = &docs[0];
}

#[test]
fn a_data_csv_becomes_the_data_drill_chart() {
    let p = Project::new();
    p.sample();
    std::fs::create_dir_all(p.path().join("content/data")).unwrap();
    std::fs::write(
        p.path().join("content/data/2026-11-24-brent.csv"),
        "date,Brent ($/bbl)\n17 Nov,72.1\n18 Nov,not a number\n24 Nov,68.4\n",
    )
    .unwrap();
    let built = p.build("2026-11-24");
    // The bad row is reported with its line and skipped.
    assert!(
        built
            .problems
            .iter()
            .any(|pr| pr.line == Some(3) && pr.path.ends_with("2026-11-24-brent.csv")),
        "{:?}",
        built.problems
    );
    let png = std::fs::read(built.dir.join("chart.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    let manifest = IssueManifest::load(&built.dir).unwrap();
    assert_eq!(
        manifest.inline_images,
        vec![build::InlineImage {
            cid: "chart".into(),
            file: "chart.png".into(),
            content_type: "image/png".into()
        }]
    );
    let email = p.read("dist/issues/001/email.html");
    let doc = dom_query::Document::from(email.as_str());
    let img = doc.select("img.chart");
    assert_eq!(img.attr("src").unwrap().to_string(), "cid:chart");
    assert!(img
        .attr("alt")
        .unwrap()
        .contains("Brent ($/bbl), 17 Nov to 24 Nov: from 72.1 to 68.4"));
    assert!(email.contains("Data Drill"));
    let web = p.read("dist/issues/001/index.html");
    assert!(web.contains("src=\"chart.png\""));
    let text = p.read("dist/issues/001/email.txt");
    assert!(text.contains("DATA DRILL\n"), "{text}");
    assert!(text.contains("Brent ($/bbl), 17 Nov to 24 Nov"));
    assert!(build::lint(&built.dir).is_empty());

    // Remove the data: the chart goes away on rebuild.
    std::fs::remove_dir_all(p.path().join("content/data")).unwrap();
    let built = p.build("2026-11-24");
    assert!(!built.dir.join("chart.png").exists());
    assert!(IssueManifest::load(&built.dir)
        .unwrap()
        .inline_images
        .is_empty());
}
