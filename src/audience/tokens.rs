//! Signed tokens in the links readers follow. A token names its purpose in
//! the signed payload, so an unsubscribe token can never confirm a
//! subscription and a confirmation token can never unsubscribe anyone; a
//! confirmation token also carries when it was issued and expires.
//!
//! Forms: `u1.<hex address>.<hex tag>` (unsubscribe),
//! `c1.<hex address>.<issued unix seconds>.<hex tag>` (confirm), where the
//! tag is the first 16 bytes of HMAC-SHA256 over `purpose \n address [\n issued]`.
//! Tags are compared in constant time. Unsubscribe tokens in issues sent
//! before purposes existed (`<hex address>.<hex tag>`, HMAC over the bare
//! address) still unsubscribe, and only unsubscribe.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const TAG_BYTES: usize = 16;
const UNSUBSCRIBE: &str = "u1";
const CONFIRM: &str = "c1";

/// Why a token was refused (all of them answer 4xx and change nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of this kind, truncated, or signed with another secret.
    Invalid,
    /// A genuine confirmation token past its lifetime.
    Expired,
}

fn tag(secret: &[u8], parts: &[&[u8]]) -> [u8; TAG_BYTES] {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(b"\n");
        }
        mac.update(part);
    }
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_BYTES];
    out.copy_from_slice(&full[..TAG_BYTES]);
    out
}

fn tag_matches(expected: &[u8; TAG_BYTES], given_hex: &str) -> bool {
    match hex::decode(given_hex) {
        Ok(given) if given.len() == TAG_BYTES => bool::from(expected.ct_eq(&given[..])),
        _ => false,
    }
}

/// A signed address must be one the store could hold: no separators or
/// control characters, so no payload of one purpose reads as another's.
fn decode_address(addr_hex: &str) -> Option<String> {
    let address = String::from_utf8(hex::decode(addr_hex).ok()?).ok()?;
    let plausible = !address.is_empty()
        && address.len() <= 320
        && address.contains('@')
        && !address.chars().any(|c| c.is_control() || c.is_whitespace());
    plausible.then_some(address)
}

/// The unsubscribe token for `address` (lower-cased inside).
pub fn unsubscribe_token(secret: &[u8], address: &str) -> String {
    let key = address.trim().to_lowercase();
    let tag = tag(secret, &[UNSUBSCRIBE.as_bytes(), key.as_bytes()]);
    format!(
        "{UNSUBSCRIBE}.{}.{}",
        hex::encode(key.as_bytes()),
        hex::encode(tag)
    )
}

/// The address an unsubscribe token was issued for (lower-cased).
pub fn verify_unsubscribe(secret: &[u8], token: &str) -> Result<String, TokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.as_slice() {
        [UNSUBSCRIBE, addr_hex, tag_hex] => {
            let address = decode_address(addr_hex).ok_or(TokenError::Invalid)?;
            let expected = tag(secret, &[UNSUBSCRIBE.as_bytes(), address.as_bytes()]);
            if tag_matches(&expected, tag_hex) {
                Ok(address)
            } else {
                Err(TokenError::Invalid)
            }
        }
        // Issued before tokens named their purpose.
        [addr_hex, tag_hex] => {
            let address = decode_address(addr_hex).ok_or(TokenError::Invalid)?;
            let expected = tag(secret, &[address.as_bytes()]);
            if tag_matches(&expected, tag_hex) {
                Ok(address)
            } else {
                Err(TokenError::Invalid)
            }
        }
        _ => Err(TokenError::Invalid),
    }
}

/// The confirmation token for `address`, issued at `issued` (Unix seconds).
pub fn confirm_token(secret: &[u8], address: &str, issued: i64) -> String {
    let key = address.trim().to_lowercase();
    let issued = issued.to_string();
    let tag = tag(
        secret,
        &[CONFIRM.as_bytes(), key.as_bytes(), issued.as_bytes()],
    );
    format!(
        "{CONFIRM}.{}.{issued}.{}",
        hex::encode(key.as_bytes()),
        hex::encode(tag)
    )
}

/// A genuine confirmation token's address and issue time, if it was issued
/// at most `lifetime_secs` before `now` (and not in the future).
pub fn verify_confirm(
    secret: &[u8],
    token: &str,
    now: i64,
    lifetime_secs: i64,
) -> Result<(String, i64), TokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [CONFIRM, addr_hex, issued_text, tag_hex] = parts.as_slice() else {
        return Err(TokenError::Invalid);
    };
    let address = decode_address(addr_hex).ok_or(TokenError::Invalid)?;
    let issued: i64 = issued_text.parse().map_err(|_| TokenError::Invalid)?;
    if issued.to_string() != *issued_text {
        return Err(TokenError::Invalid);
    }
    let expected = tag(
        secret,
        &[
            CONFIRM.as_bytes(),
            address.as_bytes(),
            issued_text.as_bytes(),
        ],
    );
    if !tag_matches(&expected, tag_hex) {
        return Err(TokenError::Invalid);
    }
    // A little slack for clocks; a token from further ahead was not ours.
    if issued > now + 300 || now.saturating_sub(issued) > lifetime_secs {
        return Err(TokenError::Expired);
    }
    Ok((address, issued))
}

/// `ann@example.com` -> `a***@example.com`: enough to tell readers apart in
/// a log, not enough to collect addresses from it.
pub fn mask_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn unsubscribe_tokens_verify_and_resist_tampering() {
        let token = unsubscribe_token(b"s3cret", "Ada@Example.com");
        assert_eq!(
            verify_unsubscribe(b"s3cret", &token).as_deref(),
            Ok("ada@example.com")
        );
        assert_eq!(
            verify_unsubscribe(b"other", &token),
            Err(TokenError::Invalid)
        );
        let truncated = &token[..token.len() - 2];
        assert_eq!(
            verify_unsubscribe(b"s3cret", truncated),
            Err(TokenError::Invalid)
        );
        let tag = token.rsplit('.').next().unwrap();
        let forged = format!("u1.{}.{tag}", hex::encode("eve@example.com"));
        assert_eq!(
            verify_unsubscribe(b"s3cret", &forged),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tokens_sent_before_purposes_still_unsubscribe() {
        let mut mac = HmacSha256::new_from_slice(b"s3cret").unwrap();
        mac.update(b"ada@example.com");
        let full = mac.finalize().into_bytes();
        let legacy = format!(
            "{}.{}",
            hex::encode("ada@example.com"),
            hex::encode(&full[..16])
        );
        assert_eq!(
            verify_unsubscribe(b"s3cret", &legacy).as_deref(),
            Ok("ada@example.com")
        );
        assert!(verify_confirm(b"s3cret", &legacy, 0, DAY).is_err());
    }

    #[test]
    fn a_token_serves_only_its_own_purpose() {
        let now = 1_800_000_000;
        let confirm = confirm_token(b"k", "ann@example.com", now);
        let unsubscribe = unsubscribe_token(b"k", "ann@example.com");
        assert_eq!(verify_unsubscribe(b"k", &confirm), Err(TokenError::Invalid));
        assert_eq!(
            verify_confirm(b"k", &unsubscribe, now, 7 * DAY),
            Err(TokenError::Invalid)
        );
        // Relabelled: the purpose is inside the signature.
        let relabelled = unsubscribe.replacen("u1.", "c1.", 1);
        assert!(verify_confirm(b"k", &relabelled, now, 7 * DAY).is_err());
        assert_eq!(
            verify_confirm(b"k", &confirm, now + DAY, 7 * DAY),
            Ok(("ann@example.com".to_string(), now))
        );
    }

    #[test]
    fn confirmation_tokens_expire() {
        let issued = 1_800_000_000;
        let token = confirm_token(b"k", "ann@example.com", issued);
        assert_eq!(
            verify_confirm(b"k", &token, issued + 8 * DAY, 7 * DAY),
            Err(TokenError::Expired)
        );
        let later = token.replacen(
            &format!(".{issued}."),
            &format!(".{}.", issued + 5 * DAY),
            1,
        );
        assert_eq!(
            verify_confirm(b"k", &later, issued + 8 * DAY, 7 * DAY),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify_confirm(b"other", &token, issued, 7 * DAY),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn masked_addresses_keep_only_the_first_letter() {
        assert_eq!(mask_address("ann@example.com"), "a***@example.com");
        assert_eq!(mask_address("nonsense"), "***");
    }
}
