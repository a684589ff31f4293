//! "Le réseau" (public) and the federation admin page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::accounts::Role;
use maillage_federation::{FederationError, activities, instances};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::api::federation::{network, overview};
use crate::web::csrf::CsrfForm;
use crate::web::{PageError, Viewer};

fn page_error(error: FederationError) -> PageError {
    match error {
        FederationError::Core(e) => e.into(),
        FederationError::NotFound => PageError::NotFound,
        other => {
            tracing::warn!(error = %other, "federation page");
            PageError::Internal
        }
    }
}

pub async fn network_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let entries = network(&state).await.map_err(page_error)?;
    Ok(viewer.render(&state, "network.html", context! { entries => entries }))
}

#[derive(Deserialize, Default)]
pub struct FederationQuery {
    followed: Option<String>,
}

async fn render_admin(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    actor: &str,
    followed: bool,
) -> Result<Response, PageError> {
    let data = overview(state).await.map_err(page_error)?;
    Ok(viewer.render_status(
        state,
        status,
        "admin_federation.html",
        context! {
            queue => data.queue, instances => data.instances, following => data.following, journal => data.journal,
            follow_error => error, actor => actor, followed => followed,
            allowlist_only => state.ctx.config.federation_allowlist_only,
        },
    ))
}

pub async fn admin_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<FederationQuery>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    render_admin(&state, &viewer, StatusCode::OK, None, "", query.followed.is_some()).await
}

#[derive(Deserialize)]
pub struct FollowForm {
    actor: String,
}

pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    match activities::hub_follow(&state.fed, &form.actor).await {
        Ok(_) => Ok(Redirect::to("/admin/federation?followed=1").into_response()),
        Err(FederationError::Core(e)) => Err(e.into()),
        Err(e) => {
            let message = format!("{} ({e})", viewer.lang.text("federation.follow_failed"));
            render_admin(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(message), &form.actor, false).await
        }
    }
}

pub async fn unfollow(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    activities::hub_unfollow(&state.fed, &form.actor).await.map_err(page_error)?;
    Ok(Redirect::to("/admin/federation").into_response())
}

#[derive(Deserialize)]
pub struct PolicyForm {
    domain: String,
    /// `normal`, `blocked` or `allowed`.
    policy: String,
}

pub async fn set_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let policy = instances::Policy::parse(&form.policy).ok_or(PageError::BadRequest)?;
    match instances::set_policy(&state.fed, &form.domain, policy).await {
        Ok(()) => Ok(Redirect::to("/admin/federation").into_response()),
        Err(FederationError::BadDocument(_)) => Err(PageError::BadRequest),
        Err(e) => Err(page_error(e)),
    }
}
