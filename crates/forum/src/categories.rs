//! Categories: created by admins (each becomes a Group actor people follow), and the
//! categories of other servers that members follow, kept here so their topics have a home.

use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::markdown::render_markdown;
use maillage_core::text::char_len;
use maillage_core::time::now_ms;
use maillage_core::{Db, text};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Category {
    pub id: i64,
    /// Ours: `[a-z0-9-]`; another server's: `name@domain`.
    pub slug: String,
    pub name: String,
    pub description: String,
    pub description_html: String,
    pub rules: String,
    pub rules_html: String,
    pub position: i64,
    /// Empty for ours; the remote Group's id otherwise.
    pub ap_id: String,
    /// Another server's page for it (empty for ours).
    pub url: String,
    pub created_at: i64,
}

impl Category {
    pub fn is_local(&self) -> bool {
        self.ap_id.is_empty()
    }
}

/// A category with what the list shows.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct CategoryStats {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description_html: String,
    pub ap_id: String,
    pub topics: i64,
    pub posts: i64,
    /// 0 when empty.
    pub last_activity: i64,
}

/// What an admin fills in.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CategoryInput {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub rules: String,
    #[serde(default)]
    pub position: i64,
}

/// Group names other features use or that would confuse people.
const RESERVED_SLUGS: &[&str] = &["agenda", "ressources", "bibliotheque", "library", "calendar", "admin", "new"];

fn validate(input: &CategoryInput) -> CoreResult<()> {
    let mut v = Validation::new();
    let slug = input.slug.trim();
    v.check(
        slug.is_empty()
            || slug.len() > 40
            || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || slug.starts_with('-'),
        "slug",
        "error.slug_invalid",
    );
    v.check(RESERVED_SLUGS.contains(&slug), "slug", "error.slug_reserved");
    v.check(input.name.trim().is_empty(), "name", "error.required");
    v.check(char_len(&input.name) > 100, "name", "error.too_long");
    v.check(input.description.len() > 5_000, "description", "error.too_long");
    v.check(input.rules.len() > 10_000, "rules", "error.too_long");
    v.printable(&[("slug", &input.slug), ("name", &input.name)]);
    v.finish()
}

const COLUMNS: &str =
    "id, slug, name, description, description_html, rules, rules_html, position, ap_id, url, created_at";

/// Creates one of our categories.
pub async fn create(db: &Db, input: &CategoryInput) -> CoreResult<Category> {
    validate(input)?;
    // `@slug@host` must name the category: a member's username would answer first.
    if maillage_core::accounts::user_by_username(db, input.slug.trim()).await?.is_some() {
        return Err(CoreError::invalid("slug", "error.slug_taken"));
    }
    let result = sqlx::query(
        "INSERT INTO forum_categories (slug, name, description, description_html, rules, rules_html, position, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(input.slug.trim())
    .bind(input.name.trim())
    .bind(&input.description)
    .bind(render_markdown(&input.description))
    .bind(&input.rules)
    .bind(render_markdown(&input.rules))
    .bind(input.position)
    .bind(now_ms())
    .execute(db.pool())
    .await;
    match result.map_err(CoreError::from) {
        Err(e) if e.is_unique_violation() => return Err(CoreError::invalid("slug", "error.slug_taken")),
        other => other?,
    };
    by_slug(db, input.slug.trim()).await?.ok_or(CoreError::NotFound)
}

/// Changes one of our categories (its slug stays: it is the Group's name).
pub async fn update(db: &Db, id: i64, input: &CategoryInput) -> CoreResult<Category> {
    let current = by_id(db, id).await?.filter(Category::is_local).ok_or(CoreError::NotFound)?;
    validate(&CategoryInput { slug: current.slug.clone(), ..input.clone() })?;
    sqlx::query(
        "UPDATE forum_categories SET name = $1, description = $2, description_html = $3, rules = $4, rules_html = $5, \
         position = $6 WHERE id = $7",
    )
    .bind(input.name.trim())
    .bind(&input.description)
    .bind(render_markdown(&input.description))
    .bind(&input.rules)
    .bind(render_markdown(&input.rules))
    .bind(input.position)
    .bind(id)
    .execute(db.pool())
    .await?;
    by_id(db, id).await?.ok_or(CoreError::NotFound)
}

pub async fn by_slug(db: &Db, slug: &str) -> CoreResult<Option<Category>> {
    Ok(sqlx::query_as::<_, Category>(&format!("SELECT {COLUMNS} FROM forum_categories WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_id(db: &Db, id: i64) -> CoreResult<Option<Category>> {
    Ok(sqlx::query_as::<_, Category>(&format!("SELECT {COLUMNS} FROM forum_categories WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

/// The category mirroring another server's Group, if we have it.
pub async fn by_ap_id(db: &Db, ap_id: &str) -> CoreResult<Option<Category>> {
    if ap_id.is_empty() {
        return Ok(None);
    }
    Ok(sqlx::query_as::<_, Category>(&format!("SELECT {COLUMNS} FROM forum_categories WHERE ap_id = $1"))
        .bind(ap_id)
        .fetch_optional(db.pool())
        .await?)
}

/// Our categories, in the admins' order.
pub async fn list_local(db: &Db) -> CoreResult<Vec<Category>> {
    Ok(sqlx::query_as::<_, Category>(&format!(
        "SELECT {COLUMNS} FROM forum_categories WHERE ap_id = '' ORDER BY position, name"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Every category with its counts and last activity: ours first (in order), then remote ones.
pub async fn list_with_stats(db: &Db) -> CoreResult<Vec<CategoryStats>> {
    Ok(sqlx::query_as::<_, CategoryStats>(
        "SELECT c.id, c.slug, c.name, c.description_html, c.ap_id, \
           (SELECT COUNT(*) FROM forum_topics t WHERE t.category_id = c.id AND t.deleted_at = 0 AND t.removed_reason = '') AS topics, \
           (SELECT COUNT(*) FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id \
              WHERE t.category_id = c.id AND t.deleted_at = 0 AND t.removed_reason = '' AND p.deleted_at = 0) AS posts, \
           COALESCE((SELECT MAX(t.last_post_at) FROM forum_topics t WHERE t.category_id = c.id AND t.deleted_at = 0 \
              AND t.removed_reason = ''), 0) AS last_activity \
         FROM forum_categories c ORDER BY CASE WHEN c.ap_id = '' THEN 0 ELSE 1 END, c.position, c.name",
    )
    .fetch_all(db.pool())
    .await?)
}

/// What we know of another server's Group when a member follows it.
#[derive(Debug, Clone)]
pub struct RemoteCategory<'a> {
    pub ap_id: &'a str,
    pub preferred_username: &'a str,
    pub domain: &'a str,
    pub name: &'a str,
    pub summary_html: &'a str,
    pub url: &'a str,
}

/// The local home of another server's category, created or refreshed.
pub async fn ensure_remote(db: &Db, remote: &RemoteCategory<'_>) -> CoreResult<Category> {
    let slug = format!("{}@{}", text::clip(remote.preferred_username, 60), remote.domain).to_lowercase();
    let name = if remote.name.trim().is_empty() { remote.preferred_username } else { remote.name };
    let summary = maillage_core::markdown::sanitize_remote_html(remote.summary_html);
    sqlx::query(
        "INSERT INTO forum_categories (slug, name, description_html, ap_id, url, position, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (slug) DO UPDATE SET name = $2, description_html = $3, url = $5",
    )
    .bind(&slug)
    .bind(text::clip(name, 100))
    .bind(&summary)
    .bind(remote.ap_id)
    .bind(remote.url)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    by_slug(db, &slug).await?.ok_or(CoreError::NotFound)
}

/// Watching a category: a notification for each new topic.
pub async fn set_watch(db: &Db, user_id: i64, category_id: i64, watch: bool) -> CoreResult<()> {
    let sql = if watch {
        "INSERT INTO forum_watches (user_id, category_id) VALUES ($1, $2) ON CONFLICT (user_id, category_id) DO NOTHING"
    } else {
        "DELETE FROM forum_watches WHERE user_id = $1 AND category_id = $2"
    };
    sqlx::query(sql).bind(user_id).bind(category_id).execute(db.pool()).await?;
    Ok(())
}

pub async fn is_watching(db: &Db, user_id: i64, category_id: i64) -> CoreResult<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM forum_watches WHERE user_id = $1 AND category_id = $2")
        .bind(user_id)
        .bind(category_id)
        .fetch_one(db.pool())
        .await?
        > 0)
}

/// Members watching a category.
pub async fn watchers(db: &Db, category_id: i64) -> CoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM forum_watches WHERE category_id = $1")
        .bind(category_id)
        .fetch_all(db.pool())
        .await?)
}
