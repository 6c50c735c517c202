//! Small text helpers for reports: enhanced status codes, addresses in free
//! text, folding whitespace.

/// The first enhanced status code (`5.1.1`, RFC 3463) in `text`, skipping
/// digits that are part of a longer dotted number such as an IP address.
pub fn enhanced_status(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let boundary_before = i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.');
        if matches!(c, b'2' | b'4' | b'5') && boundary_before {
            if let Some(end) = dotted_code_end(bytes, i) {
                return Some(text[i..end].to_string());
            }
        }
        i += 1;
    }
    None
}

/// The end of `c.ddd.ddd` starting at `start`, if it is one and is not
/// followed by another `.digit` (which would make it part of an IP address).
fn dotted_code_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    for _ in 0..2 {
        if bytes.get(i) != Some(&b'.') {
            return None;
        }
        i += 1;
        let digits_from = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() && i - digits_from < 3 {
            i += 1;
        }
        if i == digits_from {
            return None;
        }
    }
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(i)
}

/// The first basic SMTP reply code (`550`) that starts a word in `text`.
pub fn reply_code(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    for i in 0..bytes.len().saturating_sub(2) {
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.';
        if word_start
            && matches!(bytes[i], b'4' | b'5')
            && bytes[i + 1].is_ascii_digit()
            && bytes[i + 2].is_ascii_digit()
            && bytes
                .get(i + 3)
                .is_none_or(|b| matches!(b, b' ' | b'-' | b'\t' | b'\r' | b'\n' | b':' | b')'))
        {
            return std::str::from_utf8(&bytes[i..i + 3]).ok()?.parse().ok();
        }
    }
    None
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c)
}

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'.'
}

/// Email addresses in free text, in order of appearance, as written.
pub fn addresses(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'@', &bytes[from..]) {
        let at = from + at;
        from = at + 1;
        let mut start = at;
        while start > 0 && is_local_char(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && is_domain_char(bytes[end]) {
            end += 1;
        }
        // Trim dots at the edges: "to: ann@example.com." ends a sentence.
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        if start == at || !domain.contains('.') || domain.starts_with('.') {
            continue;
        }
        let tld = domain.rsplit('.').next().unwrap_or("");
        if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        found.push(text[start..end].to_string());
        from = end.max(at + 1);
    }
    found
}

/// Whitespace folded to single spaces, cut to about `limit` bytes on a char boundary.
pub fn fold(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit + 4));
    for word in text.split_whitespace() {
        if out.len() >= limit {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.len() > limit {
        let mut cut = limit;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// Text of an HTML part with the tags dropped (enough to read a notice).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_not_taken_from_ip_addresses() {
        assert_eq!(
            enhanced_status("host 10.5.1.1 said 550 5.7.1 no"),
            Some("5.7.1".into())
        );
        assert_eq!(enhanced_status("(#5.4.4)"), Some("5.4.4".into()));
        assert_eq!(enhanced_status("192.0.2.153 did not"), None);
        assert_eq!(enhanced_status("5.1.10 RESOLVER"), Some("5.1.10".into()));
    }

    #[test]
    fn reply_codes_start_words() {
        assert_eq!(reply_code("host said: 550-5.1.1 no"), Some(550));
        assert_eq!(reply_code("id 4550 then 421 bye"), Some(421));
        assert_eq!(reply_code("nothing"), None);
    }

    #[test]
    fn addresses_are_found_in_prose() {
        assert_eq!(
            addresses("to <ann@example.com>: and bo.b+x@mail.example.org. Done; not a@b or x@1.2"),
            vec!["ann@example.com", "bo.b+x@mail.example.org"]
        );
    }

    #[test]
    fn folding_cuts_on_a_char_boundary() {
        assert_eq!(fold("  a \n b  ", 10), "a b");
        assert!(fold("ééééé", 3).len() <= 3);
    }
}
