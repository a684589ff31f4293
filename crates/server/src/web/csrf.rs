//! CSRF protection for every form: a random token in a `SameSite=Strict`, `HttpOnly` cookie that
//! each form repeats in a hidden `csrf_token` field. Another site can neither read the cookie nor
//! make the browser send it, so it cannot forge the pair.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use maillage_core::token::{constant_time_eq, random_token};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{PageError, cookie};
use crate::AppState;

pub const CSRF_COOKIE: &str = "maillage_csrf";

/// The token of this request (from its cookie, or freshly made by `ensure_cookie`).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Gives every visitor a CSRF cookie on their first request.
pub async fn ensure_cookie(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let existing = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32);
    let (token, is_new) = match existing {
        Some(token) => (token, false),
        None => (random_token(), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if is_new {
        let set = cookie(&state, CSRF_COOKIE, &token, None).to_string();
        if let Ok(value) = HeaderValue::from_str(&set) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A urlencoded form whose CSRF token matched; anything else is refused with 403.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(request.headers());
        let cookie_token = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
        let body = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                PageError::TooLarge
            } else {
                PageError::BadRequest
            }
        })?;
        let field: CsrfField = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
        if cookie_token.is_empty() || !constant_time_eq(&cookie_token, &field.csrf_token) {
            return Err(PageError::CsrfFailed);
        }
        let form = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
        Ok(CsrfForm(form))
    }
}
