//! Sign-up, sign-in and sign-out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maillage_core::accounts::{self, AccountStatus, NewAccount, SessionKind};
use maillage_core::time::HOUR_MS;
use maillage_core::{CoreError, rate};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::{PageError, SESSION_COOKIE, Viewer, cookie, safe_next};

#[derive(Deserialize, Default)]
pub struct SignupQuery {
    invite: Option<String>,
}

pub async fn signup_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<SignupQuery>) -> Response {
    let form = context! {
        username => "", display_name => "", email => "", registration_note => "",
        invitation => query.invite.unwrap_or_default(),
    };
    viewer.render(&state, "signup.html", context! { form => form, errors => context! {} })
}

#[derive(Deserialize)]
pub struct SignupForm {
    username: String,
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    registration_note: String,
    #[serde(default)]
    invitation: String,
    #[serde(default)]
    accept_rules: Option<String>,
}

pub async fn signup(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let new = NewAccount {
        username: form.username.clone(),
        password: form.password,
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        registration_note: form.registration_note.clone(),
        invitation: Some(form.invitation.clone()),
    };
    let echo = context! {
        username => form.username, display_name => form.display_name, email => form.email,
        registration_note => form.registration_note, invitation => form.invitation,
    };
    let has_rules = !viewer.hub.rules.is_empty();
    if has_rules && form.accept_rules.is_none() {
        let errors = viewer.field_errors(&[maillage_core::FieldError::new("accept_rules", "error.accept_rules")]);
        return Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "signup.html",
            context! { form => echo, errors => errors },
        ));
    }
    rate::hit(db, &format!("signup:{}", viewer.client), maillage_core::accounts::SIGNUPS_PER_ADDRESS_PER_HOUR, HOUR_MS)
        .await?;
    match accounts::register(db, viewer.hub.registration_mode, &new).await {
        Ok(user) if user.status == AccountStatus::Pending => {
            Ok(viewer.render(&state, "signup_pending.html", context! { username => user.username }))
        }
        Ok(user) => {
            let token = accounts::create_session(db, user.id, SessionKind::Browser, "").await?;
            let jar = jar.add(cookie(&state, SESSION_COOKIE, &token, Some(30)));
            Ok((jar, Redirect::to("/settings?welcome=1")).into_response())
        }
        Err(CoreError::Invalid(errors)) => {
            let errors = viewer.field_errors(&errors);
            Ok(viewer.render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "signup.html",
                context! { form => echo, errors => errors },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<LoginQuery>) -> Response {
    viewer.render(
        &state,
        "login.html",
        context! { next => safe_next(query.next.as_deref()), username => "", error => None::<String> },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let next = safe_next(form.next.as_deref());
    let failed = |key: &str, status: StatusCode| {
        viewer.render_status(
            &state,
            status,
            "login.html",
            context! { next => &next, username => &form.username, error => viewer.lang.text(key) },
        )
    };
    match accounts::authenticate(db, &form.username, &form.password, &viewer.client).await {
        Ok(user) => {
            let token = accounts::create_session(db, user.id, SessionKind::Browser, "").await?;
            // A fresh session id at sign-in; the old one (if any) ends.
            if let Some(old) = &viewer.session_token {
                accounts::end_session(db, old).await?;
            }
            let jar = jar.add(cookie(&state, SESSION_COOKIE, &token, Some(30)));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        // One message for an unknown account and a wrong password.
        Err(CoreError::Unauthorized) => Ok(failed("login.failed", StatusCode::UNAUTHORIZED)),
        Err(CoreError::RateLimited) => Ok(failed("error.rate_limited", StatusCode::TOO_MANY_REQUESTS)),
        Err(CoreError::Invalid(_)) => Ok(failed("error.account_pending", StatusCode::FORBIDDEN)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    if let Some(token) = &viewer.session_token {
        accounts::end_session(&state.ctx.db, token).await?;
    }
    let jar = jar.remove(cookie(&state, SESSION_COOKIE, "", None));
    Ok((jar, Redirect::to("/")).into_response())
}
