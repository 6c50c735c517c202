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

mod lint;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Config;
use crate::problem::Problem;
use crate::render::personalize::{self, SlotTemplate, Values};
use crate::render::{self, escape_markup, LinkList, Renderer};
use crate::summarize::{self, SummaryDoc};

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
    build(config, date, Mode::Publish)
}

/// Builds the issue for `date` as a draft: it gets the number it would have,
/// but the ledger is left untouched, so previewing never uses up an issue
/// number. Point `config.paths.dist` elsewhere to keep drafts out of `dist/`.
pub fn build_preview(config: &Config, date: NaiveDate) -> Result<BuiltIssue, BuildError> {
    build(config, date, Mode::Preview)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Publish,
    Preview,
}

fn build(config: &Config, date: NaiveDate, mode: Mode) -> Result<BuiltIssue, BuildError> {
    let renderer = Renderer::load(&config.paths.templates)?;
    let mut ledger = crate::ledger::Ledger::for_config(config)?;
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
    let mut content = IssueContent::new(config, date, number, &stories, tz, &mut problems);
    let mut inline_images = Vec::new();
    let mut chart_png = None;
    if let Some(data) = render::chart::load_latest(&config.content.data, &mut problems) {
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
                &data.source,
                None,
                format!("cannot draw the chart ({e}); the issue goes out without it"),
            )),
        }
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
    }

    Ok(BuiltIssue {
        number,
        date,
        dir,
        subject: manifest.subject,
        stories: stories.len(),
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

#[derive(Debug, Clone, Serialize)]
struct NewsletterCtx {
    name: String,
    tagline: String,
    sign_off_html: String,
    sign_off_text: String,
    base_url: String,
    language: String,
    postal_address: String,
    footer_reason: String,
    archive_url: String,
    feed_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct IssueCtx {
    number: u32,
    date: String,
    date_long: String,
    subject: String,
    preheader: String,
    web_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct QuoteCtx {
    html: String,
    text: String,
    speaker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct StoryCtx {
    id: String,
    title: String,
    source: Option<String>,
    url: Option<String>,
    published_long: Option<String>,
    standfirst_html: String,
    standfirst_text: String,
    points_html: Vec<String>,
    points_text: Vec<String>,
    quote: Option<QuoteCtx>,
    teaser_html: String,
    teaser_text: String,
}

#[derive(Debug, Clone, Serialize)]
struct FigureCtx {
    value: String,
    label: String,
    story_title: String,
}

#[derive(Debug, Clone, Serialize)]
struct ChartCtx {
    email_src: String,
    web_src: String,
    alt: String,
    caption: String,
}

const CHART_CID: &str = "chart";
const CHART_FILE: &str = "chart.png";

#[derive(Debug, Clone, Serialize)]
struct LinkCtx {
    n: usize,
    url: String,
}

/// Everything an issue's templates show, computed once.
struct IssueContent {
    newsletter: NewsletterCtx,
    issue: IssueCtx,
    intro_html: String,
    intro_text: String,
    stories: Vec<StoryCtx>,
    figures: Vec<FigureCtx>,
    text_links: Vec<LinkCtx>,
    chart: Option<ChartCtx>,
}

/// Characters of a "Power Points" teaser: about two lines of the email.
const TEASER_CHARS: usize = 190;
/// Key figures shown in "Data Drill".
const MAX_FIGURES: usize = 6;

impl IssueContent {
    fn new(
        config: &Config,
        date: NaiveDate,
        number: u32,
        docs: &[SummaryDoc],
        tz: chrono_tz::Tz,
        problems: &mut Vec<Problem>,
    ) -> IssueContent {
        let n = &config.newsletter;
        let base = n.base_url.trim_end_matches('/').to_string();
        let mut links = LinkList::default();

        // Reading order matters: link numbers in the text part follow it.
        let intro_md = read_intro(&config.content.intro, problems);
        let mut stories = Vec::new();
        let mut figures: Vec<FigureCtx> = Vec::new();
        let mut intro_text_parts = None;
        if let Some(md) = &intro_md {
            intro_text_parts = Some((
                render::markdown_to_html(md),
                render::markdown_to_text(md, &mut links),
            ));
        }
        for (i, doc) in docs.iter().enumerate() {
            let sections = doc.sections();
            let url = doc
                .front
                .url
                .as_deref()
                .map(str::trim)
                .filter(|u| render::is_safe_url(u) && !u.starts_with("mailto:"))
                .map(str::to_string);
            let full = i == 0;
            let standfirst_plain = render::markdown_to_plain(&sections.standfirst);
            let teaser = render::truncate_words(&standfirst_plain, TEASER_CHARS);
            let story = StoryCtx {
                id: format!("story-{}", i + 1),
                title: doc.front.title.trim().to_string(),
                source: doc
                    .front
                    .source
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                url,
                published_long: doc
                    .front
                    .published
                    .map(|p| render::long_date(p.with_timezone(&tz).date_naive())),
                standfirst_html: render::markdown_inline_html(&sections.standfirst),
                standfirst_text: if full {
                    render::markdown_to_text(&sections.standfirst, &mut links)
                } else {
                    standfirst_plain.clone()
                },
                points_html: if full {
                    sections
                        .points
                        .iter()
                        .map(|p| render::markdown_inline_html(p))
                        .collect()
                } else {
                    Vec::new()
                },
                points_text: if full {
                    sections
                        .points
                        .iter()
                        .map(|p| render::markdown_to_text(p, &mut links))
                        .collect()
                } else {
                    Vec::new()
                },
                quote: if full {
                    sections.quote.as_ref().map(|q| QuoteCtx {
                        html: render::markdown_inline_html(&q.text),
                        text: render::markdown_to_plain(&q.text),
                        speaker: q
                            .speaker
                            .as_deref()
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                    })
                } else {
                    None
                },
                teaser_html: escape_markup(&teaser),
                teaser_text: teaser,
            };
            for figure in sections.figures {
                if figures.len() >= MAX_FIGURES {
                    break;
                }
                let duplicate = figures
                    .iter()
                    .any(|f| f.value == figure.value && f.label == figure.label);
                if !duplicate {
                    figures.push(FigureCtx {
                        value: figure.value.trim().to_string(),
                        label: figure.label.trim().to_string(),
                        story_title: story.title.clone(),
                    });
                }
            }
            stories.push(story);
        }
        let (intro_html, intro_text) = intro_text_parts.unwrap_or_else(|| {
            let text = in_this_issue(&stories);
            (format!("<p>{}</p>", escape_markup(&text)), text)
        });
        let sign_off_html = render::markdown_to_html(&n.sign_off);
        let sign_off_text = render::markdown_to_text(&n.sign_off, &mut links);

        let top_title = stories.first().map(|s| s.title.clone()).unwrap_or_default();
        let preheader = docs
            .first()
            .map(|d| {
                render::truncate_words(&render::markdown_to_plain(&d.sections().standfirst), 140)
            })
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| in_this_issue(&stories));
        let subject = if top_title.is_empty() {
            format!("{} #{number}", n.name)
        } else {
            top_title
        };
        IssueContent {
            newsletter: NewsletterCtx {
                name: n.name.clone(),
                tagline: n.tagline.clone(),
                sign_off_html,
                sign_off_text,
                base_url: base.clone(),
                language: n.language.clone(),
                postal_address: n.postal_address.clone(),
                footer_reason: n.footer_reason.clone(),
                archive_url: format!("{base}/"),
                feed_url: format!("{base}/feed.xml"),
            },
            issue: IssueCtx {
                number,
                date: date.to_string(),
                date_long: render::long_date(date),
                subject,
                preheader,
                web_url: issue_url(&base, number),
            },
            intro_html,
            intro_text,
            stories,
            figures,
            text_links: links
                .urls
                .into_iter()
                .enumerate()
                .map(|(i, url)| LinkCtx { n: i + 1, url })
                .collect(),
            chart: None,
        }
    }

    /// The tera context for one output.
    fn context(
        &self,
        newsletter: &NewsletterCtx,
        subscriber: BTreeMap<String, String>,
        unsubscribe_url: String,
        web: bool,
    ) -> Result<tera::Context, BuildError> {
        let mut ctx = tera::Context::new();
        ctx.insert("newsletter", newsletter);
        ctx.insert("issue", &self.issue);
        ctx.insert("intro_html", &self.intro_html);
        ctx.insert("intro_text", &self.intro_text);
        ctx.insert("top", &self.stories.first());
        ctx.insert("others", &self.stories.get(1..).unwrap_or_default());
        ctx.insert("figures", &self.figures);
        ctx.insert("chart", &self.chart);
        ctx.insert("text_links", &self.text_links);
        ctx.insert("subscriber", &subscriber);
        ctx.insert("unsubscribe_url", &unsubscribe_url);
        ctx.insert("web", &web);
        Ok(ctx)
    }

    /// A short digest of the issue for the feed: intro and linked headlines.
    fn feed_html(&self) -> String {
        let mut out = self.intro_html.clone();
        out.push_str("<ul>");
        for story in &self.stories {
            out.push_str("<li>");
            match &story.url {
                Some(url) => out.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    escape_markup(url),
                    escape_markup(&story.title)
                )),
                None => out.push_str(&escape_markup(&story.title)),
            }
            if !story.teaser_html.is_empty() {
                out.push_str(": ");
                out.push_str(&story.teaser_html);
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
        out
    }
}

/// "In this issue: A; B; and C." from the headlines.
fn in_this_issue(stories: &[StoryCtx]) -> String {
    let titles: Vec<&str> = stories.iter().map(|s| s.title.as_str()).collect();
    match titles.as_slice() {
        [] => String::new(),
        [one] => format!("In this issue: {one}."),
        [rest @ .., last] => format!("In this issue: {}; and {last}.", rest.join("; ")),
    }
}

fn read_intro(path: &Path, problems: &mut Vec<Problem>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Some(text),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            problems.push(Problem::warning(
                path,
                None,
                format!("cannot read the intro ({e}); using the headlines instead"),
            ));
            None
        }
    }
}

fn issue_url(base: &str, number: u32) -> String {
    format!("{base}/issues/{number:03}/")
}

/// Every issue manifest in `dist/issues/`, newest issue first.
fn load_manifests(dist: &Path) -> Vec<IssueManifest> {
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
