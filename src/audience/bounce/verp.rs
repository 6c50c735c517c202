//! VERP: a per-reader envelope sender, so that a bounce names the reader
//! even when the report itself does not (a forwarded address, a redacted
//! complaint). `[delivery] return_path = "bounces+{token}@example.com"`;
//! the token is the reader's address (`local=domain`, the classic VERP
//! form) and a truncated HMAC over it, so nobody can forge a bounce for
//! another reader by writing to a made-up address.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Hex digits of the tag: 48 bits, plenty against guessing by mail.
const TAG_HEX: usize = 12;

fn tag(secret: &[u8], address: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(b"verp:");
    mac.update(address.as_bytes());
    let full = hex::encode(mac.finalize().into_bytes());
    full[..TAG_HEX].to_string()
}

/// The token for `address`, or None when the address cannot be carried in
/// a local part (quoted or unusual characters): such readers get the plain
/// return path and are matched by Message-ID or address instead.
pub fn token(secret: &[u8], address: &str) -> Option<String> {
    let key = address.trim().to_lowercase();
    let (local, domain) = key.rsplit_once('@')?;
    let plain = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b) || extra.contains(&b))
    };
    if !plain(local, b"+") || !plain(domain, b"") {
        return None;
    }
    Some(format!("{local}={domain}.{}", tag(secret, &key)))
}

/// The reader a token names, if the tag is genuine (constant-time compare).
pub fn verify(secret: &[u8], token: &str) -> Option<String> {
    let token = token.to_lowercase();
    let (body, given) = token.rsplit_once('.')?;
    let (local, domain) = body.rsplit_once('=')?;
    let address = format!("{local}@{domain}");
    let expected = tag(secret, &address);
    use subtle::ConstantTimeEq;
    (expected.as_bytes().ct_eq(given.as_bytes()).unwrap_u8() == 1).then_some(address)
}

/// A configured `return_path` pattern, split around `{token}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath {
    prefix: String,
    suffix: String,
}

impl ReturnPath {
    /// None when the pattern has no `{token}` (then it is one fixed address).
    pub fn parse(pattern: &str) -> Option<ReturnPath> {
        let (prefix, suffix) = pattern.trim().split_once("{token}")?;
        Some(ReturnPath {
            prefix: prefix.to_lowercase(),
            suffix: suffix.to_lowercase(),
        })
    }

    /// The envelope sender for one reader.
    pub fn for_reader(&self, secret: &[u8], address: &str) -> Option<String> {
        token(secret, address).map(|t| format!("{}{t}{}", self.prefix, self.suffix))
    }

    /// The reader named by any of `addresses` (where a report was delivered).
    pub fn reader_in(&self, secret: &[u8], addresses: &[String]) -> Option<String> {
        addresses.iter().find_map(|a| {
            let a = a.trim().to_lowercase();
            let middle = a.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
            verify(secret, middle)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_reader_and_resists_forgery() {
        let rp = ReturnPath::parse("bounces+{token}@example.com").unwrap();
        let sender = rp
            .for_reader(b"k", "Ann.Lee+news@Mail.Example.org")
            .unwrap();
        assert!(
            sender.starts_with("bounces+ann.lee+news=mail.example.org."),
            "{sender}"
        );
        assert!(sender.ends_with("@example.com"));
        assert_eq!(
            rp.reader_in(b"k", &["x@y.org".into(), sender.to_uppercase()]),
            Some("ann.lee+news@mail.example.org".into())
        );
        assert_eq!(rp.reader_in(b"other", std::slice::from_ref(&sender)), None);
        let forged = sender.replace("ann.lee", "bob");
        assert_eq!(rp.reader_in(b"k", &[forged]), None);
        assert_eq!(verify(b"k", "nodot"), None);
        assert_eq!(token(b"k", "\"odd person\"@example.org"), None);
    }
}
