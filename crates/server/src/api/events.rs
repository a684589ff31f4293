//! The calendar as JSON: occurrences in a window, events, proposing and changing them,
//! registering, and the organiser's list. The rules live in `maillage-events`, the publishing
//! in `maillage-federation::events`, as for the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Days, Utc};
use maillage_core::CoreError;
use maillage_core::tags::normalise_tag;
use maillage_events::calendar::{self, Dated, Event, EventInput, Mode, Window};
use maillage_events::registrations::{self, Registration};
use maillage_federation::events::{self as fed_events, Registered};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::federation::federation_error;
use super::{ApiError, ApiErrorBody, ApiJson, ApiUser};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct WindowParams {
    /// RFC 3339; now when absent.
    from: Option<String>,
    /// RFC 3339; a year after `from` when absent (at most two years after it).
    to: Option<String>,
    tag: Option<String>,
    /// Part of the city's name.
    city: Option<String>,
    /// `any` (default), `in_person` or `online`.
    #[serde(default)]
    mode: String,
}

fn instant(text: Option<&str>, field: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| ApiError::bad_request(format!("{field}: an RFC 3339 date-time is expected")))
    })
    .transpose()
}

#[utoipa::path(
    get, path = "/api/v1/events", tag = "events", params(WindowParams),
    description = "Dates of events (ours and those of followed calendars) in a window, in time order: a recurring event appears once per date.",
    responses((status = 200, body = [Dated]), (status = 400, body = ApiErrorBody))
)]
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<WindowParams>,
) -> Result<Json<Vec<Dated>>, ApiError> {
    let from = instant(params.from.as_deref(), "from")?.unwrap_or_else(Utc::now);
    let latest = from + Days::new(2 * 366);
    let to = instant(params.to.as_deref(), "to")?.unwrap_or(from + Days::new(366)).min(latest);
    let window = Window {
        from,
        to,
        tag: params.tag.as_deref().and_then(normalise_tag),
        city: params.city.filter(|c| !c.trim().is_empty()),
        mode: Mode::parse(&params.mode),
        limit: 500,
    };
    Ok(Json(calendar::occurrences(&state.ctx.db, &window).await?))
}

/// An event with its tags and its one-line summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    pub event: Event,
    pub tags: Vec<String>,
    /// What Mastodon shows under the title: when, where, how to come.
    pub summary: String,
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 404, body = ApiErrorBody))
)]
pub async fn get_event(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<EventDetail>, ApiError> {
    let event =
        calendar::by_id(&state.ctx.db, id).await?.filter(|e| e.deleted_at == 0).ok_or_else(ApiError::not_found)?;
    let tags = calendar::tags_of(&state.ctx.db, id).await?;
    let lang =
        if event.language == "en" { maillage_events::summary::Lang::En } else { maillage_events::summary::Lang::Fr };
    let summary = event.summary(None, lang);
    Ok(Json(EventDetail { event, tags, summary }))
}

/// Where a new event lives.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEvent {
    pub id: i64,
    /// Its ActivityPub id, which is also its page.
    pub url: String,
}

#[utoipa::path(
    post, path = "/api/v1/events", tag = "events", security(("token" = [])), request_body = EventInput,
    description = "Proposes an event; the calendar's followers receive it (Create).",
    responses((status = 201, body = CreatedEvent), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<(StatusCode, Json<CreatedEvent>), ApiError> {
    let id = fed_events::create(&state.fed, &me.user, &input).await.map_err(federation_error)?;
    let url = state.ctx.config.url_for(&fed_events::event_path(id));
    Ok((StatusCode::CREATED, Json(CreatedEvent { id, url })))
}

#[utoipa::path(
    put, path = "/api/v1/events/{id}", tag = "events", security(("token" = [])), params(("id" = i64, Path)),
    request_body = EventInput,
    description = "Changes an event (also to cancel or postpone it: `status`); followers receive an Update.",
    responses((status = 200, body = EventDetail), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn update(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<Json<EventDetail>, ApiError> {
    fed_events::update(&state.fed, &me.user, id, &input).await.map_err(federation_error)?;
    get_event(State(state), Path(id)).await
}

#[utoipa::path(
    delete, path = "/api/v1/events/{id}", tag = "events", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn delete(State(state): State<AppState>, me: ApiUser, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    fed_events::delete(&state.fed, &me.user, id).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationStatus {
    /// `confirmed`, `waiting` (list), or `pending` (asked to another server).
    pub status: String,
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/registration", tag = "events", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RegistrationStatus), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn register(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RegistrationStatus>, ApiError> {
    let registered = fed_events::register_member(&state.fed, &me.user, id).await.map_err(federation_error)?;
    let status = match registered {
        Registered::Confirmed => "confirmed",
        Registered::Waiting => "waiting",
        Registered::Pending => "pending",
    };
    Ok(Json(RegistrationStatus { status: status.into() }))
}

#[utoipa::path(
    delete, path = "/api/v1/events/{id}/registration", tag = "events", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody))
)]
pub async fn unregister(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    fed_events::unregister_member(&state.fed, &me.user, id).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/registrations", tag = "events", security(("token" = [])), params(("id" = i64, Path)),
    description = "Who comes (the event's creator and moderators only).",
    responses((status = 200, body = [Registration]), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn registrations(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Registration>>, ApiError> {
    let event = calendar::by_id(&state.ctx.db, id).await?.ok_or_else(ApiError::not_found)?;
    if !event.is_local() || !fed_events::may_see_registrations(&me.user, &event) {
        return Err(CoreError::Forbidden.into());
    }
    Ok(Json(registrations::list(&state.ctx.db, id).await?))
}
