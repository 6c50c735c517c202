//! CPU time of `newsletter summarize --stdout --format json` over FILEs,
//! measured inside the process around the loop, the way
//! `scripts/bench/summaries_sumy.py --time` measures sumy: set-up excluded
//! (here: compiling the cleaning rules, done by one untimed warm-up article
//! written for this), reading, cleaning, splitting, summarizing, Markdown
//! and JSON included. The term cache is emptied after the warm-up, so the
//! timed pass starts as cold as a fresh `summarize` run.
//!
//! Timing inside the process is what makes the figure steady: the older
//! method (a run on all stories minus a run on one, each a whole process)
//! took the difference of two ~30 ms process runs, and process start-up
//! varies by more than the ~10 ms of work being measured.
//!
//! usage: cargo run --release --example summary_cpu -- [--sentences K] FILE... > out.jsonl
//! prints "newsletter: N stories in S CPU s" to stderr.

use std::io::Write;
use std::path::{Path, PathBuf};

use newsletter::{clean, config, ingest, summarize};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A made-up story with the usual furniture around it, so that the warm-up
/// asks every kind of cleaning rule once.
const WARM_UP: &str = "Wind farms in the North Sea had a record month\n\n\
LONDON, March 3 (Wire) - Offshore wind farms supplied a record share of power in March, \
the grid operator said on Monday. \"It was a windy month,\" said Ann Lee, its head of \
markets. Output rose 12% from a year earlier to 5.1 terawatt hours.\n\n\
Related: Why are power prices falling?\n\n\
Reporting by Ann Other; Editing by Sam Smith\n";

fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Reads, cleans and summarizes every file into the lines `summarize
/// --stdout --format json` prints; also returns how many stories there were.
fn one_pass(
    paths: &[PathBuf],
    opts: &summarize::SummaryOptions,
) -> anyhow::Result<(usize, String)> {
    let ingested = ingest::ingest_files(paths);
    let mut out = String::with_capacity(ingested.articles.len().saturating_mul(2048));
    for article in &ingested.articles {
        out.push_str(&summarize::json_line(
            article,
            &summarize::summarize(article, opts),
        )?);
        out.push('\n');
    }
    Ok((ingested.articles.len(), out))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1).peekable();
    let mut sentences = 3;
    if args.peek().is_some_and(|a| a == "--sentences") {
        args.next();
        sentences = args
            .next()
            .and_then(|k| k.to_str()?.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("--sentences needs a number"))?;
    }
    let paths: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let mut opts = summarize::SummaryOptions::from(&config::SummaryConfig::default());
    opts.sentences = sentences;

    let warm = clean::clean_text(WARM_UP, Path::new("warm-up.txt"));
    summarize::json_line(&warm, &summarize::summarize(&warm, &opts))?;
    summarize::score::reset_term_cache();

    // For profilers only: more passes over the same stories before the
    // timed one, each with a cold term cache (the rules' search caches stay
    // warm after the first).
    let passes: usize = std::env::var("SUMMARY_CPU_PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    for _ in 1..passes {
        one_pass(&paths, &opts)?;
        summarize::score::reset_term_cache();
    }

    let start = process_cpu_seconds();
    let (stories, out) = one_pass(&paths, &opts)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    let secs = process_cpu_seconds() - start;
    eprintln!("newsletter: {stories} stories in {secs:.6} CPU s");
    Ok(())
}
