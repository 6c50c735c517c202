//! The real rebuild behind `newsletter preview`: reload the config,
//! summarize what changed in the inbox, and build the coming issue as a
//! draft (no issue number used, nothing recorded, `dist/` untouched).

use std::path::{Path, PathBuf};

use super::{Changes, IssueView, Site};
use crate::config::Config;

/// The folder holding both the inbox and the summaries (normally content/).
pub(super) fn common_folder(a: &Path, b: &Path) -> PathBuf {
    let mut common = PathBuf::new();
    for (x, y) in a.components().zip(b.components()) {
        if x != y {
            break;
        }
        common.push(x);
    }
    if common.as_os_str().is_empty() {
        a.to_path_buf()
    } else {
        common
    }
}

/// A readable message for an error and its causes.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str("\n  caused by: ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// The real rebuild: reload the config, summarize new or changed inbox files,
/// and build the upcoming issue (the next slot's date) into `dist/`.
pub(super) fn build_site(config_path: &Path, changes: &Changes) -> Result<Site, String> {
    use crate::{build, clean, ingest, summarize};
    let mut config = Config::load(config_path).map_err(|e| error_chain(&e))?;
    // Drafts go to state/preview, not dist/, and reserve no issue number:
    // what is published stays exactly what `build` and `run` made.
    config.paths.dist = config.paths.state.join("preview");
    // The first build summarizes the whole inbox, later ones only the inbox
    // files that changed; summaries the editor changed are kept either way.
    let changed_inbox: Vec<PathBuf> = if changes.is_empty() {
        ingest::discover(&config.content.inbox).unwrap_or_default()
    } else {
        let inbox = std::path::absolute(&config.content.inbox)
            .unwrap_or_else(|_| config.content.inbox.clone());
        changes
            .iter()
            .filter(|p| p.starts_with(&inbox) && p.is_file())
            .cloned()
            .collect()
    };
    if !changed_inbox.is_empty() {
        let ingested = ingest::ingest_files(&changed_inbox);
        let articles = clean::merge_near_duplicates(ingested.articles);
        summarize::write_summaries(
            &articles,
            &config.content.summaries,
            &summarize::SummaryOptions::from(&config.summary),
            false,
            chrono::Utc::now().fixed_offset(),
        )
        .map_err(|e| error_chain(&e))?;
    }
    let schedule = crate::schedule::Schedule::from_config(&config).map_err(|e| error_chain(&e))?;
    let now = chrono::Utc::now();
    let date = schedule
        .next_slot(&now)
        .map(|slot| schedule.issue_date(&slot))
        .unwrap_or_else(|| now.with_timezone(&schedule.timezone).date_naive());
    let built = build::build_preview(&config, date).map_err(|e| error_chain(&e))?;
    let rel_dir = built
        .dir
        .strip_prefix(&config.paths.dist)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|_| format!("issues/{:03}", built.number));
    Ok(Site {
        root: config.paths.dist.clone(),
        issue: Some(IssueView {
            number: built.number,
            subject: built.subject,
            rel_dir,
            no_intro: built.intro_generated,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_folder_is_the_common_parent() {
        assert_eq!(
            common_folder(
                Path::new("/p/content/inbox"),
                Path::new("/p/content/summaries")
            ),
            Path::new("/p/content")
        );
    }
}
