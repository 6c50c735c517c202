//! The confirmation mail of a double opt-in, delivered the way issues are:
//! the file transport writes `outbox/confirmations/<address>.eml`, SMTP
//! goes through the send stage's relays and connection code (TLS, AUTH,
//! timeouts, failover in order). Sent in the background, so the answer to
//! the form does not take longer for one address than for another.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;

use crate::config::{Config, Transport};
use crate::send::smtp::{self, Relay};

use super::ServeError;

pub struct Mailer {
    from: Mailbox,
    newsletter: String,
    hello: ClientId,
    relays: Vec<Relay>,
    outbox: std::path::PathBuf,
}

impl Mailer {
    pub fn new(config: &Config) -> Result<Mailer, ServeError> {
        let from = crate::send::message::from_mailbox(config)?;
        let relays = match config.delivery.transport {
            Transport::File => Vec::new(),
            Transport::Smtp => smtp::relays(config, None)?,
        };
        Ok(Mailer {
            hello: ClientId::Domain(from.email.domain().to_string()),
            from,
            newsletter: config.newsletter.name.clone(),
            relays,
            outbox: config.delivery.outbox.join("confirmations"),
        })
    }

    fn compose(&self, to: &str, name: &str, link: &str) -> Result<Message, String> {
        let email: lettre::Address = to.parse().map_err(|e| format!("{e}"))?;
        let to_name = (!name.is_empty()).then(|| name.replace(['\r', '\n'], " "));
        let newsletter = &self.newsletter;
        let text = format!(
            "Someone, probably you, asked to subscribe this address to {newsletter}.\n\n\
             To confirm, open this link and press the button:\n\n{link}\n\n\
             If it was not you, ignore this message: nothing will be sent to you.\n"
        );
        let esc = crate::render::escape_markup;
        let html = format!(
            "<!doctype html><html><body style=\"font-family: Georgia, serif; color: #33302e;\">\
             <p>Someone, probably you, asked to subscribe this address to {n}.</p>\
             <p><a href=\"{l}\" style=\"color: #0d7680;\">Confirm your subscription</a></p>\
             <p style=\"color: #66605c; font-size: 14px;\">If it was not you, ignore this message: nothing will be sent to you.</p>\
             </body></html>",
            n = esc(newsletter),
            l = esc(link)
        );
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(to_name, email))
            .subject(format!("Confirm your subscription to {newsletter}"))
            .date_now()
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Delivers one confirmation mail; the answer says where it went.
    pub async fn send(&self, to: &str, name: &str, link: &str) -> Result<String, String> {
        let message = self.compose(to, name, link)?;
        let bytes = message.formatted();
        if self.relays.is_empty() {
            let path = self.outbox.join(crate::send::eml_file_name(to));
            let shown = path.display().to_string();
            tokio::task::spawn_blocking(move || crate::fsutil::write_atomic(&path, &bytes))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("{shown}: {e}"))?;
            return Ok(format!("written to {shown}"));
        }
        let mut last = String::from("no SMTP relay configured");
        for relay in &self.relays {
            let mut conn = match smtp::connect(relay, &self.hello).await {
                Ok(c) => c,
                Err(f) => {
                    last = f.reply;
                    continue;
                }
            };
            let result =
                smtp::deliver(&mut conn, message.envelope(), &bytes, relay.timeout, || {
                    Ok(())
                })
                .await;
            let _ = tokio::time::timeout(relay.timeout, conn.quit()).await;
            match result {
                Ok(reply) => return Ok(format!("{}: {reply}", relay.describe())),
                Err(f) => last = f.reply,
            }
        }
        Err(last)
    }
}
