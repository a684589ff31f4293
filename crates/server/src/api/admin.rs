//! Administration endpoints: every one checks the admin role on the server.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maillage_core::accounts::{self, Invitation, Role, User};
use maillage_core::hub::{self, HubIdentity, HubIdentityUpdate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiErrorBody, ApiJson, ApiUser};
use crate::AppState;

#[utoipa::path(put, path = "/api/v1/admin/hub", tag = "admin", security(("token" = [])), request_body = HubIdentityUpdate, responses((status = 200, body = HubIdentity), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_hub(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(update): ApiJson<HubIdentityUpdate>,
) -> Result<Json<HubIdentity>, ApiError> {
    me.require(Role::Admin)?;
    Ok(Json(hub::update_identity(&state.ctx.db, &update).await?))
}

/// An account waiting for approval, with what the person wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingAccount {
    #[serde(flatten)]
    pub user: User,
    pub email: String,
    pub registration_note: String,
}

#[utoipa::path(get, path = "/api/v1/admin/registrations", tag = "admin", security(("token" = [])), responses((status = 200, body = [PendingAccount]), (status = 403, body = ApiErrorBody)))]
pub async fn registrations(State(state): State<AppState>, me: ApiUser) -> Result<Json<Vec<PendingAccount>>, ApiError> {
    me.require(Role::Admin)?;
    let pending = accounts::pending_registrations(&state.ctx.db).await?;
    Ok(Json(
        pending
            .into_iter()
            .map(|user| PendingAccount {
                email: user.email.clone(),
                registration_note: user.registration_note.clone(),
                user,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/registrations/{id}/approve", tag = "admin", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn approve(State(state): State<AppState>, me: ApiUser, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    me.require(Role::Admin)?;
    accounts::approve_registration(&state.ctx.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/registrations/{id}/reject", tag = "admin", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn reject(State(state): State<AppState>, me: ApiUser, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    me.require(Role::Admin)?;
    accounts::reject_registration(&state.ctx.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/invitations", tag = "admin", security(("token" = [])), responses((status = 200, body = [Invitation])))]
pub async fn invitations(State(state): State<AppState>, me: ApiUser) -> Result<Json<Vec<Invitation>>, ApiError> {
    me.require(Role::Admin)?;
    Ok(Json(accounts::active_invitations(&state.ctx.db).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInvitation {
    pub max_uses: i64,
    pub valid_days: i64,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/admin/invitations", tag = "admin", security(("token" = [])), request_body = NewInvitation, responses((status = 201, body = Invitation), (status = 422, body = ApiErrorBody)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(new): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    let admin = me.require(Role::Admin)?;
    let invitation =
        accounts::create_invitation(&state.ctx.db, admin.id, new.max_uses, new.valid_days, &new.note).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

#[utoipa::path(delete, path = "/api/v1/admin/invitations/{id}", tag = "admin", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    me.require(Role::Admin)?;
    accounts::revoke_invitation(&state.ctx.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleChange {
    pub role: Role,
}

#[utoipa::path(put, path = "/api/v1/admin/members/{id}/role", tag = "admin", security(("token" = [])), params(("id" = i64, Path)), request_body = RoleChange, responses((status = 204), (status = 400, body = ApiErrorBody)))]
pub async fn set_role(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(change): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    let admin = me.require(Role::Admin)?;
    if admin.id == id && change.role != Role::Admin {
        return Err(ApiError::bad_request("an admin cannot remove their own admin role"));
    }
    accounts::set_role(&state.ctx.db, id, change.role).await?;
    Ok(StatusCode::NO_CONTENT)
}
