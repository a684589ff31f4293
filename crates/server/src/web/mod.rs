//! Server-rendered pages. They work without JavaScript; every form carries a CSRF token.

pub mod csrf;
mod pages;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maillage_core::accounts::{self, Role, SessionKind, User};
use maillage_core::hub::{self, HubIdentity};
use maillage_core::{CoreError, FieldError};
use minijinja::{Value, context};

use crate::AppState;
use crate::i18n::Lang;

pub use pages::resources::MAX_UPLOAD_BYTES;
pub use pages::{routes, upload_routes};

pub const SESSION_COOKIE: &str = "maillage_session";
pub const LANG_COOKIE: &str = "maillage_lang";

/// A cookie as we set them all: `HttpOnly`, `SameSite=Strict`, `Secure` on an https hub.
pub fn cookie(state: &AppState, name: &'static str, value: &str, max_age_days: Option<i64>) -> Cookie<'static> {
    let mut builder = Cookie::build((name, value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.ctx.config.is_https());
    if let Some(days) = max_age_days {
        builder = builder.max_age(::cookie::time::Duration::days(days));
    }
    builder.build()
}

/// Who is looking at a page, in which language, with which CSRF token.
pub struct Viewer {
    pub user: Option<User>,
    pub session_token: Option<String>,
    pub lang: Lang,
    pub csrf: String,
    pub hub: HubIdentity,
    /// The client's address, for rate limits.
    pub client: String,
    /// Path and query of this page (for "come back here after signing in").
    pub here: String,
    /// Unread notifications of the signed-in member.
    pub unread: i64,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let db = &state.ctx.db;
        let session_token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
        let user = match &session_token {
            Some(token) => accounts::session_user(db, token, SessionKind::Browser).await?,
            None => None,
        };
        let hub = hub::identity(db).await?;
        let lang = Lang::negotiate(
            user.as_ref().map(|u| u.locale.as_str()),
            jar.get(LANG_COOKIE).map(|c| c.value()),
            parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
            &hub.default_language,
        );
        let csrf = parts.extensions.get::<csrf::CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let client = client_address(state, &parts.headers, parts.extensions.get::<ConnectInfo<SocketAddr>>());
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let unread = match &user {
            Some(user) => maillage_core::notifications::unread_count(db, user.id).await?,
            None => 0,
        };
        Ok(Viewer { session_token: user.as_ref().and(session_token), user, lang, csrf, hub, client, here, unread })
    }
}

/// The client's address: the socket's peer, or `X-Forwarded-For`'s last hop behind a trusted proxy.
pub fn client_address(state: &AppState, headers: &HeaderMap, connect: Option<&ConnectInfo<SocketAddr>>) -> String {
    if state.ctx.config.trust_forwarded_for
        && let Some(last) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return last.to_owned();
    }
    connect.map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

impl Viewer {
    /// Renders a page with the common context (language, hub, member, CSRF token) and `page`.
    pub fn render(&self, state: &AppState, template: &str, page: Value) -> Response {
        self.render_status(state, StatusCode::OK, template, page)
    }

    pub fn render_status(&self, state: &AppState, status: StatusCode, template: &str, page: Value) -> Response {
        let user = self.user.as_ref().map(|u| {
            context! {
                username => &u.username,
                name => u.shown_name(),
                is_admin => u.has_role(Role::Admin),
                is_moderator => u.has_role(Role::Moderator),
                unread => self.unread,
            }
        });
        let ctx = context! {
            lang => self.lang.code(),
            other_lang => if self.lang == Lang::Fr { "en" } else { "fr" },
            hub => &self.hub,
            user => user,
            csrf => &self.csrf,
            here => &self.here,
            ..page
        };
        match state.renderer.render(template, ctx) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template, error = %e, "template failed");
                PageError::Internal.into_response()
            }
        }
    }

    /// The signed-in member, or a redirect to the sign-in page that comes back here.
    pub fn require_user(&self) -> Result<&User, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::SignIn(self.here.clone()))
    }

    /// The signed-in member if their role is at least `role`.
    pub fn require_role(&self, role: Role) -> Result<&User, PageError> {
        let user = self.require_user()?;
        if user.has_role(role) { Ok(user) } else { Err(PageError::Forbidden) }
    }

    /// Field errors in this reader's language, by field name.
    pub fn field_errors(&self, errors: &[FieldError]) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for error in errors {
            map.entry(error.field.clone()).or_insert_with(|| self.lang.text(&error.code));
        }
        map
    }
}

/// Why a page could not be shown. Rendered as a full page by `error_pages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    Forbidden,
    CsrfFailed,
    BadRequest,
    TooLarge,
    TooManyRequests,
    /// Not signed in: go to the sign-in page, then back to this path.
    SignIn(String),
    Internal,
}

/// Marks a response whose page `error_pages` must render.
#[derive(Debug, Clone, Copy)]
struct ErrorPage {
    title: &'static str,
    message: &'static str,
}

/// A failure of a federated write on a page: the core's own errors become their page; another
/// server's (unreachable, refusing) make a bad request, logged.
impl From<maillage_federation::FederationError> for PageError {
    fn from(error: maillage_federation::FederationError) -> PageError {
        use maillage_federation::FederationError;
        match error {
            FederationError::Core(core) => core.into(),
            FederationError::NotFound => PageError::NotFound,
            other => {
                tracing::info!(error = %other, "action refused");
                PageError::BadRequest
            }
        }
    }
}

impl From<CoreError> for PageError {
    fn from(error: CoreError) -> PageError {
        match error {
            CoreError::NotFound => PageError::NotFound,
            CoreError::Unauthorized | CoreError::Forbidden => PageError::Forbidden,
            CoreError::Invalid(_) => PageError::BadRequest,
            CoreError::RateLimited => PageError::TooManyRequests,
            CoreError::Database(e) => {
                tracing::error!(error = %e, "database error");
                PageError::Internal
            }
            CoreError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                PageError::Internal
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::SignIn(next) => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&target).into_response();
            }
            PageError::NotFound => (StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found"),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden_title", "error.forbidden"),
            PageError::CsrfFailed => (StatusCode::FORBIDDEN, "error.forbidden_title", "error.csrf"),
            PageError::BadRequest => (StatusCode::BAD_REQUEST, "error.bad_request_title", "error.bad_request"),
            PageError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.bad_request_title", "error.too_large"),
            PageError::TooManyRequests => {
                (StatusCode::TOO_MANY_REQUESTS, "error.rate_limited_title", "error.rate_limited")
            }
            PageError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "error.internal_title", "error.internal"),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { title, message });
        response
    }
}

/// Renders error pages in the reader's language, inside the hub's layout.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let viewer_parts = parts.clone();
    let response = next.run(Request::from_parts(parts.clone(), body)).await;
    let page = match response.extensions().get::<ErrorPage>().copied() {
        Some(page) => page,
        // A body the size limit refused before any handler ran (a large upload or form): a
        // page that says so, rather than the limit's bare text. The API answers in JSON itself.
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE
            && !parts.uri.path().starts_with("/api/")
            && !is_html(&response) =>
        {
            ErrorPage { title: "error.bad_request_title", message: "error.too_large" }
        }
        None => return response,
    };
    let status = response.status();
    parts = viewer_parts;
    match Viewer::from_request_parts(&mut parts, &state).await {
        Ok(viewer) => viewer.render_status(
            &state,
            status,
            "error.html",
            context! { title_key => page.title, message_key => page.message, status => status.as_u16() },
        ),
        // The database itself is failing: say so plainly.
        Err(_) => (status, Html("<!doctype html><html lang=\"fr\"><title>Maillage</title><h1>Erreur / Error</h1><p>Le service est indisponible. Service unavailable.</p></html>")).into_response(),
    }
}

/// Whether a response is one of our pages (a handler that refused a file says why on its page).
fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// Any path no route knows.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// A path inside this site to return to, never another site (`//evil.example` is refused).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from a Location, so `/\t/evil.example` would become
        // `//evil.example`: refuse every control character and space too.
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(|c| c.is_control() || c == ' ') =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}
