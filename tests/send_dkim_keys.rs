//! DKIM keys as people have them: `check` prints the TXT record that matches
//! the configured key, and `send` signs with it, whatever form the key is in.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::send_project::{shown, Project};
use common::smtp_server::SmtpServer;

const LIST: &str = "email,name\nada@example.com,Ada\n";

fn dkim_project(key: &Path) -> Project {
    Project::new(LIST, "")
        .with_tail(&format!(
            "\n[delivery.dkim]\ndomain = \"example.com\"\nselector = \"nl2026\"\nprivate_key_file = \"{}\"\n",
            key.display()
        ))
}

trait WithTail {
    fn with_tail(self, tail: &str) -> Self;
}

impl WithTail for Project {
    fn with_tail(self, tail: &str) -> Project {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).unwrap() + tail;
        std::fs::write(&path, text).unwrap();
        self
    }
}

/// The `p=` of the record `check` printed.
fn printed_p(project: &Project) -> String {
    let out = project.run(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains("publish this TXT record at nl2026._domainkey.example.com")
            && stdout.contains("nl2026._domainkey.example.com. IN TXT ( \"v=DKIM1; k="),
        "{}",
        shown(&out)
    );
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("value: "))
        .and_then(|v| v.split("p=").nth(1))
        .expect("a value line with p=")
        .to_string()
}

#[test]
fn an_ed25519_pkcs8_key_signs_and_check_prints_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let key = dir.path().join("dkim.pem");
    std::fs::write(&key, pair.serialize_pem()).unwrap();
    let project = dkim_project(&key);
    assert_eq!(printed_p(&project), BASE64.encode(pair.public_key_raw()));

    let server = SmtpServer::start();
    let out = project.run(&["send", "--smtp", &server.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let text = server.messages()[0].text();
    let unfolded = text.replace("\r\n ", " ").replace("\r\n\t", " ");
    let signature = unfolded
        .lines()
        .find(|l| l.starts_with("DKIM-Signature:"))
        .unwrap_or_else(|| panic!("no DKIM-Signature in\n{text}"));
    assert!(
        signature.contains("a=ed25519-sha256")
            && signature.contains("d=example.com")
            && signature.contains("s=nl2026"),
        "{signature}"
    );
}

#[test]
fn a_raw_base64_ed25519_seed_works_and_an_unusable_key_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dkim.key");
    std::fs::write(&key, format!("{}\n", BASE64.encode([42u8; 32]))).unwrap();
    let expected = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32])
        .verifying_key()
        .to_bytes();
    assert_eq!(printed_p(&dkim_project(&key)), BASE64.encode(expected));

    std::fs::write(
        &key,
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = dkim_project(&key).run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("{}: not a usable DKIM key", key.display())),
        "{}",
        shown(&out)
    );
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("openssl");
    assert!(out.status.success(), "openssl {args:?}");
    out.stdout
}

#[test]
#[ignore = "needs openssl"]
fn keys_from_openssl_in_every_common_form_give_openssls_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    // The guides' command (PKCS#8 since OpenSSL 3), the traditional form, and Ed25519.
    openssl(&["genrsa", "-out", &path("pkcs8.pem"), "2048"]);
    openssl(&[
        "rsa",
        "-in",
        &path("pkcs8.pem"),
        "-traditional",
        "-out",
        &path("pkcs1.pem"),
    ]);
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", &path("ed.pem")]);
    assert!(std::fs::read_to_string(path("pkcs1.pem"))
        .unwrap()
        .starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let rsa_spki = openssl(&[
        "pkey",
        "-in",
        &path("pkcs8.pem"),
        "-pubout",
        "-outform",
        "DER",
    ]);
    let ed_spki = openssl(&["pkey", "-in", &path("ed.pem"), "-pubout", "-outform", "DER"]);
    for (file, expected) in [
        ("pkcs8.pem", BASE64.encode(&rsa_spki)),
        ("pkcs1.pem", BASE64.encode(&rsa_spki)),
        // RFC 8463: Ed25519's p= is the bare 32-byte key, the SPKI's tail.
        ("ed.pem", BASE64.encode(&ed_spki[ed_spki.len() - 32..])),
    ] {
        let project = dkim_project(Path::new(&path(file)));
        assert_eq!(printed_p(&project), expected, "{file}");
        let server = SmtpServer::start();
        let out = project.run(&["send", "--smtp", &server.url()]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", shown(&out));
        assert!(
            server.messages()[0].text().contains("DKIM-Signature:"),
            "{file}"
        );
    }
}
