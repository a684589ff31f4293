//! Rate limits kept in the database, so every server process sharing it counts the same events.

use crate::Db;
use crate::error::{CoreError, CoreResult};
use crate::time::{DAY_MS, Millis, now_ms};

/// How many events were recorded under `key` after `since`.
pub async fn count_since(db: &Db, key: &str, since: Millis) -> CoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE throttle_key = $1 AND occurred_at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(db.pool())
        .await?)
}

/// Records one event under `key`, and forgets events older than a day.
pub async fn record(db: &Db, key: &str) -> CoreResult<i64> {
    let now = now_ms();
    let id = sqlx::query_scalar("INSERT INTO rate_events (throttle_key, occurred_at) VALUES ($1, $2) RETURNING id")
        .bind(key)
        .bind(now)
        .fetch_one(db.pool())
        .await?;
    sqlx::query("DELETE FROM rate_events WHERE occurred_at < $1").bind(now - DAY_MS).execute(db.pool()).await?;
    Ok(id)
}

/// Forgets recorded events (an attempt that turned out fine).
pub async fn forget(db: &Db, ids: &[i64]) -> CoreResult<()> {
    for id in ids {
        sqlx::query("DELETE FROM rate_events WHERE id = $1").bind(id).execute(db.pool()).await?;
    }
    Ok(())
}

/// Records an attempt first, then counts: concurrent attempts all see each other, so a burst
/// cannot slip past the limit between a count and its record.
pub async fn attempt(db: &Db, key: &str, max: i64, window_ms: Millis) -> CoreResult<i64> {
    let id = record(db, key).await?;
    if count_since(db, key, now_ms() - window_ms).await? > max {
        return Err(CoreError::RateLimited);
    }
    Ok(id)
}

/// Records an event and refuses it when `max` were already recorded in the last `window_ms`.
pub async fn hit(db: &Db, key: &str, max: i64, window_ms: Millis) -> CoreResult<()> {
    attempt(db, key, max, window_ms).await.map(|_| ())
}
