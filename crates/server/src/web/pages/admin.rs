//! Admin pages: pending registrations, the hub's identity, invitations, roles.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::CoreError;
use maillage_core::accounts::{self, DirectoryQuery, Role};
use maillage_core::hub::{self, HubIdentityUpdate};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::pages::auth::EmptyForm;
use crate::web::{PageError, Viewer};

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let pending = accounts::pending_registrations(&state.ctx.db).await?.len();
    Ok(viewer.render(&state, "admin.html", context! { pending => pending }))
}

pub async fn registrations(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    // The public view of a member hides what they wrote to the admins; show it here.
    let pending: Vec<_> = accounts::pending_registrations(&state.ctx.db)
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, username => &u.username, display_name => &u.display_name, email => &u.email, registration_note => &u.registration_note, created_at => u.created_at })
        .collect();
    Ok(viewer.render(&state, "admin_registrations.html", context! { pending => pending }))
}

pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    accounts::approve_registration(&state.ctx.db, id).await?;
    Ok(Redirect::to("/admin/registrations").into_response())
}

pub async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    accounts::reject_registration(&state.ctx.db, id).await?;
    Ok(Redirect::to("/admin/registrations").into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn hub_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let form = viewer.hub.clone();
    Ok(viewer.render(
        &state,
        "admin_hub.html",
        context! { form => form, errors => context! {}, saved => query.saved.is_some() },
    ))
}

pub async fn save_hub(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<HubIdentityUpdate>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    match hub::update_identity(&state.ctx.db, &form).await {
        Ok(_) => Ok(Redirect::to("/admin/hub?saved=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let echo = context! {
                name => form.name, region => form.region, description => form.description, logo_url => form.logo_url,
                contact => form.contact, rules => form.rules, terms => form.terms, registration_mode => form.registration_mode,
                default_timezone => form.default_timezone, default_language => form.default_language,
            };
            Ok(viewer.render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_hub.html",
                context! { form => echo, errors => viewer.field_errors(&errors), saved => false },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn invitations(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let list = accounts::active_invitations(&state.ctx.db).await?;
    Ok(viewer.render(&state, "admin_invitations.html", context! { invitations => list, errors => context! {}, signup_url => state.ctx.config.url_for("/signup?invite=") }))
}

#[derive(Deserialize)]
pub struct InvitationForm {
    max_uses: String,
    valid_days: String,
    #[serde(default)]
    note: String,
}

pub async fn create_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<InvitationForm>,
) -> Result<Response, PageError> {
    let admin = viewer.require_role(Role::Admin)?;
    let max_uses = form.max_uses.trim().parse().unwrap_or(0);
    let valid_days = form.valid_days.trim().parse().unwrap_or(0);
    match accounts::create_invitation(&state.ctx.db, admin.id, max_uses, valid_days, &form.note).await {
        Ok(_) => Ok(Redirect::to("/admin/invitations").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let list = accounts::active_invitations(&state.ctx.db).await?;
            Ok(viewer.render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_invitations.html",
                context! { invitations => list, errors => viewer.field_errors(&errors), signup_url => state.ctx.config.url_for("/signup?invite=") },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    accounts::revoke_invitation(&state.ctx.db, id).await?;
    Ok(Redirect::to("/admin/invitations").into_response())
}

pub async fn members(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let page = accounts::directory(&state.ctx.db, &query).await?;
    let pages = (page.total + i64::from(page.per_page) - 1) / i64::from(page.per_page);
    Ok(viewer.render(
        &state,
        "admin_members.html",
        context! { members => page.members, total => page.total, q => query.q, page => page.page, pages => pages },
    ))
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let admin = viewer.require_role(Role::Admin)?;
    let role = Role::parse(&form.role).ok_or(PageError::BadRequest)?;
    if admin.id == id && role != Role::Admin {
        // An admin cannot demote themself: the hub could be left without one.
        return Err(PageError::BadRequest);
    }
    accounts::set_role(&state.ctx.db, id, role).await?;
    Ok(Redirect::to("/admin/members").into_response())
}
