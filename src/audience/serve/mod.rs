//! `newsletter serve`: the public web side. One process on the tokio
//! runtime: the web archive from `dist/`, RFC 8058 one-click unsubscribe,
//! double opt-in subscribe and confirm. Built on the HTTP layer it shares
//! with `preview` ([`crate::web`]: axum on hyper, tower's body cap, request
//! timeout and concurrency limit, one `tracing` line per request, a
//! graceful stop on SIGTERM or Ctrl-C that lets requests in flight finish),
//! with tokens cut and addresses masked in its log.
//!
//! Every write to the subscriber store goes through one writer thread
//! ([`store::Store`]) fed by a channel, so many concurrent requests never
//! meet "database is locked" among themselves, and a send running in
//! another process is waited for in SQLite's busy timeout.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use thiserror::Error;

use crate::config::{Config, Transport};
use crate::web;

mod files;
mod limit;
mod mail;
mod pages;
mod routes;
mod store;

pub use crate::web::client_ip;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("{host:?} is not an IP address to listen on (try 127.0.0.1, or 0.0.0.0 for every interface)")]
    BadHost { host: String },
    #[error("{path}: {message}")]
    BadConfig {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The delivery settings the confirmation mail needs.
    #[error(transparent)]
    Send(#[from] crate::send::SendError),
    #[error("{0}")]
    Runtime(String),
}

impl ServeError {
    /// True when the cause is the user's input (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ServeError::BadHost { .. } | ServeError::BadConfig { .. }
        )
    }
}

/// What `serve` needs besides the config.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub host: String,
    pub port: u16,
}

/// Shared by every request.
pub(crate) struct AppState {
    pub config: Config,
    pub secret: Vec<u8>,
    pub store: store::Store,
    pub limiter: limit::Limiter,
    /// At most a few confirmation mails per address, whoever asks.
    pub mail_limiter: limit::Limiter,
    pub trusted: Arc<[IpAddr]>,
    pub mailer: Arc<mail::Mailer>,
    pub css: String,
}

/// The unsubscribe secret. Unset, it is refused unless the transport is
/// the file transport (a trial set-up whose links were signed with the same
/// public development secret by `send`).
fn secret(config: &Config) -> Result<Vec<u8>, ServeError> {
    let var = &config.delivery.unsubscribe_secret_env;
    match std::env::var(var) {
        Ok(s) if !s.is_empty() => Ok(s.into_bytes()),
        _ if config.delivery.transport == Transport::File => {
            tracing::warn!(
                "{var} is not set: links are checked against the public development secret; set it before real readers use this server"
            );
            Ok(crate::send::message::DEVELOPMENT_SECRET.as_bytes().to_vec())
        }
        _ => Err(ServeError::BadConfig {
            path: config.source_path.clone(),
            message: format!(
                "the environment variable {var} (named by [delivery] unsubscribe_secret_env) is not set; \
                 `serve` checks unsubscribe and confirmation links with it, so set it to the secret `send` uses"
            ),
        }),
    }
}

fn trusted_proxies(config: &Config) -> Result<Arc<[IpAddr]>, ServeError> {
    config
        .serve
        .trusted_proxies
        .iter()
        .map(|p| {
            p.trim().parse().map_err(|_| ServeError::BadConfig {
                path: config.source_path.clone(),
                message: format!(
                    "[serve] trusted_proxies: {p:?} is not an IP address (list the proxy's own address, e.g. \"127.0.0.1\")"
                ),
            })
        })
        .collect()
}

/// Runs the server until SIGTERM or Ctrl-C. `ready` is called with the
/// address once it listens (port 0 picks a free one).
pub fn run(
    config: Config,
    options: &ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let ip: IpAddr = options.host.parse().map_err(|_| ServeError::BadHost {
        host: options.host.clone(),
    })?;
    let secret = secret(&config)?;
    let trusted = trusted_proxies(&config)?;
    let mailer = Arc::new(mail::Mailer::new(&config)?);
    let store = store::Store::start(&config)?;
    let css = pages::stylesheet(&config);
    let limit = config.serve.subscribe_limit.max(1);
    let state = Arc::new(AppState {
        limiter: limit::Limiter::new(limit, Duration::from_secs(600)),
        mail_limiter: limit::Limiter::new(3, Duration::from_secs(3600)),
        config,
        secret,
        store,
        trusted,
        mailer,
        css,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(ip, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        ready(local);
        let app = router(state);
        crate::web::run(listener, app, crate::web::stop_signal())
            .await
            .map_err(|e| ServeError::Runtime(format!("the server failed: {e}")))
    })
}

fn router(state: Arc<AppState>) -> Router {
    let routes = Router::new()
        .route(
            "/unsubscribe/{token}",
            get(routes::unsubscribe_page).post(routes::unsubscribe),
        )
        // Links sent before `serve` existed: /unsubscribe?token=…
        .route(
            "/unsubscribe",
            get(routes::unsubscribe_page_query).post(routes::unsubscribe_query),
        )
        .route(
            "/subscribe",
            get(routes::subscribe_page).post(routes::subscribe),
        )
        .route(
            "/confirm/{token}",
            get(routes::confirm_page).post(routes::confirm),
        )
        .route("/assets/serve.css", get(routes::stylesheet))
        .fallback(files::archive);
    let stack = web::Stack {
        app: web::App::Serve,
        policy: web::Policy {
            csp: pages::CSP,
            frame_options: "DENY",
            cache_control: None,
        },
        trusted: Arc::clone(&state.trusted),
        loggable_path,
    };
    web::layered(routes, stack).with_state(state)
}

/// The path as logged: tokens cut, any segment with an `@` masked, no query.
pub fn loggable_path(path: &str) -> String {
    for prefix in ["/unsubscribe/", "/confirm/"] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}…");
        }
    }
    path.split('/')
        .map(|segment| {
            if segment.contains('@') || segment.contains("%40") {
                "…"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_carry_no_token_or_address() {
        assert_eq!(
            loggable_path("/unsubscribe/u1.616e6e.abcd"),
            "/unsubscribe/…"
        );
        assert_eq!(loggable_path("/confirm/c1.61.5.ab"), "/confirm/…");
        assert_eq!(loggable_path("/unsubscribe"), "/unsubscribe");
        assert_eq!(loggable_path("/x/ann@example.com/y"), "/x/…/y");
        assert_eq!(loggable_path("/issues/001/"), "/issues/001/");
    }
}
