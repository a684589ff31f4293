//! The library as JSON: the catalogue with its facets, resources, publishing and new versions,
//! the history, the vocabularies (and adding to them, for admins). The rules live in
//! `maillage-resources`, the publishing in `maillage-federation::resources`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maillage_core::accounts::Role;
use maillage_federation::resources as fed_resources;
use maillage_resources::library::{self, Catalogue, CatalogueQuery, Detail, ResourceInput, Version};
use maillage_resources::licences::{self, Licence};
use maillage_resources::vocabulary::{self, Term};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::federation::federation_error;
use super::{ApiError, ApiErrorBody, ApiJson, ApiUser};
use crate::AppState;

#[utoipa::path(
    get, path = "/api/v1/resources", tag = "resources", params(CatalogueQuery),
    description = "Resources of this hub and of followed libraries, newest first, with facet counts over the selection.",
    responses((status = 200, body = Catalogue))
)]
pub async fn catalogue(
    State(state): State<AppState>,
    Query(query): Query<CatalogueQuery>,
) -> Result<Json<Catalogue>, ApiError> {
    Ok(Json(library::catalogue(&state.ctx.db, &query).await?))
}

#[utoipa::path(
    get, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = Detail), (status = 404, body = ApiErrorBody))
)]
pub async fn resource(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Detail>, ApiError> {
    let detail = library::detail(&state.ctx.db, id)
        .await?
        .filter(|d| d.resource.deleted_at == 0)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(detail))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    pub id: i64,
    /// Its ActivityPub id, which is also its page.
    pub url: String,
}

#[utoipa::path(
    post, path = "/api/v1/resources", tag = "resources", security(("token" = [])), request_body = ResourceInput,
    description = "Publishes a resource (or an adaptation, with `derived_from`); the library's followers receive it.",
    responses((status = 201, body = Published), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn publish(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(input): ApiJson<ResourceInput>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let id = fed_resources::create(&state.fed, &me.user, &input).await.map_err(federation_error)?;
    Ok((StatusCode::CREATED, Json(Published { id, url: state.ctx.config.url_for(&fed_resources::resource_path(id)) })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewVersion {
    pub version: i64,
}

#[utoipa::path(
    put, path = "/api/v1/resources/{id}", tag = "resources", security(("token" = [])), params(("id" = i64, Path)),
    request_body = ResourceInput, description = "Publishes an edit as the next version (`change_note` says what changed).",
    responses((status = 200, body = NewVersion), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn update(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(mut input): ApiJson<ResourceInput>,
) -> Result<Json<NewVersion>, ApiError> {
    // What a resource adapts is set when it is published.
    input.derived_from.clear();
    let version = fed_resources::update(&state.fed, &me.user, id, &input).await.map_err(federation_error)?;
    Ok(Json(NewVersion { version }))
}

#[utoipa::path(
    delete, path = "/api/v1/resources/{id}", tag = "resources", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn delete(State(state): State<AppState>, me: ApiUser, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    fed_resources::delete(&state.fed, &me.user, id).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/resources/{id}/versions", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = [Version]), (status = 404, body = ApiErrorBody))
)]
pub async fn versions(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Vec<Version>>, ApiError> {
    library::by_id(&state.ctx.db, id).await?.filter(|r| r.deleted_at == 0).ok_or_else(ApiError::not_found)?;
    Ok(Json(library::versions(&state.ctx.db, id).await?))
}

/// The words resources are classified with, and the licences offered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabularies {
    pub themes: Vec<Term>,
    pub publics: Vec<Term>,
    pub resource_types: Vec<Term>,
    pub sectors: Vec<Term>,
    pub licences: Vec<Licence>,
}

#[utoipa::path(get, path = "/api/v1/resources/vocabulary", tag = "resources", responses((status = 200, body = Vocabularies)))]
pub async fn vocabularies(State(state): State<AppState>) -> Result<Json<Vocabularies>, ApiError> {
    let db = &state.ctx.db;
    Ok(Json(Vocabularies {
        themes: vocabulary::list(db, "theme").await?,
        publics: vocabulary::list(db, "public").await?,
        resource_types: vocabulary::list(db, "resource_type").await?,
        sectors: vocabulary::list(db, "sector").await?,
        licences: licences::LICENCES.to_vec(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerm {
    /// `theme`, `public`, `resource_type` or `sector`.
    pub kind: String,
    pub label: String,
    /// For themes: the group it belongs to (e.g. "Inclusion numérique").
    #[serde(default)]
    pub category: String,
}

#[utoipa::path(
    post, path = "/api/v1/admin/resources/vocabulary", tag = "admin", security(("token" = [])), request_body = NewTerm,
    description = "Adds a term to one of the library's vocabularies (its key is made from the label).",
    responses((status = 201, body = Term), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn add_term(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(term): ApiJson<NewTerm>,
) -> Result<(StatusCode, Json<Term>), ApiError> {
    me.require(Role::Admin)?;
    Ok((StatusCode::CREATED, Json(vocabulary::add(&state.ctx.db, &term.kind, &term.label, &term.category).await?)))
}
