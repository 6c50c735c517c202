//! `check --smtp`: connect to each configured relay the way a send would
//! (TCP, TLS with the certificate checked, EHLO, AUTH) and hang up without
//! sending, so a wrong password or a certificate problem shows up before
//! the Tuesday run rather than during it.

use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::extension::{ClientId, Extension};

use crate::config::{Config, Security};

use super::smtp::{self, Relay};
use super::SendError;

/// What one relay said.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The relay as shown to the user (`smtp+starttls://host:port`).
    pub relay: String,
    /// One line per finding, or the reason it failed.
    pub result: Result<Vec<String>, String>,
}

fn extensions(conn: &lettre::transport::smtp::client::AsyncSmtpConnection) -> String {
    let info = conn.server_info();
    let mut found = Vec::new();
    for (ext, name) in [
        (Extension::StartTls, "STARTTLS"),
        (Extension::EightBitMime, "8BITMIME"),
        (Extension::SmtpUtfEight, "SMTPUTF8"),
    ] {
        if info.supports_feature(ext) {
            found.push(name.to_string());
        }
    }
    let mechs: Vec<String> = [Mechanism::Plain, Mechanism::Login, Mechanism::Xoauth2]
        .into_iter()
        .filter(|m| info.supports_auth_mechanism(*m))
        .map(|m| m.to_string())
        .collect();
    if !mechs.is_empty() {
        found.push(format!("AUTH {}", mechs.join(" ")));
    }
    if found.is_empty() {
        "no extensions we use".into()
    } else {
        found.join(", ")
    }
}

async fn probe_one(relay: &Relay, hello: &ClientId) -> Result<Vec<String>, String> {
    let (mut conn, session) = smtp::open(relay, hello).await.map_err(|f| f.reply)?;
    let mut lines = Vec::new();
    match (&relay.trust, relay.security) {
        (Some(trust), Security::Starttls | Security::Tls) => lines.push(format!(
            "TLS ({}): certificate valid for {}, checked against {}",
            if relay.security == Security::Tls {
                "implicit"
            } else {
                "STARTTLS"
            },
            relay.host,
            trust.describe()
        )),
        _ => lines.push("no TLS (security = \"none\"): plain text".into()),
    }
    lines.push(format!(
        "EHLO: {} offers {}",
        conn.server_info().name(),
        extensions(&conn)
    ));
    match (&relay.auth, session.mechanism) {
        (Some(auth), Some(m)) => lines.push(format!(
            "AUTH {m}: logged in as {:?} (from {})",
            auth.username, auth.username_env
        )),
        _ => lines.push("AUTH: no credentials configured, none sent".into()),
    }
    let _ = tokio::time::timeout(relay.timeout, conn.quit()).await;
    Ok(lines)
}

/// Probes every configured relay in order (or the `--smtp` one). A relay
/// whose settings cannot even be read (an unset credential variable, an
/// unreadable ca_file) is an error for the whole check: that is bad input.
pub fn probe_relays(config: &Config, override_url: Option<&str>) -> Result<Vec<Probe>, SendError> {
    let relays = smtp::relays(config, override_url)?;
    let hello = ClientId::Domain(
        config
            .delivery
            .from
            .parse::<lettre::message::Mailbox>()
            .map(|m| m.email.domain().to_string())
            .unwrap_or_else(|_| "localhost".into()),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SendError::Transport(format!("cannot start the async runtime: {e}")))?;
    let run = || {
        runtime.block_on(async {
            let mut probes = Vec::new();
            for relay in &relays {
                probes.push(Probe {
                    relay: relay.describe(),
                    result: probe_one(relay, &hello).await,
                });
            }
            probes
        })
    };
    // A separate thread keeps this callable from inside another runtime.
    std::thread::scope(|s| s.spawn(run).join())
        .map_err(|_| SendError::Transport("the relay check panicked".into()))
}
