//! The message data as it goes on the wire after DATA: dot-stuffed (a line
//! starting with "." gets a second one) and closed with CRLF "." CRLF, handed
//! to lettre as one command so the whole message leaves in one write.
//! lettre's own `message` copies the data byte by byte and then writes and
//! flushes the terminator separately; at 50-200 KB a message that showed.

use std::fmt;

/// A message ready for the wire.
pub struct DataPayload(String);

impl DataPayload {
    /// The dot-stuffed, terminated data, or `None` when `message` is not
    /// UTF-8 (the caller then uses lettre's byte-wise path).
    pub fn new(message: &[u8]) -> Option<DataPayload> {
        let text = std::str::from_utf8(message).ok()?;
        let mut out = String::with_capacity(text.len() + 8);
        // The data starts a line, as every CRLF does (lettre's rule: a bare LF does not).
        if text.starts_with('.') {
            out.push('.');
        }
        // Lines starting with a dot are rare: copy the long runs between them whole.
        let mut copied = 0;
        for at in memchr::memmem::find_iter(text.as_bytes(), b"\r\n.") {
            out.push_str(&text[copied..at + 2]);
            out.push('.');
            copied = at + 2;
        }
        out.push_str(&text[copied..]);
        out.push_str("\r\n.\r\n");
        Some(DataPayload(out))
    }
}

impl fmt::Display for DataPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(message: &str) -> String {
        DataPayload::new(message.as_bytes()).unwrap().to_string()
    }

    #[test]
    fn lines_starting_with_a_dot_are_doubled_and_the_data_is_terminated() {
        assert_eq!(wire("a\r\nb\r\n"), "a\r\nb\r\n\r\n.\r\n");
        assert_eq!(
            wire(".x\r\n..y\r\nz.\r\n."),
            "..x\r\n...y\r\nz.\r\n..\r\n.\r\n"
        );
        // Only CRLF starts a line (as in lettre): a bare LF or CR does not.
        assert_eq!(wire("a\n.b\r.c"), "a\n.b\r.c\r\n.\r\n");
        assert_eq!(wire("a\r\r\n.b"), "a\r\r\n..b\r\n.\r\n");
        assert_eq!(wire(""), "\r\n.\r\n");
    }

    /// lettre's byte-wise rule, written out: a "." right after CRLF (or at
    /// the start) is doubled.
    fn reference(message: &str) -> String {
        let mut out = String::new();
        let (mut line_start, mut after_cr) = (true, false);
        for c in message.chars() {
            if c == '.' && line_start {
                out.push('.');
            }
            out.push(c);
            line_start = c == '\n' && after_cr;
            after_cr = c == '\r';
        }
        out + "\r\n.\r\n"
    }

    #[test]
    fn matches_the_byte_wise_rule_on_every_short_mix() {
        let alphabet = ['\r', '\n', '.', 'a'];
        for n in 0..=6u32 {
            for code in 0..4usize.pow(n) {
                let text: String = (0..n).map(|i| alphabet[code / 4usize.pow(i) % 4]).collect();
                assert_eq!(wire(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn non_utf8_data_is_left_to_lettre() {
        assert!(DataPayload::new(&[b'a', 0xff, b'\r', b'\n']).is_none());
    }
}
