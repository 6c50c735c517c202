//! newsletter: scraped articles in, a twice-weekly HTML email out.
//!
//! The stages, in the order the data flows through them:
//!
//! 0. [`fetch`]     fetch the `[[sources]]` (feeds, pages) into the inbox
//! 1. [`ingest`]    find and read the inbox: text, HTML, Markdown, RSS/Atom/JSON feeds
//! 2. [`clean`]     strip junk, extract the story, merge near-duplicates -> `CleanArticle`
//! 3. [`summarize`] extractive summaries written to `content/summaries/*.md` (editor-owned)
//! 4. [`build`]     pick the stories and write `dist/` (uses [`render`] for HTML/text)
//! 5. [`send`]      deliver to subscribers over SMTP or into `outbox/`, recorded in the [`ledger`]
//! 6. [`schedule`]  the Tuesday/Thursday slots, and `run`: fetch + summarize + build + send once per slot
//! 7. [`preview`]   serve `dist/` locally, rebuild on change and reload the browser
//! 8. [`audience`]  who receives the next issue: subscriber store, (un)subscribing, bounces
//!
//! [`config`] is read by all of them; [`web`] is the HTTP layer `preview`
//! and `serve` (in [`audience`]) share. Each stage reads files and writes files,
//! so any one can be re-run or replaced by hand. The command-line interface
//! lives in the binary (`src/cli/`) and only wires these together.

pub mod config;
pub mod fsutil;
pub mod problem;

pub mod audience;
pub mod build;
pub mod clean;
pub mod fetch;
pub mod ingest;
pub mod ledger;
pub mod preview;
pub mod render;
pub mod schedule;
pub mod send;
pub mod summarize;
pub mod web;
