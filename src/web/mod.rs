//! The one HTTP layer that `serve` (public) and `preview` (local) share:
//! axum routers run on hyper's HTTP/1 server on tokio, behind the same
//! tower layers (request timeout, concurrency limit, body cap, security
//! headers, one `tracing` line per request), with the same safe mapping of
//! request paths to files and the same graceful stop.
//!
//! What differs between the two is passed in as a [`Stack`]: the
//! Content-Security-Policy and framing rule, the log target and level, and
//! how a path is cut down before it is logged.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::timeout::TimeoutLayer;

pub mod files;
pub mod paths;

/// Largest request body accepted (the forms are a few hundred bytes).
pub const BODY_LIMIT: usize = 16 * 1024;
/// A request that takes longer than this is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// A client must send a whole request head within this time, or the
/// connection is closed (a slow client cannot hold connections open).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// Requests handled at once; more wait their turn.
pub const CONCURRENCY: usize = 512;

/// Which server is logging, which sets the log line's target and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// `serve`: every request at info, target `newsletter::serve`.
    Serve,
    /// `preview`: at debug (a browser's long-polls would flood the
    /// terminal), target `newsletter::preview`.
    Preview,
}

/// The headers every response gets, unless its handler set them.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `Content-Security-Policy`.
    pub csp: &'static str,
    /// `X-Frame-Options` (`DENY`, or `SAMEORIGIN` where the site frames itself).
    pub frame_options: &'static str,
    /// `Cache-Control`, when the whole site has one.
    pub cache_control: Option<&'static str>,
}

/// What one server sets on the shared layers.
#[derive(Clone)]
pub struct Stack {
    pub app: App,
    pub policy: Policy,
    /// Proxies whose `X-Forwarded-For` is believed for the logged client.
    pub trusted: Arc<[IpAddr]>,
    /// The path as it may be logged (tokens and addresses cut).
    pub loggable_path: fn(&str) -> String,
}

/// `router` behind the shared layers, outermost first: the request log
/// (so it sees every final status, 408 included), the timeout, the
/// concurrency limit, the body cap and the security headers.
pub fn layered<S: Clone + Send + Sync + 'static>(router: Router<S>, stack: Stack) -> Router<S> {
    let policy = stack.policy;
    router.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn_with_state(Arc::new(stack), log_request))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
            .layer(GlobalConcurrencyLimitLayer::new(CONCURRENCY))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                security_headers(policy, request, next)
            })),
    )
}

/// The client's address. The proxy appends the address it saw to
/// `X-Forwarded-For`, so the header is read from the right, skipping our
/// own trusted proxies; anything a client wrote further left is ignored.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.ip();
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// One line per request: method, path (as the stack cuts it), status,
/// latency, client.
async fn log_request(State(stack): State<Arc<Stack>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = (stack.loggable_path)(request.uri().path());
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| client_ip(c.0, request.headers(), &stack.trusted).to_string())
        .unwrap_or_else(|| "-".into());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
    // A log target is fixed at compile time: one call per server.
    match stack.app {
        App::Serve => tracing::info!(
            target: "newsletter::serve",
            method = %method, path = %path, status, latency_ms = %latency_ms, client = %client,
            "request"
        ),
        App::Preview => tracing::debug!(
            target: "newsletter::preview",
            method = %method, path = %path, status, latency_ms = %latency_ms, client = %client,
            "request"
        ),
    }
    response
}

/// The policy's Content-Security-Policy and framing rule unless the
/// handler set its own, and the hardening every page gets.
async fn security_headers(policy: Policy, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(policy.csp));
    if let Some(cache) = policy.cache_control {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(cache));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Tokens travel in URLs, and a local preview's address is nobody's business.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(policy.frame_options),
    );
    response
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and waits for the requests in flight (idle keep-alive
/// connections are closed at once). Each request carries the peer address
/// as axum's `ConnectInfo<SocketAddr>`. Header names go out in their usual
/// capitalisation (`Content-Type`), which some simple clients insist on.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // A connection that died before it was accepted is its
                    // client's problem; anything else (out of file
                    // descriptors) passes if we give it a moment.
                    if !matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                            | std::io::ErrorKind::ConnectionRefused
                    ) {
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .title_case_headers(true)
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!("connection from {peer}: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let trusted = ["127.0.0.1".parse().unwrap()];
        let h = headers("198.51.100.1, 192.0.2.7");
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(stranger, &h, &trusted), stranger.ip());
        assert_eq!(client_ip(proxy, &h, &[]), proxy.ip());
        assert_eq!(client_ip(proxy, &headers("garbage"), &trusted), proxy.ip());
    }
}
