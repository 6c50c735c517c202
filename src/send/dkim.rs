//! DKIM keys as people have them: RSA in PKCS#1 (`openssl genrsa
//! -traditional`) or PKCS#8 PEM (what `openssl genrsa` writes since OpenSSL
//! 3), Ed25519 as PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) or a raw
//! base64 seed. Each becomes the signing key lettre wants, and the DNS TXT
//! record that publishes its public half.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, PrivateKeyInfo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;

use crate::config::DkimConfig;

/// Ed25519's object identifier (RFC 8410), as it appears in PKCS#8.
const ED25519_OID: &str = "1.3.101.112";

/// A usable DKIM private key.
pub struct DkimKey {
    pub algorithm: DkimSigningAlgorithm,
    /// What the file held, for `check` ("RSA 2048-bit, PKCS#8 PEM").
    pub kind: String,
    signing: SigningMaterial,
    /// `p=` of the TXT record: base64 SubjectPublicKeyInfo (RSA) or the raw
    /// 32-byte public key (Ed25519, RFC 8463).
    pub public_base64: String,
}

enum SigningMaterial {
    /// PKCS#1 PEM, the form lettre reads.
    RsaPkcs1Pem(String),
    /// The 32-byte seed.
    Ed25519Seed([u8; 32]),
}

impl DkimKey {
    /// The key in the form lettre signs with.
    pub fn signing_key(&self) -> Result<DkimSigningKey, String> {
        match &self.signing {
            SigningMaterial::RsaPkcs1Pem(pem) => {
                DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
            }
            SigningMaterial::Ed25519Seed(seed) => {
                DkimSigningKey::new(&BASE64.encode(seed), DkimSigningAlgorithm::Ed25519)
            }
        }
        .map_err(|e| format!("{e:?}"))
    }

    /// `k=` of the TXT record.
    pub fn k(&self) -> &'static str {
        match self.algorithm {
            DkimSigningAlgorithm::Rsa => "rsa",
            DkimSigningAlgorithm::Ed25519 => "ed25519",
        }
    }

    /// The TXT record's value: `v=DKIM1; k=…; p=…`.
    pub fn txt_value(&self) -> String {
        format!("v=DKIM1; k={}; p={}", self.k(), self.public_base64)
    }
}

/// `<selector>._domainkey.<domain>`, where the TXT record goes.
pub fn record_name(config: &DkimConfig) -> String {
    format!("{}._domainkey.{}", config.selector, config.domain)
}

/// The record as a zone-file line: DNS strings hold at most 255 bytes, so a
/// long RSA key is split into several quoted strings that resolvers join.
pub fn zone_line(config: &DkimConfig, key: &DkimKey) -> String {
    let value = key.txt_value();
    let chunks: Vec<String> = value
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect();
    format!("{}. IN TXT ( {} )", record_name(config), chunks.join(" "))
}

fn ed25519(seed: [u8; 32], kind: &str) -> DkimKey {
    let public = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    DkimKey {
        algorithm: DkimSigningAlgorithm::Ed25519,
        kind: kind.to_string(),
        signing: SigningMaterial::Ed25519Seed(seed),
        public_base64: BASE64.encode(public),
    }
}

fn rsa_key(key: rsa::RsaPrivateKey, form: &str) -> Result<DkimKey, String> {
    use rsa::traits::PublicKeyParts;
    let public = rsa::RsaPublicKey::from(&key);
    let bits = public.n().bits();
    if bits < 1024 {
        return Err(format!(
            "the RSA key has only {bits} bits; receivers ignore DKIM keys under 1024 bits (use 2048)"
        ));
    }
    let spki = public
        .to_public_key_der()
        .map_err(|e| format!("cannot encode the public key: {e}"))?;
    let pem = key
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .map_err(|e| format!("cannot re-encode the key: {e}"))?;
    Ok(DkimKey {
        algorithm: DkimSigningAlgorithm::Rsa,
        kind: format!("RSA {bits}-bit, {form}"),
        signing: SigningMaterial::RsaPkcs1Pem(pem.to_string()),
        public_base64: BASE64.encode(spki.as_bytes()),
    })
}

/// Reads a key from its text; the message says what is wrong and what to use.
pub fn parse_key(text: &str) -> Result<DkimKey, String> {
    let trimmed = text.trim();
    if trimmed.contains("-----BEGIN") {
        if trimmed.contains("ENCRYPTED PRIVATE KEY") || trimmed.contains("Proc-Type: 4,ENCRYPTED") {
            return Err("the key is protected by a passphrase, which an unattended send cannot type; \
                        write an unencrypted copy readable only by the sender (`openssl pkey -in KEY -out dkim.pem`)"
                .into());
        }
        let der = PrivateKeyDer::from_pem_slice(trimmed.as_bytes()).map_err(|e| {
            format!("no private key found in the PEM ({e:?}); expected \"BEGIN PRIVATE KEY\" or \"BEGIN RSA PRIVATE KEY\"")
        })?;
        return match der {
            PrivateKeyDer::Pkcs1(k) => {
                let key = rsa::RsaPrivateKey::from_pkcs1_der(k.secret_pkcs1_der())
                    .map_err(|e| format!("not a valid PKCS#1 RSA key: {e}"))?;
                rsa_key(key, "PKCS#1 PEM")
            }
            PrivateKeyDer::Pkcs8(k) => {
                let der = k.secret_pkcs8_der();
                let info = PrivateKeyInfo::try_from(der)
                    .map_err(|e| format!("not a valid PKCS#8 key: {e}"))?;
                let oid = info.algorithm.oid.to_string();
                if oid == ED25519_OID {
                    // The private key is an OCTET STRING holding the 32-byte seed.
                    match info.private_key {
                        [0x04, 0x20, seed @ ..] if seed.len() == 32 => {
                            let mut s = [0u8; 32];
                            s.copy_from_slice(seed);
                            Ok(ed25519(s, "Ed25519, PKCS#8 PEM"))
                        }
                        _ => Err("the Ed25519 key in the PKCS#8 PEM is malformed".into()),
                    }
                } else {
                    let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|_| {
                        format!(
                            "the PKCS#8 key is neither RSA nor Ed25519 (algorithm {oid}); DKIM signs with RSA or Ed25519 keys"
                        )
                    })?;
                    rsa_key(key, "PKCS#8 PEM")
                }
            }
            PrivateKeyDer::Sec1(_) => Err(
                "this is an elliptic-curve (EC) key, which DKIM does not use; make an RSA key (`openssl genrsa -out dkim.pem 2048`) or an Ed25519 one (`openssl genpkey -algorithm ed25519 -out dkim.pem`)".into(),
            ),
            _ => Err("unsupported private key format".into()),
        };
    }
    let bytes = BASE64
        .decode(trimmed.split_whitespace().collect::<String>())
        .map_err(|_| {
            "neither a PEM key nor a base64 Ed25519 seed; use an RSA key in PEM (`openssl genrsa -out dkim.pem 2048`), \
             an Ed25519 key in PEM (`openssl genpkey -algorithm ed25519 -out dkim.pem`) or a base64 32-byte Ed25519 seed"
                .to_string()
        })?;
    match bytes.len() {
        32 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(&bytes);
            Ok(ed25519(seed, "Ed25519, base64 seed"))
        }
        // libsodium-style secret key: the seed followed by the public key.
        64 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(&bytes[..32]);
            let key = ed25519(seed, "Ed25519, base64 seed and public key");
            if BASE64.encode(&bytes[32..]) != key.public_base64 {
                return Err("the 64-byte Ed25519 key's second half is not the public key of its first half".into());
            }
            Ok(key)
        }
        n => Err(format!(
            "the base64 key decodes to {n} bytes; an Ed25519 seed is 32 bytes (or 64 with the public key)"
        )),
    }
}

/// Reads the configured key file; the message names the file.
pub fn load_key(path: &Path) -> Result<DkimKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the DKIM key: {e}", path.display()))?;
    parse_key(&text).map_err(|e| format!("{}: not a usable DKIM key: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::EncodePrivateKey;
    use rsa::rand_core::{CryptoRng, RngCore};

    /// SplitMix64: a seeded generator so the test key is the same every run
    /// (no OS randomness needed; the key protects nothing).
    struct TestRng(u64);
    impl RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let v = self.next_u64().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for TestRng {}

    #[test]
    fn rsa_pkcs1_and_pkcs8_pem_are_the_same_key_and_record() {
        let key = rsa::RsaPrivateKey::new(&mut TestRng(2026), 1024).unwrap();
        let pkcs1 = key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let pkcs8 = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
        let a = parse_key(&pkcs1).unwrap();
        let b = parse_key(&pkcs8).unwrap();
        assert_eq!(a.kind, "RSA 1024-bit, PKCS#1 PEM");
        assert_eq!(b.kind, "RSA 1024-bit, PKCS#8 PEM");
        assert_eq!(a.public_base64, b.public_base64);
        let spki = rsa::RsaPublicKey::from(&key).to_public_key_der().unwrap();
        assert_eq!(b.public_base64, BASE64.encode(spki.as_bytes()));
        assert!(b.txt_value().starts_with("v=DKIM1; k=rsa; p=MIGf"));
        assert!(b.signing_key().is_ok());
    }

    #[test]
    fn ed25519_raw_seed_and_pkcs8_give_the_same_public_key() {
        let seed = [7u8; 32];
        let raw = parse_key(&BASE64.encode(seed)).unwrap();
        // RFC 8410 PKCS#8 v1 framing around the same seed.
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&seed);
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            BASE64.encode(&der)
        );
        let pkcs8 = parse_key(&pem).unwrap();
        assert_eq!(raw.public_base64, pkcs8.public_base64);
        assert_eq!(pkcs8.k(), "ed25519");
        assert_eq!(pkcs8.kind, "Ed25519, PKCS#8 PEM");
        assert!(pkcs8.signing_key().is_ok());
        let public = BASE64.decode(&raw.public_base64).unwrap();
        assert_eq!(public.len(), 32);
        assert!(raw.txt_value().starts_with("v=DKIM1; k=ed25519; p="));
    }

    #[test]
    fn unusable_keys_say_why() {
        let err = parse_key(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .err()
        .unwrap();
        assert!(err.contains("passphrase"), "{err}");
        let err = parse_key("aGVsbG8=").err().unwrap();
        assert!(err.contains("decodes to 5 bytes"), "{err}");
        let err = parse_key("not a key at all!").err().unwrap();
        assert!(err.contains("openssl genrsa"), "{err}");
    }

    #[test]
    fn long_records_are_split_into_255_byte_strings() {
        let config = DkimConfig {
            domain: "example.com".into(),
            selector: "s1".into(),
            private_key_file: "k.pem".into(),
        };
        let mut key = parse_key(&BASE64.encode([1u8; 32])).unwrap();
        key.public_base64 = "A".repeat(400);
        let line = zone_line(&config, &key);
        assert!(line.starts_with("s1._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; p=AAA"));
        let strings: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        assert_eq!(strings.len(), 2, "{line}");
        assert_eq!(strings[0].len(), 255);
        assert_eq!(strings.concat(), key.txt_value());
    }
}
