//! The web archive: files under `dist/`, and nothing else. Paths are judged
//! by the preview's checks (any `..`, `.`, backslash, colon or NUL however
//! encoded is refused; the file must stay inside `dist/` after symlinks).
//! A folder asked for without its slash is redirected to the same folder
//! with one, rebuilt from the checked segments: always a path on this site.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::preview::paths;

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
    let Some(segments) = paths::safe_segments(path) else {
        return not_found();
    };
    if !path.ends_with('/') && !segments.is_empty() {
        let folder = segments.iter().fold(dist.clone(), |p, s| p.join(s));
        if folder.is_dir() {
            return (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, paths::folder_url(&segments))],
            )
                .into_response();
        }
    }
    let Some(file) = paths::resolve(dist, path) else {
        return not_found();
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
