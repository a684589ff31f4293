//! Posts: the opening post of a topic and its replies, ours and other servers', stored alike.
//! Edits keep the time they happened; deletion is soft (a tombstone stays in the thread);
//! likes count once per actor; search goes through `core::search`.

use maillage_core::Db;
use maillage_core::accounts::{Role, User};
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::search::{self, SearchQuery};
use maillage_core::time::now_ms;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

use crate::Author;
use crate::topics::{self, Topic};

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Post {
    pub id: i64,
    pub topic_id: i64,
    pub ap_id: String,
    pub url: String,
    pub in_reply_to_id: Option<i64>,
    /// 1 when written on this hub.
    pub local: i64,
    pub author_user_id: Option<i64>,
    pub author_ap_id: String,
    pub author_name: String,
    pub author_handle: String,
    pub author_url: String,
    /// Markdown as written (empty for remote posts without a source).
    pub source: String,
    /// Sanitised HTML.
    pub content_html: String,
    pub like_count: i64,
    pub created_at: i64,
    /// 0 if never edited.
    pub edited_at: i64,
    /// 0 unless deleted by its author.
    pub deleted_at: i64,
    /// Why a moderator removed it (empty otherwise).
    pub removed_reason: String,
}

impl Post {
    pub fn is_visible(&self) -> bool {
        self.deleted_at == 0 && self.removed_reason.is_empty()
    }

    /// Whether `user` wrote it.
    pub fn is_by(&self, user: &User) -> bool {
        self.author_user_id == Some(user.id)
    }

    /// Whether `user` may edit or delete it: its author (while it is visible).
    pub fn may_edit(&self, user: &User) -> bool {
        self.is_by(user) && self.is_visible()
    }

    /// Whether `user` may delete it: its author or a moderator.
    pub fn may_delete(&self, user: &User) -> bool {
        (self.is_by(user) || user.has_role(Role::Moderator)) && self.deleted_at == 0
    }
}

const COLUMNS: &str = "id, topic_id, ap_id, url, in_reply_to_id, local, author_user_id, author_ap_id, author_name, \
    author_handle, author_url, source, content_html, like_count, created_at, edited_at, deleted_at, removed_reason";

/// A post to store.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub author: &'a Author,
    /// Ours: `None` (the id is made from the row's id); another server's: its id.
    pub ap_id: Option<&'a str>,
    /// Another server's page for it (ours: made like the id).
    pub url: &'a str,
    pub source: &'a str,
    /// Already sanitised.
    pub html: &'a str,
    pub created_at: i64,
    /// People it mentions: (actor id, `@name@host`).
    pub mentions: &'a [(String, String)],
}

/// Where our posts live: `{public_url}/forum/p/{id}`. `base` is the hub's public URL.
pub fn local_ap_id(base: &str, post_id: i64) -> String {
    format!("{}/forum/p/{post_id}", base.trim_end_matches('/'))
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    topic_id: i64,
    in_reply_to: Option<i64>,
    new: &NewPost<'_>,
    title: &str,
) -> CoreResult<i64> {
    let text = maillage_core::markdown::html_to_text(new.html);
    let search_text = search::index_text(&[title, &text]);
    // Ours get their id once the row has one; a placeholder unique id until then.
    let placeholder = format!("urn:maillage:pending:{}", maillage_core::token::random_token());
    let post_id: i64 = sqlx::query_scalar(
        "INSERT INTO forum_posts (topic_id, ap_id, url, in_reply_to_id, local, author_user_id, author_ap_id, author_name, \
         author_handle, author_url, source, content_html, search_text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(topic_id)
    .bind(new.ap_id.unwrap_or(&placeholder))
    .bind(new.url)
    .bind(in_reply_to)
    .bind(i64::from(new.ap_id.is_none()))
    .bind(new.author.user_id)
    .bind(&new.author.ap_id)
    .bind(maillage_core::text::clip(&new.author.name, 200))
    .bind(maillage_core::text::clip(&new.author.handle, 200))
    .bind(&new.author.url)
    .bind(new.source)
    .bind(new.html)
    .bind(search_text)
    .bind(new.created_at)
    .fetch_one(&mut *conn)
    .await?;
    for (actor, name) in new.mentions {
        sqlx::query(
            "INSERT INTO forum_mentions (post_id, actor_ap_id, name) VALUES ($1, $2, $3) ON CONFLICT (post_id, actor_ap_id) DO NOTHING",
        )
        .bind(post_id)
        .bind(actor)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    Ok(post_id)
}

/// Gives one of our new posts its public id and URL. `base` is the hub's public URL.
pub async fn assign_local_ids(conn: &mut AnyConnection, base: &str, post_id: i64) -> CoreResult<String> {
    let ap_id = local_ap_id(base, post_id);
    sqlx::query("UPDATE forum_posts SET ap_id = $1, url = $1 WHERE id = $2")
        .bind(&ap_id)
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    Ok(ap_id)
}

/// Checks a reply before it is stored: the topic must be open.
pub fn check_reply(topic: &Topic, body: &str) -> CoreResult<()> {
    if !topic.is_visible() {
        return Err(CoreError::NotFound);
    }
    let mut v = Validation::new();
    v.check(topic.locked != 0, "body", "error.topic_locked");
    topics::check_body(&mut v, body);
    v.finish()
}

/// Adds a reply to a topic (ours or another server's), inside the caller's transaction.
/// `in_reply_to` must be a post of the same topic (else the reply answers the topic).
pub async fn insert_reply(
    conn: &mut AnyConnection,
    topic: &Topic,
    in_reply_to: Option<i64>,
    new: &NewPost<'_>,
) -> CoreResult<i64> {
    if !topic.is_visible() {
        return Err(CoreError::NotFound);
    }
    if topic.locked != 0 {
        return Err(CoreError::invalid("body", "error.topic_locked"));
    }
    let parent = match in_reply_to {
        Some(id) => sqlx::query_scalar::<_, i64>("SELECT id FROM forum_posts WHERE id = $1 AND topic_id = $2")
            .bind(id)
            .bind(topic.id)
            .fetch_optional(&mut *conn)
            .await?
            .or(topic.opening_post_id),
        None => topic.opening_post_id,
    };
    let post_id = insert(conn, topic.id, parent, new, "").await?;
    topics::refresh_counts(conn, topic.id).await?;
    Ok(post_id)
}

pub async fn by_id(db: &Db, id: i64) -> CoreResult<Option<Post>> {
    Ok(sqlx::query_as::<_, Post>(&format!("SELECT {COLUMNS} FROM forum_posts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_ap_id(db: &Db, ap_id: &str) -> CoreResult<Option<Post>> {
    Ok(sqlx::query_as::<_, Post>(&format!("SELECT {COLUMNS} FROM forum_posts WHERE ap_id = $1"))
        .bind(ap_id)
        .fetch_optional(db.pool())
        .await?)
}

/// Posts of a topic in the order they were written.
pub async fn of_topic(db: &Db, topic_id: i64, limit: i64) -> CoreResult<Vec<Post>> {
    Ok(sqlx::query_as::<_, Post>(&format!(
        "SELECT {COLUMNS} FROM forum_posts WHERE topic_id = $1 ORDER BY created_at, id LIMIT $2"
    ))
    .bind(topic_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// Mentions of a post: (actor id, `@name@host`).
pub async fn mentions_of(db: &Db, post_id: i64) -> CoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT actor_ap_id, name FROM forum_mentions WHERE post_id = $1 ORDER BY name")
        .bind(post_id)
        .fetch_all(db.pool())
        .await?)
}

/// What an author changes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EditInput {
    /// Only for an opening post (the topic's title).
    #[serde(default)]
    pub title: Option<String>,
    pub body: String,
    /// Only for an opening post.
    #[serde(default)]
    pub tags: Option<String>,
}

/// Replaces a post's text (and for an opening post, the topic's title), marking the edit time.
pub async fn update_content(
    conn: &mut AnyConnection,
    post: &Post,
    title: Option<&str>,
    source: &str,
    html: &str,
    edited_at: i64,
) -> CoreResult<()> {
    let text = maillage_core::markdown::html_to_text(html);
    let search_text = search::index_text(&[title.unwrap_or(""), &text]);
    sqlx::query(
        "UPDATE forum_posts SET source = $1, content_html = $2, search_text = $3, edited_at = $4 WHERE id = $5",
    )
    .bind(source)
    .bind(html)
    .bind(search_text)
    .bind(edited_at)
    .bind(post.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Soft-deletes a post: its text goes, a tombstone stays in the thread. Deleting an opening
/// post deletes the topic.
pub async fn delete(conn: &mut AnyConnection, post: &Post) -> CoreResult<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE forum_posts SET deleted_at = $1, source = '', content_html = '', search_text = '' WHERE id = $2",
    )
    .bind(now)
    .bind(post.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE forum_topics SET deleted_at = $1 WHERE id = $2 AND opening_post_id = $3")
        .bind(now)
        .bind(post.topic_id)
        .bind(post.id)
        .execute(&mut *conn)
        .await?;
    topics::refresh_counts(conn, post.topic_id).await
}

/// A moderator removes a post with a reason its author will see. Removing an opening post
/// removes the topic.
pub async fn remove(conn: &mut AnyConnection, post: &Post, reason: &str) -> CoreResult<()> {
    let mut v = Validation::new();
    v.check(reason.trim().is_empty(), "reason", "error.required");
    v.check(reason.len() > 1_000, "reason", "error.too_long");
    v.finish()?;
    sqlx::query("UPDATE forum_posts SET removed_reason = $1 WHERE id = $2")
        .bind(reason.trim())
        .bind(post.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE forum_topics SET removed_reason = $1 WHERE id = $2 AND opening_post_id = $3")
        .bind(reason.trim())
        .bind(post.topic_id)
        .bind(post.id)
        .execute(&mut *conn)
        .await?;
    topics::refresh_counts(conn, post.topic_id).await
}

/// Records a like of `actor_ap_id`; false when they already liked it.
pub async fn like(
    conn: &mut AnyConnection,
    post_id: i64,
    actor_ap_id: &str,
    user_id: Option<i64>,
    activity_id: &str,
) -> CoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO forum_likes (post_id, actor_ap_id, user_id, activity_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (post_id, actor_ap_id) DO NOTHING",
    )
    .bind(post_id)
    .bind(actor_ap_id)
    .bind(user_id)
    .bind(activity_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    recount_likes(conn, post_id).await?;
    Ok(inserted > 0)
}

/// Removes a like; returns the id of the Like activity it came with, if there was one.
pub async fn unlike(conn: &mut AnyConnection, post_id: i64, actor_ap_id: &str) -> CoreResult<Option<String>> {
    let activity: Option<String> =
        sqlx::query_scalar("DELETE FROM forum_likes WHERE post_id = $1 AND actor_ap_id = $2 RETURNING activity_id")
            .bind(post_id)
            .bind(actor_ap_id)
            .fetch_optional(&mut *conn)
            .await?;
    recount_likes(conn, post_id).await?;
    Ok(activity)
}

/// Removes the like that came with a Like activity (an `Undo` names only the activity).
pub async fn unlike_by_activity(conn: &mut AnyConnection, activity_id: &str, actor_ap_id: &str) -> CoreResult<bool> {
    let post: Option<i64> =
        sqlx::query_scalar("DELETE FROM forum_likes WHERE activity_id = $1 AND actor_ap_id = $2 RETURNING post_id")
            .bind(activity_id)
            .bind(actor_ap_id)
            .fetch_optional(&mut *conn)
            .await?;
    match post {
        Some(post_id) => {
            recount_likes(conn, post_id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

async fn recount_likes(conn: &mut AnyConnection, post_id: i64) -> CoreResult<()> {
    sqlx::query(
        "UPDATE forum_posts SET like_count = (SELECT COUNT(*) FROM forum_likes WHERE post_id = $1) WHERE id = $1",
    )
    .bind(post_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which of `post_ids` `actor_ap_id` liked.
pub async fn liked_by(db: &Db, actor_ap_id: &str, post_ids: &[i64]) -> CoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT post_id FROM forum_likes WHERE actor_ap_id = $1 AND post_id IN ({})",
        crate::id_list(post_ids)
    ))
    .bind(actor_ap_id)
    .fetch_all(db.pool())
    .await?)
}

/// One search result: a post and the topic it belongs to.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct SearchHit {
    pub post_id: i64,
    pub topic_id: i64,
    pub title: String,
    pub category_name: String,
    pub author_name: String,
    pub content_html: String,
    pub created_at: i64,
    pub solved: i64,
    pub is_opening: i64,
}

pub const SEARCH_LIMIT: i64 = 50;

/// Posts (opening posts and replies of visible topics) that contain every word of `query`,
/// newest first. Same words, same results on SQLite and PostgreSQL.
pub async fn search(db: &Db, query: &str) -> CoreResult<Vec<SearchHit>> {
    let parsed = SearchQuery::parse(query);
    if parsed.is_empty() {
        return Ok(Vec::new());
    }
    let condition = SearchQuery::condition(db.engine(), "forum_posts", "p.id", "p.search_text", 1);
    let sql = format!(
        "SELECT p.id AS post_id, t.id AS topic_id, t.title, c.name AS category_name, p.author_name, p.content_html, \
         p.created_at, CASE WHEN t.solution_post_id IS NULL THEN 0 ELSE 1 END AS solved, \
         CASE WHEN p.id = t.opening_post_id THEN 1 ELSE 0 END AS is_opening \
         FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id JOIN forum_categories c ON c.id = t.category_id \
         WHERE {condition} AND p.deleted_at = 0 AND p.removed_reason = '' AND t.deleted_at = 0 AND t.removed_reason = '' \
         ORDER BY p.created_at DESC, p.id DESC LIMIT {SEARCH_LIMIT}"
    );
    Ok(sqlx::query_as::<_, SearchHit>(&sql).bind(parsed.match_expression(db.engine())).fetch_all(db.pool()).await?)
}
