//! Key figures ("40% — Russia's share of EU gas") and the strongest quote
//! with its speaker, both lifted from the article's own words.

use super::{KeyFigure, Quote};

/// Words after a number that make it a quantity worth showing.
const SCALES: &[&str] = &[
    "million", "billion", "trillion", "bn", "m", "mn", "k", "thousand",
];
const UNITS: &[&str] = &[
    "per",
    "percent",
    "percentage",
    "%",
    "barrels",
    "barrel",
    "bpd",
    "b/d",
    "tonnes",
    "tons",
    "tonne",
    "mt",
    "mtpa",
    "bcm",
    "tcf",
    "mw",
    "gw",
    "gwh",
    "twh",
    "mwh",
    "kwh",
    "kw",
    "tw",
    "cubic",
    "megawatts",
    "gigawatts",
    "terawatt",
    "gigawatt",
    "megawatt",
    "degrees",
    "homes",
    "households",
    "jobs",
    "turbines",
    "wells",
    "kilometres",
    "km",
    "miles",
    "litres",
    "gallons",
    "therms",
    "mmbtu",
    "years",
    "points",
    "people",
    "customers",
    "dollars",
    "pounds",
    "euros",
];

/// Where a figure sits in its sentence (byte range) and its text.
struct Found {
    start: usize,
    end: usize,
}

/// Figures in one sentence: a number with a currency, a percentage, a scale
/// or a unit. Bare numbers (years, counts, dates) are left out.
fn find_figures(sentence: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let tokens: Vec<(usize, &str)> = sentence
        .split_whitespace()
        .map(|t| (t.as_ptr() as usize - sentence.as_ptr() as usize, t))
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        let (at, tok) = tokens[i];
        let lead = tok.trim_start_matches(['(', '[', '"', '“', '‘']);
        let currency = lead.starts_with(['$', '£', '€', '¥']) || lead.starts_with("US$");
        let num = lead
            .trim_start_matches("US")
            .trim_start_matches(['$', '£', '€', '¥']);
        if !num.starts_with(|c: char| c.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let digits_end = num
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(num.len());
        let number = num[..digits_end].trim_end_matches(['.', ',']);
        let suffix = num[digits_end..]
            .trim_end_matches(['.', ',', ';', ':', ')', ']', '"', '”', '’', '?', '!'])
            .to_lowercase();
        let start = at + (tok.len() - lead.len());
        let mut end = at + tok.len();
        let mut unit = currency
            || matches!(
                suffix.as_str(),
                "%" | "m" | "bn" | "k" | "mn" | "gw" | "mw" | "twh" | "gwh" | "p"
            );
        if !suffix.is_empty() && !unit && suffix.chars().any(char::is_alphabetic) {
            // "2020s", "10th", "3-2": not a quantity.
            i += 1;
            continue;
        }
        let mut j = i + 1;
        // Up to two following words: "2.4 per cent", "3 million barrels", "40 billion cubic".
        while j < tokens.len() && j <= i + 2 {
            let word = tokens[j]
                .1
                .trim_end_matches(['.', ',', ';', ':', ')', '"', '”', '’'])
                .to_lowercase();
            if word == "per" {
                // "2.4 per cent" is a percentage; "$15.80 per million British
                // thermal units" is a price whose unit belongs in the label.
                let next = tokens.get(j + 1).map(|&(_, t)| {
                    t.trim_end_matches(['.', ',', ';', ':', ')', '"', '”', '’'])
                        .to_lowercase()
                });
                if next.as_deref() == Some("cent") {
                    unit = true;
                    let (a, t) = tokens[j + 1];
                    end = a + t.len();
                    j += 2;
                }
                break;
            }
            if SCALES.contains(&word.as_str()) || UNITS.contains(&word.as_str()) {
                unit = true;
                end = tokens[j].0 + tokens[j].1.len();
                j += 1;
            } else {
                break;
            }
        }
        if unit && !number.is_empty() {
            let text = &sentence[start..end];
            let trimmed = text.trim_end_matches(['.', ',', ';', ':', ')', ']', '"', '”', '’']);
            out.push(Found {
                start,
                end: start + trimmed.len(),
            });
        }
        i = j.max(i + 1);
    }
    out
}

/// The clause around a figure, as its label: bounded by the sentence's
/// commas, semicolons and dashes, at most 25 words.
fn label_for(sentence: &str, f: &Found) -> String {
    let breaks = [", ", "; ", " — ", " – ", " - ", ": "];
    let before = &sentence[..f.start];
    let after = &sentence[f.end..];
    let from = breaks
        .iter()
        .filter_map(|b| before.rfind(b).map(|i| i + b.len()))
        .max()
        .unwrap_or(0);
    let to = breaks
        .iter()
        .filter_map(|b| after.find(b))
        .min()
        .map_or(sentence.len(), |i| f.end + i);
    let mut clause = sentence[from..to].trim();
    if clause.split_whitespace().count() < 4 {
        clause = sentence.trim();
    }
    let words: Vec<&str> = clause.split_whitespace().collect();
    let label = if words.len() > 25 {
        words[..25].join(" ") + " …"
    } else {
        words.join(" ")
    };
    label
        .trim_end_matches(['.', ',', ';', ':'])
        .trim_start_matches(['“', '‘', '"', '”', '’'])
        .to_string()
}

/// Up to `max` figures, from the best-scored sentences first, each value once.
pub fn key_figures(sentences: &[&str], scores: &[f64], max: usize) -> Vec<KeyFigure> {
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut out: Vec<KeyFigure> = Vec::new();
    for i in order {
        if out.len() >= max {
            break;
        }
        for f in find_figures(sentences[i]) {
            let value = sentences[i][f.start..f.end].to_string();
            if out.iter().any(|k| k.value == value) || out.len() >= max {
                continue;
            }
            out.push(KeyFigure {
                label: label_for(sentences[i], &f),
                value,
            });
            break; // one figure per sentence keeps the labels distinct
        }
    }
    out
}

/// Verbs that attribute a quote.
const SAID: &[&str] = &[
    "said",
    "says",
    "added",
    "told",
    "explained",
    "warned",
    "argued",
    "insisted",
    "noted",
    "wrote",
    "declared",
    "claimed",
    "stated",
];

/// Every quotation in a paragraph of at least six words, with its speaker
/// when the text names one. Returns (byte start, byte end, quote).
fn quotes_in(paragraph: &str) -> Vec<(usize, usize, Quote)> {
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(rel) = paragraph[search..].find(['“', '‘', '"']) {
        let open = search + rel;
        let mark = paragraph[open..].chars().next().unwrap_or('"');
        let body_start = open + mark.len_utf8();
        let close_mark = match mark {
            '“' => '”',
            '‘' => '’',
            _ => '"',
        };
        // A closing single quote must not be an apostrophe inside a word.
        let close = paragraph[body_start..]
            .char_indices()
            .find(|&(i, c)| {
                c == close_mark
                    && !(close_mark == '’'
                        && paragraph[body_start + i + c.len_utf8()..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric))
            })
            .map(|(i, _)| body_start + i);
        let Some(close) = close else { break };
        let text = paragraph[body_start..close]
            .trim()
            .trim_end_matches(',')
            .trim();
        let words = text.split_whitespace().count();
        if (6..=80).contains(&words) {
            let after = &paragraph[close + close_mark.len_utf8()..];
            let before = &paragraph[..open];
            out.push((
                open,
                close,
                Quote {
                    text: text.to_string(),
                    speaker: speaker_after(after).or_else(|| speaker_before(before)),
                },
            ));
        }
        search = close + close_mark.len_utf8();
    }
    out
}

/// Capitalised words (a name, maybe with a title) at the start of `text`.
fn name_at(text: &str) -> Option<String> {
    let mut words = Vec::new();
    for w in text.split_whitespace().take(5) {
        let bare = w.trim_end_matches([',', '.', ';', ':']);
        let cap = bare.chars().next().is_some_and(char::is_uppercase);
        if !cap || bare.is_empty() {
            break;
        }
        words.push(bare);
        if bare.len() != w.len() {
            break; // punctuation ends the name
        }
    }
    // "The" alone or a pronoun is not a speaker.
    match words.as_slice() {
        [] | ["The"] | ["He"] | ["She"] | ["They"] | ["It"] | ["We"] | ["I"] => None,
        _ => Some(words.join(" ")),
    }
}

/// `”, said Ana Ruiz` or `,” Ana Ruiz said`.
fn speaker_after(after: &str) -> Option<String> {
    let words: Vec<&str> = after
        .split_whitespace()
        .map(|w| w.trim_start_matches(','))
        .filter(|w| !w.is_empty())
        .take(8)
        .collect();
    let first = *words.first()?;
    if SAID.contains(&first) {
        return name_at(&words[1..].join(" "));
    }
    let name = name_at(&words.join(" "))?;
    let following = words.get(name.split_whitespace().count())?;
    SAID.contains(following).then_some(name)
}

/// `Ana Ruiz said: “…`
fn speaker_before(before: &str) -> Option<String> {
    let trimmed = before.trim_end().trim_end_matches([':', ',']).trim_end();
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let verb = words.iter().rposition(|w| SAID.contains(w))?;
    if verb + 3 < words.len() {
        return None; // the verb is too far from the quote to be its attribution
    }
    let start = words[..verb]
        .iter()
        .rposition(|w| !w.chars().next().is_some_and(char::is_uppercase))
        .map_or(0, |p| p + 1);
    let start = start.max(verb.saturating_sub(4));
    name_at(&words[start..verb].join(" "))
}

/// The quote in the best-scored part of the article, preferring one whose
/// speaker is named. `sentence_spans` are (paragraph, byte start, byte end).
pub fn strongest_quote(
    paragraphs: &[&str],
    sentence_spans: &[(usize, usize, usize)],
    scores: &[f64],
) -> Option<Quote> {
    let mut best: Option<(f64, Quote)> = None;
    for (p, paragraph) in paragraphs.iter().enumerate() {
        for (start, end, quote) in quotes_in(paragraph) {
            let score = sentence_spans
                .iter()
                .zip(scores)
                .filter(|((sp, s, e), _)| *sp == p && *s < end && *e > start)
                .map(|(_, &sc)| sc)
                .fold(0.0, f64::max);
            let score = score + if quote.speaker.is_some() { 1.0 } else { 0.0 };
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, quote));
            }
        }
    }
    best.map(|(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(s: &str) -> Vec<String> {
        find_figures(s)
            .iter()
            .map(|f| s[f.start..f.end].to_string())
            .collect()
    }

    #[test]
    fn finds_money_percentages_and_units() {
        assert_eq!(
            values("Brent rose to $91.20, up 2.4 per cent, as Russia's share fell to 40%."),
            ["$91.20", "2.4 per cent", "40%"]
        );
        assert_eq!(
            values("Output reached 3.2 million barrels a day in 2024 from 12 wells."),
            ["3.2 million barrels", "12 wells"]
        );
        assert_eq!(
            values("In 2024, 15 of them met on May 3."),
            Vec::<String>::new()
        );
        assert_eq!(values("The deal is worth £4bn."), ["£4bn"]);
        assert_eq!(
            values("LNG rose to $15.80 per million British thermal units, or 13.5mn tonnes."),
            ["$15.80", "13.5mn tonnes"]
        );
    }

    #[test]
    fn figure_label_is_its_clause() {
        let figs = key_figures(
            &["Last winter, Russia supplied 40% of the EU's gas, officials said."],
            &[1.0],
            3,
        );
        assert_eq!(figs.len(), 1);
        assert_eq!(figs[0].value, "40%");
        assert_eq!(figs[0].label, "Russia supplied 40% of the EU's gas");
    }

    #[test]
    fn quote_with_speaker_after_or_before() {
        let p = "“We will keep the lights on this winter, whatever happens,” said Ana Ruiz, the grid's chief.";
        let q = quotes_in(p);
        assert_eq!(q.len(), 1);
        assert_eq!(
            q[0].2.text,
            "We will keep the lights on this winter, whatever happens"
        );
        assert_eq!(q[0].2.speaker.as_deref(), Some("Ana Ruiz"));
        let p = "Tom Baker said: ‘It’s the biggest order we’ve ever had.’";
        let q = quotes_in(p);
        assert_eq!(q[0].2.text, "It’s the biggest order we’ve ever had.");
        assert_eq!(q[0].2.speaker.as_deref(), Some("Tom Baker"));
        let p = "“Short one,” he said.";
        assert!(quotes_in(p).is_empty());
    }
}
