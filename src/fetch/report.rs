//! What a fetch did, per source: the summary lines the command prints and
//! the warnings `run` passes on.

use std::fmt;
use std::path::PathBuf;

use super::http::FetchFailure;
use crate::problem::Problem;

/// How a source's own URL answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceOutcome {
    /// A full response, read.
    Fetched,
    /// 304: nothing changed since the last fetch.
    NotModified,
    Failed(FetchFailure),
}

/// One source's fetch.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub name: String,
    pub url: String,
    pub outcome: SourceOutcome,
    /// Files written into the inbox, in item order.
    pub saved: Vec<PathBuf>,
    /// Items met before (saved by an earlier run or another source).
    pub seen: usize,
    /// Item pages that failed (URL, why); each is tried again next run.
    pub item_failures: Vec<(String, FetchFailure)>,
    /// Items whose page failed too many runs and were saved from the feed's text.
    pub fallbacks: Vec<String>,
}

impl SourceReport {
    pub fn new(name: String, url: String) -> Self {
        SourceReport {
            name,
            url,
            outcome: SourceOutcome::Fetched,
            saved: Vec::new(),
            seen: 0,
            item_failures: Vec::new(),
            fallbacks: Vec::new(),
        }
    }

    /// True when the source and every item page answered.
    pub fn ok(&self) -> bool {
        !matches!(self.outcome, SourceOutcome::Failed(_)) && self.item_failures.is_empty()
    }

    /// The lines under the summary line: failed items and fallbacks.
    pub fn details(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .item_failures
            .iter()
            .map(|(url, why)| format!("  {url}: failed: {why}; tried again next run"))
            .collect();
        lines.extend(self.fallbacks.iter().map(|url| {
            format!("  {url}: the page failed too many runs; saved the feed's own text instead")
        }));
        lines
    }
}

impl fmt::Display for SourceReport {
    /// `NAME (URL): 2 new, 3 already seen` and the like: one line per source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): ", self.name, self.url)?;
        match &self.outcome {
            SourceOutcome::Failed(why) => write!(f, "failed: {why}"),
            SourceOutcome::NotModified => write!(f, "unchanged (304)"),
            SourceOutcome::Fetched => {
                write!(f, "{} new", self.saved.len())?;
                if self.seen > 0 {
                    write!(f, ", {} already seen", self.seen)?;
                }
                if !self.item_failures.is_empty() {
                    write!(f, ", {} failed", self.item_failures.len())?;
                }
                Ok(())
            }
        }
    }
}

/// Every source's report, in config order.
#[derive(Debug, Clone, Default)]
pub struct FetchReport {
    pub sources: Vec<SourceReport>,
}

impl FetchReport {
    /// True when every source (and item page) answered.
    pub fn all_ok(&self) -> bool {
        self.sources.iter().all(SourceReport::ok)
    }

    /// Files written into the inbox.
    pub fn saved(&self) -> usize {
        self.sources.iter().map(|s| s.saved.len()).sum()
    }

    /// The failures as warnings (for `run`, which goes on without them).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for source in &self.sources {
            if let SourceOutcome::Failed(why) = &source.outcome {
                out.push(Problem::warning(
                    &source.url,
                    None,
                    format!("source {:?} failed: {why}", source.name),
                ));
            }
            for (url, why) in &source.item_failures {
                out.push(Problem::warning(
                    url,
                    None,
                    format!(
                        "an item of {:?} failed: {why}; tried again next run",
                        source.name
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_source_says_what_happened() {
        let mut r = SourceReport::new("Grid".into(), "https://g.example/feed".into());
        r.saved = vec!["a".into(), "b".into()];
        r.seen = 3;
        assert_eq!(
            r.to_string(),
            "Grid (https://g.example/feed): 2 new, 3 already seen"
        );
        r.outcome = SourceOutcome::NotModified;
        assert_eq!(
            r.to_string(),
            "Grid (https://g.example/feed): unchanged (304)"
        );
        r.outcome = SourceOutcome::Failed(FetchFailure::Status(404));
        assert_eq!(
            r.to_string(),
            "Grid (https://g.example/feed): failed: HTTP status 404"
        );
        let report = FetchReport { sources: vec![r] };
        assert!(!report.all_ok());
        assert_eq!(report.problems().len(), 1);
    }
}
