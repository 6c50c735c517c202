//! `newsletter clean` as a user runs it: no config.toml needed, one JSON
//! object per line with the path as given, bad files named on stderr.

use std::process::Command;

fn newsletter(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn json_lines_with_path_as_given_and_no_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lng.txt"),
        "LNG tanker rates hit a record\n[ad_1]\nRates for hiring a liquefied natural gas tanker rose to $300,000 a day.\n\nTraders blamed a shortage of ships before winter.\nSource link",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("feed.xml"),
        r#"<rss version="2.0"><channel><title>Wire</title><item><title>Coal output falls</title><link>https://wire.example.com/coal</link><pubDate>Wed, 05 Mar 2025 10:00:00 GMT</pubDate><description>China's coal output fell 2 per cent in February.</description></item></channel></rss>"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    let out = newsletter(
        dir.path(),
        &[
            "clean",
            "--format",
            "json",
            "lng.txt",
            "empty.txt",
            "feed.xml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("empty.txt") && stderr.contains("empty"),
        "{stderr}"
    );

    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["path"], "lng.txt");
    assert_eq!(lines[0]["title"], "LNG tanker rates hit a record");
    assert_eq!(
        lines[0]["body"],
        "Rates for hiring a liquefied natural gas tanker rose to $300,000 a day.\n\nTraders blamed a shortage of ships before winter."
    );
    assert_eq!(lines[1]["path"], "feed.xml");
    assert_eq!(lines[1]["title"], "Coal output falls");
    assert_eq!(lines[1]["source"], "Wire");
    assert_eq!(lines[1]["url"], "https://wire.example.com/coal");
    assert_eq!(lines[1]["published"], "2025-03-05T10:00:00+00:00");
}

#[test]
fn only_bad_files_exit_2_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.bin"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let out = newsletter(dir.path(), &["clean", "blob.bin", "nope.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("blob.bin") && stderr.contains("binary"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nope.txt") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

/// The same story from two sources is printed once, the fuller copy, with
/// the other source in `also_in` (JSON and front matter); a story with no
/// copy has an empty `also_in`.
#[test]
fn near_duplicates_are_printed_once_with_also_in() {
    let dir = tempfile::tempdir().unwrap();
    let story = [
        "Norway's grid operator said on Monday that it would curb power exports to Denmark and Germany for three weeks while it repairs a damaged subsea cable.",
        "The cut takes about 1.4 gigawatts off the interconnectors at a time when reservoirs in the south are below their seasonal average.",
        "Forward prices for December delivery rose 6 per cent in Nordic trading after the announcement, brokers said.",
        "The operator said the repair vessel would reach the site on Thursday if the weather allowed.",
    ];
    let md = |source: &str, title: &str, paragraphs: &[&str]| {
        format!(
            "+++\ntitle = \"{title}\"\nsource = \"{source}\"\n+++\n\n{}\n",
            paragraphs.join("\n\n")
        )
    };
    std::fs::write(
        dir.path().join("wire.md"),
        md("Wire One", "Norway curbs power exports", &story[..3]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.md"),
        md(
            "Gas Weekly",
            "Qatar signs LNG deal",
            &["Qatar signed a 20-year deal to supply liquefied natural gas to Poland from 2027, the two governments said on Tuesday, adding to a string of long-term contracts."],
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("full.md"),
        md(
            "Nordic Power Daily",
            "Norway curbs exports after cable fault",
            &story,
        ),
    )
    .unwrap();
    let files = ["wire.md", "other.md", "full.md"];
    let out = newsletter(
        dir.path(),
        &["clean", "--format", "json", files[0], files[1], files[2]],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["path"], "full.md");
    assert_eq!(lines[0]["source"], "Nordic Power Daily");
    assert_eq!(lines[0]["also_in"], serde_json::json!(["Wire One"]));
    assert_eq!(lines[1]["path"], "other.md");
    assert_eq!(lines[1]["also_in"], serde_json::json!([]));

    let out = newsletter(dir.path(), &["clean", files[0], files[1], files[2]]);
    let markdown = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        markdown.matches("also_in = [\"Wire One\"]").count(),
        1,
        "{markdown}"
    );
    assert_eq!(markdown.matches("also_in").count(), 1, "{markdown}");
}
