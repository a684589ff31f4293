//! Reports of posts: from members here, or as `Flag` from other servers. Moderators see the
//! open ones and resolve them (usually after removing the post or deciding it may stay).

use maillage_core::Db;
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::time::now_ms;
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub post_id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    pub post_author: String,
    pub post_html: String,
    /// `@name@host` or a member's name.
    pub reporter: String,
    pub reason: String,
    pub status: String,
    pub created_at: i64,
}

/// Files a report; `reporter_user_id` is set for members of this hub.
pub async fn create(
    db: &Db,
    post_id: i64,
    reporter_user_id: Option<i64>,
    reporter: &str,
    reason: &str,
    activity_id: &str,
) -> CoreResult<i64> {
    let mut v = Validation::new();
    v.check(reason.trim().is_empty() && reporter_user_id.is_some(), "reason", "error.required");
    v.check(reason.len() > 2_000, "reason", "error.too_long");
    v.finish()?;
    crate::posts::by_id(db, post_id).await?.ok_or(CoreError::NotFound)?;
    Ok(sqlx::query_scalar(
        "INSERT INTO forum_reports (post_id, reporter_user_id, reporter, reason, activity_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(post_id)
    .bind(reporter_user_id)
    .bind(maillage_core::text::clip(reporter, 200))
    .bind(reason.trim())
    .bind(activity_id)
    .bind(now_ms())
    .fetch_one(db.pool())
    .await?)
}

/// Open reports, oldest first (the queue moderators work through).
pub async fn open(db: &Db) -> CoreResult<Vec<Report>> {
    Ok(sqlx::query_as::<_, Report>(
        "SELECT r.id, r.post_id, p.topic_id, t.title AS topic_title, p.author_name AS post_author, p.content_html AS post_html, \
         r.reporter, r.reason, r.status, r.created_at FROM forum_reports r JOIN forum_posts p ON p.id = r.post_id \
         JOIN forum_topics t ON t.id = p.topic_id WHERE r.status = 'open' ORDER BY r.created_at, r.id",
    )
    .fetch_all(db.pool())
    .await?)
}

pub async fn open_count(db: &Db) -> CoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM forum_reports WHERE status = 'open'").fetch_one(db.pool()).await?)
}

/// Closes a report.
pub async fn resolve(db: &Db, report_id: i64, moderator_id: i64) -> CoreResult<()> {
    let changed = sqlx::query(
        "UPDATE forum_reports SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE id = $3 AND status = 'open'",
    )
    .bind(now_ms())
    .bind(moderator_id)
    .bind(report_id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if changed == 0 { Err(CoreError::NotFound) } else { Ok(()) }
}
