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
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::Error as SmtpError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::config::{is_loopback_host, Config, Security, SmtpConfig};

use super::tls::{self, Trust};
use super::SendError;

/// One server to deliver through.
#[derive(Debug, Clone)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub auth: Option<Auth>,
    /// What the certificate is checked against (`None` for `security = "none"`).
    pub trust: Option<Trust>,
    pub timeout: Duration,
    pub pool: usize,
}

/// The login for a relay, and where it came from (for messages).
#[derive(Debug, Clone)]
pub struct Auth {
    pub username: String,
    pub credentials: Credentials,
    pub username_env: String,
    pub password_env: String,
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

    /// `section` names the relay's table in messages (`[delivery.smtp]`).
    fn from_config(smtp: &SmtpConfig, config: &Config, section: &str) -> Result<Relay, SendError> {
        let bad = |message: String| SendError::BadConfig {
            path: config.source_path.clone(),
            message,
        };
        let env = |name: &Option<String>,
                   what: &str|
         -> Result<Option<(String, String)>, SendError> {
            match name {
                None => Ok(None),
                Some(var) => std::env::var(var).map(|v| Some((var.clone(), v))).map_err(|_| {
                    bad(format!(
                        "{section} {what}_env names the environment variable {var}, which is not set; export it before sending"
                    ))
                }),
            }
        };
        let user = env(&smtp.username_env, "username")?;
        let pass = env(&smtp.password_env, "password")?;
        let auth = match (user, pass) {
            (Some((username_env, u)), Some((password_env, p))) => Some(Auth {
                username: u.clone(),
                credentials: Credentials::new(u, p),
                username_env,
                password_env,
            }),
            (None, None) => None,
            _ => {
                return Err(bad(format!(
                    "{section} set both username_env and password_env, or neither"
                )))
            }
        };
        Ok(Relay {
            host: smtp.host.clone(),
            port: smtp.port,
            security: smtp.security,
            auth,
            trust: trust_for(&smtp.host, smtp.security, smtp.ca_file.as_deref()).map_err(bad)?,
            timeout: Duration::from_secs(smtp.timeout_secs.max(1)),
            pool: smtp.pool.max(1),
        })
    }
}

fn trust_for(
    host: &str,
    security: Security,
    ca_file: Option<&std::path::Path>,
) -> Result<Option<Trust>, String> {
    match security {
        Security::None => Ok(None),
        Security::Starttls | Security::Tls => Trust::new(host, ca_file).map(Some),
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
    if security == Security::None && !base.allow_plaintext && !is_loopback_host(host) {
        return Err(format!(
            "{url:?} is plain-text SMTP to {host}, which is not a loopback address; \
             use smtps:// or ?tls=starttls, or set allow_plaintext = true in [delivery.smtp] if the network is trusted"
        ));
    }
    Ok(Relay {
        host: host.to_string(),
        port,
        security,
        auth: None,
        // A one-off relay trusts what the configured one does, ca_file included.
        trust: trust_for(host, security, base.ca_file.as_deref())?,
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
        .enumerate()
        .map(|(i, s)| {
            let section = match i {
                0 => "[delivery.smtp]".to_string(),
                n => format!("[[delivery.relays]] #{n}"),
            };
            Relay::from_config(s, config, &section)
        })
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
    /// The relay or its setup is wrong for every reader alike (login refused,
    /// certificate refused, STARTTLS or AUTH missing): the run stops at once
    /// and the readers stay queued; retrying could not help.
    Fatal,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailKind,
    pub reply: String,
}

impl Failure {
    /// Names the command a reply answered, so the bounce rules can tell a
    /// refused recipient from a refused message.
    fn answering(mut self, command: &str) -> Failure {
        self.reply = format!("{command}: {}", self.reply);
        self
    }

    fn transient(reply: impl Into<String>) -> Failure {
        Failure {
            kind: FailKind::Transient,
            reply: reply.into(),
        }
    }

    fn fatal(reply: impl Into<String>) -> Failure {
        Failure {
            kind: FailKind::Fatal,
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

/// Waits for `fut` under the time limit, leaving its error unclassified.
async fn within<T, F>(limit: Duration, what: &str, fut: F) -> Result<Result<T, SmtpError>, Failure>
where
    F: Future<Output = Result<T, SmtpError>>,
{
    tokio::time::timeout(limit, fut).await.map_err(|_| {
        Failure::transient(format!(
            "timed out after {}s waiting for {what}",
            limit.as_secs()
        ))
    })
}

/// A refused certificate is the same for every reader: fatal, in words.
fn tls_failure(relay: &Relay, err: &(dyn std::error::Error + 'static)) -> Failure {
    match (tls::find_rustls_error(err), &relay.trust) {
        (Some(e), Some(trust)) => {
            let reply = tls::explain(e, &relay.describe(), &relay.host, trust);
            let kind = if matches!(e, rustls::Error::InvalidCertificate(_)) {
                FailKind::Fatal
            } else {
                FailKind::Transient
            };
            Failure { kind, reply }
        }
        _ => Failure::transient(format!("TLS with {} failed: {err}", relay.describe())),
    }
}

/// What an open connection found, for `check --smtp`.
#[derive(Debug, Clone)]
pub struct Session {
    /// The EHLO reply after TLS (name and extensions).
    pub server: String,
    /// The AUTH mechanism that logged in, if credentials were configured.
    pub mechanism: Option<Mechanism>,
}

/// Opens one connection to `relay`: our own TCP socket with TCP_NODELAY,
/// TLS as configured (certificates checked), EHLO, AUTH if configured.
pub async fn connect(relay: &Relay, hello: &ClientId) -> Result<AsyncSmtpConnection, Failure> {
    open(relay, hello).await.map(|(conn, _)| conn)
}

/// [`connect`], also saying what was negotiated.
pub async fn open(
    relay: &Relay,
    hello: &ClientId,
) -> Result<(AsyncSmtpConnection, Session), Failure> {
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
    let stream: Box<dyn AsyncTokioStream> = match (&relay.trust, relay.security) {
        (Some(trust), Security::Tls) => {
            let name =
                rustls::pki_types::ServerName::try_from(relay.host.clone()).map_err(|e| {
                    Failure::fatal(format!(
                        "{:?} is not a valid TLS server name: {e}",
                        relay.host
                    ))
                })?;
            let connector = tokio_rustls::TlsConnector::from(trust.client_config());
            let tls = match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return Err(tls_failure(relay, &e)),
                Err(_) => return Err(Failure::transient("TLS handshake timed out")),
            };
            Box::new(TlsStream(tls))
        }
        _ => Box::new(tcp),
    };
    let mut conn = timed(
        limit,
        "the greeting",
        false,
        AsyncSmtpConnection::connect_with_transport(stream, hello),
    )
    .await?;
    if relay.security == Security::Starttls {
        // No downgrade: a relay (or something in between) that drops
        // STARTTLS from its EHLO reply gets nothing in plain text.
        if !conn.server_info().supports_feature(Extension::StartTls) {
            conn.abort().await;
            return Err(Failure::fatal(format!(
                "{} did not offer STARTTLS, which security = \"starttls\" requires; nothing was sent in plain text. \
                 Check the port (submission with STARTTLS is usually 587), or whether something between here and the relay strips STARTTLS",
                relay.describe()
            )));
        }
        let params = match &relay.trust {
            Some(trust) => trust.starttls_parameters(),
            None => return Err(Failure::fatal("STARTTLS without TLS settings")),
        };
        match within(limit, "STARTTLS", conn.starttls(params, hello)).await? {
            Ok(()) => {}
            Err(e) if tls::find_rustls_error(&e).is_some() => return Err(tls_failure(relay, &e)),
            Err(e) => return Err(classify(&e, false)),
        }
    }
    let mut mechanism = None;
    if let Some(auth) = &relay.auth {
        mechanism = Some(login(&mut conn, relay, auth).await?);
    }
    let session = Session {
        server: conn.server_info().to_string(),
        mechanism,
    };
    Ok((conn, session))
}

/// AUTH PLAIN, else LOGIN (whichever the relay offers, PLAIN first). A
/// refused login is fatal for the run: every reader would be refused alike.
async fn login(
    conn: &mut AsyncSmtpConnection,
    relay: &Relay,
    auth: &Auth,
) -> Result<Mechanism, Failure> {
    let info = conn.server_info();
    let Some(mechanism) = info.get_auth_mechanism(&[Mechanism::Plain, Mechanism::Login]) else {
        let offered = if info.supports_auth_mechanism(Mechanism::Xoauth2) {
            "only XOAUTH2"
        } else {
            "no AUTH at all"
        };
        conn.abort().await;
        return Err(Failure::fatal(format!(
            "{} offers {offered}, but credentials are configured ({}/{}); not sending unauthenticated. \
             Check the port (authenticated submission is usually 587 with STARTTLS or 465 with TLS) and the relay's SASL setup",
            relay.describe(),
            auth.username_env,
            auth.password_env
        )));
    };
    match within(
        relay.timeout,
        "the reply to AUTH",
        conn.auth(&[mechanism], &auth.credentials),
    )
    .await?
    {
        Ok(_) => Ok(mechanism),
        Err(e) if e.is_permanent() => {
            conn.abort().await;
            Err(Failure::fatal(format!(
                "{} refused the login of {:?} with AUTH {mechanism}: {e}. \
                 Check the username and password in the environment variables {} and {} (named by username_env and password_env); \
                 the send stopped here and the remaining readers stay queued",
                relay.describe(),
                auth.username,
                auth.username_env,
                auth.password_env
            )))
        }
        Err(e) => Err(classify(&e, false)),
    }
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
        .await
        .map_err(|f| f.answering("RCPT TO"))?;
    }
    before_data().map_err(|e| Failure {
        kind: FailKind::Transient,
        reply: format!("ledger: {e}"),
    })?;
    timed(limit, "the reply to DATA", false, conn.command(Data)).await?;
    // From here the server may have the whole message: a lost reply is ambiguous.
    let reply = match super::wire::DataPayload::new(bytes) {
        Some(data) => timed(limit, "the reply to the message", true, conn.command(data)).await,
        None => timed(limit, "the reply to the message", true, conn.message(bytes)).await,
    }
    .map_err(|f| f.answering("end of DATA"))?;
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
