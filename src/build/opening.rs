//! The opening an issue gets when no intro was written for it: a few plain
//! sentences in the newsletter's voice made from the issue's own stories
//! (what leads, up to three other headlines, one key figure), so a reader
//! never meets a stale intro and the issue still reads as a letter.
//!
//! Plain text only; the caller escapes it for HTML, so nothing from an
//! article's headline or figure can become markup.

use super::content::{FigureCtx, StoryCtx};

/// Other headlines named after the lead.
const OTHERS: usize = 3;
/// A figure's sentence longer than this is not quoted in the opening.
const MAX_FIGURE_LABEL: usize = 160;

/// The opening paragraph, as plain text.
pub(super) fn generated(name: &str, stories: &[StoryCtx], figures: &[FigureCtx]) -> String {
    let name = name.trim();
    // The template greets the reader ("Hello Ada,") just above, and the
    // slot may be any time of day: the opening only welcomes.
    let mut parts = Vec::new();
    if !name.is_empty() {
        parts.push(format!("Welcome to {name}."));
    }
    if let Some(top) = stories.first() {
        parts.push(format!("Leading this issue: {}", sentence(&top.title)));
    }
    let others: Vec<&str> = stories
        .iter()
        .skip(1)
        .take(OTHERS)
        .map(|s| s.title.trim().trim_end_matches(['.', ';']))
        .filter(|t| !t.is_empty())
        .collect();
    match others.as_slice() {
        [] => {}
        [one] => parts.push(format!("Also in this issue: {}", sentence(one))),
        [rest @ .., last] => parts.push(format!(
            "Also in this issue: {}; and {}",
            rest.join("; "),
            sentence(last)
        )),
    }
    if let Some(figure) = key_figure(stories, figures) {
        let value = figure.value.trim().trim_end_matches('.');
        // An excerpt's leading "…" after a dash would read as a stutter.
        let label = figure.label.trim().trim_start_matches('…').trim_start();
        parts.push(if starts_sentence(label) {
            format!("The number to watch: {value}. {}", sentence(label))
        } else {
            format!("The number to watch: {value} — {}", sentence(label))
        });
    }
    parts.join(" ")
}

/// The figure the opening quotes: one with a whole sentence behind it
/// (capital first, not cut off with "…"), the lead story's first; failing
/// that, a fragment, again the lead story's first.
fn key_figure<'a>(stories: &[StoryCtx], figures: &'a [FigureCtx]) -> Option<&'a FigureCtx> {
    let usable: Vec<&FigureCtx> = figures
        .iter()
        .filter(|f| {
            !f.value.trim().is_empty()
                && !f.label.trim().is_empty()
                && f.label.chars().count() <= MAX_FIGURE_LABEL
        })
        .collect();
    let whole = |f: &&&FigureCtx| starts_sentence(&f.label) && !f.label.trim_end().ends_with('…');
    let lead = |f: &&&FigureCtx| stories.first().is_some_and(|s| s.title == f.story_title);
    usable
        .iter()
        .filter(whole)
        .find(lead)
        .or_else(|| usable.iter().find(whole))
        .or_else(|| usable.iter().find(lead))
        .or_else(|| usable.first())
        .copied()
}

/// Whether `text` opens like a sentence (a capital letter or a digit).
fn starts_sentence(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '"' || c == '“')
}

/// `text` ending in a full stop, unless it already ends a sentence.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '?', '!', '…']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(title: &str) -> StoryCtx {
        StoryCtx {
            title: title.into(),
            ..StoryCtx::default()
        }
    }

    fn figure(value: &str, label: &str, story_title: &str) -> FigureCtx {
        FigureCtx {
            value: value.into(),
            label: label.into(),
            story_title: story_title.into(),
        }
    }

    #[test]
    fn names_the_lead_three_others_and_a_whole_sentence_figure() {
        let stories = [
            story("Norway restarts Heimdalen gas field"),
            story("Halvard agrees $6.8bn takeover of Redmesa"),
            story("Can Europe build its own solar panels again?"),
            story("Japan restarts Hamasaki No 3 reactor"),
            story("Left out: a fifth story"),
        ];
        let figures = [
            figure(
                "6 per cent",
                "easing pressure on gas prices that had climbed 6 per cent",
                "Norway restarts Heimdalen gas field",
            ),
            figure(
                "$6.8bn",
                "Halvard has agreed to buy Redmesa for $6.8bn",
                "Halvard agrees $6.8bn takeover of Redmesa",
            ),
            figure(
                "3.1 per cent",
                "Dutch TTF prices fell 3.1 per cent after the news",
                "Norway restarts Heimdalen gas field",
            ),
        ];
        assert_eq!(
            generated("Energy Source", &stories, &figures),
            "Welcome to Energy Source. \
             Leading this issue: Norway restarts Heimdalen gas field. \
             Also in this issue: Halvard agrees $6.8bn takeover of Redmesa; \
             Can Europe build its own solar panels again?; and Japan restarts Hamasaki No 3 reactor. \
             The number to watch: 3.1 per cent. Dutch TTF prices fell 3.1 per cent after the news."
        );
    }

    #[test]
    fn a_lone_story_with_a_fragment_figure_still_reads() {
        let stories = [story("Grid operator doubles its winter reserve")];
        let figures = [figure(
            "2GW",
            "which doubles last winter's reserve",
            "Grid operator doubles its winter reserve",
        )];
        assert_eq!(
            generated("", &stories, &figures),
            "Leading this issue: Grid operator doubles its winter reserve. \
             The number to watch: 2GW — which doubles last winter's reserve."
        );
        assert_eq!(
            generated("Energy Source", &stories, &[]),
            "Welcome to Energy Source. Leading this issue: Grid operator doubles its winter reserve."
        );
        // A label shown as an excerpt loses its "…" after the dash.
        let excerpt = [figure(
            "640,000 barrels",
            "…lifts Halvard's output to around 640,000 barrels of oil equivalent a day",
            "Grid operator doubles its winter reserve",
        )];
        assert_eq!(
            generated("", &stories, &excerpt),
            "Leading this issue: Grid operator doubles its winter reserve. \
             The number to watch: 640,000 barrels — lifts Halvard's output to around 640,000 barrels of oil equivalent a day."
        );
        // The same stories give the same words.
        assert_eq!(
            generated("Energy Source", &stories, &figures),
            generated("Energy Source", &stories, &figures)
        );
    }
}
