//! The forum as JSON: categories, topic lists, topics, replies, solution, likes, search,
//! reports, moderation, and one's notifications. Handlers are thin: the rules live in
//! `maillage-forum` and the publishing in `maillage-federation::forum`, as for the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maillage_core::accounts::{Role, User};
use maillage_core::notifications::{self, Notification};
use maillage_federation::forum::{self as fed_forum, TopicFlag};
use maillage_forum::categories::{self, Category, CategoryInput, CategoryStats};
use maillage_forum::posts::{self, EditInput, Post, SearchHit};
use maillage_forum::topics::{self, Filter, ListQuery, Topic, TopicInput, TopicPage};
use maillage_forum::{normalise_tag, reports};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::federation::federation_error;
use super::{ApiError, ApiErrorBody, ApiJson, ApiUser};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/forum/categories", tag = "forum", responses((status = 200, body = [CategoryStats])))]
pub async fn categories(State(state): State<AppState>) -> Result<Json<Vec<CategoryStats>>, ApiError> {
    Ok(Json(categories::list_with_stats(&state.ctx.db).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `latest` (default), `unanswered`, `solved` or `unsolved`.
    #[serde(default)]
    filter: String,
    /// Only topics with this tag.
    tag: Option<String>,
    /// From 1.
    page: Option<i64>,
}

impl ListParams {
    fn query(&self, category_id: Option<i64>) -> ListQuery {
        ListQuery {
            category_id,
            tag: self.tag.as_deref().and_then(normalise_tag),
            author_user_id: None,
            filter: Filter::parse(&self.filter),
            page: self.page.unwrap_or(1),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/forum/topics", tag = "forum", params(ListParams), responses((status = 200, body = TopicPage)))]
pub async fn all_topics(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<TopicPage>, ApiError> {
    Ok(Json(topics::list(&state.ctx.db, &params.query(None)).await?))
}

async fn category(state: &AppState, slug: &str) -> Result<Category, ApiError> {
    categories::by_slug(&state.ctx.db, slug).await?.ok_or_else(ApiError::not_found)
}

#[utoipa::path(
    get, path = "/api/v1/forum/categories/{slug}/topics", tag = "forum", params(("slug" = String, Path), ListParams),
    responses((status = 200, body = TopicPage), (status = 404, body = ApiErrorBody))
)]
pub async fn category_topics(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Json<TopicPage>, ApiError> {
    let category = category(&state, &slug).await?;
    Ok(Json(topics::list(&state.ctx.db, &params.query(Some(category.id))).await?))
}

/// What creating a topic or a reply returns: where it lives.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub topic_id: i64,
    pub post_id: i64,
    /// The post's ActivityPub id, which is also its address.
    pub url: String,
}

async fn created(state: &AppState, topic_id: i64, post_id: i64) -> Result<(StatusCode, Json<Created>), ApiError> {
    let post = posts::by_id(&state.ctx.db, post_id).await?.ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { topic_id, post_id, url: post.ap_id })))
}

#[utoipa::path(
    post, path = "/api/v1/forum/categories/{slug}/topics", tag = "forum", security(("token" = [])),
    params(("slug" = String, Path)), request_body = TopicInput,
    responses((status = 201, body = Created), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn create_topic(
    State(state): State<AppState>,
    me: ApiUser,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<TopicInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let category = category(&state, &slug).await?;
    // Topics of a remote category are started on its home hub.
    if !category.is_local() {
        return Err(maillage_core::CoreError::Forbidden.into());
    }
    let (topic_id, post_id) =
        fed_forum::create_topic(&state.fed, &me.user, &category, &input).await.map_err(federation_error)?;
    created(&state, topic_id, post_id).await
}

/// A topic with its posts, opening post first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicDetail {
    pub topic: Topic,
    pub category: Category,
    pub tags: Vec<String>,
    /// Deleted and removed posts keep their place with their text withheld (except from their
    /// author and moderators, who see why a post was removed).
    pub posts: Vec<Post>,
}

/// Whether the caller sent a token; pages and API are readable without one.
async fn optional_user(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Option<User>, ApiError> {
    let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Ok(None);
    };
    let user =
        maillage_core::accounts::session_user(&state.ctx.db, token.trim(), maillage_core::accounts::SessionKind::Api)
            .await?;
    user.map(Some).ok_or_else(|| maillage_core::CoreError::Unauthorized.into())
}

#[utoipa::path(
    get, path = "/api/v1/forum/topics/{id}", tag = "forum", params(("id" = i64, Path)),
    responses((status = 200, body = TopicDetail), (status = 404, body = ApiErrorBody))
)]
pub async fn topic(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<TopicDetail>, ApiError> {
    let viewer = optional_user(&state, &headers).await?;
    let view = topics::view(&state.ctx.db, id).await?.ok_or_else(ApiError::not_found)?;
    let is_moderator = viewer.as_ref().is_some_and(|u| u.has_role(Role::Moderator));
    let is_author = viewer.as_ref().zip(view.opening()).is_some_and(|(u, p)| p.is_by(u));
    if view.topic.deleted_at != 0 || (!view.topic.removed_reason.is_empty() && !is_author && !is_moderator) {
        return Err(ApiError::not_found());
    }
    let posts = view
        .posts
        .into_iter()
        .map(|mut post| {
            let sees = is_moderator || viewer.as_ref().is_some_and(|u| post.is_by(u));
            if post.deleted_at != 0 || (!post.removed_reason.is_empty() && !sees) {
                post.source.clear();
                post.content_html.clear();
            }
            if !sees {
                post.removed_reason = if post.removed_reason.is_empty() { String::new() } else { "removed".into() };
            }
            post
        })
        .collect();
    Ok(Json(TopicDetail { topic: view.topic, category: view.category, tags: view.tags, posts }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyInput {
    /// Markdown.
    pub body: String,
    /// The post this answers (its id in this hub); the opening post when absent.
    #[serde(default)]
    pub in_reply_to: Option<i64>,
}

#[utoipa::path(
    post, path = "/api/v1/forum/topics/{id}/replies", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = ReplyInput,
    responses((status = 201, body = Created), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn reply(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReplyInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let post_id =
        fed_forum::reply(&state.fed, &me.user, id, input.in_reply_to, &input.body).await.map_err(federation_error)?;
    created(&state, id, post_id).await
}

async fn visible_post(state: &AppState, id: i64) -> Result<Post, ApiError> {
    posts::by_id(&state.ctx.db, id).await?.filter(Post::is_visible).ok_or_else(ApiError::not_found)
}

#[utoipa::path(
    patch, path = "/api/v1/forum/posts/{id}", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = EditInput,
    responses((status = 200, body = Post), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn edit_post(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EditInput>,
) -> Result<Json<Post>, ApiError> {
    fed_forum::edit(&state.fed, &me.user, id, &input).await.map_err(federation_error)?;
    Ok(Json(visible_post(&state, id).await?))
}

#[utoipa::path(
    delete, path = "/api/v1/forum/posts/{id}", tag = "forum", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn delete_post(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    fed_forum::delete(&state.fed, &me.user, id).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Liked {
    /// Whether the caller now likes the post.
    pub liked: bool,
    pub like_count: i64,
}

#[utoipa::path(
    post, path = "/api/v1/forum/posts/{id}/like", tag = "forum", security(("token" = [])), params(("id" = i64, Path)),
    description = "Likes the post, or takes the like back when already given.",
    responses((status = 200, body = Liked), (status = 404, body = ApiErrorBody))
)]
pub async fn toggle_like(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Liked>, ApiError> {
    visible_post(&state, id).await?;
    let liked = fed_forum::toggle_like(&state.fed, &me.user, id).await.map_err(federation_error)?;
    let like_count = visible_post(&state, id).await?.like_count;
    Ok(Json(Liked { liked, like_count }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SolutionInput {
    /// The reply that solved the question; `null` clears the mark.
    pub post_id: Option<i64>,
}

#[utoipa::path(
    put, path = "/api/v1/forum/topics/{id}/solution", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = SolutionInput,
    description = "The topic's author or a moderator marks (or clears) the reply that solved the question.",
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn set_solution(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SolutionInput>,
) -> Result<StatusCode, ApiError> {
    if let Some(post_id) = input.post_id {
        let post = visible_post(&state, post_id).await?;
        if post.topic_id != id {
            return Err(ApiError::not_found());
        }
    }
    fed_forum::mark_solution(&state.fed, &me.user, id, input.post_id).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonInput {
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/forum/posts/{id}/reports", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 201), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn report(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<StatusCode, ApiError> {
    visible_post(&state, id).await?;
    reports::create(&state.ctx.db, id, Some(me.user.id), me.user.shown_name(), &input.reason, "").await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words to find (French stemming and accents folded).
    q: String,
}

#[utoipa::path(
    get, path = "/api/v1/forum/search", tag = "forum", params(SearchParams),
    responses((status = 200, body = [SearchHit]))
)]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    Ok(Json(posts::search(&state.ctx.db, &params.q).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FlagInput {
    pub on: bool,
}

async fn set_flag(state: &AppState, me: &ApiUser, id: i64, flag: TopicFlag, on: bool) -> Result<StatusCode, ApiError> {
    let user = me.require(Role::Moderator)?;
    fed_forum::set_topic_flag(&state.fed, user, id, flag, on).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put, path = "/api/v1/forum/topics/{id}/pinned", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = FlagInput,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn pin(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FlagInput>,
) -> Result<StatusCode, ApiError> {
    set_flag(&state, &me, id, TopicFlag::Pinned, input.on).await
}

#[utoipa::path(
    put, path = "/api/v1/forum/topics/{id}/locked", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = FlagInput,
    description = "A locked topic takes no more replies, here or from other servers.",
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn lock(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FlagInput>,
) -> Result<StatusCode, ApiError> {
    set_flag(&state, &me, id, TopicFlag::Locked, input.on).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveInput {
    /// Slug of one of this hub's categories.
    pub category: String,
}

#[utoipa::path(
    put, path = "/api/v1/forum/topics/{id}/category", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = MoveInput,
    responses((status = 200, body = Category), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody))
)]
pub async fn move_topic(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MoveInput>,
) -> Result<Json<Category>, ApiError> {
    me.require(Role::Moderator)?;
    let topic = topics::by_id(&state.ctx.db, id).await?.ok_or_else(ApiError::not_found)?;
    let from = categories::by_id(&state.ctx.db, topic.category_id).await?.ok_or_else(ApiError::not_found)?;
    if !from.is_local() {
        return Err(maillage_core::CoreError::Forbidden.into());
    }
    Ok(Json(topics::move_to(&state.ctx.db, id, &input.category).await?))
}

#[utoipa::path(
    post, path = "/api/v1/forum/posts/{id}/removal", tag = "forum", security(("token" = [])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    description = "A moderator removes a post; its author sees the reason.",
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn remove_post(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<StatusCode, ApiError> {
    let user = me.require(Role::Moderator)?;
    visible_post(&state, id).await?;
    fed_forum::remove(&state.fed, user, id, &input.reason).await.map_err(federation_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications", security(("token" = [])),
    responses((status = 200, body = [Notification]), (status = 401, body = ApiErrorBody))
)]
pub async fn notifications(State(state): State<AppState>, me: ApiUser) -> Result<Json<Vec<Notification>>, ApiError> {
    Ok(Json(notifications::list(&state.ctx.db, me.user.id, 100).await?))
}

#[utoipa::path(
    post, path = "/api/v1/notifications/read", tag = "notifications", security(("token" = [])),
    responses((status = 204), (status = 401, body = ApiErrorBody))
)]
pub async fn mark_notifications_read(State(state): State<AppState>, me: ApiUser) -> Result<StatusCode, ApiError> {
    notifications::mark_all_read(&state.ctx.db, me.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/admin/forum/categories", tag = "admin", security(("token" = [])), request_body = CategoryInput,
    responses((status = 201, body = Category), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn create_category(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    me.require(Role::Admin)?;
    let category = fed_forum::create_category(&state.fed, &input).await.map_err(federation_error)?;
    Ok((StatusCode::CREATED, Json(category)))
}

#[utoipa::path(
    put, path = "/api/v1/admin/forum/categories/{id}", tag = "admin", security(("token" = [])),
    params(("id" = i64, Path)), request_body = CategoryInput,
    description = "Followers of the category's Group receive the new name and description (`Update`).",
    responses((status = 200, body = Category), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody))
)]
pub async fn update_category(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<Json<Category>, ApiError> {
    me.require(Role::Admin)?;
    Ok(Json(fed_forum::update_category(&state.fed, id, &input).await.map_err(federation_error)?))
}
