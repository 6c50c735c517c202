//! Build time for an issue of 20 articles, and per-recipient fill
//! throughput of the compiled email (goal: 100,000 messages/s).
//!
//! `cargo bench --bench build`

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newsletter::build::{build_issue, IssueManifest};
use newsletter::config::Config;
use newsletter::render::personalize::Values;
use newsletter::summarize::{FrontMatter, SummaryDoc};

const CONFIG: &str = r#"
[newsletter]
name = "Energy Source"
tagline = "Oil, gas, power and the energy transition, twice a week"
sign_off = "Thanks for reading."
base_url = "https://news.example.com"
timezone = "Europe/London"
postal_address = "Energy Source, 1 Example Street, London"
[content]
max_articles = 20
window_days = 7
"#;

const BODY: &str = "The regulator approved a new connection queue for grid projects, clearing a backlog of more than 700GW of wind, solar and storage schemes waiting for a grid offer.\n\n\
- Projects that are ready to build will move to the front of the queue.\n\
- Developers must post a deposit of £10,000 per megawatt to keep their place.\n\
- The system operator expects the first new offers to go out in March.\n\n\
> \"This ends the era of zombie projects blocking the grid,\" the regulator said.";

/// A project with 20 summaries in the window of 24 November 2026.
pub fn project(dir: &std::path::Path) -> Config {
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    std::fs::write(
        dir.join("subscribers.csv"),
        "email,name,company\na@example.com,Ada,X\n",
    )
    .unwrap();
    let summaries = dir.join("content/summaries");
    std::fs::create_dir_all(&summaries).unwrap();
    for i in 0..20 {
        let path = summaries.join(format!("2026-11-2{}-story-{i:02}.md", i % 4));
        let doc = SummaryDoc {
            path: path.clone(),
            front: FrontMatter {
                title: format!("Grid queue reform {i} clears the way for new projects"),
                source: Some("Grid Notes".into()),
                url: Some(format!("https://grid.example.com/queue-{i}")),
                published: Some(
                    DateTime::parse_from_rfc3339(&format!(
                        "2026-11-2{}T{:02}:00:00Z",
                        i % 4,
                        6 + i % 12
                    ))
                    .unwrap(),
                ),
                ..FrontMatter::default()
            },
            body: BODY.into(),
        };
        std::fs::write(&path, doc.to_file_text().unwrap()).unwrap();
    }
    Config::load(&dir.join("config.toml")).unwrap()
}

fn benches(c: &mut Criterion) {
    // NEWSLETTER_BENCH_PROJECT=<folder> keeps the project, for timing the
    // whole process with hyperfine (see BENCHMARKS.md).
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::var_os("NEWSLETTER_BENCH_PROJECT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&root).unwrap();
    let config = project(&root);
    let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let built = build_issue(&config, date).unwrap();
    assert_eq!(built.stories, 20);

    let mut group = c.benchmark_group("build");
    group.sample_size(20);
    group.bench_function("issue_of_20_articles", |b| {
        b.iter(|| build_issue(&config, date).unwrap())
    });
    group.finish();

    let manifest = IssueManifest::load(&built.dir).unwrap();
    let names: Vec<String> = (0..1000).map(|i| format!("Reader {i}")).collect();
    let emails: Vec<String> = (0..1000).map(|i| format!("r{i}@example.com")).collect();
    let urls: Vec<String> = (0..1000)
        .map(|i| format!("https://news.example.com/unsubscribe?token={i:016x}"))
        .collect();
    let mut fields = BTreeMap::new();
    fields.insert("company".to_string(), "Example Ltd".to_string());
    let mut group = c.benchmark_group("personalize");
    group.throughput(Throughput::Elements(names.len() as u64));
    let mut html = String::new();
    let mut text = String::new();
    group.bench_function("fill_html_and_text_per_recipient", |b| {
        b.iter(|| {
            let mut total = 0usize;
            for i in 0..names.len() {
                let values = Values {
                    email: &emails[i],
                    name: &names[i],
                    unsubscribe_url: &urls[i],
                    fields: &fields,
                };
                html.clear();
                text.clear();
                manifest.html_template.fill_into(&values, true, &mut html);
                manifest.text_template.fill_into(&values, false, &mut text);
                total += html.len() + text.len();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(build_benches, benches);
criterion_main!(build_benches);
