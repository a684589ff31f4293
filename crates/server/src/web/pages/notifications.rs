//! A member's notifications and which kinds they want.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::notifications::{self, Kind};
use minijinja::context;

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

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let kinds: Vec<_> = notifications::settings(&state.ctx.db, user.id)
        .await?
        .into_iter()
        .map(|(kind, on)| context! { kind => kind.as_str(), on => on })
        .collect();
    Ok(viewer.render(&state, "notification_settings.html", context! { kinds => kinds, saved => query.saved.is_some() }))
}

/// The form's fields in order: each checked box comes as one `kind=…` pair (a repeated key,
/// which a struct cannot hold).
pub async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let enabled: Vec<Kind> =
        fields.iter().filter(|(name, _)| name == "kind").filter_map(|(_, value)| Kind::parse(value)).collect();
    notifications::save_settings(&state.ctx.db, user.id, &enabled).await?;
    Ok(Redirect::to("/settings/notifications?saved=1").into_response())
}
