//! Prints what the sentence scorer sees in each article, one JSON object per
//! article, for `scripts/fit_summary_weights.py` to fit the weights in
//! `src/summarize/weights.toml` against reference summaries.
//!
//! usage: cargo run --release --example summary_features -- FILE... > features.jsonl

use std::path::PathBuf;

use newsletter::{ingest, summarize};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let ingested = ingest::ingest_files(&paths);
    let weights = summarize::score::Weights::default();
    for article in &ingested.articles {
        let split = summarize::split_article(article);
        let scored = summarize::score::score(&split.texts, &weights);
        let n = split.texts.len();
        let sims: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let s = scored.vectors[i].dot(&scored.vectors[j]);
                        (s * 1e4).round() / 1e4
                    })
                    .collect()
            })
            .collect();
        let features = summarize::shape::features(&split);
        let unfit: Vec<_> = (0..n).map(|i| summarize::shape::unfit(&split, i)).collect();
        let line = serde_json::json!({
            "path": article.path,
            "sentences": split.texts,
            "forward": scored.forward,
            "backward": scored.backward,
            "features": features,
            "sims": sims,
            "unfit": unfit,
        });
        println!("{line}");
    }
}
