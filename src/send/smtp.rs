//! The SMTP client side: relays from the config (or `--smtp`), connections
//! opened by us so TCP_NODELAY is set (stock lettre leaves Nagle on, and
//! Nagle plus the server's delayed ACK stalls every message ~40 ms), TLS with
//! certificate checks, and one message exchange split so the ledger can mark
//! the recipient `sending` just before DATA. Every network step runs under a
//! timeout.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::config::{Config, Security, SmtpConfig};

use super::SendError;

/// One server to deliver through.
#[derive(Debug, Clone)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<Credentials>,
    pub timeout: Duration,
    pub pool: usize,
}

impl Relay {
    pub fn describe(&self) -> String {
        let scheme = match self.security {
            Security::None => "smtp",
            Security::Starttls => "smtp+starttls",
            Security::Tls => "smtps",
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }

    fn from_config(smtp: &SmtpConfig, config: &Config) -> Result<Relay, SendError> {
        let env = |name: &Option<String>, what: &str| -> Result<Option<String>, SendError> {
            match name {
                None => Ok(None),
                Some(var) => std::env::var(var).map(Some).map_err(|_| SendError::BadConfig {
                    path: config.source_path.clone(),
                    message: format!(
                        "[delivery.smtp] {what}_env names the environment variable {var}, which is not set; export it before sending"
                    ),
                }),
            }
        };
        let user = env(&smtp.username_env, "username")?;
        let pass = env(&smtp.password_env, "password")?;
        let credentials = match (user, pass) {
            (Some(u), Some(p)) => Some(Credentials::new(u, p)),
            (None, None) => None,
            _ => {
                return Err(SendError::BadConfig {
                    path: config.source_path.clone(),
                    message: "[delivery.smtp] set both username_env and password_env, or neither"
                        .into(),
                })
            }
        };
        Ok(Relay {
            host: smtp.host.clone(),
            port: smtp.port,
            security: smtp.security,
            credentials,
            timeout: Duration::from_secs(smtp.timeout_secs.max(1)),
            pool: smtp.pool.max(1),
        })
    }
}

/// Parses `smtp://host:port` (plaintext), `smtps://host:port` (implicit TLS)
/// or `smtp://host:port?tls=starttls`.
pub fn parse_smtp_url(url: &str, base: &SmtpConfig) -> Result<Relay, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not an SMTP URL; write smtp://host:port"))?;
    let (hostport, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let hostport = hostport.trim_end_matches('/');
    let mut security = match scheme {
        "smtp" => Security::None,
        "smtps" => Security::Tls,
        other => {
            return Err(format!(
                "unknown scheme {other:?} in {url:?}; use smtp:// or smtps://"
            ))
        }
    };
    if let Some(q) = query {
        for pair in q.split('&') {
            match pair {
                "tls=starttls" => security = Security::Starttls,
                "tls=none" => security = Security::None,
                "tls=tls" | "tls=implicit" => security = Security::Tls,
                other => {
                    return Err(format!(
                        "unknown option {other:?} in {url:?}; use ?tls=starttls"
                    ))
                }
            }
        }
    }
    let default_port = if security == Security::Tls { 465 } else { 25 };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port {p:?} in {url:?}"))?,
        ),
        _ => (hostport, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    Ok(Relay {
        host: host.to_string(),
        port,
        security,
        credentials: None,
        timeout: Duration::from_secs(base.timeout_secs.max(1)),
        pool: base.pool.max(1),
    })
}

/// The relays to use, in failover order: `--smtp` alone, or the configured
/// server followed by `[[delivery.relays]]`.
pub fn relays(config: &Config, override_url: Option<&str>) -> Result<Vec<Relay>, SendError> {
    if let Some(url) = override_url {
        return parse_smtp_url(url, &config.delivery.smtp)
            .map(|r| vec![r])
            .map_err(SendError::BadFlag);
    }
    std::iter::once(&config.delivery.smtp)
        .chain(config.delivery.relays.iter())
        .map(|s| Relay::from_config(s, config))
        .collect()
}

/// How an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// 4xx, dropped connection or timeout before the message was handed over: retry.
    Transient,
    /// 5xx: final.
    Permanent,
    /// The connection failed after the whole message was sent but before the
    /// reply: the server may have accepted it. Not retried without being asked.
    Ambiguous,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailKind,
    pub reply: String,
}

impl Failure {
    fn transient(reply: impl Into<String>) -> Failure {
        Failure {
            kind: FailKind::Transient,
            reply: reply.into(),
        }
    }
}

fn classify(err: &lettre::transport::smtp::Error, after_message: bool) -> Failure {
    let kind = if err.is_permanent() {
        FailKind::Permanent
    } else if err.is_transient() {
        FailKind::Transient
    } else if after_message {
        FailKind::Ambiguous
    } else {
        FailKind::Transient
    };
    Failure {
        kind,
        reply: err.to_string(),
    }
}

async fn timed<T, F>(limit: Duration, what: &str, after_message: bool, fut: F) -> Result<T, Failure>
where
    F: Future<Output = Result<T, lettre::transport::smtp::Error>>,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(&e, after_message)),
        Err(_) => Err(Failure {
            kind: if after_message {
                FailKind::Ambiguous
            } else {
                FailKind::Transient
            },
            reply: format!("timed out after {}s waiting for {what}", limit.as_secs()),
        }),
    }
}

/// Implicit-TLS stream handed to lettre (lettre's own implicit TLS would open
/// the socket itself, without TCP_NODELAY).
#[derive(Debug)]
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncRead for TlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

fn rustls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens one connection to `relay`: our own TCP socket with TCP_NODELAY,
/// TLS as configured (certificates checked), EHLO, AUTH if configured.
pub async fn connect(relay: &Relay, hello: &ClientId) -> Result<AsyncSmtpConnection, Failure> {
    let limit = relay.timeout;
    let addr = (relay.host.as_str(), relay.port);
    let tcp = match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => {
            return Err(Failure::transient(format!(
                "cannot connect to {}: {e}",
                relay.describe()
            )))
        }
        Err(_) => {
            return Err(Failure::transient(format!(
                "connecting to {} timed out after {}s",
                relay.describe(),
                limit.as_secs()
            )))
        }
    };
    tcp.set_nodelay(true)
        .map_err(|e| Failure::transient(format!("cannot set TCP_NODELAY: {e}")))?;
    let stream: Box<dyn AsyncTokioStream> = if relay.security == Security::Tls {
        let config = rustls_config().map_err(Failure::transient)?;
        let name =
            rustls::pki_types::ServerName::try_from(relay.host.clone()).map_err(|e| Failure {
                kind: FailKind::Permanent,
                reply: format!("{:?} is not a valid TLS server name: {e}", relay.host),
            })?;
        let connector = tokio_rustls::TlsConnector::from(config);
        let tls = match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                return Err(Failure::transient(format!(
                    "TLS with {} failed: {e}",
                    relay.describe()
                )))
            }
            Err(_) => return Err(Failure::transient("TLS handshake timed out")),
        };
        Box::new(TlsStream(tls))
    } else {
        Box::new(tcp)
    };
    let mut conn = timed(
        limit,
        "the greeting",
        false,
        AsyncSmtpConnection::connect_with_transport(stream, hello),
    )
    .await?;
    if relay.security == Security::Starttls {
        let params = TlsParameters::new(relay.host.clone())
            .map_err(|e| Failure::transient(format!("TLS setup: {e}")))?;
        timed(limit, "STARTTLS", false, conn.starttls(params, hello)).await?;
    }
    if let Some(credentials) = &relay.credentials {
        timed(
            limit,
            "AUTH",
            false,
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials),
        )
        .await?;
    }
    Ok(conn)
}

/// Sends one message on an open connection. `before_data` runs after the
/// recipient is accepted and before DATA (the ledger's `sending` mark); if it
/// fails, nothing is sent. Returns the server's final reply.
pub async fn deliver(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
    limit: Duration,
    before_data: impl FnOnce() -> Result<(), String>,
) -> Result<String, Failure> {
    let mut options = Vec::new();
    let non_ascii = envelope
        .from()
        .is_some_and(|a| !AsRef::<str>::as_ref(a).is_ascii())
        || envelope
            .to()
            .iter()
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure {
                kind: FailKind::Permanent,
                reply: "the address is not ASCII and the server lacks SMTPUTF8".into(),
            });
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    timed(
        limit,
        "the reply to MAIL FROM",
        false,
        conn.command(Mail::new(envelope.from().cloned(), options)),
    )
    .await?;
    for to in envelope.to() {
        timed(
            limit,
            "the reply to RCPT TO",
            false,
            conn.command(Rcpt::new(to.clone(), vec![])),
        )
        .await?;
    }
    before_data().map_err(|e| Failure {
        kind: FailKind::Transient,
        reply: format!("ledger: {e}"),
    })?;
    timed(limit, "the reply to DATA", false, conn.command(Data)).await?;
    // From here the server may have the whole message: a lost reply is ambiguous.
    let reply = match super::wire::DataPayload::new(bytes) {
        Some(data) => timed(limit, "the reply to the message", true, conn.command(data)).await?,
        None => timed(limit, "the reply to the message", true, conn.message(bytes)).await?,
    };
    Ok(format!(
        "{} {}",
        reply.code(),
        reply.message().collect::<Vec<_>>().join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let base = SmtpConfig::default();
        let r = parse_smtp_url("smtp://127.0.0.1:2525", &base).unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.security),
            ("127.0.0.1", 2525, Security::None)
        );
        let r = parse_smtp_url("smtps://mail.example.com", &base).unwrap();
        assert_eq!((r.port, r.security), (465, Security::Tls));
        let r = parse_smtp_url("smtp://mail.example.com:587?tls=starttls", &base).unwrap();
        assert_eq!((r.port, r.security), (587, Security::Starttls));
        assert!(parse_smtp_url("http://x", &base).is_err());
        assert!(parse_smtp_url("smtp://x:notaport", &base).is_err());
        assert!(parse_smtp_url("smtp://x:25?tls=maybe", &base).is_err());
    }
}
