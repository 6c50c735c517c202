//! What an issue's templates show, computed once from its stories: the
//! contexts for tera, the link list of the text part, and the feed digest.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{issue_url, opening, BuildError};
use crate::config::Config;
use crate::render::{self, escape_markup, LinkList};
use crate::summarize::SummaryDoc;

#[derive(Debug, Clone, Serialize)]
pub(super) struct NewsletterCtx {
    pub(super) name: String,
    pub(super) tagline: String,
    pub(super) sign_off_html: String,
    pub(super) sign_off_text: String,
    pub(super) base_url: String,
    pub(super) language: String,
    pub(super) postal_address: String,
    pub(super) footer_reason: String,
    pub(super) archive_url: String,
    pub(super) feed_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct IssueCtx {
    pub(super) number: u32,
    pub(super) date: String,
    pub(super) date_long: String,
    pub(super) subject: String,
    pub(super) preheader: String,
    pub(super) web_url: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct QuoteCtx {
    pub(super) html: String,
    pub(super) text: String,
    pub(super) speaker: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct StoryCtx {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) source: Option<String>,
    pub(super) url: Option<String>,
    pub(super) published_long: Option<String>,
    pub(super) standfirst_html: String,
    pub(super) standfirst_text: String,
    pub(super) points_html: Vec<String>,
    pub(super) points_text: Vec<String>,
    pub(super) quote: Option<QuoteCtx>,
    pub(super) teaser_html: String,
    pub(super) teaser_text: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct FigureCtx {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) story_title: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct ChartCtx {
    pub(super) email_src: String,
    pub(super) web_src: String,
    pub(super) alt: String,
    pub(super) caption: String,
}

pub(super) const CHART_CID: &str = "chart";
pub(super) const CHART_FILE: &str = "chart.png";

#[derive(Debug, Clone, Serialize)]
pub(super) struct LinkCtx {
    pub(super) n: usize,
    pub(super) url: String,
}

/// Everything an issue's templates show, computed once.
pub(super) struct IssueContent {
    pub(super) newsletter: NewsletterCtx,
    pub(super) issue: IssueCtx,
    pub(super) intro_html: String,
    pub(super) intro_text: String,
    pub(super) stories: Vec<StoryCtx>,
    pub(super) figures: Vec<FigureCtx>,
    pub(super) text_links: Vec<LinkCtx>,
    pub(super) chart: Option<ChartCtx>,
}

/// Characters of a "Power Points" teaser: about two lines of the email.
pub(super) const TEASER_CHARS: usize = 190;
/// Key figures shown in "Data Drill".
pub(super) const MAX_FIGURES: usize = 6;

impl IssueContent {
    /// `intro` is the editor's Markdown for this issue; without one the
    /// issue opens with a short paragraph made from its own stories.
    pub(super) fn new(
        config: &Config,
        date: NaiveDate,
        number: u32,
        docs: &[SummaryDoc],
        tz: chrono_tz::Tz,
        intro: Option<&str>,
    ) -> IssueContent {
        let n = &config.newsletter;
        let base = n.base_url.trim_end_matches('/').to_string();
        let mut links = LinkList::default();

        // Reading order matters: link numbers in the text part follow it.
        let mut stories = Vec::new();
        let mut figures: Vec<FigureCtx> = Vec::new();
        let mut intro_text_parts = None;
        if let Some(md) = intro {
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
            let text = opening::generated(&n.name, &stories, &figures);
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
    pub(super) fn context(
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
    pub(super) fn feed_html(&self) -> String {
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
