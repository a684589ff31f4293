//! In-app notifications, shared by every feature: the forum (replies, mentions, solutions, new
//! topics in a watched category), and later events and resources. A feature calls `notify`;
//! the member sees a list with an unread count and chooses which kinds they want.

use serde::Serialize;
use sqlx::FromRow;

use crate::Db;
use crate::error::CoreResult;
use crate::time::now_ms;

/// What a notification is about. Each kind can be turned off by the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Someone answered a topic I started.
    ReplyToTopic,
    /// Someone answered one of my replies.
    ReplyToReply,
    /// Someone mentioned me (`@name`).
    Mention,
    /// My answer was marked as the solution.
    Solution,
    /// A new topic in a category I watch.
    WatchedCategory,
    /// Someone liked one of my posts.
    Like,
    /// My registration to an event changed (a place came free, another server answered).
    Registration,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::ReplyToTopic,
        Kind::ReplyToReply,
        Kind::Mention,
        Kind::Solution,
        Kind::WatchedCategory,
        Kind::Like,
        Kind::Registration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReplyToTopic => "reply_to_topic",
            Kind::ReplyToReply => "reply_to_reply",
            Kind::Mention => "mention",
            Kind::Solution => "solution",
            Kind::WatchedCategory => "watched_category",
            Kind::Like => "like",
            Kind::Registration => "registration",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether a member who never chose gets this kind.
    pub fn on_by_default(self) -> bool {
        true
    }
}

/// What happened, as the member reads it: who, about what, where to look.
#[derive(Debug, Clone, Default)]
pub struct NewNotification<'a> {
    pub actor_name: &'a str,
    pub actor_url: &'a str,
    pub subject: &'a str,
    /// A path on this hub (`/forum/t/12#p40`).
    pub link: &'a str,
}

/// Notifies `user_id` unless they turned this kind off. Returns whether a notification was made.
pub async fn notify(db: &Db, user_id: i64, kind: Kind, what: &NewNotification<'_>) -> CoreResult<bool> {
    if !enabled(db, user_id, kind).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, actor_name, actor_url, subject, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(crate::text::clip(what.actor_name, 200))
    .bind(what.actor_url)
    .bind(crate::text::clip(what.subject, 300))
    .bind(what.link)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(true)
}

async fn enabled(db: &Db, user_id: i64, kind: Kind) -> CoreResult<bool> {
    let chosen: Option<i64> =
        sqlx::query_scalar("SELECT enabled FROM notification_settings WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(kind.as_str())
            .fetch_optional(db.pool())
            .await?;
    Ok(chosen.map(|v| v != 0).unwrap_or_else(|| kind.on_by_default()))
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub actor_name: String,
    pub actor_url: String,
    pub subject: String,
    pub link: String,
    pub created_at: i64,
    /// 0 while unread.
    pub read_at: i64,
}

/// The latest notifications of a member, newest first.
pub async fn list(db: &Db, user_id: i64, limit: i64) -> CoreResult<Vec<Notification>> {
    Ok(sqlx::query_as::<_, Notification>(
        "SELECT id, kind, actor_name, actor_url, subject, link, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

pub async fn unread_count(db: &Db, user_id: i64) -> CoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?)
}

/// Marks every notification of the member as read.
pub async fn mark_all_read(db: &Db, user_id: i64) -> CoreResult<()> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0")
        .bind(now_ms())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Each kind with whether the member gets it.
pub async fn settings(db: &Db, user_id: i64) -> CoreResult<Vec<(Kind, bool)>> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        out.push((kind, enabled(db, user_id, kind).await?));
    }
    Ok(out)
}

/// Saves the member's choices: the kinds in `enabled` are on, every other kind off.
pub async fn save_settings(db: &Db, user_id: i64, enabled: &[Kind]) -> CoreResult<()> {
    let mut tx = db.pool().begin().await?;
    for kind in Kind::ALL {
        sqlx::query(
            "INSERT INTO notification_settings (user_id, kind, enabled) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET enabled = $3",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(i64::from(enabled.contains(&kind)))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
