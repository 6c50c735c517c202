//! The web archive: files under `dist/`, and nothing else, found by
//! [`crate::web::files::lookup`] (the checks `preview` uses too). A folder
//! asked for without its slash is redirected (308) to the same folder with
//! one: always a path on this site.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::web::files::{lookup, Found};
use crate::web::paths;

use super::{pages, AppState};

/// Archive pages carry the email's inline styles, so they may use inline
/// style; still no script, no framing and no forms to elsewhere.
const ARCHIVE_CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn archive(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "only GET and HEAD here\n",
        )
            .into_response();
    }
    let dist = &state.config.paths.dist;
    let path = uri.path();
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            pages::message(
                &state.config,
                "Not found",
                "There is no page at this address.",
            ),
        )
            .into_response()
    };
    let file = match lookup(dist, path) {
        Found::File(file) => file,
        Found::Folder(location) => {
            return (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        Found::Missing => return not_found(),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut response = (
                [(header::CONTENT_TYPE, paths::content_type(&file))],
                if method == Method::HEAD {
                    Vec::new()
                } else {
                    bytes
                },
            )
                .into_response();
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(ARCHIVE_CSP),
            );
            response
        }
        Err(_) => not_found(),
    }
}
