//! `config.toml`: what the newsletter is called, where its files live, when it
//! goes out and how it is delivered.
//!
//! Every section and key has a default, so a config may be as short as the
//! user likes; unknown keys are rejected so that a typo is caught instead of
//! silently ignored. Relative paths are resolved against the config file's
//! folder, so the tool behaves the same whatever the working directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A config that could not be used. Every variant names the file.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}\n  hint: create it (see the README), or pass --config PATH")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The whole config file, with paths already resolved against its folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Config {
    pub newsletter: NewsletterConfig,
    pub schedule: ScheduleConfig,
    pub content: ContentConfig,
    pub summary: SummaryConfig,
    pub delivery: DeliveryConfig,
    pub subscribers: SubscribersConfig,
    pub paths: PathsConfig,
    pub ledger: LedgerConfig,
    /// How feeds and pages are fetched (`newsletter fetch`).
    pub fetch: crate::fetch::FetchConfig,
    /// Feeds and pages fetched into the inbox.
    pub sources: Vec<crate::fetch::SourceConfig>,
    pub serve: ServeConfig,
    /// The folder that relative paths are resolved against (the config file's folder).
    #[serde(skip)]
    pub root: PathBuf,
    /// Where the config was read from, for messages.
    #[serde(skip)]
    pub source_path: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewsletterConfig {
    pub name: String,
    pub tagline: String,
    /// Closing line of every issue, Markdown.
    pub sign_off: String,
    /// Public address of the web archive; links in the email are made absolute against it.
    pub base_url: String,
    /// BCP 47 language tag, used for `<html lang>`.
    pub language: String,
    /// IANA time zone the schedule and dates are in.
    pub timezone: String,
    /// Postal address shown in the footer (required by anti-spam law in many places).
    pub postal_address: String,
    /// Why the reader gets this email, shown in the footer.
    pub footer_reason: String,
}

impl Default for NewsletterConfig {
    fn default() -> Self {
        Self {
            name: "Newsletter".into(),
            tagline: String::new(),
            sign_off: String::new(),
            base_url: "http://localhost:1111".into(),
            language: "en".into(),
            timezone: "UTC".into(),
            postal_address: String::new(),
            footer_reason: "You are receiving this because you subscribed.".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Five-field cron expression in the newsletter's time zone.
    pub cron: String,
    /// A slot missed by at most this many minutes (downtime) is still run once.
    pub grace_minutes: u32,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            cron: "0 7 * * TUE,THU".into(),
            grace_minutes: 360,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContentConfig {
    /// Raw articles dropped here by the editor or a scraper.
    pub inbox: PathBuf,
    /// One Markdown summary per article; the editor may edit them.
    pub summaries: PathBuf,
    /// CSV files for the "Data Drill" chart.
    pub data: PathBuf,
    /// Optional editor's intro for the next issue (Markdown).
    pub intro: PathBuf,
    /// At most this many stories in one issue.
    pub max_articles: usize,
    /// For the first issue (no previous issue bounds the window): only
    /// articles published this many days before the issue date; 0 takes the
    /// newest articles whatever their age.
    pub window_days: u32,
}

impl Default for ContentConfig {
    fn default() -> Self {
        Self {
            inbox: "content/inbox".into(),
            summaries: "content/summaries".into(),
            data: "content/data".into(),
            intro: "content/intro.md".into(),
            max_articles: 8,
            window_days: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SummaryConfig {
    /// Key points per summary (3 to 5 reads best).
    pub sentences: usize,
    /// Key figures to pick per article.
    pub key_figures: usize,
    /// Whether to pick the strongest quote.
    pub quotes: bool,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        Self {
            sentences: 4,
            key_figures: 3,
            quotes: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Write one .eml file per recipient into the outbox folder.
    File,
    /// Deliver over SMTP.
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    pub transport: Transport,
    /// The From header, e.g. `Energy Source <newsletter@example.com>`.
    pub from: String,
    pub reply_to: Option<String>,
    /// Folder for .eml files when the transport is "file".
    pub outbox: PathBuf,
    /// Messages per second across all connections; 0 means no limit.
    pub rate: f64,
    /// Attempts per recipient for transient failures (4xx, dropped connections).
    pub retries: u32,
    /// First retry delay in milliseconds; each retry doubles it (with jitter).
    pub retry_delay_ms: u64,
    /// Consecutive failures after which the run pauses (as listmonk's max_send_errors).
    pub max_send_errors: u32,
    /// One-click unsubscribe page; `{token}` and `{email}` are filled per recipient.
    /// Empty (the default) means `base_url` + `/unsubscribe/{token}`, which `serve` answers.
    pub unsubscribe_url: String,
    /// Address for mailto: unsubscribe requests.
    pub unsubscribe_mailto: String,
    /// Environment variable holding the secret that signs unsubscribe tokens.
    pub unsubscribe_secret_env: String,
    pub smtp: SmtpConfig,
    /// Extra relays tried in order when the main one fails.
    pub relays: Vec<SmtpConfig>,
    pub dkim: Option<DkimConfig>,
    /// Envelope sender (MAIL FROM) per reader, e.g. `bounces+{token}@example.com`:
    /// `{token}` names the reader (signed), so a bounce says who it is about.
    /// Unset: the From address is the envelope sender.
    pub return_path: Option<String>,
    /// Soft bounces in this many consecutive issues suppress a reader (as bounced).
    pub soft_bounce_limit: u32,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            transport: Transport::File,
            from: "Newsletter <newsletter@example.com>".into(),
            reply_to: None,
            outbox: "outbox".into(),
            rate: 0.0,
            retries: 5,
            retry_delay_ms: 500,
            max_send_errors: 20,
            unsubscribe_url: String::new(),
            unsubscribe_mailto: "unsubscribe@example.com".into(),
            unsubscribe_secret_env: "NEWSLETTER_UNSUBSCRIBE_SECRET".into(),
            smtp: SmtpConfig::default(),
            relays: Vec::new(),
            dkim: None,
            return_path: None,
            soft_bounce_limit: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text: only for local test servers.
    None,
    /// Upgrade with STARTTLS; the certificate is checked.
    Starttls,
    /// Implicit TLS (usually port 465); the certificate is checked.
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Connections used at once.
    pub pool: usize,
    /// Seconds any one SMTP exchange may take before it is abandoned.
    pub timeout_secs: u64,
    /// Names of environment variables that hold the credentials (never the secrets themselves).
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    /// PEM file of extra CA certificates to trust for this relay (a private or
    /// corporate CA), on top of the system trust store.
    pub ca_file: Option<PathBuf>,
    /// Allow `security = "none"` to a host that is not a loopback address.
    /// Off by default: plain text over a network exposes every message.
    pub allow_plaintext: bool,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 25,
            security: Security::Starttls,
            pool: 4,
            timeout_secs: 30,
            username_env: None,
            password_env: None,
            ca_file: None,
            allow_plaintext: false,
        }
    }
}

/// True for `localhost` names and loopback IP addresses: the only places
/// plain-text SMTP may go without `allow_plaintext = true`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let lower = host.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    pub domain: String,
    pub selector: String,
    /// PEM file with the RSA or Ed25519 private key.
    pub private_key_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubscribersConfig {
    /// CSV with at least an `email` column; `name` and any other column may be used by templates.
    pub file: PathBuf,
}

impl Default for SubscribersConfig {
    fn default() -> Self {
        Self {
            file: "subscribers.csv".into(),
        }
    }
}

/// `newsletter serve`: the public side (subscribe, confirm, unsubscribe).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on; keep it on loopback behind a reverse proxy.
    pub host: String,
    pub port: u16,
    /// Days a confirmation link stays valid.
    pub confirm_days: u32,
    /// Subscribe form posts allowed per client address in ten minutes.
    pub subscribe_limit: u32,
    /// Proxies (IP addresses) whose `X-Forwarded-For` names the client;
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            confirm_days: 7,
            subscribe_limit: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathsConfig {
    pub templates: PathBuf,
    pub dist: PathBuf,
    pub state: PathBuf,
}

impl Default for PathsConfig {
    fn default() -> Self {
        Self {
            templates: "templates".into(),
            dist: "dist".into(),
            state: "state".into(),
        }
    }
}

/// Where the ledger lives. Unset `url`: the SQLite file in the state folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerConfig {
    /// `postgres://user@host:port/database`: keep the ledger in PostgreSQL so
    /// that several senders can share one list. No password here.
    pub url: Option<String>,
    /// Name of the environment variable that holds the database password.
    pub password_env: Option<String>,
    /// Seconds a worker's claim on a batch of readers lasts before another
    /// worker may take the unsent ones over.
    pub lease_secs: u64,
    /// Readers claimed at a time by a worker.
    pub claim_batch: usize,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            url: None,
            password_env: None,
            lease_secs: 300,
            claim_batch: 200,
        }
    }
}

impl Config {
    /// Reads and validates a config file, resolving its relative paths.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses config text as if it had been read from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|err| {
            let (line, column) = err
                .span()
                .map(|span| line_and_column(text, span.start))
                .unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: err.message().to_string(),
            }
        })?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        config.resolve_paths(&root);
        if config.delivery.unsubscribe_url.is_empty() {
            config.delivery.unsubscribe_url = format!(
                "{}/unsubscribe/{{token}}",
                config.newsletter.base_url.trim_end_matches('/')
            );
        }
        config.root = root;
        config.source_path = path.to_path_buf();
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, root: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = root.join(&*p);
            }
        };
        fix(&mut self.content.inbox);
        fix(&mut self.content.summaries);
        fix(&mut self.content.data);
        fix(&mut self.content.intro);
        fix(&mut self.delivery.outbox);
        fix(&mut self.subscribers.file);
        fix(&mut self.paths.templates);
        fix(&mut self.paths.dist);
        fix(&mut self.paths.state);
        if let Some(dkim) = &mut self.delivery.dkim {
            fix(&mut dkim.private_key_file);
        }
        for smtp in std::iter::once(&mut self.delivery.smtp).chain(self.delivery.relays.iter_mut())
        {
            if let Some(ca) = &mut smtp.ca_file {
                fix(ca);
            }
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: self.source_path.clone(),
            message,
        };
        if self.timezone().is_none() {
            return Err(invalid(format!(
                "[newsletter] timezone = {:?} is not an IANA time zone name (try \"Europe/London\")",
                self.newsletter.timezone
            )));
        }
        if self.summary.sentences == 0 {
            return Err(invalid(
                "[summary] sentences must be at least 1".to_string(),
            ));
        }
        if self.delivery.smtp.pool == 0 {
            return Err(invalid(
                "[delivery.smtp] pool must be at least 1".to_string(),
            ));
        }
        for (i, smtp) in std::iter::once(&self.delivery.smtp)
            .chain(self.delivery.relays.iter())
            .enumerate()
        {
            let section = if i == 0 {
                "[delivery.smtp]".to_string()
            } else {
                format!("[[delivery.relays]] #{i}")
            };
            if smtp.security == Security::None
                && !smtp.allow_plaintext
                && !is_loopback_host(&smtp.host)
            {
                return Err(invalid(format!(
                    "{section} security = \"none\" would send every message and password in plain text to {}; \
                     use security = \"starttls\" (port 587) or \"tls\" (port 465), or set allow_plaintext = true if the network is trusted",
                    smtp.host
                )));
            }
            if smtp.security == Security::None && smtp.username_env.is_some() {
                return Err(invalid(format!(
                    "{section} has credentials (username_env) but security = \"none\": the password would cross the network in plain text; \
                     use security = \"starttls\" or \"tls\""
                )));
            }
        }
        if !(self.delivery.rate >= 0.0 && self.delivery.rate.is_finite()) {
            return Err(invalid(
                "[delivery] rate must be a number of messages per second, 0 for no limit"
                    .to_string(),
            ));
        }
        if let Some(url) = &self.ledger.url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(invalid(format!(
                    "[ledger] url = {url:?} is not a PostgreSQL URL (postgres://user@host:5432/database); leave it out to use the SQLite file in the state folder"
                )));
            }
            if url::Url::parse(url).is_ok_and(|u| u.password().is_some()) {
                return Err(invalid(
                    "[ledger] url contains a password; put it in an environment variable and name that variable in [ledger] password_env".to_string(),
                ));
            }
        }
        if self.ledger.lease_secs == 0 || self.ledger.claim_batch == 0 {
            return Err(invalid(
                "[ledger] lease_secs and claim_batch must be at least 1".to_string(),
            ));
        }
        if let Some(pattern) = &self.delivery.return_path {
            if !pattern.contains("{token}") || !pattern.contains('@') {
                return Err(invalid(format!(
                    "[delivery] return_path = {pattern:?} needs {{token}} before the @, e.g. \"bounces+{{token}}@example.com\""
                )));
            }
        }
        if self.delivery.soft_bounce_limit == 0 {
            return Err(invalid(
                "[delivery] soft_bounce_limit must be at least 1".to_string(),
            ));
        }
        crate::fetch::sources::validate(&self.sources, &self.fetch).map_err(invalid)?;
        Ok(())
    }

    /// The newsletter's time zone (validated at load time).
    pub fn timezone(&self) -> Option<chrono_tz::Tz> {
        self.newsletter.timezone.parse().ok()
    }

    /// The ledger database.
    pub fn ledger_path(&self) -> PathBuf {
        self.paths.state.join("newsletter.sqlite")
    }
}

/// 1-based line and column of a byte offset, for error messages.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_uses_defaults_and_resolves_paths() {
        let config = Config::from_toml("", Path::new("/srv/news/config.toml")).unwrap();
        assert_eq!(config.content.inbox, Path::new("/srv/news/content/inbox"));
        assert_eq!(config.delivery.transport, Transport::File);
        assert_eq!(
            config.ledger_path(),
            Path::new("/srv/news/state/newsletter.sqlite")
        );
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let text = "[newsletter]\nname = \"A\"\ntagline = oops\n";
        let err = Config::from_toml(text, Path::new("c.toml")).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("c.toml:3:"), "{shown}");
    }

    #[test]
    fn unknown_key_is_rejected() {
        let err = Config::from_toml("[delivery]\ntransprot = \"file\"\n", Path::new("c.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("transprot"), "{err}");
    }

    #[test]
    fn plaintext_smtp_is_only_for_loopback_unless_allowed() {
        let text = |host: &str, extra: &str| {
            format!("[delivery.smtp]\nhost = \"{host}\"\nsecurity = \"none\"\n{extra}")
        };
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "mail.localhost"] {
            Config::from_toml(&text(host, ""), Path::new("c.toml")).unwrap();
        }
        let err = Config::from_toml(&text("mail.example.com", ""), Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml: [delivery.smtp] security = \"none\"")
                && err.contains("allow_plaintext = true"),
            "{err}"
        );
        Config::from_toml(
            &text("mail.example.com", "allow_plaintext = true\n"),
            Path::new("c.toml"),
        )
        .unwrap();
        let relay = "[[delivery.relays]]\nhost = \"10.0.0.5\"\nsecurity = \"none\"\n";
        let err = Config::from_toml(relay, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[[delivery.relays]] #1"), "{err}");
        let creds = text("127.0.0.1", "username_env = \"U\"\npassword_env = \"P\"\n");
        let err = Config::from_toml(&creds, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain text"), "{err}");
    }

    #[test]
    fn ca_file_is_resolved_against_the_config_folder() {
        let text = "[delivery.smtp]\nca_file = \"certs/ca.pem\"\n\n[[delivery.relays]]\nhost = \"b.example\"\nca_file = \"/etc/ca.pem\"\n";
        let config = Config::from_toml(text, Path::new("/srv/news/config.toml")).unwrap();
        assert_eq!(
            config.delivery.smtp.ca_file.as_deref(),
            Some(Path::new("/srv/news/certs/ca.pem"))
        );
        assert_eq!(
            config.delivery.relays[0].ca_file.as_deref(),
            Some(Path::new("/etc/ca.pem"))
        );
    }

    #[test]
    fn bad_timezone_is_rejected() {
        let err = Config::from_toml(
            "[newsletter]\ntimezone = \"Mars/Olympus\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"));
    }
}
