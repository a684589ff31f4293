//! ActivityPub routes: discovery (WebFinger, NodeInfo, host-meta), actors, inboxes, outboxes,
//! collections and activities. Handlers parse and answer; `maillage-federation` does the work.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maillage_federation::activities;
use maillage_federation::actors::{self, LocalActor};
use maillage_federation::inbox::{self, MAX_INBOX_BYTES, Received};
use maillage_federation::{FederationError, nodeinfo, webfinger};
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger_handler))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/nodeinfo/2.1", get(nodeinfo_document))
        .route("/actor", get(instance_actor))
        .route("/inbox", post(shared_inbox))
        .route("/actor/inbox", post(shared_inbox))
        .route("/u/{username}/inbox", post(person_inbox))
        .route("/g/{name}", get(group_actor))
        .route("/g/{name}/inbox", post(group_inbox))
        .route("/g/{name}/outbox", get(group_outbox))
        .route("/g/{name}/followers", get(group_followers))
        .route("/g/{name}/following", get(group_following))
        .route("/actor/outbox", get(instance_outbox))
        .route("/u/{username}/outbox", get(person_outbox))
        .route("/actor/followers", get(instance_followers))
        .route("/u/{username}/followers", get(person_followers))
        .route("/actor/following", get(instance_following))
        .route("/u/{username}/following", get(person_following))
        .route("/activities/{id}", get(activity))
}

/// Whether a request asks for ActivityStreams rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| {
        accept.contains("application/activity+json")
            || (accept.contains("application/ld+json") && !accept.contains("text/html"))
    })
}

/// A JSON answer with an ActivityPub-specific content type.
fn json_as(content_type: &'static str, value: &Value) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::VARY, "Accept")], value.to_string()).into_response()
}

pub fn activity_json(value: &Value) -> Response {
    json_as("application/activity+json; charset=utf-8", value)
}

/// Federation errors as HTTP answers (peers retry only on 5xx, so the status matters).
fn federation_error(error: FederationError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %error, "federation");
        return (status, "internal error").into_response();
    }
    tracing::debug!(error = %error, status = status.as_u16(), "federation request refused");
    (status, error.to_string()).into_response()
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

async fn webfinger_handler(State(state): State<AppState>, Query(query): Query<WebfingerQuery>) -> Response {
    let Some(resource) = query.resource else {
        return (StatusCode::BAD_REQUEST, "resource is required").into_response();
    };
    match webfinger::lookup(&state.fed, &resource).await {
        Ok(Some(jrd)) => json_as("application/jrd+json; charset=utf-8", &jrd),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => federation_error(e),
    }
}

async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    json_as("application/json", &nodeinfo::well_known(&state.fed))
}

async fn nodeinfo_document(State(state): State<AppState>) -> Response {
    match nodeinfo::document(&state.fed).await {
        Ok(doc) => json_as("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"", &doc),
        Err(e) => federation_error(e),
    }
}

async fn host_meta(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")], webfinger::host_meta(&state.fed)).into_response()
}

/// The instance actor: fetchable without a signature (FEP-2677), so peers in "authorized
/// fetch" mode can verify our signed requests.
async fn instance_actor(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !wants_activity_json(&headers) {
        return Redirect::to("/about").into_response();
    }
    let result = async {
        let actor = actors::instance_actor(&state.fed).await?;
        actors::actor_document(&state.fed, &actor).await
    }
    .await;
    match result {
        Ok(doc) => activity_json(&doc),
        Err(e) => federation_error(e),
    }
}

/// A member's Person document (the `/u/{username}` page answers with it when asked); a
/// Tombstone with 410 once the member has left.
pub async fn person_document(state: &AppState, username: &str) -> Response {
    if let Ok(None) = actors::person_actor(&state.fed, username).await
        && let Ok(Some(former)) = actors::find_local(&state.fed, actors::LocalKind::Person, username).await
    {
        let tombstone = serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": former.ap_id(&state.fed), "type": "Tombstone", "formerType": "Person",
        });
        let mut response = activity_json(&tombstone);
        *response.status_mut() = StatusCode::GONE;
        return response;
    }
    let result = async {
        let actor = actors::person_actor(&state.fed, username).await?.ok_or(FederationError::NotFound)?;
        actors::actor_document(&state.fed, &actor).await
    }
    .await;
    match result {
        Ok(doc) => activity_json(&doc),
        Err(e) => federation_error(e),
    }
}

async fn read_inbox_body(request: Request) -> Result<(String, HeaderMap, Bytes), Response> {
    let path = request.extensions().get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| request.uri().clone());
    let path_and_query = path.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(Body::new(body), MAX_INBOX_BYTES).await {
        Ok(bytes) => Ok((path_and_query, parts.headers, bytes)),
        Err(_) => Err(federation_error(FederationError::TooLarge)),
    }
}

async fn deliver_to_inbox(state: &AppState, request: Request) -> Response {
    let (path, headers, body) = match read_inbox_body(request).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    match inbox::receive(&state.fed, &path, &headers, &body).await {
        Ok(Received::Accepted | Received::Duplicate) => StatusCode::ACCEPTED.into_response(),
        Err(e) => federation_error(e),
    }
}

async fn shared_inbox(State(state): State<AppState>, request: Request) -> Response {
    deliver_to_inbox(&state, request).await
}

async fn person_inbox(State(state): State<AppState>, Path(username): Path<String>, request: Request) -> Response {
    match actors::person_actor(&state.fed, &username).await {
        Ok(Some(_)) => deliver_to_inbox(&state, request).await,
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => federation_error(e),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

impl PageQuery {
    /// The page asked for, within bounds (a huge number must not overflow an OFFSET).
    fn number(&self) -> Option<i64> {
        self.page.map(|p| p.clamp(1, 10_000))
    }
}

const PAGE_SIZE: i64 = 20;

async fn outbox(state: &AppState, actor: LocalActor, page: Option<i64>) -> Response {
    let id = actor.collection(&state.fed, "outbox");
    let result = async {
        let (total, items) = activities::outbox_page(&state.fed, &actor, page.unwrap_or(1), PAGE_SIZE).await?;
        Ok::<_, FederationError>(match page {
            None => activities::collection_document(&id, total, None),
            Some(number) => {
                let has_next = number * PAGE_SIZE < total;
                activities::collection_document(&id, total, Some((number, items, has_next)))
            }
        })
    }
    .await;
    match result {
        Ok(doc) => activity_json(&doc),
        Err(e) => federation_error(e),
    }
}

/// Followers: the count for everyone; the list only for the hub's own actors, not for members
/// (who follows a person is theirs to share), so a member's collection has no pages.
async fn followers(state: &AppState, actor: LocalActor, page: Option<i64>) -> Response {
    let id = actor.collection(&state.fed, "followers");
    let result = async {
        let total = activities::follower_count(&state.fed, &actor).await?;
        if actor.kind == actors::LocalKind::Person {
            return Ok(serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "OrderedCollection", "totalItems": total,
            }));
        }
        Ok::<_, FederationError>(match page {
            Some(number) => {
                let items = activities::follower_page(&state.fed, &actor, number, PAGE_SIZE).await?;
                let has_next = number * PAGE_SIZE < total;
                activities::collection_document(&id, total, Some((number, items.into_iter().map(Value::String).collect(), has_next)))
            }
            None => activities::collection_document(&id, total, None),
        })
    }
    .await;
    match result {
        Ok(doc) => activity_json(&doc),
        Err(e) => federation_error(e),
    }
}

/// Whom an actor follows: a count (the list stays private).
async fn following(state: &AppState, actor: LocalActor) -> Response {
    let id = actor.collection(&state.fed, "following");
    match activities::following_count(&state.fed, &actor).await {
        Ok(total) => activity_json(&serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "OrderedCollection", "totalItems": total,
        })),
        Err(e) => federation_error(e),
    }
}

async fn with_person(state: &AppState, username: &str) -> Result<LocalActor, Response> {
    match actors::person_actor(&state.fed, username).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => Err(federation_error(e)),
    }
}

async fn with_instance(state: &AppState) -> Result<LocalActor, Response> {
    actors::instance_actor(&state.fed).await.map_err(federation_error)
}

async fn instance_outbox(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    match with_instance(&state).await {
        Ok(actor) => outbox(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn person_outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match with_person(&state, &username).await {
        Ok(actor) => outbox(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn instance_followers(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    match with_instance(&state).await {
        Ok(actor) => followers(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn person_followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match with_person(&state, &username).await {
        Ok(actor) => followers(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn instance_following(State(state): State<AppState>) -> Response {
    match with_instance(&state).await {
        Ok(actor) => following(&state, actor).await,
        Err(r) => r,
    }
}

async fn person_following(State(state): State<AppState>, Path(username): Path<String>) -> Response {
    match with_person(&state, &username).await {
        Ok(actor) => following(&state, actor).await,
        Err(r) => r,
    }
}

async fn activity(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let activity_id = state.fed.url(&format!("/activities/{id}"));
    match activities::published_activity(&state.fed, &activity_id).await {
        Ok(Some(doc)) => activity_json(&doc),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => federation_error(e),
    }
}

/// Tells the fediverse a member is leaving (before their account is deleted).
pub async fn retire_member(state: &AppState, username: &str) -> Result<(), maillage_core::CoreError> {
    actors::retire_person(&state.fed, username).await.map_err(|e| match e {
        FederationError::Core(core) => core,
        other => maillage_core::CoreError::Internal(other.to_string()),
    })
}

async fn with_group(state: &AppState, name: &str) -> Result<LocalActor, Response> {
    match actors::find_group(&state.fed, name).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => Err(federation_error(e)),
    }
}

/// A Group actor (a forum category, the library, the calendar); a browser goes to its page.
async fn group_actor(State(state): State<AppState>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let actor = match with_group(&state, &name).await {
        Ok(actor) => actor,
        Err(r) => return r,
    };
    if !wants_activity_json(&headers) {
        let page = if actor.profile.page_path.is_empty() { "/".to_owned() } else { actor.profile.page_path.clone() };
        return Redirect::to(&page).into_response();
    }
    match actors::actor_document(&state.fed, &actor).await {
        Ok(doc) => activity_json(&doc),
        Err(e) => federation_error(e),
    }
}

async fn group_inbox(State(state): State<AppState>, Path(name): Path<String>, request: Request) -> Response {
    match with_group(&state, &name).await {
        Ok(_) => deliver_to_inbox(&state, request).await,
        Err(r) => r,
    }
}

async fn group_outbox(State(state): State<AppState>, Path(name): Path<String>, Query(q): Query<PageQuery>) -> Response {
    match with_group(&state, &name).await {
        Ok(actor) => outbox(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn group_followers(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match with_group(&state, &name).await {
        Ok(actor) => followers(&state, actor, q.number()).await,
        Err(r) => r,
    }
}

async fn group_following(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match with_group(&state, &name).await {
        Ok(actor) => following(&state, actor).await,
        Err(r) => r,
    }
}
