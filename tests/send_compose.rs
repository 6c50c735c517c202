//! The composed message for a reader, on the real sample issue (Data Drill
//! chart inline): the MIME tree is the one lettre builds, each part's encoded
//! bytes are exactly what lettre makes of the whole filled document (as the
//! composer did before it encoded the shared lines once), and every reader's
//! copy carries only that reader's values.

use std::collections::BTreeMap;
use std::path::Path;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use newsletter::build::IssueManifest;
use newsletter::config::Config;
use newsletter::render::personalize::Values;
use newsletter::send::message::{verify_unsubscribe_token, Composer};

mod common;
use common::cli::{assert_success, run_cli};
use common::sample::sample_project;

const SECRET: &[u8] = b"compose-test-secret";

fn built_sample() -> (tempfile::TempDir, Config, IssueManifest) {
    let project = sample_project();
    let config_path = project.path().join("config.toml");
    assert_success(&run_cli(&config_path, &["summarize"]));
    assert_success(&run_cli(&config_path, &["build", "--date", "2026-12-01"]));
    let config = Config::load(&config_path).unwrap();
    let manifest = IssueManifest::load(&project.path().join("dist/issues/001")).unwrap();
    assert!(
        !manifest.inline_images.is_empty(),
        "the sample issue has its chart"
    );
    (project, config, manifest)
}

/// content type, transfer encoding and Content-ID of each part, depth first.
fn skeleton(raw: &[u8]) -> Vec<String> {
    let message = MessageParser::default().parse(raw).unwrap();
    message
        .parts
        .iter()
        .map(|part| {
            let ct = part
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                .unwrap_or_default();
            let cte = part
                .content_transfer_encoding()
                .unwrap_or_default()
                .to_string();
            let cid = part.content_id().unwrap_or_default().to_string();
            format!("{ct} {cte} {cid}").trim_end().to_string()
        })
        .collect()
}

/// The encoded bytes of the first part of type `subtype` (as sent).
fn encoded_body<'a>(raw: &'a [u8], subtype: &str) -> &'a [u8] {
    let message = MessageParser::default().parse(raw).unwrap();
    let part = message
        .parts
        .iter()
        .find(|p| {
            p.content_type().and_then(|c| c.subtype()) == Some(subtype)
                && !matches!(p.body, PartType::Multipart(_))
        })
        .unwrap();
    let body = &raw[part.offset_body as usize..part.offset_end as usize];
    trim_crlf(body)
}

fn trim_crlf(mut bytes: &[u8]) -> &[u8] {
    while let Some(rest) = bytes.strip_suffix(b"\r\n") {
        bytes = rest;
    }
    bytes
}

fn header(raw: &[u8], name: &str) -> String {
    let message = MessageParser::default().parse(raw).unwrap();
    String::from_utf8_lossy(message.header_raw(name).unwrap_or_default().as_bytes())
        .trim()
        .to_string()
}

#[test]
fn each_reader_gets_the_same_tree_with_only_its_own_values() {
    let (project, config, manifest) = built_sample();
    let chart = std::fs::read(project.path().join("dist/issues/001/chart.png")).unwrap();
    let composer = Composer::new(&config, manifest.clone(), SECRET.to_vec()).unwrap();

    let mut zoe_fields = BTreeMap::new();
    zoe_fields.insert("company".to_string(), "A&B <Ltd>".to_string());
    let readers = [
        ("Zoe.Smith@Example.com", "Zo\u{eb} \"Z\" Smith", zoe_fields),
        ("ada@example.com", "", BTreeMap::new()),
    ];
    let mut composed = Vec::new();
    for (address, name, fields) in &readers {
        composed.push(composer.compose(address, name, fields).unwrap());
    }

    for ((address, name, fields), message) in readers.iter().zip(&composed) {
        let raw = &message.bytes;
        assert_eq!(
            skeleton(raw),
            [
                "multipart/alternative",
                "text/plain quoted-printable",
                "multipart/related",
                "text/html quoted-printable",
                "image/png base64 chart",
            ],
            "{address}"
        );

        // Each text part: what lettre makes of the filled document, once
        // decoded (the soft line breaks fall around the values instead), in
        // lines RFC 2045 allows.
        let unsubscribe = composer.unsubscribe_url(address);
        let values = Values {
            email: address,
            name,
            unsubscribe_url: &unsubscribe,
            fields,
        };
        for (subtype, template, html) in [
            ("plain", &manifest.text_template, false),
            ("html", &manifest.html_template, true),
        ] {
            let whole = lettre::message::Body::new(template.fill(&values, html)).into_vec();
            let ours = encoded_body(raw, subtype);
            // Robust: the body is cut before its last CRLFs, which may leave
            // a soft break's `=` at the very end.
            let decode = |bytes: &[u8]| {
                let plain =
                    quoted_printable::decode(bytes, quoted_printable::ParseMode::Robust).unwrap();
                String::from_utf8(plain).unwrap()
            };
            assert_eq!(
                decode(ours),
                decode(trim_crlf(&whole)),
                "{address}: text/{subtype}"
            );
            for line in ours.split(|&b| b == b'\n') {
                assert!(line.len() <= 77, "{address}: text/{subtype}: {line:?}");
            }
        }
        let parsed = MessageParser::default().parse(raw).unwrap();
        let image = parsed
            .parts
            .iter()
            .find(|p| p.content_id() == Some("chart"))
            .unwrap();
        assert_eq!(image.contents(), chart.as_slice(), "{address}: the chart");
        let html = parsed.body_html(0).unwrap();
        assert!(
            html.contains(&unsubscribe.replace('&', "&amp;")),
            "{address}"
        );

        // Headers: this reader, this reader's unsubscribe token and mailto.
        let to = header(raw, "To");
        assert!(to.to_lowercase().contains(&address.to_lowercase()), "{to}");
        let list_unsubscribe = header(raw, "List-Unsubscribe").replace("\r\n", "");
        // `<https://…/unsubscribe/TOKEN>` (or the older `…?token=TOKEN`).
        let url = list_unsubscribe
            .split('<')
            .find(|part| part.starts_with("http"))
            .and_then(|part| part.split('>').next())
            .unwrap();
        let token = url.rsplit(['/', '=']).next().unwrap();
        assert_eq!(
            verify_unsubscribe_token(SECRET, token).as_deref(),
            Some(address.to_lowercase().as_str()),
            "{list_unsubscribe}"
        );
        let encoded_address = address.to_lowercase().replace('@', "%40");
        assert!(
            list_unsubscribe.contains(&format!("subject=unsubscribe%20{encoded_address}>")),
            "{list_unsubscribe}"
        );
        assert_eq!(
            header(raw, "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        assert_eq!(header(raw, "Message-ID"), composed_id(&composer, address));
    }

    // Nothing of the first reader leaks into the second copy.
    let second = String::from_utf8_lossy(&composed[1].bytes);
    assert!(!second.to_lowercase().contains("zoe.smith"), "{second}");
    assert!(!second.contains("Smith"));
    let first_token = composer.unsubscribe_url(readers[0].0);
    let first_token = first_token.rsplit(['/', '=']).next().unwrap();
    assert!(!second.replace("=\r\n", "").contains(first_token));
}

fn composed_id(composer: &Composer, address: &str) -> String {
    composer.message_id(&address.to_lowercase())
}

#[test]
fn the_outbox_copy_decodes_to_the_filled_issue() {
    let (project, _config, manifest) = built_sample();
    let config_path = project.path().join("config.toml");
    let out = run_cli(&config_path, &["send", "--to", "reader@example.com"]);
    assert_success(&out);
    let raw =
        std::fs::read(Path::new(project.path()).join("outbox/001/test/reader@example.com.eml"))
            .unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    let fields = BTreeMap::new();
    let unsubscribe = header(&raw, "List-Unsubscribe");
    let url = unsubscribe
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string();
    let values = Values {
        email: "reader@example.com",
        name: "",
        unsubscribe_url: &url,
        fields: &fields,
    };
    assert_eq!(text, manifest.text_template.fill(&values, false));
}
