//! A text or HTML part as quoted-printable, encoded once per issue where it
//! is the same for every reader. Quoted-printable restarts at every hard line
//! break, so the template is cut into lines ([`SlotTemplate::lines`]): a line
//! without a per-reader value is encoded once, byte for byte as encoding the
//! whole document would give. A line with values is cut again around each
//! value, and every cut ends with a soft line break (`=` CRLF), so the text
//! between values is encoded once too and only the values per reader. That
//! matters for minified HTML, which is one line of 15 KB or more with the
//! reader's address and unsubscribe link inside it. The decoded text is the
//! same as the whole document's (the tests check it); only where the soft
//! breaks fall differs.

use crate::render::personalize::{SlotTemplate, Values};

/// RFC 2045's limit on an encoded line, without the CRLF.
const LINE_LIMIT: usize = 76;

/// One piece of the encoded part.
enum Piece {
    /// Encoded once: no per-reader value.
    Fixed(Vec<u8>),
    /// Filled and encoded for each reader; `then_break` ends it with a soft
    /// line break, so the fixed text after it starts a fresh line.
    PerReader {
        template: SlotTemplate,
        then_break: bool,
    },
}

/// A part's quoted-printable encoding, ready to be completed per reader.
pub struct EncodedPart {
    pieces: Vec<Piece>,
    html: bool,
    /// Length of the fixed pieces, for the buffer's capacity.
    fixed_len: usize,
}

impl EncodedPart {
    /// Pre-encodes everything in `template` that holds no per-reader value.
    /// `html` escapes the values filled in (as [`SlotTemplate::fill`] does).
    pub fn new(template: &SlotTemplate, html: bool) -> EncodedPart {
        let no_values = std::collections::BTreeMap::new();
        let empty = Values {
            email: "",
            name: "",
            unsubscribe_url: "",
            fields: &no_values,
        };
        let mut pieces = Vec::new();
        for line in template.lines() {
            if line.slots().next().is_none() {
                let mut out = Vec::new();
                encode_text(&line.fill(&empty, html), false, &mut out);
                pieces.push(Piece::Fixed(out));
                continue;
            }
            let cut = line.pieces();
            let last = cut.len() - 1;
            for (i, piece) in cut.into_iter().enumerate() {
                let then_break = i != last;
                if piece.slots().next().is_some() {
                    pieces.push(Piece::PerReader {
                        template: piece,
                        then_break,
                    });
                } else {
                    let mut out = Vec::new();
                    encode_text(&piece.fill(&empty, html), then_break, &mut out);
                    pieces.push(Piece::Fixed(out));
                }
            }
        }
        let fixed_len = pieces
            .iter()
            .map(|p| match p {
                Piece::Fixed(bytes) => bytes.len(),
                Piece::PerReader { .. } => 0,
            })
            .sum();
        EncodedPart {
            pieces,
            html,
            fixed_len,
        }
    }

    /// The reader's part, quoted-printable encoded, with CRLF line ends.
    pub fn encode(&self, values: &Values<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.fixed_len + 512);
        let mut filled = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Fixed(bytes) => out.extend_from_slice(bytes),
                Piece::PerReader {
                    template,
                    then_break,
                } => {
                    filled.clear();
                    template.fill_into(values, self.html, &mut filled);
                    encode_text(&filled, *then_break, &mut out);
                }
            }
        }
        out
    }
}

/// Appends `text` with its line ends made CRLF, quoted-printable encoded
/// (text mode: CRLF pairs stay hard line breaks). With `then_break` (text
/// that a line goes on after), its last line is kept one short of the limit
/// and ends in a soft line break; empty text adds nothing.
fn encode_text(text: &str, then_break: bool, out: &mut Vec<u8>) {
    if text.is_empty() {
        return;
    }
    let mut crlf = String::with_capacity(text.len() + 2);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            crlf.push('\r');
        }
        crlf.push(c);
        previous = c;
    }
    let limit = if then_break {
        LINE_LIMIT - 1
    } else {
        LINE_LIMIT
    };
    let options = quoted_printable::Options::default().line_length_limit(limit);
    out.extend_from_slice(
        quoted_printable::encode_with_options(crlf.as_bytes(), options).as_bytes(),
    );
    if then_break {
        out.extend_from_slice(b"=\r\n");
    }
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

    /// The text a reader's mail program shows: the encoding undone.
    fn decoded(encoded: &[u8]) -> String {
        let bytes = quoted_printable::decode(encoded, quoted_printable::ParseMode::Strict).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn assert_lines_within_limit(encoded: &[u8]) {
        for line in String::from_utf8_lossy(encoded).split("\r\n") {
            assert!(line.len() <= LINE_LIMIT, "{} bytes: {line:?}", line.len());
        }
    }

    #[test]
    fn decodes_to_the_whole_filled_document() {
        let long = "x".repeat(180);
        let rendered = format!(
            "Hello{}\n{long} tail\nPrice: \u{a3}412 = \u{20ac}3.1bn   \n.leading dot\n\
             <a href=\"{}\">Unsubscribe</a> {}{long}\r\n{} ends without a newline\n\
             {long}{}{}  \n{}",
            conditional_marker("name", " ", ","),
            marker("unsubscribe_url"),
            marker("company"),
            marker("email"),
            marker("name"),
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
            let ours = EncodedPart::new(&template, html).encode(&values);
            let theirs = whole(&template.fill(&values, html));
            assert_eq!(
                decoded(&ours),
                decoded(&theirs),
                "name {name:?}, html {html}"
            );
            assert_lines_within_limit(&ours);
        }
    }

    #[test]
    fn lines_without_values_are_encoded_as_the_whole_document_would_be() {
        let long = "y = z ".repeat(40);
        let rendered = format!("{long}\nHi {}\n{long}\n", marker("name"));
        let template = SlotTemplate::parse(&rendered);
        let no_fields = BTreeMap::new();
        let values = Values {
            email: "a@example.com",
            name: "Ada",
            unsubscribe_url: "",
            fields: &no_fields,
        };
        let ours = String::from_utf8(EncodedPart::new(&template, false).encode(&values)).unwrap();
        let alone = String::from_utf8(whole(&format!("{long}\n"))).unwrap();
        assert!(ours.starts_with(&alone), "{ours}");
        assert!(ours.ends_with(&alone), "{ours}");
        assert!(ours.contains("\r\nHi=20=\r\nAda=\r\n\r\n"), "{ours}");
    }

    #[test]
    fn every_cut_of_a_long_line_keeps_within_the_limit() {
        // Text that fills the line to each possible column before a value,
        // with characters that encode to three bytes at the cut.
        let no_fields = BTreeMap::new();
        for fill in 60..80 {
            for tail in ["", " ", "=", "\u{e9}", "\t"] {
                let before = format!("{}{tail}", "a".repeat(fill));
                let rendered = format!("{before}{}{before}{}\n", marker("email"), marker("name"));
                let template = SlotTemplate::parse(&rendered);
                let values = Values {
                    email: "reader@example.com",
                    name: &"n".repeat(fill),
                    unsubscribe_url: "",
                    fields: &no_fields,
                };
                let ours = EncodedPart::new(&template, false).encode(&values);
                assert_lines_within_limit(&ours);
                assert_eq!(
                    decoded(&ours),
                    template.fill(&values, false).replace('\n', "\r\n")
                );
            }
        }
    }

    #[test]
    fn only_the_values_are_encoded_per_reader() {
        let rendered = format!(
            "one\n<p>{}</p><a href=\"{}\">x</a>\nthree\n",
            "s".repeat(20_000),
            marker("unsubscribe_url")
        );
        let part = EncodedPart::new(&SlotTemplate::parse(&rendered), true);
        let kinds: Vec<&str> = part
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Fixed(_) => "fixed",
                Piece::PerReader { .. } => "reader",
            })
            .collect();
        assert_eq!(kinds, ["fixed", "fixed", "reader", "fixed", "fixed"]);
    }
}
