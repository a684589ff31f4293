//! Home, about, language switch, health and the stylesheet.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maillage_core::accounts;
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Lang;
use crate::web::csrf::CsrfForm;
use crate::web::{LANG_COOKIE, PageError, Viewer, cookie, safe_next};

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let members = accounts::count_active(&state.ctx.db).await?;
    Ok(viewer.render(&state, "home.html", context! { members => members }))
}

pub async fn about(State(state): State<AppState>, viewer: Viewer) -> Response {
    viewer.render(&state, "about.html", context! {})
}

/// For load balancers and monitoring: 200 when the database answers.
pub async fn health(State(state): State<AppState>) -> Response {
    match state.ctx.db.ping().await {
        Ok(_) => (axum::http::StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub const STYLESHEET: &str = include_str!("../../../../../frontend/static/style.css");

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")], STYLESHEET)
        .into_response()
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Switches the interface language for this browser (members can also save it in settings).
pub async fn set_language(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<Response, PageError> {
    let lang = Lang::parse(&form.lang).ok_or(PageError::BadRequest)?;
    let jar = jar.add(cookie(&state, LANG_COOKIE, lang.code(), Some(365)));
    Ok((jar, Redirect::to(&safe_next(form.next.as_deref()))).into_response())
}
