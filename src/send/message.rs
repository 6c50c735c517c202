//! One recipient's message: the issue's pre-rendered HTML and text with the
//! reader's values filled into the slots (no template is rendered per
//! recipient), as multipart/alternative, with the list headers mail providers
//! look for (List-Id, List-Unsubscribe, RFC 8058 one-click) and, when
//! configured, a DKIM signature that covers them.
//!
//! What every reader shares is encoded once, in [`Composer::new`]: the inline
//! images (base64) and the lines of the text and HTML without a per-reader
//! value (quoted-printable, see [`super::qp`]). Per reader only the headers
//! and the lines holding its values are built.

use std::collections::BTreeMap;

use lettre::message::dkim::{DkimCanonicalization, DkimCanonicalizationType, DkimConfig};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};

use crate::build::IssueManifest;
use crate::config::Config;
use crate::problem::Problem;
use crate::render::personalize::{SlotTemplate, Values};

use super::qp::EncodedPart;
use super::SendError;

/// The secret used when the configured environment variable is unset. Only
/// allowed for the file transport, dry runs and `--to` test sends (see
/// [`Composer::new`]); tokens signed with it are worthless by design.
pub const DEVELOPMENT_SECRET: &str = "newsletter-development-secret-do-not-use-in-production";

/// Reads the unsubscribe secret. When the variable is unset, a real list
/// send over SMTP is refused (its links would be forgeable); the file
/// transport, dry runs and test sends fall back to a development secret
/// with a warning, so the embedded default works on a fresh machine.
pub(super) fn unsubscribe_secret(
    config: &Config,
    real_list_send_over_smtp: bool,
    problems: &mut Vec<Problem>,
) -> Result<Vec<u8>, SendError> {
    let var = &config.delivery.unsubscribe_secret_env;
    match std::env::var(var) {
        Ok(s) if !s.is_empty() => Ok(s.into_bytes()),
        _ if real_list_send_over_smtp => Err(SendError::BadConfig {
            path: config.source_path.clone(),
            message: format!(
                "the environment variable {var} (named by [delivery] unsubscribe_secret_env) is not set; \
                 it signs the unsubscribe links, so set it to a long random string (e.g. `export {var}=$(openssl rand -hex 32)`) and keep it stable"
            ),
        }),
        _ => {
            problems.push(Problem::warning(
                &config.source_path,
                None,
                format!("{var} is not set: unsubscribe links are signed with a public development secret; set it before sending to real readers"),
            ));
            Ok(DEVELOPMENT_SECRET.as_bytes().to_vec())
        }
    }
}

/// Signs an unsubscribe token for `address`; the format and its purpose
/// label live in [`crate::audience::tokens`], which `serve` verifies with.
pub fn unsubscribe_token(secret: &[u8], address: &str) -> String {
    crate::audience::tokens::unsubscribe_token(secret, address)
}

/// The address a token was issued for, if the token is genuine.
pub fn verify_unsubscribe_token(secret: &[u8], token: &str) -> Option<String> {
    crate::audience::tokens::verify_unsubscribe(secret, token).ok()
}

/// The `[delivery] from` mailbox (also the sender of confirmation mails).
pub fn from_mailbox(config: &Config) -> Result<Mailbox, SendError> {
    config
        .delivery
        .from
        .parse()
        .map_err(|e| SendError::BadConfig {
            path: config.source_path.clone(),
            message: format!(
                "[delivery] from = {:?} is not a mailbox ({e}); write it as `Name <address@domain>`",
                config.delivery.from
            ),
        })
}

/// One composed message, ready for the wire or the outbox.
pub struct Composed {
    pub message_id: String,
    pub envelope: lettre::address::Envelope,
    pub bytes: Vec<u8>,
}

/// Builds each recipient's message from the issue's slot templates.
pub struct Composer {
    manifest: IssueManifest,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    list_id: String,
    domain: String,
    unsubscribe_url: String,
    unsubscribe_mailto: String,
    secret: Vec<u8>,
    dkim: Option<DkimConfig>,
    text: PartEncoder,
    html: PartEncoder,
    /// Images the HTML refers to by `cid:`, read and encoded once, attached to every copy.
    inline_images: Vec<SinglePart>,
    /// `[delivery] return_path`: a per-reader envelope sender (VERP).
    return_path: Option<crate::audience::bounce::verp::ReturnPath>,
}

/// How a text or HTML part is encoded per reader.
enum PartEncoder {
    /// Quoted-printable with the shared lines encoded once (the usual case).
    QuotedPrintable(EncodedPart),
    /// Mostly non-Latin text, where lettre picks base64: encoded whole per reader.
    Whole { template: SlotTemplate, html: bool },
}

impl PartEncoder {
    /// Picks the encoding lettre would pick for the issue's text.
    fn new(template: &SlotTemplate, html: bool) -> PartEncoder {
        let no_values = BTreeMap::new();
        let sample = template.fill(
            &Values {
                email: "",
                name: "",
                unsubscribe_url: "",
                fields: &no_values,
            },
            html,
        );
        match Body::new(sample).encoding() {
            ContentTransferEncoding::Base64 => PartEncoder::Whole {
                template: template.clone(),
                html,
            },
            _ => PartEncoder::QuotedPrintable(EncodedPart::new(template, html)),
        }
    }

    fn body(&self, values: &Values<'_>) -> Body {
        match self {
            PartEncoder::QuotedPrintable(part) => Body::dangerous_pre_encoded(
                part.encode(values),
                ContentTransferEncoding::QuotedPrintable,
            ),
            PartEncoder::Whole { template, html } => Body::new(template.fill(values, *html)),
        }
    }
}

/// Percent-encodes a value for a URL query or mailto.
fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Composer {
    /// `secret` is the unsubscribe secret (from the environment, or
    /// [`DEVELOPMENT_SECRET`] where that is allowed).
    pub fn new(
        config: &Config,
        manifest: IssueManifest,
        secret: Vec<u8>,
    ) -> Result<Composer, SendError> {
        let bad = |message: String| SendError::BadConfig {
            path: config.source_path.clone(),
            message,
        };
        let from = from_mailbox(config)?;
        let reply_to = match &config.delivery.reply_to {
            Some(r) => Some(r.parse::<Mailbox>().map_err(|e| {
                bad(format!(
                    "[delivery] reply_to = {r:?} is not a mailbox ({e})"
                ))
            })?),
            None => None,
        };
        let issue_dir = crate::build::issue_dir(config, manifest.number);
        let mut inline_images = Vec::new();
        for image in &manifest.inline_images {
            let path = issue_dir.join(&image.file);
            let bytes = std::fs::read(&path).map_err(|source| SendError::Io {
                path: path.clone(),
                source,
            })?;
            let content_type = ContentType::parse(&image.content_type).map_err(|e| {
                bad(format!(
                    "{}: image {:?} has content type {:?}: {e}",
                    path.display(),
                    image.cid,
                    image.content_type
                ))
            })?;
            inline_images.push(Attachment::new_inline(image.cid.clone()).body(bytes, content_type));
        }
        let domain = from.email.domain().to_string();
        let slug: String = config
            .newsletter
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let slug = if slug.is_empty() {
            "newsletter".into()
        } else {
            slug
        };
        let list_id = format!(
            "{} <{slug}.{domain}>",
            config
                .newsletter
                .name
                .replace(['<', '>', '"', '\r', '\n'], "")
        );
        let dkim = match &config.delivery.dkim {
            None => None,
            Some(d) => {
                let key = super::dkim::load_key(&d.private_key_file)
                    .and_then(|k| k.signing_key())
                    .map_err(bad)?;
                let headers = [
                    "From",
                    "To",
                    "Subject",
                    "Date",
                    "Message-ID",
                    "List-Id",
                    "List-Unsubscribe",
                    "List-Unsubscribe-Post",
                    "MIME-Version",
                    // Not Content-Type: lettre writes a multipart's Content-Type
                    // with the body, after signing, so signing it would break
                    // the signature (found by the dkimpy e2e test).
                ]
                .into_iter()
                .map(HeaderName::new_from_ascii_str)
                .collect::<Vec<_>>();

                Some(DkimConfig::new(
                    d.selector.clone(),
                    d.domain.clone(),
                    key,
                    headers,
                    DkimCanonicalization {
                        header: DkimCanonicalizationType::Relaxed,
                        body: DkimCanonicalizationType::Relaxed,
                    },
                ))
            }
        };
        Ok(Composer {
            from,
            reply_to,
            list_id,
            domain,
            unsubscribe_url: config.delivery.unsubscribe_url.clone(),
            unsubscribe_mailto: config.delivery.unsubscribe_mailto.clone(),
            secret,
            dkim,
            text: PartEncoder::new(&manifest.text_template, false),
            html: PartEncoder::new(&manifest.html_template, true),
            inline_images,
            return_path: config
                .delivery
                .return_path
                .as_deref()
                .and_then(crate::audience::bounce::verp::ReturnPath::parse),
            manifest,
        })
    }

    pub fn issue(&self) -> u32 {
        self.manifest.number
    }

    /// A Message-ID that is the same for the same (issue, recipient), so a
    /// resent ambiguous message can be recognised as a duplicate by clients.
    pub fn message_id(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        format!(
            "<issue{}.{}@{}>",
            self.manifest.number,
            hex::encode(&digest[..12]),
            self.domain
        )
    }

    /// The personalised one-click unsubscribe URL for `address`.
    pub fn unsubscribe_url(&self, address: &str) -> String {
        let token = unsubscribe_token(&self.secret, address);
        self.unsubscribe_url
            .replace("{token}", &token)
            .replace("{email}", &url_encode(&address.to_lowercase()))
    }

    /// multipart/alternative of the text and the HTML; when the HTML embeds
    /// images, the HTML and its images sit together in a multipart/related.
    fn body(&self, text: Body, html: Body) -> MultiPart {
        if self.inline_images.is_empty() {
            return MultiPart::alternative_plain_html(text, html);
        }
        let mut related = MultiPart::related().singlepart(SinglePart::html(html));
        for image in &self.inline_images {
            related = related.singlepart(image.clone());
        }
        MultiPart::alternative()
            .singlepart(SinglePart::plain(text))
            .multipart(related)
    }

    /// Composes the message for one reader.
    pub fn compose(
        &self,
        address: &str,
        name: &str,
        fields: &BTreeMap<String, String>,
    ) -> Result<Composed, String> {
        let email: lettre::Address = address.parse().map_err(|e| format!("{address:?}: {e}"))?;
        let unsubscribe = self.unsubscribe_url(address);
        let values = Values {
            email: address,
            name,
            unsubscribe_url: &unsubscribe,
            fields,
        };
        let html = self.html.body(&values);
        let text = self.text.body(&values);

        let message_id = self.message_id(&address.to_lowercase());
        let to_name = (!name.is_empty()).then(|| name.replace(['\r', '\n'], " "));
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(to_name, email))
            .subject(self.manifest.subject.clone())
            .message_id(Some(message_id.clone()))
            .date_now();
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let raw =
            |n: &'static str, v: String| HeaderValue::new(HeaderName::new_from_ascii_str(n), v);
        let mut list_unsubscribe = format!("<{unsubscribe}>");
        if !self.unsubscribe_mailto.is_empty() {
            list_unsubscribe.push_str(&format!(
                ", <mailto:{}?subject=unsubscribe%20{}>",
                self.unsubscribe_mailto,
                url_encode(&address.to_lowercase())
            ));
        }
        builder = builder
            .raw_header(raw("List-Id", self.list_id.clone()))
            .raw_header(raw("List-Unsubscribe", list_unsubscribe));
        // RFC 8058 one-click needs an https URL the provider can POST to.
        if unsubscribe.starts_with("https://") {
            builder = builder.raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ));
        }
        let mut message = builder
            .multipart(self.body(text, html))
            .map_err(|e| format!("cannot build the message: {e}"))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        let mut envelope = message.envelope().clone();
        if let Some(sender) = self
            .return_path
            .as_ref()
            .and_then(|rp| rp.for_reader(&self.secret, address))
            .and_then(|a| a.parse().ok())
        {
            envelope = lettre::address::Envelope::new(Some(sender), envelope.to().to_vec())
                .map_err(|e| format!("cannot build the envelope: {e}"))?;
        }
        Ok(Composed {
            message_id,
            envelope,
            bytes: message.formatted(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_resist_tampering() {
        let token = unsubscribe_token(b"s3cret", "Ada@Example.com");
        assert_eq!(
            verify_unsubscribe_token(b"s3cret", &token).as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(verify_unsubscribe_token(b"other", &token), None);
        let forged = format!(
            "{}.{}",
            hex::encode("eve@example.com"),
            token.split_once('.').unwrap().1
        );
        assert_eq!(verify_unsubscribe_token(b"s3cret", &forged), None);
    }
}
