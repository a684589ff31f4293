//! Topics: a title, an opening post and replies; lists (latest, unanswered, solved), the
//! solution, and what moderators do to a topic (pin, lock, move).

use maillage_core::Db;
use maillage_core::accounts::{Role, User};
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::text::{char_len, has_control_chars};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

use crate::categories::Category;
use crate::posts::{self, NewPost, Post};
use crate::{MAX_BODY_BYTES, MAX_TAGS, MAX_TITLE_CHARS, id_list};

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Topic {
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    pub opening_post_id: Option<i64>,
    pub solution_post_id: Option<i64>,
    pub pinned: i64,
    pub locked: i64,
    pub reply_count: i64,
    pub last_post_at: i64,
    pub created_at: i64,
    pub deleted_at: i64,
    pub removed_reason: String,
    /// The conversation id other servers gave it (empty for ours).
    pub context: String,
}

impl Topic {
    /// Neither deleted nor removed by a moderator.
    pub fn is_visible(&self) -> bool {
        self.deleted_at == 0 && self.removed_reason.is_empty()
    }
}

const COLUMNS: &str = "id, category_id, title, opening_post_id, solution_post_id, pinned, locked, reply_count, \
    last_post_at, created_at, deleted_at, removed_reason, context";

/// What a member fills in to ask a question.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TopicInput {
    pub title: String,
    pub body: String,
    /// Comma-separated, `#` optional.
    #[serde(default)]
    pub tags: String,
}

/// Checks a title (shared by new topics and edits).
pub fn check_title(v: &mut Validation, title: &str) {
    v.check(title.trim().is_empty(), "title", "error.required");
    v.check(char_len(title.trim()) > MAX_TITLE_CHARS, "title", "error.title_too_long");
    v.check(has_control_chars(title), "title", "error.invalid_characters");
}

/// Checks a post body (shared by topics, replies and edits).
pub fn check_body(v: &mut Validation, body: &str) {
    v.check(body.trim().is_empty(), "body", "error.required");
    v.check(body.len() > MAX_BODY_BYTES, "body", "error.body_too_long");
    v.check(has_control_chars(body), "body", "error.invalid_characters");
}

pub fn validate(input: &TopicInput) -> CoreResult<Vec<String>> {
    let mut v = Validation::new();
    check_title(&mut v, &input.title);
    check_body(&mut v, &input.body);
    let tags = crate::parse_tags(&input.tags);
    v.check(tags.len() > MAX_TAGS, "tags", "error.too_many_tags");
    v.finish()?;
    Ok(tags)
}

/// A topic to store: ours or another server's.
#[derive(Debug, Clone)]
pub struct NewTopic<'a> {
    pub category_id: i64,
    pub title: &'a str,
    pub tags: &'a [String],
    pub context: &'a str,
    pub post: NewPost<'a>,
}

/// Stores a topic and its opening post; returns both ids. Runs inside the caller's transaction.
pub async fn insert(conn: &mut AnyConnection, new: &NewTopic<'_>) -> CoreResult<(i64, i64)> {
    let created = new.post.created_at;
    let topic_id: i64 = sqlx::query_scalar(
        "INSERT INTO forum_topics (category_id, title, last_post_at, created_at, context) VALUES ($1, $2, $3, $3, $4) \
         RETURNING id",
    )
    .bind(new.category_id)
    .bind(maillage_core::text::clip(new.title.trim(), MAX_TITLE_CHARS))
    .bind(created)
    .bind(new.context)
    .fetch_one(&mut *conn)
    .await?;
    let post_id = posts::insert(conn, topic_id, None, &new.post, new.title).await?;
    sqlx::query("UPDATE forum_topics SET opening_post_id = $1 WHERE id = $2")
        .bind(post_id)
        .bind(topic_id)
        .execute(&mut *conn)
        .await?;
    for tag in new.tags.iter().take(MAX_TAGS) {
        sqlx::query(
            "INSERT INTO forum_topic_tags (topic_id, tag) VALUES ($1, $2) ON CONFLICT (topic_id, tag) DO NOTHING",
        )
        .bind(topic_id)
        .bind(tag)
        .execute(&mut *conn)
        .await?;
    }
    Ok((topic_id, post_id))
}

pub async fn by_id(db: &Db, id: i64) -> CoreResult<Option<Topic>> {
    Ok(sqlx::query_as::<_, Topic>(&format!("SELECT {COLUMNS} FROM forum_topics WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_id_in(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Topic>> {
    Ok(sqlx::query_as::<_, Topic>(&format!("SELECT {COLUMNS} FROM forum_topics WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn tags_of(db: &Db, topic_id: i64) -> CoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM forum_topic_tags WHERE topic_id = $1 ORDER BY tag")
        .bind(topic_id)
        .fetch_all(db.pool())
        .await?)
}

/// Replaces a topic's title and tags (an edit of its opening post).
pub async fn retitle(conn: &mut AnyConnection, topic_id: i64, title: &str, tags: Option<&[String]>) -> CoreResult<()> {
    sqlx::query("UPDATE forum_topics SET title = $1 WHERE id = $2")
        .bind(maillage_core::text::clip(title.trim(), MAX_TITLE_CHARS))
        .bind(topic_id)
        .execute(&mut *conn)
        .await?;
    if let Some(tags) = tags {
        sqlx::query("DELETE FROM forum_topic_tags WHERE topic_id = $1").bind(topic_id).execute(&mut *conn).await?;
        for tag in tags.iter().take(MAX_TAGS) {
            sqlx::query(
                "INSERT INTO forum_topic_tags (topic_id, tag) VALUES ($1, $2) ON CONFLICT (topic_id, tag) DO NOTHING",
            )
            .bind(topic_id)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Which topics a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    /// Every topic, most recent activity first.
    #[default]
    Latest,
    /// No reply yet.
    Unanswered,
    /// A reply was marked as the solution.
    Solved,
    /// Not solved yet.
    Unsolved,
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        match text {
            "unanswered" => Filter::Unanswered,
            "solved" => Filter::Solved,
            "unsolved" => Filter::Unsolved,
            _ => Filter::Latest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Latest => "latest",
            Filter::Unanswered => "unanswered",
            Filter::Solved => "solved",
            Filter::Unsolved => "unsolved",
        }
    }
}

/// What a topic list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub category_id: Option<i64>,
    pub tag: Option<String>,
    /// "My questions".
    pub author_user_id: Option<i64>,
    pub filter: Filter,
    pub page: i64,
}

/// One line of a topic list.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TopicSummary {
    pub id: i64,
    pub title: String,
    pub category_slug: String,
    pub category_name: String,
    pub pinned: i64,
    pub locked: i64,
    pub solved: i64,
    pub reply_count: i64,
    pub last_post_at: i64,
    pub created_at: i64,
    pub author_name: String,
    pub author_handle: String,
    pub author_url: String,
    /// Filled after the query.
    #[sqlx(skip)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TopicPage {
    pub topics: Vec<TopicSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const PER_PAGE: i64 = 30;

/// A page of topics: pinned ones first in a category, then by latest activity.
pub async fn list(db: &Db, query: &ListQuery) -> CoreResult<TopicPage> {
    let mut conditions = vec!["t.deleted_at = 0".to_owned(), "t.removed_reason = ''".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(category) = query.category_id {
        conditions.push(format!("t.category_id = {category}"));
    }
    if let Some(author) = query.author_user_id {
        conditions.push(format!("p.author_user_id = {author}"));
    }
    if let Some(tag) = &query.tag {
        binds.push(tag.clone());
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM forum_topic_tags g WHERE g.topic_id = t.id AND g.tag = ${})",
            binds.len()
        ));
    }
    match query.filter {
        Filter::Latest => {}
        Filter::Unanswered => conditions.push("t.reply_count = 0".into()),
        Filter::Solved => conditions.push("t.solution_post_id IS NOT NULL".into()),
        Filter::Unsolved => conditions.push("t.solution_post_id IS NULL".into()),
    }
    let from = format!(
        "FROM forum_topics t JOIN forum_categories c ON c.id = t.category_id JOIN forum_posts p ON p.id = t.opening_post_id \
         WHERE {}",
        conditions.join(" AND ")
    );
    let count_sql = format!("SELECT COUNT(*) {from}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for bind in &binds {
        count = count.bind(bind);
    }
    let total = count.fetch_one(db.pool()).await?;
    let page = query.page.clamp(1, 10_000);
    // Pins matter inside a category; across categories, activity does.
    let order = if query.category_id.is_some() { "t.pinned DESC, t.last_post_at DESC" } else { "t.last_post_at DESC" };
    let sql = format!(
        "SELECT t.id, t.title, c.slug AS category_slug, c.name AS category_name, t.pinned, t.locked, \
         CASE WHEN t.solution_post_id IS NULL THEN 0 ELSE 1 END AS solved, t.reply_count, t.last_post_at, t.created_at, \
         p.author_name, p.author_handle, p.author_url {from} ORDER BY {order}, t.id DESC LIMIT {PER_PAGE} OFFSET {}",
        (page - 1) * PER_PAGE
    );
    let mut select = sqlx::query_as::<_, TopicSummary>(&sql);
    for bind in &binds {
        select = select.bind(bind);
    }
    let mut topics = select.fetch_all(db.pool()).await?;
    attach_tags(db, &mut topics).await?;
    Ok(TopicPage { topics, total, page, pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1) })
}

async fn attach_tags(db: &Db, topics: &mut [TopicSummary]) -> CoreResult<()> {
    let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT topic_id, tag FROM forum_topic_tags WHERE topic_id IN ({}) ORDER BY tag",
        id_list(&ids)
    ))
    .fetch_all(db.pool())
    .await?;
    for topic in topics.iter_mut() {
        topic.tags = rows.iter().filter(|(id, _)| *id == topic.id).map(|(_, tag)| tag.clone()).collect();
    }
    Ok(())
}

/// A topic page: the topic, its category, its tags, and its posts in order (opening post first).
#[derive(Debug, Clone, Serialize)]
pub struct TopicView {
    pub topic: Topic,
    pub category: Category,
    pub tags: Vec<String>,
    pub posts: Vec<Post>,
}

impl TopicView {
    pub fn opening(&self) -> Option<&Post> {
        self.posts.first().filter(|p| Some(p.id) == self.topic.opening_post_id)
    }

    pub fn solution(&self) -> Option<&Post> {
        self.topic.solution_post_id.and_then(|id| self.posts.iter().find(|p| p.id == id))
    }
}

/// Most posts a topic page shows.
pub const MAX_POSTS_SHOWN: i64 = 1_000;

pub async fn view(db: &Db, topic_id: i64) -> CoreResult<Option<TopicView>> {
    let Some(topic) = by_id(db, topic_id).await? else { return Ok(None) };
    let category = crate::categories::by_id(db, topic.category_id).await?.ok_or(CoreError::NotFound)?;
    let tags = tags_of(db, topic_id).await?;
    let mut posts = posts::of_topic(db, topic_id, MAX_POSTS_SHOWN).await?;
    // The opening post leads, even when a reply's clock says it came first.
    if let Some(index) = posts.iter().position(|p| Some(p.id) == topic.opening_post_id) {
        let opening = posts.remove(index);
        posts.insert(0, opening);
    }
    Ok(Some(TopicView { topic, category, tags, posts }))
}

/// Whether `user` may mark a topic's solution: its author, or a moderator.
pub fn may_mark_solution(user: &User, opening: &Post) -> bool {
    user.has_role(Role::Moderator) || opening.author_user_id == Some(user.id)
}

/// Marks `post_id` (a live reply of the topic) as the solution, or clears it with `None`.
pub async fn set_solution(conn: &mut AnyConnection, topic_id: i64, post_id: Option<i64>) -> CoreResult<()> {
    if let Some(post_id) = post_id {
        let ok: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id WHERE p.id = $1 AND p.topic_id = $2 \
             AND p.id <> t.opening_post_id AND p.deleted_at = 0 AND p.removed_reason = ''",
        )
        .bind(post_id)
        .bind(topic_id)
        .fetch_one(&mut *conn)
        .await?;
        if ok == 0 {
            return Err(CoreError::invalid("post", "error.solution_not_a_reply"));
        }
    }
    sqlx::query("UPDATE forum_topics SET solution_post_id = $1 WHERE id = $2")
        .bind(post_id)
        .bind(topic_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Pins a topic at the top of its category, or unpins it.
pub async fn set_pinned(conn: &mut AnyConnection, topic_id: i64, pinned: bool) -> CoreResult<()> {
    set_flag(conn, topic_id, "pinned", pinned).await
}

/// Locks a topic (no more replies, from here or elsewhere), or unlocks it.
pub async fn set_locked(conn: &mut AnyConnection, topic_id: i64, locked: bool) -> CoreResult<()> {
    set_flag(conn, topic_id, "locked", locked).await
}

async fn set_flag(conn: &mut AnyConnection, topic_id: i64, column: &'static str, on: bool) -> CoreResult<()> {
    let changed = sqlx::query(&format!("UPDATE forum_topics SET {column} = $1 WHERE id = $2"))
        .bind(i64::from(on))
        .bind(topic_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if changed == 0 { Err(CoreError::NotFound) } else { Ok(()) }
}

/// Moves a topic to another of our categories.
pub async fn move_to(db: &Db, topic_id: i64, category_slug: &str) -> CoreResult<Category> {
    let category = crate::categories::by_slug(db, category_slug)
        .await?
        .filter(Category::is_local)
        .ok_or_else(|| CoreError::invalid("category", "error.unknown_category"))?;
    sqlx::query("UPDATE forum_topics SET category_id = $1 WHERE id = $2")
        .bind(category.id)
        .bind(topic_id)
        .execute(db.pool())
        .await?;
    Ok(category)
}

/// Counts and last activity again, after a reply was added, deleted or removed.
pub async fn refresh_counts(conn: &mut AnyConnection, topic_id: i64) -> CoreResult<()> {
    sqlx::query(
        "UPDATE forum_topics SET \
           reply_count = (SELECT COUNT(*) FROM forum_posts p WHERE p.topic_id = forum_topics.id \
              AND p.id <> COALESCE(forum_topics.opening_post_id, 0) AND p.deleted_at = 0 AND p.removed_reason = ''), \
           last_post_at = COALESCE((SELECT MAX(p.created_at) FROM forum_posts p WHERE p.topic_id = forum_topics.id \
              AND p.deleted_at = 0 AND p.removed_reason = ''), created_at) \
         WHERE id = $1",
    )
    .bind(topic_id)
    .execute(&mut *conn)
    .await?;
    // A solution that was deleted or removed is no solution.
    sqlx::query(
        "UPDATE forum_topics SET solution_post_id = NULL WHERE id = $1 AND solution_post_id IN \
         (SELECT id FROM forum_posts WHERE deleted_at <> 0 OR removed_reason <> '')",
    )
    .bind(topic_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
