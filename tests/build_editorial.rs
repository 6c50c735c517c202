//! Every issue is a new issue: the intro and the Data Drill chart go out
//! once, dated forms wait for their issue, a rebuild keeps its own, and an
//! issue without a fresh intro opens with a paragraph made from its stories.

mod build_support;
mod common;

use std::path::Path;

use build_support::{date, texts, Project};
use common::cli::{assert_success, run_cli};
use common::preview::{get, spawn_preview};
use common::sample::{files_with_extension, sample_project};
use newsletter::build::{self, EditorialPlan, IssueManifest};

/// The sample intro's words that must not reach a second issue.
const SAMPLE_INTRO: [&str; 2] = [
    "Winter arrived early this month",
    "In the Data Drill we chart Brent",
];

const NEW_ARTICLE: &str = "Norway restarts Heimdalen gas field after three-day outage
OSLO, Nov. 25 (Meridian Wire) - Norway's Heimdalen gas field resumed output on Wednesday after a compressor fault shut it for three days, the operator said, easing pressure on European gas prices that had climbed 6 per cent during the outage.
The field, which supplies about 24mn cubic metres a day to the UK and Germany, was back at full capacity by midday, according to the operator's statement.
\"We found the fault quickly, but the part had to come from Stavanger,\" a spokesperson said.
Dutch TTF front-month prices fell 3.1 per cent to 44.20 euros per megawatt hour after the news.
";

/// Issue 2 (26 November), with one story published after issue 1.
fn next_issue(p: &Project) -> build::BuiltIssue {
    p.summary(
        "2026-11-25-grid.md",
        "Grid operator doubles its winter reserve",
        Some("Grid Notes"),
        None,
        Some("2026-11-25T08:00:00Z"),
        "The system operator said it would hold twice as much reserve this winter.",
    );
    p.build("2026-11-26")
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// What `check` says the issue of `day` would carry, against the project's
/// ledger as it stands (none yet: an empty one).
fn plan_for(config: &newsletter::config::Config, day: chrono::NaiveDate) -> EditorialPlan {
    let ledger = newsletter::ledger::Ledger::existing_for_config(config).unwrap();
    build::plan(config, ledger.as_ref(), day).unwrap()
}

#[test]
fn two_slots_in_a_row_the_second_issue_carries_neither_intro_nor_chart_of_the_first() {
    let dir = sample_project();
    let config = dir.path().join("config.toml");
    let first = run_cli(&config, &["run", "--at", "2026-11-24T07:00:00Z"]);
    assert_success(&first);
    let one = read(dir.path(), "dist/issues/001/email.html");
    for words in SAMPLE_INTRO {
        assert!(one.contains(words), "issue 1 lacks its intro: {words}");
    }
    assert!(one.contains("src=\"cid:chart\""), "issue 1 has its chart");
    let chart_one = std::fs::read(dir.path().join("dist/issues/001/chart.png")).unwrap();
    let m1 = IssueManifest::load(&dir.path().join("dist/issues/001")).unwrap();
    assert!(!m1.intro.generated);
    assert_eq!(m1.intro.source.as_deref(), Some("content/intro.md"));
    assert_eq!(
        m1.data.as_ref().map(|d| d.source.as_str()),
        Some("content/data/brent.csv")
    );

    std::fs::write(dir.path().join("content/inbox/heimdalen.txt"), NEW_ARTICLE).unwrap();
    let second = run_cli(&config, &["run", "--at", "2026-11-26T07:00:00Z"]);
    assert_success(&second);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("no intro written for this issue"),
        "{stderr}"
    );
    assert!(stderr.contains("went out in issue 1"), "{stderr}");

    let two_dir = dir.path().join("dist/issues/002");
    let m2 = IssueManifest::load(&two_dir).unwrap();
    assert_eq!(
        m2.headlines[0],
        "Norway restarts Heimdalen gas field after three-day outage"
    );
    assert!(m2.intro.generated, "{:?}", m2.intro);
    assert_eq!(m2.intro.source, None);
    assert!(m2.data.is_none(), "{:?}", m2.data);
    assert!(m2.inline_images.is_empty());
    assert!(!two_dir.join("chart.png").exists());
    let html = read(&two_dir, "email.html");
    let text = read(&two_dir, "email.txt");
    let web = read(&two_dir, "index.html");
    let mut sent = String::new();
    for eml in files_with_extension(&dir.path().join("outbox/002"), "eml") {
        sent.push_str(&std::fs::read_to_string(eml).unwrap());
    }
    assert!(!sent.is_empty(), "issue 2 was sent");
    for (name, body) in [("html", &html), ("text", &text), ("web", &web)] {
        for words in SAMPLE_INTRO {
            assert!(!body.contains(words), "issue 2 {name} repeats {words:?}");
        }
        assert!(
            !body.contains("chart.png") && !body.contains("cid:chart"),
            "{name}"
        );
    }
    // The mail itself: no intro, no image part.
    assert!(!sent.contains("image/png"), "a chart went out in issue 2");
    assert!(!sent.contains("Winter arrived"));
    // Its own opening, made from its own stories.
    let opening = texts(&html, "td.text p").join(" ");
    assert!(
        opening.contains(
            "Welcome to Energy Source. Leading this issue: Norway restarts Heimdalen gas field after three-day outage."
        ),
        "{opening}"
    );
    assert!(opening.contains("The number to watch: "), "{opening}");
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains("Leading this issue: Norway restarts Heimdalen"));

    let check = run_cli(&config, &["check"]);
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains("issue 2") && said.contains("no intro written for this issue"),
        "{said}"
    );

    // A rebuild of issue 1 after issue 2 keeps issue 1's intro and chart.
    let rebuilt = run_cli(&config, &["build", "--date", "2026-11-24"]);
    assert_success(&rebuilt);
    assert_eq!(read(dir.path(), "dist/issues/001/email.html"), one);
    assert_eq!(
        std::fs::read(dir.path().join("dist/issues/001/chart.png")).unwrap(),
        chart_one
    );
}

#[test]
fn a_rebuild_of_a_sent_issue_keeps_its_intro_and_chart_after_the_files_change() {
    let p = Project::new();
    p.sample();
    std::fs::write(
        p.path().join("content/intro.md"),
        "Tuesday's words, **bold**.",
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join("content/data")).unwrap();
    let brent = p.path().join("content/data/brent.csv");
    std::fs::write(&brent, "day,Brent\n1 Nov,70\n2 Nov,72\n3 Nov,71\n").unwrap();
    p.build("2026-11-24");
    send_to_the_list(&p, 1);
    let files = [
        "email.html",
        "email.txt",
        "index.html",
        "issue.json",
        "chart.png",
    ];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(p.path().join("dist/issues/001").join(f)).unwrap())
        .collect();

    // The editor prepares Thursday in the same files.
    std::fs::write(p.path().join("content/intro.md"), "Thursday's words.").unwrap();
    std::fs::write(&brent, "day,Brent\n1 Nov,80\n2 Nov,82\n3 Nov,81\n").unwrap();
    p.build("2026-11-24");
    for (file, old) in files.iter().zip(&before) {
        let now = std::fs::read(p.path().join("dist/issues/001").join(file)).unwrap();
        assert!(now == *old, "{file} changed on rebuild");
    }

    let two = next_issue(&p);
    assert!(!two.intro_generated);
    let html = p.read("dist/issues/002/email.html");
    assert!(html.contains("Thursday's words."), "{html}");
    assert!(!html.contains("Tuesday's words"));
    let m1 = IssueManifest::load(&p.path().join("dist/issues/001")).unwrap();
    let m2 = IssueManifest::load(&two.dir).unwrap();
    let (d1, d2) = (m1.data.unwrap(), m2.data.unwrap());
    assert_eq!(d1.source, d2.source, "the same file name");
    assert_ne!(d1.digest, d2.digest, "new data in it");
    assert!(p
        .read("dist/issues/002/email.txt")
        .contains("from 80 to 81"));
    // And issue 2 rebuilt is issue 2 again.
    let again = p.read("dist/issues/002/email.html");
    p.build("2026-11-26");
    assert_eq!(p.read("dist/issues/002/email.html"), again);
}

#[test]
fn before_it_goes_out_a_rebuild_follows_the_editors_changes() {
    let p = Project::new();
    p.sample();
    std::fs::write(p.path().join("content/intro.md"), "Good mornnig.").unwrap();
    std::fs::create_dir_all(p.path().join("content/data")).unwrap();
    let brent = p.path().join("content/data/brent.csv");
    std::fs::write(&brent, "day,Brent\n1 Nov,70\n2 Nov,72\n").unwrap();
    p.build("2026-11-24");
    // A typo fixed, the chart taken out: the rebuild shows both.
    std::fs::write(p.path().join("content/intro.md"), "Good morning.").unwrap();
    std::fs::remove_file(&brent).unwrap();
    let again = p.build("2026-11-24");
    let html = p.read("dist/issues/001/email.html");
    assert!(html.contains("Good morning.") && !html.contains("mornnig"));
    assert!(!again.dir.join("chart.png").exists());
    assert!(IssueManifest::load(&again.dir).unwrap().data.is_none());
    // Issue 1 goes out with the fix; issue 2 does not repeat it.
    send_to_the_list(&p, 1);
    let two = next_issue(&p);
    assert!(two.intro_generated);
    assert!(!p
        .read("dist/issues/002/email.html")
        .contains("Good morning."));
}

/// Sends issue `number` to the subscriber list through the file transport.
fn send_to_the_list(p: &Project, number: u32) {
    let report = newsletter::send::send_issue(
        &p.config(),
        &newsletter::send::SendOptions::to_list(newsletter::send::IssueSelector::Number(number)),
    )
    .unwrap();
    assert!(report.sent > 0, "{report:?}");
}

#[test]
fn dated_intros_and_data_wait_for_their_issue() {
    let p = Project::new();
    p.sample();
    let intro_dir = p.path().join("content/intro");
    let data_dir = p.path().join("content/data");
    std::fs::create_dir_all(&intro_dir).unwrap();
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(p.path().join("content/intro.md"), "Undated words.").unwrap();
    std::fs::write(intro_dir.join("2026-11-25.md"), "A Wednesday draft.").unwrap();
    std::fs::write(
        intro_dir.join("2026-11-26.md"),
        "Thursday, written on Tuesday.",
    )
    .unwrap();
    std::fs::write(
        data_dir.join("brent.csv"),
        "day,Brent\n1 Nov,70\n2 Nov,72\n",
    )
    .unwrap();
    std::fs::write(
        data_dir.join("2026-11-26-ttf.csv"),
        "day,TTF gas\n23 Nov,41\n24 Nov,44\n",
    )
    .unwrap();

    let one = p.build("2026-11-24");
    let m1 = IssueManifest::load(&one.dir).unwrap();
    assert_eq!(m1.intro.source.as_deref(), Some("content/intro.md"));
    assert_eq!(m1.data.unwrap().source, "content/data/brent.csv");
    assert!(p
        .read("dist/issues/001/email.html")
        .contains("Undated words."));

    let two = next_issue(&p);
    let m2 = IssueManifest::load(&two.dir).unwrap();
    assert_eq!(
        m2.intro.source.as_deref(),
        Some("content/intro/2026-11-26.md")
    );
    assert_eq!(m2.data.unwrap().source, "content/data/2026-11-26-ttf.csv");
    let html = p.read("dist/issues/002/email.html");
    assert!(html.contains("Thursday, written on Tuesday."));
    assert!(!html.contains("Undated words."));

    // Front matter naming the date: intro.md for next Tuesday, written now.
    std::fs::write(
        p.path().join("content/intro.md"),
        "+++\ndate = 2026-12-01\n+++\nDecember starts here.\n",
    )
    .unwrap();
    let plan = plan_for(&p.config(), date("2026-11-26"));
    assert_eq!(plan.intro.as_deref(), Some("content/intro/2026-11-26.md"));
    p.summary(
        "2026-11-30-ets.md",
        "EU carbon price hits a new high",
        None,
        None,
        Some("2026-11-30T08:00:00Z"),
        "The EU carbon price rose above 90 euros a tonne.",
    );
    let three = p.build("2026-12-01");
    let m3 = IssueManifest::load(&three.dir).unwrap();
    // The Wednesday draft lost to Thursday's and never went out: said once.
    let stale: Vec<String> = three
        .problems
        .iter()
        .filter(|w| w.message.contains("went out without it"))
        .map(|w| w.path.display().to_string())
        .collect();
    assert_eq!(
        stale,
        ["content/intro/2026-11-25.md"],
        "{:?}",
        three.problems
    );
    assert_eq!(m3.intro.source.as_deref(), Some("content/intro.md"));
    let html = p.read("dist/issues/003/email.html");
    assert!(html.contains("December starts here."));
    assert!(!html.contains("date = 2026"), "front matter shown: {html}");
    assert!(m3.data.is_none(), "both charts were used: {:?}", m3.data);
    // A front matter date that is not a date is bad input, named with its line.
    std::fs::write(
        p.path().join("content/intro.md"),
        "---\ndate: next tuesday\n---\nOops.\n",
    )
    .unwrap();
    let plan = plan_for(&p.config(), date("2026-12-03"));
    let bad = plan.problems.iter().find(|p| p.skipped).expect("a problem");
    assert_eq!(bad.line, Some(2), "{bad}");
    assert!(bad.path.ends_with("content/intro.md"), "{bad}");
    assert_eq!(plan.intro, None);
}

#[test]
fn a_copy_of_a_used_chart_under_a_new_name_is_not_charted_again() {
    let p = Project::new();
    p.sample();
    let data_dir = p.path().join("content/data");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(
        data_dir.join("brent.csv"),
        "day,Brent\n1 Nov,70\n2 Nov,72\n",
    )
    .unwrap();
    p.build("2026-11-24");
    std::fs::remove_file(data_dir.join("brent.csv")).unwrap();
    std::fs::write(
        data_dir.join("brent-again.csv"),
        "day,Brent\r\n\"1 Nov\",70.0\r\n2 Nov,72\r\n",
    )
    .unwrap();
    let two = next_issue(&p);
    assert!(IssueManifest::load(&two.dir).unwrap().data.is_none());
    assert!(!two.dir.join("chart.png").exists());
    let warned = two
        .problems
        .iter()
        .find(|w| w.path.ends_with("brent-again.csv"))
        .expect("a warning naming the copy");
    assert!(warned.message.contains("issue 1"), "{warned}");
}

#[test]
fn the_generated_opening_escapes_what_comes_from_articles() {
    let p = Project::new();
    p.summary(
        "2026-11-23-hostile.md",
        "<script>alert(1)</script>Refinery fire & <b onclick=x()>blast</b>",
        None,
        None,
        Some("2026-11-23T10:00:00Z"),
        "A fire shut the refinery for two days.\n\n### Key figures\n\n- **40 per cent <img src=x onerror=alert(2)>** — Output fell 40 per cent <i>after</i> the fire",
    );
    p.summary(
        "2026-11-22-second.md",
        "Second *story* [link](javascript:alert(3))",
        None,
        None,
        Some("2026-11-22T10:00:00Z"),
        "Nothing else happened.",
    );
    let built = p.build("2026-11-24");
    assert!(built.intro_generated);
    let html = p.read("dist/issues/001/email.html");
    let doc = dom_query::Document::from(html.as_str());
    assert!(!doc.select("script").exists(), "{html}");
    assert!(!doc.select("[onclick], [onerror]").exists(), "{html}");
    assert!(!html.to_ascii_lowercase().contains("href=\"javascript:"));
    let opening = texts(&html, "td.text p")[1].clone();
    assert!(
        opening.starts_with(
            "Welcome to Energy Source. Leading this issue: <script>alert(1)</script>Refinery fire & <b onclick=x()>blast</b>."
        ),
        "{opening}"
    );
    assert!(
        opening.contains("Also in this issue: Second *story* [link](javascript:alert(3))."),
        "{opening}"
    );
    assert!(
        html.contains("Leading this issue: &lt;script&gt;alert(1)&lt;/script&gt;Refinery fire &amp; &lt;b onclick=x()&gt;blast&lt;/b&gt;."),
        "{html}"
    );
    let manifest = IssueManifest::load(&built.dir).unwrap();
    assert!(manifest.intro.generated);
    assert!(!manifest.content_html.contains("<script"), "feed digest");
    // The same stories give the same opening, byte for byte.
    p.build("2026-11-24");
    assert_eq!(p.read("dist/issues/001/email.html"), html);
}

#[test]
fn the_preview_says_when_no_intro_was_written_for_the_coming_issue() {
    let dir = sample_project();
    let config = dir.path().join("config.toml");
    assert_success(&run_cli(&config, &["run", "--at", "2026-11-24T07:00:00Z"]));
    // The coming issue (the next slot from now) has only the intro issue 1 carried.
    let (mut child, url) = spawn_preview(&config);
    let (_, front) = get(&url, "/");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        front.contains("No intro written for this issue."),
        "{front}"
    );
    assert!(front.contains("Issue 2"), "{front}");
}

#[test]
fn an_issue_built_before_the_ledger_kept_records_still_counts_as_carrying_its_intro_and_chart() {
    let p = Project::new();
    p.sample();
    std::fs::write(p.path().join("content/intro.md"), "Old-version words.").unwrap();
    std::fs::create_dir_all(p.path().join("content/data")).unwrap();
    std::fs::write(
        p.path().join("content/data/brent.csv"),
        "day,Brent\n1 Nov,70\n2 Nov,72\n",
    )
    .unwrap();
    let one = p.build("2026-11-24");
    // What an older version left behind: no records, a manifest without them.
    let ledger = rusqlite::Connection::open(p.path().join("state/newsletter.sqlite")).unwrap();
    ledger.execute("DELETE FROM issue_editorial", []).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_str(&p.read("dist/issues/001/issue.json")).unwrap();
    let object = manifest.as_object_mut().unwrap();
    object.remove("intro");
    object.remove("data");
    std::fs::write(one.dir.join("issue.json"), manifest.to_string()).unwrap();

    let two = next_issue(&p);
    assert!(two.intro_generated);
    let m2 = IssueManifest::load(&two.dir).unwrap();
    assert!(m2.data.is_none(), "{:?}", m2.data);
    assert!(!p
        .read("dist/issues/002/email.html")
        .contains("Old-version words."));
    let named: Vec<String> = two
        .problems
        .iter()
        .filter(|w| w.message.contains("went out in issue 1"))
        .map(|w| w.path.display().to_string())
        .collect();
    assert_eq!(
        named,
        ["content/intro.md", "content/data/brent.csv"],
        "{:?}",
        two.problems
    );
}
