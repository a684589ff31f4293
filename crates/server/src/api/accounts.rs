//! Public hub identity, registration, tokens, one's own account and the directory.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maillage_core::accounts::{self, DirectoryPage, DirectoryQuery, NewAccount, ProfileUpdate, SessionKind, User};
use maillage_core::hub::{self, HubIdentity};
use maillage_core::rate;
use maillage_core::time::HOUR_MS;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiErrorBody, ApiJson, ApiUser, ClientAddress};
use crate::AppState;

/// One's own account: the public profile plus private fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    pub email: String,
}

#[utoipa::path(get, path = "/api/v1/hub", tag = "hub", responses((status = 200, body = HubIdentity)))]
pub async fn hub_identity(State(state): State<AppState>) -> Result<Json<HubIdentity>, ApiError> {
    Ok(Json(hub::identity(&state.ctx.db).await?))
}

#[utoipa::path(
    post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccount,
    responses(
        (status = 201, description = "Created; `status` is `pending` when an admin must approve it", body = User),
        (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let db = &state.ctx.db;
    rate::hit(db, &format!("signup:{client}"), accounts::SIGNUPS_PER_ADDRESS_PER_HOUR, HOUR_MS).await?;
    let mode = hub::identity(db).await?.registration_mode;
    Ok((StatusCode::CREATED, Json(accounts::register(db, mode, &new).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// A name to recognise the token by (e.g. the app using it).
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Bearer TOKEN`. It is shown once.
    pub token: String,
    pub user: User,
}

#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody))
)]
pub async fn create_token(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let db = &state.ctx.db;
    let user = accounts::authenticate(db, &request.username, &request.password, &client).await?;
    let token = accounts::create_session(db, user.id, SessionKind::Api, &request.label).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, user })))
}

#[utoipa::path(delete, path = "/api/v1/tokens/current", tag = "accounts", security(("token" = [])), responses((status = 204)))]
pub async fn revoke_token(State(state): State<AppState>, me: ApiUser) -> Result<StatusCode, ApiError> {
    accounts::end_session(&state.ctx.db, &me.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("token" = [])), responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
pub async fn me(me: ApiUser) -> Json<Me> {
    let email = me.user.email.clone();
    Json(Me { user: me.user, email })
}

#[utoipa::path(put, path = "/api/v1/me/profile", tag = "accounts", security(("token" = [])), request_body = ProfileUpdate, responses((status = 200, body = Me), (status = 422, body = ApiErrorBody)))]
pub async fn update_profile(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(update): ApiJson<ProfileUpdate>,
) -> Result<Json<Me>, ApiError> {
    let user = accounts::update_profile(&state.ctx.db, me.user.id, &update).await?;
    let email = user.email.clone();
    Ok(Json(Me { user, email }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", security(("token" = [])), request_body = PasswordChange, responses((status = 204), (status = 422, body = ApiErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    accounts::change_password(
        &state.ctx.db,
        me.user.id,
        &change.current_password,
        &change.new_password,
        Some(&me.token),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountDeletion {
    pub password: String,
}

#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", security(("token" = [])), request_body = AccountDeletion, responses((status = 204), (status = 422, body = ApiErrorBody)))]
pub async fn delete_me(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(deletion): ApiJson<AccountDeletion>,
) -> Result<StatusCode, ApiError> {
    accounts::check_account_deletion(&state.ctx.db, me.user.id, &deletion.password).await?;
    crate::activitypub::retire_member(&state, &me.user.username).await?;
    accounts::delete_account(&state.ctx.db, me.user.id, &deletion.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(DirectoryQuery), responses((status = 200, body = DirectoryPage)))]
pub async fn directory(
    State(state): State<AppState>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<DirectoryPage>, ApiError> {
    Ok(Json(accounts::directory(&state.ctx.db, &query).await?))
}

#[utoipa::path(get, path = "/api/v1/members/{username}", tag = "members", params(("username" = String, Path)), responses((status = 200, body = User), (status = 404, body = ApiErrorBody)))]
pub async fn member(State(state): State<AppState>, Path(username): Path<String>) -> Result<Json<User>, ApiError> {
    accounts::user_by_username(&state.ctx.db, &username)
        .await?
        .filter(|u| u.status == accounts::AccountStatus::Active)
        .map(Json)
        .ok_or_else(ApiError::not_found)
}
