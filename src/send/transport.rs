//! Where messages go, behind one type the delivery loop dispatches on: the
//! outbox (one .eml per reader, written atomically) or SMTP (relays tried in
//! failover order; the connection and TLS code itself is in `smtp.rs`).

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;

use crate::config::{self, Config};

use super::message::Composed;
use super::smtp::{self, FailKind, Failure, Relay};
use super::SendError;

/// A send's transport.
pub(super) enum Transport {
    Outbox(Outbox),
    Smtp(Smtp),
}

impl Transport {
    /// The transport for this send: `--smtp` wins over the configured one; a
    /// test send to the outbox writes into its own `test/` folder.
    pub fn new(
        config: &Config,
        issue: u32,
        smtp_url: Option<&str>,
        test: bool,
    ) -> Result<Transport, SendError> {
        let kind = if smtp_url.is_some() {
            config::Transport::Smtp
        } else {
            config.delivery.transport
        };
        Ok(match kind {
            config::Transport::Smtp => Transport::Smtp(Smtp {
                relays: smtp::relays(config, smtp_url)?,
                hello: ClientId::Domain(
                    composer_domain(config).unwrap_or_else(|| "localhost".to_string()),
                ),
            }),
            config::Transport::File => {
                let mut dir = outbox_dir(config, issue);
                if test {
                    dir = dir.join("test");
                }
                Transport::Outbox(Outbox { dir })
            }
        })
    }

    /// Where the messages go, for the report: the first relay, or the outbox.
    pub fn describe(&self, config: &Config, issue: u32) -> String {
        match self {
            Transport::Smtp(s) => s.relays.first().map(|r| r.describe()).unwrap_or_default(),
            Transport::Outbox(_) => outbox_dir(config, issue).display().to_string(),
        }
    }

    pub fn is_smtp(&self) -> bool {
        matches!(self, Transport::Smtp(_))
    }
}

/// The outbox folder of an issue (for messages and tests).
pub fn outbox_dir(config: &Config, issue: u32) -> PathBuf {
    config.delivery.outbox.join(format!("{issue:03}"))
}

/// The file transport: one .eml per reader.
pub(super) struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    /// The file a reader's message goes to.
    pub fn path(&self, address: &str) -> PathBuf {
        self.dir.join(eml_file_name(address))
    }

    /// Writes one message atomically; returns the "reply" for the ledger.
    pub fn write(&self, address: &str, composed: &Composed) -> Result<String, SendError> {
        let path = self.path(address);
        crate::fsutil::write_atomic(&path, &composed.bytes)
            .map_err(|source| SendError::Io {
                path: path.clone(),
                source,
            })
            .map(|()| format!("written to {}", path.display()))
    }
}

/// The SMTP transport: the relays, in failover order, and our EHLO name.
pub(super) struct Smtp {
    relays: Vec<Relay>,
    hello: ClientId,
}

impl Smtp {
    /// How many connections to keep open at once (the first relay's `pool`).
    pub fn pool(&self) -> usize {
        self.relays.first().map(|r| r.pool).unwrap_or(1).max(1)
    }

    /// The time limit for each network step.
    pub fn timeout(&self) -> Duration {
        self.relays
            .first()
            .map(|r| r.timeout)
            .unwrap_or(Duration::from_secs(30))
    }

    /// Opens a connection to the first relay that answers (failover in order).
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let mut last = None;
        for relay in &self.relays {
            match smtp::connect(relay, &self.hello).await {
                Ok(c) => return Ok(c),
                Err(f) if f.kind == FailKind::Permanent && self.relays.len() == 1 => return Err(f),
                Err(f) if f.kind == FailKind::Fatal => return Err(f),
                Err(f) => last = Some(f),
            }
        }
        Err(last.unwrap_or(Failure {
            kind: FailKind::Permanent,
            reply: "no SMTP relay configured".into(),
        }))
    }

    /// Sends one message on `conn`; `before_data` runs just before DATA.
    pub async fn deliver(
        &self,
        conn: &mut AsyncSmtpConnection,
        composed: &Composed,
        before_data: impl FnOnce() -> Result<(), String>,
    ) -> Result<String, Failure> {
        smtp::deliver(
            conn,
            &composed.envelope,
            &composed.bytes,
            self.timeout(),
            before_data,
        )
        .await
    }
}

/// The EHLO name: the From address's domain.
fn composer_domain(config: &Config) -> Option<String> {
    let from: lettre::message::Mailbox = config.delivery.from.parse().ok()?;
    Some(from.email.domain().to_string())
}

/// The .eml file name for an address: readable, safe on any file system,
/// and distinct for distinct addresses.
pub fn eml_file_name(address: &str) -> String {
    let lower = address.to_lowercase();
    let clean: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean != lower || clean.starts_with('.') {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(lower.as_bytes());
        format!("{clean}-{}.eml", &hex::encode(digest)[..8])
    } else {
        format!("{clean}.eml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eml_names_are_safe_and_distinct() {
        assert_eq!(eml_file_name("Ada@Example.com"), "ada@example.com.eml");
        let odd = eml_file_name("a/b@example.com");
        assert!(
            odd.starts_with("a_b@example.com-") && !odd.contains('/'),
            "{odd}"
        );
        assert_ne!(odd, eml_file_name("a_b@example.com"));
    }
}
