//! Forum pages: categories, topic lists, topics, asking and answering, the solution, likes,
//! search, feeds, following other hubs' categories, reports and moderation. Reads go to
//! `maillage_forum`; writes to `maillage_federation::forum`, which also publishes them.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::CoreError;
use maillage_core::accounts::Role;
use maillage_core::feeds::{Feed, FeedItem};
use maillage_federation::FederationError;
use maillage_federation::forum::{self as fed_forum, TopicFlag};
use maillage_forum::categories::{self, Category, CategoryInput};
use maillage_forum::posts::{self, EditInput};
use maillage_forum::topics::{self, Filter, ListQuery, TopicInput};
use maillage_forum::{normalise_tag, reports};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::activitypub::{activity_json, wants_activity_json};
use crate::web::csrf::CsrfForm;
use crate::web::pages::auth::EmptyForm;
use crate::web::{PageError, Viewer};

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    filter: String,
    page: Option<i64>,
}

async fn category_or_404(state: &AppState, slug: &str) -> Result<Category, PageError> {
    categories::by_slug(&state.ctx.db, slug).await?.ok_or(PageError::NotFound)
}

pub async fn index(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let all = categories::list_with_stats(db).await?;
    let (local, remote): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.ap_id.is_empty());
    let latest = topics::list(db, &ListQuery { page: 1, ..ListQuery::default() }).await?;
    Ok(viewer.render(
        &state,
        "forum.html",
        context! { categories => local, remote_categories => remote, latest => latest.topics.into_iter().take(10).collect::<Vec<_>>() },
    ))
}

/// What a topic list is: its heading, its path, and its category if it shows one.
struct ListOf<'a> {
    heading: &'a str,
    base: &'a str,
    category: Option<&'a Category>,
}

/// A list of topics with its filters: one category, every topic, a tag, or my questions.
fn render_list(
    state: &AppState,
    viewer: &Viewer,
    list: ListOf<'_>,
    page: &topics::TopicPage,
    filter: Filter,
    extra: minijinja::Value,
) -> Response {
    viewer.render(
        state,
        "forum_list.html",
        context! {
            heading => list.heading, base => list.base, category => list.category, topics => &page.topics, total => page.total,
            page => page.page, pages => page.pages, filter => filter.as_str(), filters => ["latest", "unanswered", "solved", "unsolved"],
            ..extra
        },
    )
}

pub async fn category_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let category = category_or_404(&state, &slug).await?;
    let filter = Filter::parse(&params.filter);
    let query =
        ListQuery { category_id: Some(category.id), filter, page: params.page.unwrap_or(1), ..ListQuery::default() };
    let page = topics::list(&state.ctx.db, &query).await?;
    let (watching, follow_status) = match &viewer.user {
        Some(user) => (
            categories::is_watching(&state.ctx.db, user.id, category.id).await?,
            fed_forum::follow_status(&state.fed, user, &category).await?,
        ),
        None => (false, None),
    };
    let handle = if category.is_local() {
        format!("@{}@{}", category.slug, state.ctx.config.domain())
    } else {
        format!("@{}", category.slug)
    };
    let base = format!("/forum/c/{}", category.slug);
    Ok(render_list(
        &state,
        &viewer,
        ListOf { heading: &category.name, base: &base, category: Some(&category) },
        &page,
        filter,
        context! { watching => watching, follow_status => follow_status, handle => handle,
        feed => format!("/forum/c/{}/feed", category.slug) },
    ))
}

pub async fn all_topics(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let filter = Filter::parse(&params.filter);
    let page =
        topics::list(&state.ctx.db, &ListQuery { filter, page: params.page.unwrap_or(1), ..ListQuery::default() })
            .await?;
    let heading = viewer.lang.text("forum.all_topics");
    Ok(render_list(
        &state,
        &viewer,
        ListOf { heading: &heading, base: "/forum/topics", category: None },
        &page,
        filter,
        context! {},
    ))
}

pub async fn my_questions(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let filter = Filter::parse(&params.filter);
    let query =
        ListQuery { author_user_id: Some(user.id), filter, page: params.page.unwrap_or(1), ..ListQuery::default() };
    let page = topics::list(&state.ctx.db, &query).await?;
    let heading = viewer.lang.text("forum.my_questions");
    Ok(render_list(
        &state,
        &viewer,
        ListOf { heading: &heading, base: "/forum/mine", category: None },
        &page,
        filter,
        context! {},
    ))
}

pub async fn tag_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(tag): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let tag = normalise_tag(&tag).ok_or(PageError::NotFound)?;
    let filter = Filter::parse(&params.filter);
    let query = ListQuery { tag: Some(tag.clone()), filter, page: params.page.unwrap_or(1), ..ListQuery::default() };
    let page = topics::list(&state.ctx.db, &query).await?;
    let heading = format!("#{tag}");
    let base = format!("/forum/tags/{tag}");
    Ok(render_list(
        &state,
        &viewer,
        ListOf { heading: &heading, base: &base, category: None },
        &page,
        filter,
        context! { feed => format!("/forum/tags/{tag}/feed") },
    ))
}

#[derive(Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let q = params.q.chars().take(200).collect::<String>();
    let hits = if q.trim().is_empty() { Vec::new() } else { posts::search(&state.ctx.db, &q).await? };
    Ok(viewer.render(
        &state,
        "forum_search.html",
        context! { q => q, hits => hits, searched => !params.q.trim().is_empty() },
    ))
}

// --- Asking and answering ---------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct NewTopicForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
}

pub async fn new_topic_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    viewer.require_user()?;
    let category = category_or_404(&state, &slug).await?;
    Ok(viewer.render(
        &state,
        "forum_new.html",
        context! { category => category, form => context! { title => "", body => "", tags => "" }, errors => context! {} },
    ))
}

pub async fn create_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<NewTopicForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let category = category_or_404(&state, &slug).await?;
    let input = TopicInput { title: form.title.clone(), body: form.body.clone(), tags: form.tags.clone() };
    match fed_forum::create_topic(&state.fed, user, &category, &input).await {
        Ok((topic_id, _)) => Ok(Redirect::to(&format!("/forum/t/{topic_id}")).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "forum_new.html",
            context! {
                category => category,
                form => context! { title => form.title, body => form.body, tags => form.tags },
                errors => viewer.field_errors(&errors),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct TopicParams {
    quote: Option<i64>,
    reply_to: Option<i64>,
}

pub async fn topic_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<TopicParams>,
) -> Result<Response, PageError> {
    if wants_activity_json(&headers) {
        return Ok(match fed_forum::context_document(&state.fed, id).await? {
            Some(doc) => activity_json(&doc),
            None => StatusCode::NOT_FOUND.into_response(),
        });
    }
    render_topic(&state, &viewer, id, params, StatusCode::OK, None, context! {}).await
}

/// The topic page, optionally with a reply form holding what was typed and its errors.
async fn render_topic(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    params: TopicParams,
    status: StatusCode,
    reply_body: Option<String>,
    errors: minijinja::Value,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let view = topics::view(db, id).await?.ok_or(PageError::NotFound)?;
    let is_moderator = viewer.user.as_ref().is_some_and(|u| u.has_role(Role::Moderator));
    let opening = view.opening().cloned().ok_or(PageError::NotFound)?;
    let is_author = viewer.user.as_ref().is_some_and(|u| opening.is_by(u));
    // A removed topic stays visible to its author (who must see why) and to moderators.
    if view.topic.deleted_at != 0 || (!view.topic.removed_reason.is_empty() && !is_author && !is_moderator) {
        return Err(PageError::NotFound);
    }
    let viewer_ap_id = viewer.user.as_ref().map(|u| state.ctx.config.url_for(&format!("/u/{}", u.username)));
    let ids: Vec<i64> = view.posts.iter().map(|p| p.id).collect();
    let liked = match &viewer_ap_id {
        Some(ap_id) => posts::liked_by(db, ap_id, &ids).await?,
        None => Vec::new(),
    };
    let may_mark =
        view.category.is_local() && viewer.user.as_ref().is_some_and(|u| topics::may_mark_solution(u, &opening));
    let quote = match params.quote.and_then(|q| view.posts.iter().find(|p| p.id == q && p.is_visible())) {
        Some(post) => {
            let text = if post.source.is_empty() {
                maillage_core::markdown::html_to_text(&post.content_html.replace("</p>", "\n"))
            } else {
                post.source.clone()
            };
            let quoted: Vec<String> = text.lines().map(|l| format!("> {l}")).collect();
            format!("{}\n> — {}\n\n", quoted.join("\n"), post.author_name)
        }
        None => String::new(),
    };
    let reply_to = params.reply_to.or(params.quote).filter(|r| ids.contains(r));
    let posts: Vec<minijinja::Value> = view
        .posts
        .iter()
        .map(|p| {
            let parent = p.in_reply_to_id.filter(|parent| Some(*parent) != view.topic.opening_post_id);
            let parent_author =
                parent.and_then(|id| view.posts.iter().find(|q| q.id == id)).map(|q| q.author_name.clone());
            context! {
                post => p,
                is_opening => Some(p.id) == view.topic.opening_post_id,
                is_solution => Some(p.id) == view.topic.solution_post_id,
                liked => liked.contains(&p.id),
                mine => viewer.user.as_ref().is_some_and(|u| p.is_by(u)),
                may_edit => viewer.user.as_ref().is_some_and(|u| p.may_edit(u)),
                may_delete => viewer.user.as_ref().is_some_and(|u| p.may_delete(u)),
                parent => parent,
                parent_author => parent_author,
            }
        })
        .collect();
    let solution = view.solution().cloned();
    let move_targets = if is_moderator { categories::list_local(db).await? } else { Vec::new() };
    Ok(viewer.render_status(
        state,
        status,
        "forum_topic.html",
        context! {
            topic => &view.topic, category => &view.category, tags => &view.tags, posts => posts,
            solution => solution, may_mark => may_mark, is_moderator => is_moderator,
            reply_body => reply_body.unwrap_or(quote), reply_to => reply_to, errors => errors,
            move_targets => move_targets,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    in_reply_to: Option<String>,
}

pub async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let in_reply_to = form.in_reply_to.as_deref().and_then(|v| v.parse().ok());
    match fed_forum::reply(&state.fed, user, id, in_reply_to, &form.body).await {
        Ok(post_id) => Ok(Redirect::to(&format!("/forum/t/{id}#p{post_id}")).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let errors = viewer.field_errors(&errors);
            let params = TopicParams { quote: None, reply_to: in_reply_to };
            render_topic(&state, &viewer, id, params, StatusCode::UNPROCESSABLE_ENTITY, Some(form.body), errors.into())
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A post's URL: its Note (or Tombstone) for servers, its place in the topic for people.
pub async fn post_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let post = posts::by_id(&state.ctx.db, id).await?.filter(|p| p.local != 0).ok_or(PageError::NotFound)?;
    if wants_activity_json(&headers) {
        let topic = topics::by_id(&state.ctx.db, post.topic_id).await?.ok_or(PageError::NotFound)?;
        if post.deleted_at != 0 || !post.removed_reason.is_empty() || !topic.is_visible() {
            let mut response = activity_json(&fed_forum::tombstone(&post));
            *response.status_mut() = StatusCode::GONE;
            return Ok(response);
        }
        let category = categories::by_id(&state.ctx.db, topic.category_id).await?.ok_or(PageError::NotFound)?;
        let doc = fed_forum::note_document(&state.fed, &post, &topic, &category).await?;
        let mut response = activity_json(&doc);
        response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
        return Ok(response);
    }
    let mut response = Redirect::to(&format!("/forum/t/{}#p{}", post.topic_id, post.id)).into_response();
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

pub async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    if !post.may_edit(user) {
        return Err(PageError::Forbidden);
    }
    let topic = topics::by_id(&state.ctx.db, post.topic_id).await?.ok_or(PageError::NotFound)?;
    let is_opening = topic.opening_post_id == Some(post.id);
    let tags = topics::tags_of(&state.ctx.db, topic.id).await?.join(", ");
    Ok(viewer.render(
        &state,
        "forum_edit.html",
        context! {
            post => &post, topic => &topic, is_opening => is_opening,
            form => context! { title => &topic.title, body => &post.source, tags => tags }, errors => context! {},
        },
    ))
}

pub async fn save_edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<NewTopicForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    let topic = topics::by_id(&state.ctx.db, post.topic_id).await?.ok_or(PageError::NotFound)?;
    let is_opening = topic.opening_post_id == Some(post.id);
    let input = EditInput {
        title: is_opening.then(|| form.title.clone()),
        body: form.body.clone(),
        tags: is_opening.then(|| form.tags.clone()),
    };
    match fed_forum::edit(&state.fed, user, id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/forum/t/{}#p{id}", post.topic_id)).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "forum_edit.html",
            context! {
                post => &post, topic => &topic, is_opening => is_opening,
                form => context! { title => form.title, body => form.body, tags => form.tags },
                errors => viewer.field_errors(&errors),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    fed_forum::delete(&state.fed, user, id).await?;
    let topic = topics::by_id(&state.ctx.db, post.topic_id).await?.ok_or(PageError::NotFound)?;
    if topic.deleted_at != 0 {
        let category = categories::by_id(&state.ctx.db, topic.category_id).await?.ok_or(PageError::NotFound)?;
        return Ok(Redirect::to(&format!("/forum/c/{}", category.slug)).into_response());
    }
    Ok(Redirect::to(&format!("/forum/t/{}#p{id}", post.topic_id)).into_response())
}

pub async fn like(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    fed_forum::toggle_like(&state.fed, user, id).await?;
    Ok(Redirect::to(&format!("/forum/t/{}#p{id}", post.topic_id)).into_response())
}

pub async fn mark_solution(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    fed_forum::mark_solution(&state.fed, user, post.topic_id, Some(id)).await?;
    Ok(Redirect::to(&format!("/forum/t/{}#p{id}", post.topic_id)).into_response())
}

pub async fn clear_solution(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    fed_forum::mark_solution(&state.fed, user, id, None).await?;
    Ok(Redirect::to(&format!("/forum/t/{id}")).into_response())
}

// --- Moderation -------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct FlagForm {
    on: String,
}

pub async fn pin(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_role(Role::Moderator)?;
    fed_forum::set_topic_flag(&state.fed, user, id, TopicFlag::Pinned, form.on == "1").await?;
    Ok(Redirect::to(&format!("/forum/t/{id}")).into_response())
}

pub async fn lock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_role(Role::Moderator)?;
    fed_forum::set_topic_flag(&state.fed, user, id, TopicFlag::Locked, form.on == "1").await?;
    Ok(Redirect::to(&format!("/forum/t/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    category: String,
}

pub async fn move_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Moderator)?;
    let topic = topics::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    let from = categories::by_id(&state.ctx.db, topic.category_id).await?.ok_or(PageError::NotFound)?;
    if !from.is_local() {
        return Err(PageError::Forbidden);
    }
    topics::move_to(&state.ctx.db, id, &form.category).await?;
    Ok(Redirect::to(&format!("/forum/t/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn remove_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_role(Role::Moderator)?;
    let post = posts::by_id(&state.ctx.db, id).await?.ok_or(PageError::NotFound)?;
    fed_forum::remove(&state.fed, user, id, &form.reason).await?;
    Ok(Redirect::to(&format!("/forum/t/{}#p{id}", post.topic_id)).into_response())
}

pub async fn report_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.filter(|p| p.is_visible()).ok_or(PageError::NotFound)?;
    Ok(viewer.render(
        &state,
        "forum_report.html",
        context! { post => post, reason => "", errors => context! {}, sent => false },
    ))
}

pub async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let post = posts::by_id(&state.ctx.db, id).await?.filter(|p| p.is_visible()).ok_or(PageError::NotFound)?;
    match reports::create(&state.ctx.db, id, Some(user.id), user.shown_name(), &form.reason, "").await {
        Ok(_) => Ok(viewer.render(
            &state,
            "forum_report.html",
            context! { post => post, reason => "", errors => context! {}, sent => true },
        )),
        Err(CoreError::Invalid(errors)) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "forum_report.html",
            context! { post => post, reason => form.reason, errors => viewer.field_errors(&errors), sent => false },
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn moderation(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_role(Role::Moderator)?;
    let open = reports::open(&state.ctx.db).await?;
    Ok(viewer.render(&state, "moderation.html", context! { reports => open }))
}

pub async fn resolve_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_role(Role::Moderator)?;
    reports::resolve(&state.ctx.db, id, user.id).await?;
    Ok(Redirect::to("/moderation").into_response())
}

// --- Watching and following -------------------------------------------------------------------

#[derive(Deserialize)]
pub struct WatchForm {
    on: String,
}

pub async fn watch(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<WatchForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let category = category_or_404(&state, &slug).await?;
    categories::set_watch(&state.ctx.db, user.id, category.id, form.on == "1").await?;
    Ok(Redirect::to(&format!("/forum/c/{}", category.slug)).into_response())
}

#[derive(Deserialize, Default)]
pub struct FollowForm {
    #[serde(default)]
    reference: String,
}

pub async fn follow_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_user()?;
    Ok(viewer.render(&state, "forum_follow.html", context! { reference => "", errors => context! {} }))
}

pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let failed = |code: &str| {
        let errors = viewer.field_errors(&[maillage_core::FieldError::new("reference", code)]);
        viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "forum_follow.html",
            context! { reference => &form.reference, errors => errors },
        )
    };
    if form.reference.trim().is_empty() {
        return Ok(failed("error.required"));
    }
    match fed_forum::follow_category(&state.fed, user, &form.reference).await {
        Ok(category) => Ok(Redirect::to(&format!("/forum/c/{}", category.slug)).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            Ok(failed(errors.first().map(|e| e.code.as_str()).unwrap_or("error.bad_request")))
        }
        Err(FederationError::Core(e)) => Err(e.into()),
        Err(e) => {
            tracing::info!(error = %e, "following a category failed");
            Ok(failed("error.follow_failed"))
        }
    }
}

pub async fn unfollow(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let category = category_or_404(&state, &slug).await?;
    fed_forum::unfollow_category(&state.fed, user, &category).await?;
    Ok(Redirect::to(&format!("/forum/c/{}", category.slug)).into_response())
}

// --- Feeds ------------------------------------------------------------------------------------

/// `feed.atom` or `feed.rss` of a category's or a tag's latest topics.
async fn feed_response(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    page_path: &str,
    query: ListQuery,
    file: &str,
) -> Result<Response, PageError> {
    let atom = match file {
        "feed.atom" => true,
        "feed.rss" => false,
        _ => return Err(PageError::NotFound),
    };
    let db = &state.ctx.db;
    let page = topics::list(db, &query).await?;
    let mut items = Vec::new();
    for summary in page.topics.iter().take(30) {
        let Some(view) = topics::view(db, summary.id).await? else { continue };
        let Some(opening) = view.opening() else { continue };
        items.push(FeedItem {
            id: opening.ap_id.clone(),
            title: summary.title.clone(),
            link: state.ctx.config.url_for(&format!("/forum/t/{}", summary.id)),
            author: summary.author_name.clone(),
            content_html: opening.content_html.clone(),
            published: summary.created_at,
            updated: opening.edited_at.max(summary.created_at),
        });
    }
    let feed = Feed {
        title: format!("{title} · {}", viewer.hub.name),
        link: state.ctx.config.url_for(page_path),
        self_link: state.ctx.config.url_for(&format!("{page_path}/{file}")),
        language: viewer.hub.default_language.clone(),
        items,
    };
    let (content_type, body) = if atom {
        ("application/atom+xml; charset=utf-8", feed.to_atom())
    } else {
        ("application/rss+xml; charset=utf-8", feed.to_rss())
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

pub async fn category_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let category = category_or_404(&state, &slug).await?;
    let query = ListQuery { category_id: Some(category.id), page: 1, ..ListQuery::default() };
    feed_response(&state, &viewer, category.name.clone(), &format!("/forum/c/{}", category.slug), query, &file).await
}

pub async fn tag_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((tag, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let tag = normalise_tag(&tag).ok_or(PageError::NotFound)?;
    let query = ListQuery { tag: Some(tag.clone()), page: 1, ..ListQuery::default() };
    feed_response(&state, &viewer, format!("#{tag}"), &format!("/forum/tags/{tag}"), query, &file).await
}

// --- Administration of categories -------------------------------------------------------------

pub async fn admin_categories(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    render_admin_categories(&state, &viewer, StatusCode::OK, CategoryInput::default(), context! {}).await
}

async fn render_admin_categories(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: CategoryInput,
    errors: minijinja::Value,
) -> Result<Response, PageError> {
    let list = categories::list_local(&state.ctx.db).await?;
    Ok(viewer.render_status(
        state,
        status,
        "admin_forum.html",
        context! {
            categories => list, errors => errors, domain => state.ctx.config.domain(),
            form => context! { slug => form.slug, name => form.name, description => form.description, rules => form.rules, position => form.position },
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct CategoryForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rules: String,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    fn input(self) -> CategoryInput {
        CategoryInput {
            slug: self.slug,
            name: self.name,
            description: self.description,
            rules: self.rules,
            position: self.position.trim().parse().unwrap_or(0),
        }
    }
}

pub async fn admin_create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let input = form.input();
    match fed_forum::create_category(&state.fed, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/forum").into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let errors = viewer.field_errors(&errors);
            render_admin_categories(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, input, errors.into()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn admin_category_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let category = categories::by_id(&state.ctx.db, id).await?.filter(Category::is_local).ok_or(PageError::NotFound)?;
    Ok(viewer.render(
        &state,
        "admin_forum_category.html",
        context! { category => &category, form => &category, errors => context! {} },
    ))
}

pub async fn admin_save_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<Response, PageError> {
    viewer.require_role(Role::Admin)?;
    let category = categories::by_id(&state.ctx.db, id).await?.filter(Category::is_local).ok_or(PageError::NotFound)?;
    let input = form.input();
    match fed_forum::update_category(&state.fed, id, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/forum").into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => Ok(viewer.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin_forum_category.html",
            context! {
                category => &category, errors => viewer.field_errors(&errors),
                form => context! { name => input.name, description => input.description, rules => input.rules, position => input.position },
            },
        )),
        Err(e) => Err(e.into()),
    }
}
