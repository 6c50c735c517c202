//! Per-recipient personalisation without re-rendering: the issue is rendered
//! once with a marker in every per-recipient place (`{{ subscriber.name }}`,
//! `{{ unsubscribe_url }}`, any subscriber column), split at the markers, and
//! each recipient's copy is a concatenation of literal parts and values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const OPEN: char = '\u{FFF9}';
const CLOSE: char = '\u{FFFB}';

/// The text a template sees for a per-recipient value during the one render.
pub fn marker(slot: &str) -> String {
    format!("{OPEN}{slot}{CLOSE}")
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
            let slot = match &after[..end] {
                "email" => Slot::Email,
                "name" => Slot::Name,
                "unsubscribe_url" => Slot::UnsubscribeUrl,
                other => Slot::Field(other.to_string()),
            };
            parts.push(Part::Slot(slot));
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
            let value = match part {
                Part::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Part::Slot(Slot::Email) => values.email,
                Part::Slot(Slot::Name) => values.name,
                Part::Slot(Slot::UnsubscribeUrl) => values.unsubscribe_url,
                Part::Slot(Slot::Field(key)) => {
                    values.fields.get(key).map(String::as_str).unwrap_or("")
                }
            };
            if html {
                push_escaped(out, value);
            } else {
                out.push_str(value);
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
            })
            .sum()
    }

    /// The slots this template uses.
    pub fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.parts.iter().filter_map(|p| match p {
            Part::Slot(s) => Some(s),
            Part::Text(_) => None,
        })
    }
}

fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
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
