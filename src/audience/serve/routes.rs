//! The endpoints. A GET never changes anything (mail scanners follow
//! links); each state change is a POST carrying a signed token. Bad tokens
//! get 4xx and change nothing; no answer redirects anywhere.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::audience::tokens::{self, mask_address, TokenError};
use crate::ledger::StatusChange;
use crate::web::client_ip;

use super::limit::limit_key;
use super::store::{Confirmed, Requested};
use super::{pages, AppState};

/// The RFC 8058 body, also what the unsubscribe page's form posts.
const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Token pages are personal: no cache keeps them.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn bad_link(state: &AppState, why: TokenError) -> Response {
    let (status, text) = match why {
        TokenError::Invalid => (
            StatusCode::BAD_REQUEST,
            "This link is not valid. Copy the whole link from the email, or use the link in a newer issue.",
        ),
        TokenError::Expired => (
            StatusCode::GONE,
            "This confirmation link has expired. Subscribe again to get a new one.",
        ),
    };
    html(
        status,
        pages::message(&state.config, "Link not valid", text),
    )
}

fn unavailable(state: &AppState, error: &str) -> Response {
    tracing::error!(target: "newsletter::serve", "subscriber store: {error}");
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message(
            &state.config,
            "Please try again",
            "Something went wrong on our side; nothing was changed. Please try again in a minute.",
        ),
    )
}

pub async fn stylesheet(State(state): State<Arc<AppState>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        state.css.clone(),
    )
        .into_response()
}

// ---- unsubscribe ----

fn unsubscribe_page_for(state: &AppState, token: &str) -> Response {
    match tokens::verify_unsubscribe(&state.secret, token) {
        Err(why) => bad_link(state, why),
        Ok(address) => html(
            StatusCode::OK,
            pages::button(
                &state.config,
                "Unsubscribe",
                &format!(
                    "Press the button to stop {} being sent to {address}. You can subscribe again at any time.",
                    state.config.newsletter.name
                ),
                &[("List-Unsubscribe", "One-Click")],
                "Unsubscribe",
            ),
        ),
    }
}

/// True for the RFC 8058 body, urlencoded or multipart/form-data.
fn is_one_click(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    if url::form_urlencoded::parse(text.as_bytes())
        .any(|(k, v)| k == "List-Unsubscribe" && v == "One-Click")
    {
        return true;
    }
    text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click")
}

async fn unsubscribe_with(state: Arc<AppState>, token: &str, body: &[u8]) -> Response {
    let address = match tokens::verify_unsubscribe(&state.secret, token) {
        Ok(a) => a,
        Err(why) => return bad_link(&state, why),
    };
    if !is_one_click(body) {
        return html(
            StatusCode::BAD_REQUEST,
            pages::message(
                &state.config,
                "Nothing changed",
                &format!("An unsubscribe request carries the body {ONE_CLICK}; open the link in a browser and press the button."),
            ),
        );
    }
    let who = address.clone();
    let result = state
        .store
        .call(move |w| w.unsubscribe(&who, "one-click unsubscribe"))
        .await;
    match result {
        Ok(change) => {
            if change != StatusChange::Unchanged {
                tracing::info!(target: "newsletter::serve", reader = %mask_address(&address), "unsubscribed");
            }
            html(
                StatusCode::OK,
                pages::message(
                    &state.config,
                    "You are unsubscribed",
                    &format!(
                        "{address} will not be sent {} again. If this was a mistake, subscribe again at any time.",
                        state.config.newsletter.name
                    ),
                ),
            )
        }
        Err(e) => unavailable(&state, &e),
    }
}

pub async fn unsubscribe_page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    unsubscribe_page_for(&state, &token)
}

pub async fn unsubscribe(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    unsubscribe_with(state, &token, &body).await
}

pub async fn unsubscribe_page_query(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    unsubscribe_page_for(&state, query.token.as_deref().unwrap_or(""))
}

pub async fn unsubscribe_query(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    unsubscribe_with(state, query.token.as_deref().unwrap_or(""), &body).await
}

// ---- subscribe ----

pub async fn subscribe_page(State(state): State<Arc<AppState>>) -> Response {
    html(StatusCode::OK, pages::subscribe_form(&state.config, None))
}

/// The one answer to every acceptable subscribe post, known address or not.
fn check_your_inbox(state: &AppState) -> Response {
    html(
        StatusCode::OK,
        pages::message(
            &state.config,
            "Check your inbox",
            "If that address can be subscribed, a message with a confirmation link is on its way. Nothing will be sent until you follow it.",
        ),
    )
}

/// Keeps a name to one plain line of a sensible length.
fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
        .trim()
        .to_string()
}

pub async fn subscribe(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client = client_ip(peer, &headers, &state.trusted);
    if !state.limiter.allow(&limit_key(client)) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "600")],
            html(
                StatusCode::TOO_MANY_REQUESTS,
                pages::message(
                    &state.config,
                    "Too many requests",
                    "Too many subscribe requests from your address; please try again in ten minutes.",
                ),
            ),
        )
            .into_response();
    }
    let mut email = String::new();
    let mut name = String::new();
    let mut honeypot = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "email" => email = v.trim().to_string(),
            "name" => name = clean_name(&v),
            "website" => honeypot = v.into_owned(),
            _ => {}
        }
    }
    if !honeypot.is_empty() {
        return check_your_inbox(&state); // a bot: same answer, nothing done
    }
    let valid = email.len() <= 254
        && !email.contains('[')
        && crate::send::subscribers::validate_address(&email).is_ok();
    if !valid {
        return html(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::subscribe_form(
                &state.config,
                Some("That does not look like an email address; please check it."),
            ),
        );
    }
    let (who, as_name) = (email.clone(), name.clone());
    match state.store.call(move |w| w.request(&who, &as_name)).await {
        Ok(Requested::AlreadyActive) => {}
        Ok(Requested::Confirm) => {
            if state.mail_limiter.allow(&email.to_lowercase()) {
                let issued = chrono::Utc::now().timestamp();
                let token = tokens::confirm_token(&state.secret, &email, issued);
                let link = format!(
                    "{}/confirm/{token}",
                    state.config.newsletter.base_url.trim_end_matches('/')
                );
                let mailer = Arc::clone(&state.mailer);
                tokio::spawn(async move {
                    match mailer.send(&email, &name, &link).await {
                        Ok(_) => {
                            tracing::info!(target: "newsletter::serve", reader = %mask_address(&email), "confirmation sent")
                        }
                        Err(e) => {
                            tracing::warn!(target: "newsletter::serve", reader = %mask_address(&email), "confirmation not sent: {e}")
                        }
                    }
                });
            }
        }
        Err(e) => return unavailable(&state, &e),
    }
    check_your_inbox(&state)
}

// ---- confirm ----

fn lifetime(state: &AppState) -> i64 {
    i64::from(state.config.serve.confirm_days.max(1)) * 86_400
}

fn verify_confirm(state: &AppState, token: &str) -> Result<(String, i64), TokenError> {
    tokens::verify_confirm(
        &state.secret,
        token,
        chrono::Utc::now().timestamp(),
        lifetime(state),
    )
}

pub async fn confirm_page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    match verify_confirm(&state, &token) {
        Err(why) => bad_link(&state, why),
        Ok((address, _)) => html(
            StatusCode::OK,
            pages::button(
                &state.config,
                "Confirm your subscription",
                &format!(
                    "Press the button to start receiving {} at {address}.",
                    state.config.newsletter.name
                ),
                &[("confirm", "yes")],
                "Confirm",
            ),
        ),
    }
}

pub async fn confirm(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let (address, issued) = match verify_confirm(&state, &token) {
        Ok(v) => v,
        Err(why) => return bad_link(&state, why),
    };
    let who = address.clone();
    match state.store.call(move |w| w.confirm(&who, issued, "")).await {
        Ok(Confirmed::Stale) => html(
            StatusCode::CONFLICT,
            pages::message(
                &state.config,
                "Link no longer valid",
                "This address left the list after this link was sent. Subscribe again to get a new link.",
            ),
        ),
        Ok(done) => {
            if done == Confirmed::Now {
                tracing::info!(target: "newsletter::serve", reader = %mask_address(&address), "subscription confirmed");
            }
            html(
                StatusCode::OK,
                pages::message(
                    &state.config,
                    "You are subscribed",
                    &format!(
                        "{address} will receive {} from the next issue.",
                        state.config.newsletter.name
                    ),
                ),
            )
        }
        Err(e) => unavailable(&state, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_click_body_is_recognised_in_both_encodings() {
        assert!(is_one_click(b"List-Unsubscribe=One-Click"));
        assert!(is_one_click(b"a=b&List-Unsubscribe=One-Click"));
        let multipart = b"--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n";
        assert!(is_one_click(multipart));
        assert!(!is_one_click(b""));
        assert!(!is_one_click(b"List-Unsubscribe=Maybe"));
    }

    #[test]
    fn names_are_one_short_plain_line() {
        assert_eq!(clean_name("  Ann\r\nBcc: x  "), "AnnBcc: x");
        assert_eq!(clean_name(&"x".repeat(500)).len(), 100);
    }
}
