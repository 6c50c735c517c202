//! A real HTTP server on loopback (axum, port 0) serving feeds, article
//! pages and faults for the fetch tests, with a log of every request.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub accept_encoding: Option<String>,
}

/// Requests being answered right now, and the most there ever were at once.
#[derive(Debug, Default)]
pub struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

impl Gauge {
    pub fn max(&self) -> usize {
        self.max.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn enter(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.max.fetch_max(now, SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[derive(Default)]
struct Inner {
    /// This server's in-flight requests, and any shared with other servers.
    gauges: Vec<Arc<Gauge>>,
    /// How long each document request waits before it is answered.
    delay_ms: u64,
    log: Vec<Seen>,
    /// Documents by path: (content type, body).
    docs: HashMap<String, (String, Vec<u8>)>,
    /// Paths served gzip-encoded to clients that accept it.
    gzipped: std::collections::HashSet<String>,
}

/// The running server; it stops with the test process.
#[derive(Clone)]
pub struct FeedServer {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl FeedServer {
    pub fn start() -> FeedServer {
        Self::start_slow(0, None)
    }

    /// A server whose documents each take `delay_ms`, counting its requests
    /// in flight in its own gauge and in `shared` (one across servers).
    pub fn start_slow(delay_ms: u64, shared: Option<Arc<Gauge>>) -> FeedServer {
        let mut gauges = vec![Arc::new(Gauge::default())];
        gauges.extend(shared);
        let inner = Arc::new(Mutex::new(Inner {
            gauges,
            delay_ms,
            ..Inner::default()
        }));
        let state = Arc::clone(&inner);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let app = Router::new()
                    .route("/hang", get(hang))
                    .route("/loop-a", get(|| async { redirect("/loop-b") }))
                    .route("/loop-b", get(|| async { redirect("/loop-a") }))
                    .route("/moved", get(|| async { redirect("/pages/refinery.html") }))
                    .route("/{*path}", get(document))
                    .with_state(state);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        FeedServer { addr, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `body` at `path` (replacing what was there).
    pub fn put(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.inner
            .lock()
            .unwrap()
            .docs
            .insert(path.to_string(), (content_type.to_string(), body.into()));
    }

    /// Serves `body` at `path`, gzip-encoded when the client accepts gzip.
    pub fn put_gzip(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.put(path, content_type, body);
        self.inner.lock().unwrap().gzipped.insert(path.to_string());
    }

    /// The most requests this server answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.inner.lock().unwrap().gauges[0].max()
    }

    /// Every request so far, oldest first.
    pub fn log(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().log.clone()
    }

    /// Requests for `path`.
    pub fn hits(&self, path: &str) -> Vec<Seen> {
        self.log().into_iter().filter(|s| s.path == path).collect()
    }

    pub fn clear_log(&self) {
        self.inner.lock().unwrap().log.clear();
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

async fn hang() -> Response {
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    StatusCode::OK.into_response()
}

/// A stored document, with an ETag (its digest) and a fixed Last-Modified,
/// answering If-None-Match and If-Modified-Since with 304.
async fn document(
    State(state): State<Arc<Mutex<Inner>>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{path}");
    let value = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let seen = Seen {
        path: path.clone(),
        if_none_match: value(header::IF_NONE_MATCH),
        if_modified_since: value(header::IF_MODIFIED_SINCE),
        user_agent: value(header::USER_AGENT),
        accept_encoding: value(header::ACCEPT_ENCODING),
    };
    let (found, gzipped, gauges, delay_ms) = {
        let mut inner = state.lock().unwrap();
        inner.log.push(seen.clone());
        (
            inner.docs.get(&path).cloned(),
            inner.gzipped.contains(&path),
            inner.gauges.clone(),
            inner.delay_ms,
        )
    };
    if delay_ms > 0 {
        gauges.iter().for_each(|g| g.enter());
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        gauges.iter().for_each(|g| g.leave());
    }
    let Some((content_type, body)) = found else {
        return (StatusCode::NOT_FOUND, "no such document").into_response();
    };
    let etag = format!("\"{:016x}\"", fnv(&body));
    let last_modified = "Mon, 30 Nov 2026 07:00:00 GMT";
    if seen.if_none_match.as_deref() == Some(etag.as_str())
        || (seen.if_none_match.is_none()
            && seen.if_modified_since.as_deref() == Some(last_modified))
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::ETAG, etag),
        (header::LAST_MODIFIED, last_modified.to_string()),
    ];
    if gzipped
        && seen
            .accept_encoding
            .as_deref()
            .is_some_and(|a| a.contains("gzip"))
    {
        return (
            headers,
            [(header::CONTENT_ENCODING, "gzip")],
            gzip_stored(&body),
        )
            .into_response();
    }
    (headers, body).into_response()
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks:
/// a valid gzip stream for the client to decode, with no compressor needed.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = u8::from(chunks.peek().is_none());
        let len = chunk.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A raw server that answers every connection with a 200 and `megabytes` MB
/// of generated feed-looking bytes, without a Content-Length, so only a
/// streamed cap can stop it. Returns its address.
pub fn start_huge(megabytes: usize) -> SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 1 << 20];
                for _ in 0..megabytes {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}
