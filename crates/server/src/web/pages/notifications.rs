//! A member's notifications and which kinds they want.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::notifications::{self, Kind};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::pages::auth::EmptyForm;
use crate::web::{PageError, Viewer};

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let items = notifications::list(&state.ctx.db, user.id, 100).await?;
    Ok(viewer.render(&state, "notifications.html", context! { notifications => items }))
}

pub async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    notifications::mark_all_read(&state.ctx.db, user.id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

pub async fn settings_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let kinds: Vec<_> = notifications::settings(&state.ctx.db, user.id)
        .await?
        .into_iter()
        .map(|(kind, on)| context! { kind => kind.as_str(), on => on })
        .collect();
    Ok(viewer.render(&state, "notification_settings.html", context! { kinds => kinds }))
}

/// The checked kinds (a form sends each checked box as `kind=…`).
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    kind: Vec<String>,
}

pub async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let enabled: Vec<Kind> = form.kind.iter().filter_map(|k| Kind::parse(k)).collect();
    notifications::save_settings(&state.ctx.db, user.id, &enabled).await?;
    Ok(Redirect::to("/settings/notifications?saved=1").into_response())
}
