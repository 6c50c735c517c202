//! Per-recipient personalisation without re-rendering: the issue is rendered
//! once with a marker in every per-recipient place (`{{ subscriber.name }}`,
//! `{{ unsubscribe_url }}`, any subscriber column), split at the markers, and
//! each recipient's copy is a concatenation of literal parts and values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const OPEN: char = '\u{FFF9}';
const CLOSE: char = '\u{FFFB}';
/// Separates a conditional marker's slot from the text around it.
const SEP: char = '\u{FFFA}';

/// The text a template sees for a per-recipient value during the one render.
pub fn marker(slot: &str) -> String {
    format!("{OPEN}{slot}{CLOSE}")
}

/// A marker that becomes `before` + value + `after` when the recipient's
/// value is not empty, and nothing when it is (so "Hello{name}," reads
/// "Hello Ada," or "Hello,").
pub fn conditional_marker(slot: &str, before: &str, after: &str) -> String {
    format!("{OPEN}{slot}{SEP}{before}{SEP}{after}{CLOSE}")
}

/// The slot name when `text` is exactly one plain marker.
pub fn marker_slot(text: &str) -> Option<&str> {
    let inner = text.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    (!inner.contains([OPEN, CLOSE, SEP])).then_some(inner)
}

/// Whether `text` still holds a marker (a leftover in a filled document).
pub fn contains_marker(text: &str) -> bool {
    text.contains(OPEN) || text.contains(CLOSE)
}

/// A per-recipient value a template may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Email,
    Name,
    UnsubscribeUrl,
    /// Any other subscriber column.
    Field(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    Text(String),
    Slot(Slot),
    /// A slot shown with text around it only when its value is not empty.
    Conditional {
        slot: Slot,
        before: String,
        after: String,
    },
}

/// A rendered document with holes for per-recipient values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTemplate {
    parts: Vec<Part>,
}

/// One recipient's values.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    pub email: &'a str,
    /// Empty when the list has no name for this reader.
    pub name: &'a str,
    pub unsubscribe_url: &'a str,
    pub fields: &'a BTreeMap<String, String>,
}

impl SlotTemplate {
    /// Splits rendered output at the markers.
    pub fn parse(rendered: &str) -> SlotTemplate {
        let mut parts = Vec::new();
        let mut rest = rendered;
        while let Some(start) = rest.find(OPEN) {
            let after = &rest[start + OPEN.len_utf8()..];
            let Some(end) = after.find(CLOSE) else { break };
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let inner = &after[..end];
            let mut pieces = inner.split(SEP);
            let slot = match pieces.next().unwrap_or_default() {
                "email" => Slot::Email,
                "name" => Slot::Name,
                "unsubscribe_url" => Slot::UnsubscribeUrl,
                other => Slot::Field(other.to_string()),
            };
            match (pieces.next(), pieces.next()) {
                (Some(before), Some(after)) => parts.push(Part::Conditional {
                    slot,
                    before: before.to_string(),
                    after: after.to_string(),
                }),
                _ => parts.push(Part::Slot(slot)),
            }
            rest = &after[end + CLOSE.len_utf8()..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        SlotTemplate { parts }
    }

    /// Appends the filled document to `out`; values are HTML-escaped when `html`.
    pub fn fill_into(&self, values: &Values<'_>, html: bool, out: &mut String) {
        for part in &self.parts {
            let (slot, around) = match part {
                Part::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Part::Slot(slot) => (slot, None),
                Part::Conditional {
                    slot,
                    before,
                    after,
                } => (slot, Some((before, after))),
            };
            let value = match slot {
                Slot::Email => values.email,
                Slot::Name => values.name,
                Slot::UnsubscribeUrl => values.unsubscribe_url,
                Slot::Field(key) => values.fields.get(key).map(String::as_str).unwrap_or(""),
            };
            if let Some((before, _)) = around {
                if value.is_empty() {
                    continue;
                }
                out.push_str(before);
            }
            if html {
                super::push_escaped_markup(out, value);
            } else {
                out.push_str(value);
            }
            if let Some((_, after)) = around {
                out.push_str(after);
            }
        }
    }

    /// The filled document.
    pub fn fill(&self, values: &Values<'_>, html: bool) -> String {
        let mut out = String::with_capacity(self.len_hint());
        self.fill_into(values, html, &mut out);
        out
    }

    fn len_hint(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                Part::Slot(_) => 32,
                Part::Conditional { before, after, .. } => 32 + before.len() + after.len(),
            })
            .sum()
    }

    /// The template cut after every line break of its literal text, so each
    /// piece starts a line: the send stage encodes the pieces that hold no
    /// per-recipient value once per issue instead of once per reader.
    pub fn lines(&self) -> Vec<SlotTemplate> {
        let mut out = Vec::new();
        let mut current = Vec::new();
        for part in &self.parts {
            let Part::Text(text) = part else {
                current.push(part.clone());
                continue;
            };
            let mut rest = text.as_str();
            while let Some(i) = rest.find('\n') {
                current.push(Part::Text(rest[..=i].to_string()));
                out.push(SlotTemplate {
                    parts: std::mem::take(&mut current),
                });
                rest = &rest[i + 1..];
            }
            if !rest.is_empty() {
                current.push(Part::Text(rest.to_string()));
            }
        }
        if !current.is_empty() {
            out.push(SlotTemplate { parts: current });
        }
        out
    }

    /// The template cut at its slots: each piece is one literal text or one
    /// slot, in order, so a long line can be encoded around its values.
    pub fn pieces(&self) -> Vec<SlotTemplate> {
        self.parts
            .iter()
            .map(|part| SlotTemplate {
                parts: vec![part.clone()],
            })
            .collect()
    }

    /// The slots this template uses.
    pub fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.parts.iter().filter_map(|p| match p {
            Part::Slot(s) | Part::Conditional { slot: s, .. } => Some(s),
            Part::Text(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_slots_and_escapes_html_values() {
        let rendered = format!(
            "<p>Hi {}</p><a href=\"{}\">unsubscribe</a> {}",
            marker("name"),
            marker("unsubscribe_url"),
            marker("company")
        );
        let template = SlotTemplate::parse(&rendered);
        let mut fields = BTreeMap::new();
        fields.insert("company".to_string(), "A&B <Ltd>".to_string());
        let values = Values {
            email: "a@example.com",
            name: "Ada \"The\" Countess",
            unsubscribe_url: "https://x.example/u?t=1&e=2",
            fields: &fields,
        };
        assert_eq!(
            template.fill(&values, true),
            "<p>Hi Ada &quot;The&quot; Countess</p><a href=\"https://x.example/u?t=1&amp;e=2\">unsubscribe</a> A&amp;B &lt;Ltd&gt;"
        );
        assert!(template.fill(&values, false).contains("A&B <Ltd>"));
    }

    #[test]
    fn conditional_slot_shows_its_text_only_with_a_value() {
        let rendered = format!("Hello{},", conditional_marker("name", " ", ""));
        let template = SlotTemplate::parse(&rendered);
        let fields = BTreeMap::new();
        let mut values = Values {
            email: "a@example.com",
            name: "",
            unsubscribe_url: "",
            fields: &fields,
        };
        assert_eq!(template.fill(&values, true), "Hello,");
        values.name = "Ada";
        assert_eq!(template.fill(&values, true), "Hello Ada,");
        assert_eq!(marker_slot(&marker("name")), Some("name"));
        assert_eq!(marker_slot("name"), None);
    }

    #[test]
    fn lines_cut_after_each_line_break_and_fill_to_the_same_text() {
        let rendered = format!(
            "Hi {}\nplain line\n\nUnsubscribe: {}\nend",
            marker("name"),
            marker("unsubscribe_url")
        );
        let template = SlotTemplate::parse(&rendered);
        let lines = template.lines();
        let fields = BTreeMap::new();
        let values = Values {
            email: "a@example.com",
            name: "Ada",
            unsubscribe_url: "https://x.example/u",
            fields: &fields,
        };
        let pieces: Vec<String> = lines.iter().map(|l| l.fill(&values, false)).collect();
        assert_eq!(
            pieces,
            [
                "Hi Ada\n",
                "plain line\n",
                "\n",
                "Unsubscribe: https://x.example/u\n",
                "end"
            ]
        );
        assert_eq!(pieces.concat(), template.fill(&values, false));
        let with_slots: Vec<usize> = lines.iter().map(|l| l.slots().count()).collect();
        assert_eq!(with_slots, [1, 0, 0, 1, 0]);
    }

    #[test]
    fn text_without_markers_is_one_part() {
        let template = SlotTemplate::parse("plain");
        assert_eq!(template.slots().count(), 0);
        let fields = BTreeMap::new();
        let values = Values {
            email: "",
            name: "",
            unsubscribe_url: "",
            fields: &fields,
        };
        assert_eq!(template.fill(&values, true), "plain");
    }
}
