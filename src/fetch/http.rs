//! The HTTP side of fetching, made to be a good citizen and hard to abuse:
//! one `User-Agent` naming the newsletter, connect and total timeouts, a
//! streamed size cap, at most N requests in flight and one per host, a
//! redirect limit, conditional GET, `robots.txt` for pages, and no request
//! to a loopback, private or link-local address unless the source allows it
//! (checked on the resolved addresses, for every redirect hop too).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{
    ACCEPT, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
};
use tokio::sync::{OnceCell, Semaphore};
use url::{Host, Url};

use super::sources::FetchConfig;
use crate::ledger::Validators;

/// Why a URL could not be fetched; the text is what the report shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchFailure {
    #[error("DNS: {0}")]
    Dns(String),
    #[error("refused: {0} (set allow_private = true on the source to allow it)")]
    Blocked(String),
    #[error("timeout: no complete answer within {0} s")]
    Timeout(u64),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("too large: the response passed the {0}-byte limit ([fetch] max_bytes)")]
    TooLarge(u64),
    #[error("redirects: {0}")]
    Redirect(String),
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("disallowed by robots.txt")]
    Robots,
    #[error("robots.txt could not be read ({0}); the page is tried again next run")]
    RobotsUnreachable(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

/// Raised by the resolver (and by the redirect checks), and found again in the
/// error chain reqwest returns, so the report can say what happened.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DnsFailed(String);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct RedirectRefused(String);

/// A full (200) response, body read under the size cap.
#[derive(Debug, Clone)]
pub struct Response {
    /// Where the body came from, after redirects.
    pub url: Url,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
}

/// A GET's outcome when the server answered well.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the copy we have is current.
    NotModified,
    Full(Response),
}

/// What robots.txt says for one origin.
enum RobotsRule {
    AllowAll,
    Rules(Box<texting_robots::Robot>),
    Unreachable(FetchFailure),
}

/// The product token matched against robots.txt `User-agent` lines.
pub const ROBOTS_AGENT: &str = "newsletter";

/// Shared by every fetch of a run: the clients and the limits.
pub struct Http {
    strict: reqwest::Client,
    permissive: reqwest::Client,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    robots: Mutex<HashMap<String, Arc<OnceCell<RobotsRule>>>>,
    max_bytes: u64,
    max_redirects: usize,
    timeout_secs: u64,
}

impl Http {
    /// Builds the two clients (with and without private addresses).
    pub fn new(config: &FetchConfig, user_agent: &str) -> Result<Http, FetchFailure> {
        let build = |allow_private: bool| {
            reqwest::Client::builder()
                .user_agent(user_agent)
                .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
                .timeout(Duration::from_secs(config.timeout_secs))
                // A proxy would resolve names itself, out of the resolver's sight.
                .no_proxy()
                .dns_resolver(Arc::new(GuardedResolver { allow_private }))
                // Redirects are followed in `get`, so that every hop waits
                // for its own host's turn and is checked like the first.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| FetchFailure::Other(format!("cannot set up the HTTP client: {e}")))
        };
        Ok(Http {
            strict: build(false)?,
            permissive: build(true)?,
            global: Semaphore::new(config.concurrency.max(1)),
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            max_bytes: config.max_bytes,
            max_redirects: config.max_redirects,
            timeout_secs: config.timeout_secs,
        })
    }

    /// GETs `url` (conditionally, when `validators` are given), waiting for
    /// its host's turn and a free slot; the body is read up to the size cap.
    pub async fn get(
        &self,
        url: &Url,
        allow_private: bool,
        validators: Option<&Validators>,
        accept: &str,
    ) -> Result<Fetched, FetchFailure> {
        let client = if allow_private {
            &self.permissive
        } else {
            &self.strict
        };
        let mut current = url.clone();
        let mut previous: Vec<Url> = Vec::new();
        // The permits of the hop that answered stay held while its body is read.
        let (mut response, _host_turn, _slot) = loop {
            check_target(&current, allow_private)?;
            let host = self.host_slot(&current);
            let host_turn = host.acquire_owned().await;
            let slot = self.global.acquire().await;
            let mut request = client.get(current.clone()).header(ACCEPT, accept);
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    request = request.header(IF_NONE_MATCH, etag);
                }
                if let Some(date) = &v.last_modified {
                    request = request.header(IF_MODIFIED_SINCE, date);
                }
            }
            let response = request.send().await.map_err(|e| self.classify(&e))?;
            let status = response.status();
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match location {
                Some(to)
                    if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED =>
                {
                    let next = current.join(&to).map_err(|e| {
                        FetchFailure::Redirect(format!(
                            "{current} redirects to {to:?}, not a URL ({e})"
                        ))
                    })?;
                    previous.push(current);
                    check_redirect(&next, &previous, self.max_redirects, allow_private)
                        .map_err(|e| FetchFailure::Redirect(e.0))?;
                    current = next;
                }
                _ => break (response, host_turn, slot),
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchFailure::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes)
        {
            return Err(FetchFailure::TooLarge(self.max_bytes));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(CONTENT_TYPE);
        let final_url = current;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            if (body.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(FetchFailure::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Full(Response {
            url: final_url,
            content_type,
            body,
            validators,
        }))
    }

    /// Fails unless the origin's robots.txt lets us fetch `url`. Read once
    /// per origin and run; a missing file (4xx) allows everything, an
    /// unreachable one (5xx, network) nothing, as RFC 9309 asks.
    pub async fn robots_allow(&self, url: &Url, allow_private: bool) -> Result<(), FetchFailure> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(map.entry(origin.clone()).or_default())
        };
        let rule = cell
            .get_or_init(|| async {
                let Ok(robots_url) = Url::parse(&format!("{origin}/robots.txt")) else {
                    return RobotsRule::AllowAll;
                };
                match self
                    .get(&robots_url, allow_private, None, "text/plain")
                    .await
                {
                    Ok(Fetched::Full(r)) => match texting_robots::Robot::new(ROBOTS_AGENT, &r.body)
                    {
                        Ok(robot) => RobotsRule::Rules(Box::new(robot)),
                        Err(_) => RobotsRule::AllowAll,
                    },
                    Ok(Fetched::NotModified) => RobotsRule::AllowAll,
                    Err(FetchFailure::Status(code)) if (400..500).contains(&code) => {
                        RobotsRule::AllowAll
                    }
                    Err(FetchFailure::TooLarge(_)) => RobotsRule::AllowAll,
                    Err(err) => RobotsRule::Unreachable(err),
                }
            })
            .await;
        match rule {
            RobotsRule::AllowAll => Ok(()),
            RobotsRule::Rules(robot) if robot.allowed(url.as_str()) => Ok(()),
            RobotsRule::Rules(_) => Err(FetchFailure::Robots),
            // What stops robots.txt (DNS, a refused address, a timeout)
            // stops the page too, and is the clearer reason to give.
            RobotsRule::Unreachable(
                why @ (FetchFailure::Dns(_)
                | FetchFailure::Blocked(_)
                | FetchFailure::Timeout(_)
                | FetchFailure::Connect(_)),
            ) => Err(why.clone()),
            RobotsRule::Unreachable(why) => Err(FetchFailure::RobotsUnreachable(why.to_string())),
        }
    }

    /// The one-at-a-time slot of `url`'s host (host and port: one server).
    fn host_slot(&self, url: &Url) -> Arc<Semaphore> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(1))),
        )
    }

    /// Turns reqwest's error into the reason a report gives.
    fn classify(&self, err: &reqwest::Error) -> FetchFailure {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
        let mut innermost = err.to_string();
        while let Some(e) = cause {
            if let Some(r) = e.downcast_ref::<Refused>() {
                return FetchFailure::Blocked(r.0.clone());
            }
            if let Some(d) = e.downcast_ref::<DnsFailed>() {
                return FetchFailure::Dns(d.0.clone());
            }
            innermost = e.to_string();
            cause = e.source();
        }
        if err.is_timeout() {
            FetchFailure::Timeout(self.timeout_secs)
        } else if err.is_connect() {
            FetchFailure::Connect(innermost)
        } else {
            FetchFailure::Other(innermost)
        }
    }
}

/// Refuses a URL that is not http(s), or whose host is an address literal
/// in a private range (names are checked by the resolver).
pub fn check_target(url: &Url, allow_private: bool) -> Result<(), FetchFailure> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchFailure::Blocked(format!(
            "{url}: only http and https are fetched"
        )));
    }
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(_)) => return Ok(()),
        None => return Err(FetchFailure::Blocked(format!("{url}: no host"))),
    };
    if is_private(ip) {
        return Err(FetchFailure::Blocked(format!(
            "{url} is a loopback, private or link-local address"
        )));
    }
    Ok(())
}

fn check_redirect(
    next: &Url,
    previous: &[Url],
    max: usize,
    allow_private: bool,
) -> Result<(), RedirectRefused> {
    if previous.iter().any(|u| u == next) {
        return Err(RedirectRefused(format!("redirect loop back to {next}")));
    }
    if previous.len() > max {
        return Err(RedirectRefused(format!(
            "more than {max} redirects ([fetch] max_redirects), last to {next}"
        )));
    }
    check_target(next, allow_private).map_err(|e| RedirectRefused(format!("redirect {e}")))
}

/// Loopback, private (RFC 1918, unique local), link-local, shared (CGNAT),
/// unspecified, broadcast and multicast addresses: nothing a public feed
/// should lead to.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves names with the system resolver and refuses the lot when any
/// address is private (a name answering with one public and one private
/// address must not be a way in).
type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| -> BoxError {
                    DnsFailed(format!("cannot resolve {host}: {e}")).into()
                })?
                .collect();
            if found.is_empty() {
                return Err(DnsFailed(format!("{host} has no address")).into());
            }
            if !allow_private {
                if let Some(bad) = found.iter().find(|a| is_private(a.ip())) {
                    return Err(Refused(format!(
                        "{host} resolves to {}, a loopback, private or link-local address",
                        bad.ip()
                    ))
                    .into());
                }
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Decodes a page to text: a byte-order mark, else the charset in the
/// Content-Type header, else the page's `<meta charset>`, else UTF-8 when
/// the bytes are valid UTF-8, else windows-1252 (what browsers assume).
pub fn decode_page(body: &[u8], content_type: Option<&str>) -> String {
    use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding.decode_with_bom_removal(body).0.into_owned();
    }
    let label = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&body[..body.len().min(4096)]));
    let encoding = label
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        // A declared UTF-16 (or "replacement") means UTF-8, as in browsers:
        // the declaration itself was readable as ASCII.
        .map(|e| e.output_encoding())
        .unwrap_or_else(|| {
            if std::str::from_utf8(body).is_ok() {
                UTF_8
            } else {
                WINDOWS_1252
            }
        });
    encoding.decode_without_bom_handling(body).0.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The charset a page declares in its first bytes: `<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(pos) = tag.find("charset") {
            let value = tag[pos + 7..].trim_start().strip_prefix('=')?.trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
                .unwrap_or(value.len());
            if end > 0 {
                return Some(value[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_addresses_and_other_schemes_are_refused() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(check_target(&url("http://127.0.0.1:8080/feed"), false).is_err());
        assert!(check_target(&url("http://[::1]/feed"), false).is_err());
        assert!(check_target(&url("http://127.0.0.1:8080/feed"), true).is_ok());
        assert!(check_target(&url("ftp://example.com/feed"), true).is_err());
        assert!(check_target(&url("https://example.com/feed"), false).is_ok());
    }

    #[test]
    fn redirect_loops_and_long_chains_stop() {
        let a = Url::parse("https://a.example/1").unwrap();
        let b = Url::parse("https://a.example/2").unwrap();
        let err = check_redirect(&a, &[a.clone(), b.clone()], 5, false).unwrap_err();
        assert!(err.0.contains("loop"), "{err}");
        let chain: Vec<Url> = (0..6)
            .map(|i| Url::parse(&format!("https://a.example/r{i}")).unwrap())
            .collect();
        let err = check_redirect(&b, &chain, 5, false).unwrap_err();
        assert!(err.0.contains("more than 5"), "{err}");
        assert!(check_redirect(&b, &chain[..2], 5, false).is_ok());
        let inner = Url::parse("http://10.0.0.1/").unwrap();
        assert!(check_redirect(&inner, &chain[..1], 5, false).is_err());
    }

    #[test]
    fn charset_from_header_then_meta_then_guess() {
        let cafe = b"<p>caf\xe9 \x93quoted\x94</p>";
        assert_eq!(
            decode_page(cafe, Some("text/html; charset=windows-1252")),
            "<p>café “quoted”</p>"
        );
        let with_meta = b"<html><head><meta charset=\"iso-8859-1\"></head><p>caf\xe9</p>";
        assert!(decode_page(with_meta, Some("text/html")).contains("café"));
        let http_equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><p>\x93x\x94</p>";
        assert!(decode_page(http_equiv, None).contains("“x”"));
        assert_eq!(decode_page("naïve".as_bytes(), None), "naïve");
        assert_eq!(decode_page(b"caf\xe9", None), "café");
    }
}
