//! A member's own settings: profile, password, language, account deletion.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maillage_core::CoreError;
use maillage_core::accounts::{self, ProfileUpdate};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::{PageError, SESSION_COOKIE, Viewer, cookie};

#[derive(Deserialize, Default)]
pub struct SettingsQuery {
    saved: Option<String>,
    welcome: Option<String>,
}

fn profile_form(user: &accounts::User) -> Value {
    context! {
        display_name => &user.display_name, bio => &user.bio, organisation => &user.organisation,
        territory => &user.territory, skills => user.skills.join(", "), avatar_url => &user.avatar_url,
        email => &user.email, locale => &user.locale,
    }
}

pub async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    Ok(viewer.render(
        &state,
        "settings.html",
        context! {
            form => profile_form(user), errors => context! {}, password_errors => context! {},
            saved => query.saved, welcome => query.welcome.is_some(),
        },
    ))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    territory: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    avatar_url: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    locale: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let update = ProfileUpdate {
        display_name: form.display_name.clone(),
        bio: form.bio.clone(),
        organisation: form.organisation.clone(),
        territory: form.territory.clone(),
        skills: accounts::parse_skills(&form.skills),
        avatar_url: form.avatar_url.clone(),
        email: form.email.clone(),
        locale: form.locale.clone(),
    };
    match accounts::update_profile(&state.ctx.db, user.id, &update).await {
        Ok(_) => Ok(Redirect::to("/settings?saved=profile").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let echo = context! {
                display_name => form.display_name, bio => form.bio, organisation => form.organisation,
                territory => form.territory, skills => form.skills, avatar_url => form.avatar_url,
                email => form.email, locale => form.locale,
            };
            Ok(viewer.render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "settings.html",
                context! { form => echo, errors => viewer.field_errors(&errors), password_errors => context! {}, saved => None::<String>, welcome => false },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    match accounts::change_password(&state.ctx.db, user.id, &form.current_password, &form.new_password, viewer.session_token.as_deref()).await {
        Ok(()) => Ok(Redirect::to("/settings?saved=password").into_response()),
        Err(CoreError::Invalid(errors)) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "settings.html",
            context! { form => profile_form(user), errors => context! {}, password_errors => viewer.field_errors(&errors), saved => None::<String>, welcome => false },
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_user()?;
    Ok(viewer.render(&state, "delete_account.html", context! { errors => context! {} }))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    password: String,
}

pub async fn delete_account(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let result = async {
        accounts::check_account_deletion(&state.ctx.db, user.id, &form.password).await?;
        crate::activitypub::retire_member(&state, &user.username).await?;
        accounts::delete_account(&state.ctx.db, user.id, &form.password).await
    }
    .await;
    match result {
        Ok(()) => {
            let jar = jar.remove(cookie(&state, SESSION_COOKIE, "", None));
            Ok((jar, Redirect::to("/?deleted=1")).into_response())
        }
        Err(CoreError::Invalid(errors)) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "delete_account.html",
            context! { errors => viewer.field_errors(&errors) },
        )),
        Err(e) => Err(e.into()),
    }
}
