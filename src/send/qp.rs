//! A text or HTML part as quoted-printable, encoded once per issue where it
//! is the same for every reader. Quoted-printable restarts at every hard line
//! break, so the template is cut into lines ([`SlotTemplate::lines`]): a line
//! without a per-reader value is encoded once, a line with one is filled and
//! encoded per reader. The result is byte for byte what encoding the whole
//! filled document would give (the tests check it), at a fraction of the cost
//! for a 40 KB issue whose values sit on two or three of its lines.

use crate::render::personalize::{SlotTemplate, Values};

/// One line (or run of lines) of the encoded part.
enum Line {
    /// Encoded once: no per-reader value.
    Fixed(Vec<u8>),
    /// Filled and encoded for each reader.
    PerReader(SlotTemplate),
}

/// A part's quoted-printable encoding, ready to be completed per reader.
pub struct EncodedPart {
    lines: Vec<Line>,
    html: bool,
    /// Length of the fixed lines, for the buffer's capacity.
    fixed_len: usize,
}

impl EncodedPart {
    /// Pre-encodes the lines of `template` that hold no per-reader value.
    /// `html` escapes the values filled in (as [`SlotTemplate::fill`] does).
    pub fn new(template: &SlotTemplate, html: bool) -> EncodedPart {
        let no_values = std::collections::BTreeMap::new();
        let empty = Values {
            email: "",
            name: "",
            unsubscribe_url: "",
            fields: &no_values,
        };
        let mut fixed_len = 0;
        let lines = template
            .lines()
            .into_iter()
            .map(|line| {
                if line.slots().next().is_some() {
                    Line::PerReader(line)
                } else {
                    let mut out = Vec::new();
                    encode_text(&line.fill(&empty, html), &mut out);
                    fixed_len += out.len();
                    Line::Fixed(out)
                }
            })
            .collect();
        EncodedPart {
            lines,
            html,
            fixed_len,
        }
    }

    /// The reader's part, quoted-printable encoded, with CRLF line ends.
    pub fn encode(&self, values: &Values<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.fixed_len + 512);
        let mut filled = String::new();
        for line in &self.lines {
            match line {
                Line::Fixed(bytes) => out.extend_from_slice(bytes),
                Line::PerReader(template) => {
                    filled.clear();
                    template.fill_into(values, self.html, &mut filled);
                    encode_text(&filled, &mut out);
                }
            }
        }
        out
    }
}

/// Appends `text` with its line ends made CRLF, quoted-printable encoded
/// (text mode: CRLF pairs stay hard line breaks).
fn encode_text(text: &str, out: &mut Vec<u8>) {
    let mut crlf = String::with_capacity(text.len() + 2);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            crlf.push('\r');
        }
        crlf.push(c);
        previous = c;
    }
    out.extend_from_slice(&quoted_printable::encode(crlf.as_bytes()));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::render::personalize::{conditional_marker, marker};

    /// What lettre makes of the whole filled document (as before this module).
    fn whole(text: &str) -> Vec<u8> {
        let body = lettre::message::Body::new(text.to_string());
        assert_eq!(
            body.encoding(),
            lettre::message::header::ContentTransferEncoding::QuotedPrintable
        );
        body.into_vec()
    }

    #[test]
    fn line_by_line_equals_encoding_the_whole_filled_document() {
        let long = "x".repeat(180);
        let rendered = format!(
            "Hello{}\n{long} tail\nPrice: \u{a3}412 = \u{20ac}3.1bn   \n.leading dot\n\
             <a href=\"{}\">Unsubscribe</a> {}{long}\r\n{} ends without a newline",
            conditional_marker("name", " ", ","),
            marker("unsubscribe_url"),
            marker("company"),
            marker("email"),
        );
        let template = SlotTemplate::parse(&rendered);
        let mut fields = BTreeMap::new();
        fields.insert("company".to_string(), "Caf\u{e9} & Co\nLtd".to_string());
        for (name, html) in [("Ada", true), ("", false), ("Zo\u{eb} = \"Z\"", true)] {
            let values = Values {
                email: "ada@example.com",
                name,
                unsubscribe_url: "https://news.example.com/u?token=abc.def&x=1",
                fields: &fields,
            };
            let part = EncodedPart::new(&template, html);
            assert_eq!(
                String::from_utf8(part.encode(&values)).unwrap(),
                String::from_utf8(whole(&template.fill(&values, html))).unwrap(),
                "name {name:?}, html {html}"
            );
        }
    }

    #[test]
    fn fixed_lines_are_encoded_once() {
        let rendered = format!("one\ntwo {}\nthree\n", marker("name"));
        let part = EncodedPart::new(&SlotTemplate::parse(&rendered), false);
        let kinds: Vec<bool> = part
            .lines
            .iter()
            .map(|l| matches!(l, Line::Fixed(_)))
            .collect();
        assert_eq!(kinds, [true, false, true]);
    }
}
