//! Templates and Markdown: tera with a `markdown` filter backed by
//! pulldown-cmark, HTML sanitised with ammonia, CSS inlined for email
//! clients, and a plain-text rendering built from the same content.
//!
//! Untrusted article text is escaped by tera's autoescaping; Markdown from
//! summaries goes through [`markdown_to_html`], which strips raw HTML that
//! could run (scripts, event handlers, `javascript:` URLs).

pub mod personalize;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RenderError {
    #[error("{0}")]
    Template(String),
}

/// Renders Markdown to sanitised HTML.
pub fn markdown_to_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new(markdown);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}
