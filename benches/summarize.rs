//! Cost of summarizing one article as it grows from 1 KB to 100 KB. The
//! scorer is meant to be linear (prefix-sum centrality), so time per KB
//! should stay flat across sizes; `scripts/bench/summaries.sh` compares
//! speed with sumy's LexRank on real stories.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newsletter::clean::CleanArticle;
use newsletter::summarize::{score, summarize, SummaryOptions};

/// A deterministic article of about `bytes` bytes: energy-market sentences
/// built from a small vocabulary, five sentences to a paragraph.
fn article(bytes: usize) -> CleanArticle {
    let subjects = [
        "Brent crude",
        "European gas",
        "The grid operator",
        "Dr. Ana Ruiz",
        "Offshore wind output",
        "The U.S. regulator",
        "Coal demand",
        "Battery storage",
    ];
    let verbs = [
        "rose",
        "fell",
        "held steady",
        "surprised traders",
        "hit a record",
        "slipped",
    ];
    let tails = [
        "after the outage at the Norwegian plant.",
        "to $91.20 a barrel, up 2.4 per cent on the week.",
        "as storage reached 94% of capacity before winter.",
        "while 3.2 million homes waited for new connections.",
        "on Jan. 5, the first trading day of the year.",
        "“because nobody expected the cold snap,” said Tom Baker.",
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    let mut paragraphs = Vec::new();
    let mut size = 0;
    while size < bytes {
        let mut p = String::new();
        for _ in 0..5 {
            let s = format!(
                "{} {} {} ",
                subjects[rng.usize(..subjects.len())],
                verbs[rng.usize(..verbs.len())],
                tails[rng.usize(..tails.len())]
            );
            p.push_str(&s);
        }
        size += p.len();
        paragraphs.push(p.trim_end().to_string());
    }
    CleanArticle {
        path: PathBuf::from("bench.txt"),
        title: "Bench".into(),
        source: None,
        url: None,
        author: None,
        published: None,
        paragraphs,
        also_in: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let opts = SummaryOptions {
        sentences: 4,
        key_figures: 3,
        quotes: true,
    };
    let mut group = c.benchmark_group("summarize");
    for kb in [1usize, 4, 16, 50, 100] {
        let a = article(kb * 1024);
        group.throughput(Throughput::Bytes(a.body().len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb}KB")),
            &a,
            |b, a| b.iter(|| summarize(a, &opts)),
        );
    }
    group.finish();
}

/// Summarizing alone (no reading or cleaning) on the CNN/DailyMail dev
/// stories, the same 100 that `scripts/bench/summaries.sh` gives sumy, so
/// the element rate is stories per second comparable with sumy's loop.
/// The per-run term cache is emptied before each pass: one pass is one
/// fresh run over 100 distinct stories, not a warm cache. Skipped when the
/// shared data is not there (set NEWSLETTER_SHARED).
fn dev_stories(c: &mut Criterion) {
    let shared = std::env::var("NEWSLETTER_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared").into());
    let dir = PathBuf::from(shared).join("bench/summarization/cnndm");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping dev_stories: {} not found", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".article.txt"))
        .collect();
    paths.sort();
    let raw: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let articles = newsletter::ingest::ingest_files(&paths).articles;
    let opts = SummaryOptions {
        sentences: 3,
        key_figures: 3,
        quotes: true,
    };
    let mut group = c.benchmark_group("dev_stories");
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("cold_cache", |b| {
        b.iter(|| {
            score::reset_term_cache();
            articles
                .iter()
                .map(|a| summarize(a, &opts).sentences.len())
                .sum::<usize>()
        })
    });
    // Reading the scraped text into an article (paragraphs, junk rules,
    // dates): the part of `newsletter summarize` that comes before the
    // summarizer, from bytes already in memory.
    group.bench_function("clean_text", |b| {
        b.iter(|| {
            let mut problems = Vec::new();
            paths
                .iter()
                .zip(&raw)
                .map(|(p, bytes)| {
                    newsletter::ingest::ingest_bytes_at(p, bytes, None, &mut problems).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench, dev_stories);
criterion_main!(benches);
