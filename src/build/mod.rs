//! Builds one issue: picks the stories for the issue's window from the
//! summaries, renders the email (HTML and text), the web page, the archive
//! and the feed into `dist/`, and records the issue number in the ledger.
//!
//! Layout: `dist/issues/<NNN>/{email.html,email.txt,index.html,issue.json}`,
//! `dist/index.html`, `dist/feed.xml`.
//!
//! The email is rendered once with per-recipient markers (see
//! [`crate::render::personalize`]) and stored in `issue.json` as slot
//! templates; `email.html`/`email.txt` on disk are those filled with generic
//! values, so a preview looks like what a reader gets. Nothing here reads the
//! clock: the same summaries and date give byte-identical files.

mod content;
mod editorial;
mod lint;
mod opening;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Config;
use crate::ledger::Ledger;
use crate::problem::Problem;
use crate::render::personalize::{self, SlotTemplate, Values};
use crate::render::{self, Renderer};
use crate::summarize::{self, SummaryDoc};

use content::{ChartCtx, IssueContent, NewsletterCtx, CHART_CID, CHART_FILE};

pub use editorial::{plan, EditorialPlan};
pub use lint::{encoded_size, lint, LintFinding, MAX_HTML_BYTES};

#[derive(Debug, Error)]
pub enum BuildError {
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    /// Not transparent, so the `RenderError` stays in the error chain and the
    /// CLI maps it to exit code 2 (bad input).
    #[error("rendering the issue")]
    Render(#[from] crate::render::RenderError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    NoIssue(String),
}

/// What `build` produced.
#[derive(Debug, Clone)]
pub struct BuiltIssue {
    pub number: u32,
    pub date: NaiveDate,
    pub dir: PathBuf,
    pub subject: String,
    pub stories: usize,
    /// No intro was written for this issue: it opens with a paragraph
    /// generated from its stories (previews and `check` say so).
    pub intro_generated: bool,
    pub problems: Vec<Problem>,
}

/// `dist/issues/<NNN>/issue.json`: what `send` and other tools need to know
/// about a built issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueManifest {
    pub number: u32,
    pub date: NaiveDate,
    pub subject: String,
    pub preheader: String,
    /// Absolute URL of the web version.
    pub web_url: String,
    /// The email's HTML and text with per-recipient slots, for `send`.
    pub html_template: crate::render::personalize::SlotTemplate,
    pub text_template: crate::render::personalize::SlotTemplate,
    /// The stories' headlines, top story first.
    #[serde(default)]
    pub headlines: Vec<String>,
    /// A short sanitised HTML digest of the issue, for the feed.
    #[serde(default)]
    pub content_html: String,
    /// Images the HTML part refers to as `cid:<cid>`: `send` attaches each
    /// file (relative to the issue folder) as an inline part with that
    /// Content-ID, in a multipart/related around the HTML.
    #[serde(default)]
    pub inline_images: Vec<InlineImage>,
    /// Where the intro came from.
    #[serde(default)]
    pub intro: IntroInfo,
    /// The data file charted in the Data Drill, if any.
    #[serde(default)]
    pub data: Option<DataInfo>,
}

/// The intro an issue carries: an editor's file, or generated from its
/// stories when none was written for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroInfo {
    pub generated: bool,
    /// The file, relative to the project folder (None when generated).
    pub source: Option<String>,
    /// SHA-256 of the intro's text, whitespace folded.
    pub digest: String,
}

/// The data file an issue charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataInfo {
    /// Relative to the project folder.
    pub source: String,
    /// SHA-256 of the parsed series (same data, same digest).
    pub digest: String,
}

/// An image embedded in the email by Content-ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineImage {
    pub cid: String,
    /// File name inside the issue folder.
    pub file: String,
    pub content_type: String,
}

impl IssueManifest {
    /// Reads `issue.json` from an issue folder.
    pub fn load(dir: &Path) -> Result<IssueManifest, BuildError> {
        let path = dir.join("issue.json");
        let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|e| BuildError::NoIssue(format!("{}: {e}", path.display())))
    }
}

/// The folder of issue `number`.
pub fn issue_dir(config: &Config, number: u32) -> PathBuf {
    config
        .paths
        .dist
        .join("issues")
        .join(format!("{number:03}"))
}

/// The folder of the highest-numbered issue built into `dist/`, if any.
pub fn latest_built_dir(config: &Config) -> Option<PathBuf> {
    load_manifests(&config.paths.dist)
        .into_iter()
        .map(|m| m.number)
        .max()
        .map(|n| issue_dir(config, n))
}

/// Builds the issue for `date` (a rebuild for the same date keeps its number).
pub fn build_issue(config: &Config, date: NaiveDate) -> Result<BuiltIssue, BuildError> {
    build_issue_in(config, &mut Ledger::for_config(config)?, date)
}

/// [`build_issue`] on a ledger the command already opened (`run` opens it
/// once for the whole cycle).
pub fn build_issue_in(
    config: &Config,
    ledger: &mut Ledger,
    date: NaiveDate,
) -> Result<BuiltIssue, BuildError> {
    build(config, ledger, date, Mode::Publish)
}

/// Builds the issue for `date` as a draft: it gets the number it would have,
/// but the ledger is left untouched, so previewing never uses up an issue
/// number. Point `config.paths.dist` elsewhere to keep drafts out of `dist/`.
pub fn build_preview(config: &Config, date: NaiveDate) -> Result<BuiltIssue, BuildError> {
    build(
        config,
        &mut Ledger::for_config(config)?,
        date,
        Mode::Preview,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Publish,
    Preview,
}

fn build(
    config: &Config,
    ledger: &mut Ledger,
    date: NaiveDate,
    mode: Mode,
) -> Result<BuiltIssue, BuildError> {
    let renderer = Renderer::load(&config.paths.templates)?;
    let (docs, mut problems) = summarize::load_summaries(&config.content.summaries);
    let previous = ledger.previous_issue_date(date)?;
    let tz = config.timezone().unwrap_or(chrono_tz::UTC);
    // The number this date has or will get; reserved only once there is an issue.
    let planned = ledger.peek_issue_number(date)?;
    let already_sent = ledger.stories_in_other_issues(planned)?;
    let docs = docs
        .into_iter()
        .filter(|d| !already_sent.contains(&story_key(d)))
        .collect();
    let stories = select_stories(docs, date, previous, config, tz);
    if stories.is_empty() {
        return Err(BuildError::NoIssue(format!(
            "{}: no summaries in the window for {date} ({}); run `newsletter summarize`, or raise [content] window_days",
            config.content.summaries.display(),
            match previous {
                Some(p) => format!("published since the previous issue of {p} and not in it"),
                None if config.content.window_days == 0 => "published on or before it".to_string(),
                None => format!("published in the {} days before", config.content.window_days),
            }
        )));
    }
    let number = match mode {
        Mode::Publish => ledger.issue_number_for(date)?,
        Mode::Preview => ledger.peek_issue_number(date)?,
    };
    let dir = issue_dir(config, number);
    let columns = subscriber_columns(&config.subscribers.file, &mut problems);
    let mut editorial = editorial::choose(config, ledger, number, date, previous, &mut problems)?;
    if editorial.intro.is_none() {
        problems.push(editorial::no_intro(config, date));
    }
    let intro_md = editorial.intro.as_ref().map(|i| i.body.as_str());
    let mut content = IssueContent::new(config, date, number, &stories, tz, intro_md);
    let mut inline_images = Vec::new();
    let mut chart_png = None;
    if let Some(chosen) = &editorial.data {
        let data = &chosen.chart;
        match data.to_png() {
            Ok(png) => {
                content.chart = Some(ChartCtx {
                    email_src: format!("cid:{CHART_CID}"),
                    web_src: CHART_FILE.into(),
                    alt: data.alt(),
                    caption: data.caption(),
                });
                inline_images.push(InlineImage {
                    cid: CHART_CID.into(),
                    file: CHART_FILE.into(),
                    content_type: "image/png".into(),
                });
                chart_png = Some(png);
            }
            Err(e) => problems.push(Problem::warning(
                config.root.join(&chosen.file.source),
                None,
                format!("cannot draw the chart ({e}); the issue goes out without it"),
            )),
        }
    }

    if chart_png.is_none() {
        // Data that could not be drawn is not used up.
        editorial.data = None;
    }

    // The email, rendered once with markers in every per-recipient place.
    let mut subscriber = BTreeMap::new();
    for column in &columns {
        subscriber.insert(column.clone(), personalize::marker(column));
    }
    subscriber.insert("email".to_string(), personalize::marker("email"));
    subscriber.insert("name".to_string(), personalize::marker("name"));
    let email_ctx = content.context(
        &content.newsletter,
        subscriber,
        personalize::marker("unsubscribe_url"),
        false,
    )?;
    let html_template = SlotTemplate::parse(&renderer.render_email_html(&email_ctx)?);
    let text_template = SlotTemplate::parse(&render::tidy_text(
        &renderer.render("email.txt", &email_ctx)?,
    ));

    // The copies on disk: filled with generic values so previews read right.
    let no_fields = BTreeMap::new();
    let preview_unsubscribe = config
        .delivery
        .unsubscribe_url
        .replace("{token}", "preview");
    let generic = Values {
        email: "",
        name: "",
        unsubscribe_url: &preview_unsubscribe,
        fields: &no_fields,
    };
    let email_html = html_template.fill(&generic, true);
    let email_txt = text_template.fill(&generic, false);

    // The web version: public, so no per-recipient parts; relative links
    // to the archive so it also reads from a file or the preview server.
    let mut web_newsletter = content.newsletter.clone();
    web_newsletter.archive_url = "../../index.html".into();
    web_newsletter.feed_url = "../../feed.xml".into();
    let mut web_subscriber = BTreeMap::new();
    web_subscriber.insert("email".to_string(), String::new());
    web_subscriber.insert("name".to_string(), String::new());
    let web_ctx = content.context(&web_newsletter, web_subscriber, String::new(), true)?;
    let web_html = renderer.render("issue.html", &web_ctx)?;

    let manifest = IssueManifest {
        number,
        date,
        subject: content.issue.subject.clone(),
        preheader: content.issue.preheader.clone(),
        web_url: content.issue.web_url.clone(),
        html_template,
        text_template,
        headlines: stories.iter().map(|s| s.front.title.clone()).collect(),
        content_html: content.feed_html(),
        inline_images,
        intro: IntroInfo {
            generated: editorial.intro.is_none(),
            source: editorial.intro.as_ref().map(|i| i.source.clone()),
            digest: editorial
                .intro
                .as_ref()
                .map(|i| i.digest.clone())
                .unwrap_or_else(|| editorial::text_digest(&content.intro_text)),
        },
        data: editorial.data.as_ref().map(|d| DataInfo {
            source: d.file.source.clone(),
            digest: d.file.digest.clone(),
        }),
    };
    let manifest_json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| BuildError::NoIssue(format!("cannot serialise the issue manifest: {e}")))?;

    let chart_path = dir.join(CHART_FILE);
    match &chart_png {
        Some(png) => write(&chart_path, png)?,
        None if chart_path.exists() => {
            std::fs::remove_file(&chart_path).map_err(|source| BuildError::Io {
                path: chart_path.clone(),
                source,
            })?
        }
        None => {}
    }
    write(&dir.join("email.html"), email_html.as_bytes())?;
    write(&dir.join("email.txt"), email_txt.as_bytes())?;
    write(&dir.join("index.html"), web_html.as_bytes())?;
    write(&dir.join("issue.json"), manifest_json.as_bytes())?;

    write_archive_and_feed(config, &renderer, &content.newsletter)?;
    if mode == Mode::Publish {
        ledger.record_build(number, &manifest.subject, &date.to_string())?;
        let keys: Vec<String> = stories.iter().map(story_key).collect();
        ledger.record_stories(number, &keys)?;
        editorial::record(ledger, number, &editorial, &content.intro_text)?;
    }

    Ok(BuiltIssue {
        number,
        date,
        dir,
        subject: manifest.subject,
        stories: stories.len(),
        intro_generated: manifest.intro.generated,
        problems,
    })
}

/// Writes through `write_derived` (dist/ is rebuilt from its inputs, so it
/// need not wait for the disk), and leaves a file that already holds exactly
/// these bytes alone, so a rebuild of an unchanged issue (the preview
/// rebuilds on every save) keeps modification times.
fn write(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    crate::fsutil::write_derived(path, bytes).map_err(|source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// How the ledger knows a story: its summary's file name, which stays the
/// same when the summary is regenerated or edited.
fn story_key(doc: &SummaryDoc) -> String {
    doc.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The stories for the issue: published on or after the previous issue's
/// day (stories that went into an earlier issue are already left out), or,
/// for the first issue, in the `window_days` before the date (any time when
/// that is 0), and not after the
/// issue date, undated ones included; newest first, ties by file name;
/// at most `max_articles`.
fn select_stories(
    docs: Vec<SummaryDoc>,
    date: NaiveDate,
    previous: Option<NaiveDate>,
    config: &Config,
    tz: chrono_tz::Tz,
) -> Vec<SummaryDoc> {
    let start = match previous {
        Some(p) => p,
        None if config.content.window_days == 0 => NaiveDate::MIN,
        None => date - chrono::Days::new(u64::from(config.content.window_days)),
    };
    let local = |p: &DateTime<FixedOffset>| p.with_timezone(&tz).date_naive();
    let mut picked: Vec<SummaryDoc> = docs
        .into_iter()
        .filter(|d| match &d.front.published {
            Some(p) => {
                let day = local(p);
                day >= start && day <= date
            }
            None => true,
        })
        .collect();
    picked.sort_by(|a, b| {
        match (&a.front.published, &b.front.published) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.path.cmp(&b.path))
    });
    picked.truncate(config.content.max_articles.max(1));
    picked
}

/// The subscriber list's column names (besides email and name), which
/// templates may use as `subscriber.<column>`.
fn subscriber_columns(path: &Path, problems: &mut Vec<Problem>) -> Vec<String> {
    if !path.exists() {
        return Vec::new();
    }
    match csv::Reader::from_path(path).and_then(|mut r| r.headers().cloned()) {
        Ok(headers) => headers
            .iter()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty() && h != "email" && h != "name")
            .collect(),
        Err(err) => {
            problems.push(Problem::warning(
                path,
                Some(1),
                format!("cannot read the header row ({err}); only email and name are available to templates"),
            ));
            Vec::new()
        }
    }
}

fn issue_url(base: &str, number: u32) -> String {
    format!("{base}/issues/{number:03}/")
}

/// Every issue manifest in `dist/issues/`, newest issue first.
pub(super) fn load_manifests(dist: &Path) -> Vec<IssueManifest> {
    let mut manifests: Vec<IssueManifest> = std::fs::read_dir(dist.join("issues"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| IssueManifest::load(&e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    manifests.sort_by_key(|m| std::cmp::Reverse(m.number));
    manifests
}

#[derive(Serialize)]
struct ArchiveItem {
    number: u32,
    subject: String,
    preheader: String,
    date_long: String,
    href: String,
    url: String,
    updated: String,
    content_html: String,
}

/// `dist/index.html` and `dist/feed.xml` from every built issue.
fn write_archive_and_feed(
    config: &Config,
    renderer: &Renderer,
    newsletter: &NewsletterCtx,
) -> Result<(), BuildError> {
    let dist = &config.paths.dist;
    let manifests = load_manifests(dist);
    let items: Vec<ArchiveItem> = manifests
        .iter()
        .map(|m| ArchiveItem {
            number: m.number,
            subject: m.subject.clone(),
            preheader: m.preheader.clone(),
            date_long: render::long_date(m.date),
            href: format!("issues/{:03}/index.html", m.number),
            url: m.web_url.clone(),
            updated: format!("{}T00:00:00Z", m.date),
            content_html: m.content_html.clone(),
        })
        .collect();
    let updated = manifests
        .iter()
        .map(|m| m.date)
        .max()
        .map(|d| format!("{d}T00:00:00Z"))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());

    let mut ctx = tera::Context::new();
    let mut web_newsletter = newsletter.clone();
    web_newsletter.archive_url = "index.html".into();
    web_newsletter.feed_url = "feed.xml".into();
    ctx.insert("newsletter", &web_newsletter);
    ctx.insert("issues", &items);
    ctx.insert("updated", &updated);
    let archive = renderer.render("archive.html", &ctx)?;
    write(&dist.join("index.html"), archive.as_bytes())?;

    ctx.insert("newsletter", newsletter);
    let feed = renderer.render("feed.xml", &ctx)?;
    write(&dist.join("feed.xml"), feed.as_bytes())?;
    Ok(())
}
