//! The preview's HTTP side, on the web layer it shares with `serve`
//! ([`crate::web`]): the long-poll the reload script waits on, the
//! preview's own pages, and the built files with the script injected into
//! HTML. GET and HEAD only; bound to loopback it answers only to localhost
//! names, which stops other web sites reaching it by DNS rebinding.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{pages, Shared};
use crate::web::files::{lookup, Found};
use crate::web::{self, paths};

/// Longest a long-poll waits before answering "no change": under the
/// shared request timeout, so a poll is never cut off with a 408.
const POLL_WAIT: Duration = Duration::from_secs(10);

/// The preview frames its own pages (the email in a desktop or phone
/// frame) and must show the email as it is, inline script and styles and
/// remote images included; it only refuses being framed by other sites.
const POLICY: web::Policy = web::Policy {
    csp: "frame-ancestors 'self'",
    frame_options: "SAMEORIGIN",
    cache_control: Some("no-store"),
};

/// Nothing in a preview path is secret.
fn as_is(path: &str) -> String {
    path.to_string()
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    let routes = Router::new()
        .route(pages::POLL_PATH, get(poll))
        .fallback(page)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), guard));
    let stack = web::Stack {
        app: web::App::Preview,
        policy: POLICY,
        trusted: Arc::from([]),
        loggable_path: as_is,
    };
    web::layered(routes, stack).with_state(shared)
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn html(status: StatusCode, page: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn host_allowed(request: &Request) -> bool {
    let Some(host) = request
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).to_ascii_lowercase())
    else {
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1") || name.starts_with("127.")
}

/// What every request passes first: the method, the Host, the target form.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return text(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
    }
    if shared.loopback && !host_allowed(&request) {
        return text(
            StatusCode::FORBIDDEN,
            "the preview answers only to localhost\n",
        );
    }
    // `GET http://host/path`: a proxy's request, naming some other host.
    if request.uri().authority().is_some() {
        return text(StatusCode::BAD_REQUEST, "a path only, please\n");
    }
    next.run(request).await
}

/// The long-poll: answers with the generation once it differs from
/// `since`, after [`POLL_WAIT`] regardless, or at once when stopping.
async fn poll(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let since: u64 = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "since")
                .and_then(|(_, v)| v.parse().ok())
        })
        .unwrap_or(0);
    let mut generations = shared.generations.subscribe();
    let mut closing = shared.closing.subscribe();
    tokio::select! {
        _ = tokio::time::timeout(POLL_WAIT, generations.wait_for(|g| *g != since)) => {}
        _ = closing.wait_for(|closing| *closing) => {}
    }
    let generation = *shared.generations.borrow();
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"generation\":{generation}}}"),
    )
        .into_response()
}

/// The preview's pages and the built files.
async fn page(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let path = uri.path();
    let (generation, site, error) = {
        let state = shared.lock();
        (state.generation, state.site.clone(), state.error.clone())
    };
    let issue = site.as_ref().and_then(|s| s.issue.clone());

    // While the last build is broken, every page shows why (and reloads once fixed).
    let last = path.rsplit('/').next().unwrap_or("");
    let wants_page = !last.contains('.') || last.ends_with(".html") || last.ends_with(".htm");
    if let Some(message) = error.filter(|_| wants_page) {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::build_error(&message, issue.as_ref(), generation),
        );
    }
    if path == "/" || path == "/_preview/" {
        return html(StatusCode::OK, pages::front(issue.as_ref(), generation));
    }
    if let Some(view) = path.strip_prefix("/_preview/") {
        return match issue
            .as_ref()
            .and_then(|issue| pages::framed(issue, view, generation))
        {
            Some(page) => html(StatusCode::OK, page),
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        };
    }
    let Some(site) = site else {
        return text(StatusCode::NOT_FOUND, "not built\n");
    };
    let file = match lookup(&site.root, path) {
        Found::File(file) => file,
        Found::Folder(location) => {
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        Found::Missing => return text(StatusCode::NOT_FOUND, "not found\n"),
    };
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return text(StatusCode::NOT_FOUND, "not found\n");
    };
    let content_type = paths::content_type(&file);
    if content_type.starts_with("text/html") {
        let page = pages::inject(&String::from_utf8_lossy(&bytes), generation);
        return html(StatusCode::OK, page);
    }
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}
