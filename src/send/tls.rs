//! What a relay's certificate is checked against, and what a failed check
//! means in words a publisher can act on.
//!
//! Trust is the operating system's store (so a corporate CA installed there
//! just works; `SSL_CERT_FILE`/`SSL_CERT_DIR` are honoured), the Mozilla
//! roots where the system has none, plus the relay's own `ca_file`. The host
//! name is always verified and there is deliberately no way to turn any of
//! this off: `security = "none"` is the only way to skip TLS.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use lettre::transport::smtp::client::{
    Certificate, CertificateStore, TlsParameters, TlsParametersBuilder,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, ClientConfig, RootCertStore};

/// The system's trust anchors, read once per process; empty when the
/// system has none (a bare container), in which case the Mozilla roots are used.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The certificates one relay's TLS is checked against.
#[derive(Clone)]
pub struct Trust {
    client: Arc<ClientConfig>,
    starttls: TlsParameters,
    ca_file: Option<PathBuf>,
    extra: usize,
    system: usize,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Reads the CA certificates of a `ca_file`; a message naming the file when
/// it is unreadable or holds no certificate.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{}: cannot read the ca_file: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: holds no \"BEGIN CERTIFICATE\" block; ca_file must be the PEM certificate of the CA that signed the relay's certificate",
            path.display()
        ));
    }
    Ok(certs)
}

impl Trust {
    /// Trust for a connection to `host`, with the certificates of `ca_file` added.
    pub fn new(host: &str, ca_file: Option<&Path>) -> Result<Trust, String> {
        let extra = match ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let system = system_roots();
        let mut roots = RootCertStore::empty();
        let mut builder = TlsParametersBuilder::new(host.to_string());
        if system.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            builder = builder.certificate_store(CertificateStore::WebpkiRoots);
        } else {
            roots.add_parsable_certificates(system.iter().cloned());
            builder = builder.certificate_store(CertificateStore::None);
            for cert in system {
                if let Ok(c) = Certificate::from_der(cert.to_vec()) {
                    builder = builder.add_root_certificate(c);
                }
            }
        }
        for cert in &extra {
            roots.add(cert.clone()).map_err(|e| {
                format!(
                    "{}: a certificate in the ca_file is not usable as a CA: {e}",
                    ca_file.map(|p| p.display().to_string()).unwrap_or_default()
                )
            })?;
            let c = Certificate::from_der(cert.to_vec()).map_err(|e| e.to_string())?;
            builder = builder.add_root_certificate(c);
        }
        let client =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
        let starttls = builder
            .build_rustls()
            .map_err(|e| format!("TLS setup for {host}: {e}"))?;
        Ok(Trust {
            client: Arc::new(client),
            starttls,
            ca_file: ca_file.map(Path::to_path_buf),
            extra: extra.len(),
            system: system.len(),
        })
    }

    /// The rustls configuration for implicit TLS.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.client)
    }

    /// The parameters lettre upgrades a STARTTLS connection with.
    pub fn starttls_parameters(&self) -> TlsParameters {
        self.starttls.clone()
    }

    /// Where the trusted certificates come from, for messages and `check`.
    pub fn describe(&self) -> String {
        let base = if self.system == 0 {
            "the Mozilla roots (the system has no trust store)".to_string()
        } else {
            format!(
                "the system trust store ({} certificate{})",
                self.system,
                if self.system == 1 { "" } else { "s" }
            )
        };
        match &self.ca_file {
            Some(p) => format!(
                "{base} and ca_file {} ({} certificate{})",
                p.display(),
                self.extra,
                if self.extra == 1 { "" } else { "s" }
            ),
            None => base,
        }
    }
}

/// The rustls error somewhere in an error's chain (lettre and tokio-rustls
/// wrap it in `io::Error`s, whose `source()` skips the wrapped error).
pub fn find_rustls_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = find_rustls_error(inner) {
                return Some(found);
            }
        }
        next = e.source();
    }
    None
}

/// `mail.example.org` out of rustls's `DnsName("mail.example.org")`.
fn bare_name(presented: &str) -> &str {
    match (presented.find('('), presented.rfind(')')) {
        (Some(open), Some(close)) if open < close => presented[open + 1..close].trim_matches('"'),
        _ => presented,
    }
}

fn date(t: rustls::pki_types::UnixTime) -> String {
    chrono::DateTime::from_timestamp(t.as_secs() as i64, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{}s after 1970", t.as_secs()))
}

/// Says what a failed certificate check means and what to do about it.
/// `relay` is the relay as shown to the user, `host` the name dialled.
pub fn explain(err: &rustls::Error, relay: &str, host: &str, trust: &Trust) -> String {
    let cert = match err {
        rustls::Error::InvalidCertificate(c) => c,
        other => return format!("TLS with {relay} failed: {other}"),
    };
    match cert {
        CertificateError::NotValidForName => format!(
            "TLS with {relay}: the server's certificate is for another host name, not {host:?}; \
             set host to a name the certificate lists, or have the relay's certificate reissued for {host}"
        ),
        CertificateError::NotValidForNameContext { presented, .. } => format!(
            "TLS with {relay}: the server's certificate is for another host name ({}), not {host:?}; \
             set host to a name the certificate lists, or have the relay's certificate reissued for {host}",
            if presented.is_empty() {
                "it names no host".to_string()
            } else {
                let names: Vec<&str> = presented.iter().map(|n| bare_name(n)).collect();
                format!("it names {}", names.join(", "))
            }
        ),
        CertificateError::Expired => format!(
            "TLS with {relay}: the server's certificate has expired; the relay's administrator must renew it"
        ),
        CertificateError::ExpiredContext { not_after, .. } => format!(
            "TLS with {relay}: the server's certificate expired on {}; the relay's administrator must renew it",
            date(*not_after)
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
            "TLS with {relay}: the server's certificate is not valid yet; check this machine's clock and the certificate's dates"
        ),
        CertificateError::UnknownIssuer => format!(
            "TLS with {relay}: the server's certificate is signed by a CA that is not trusted here (checked against {}); \
             if the relay uses a private or corporate CA, set ca_file = \"path/to/ca.pem\" for it in [delivery.smtp] or [[delivery.relays]]",
            trust.describe()
        ),
        other => format!("TLS with {relay}: the server's certificate was refused: {other:?}"),
    }
}
