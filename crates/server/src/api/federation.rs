//! Federation administration: queue health, instances, follows and the inbox journal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use maillage_core::accounts::Role;
use maillage_federation::activities::{self, Followed, NetworkLink};
use maillage_federation::delivery::{self, QueueStatus};
use maillage_federation::inbox::{self, JournalEntry};
use maillage_federation::instances::{self, Instance};
use maillage_federation::{FederationError, actors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiErrorBody, ApiJson, ApiUser};
use crate::AppState;

pub(super) fn federation_error(error: FederationError) -> ApiError {
    match error {
        FederationError::Core(e) => e.into(),
        FederationError::NotFound => ApiError::not_found(),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// The federation dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederationOverview {
    #[schema(value_type = Object)]
    pub queue: QueueStatus,
    #[schema(value_type = Vec<Object>)]
    pub instances: Vec<Instance>,
    /// What the hub (its instance actor) follows.
    #[schema(value_type = Vec<Object>)]
    pub following: Vec<Followed>,
    /// The latest activities received, with what became of them.
    #[schema(value_type = Vec<Object>)]
    pub journal: Vec<JournalEntry>,
}

pub async fn overview(state: &AppState) -> Result<FederationOverview, FederationError> {
    let fed = &state.fed;
    let hub_actor = actors::instance_actor(fed).await?;
    Ok(FederationOverview {
        queue: delivery::queue_status(fed).await?,
        instances: instances::list(fed).await?,
        following: activities::following_list(fed, &hub_actor).await?,
        journal: inbox::journal(fed, 50).await?,
    })
}

#[utoipa::path(get, path = "/api/v1/admin/federation", tag = "admin", security(("token" = [])), responses((status = 200, body = FederationOverview), (status = 403, body = ApiErrorBody)))]
pub async fn status(State(state): State<AppState>, me: ApiUser) -> Result<Json<FederationOverview>, ApiError> {
    me.require(Role::Admin)?;
    overview(&state).await.map(Json).map_err(federation_error)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowRequest {
    /// A handle (`@calendrier@hub.example`) or an actor URL.
    pub actor: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowAnswer {
    pub actor: String,
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/admin/federation/follows", tag = "admin", security(("token" = [])), request_body = FollowRequest, responses((status = 202, body = FollowAnswer), (status = 400, body = ApiErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(request): ApiJson<FollowRequest>,
) -> Result<(StatusCode, Json<FollowAnswer>), ApiError> {
    me.require(Role::Admin)?;
    let target = activities::hub_follow(&state.fed, &request.actor).await.map_err(federation_error)?;
    Ok((StatusCode::ACCEPTED, Json(FollowAnswer { actor: target.ap_id, status: "pending".into() })))
}

#[utoipa::path(delete, path = "/api/v1/admin/federation/follows", tag = "admin", security(("token" = [])), request_body = FollowRequest, responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn unfollow(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(request): ApiJson<FollowRequest>,
) -> Result<StatusCode, ApiError> {
    me.require(Role::Admin)?;
    activities::hub_unfollow(&state.fed, &request.actor).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InstancePolicy {
    pub domain: String,
    /// `normal`, `blocked`, or `allowed` (needed in allowlist-only mode).
    pub policy: String,
}

#[utoipa::path(put, path = "/api/v1/admin/federation/instances", tag = "admin", security(("token" = [])), request_body = InstancePolicy, responses((status = 204)))]
pub async fn set_policy(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(policy): ApiJson<InstancePolicy>,
) -> Result<StatusCode, ApiError> {
    me.require(Role::Admin)?;
    let choice = instances::Policy::parse(&policy.policy)
        .ok_or_else(|| ApiError::bad_request("policy must be normal, blocked or allowed"))?;
    instances::set_policy(&state.fed, &policy.domain, choice).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A server of the network, as the public network page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkEntry {
    pub domain: String,
    pub name: String,
    pub region: String,
    pub software: String,
    pub we_follow: i64,
    pub follow_us: i64,
    /// `ok`, `failing` or `paused`.
    pub health: String,
}

pub async fn network(state: &AppState) -> Result<Vec<NetworkEntry>, FederationError> {
    let links: Vec<NetworkLink> = activities::network_links(&state.fed).await?;
    let now = maillage_core::time::now_ms();
    Ok(instances::list(&state.fed)
        .await?
        .into_iter()
        // Only servers we actually exchange with: a stranger's signed request must not be enough
        // to appear on this public page.
        .filter(|i| {
            let link = links.iter().find(|l| l.domain == i.domain);
            i.policy != "blocked" && (i.last_success_at > 0 || link.is_some_and(|l| l.we_follow > 0 || l.follow_us > 0))
        })
        .map(|i| {
            let link = links.iter().find(|l| l.domain == i.domain);
            NetworkEntry {
                health: if i.paused_until > now {
                    "paused".into()
                } else if i.consecutive_failures > 0 {
                    "failing".into()
                } else {
                    "ok".into()
                },
                we_follow: link.map(|l| l.we_follow).unwrap_or(0),
                follow_us: link.map(|l| l.follow_us).unwrap_or(0),
                domain: i.domain,
                name: i.name,
                region: i.region,
                software: i.software,
            }
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/network", tag = "hub", responses((status = 200, body = [NetworkEntry])))]
pub async fn network_list(State(state): State<AppState>) -> Result<Json<Vec<NetworkEntry>>, ApiError> {
    network(&state).await.map(Json).map_err(federation_error)
}
