//! Scraped text through `ingest`: the published date from the stamps a
//! scraper leaves, the wire dateline cut from the lead and taken as the
//! source, and `also_in` naming what a reader knows (a source, a host or a
//! title), on the sample inbox and on text written here.

use std::path::Path;

use chrono::{TimeZone, Utc};
use newsletter::clean::{self, CleanArticle};
use newsletter::ingest;

/// A fixed reference time, so a dateline with no year is dated the same on
/// every run whatever the files' modification times.
fn reference() -> Option<chrono::DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).single()
}

fn ingest_text(name: &str, text: &str) -> CleanArticle {
    let mut problems = Vec::new();
    let mut got =
        ingest::ingest_bytes_at(Path::new(name), text.as_bytes(), reference(), &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(got.len(), 1);
    got.remove(0)
}

fn sample(name: &str) -> CleanArticle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("content/inbox")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let mut problems = Vec::new();
    let mut got = ingest::ingest_bytes_at(&path, &bytes, reference(), &mut problems);
    assert_eq!(got.len(), 1, "{name}: {problems:?}");
    got.remove(0)
}

fn published(a: &CleanArticle) -> Option<String> {
    a.published.map(|d| d.to_rfc3339())
}

#[test]
fn sample_inbox_text_articles_are_dated() {
    for (name, want) in [
        // "Published 19 November 2026 | Updated 20 November 2026, 08:12 GMT"
        (
            "oil-seven-week-high-gulf-business.txt",
            Some("2026-11-19T00:00:00+00:00"),
        ),
        // "By . Energy Correspondent . PUBLISHED: 07:42 GMT, 20 November 2026 . | ..."
        ("uk-power-wind-lull.txt", Some("2026-11-20T07:42:00+00:00")),
        // "Published 3 hours ago | ..." then "By ... in Singapore | Wednesday 18 November 2026"
        ("asian-lng-cold-snap.txt", Some("2026-11-18T00:00:00+00:00")),
        // A line "Tuesday 17 November 2026"
        (
            "europe-solar-slowdown.txt",
            Some("2026-11-17T00:00:00+00:00"),
        ),
        (
            "japan-reactor-restart.txt",
            Some("2026-11-23T00:00:00+00:00"),
        ),
        ("bayou-crest-lng-fid.txt", Some("2026-11-23T00:00:00+00:00")),
        // Wire datelines with no year: the latest such day before the reference.
        (
            "opec-cuts-meridian-wire.txt",
            Some("2026-11-19T00:00:00+00:00"),
        ),
        ("poland-smr-order.txt", Some("2026-11-20T00:00:00+00:00")),
        // No date anywhere in the text.
        ("halvard-redmesa-takeover.txt", None),
    ] {
        assert_eq!(published(&sample(name)).as_deref(), want, "{name}");
    }
}

#[test]
fn wire_dateline_is_cut_and_names_the_source() {
    let a = sample("poland-smr-order.txt");
    assert_eq!(a.source.as_deref(), Some("Meridian Wire"));
    assert!(
        a.paragraphs[0].starts_with("Vistula Power, a Polish utility, has signed"),
        "{:?}",
        a.paragraphs[0]
    );
    assert!(!a.body().contains("WARSAW, Nov. 20"));
}

#[test]
fn dateline_year_comes_from_another_date_in_the_text() {
    let a = ingest_text(
        "wire.txt",
        "Gas storage hits a record before winter\n\nFRANKFURT, Dec. 2 (Rhine Wire) - Gas storage sites in Germany were 98 per cent full on Wednesday, the highest level for the date since records began, the storage operators' association said in its weekly report on the state of the country's reserves.\n\nThe association's next report, due on 9 December 2021, will cover the first cold week of the winter.\n",
    );
    assert_eq!(published(&a).as_deref(), Some("2021-12-02T00:00:00+00:00"));
    assert_eq!(a.source.as_deref(), Some("Rhine Wire"));
    assert_eq!(a.title, "Gas storage hits a record before winter");
    assert!(a.paragraphs[0].starts_with("Gas storage sites in Germany"));
}

#[test]
fn a_relative_stamp_gives_no_date_and_no_reference_no_year() {
    let a = ingest_text(
        "relative.txt",
        "Coal output falls\n\nPublished 3 hours ago | Updated 1 hour ago\n\nCoal output in the region fell for a third month in a row as utilities burned more gas and imported more power from neighbouring grids, the statistics office said.\n",
    );
    assert_eq!(published(&a), None);
    let text = "Coal output falls\n\nWARSAW, Nov. 20 (Meridian Wire) - Coal output in the region fell for a third month in a row as utilities burned more gas and imported more power, the statistics office said.\n";
    let mut problems = Vec::new();
    let no_reference = ingest::ingest_bytes(Path::new("wire.txt"), text.as_bytes(), &mut problems);
    assert_eq!(no_reference[0].published, None);
    assert_eq!(no_reference[0].source.as_deref(), Some("Meridian Wire"));
}

#[test]
fn merged_copies_record_readable_names_not_paths() {
    // The same wire story, once from the wire and once re-published by a
    // site that keeps the dateline: both have the wire as source, so the
    // kept copy records no duplicate of its own source.
    let wire = sample("opec-cuts-meridian-wire.txt");
    let gulf = sample("oil-seven-week-high-gulf-business.txt");
    let merged = clean::merge_near_duplicates(vec![wire.clone(), gulf.clone()]);
    assert_eq!(merged.len(), 1, "the two oil copies should merge");
    assert!(merged[0].also_in.is_empty(), "{:?}", merged[0].also_in);

    // Without a source, a copy is named by its URL's host, else its title.
    let mut untitled = gulf.clone();
    untitled.source = None;
    let mut hosted = gulf;
    hosted.source = None;
    hosted.url = Some("https://www.gulfbusiness.example/energy/oil-high".into());
    let merged = clean::merge_near_duplicates(vec![wire, untitled.clone(), hosted]);
    assert_eq!(merged.len(), 1);
    assert_eq!(
        merged[0].also_in,
        vec![untitled.title.clone(), "gulfbusiness.example".to_string()]
    );
    for label in &merged[0].also_in {
        assert!(!label.contains(".txt") && !label.contains('/'), "{label}");
    }
}
