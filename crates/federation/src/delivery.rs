//! The persistent delivery queue.
//!
//! An activity is published by writing it to the outbox and one `deliveries` row per inbox, in
//! the same transaction as the change that caused it: nothing is sent from memory, so a crash
//! or restart loses nothing. Workers (one per server process) claim due rows, sign and POST
//! them, and retry with exponential backoff. On PostgreSQL several processes share the queue:
//! rows are claimed with `FOR UPDATE SKIP LOCKED`, and a claim expires if its process dies.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use maillage_core::Engine;
use maillage_core::time::{DAY_MS, HOUR_MS, MINUTE_MS, Millis, now_ms};
use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, FromRow, Transaction};
use url::Url;

use crate::actors::{self, LocalActor};
use crate::error::FederationResult;
use crate::{Federation, instances, protocol};

/// Delays before each retry: about a minute, then longer, up to days.
const BACKOFF: &[Millis] =
    &[MINUTE_MS, 5 * MINUTE_MS, 30 * MINUTE_MS, 2 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS, 2 * DAY_MS, 3 * DAY_MS];
/// A claimed row not finished within this time is claimed again (its worker died).
const CLAIM_MS: Millis = 2 * MINUTE_MS;
/// Deliveries sent at once by one worker.
const CONCURRENCY: usize = 16;
const BATCH: i64 = 64;

/// When the attempt after `attempts` failed ones is due, or `None` to give up.
pub fn retry_delay(attempts: i64) -> Option<Millis> {
    BACKOFF.get(usize::try_from(attempts).ok()?.checked_sub(1)?).copied()
}

/// Records an activity our actor published, and queues it for each inbox (deduplicated, so a
/// server with a shared inbox gets it once). Call inside the transaction of the change.
pub async fn publish(
    tx: &mut Transaction<'_, Any>,
    actor: &LocalActor,
    activity: &Value,
    inboxes: &BTreeSet<String>,
) -> FederationResult<()> {
    let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let activity_type = protocol::type_of(activity).unwrap_or("").to_owned();
    let payload = activity.to_string();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox_activities (activity_id, local_actor_id, activity_type, payload, public, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(&activity_id)
    .bind(actor.id)
    .bind(&activity_type)
    .bind(&payload)
    .bind(i64::from(protocol::addressed_publicly(activity)))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for inbox in inboxes {
        let Some(domain) = protocol::origin_of(inbox) else { continue };
        sqlx::query(
            "INSERT INTO deliveries (activity_id, local_actor_id, inbox, domain, payload, status, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) ON CONFLICT (activity_id, inbox) DO NOTHING",
        )
        .bind(&activity_id)
        .bind(actor.id)
        .bind(inbox)
        .bind(&domain)
        .bind(&payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Publishes in a transaction of its own and wakes the worker.
pub async fn publish_now(
    fed: &Federation,
    actor: &LocalActor,
    activity: &Value,
    inboxes: &BTreeSet<String>,
) -> FederationResult<()> {
    let mut tx = fed.ctx.db.pool().begin().await?;
    publish(&mut tx, actor, activity, inboxes).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
struct DueDelivery {
    id: i64,
    local_actor_id: i64,
    inbox: String,
    domain: String,
    payload: String,
    attempts: i64,
}

/// Claims up to `limit` due deliveries for this worker.
async fn claim_due(fed: &Federation, limit: i64) -> FederationResult<Vec<DueDelivery>> {
    let now = now_ms();
    let lock = match fed.ctx.db.engine() {
        // Several processes share PostgreSQL: skip the rows another worker is claiming.
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        // SQLite has one writer at a time; the UPDATE itself is the lock.
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE deliveries SET locked_until = $1 WHERE id IN (\
           SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $2 AND locked_until <= $2 \
           ORDER BY next_attempt_at, id LIMIT $3 {lock}) \
         RETURNING id, local_actor_id, inbox, domain, payload, attempts"
    );
    Ok(sqlx::query_as::<_, DueDelivery>(&sql)
        .bind(now + CLAIM_MS)
        .bind(now)
        .bind(limit)
        .fetch_all(fed.ctx.db.pool())
        .await?)
}

/// What happened to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// The server refused it for good (4xx other than 408/429): retrying would not help.
    Refused(String),
    /// Try again later.
    Retry(String),
    /// The instance is paused or blocked; not attempted.
    Deferred(Millis),
}

async fn attempt(fed: &Federation, delivery: &DueDelivery) -> Attempt {
    match instances::get(fed, &delivery.domain).await {
        Ok(Some(instance)) if instance.paused_until > now_ms() => return Attempt::Deferred(instance.paused_until),
        _ => {}
    }
    match instances::refusal(fed, &delivery.domain).await {
        Ok(Some(reason)) => return Attempt::Refused(reason.into()),
        Ok(None) => {}
        Err(e) => return Attempt::Retry(e.to_string()),
    }
    let inbox = match Url::parse(&delivery.inbox) {
        Ok(url) => url,
        Err(e) => return Attempt::Refused(format!("bad inbox URL: {e}")),
    };
    let key = match actors::local_by_id(fed, delivery.local_actor_id).await.and_then(|a| a.signing_key(fed)) {
        Ok(key) => key,
        Err(crate::FederationError::NotFound) => return Attempt::Refused("the sending actor no longer exists".into()),
        Err(e) => return Attempt::Retry(format!("signing key: {e}")),
    };
    match fed.http.post_activity(&inbox, delivery.payload.as_bytes(), &key).await {
        Ok(status) if status.is_success() => Attempt::Delivered,
        // 401 is often passing (the peer could not fetch our key just then): retry it, like 408/429.
        Ok(status) if status.is_client_error() && !matches!(status.as_u16(), 401 | 408 | 429) => {
            Attempt::Refused(format!("HTTP {status}"))
        }
        Ok(status) => Attempt::Retry(format!("HTTP {status}")),
        Err(e) => Attempt::Retry(e.to_string()),
    }
}

async fn record(fed: &Federation, delivery: &DueDelivery, outcome: &Attempt) -> FederationResult<()> {
    let pool = fed.ctx.db.pool();
    let now = now_ms();
    match outcome {
        Attempt::Delivered => {
            sqlx::query("UPDATE deliveries SET status = 'done', attempts = attempts + 1, delivered_at = $1, locked_until = 0, last_error = '' WHERE id = $2")
                .bind(now)
                .bind(delivery.id)
                .execute(pool)
                .await?;
            instances::record_success(fed, &delivery.domain).await?;
        }
        Attempt::Refused(reason) => {
            sqlx::query("UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = $1, locked_until = 0 WHERE id = $2")
                .bind(reason)
                .bind(delivery.id)
                .execute(pool)
                .await?;
            // The server answered, so it is up.
            if reason.starts_with("HTTP") {
                instances::record_success(fed, &delivery.domain).await?;
            }
        }
        Attempt::Retry(reason) => {
            let attempts = delivery.attempts + 1;
            match retry_delay(attempts) {
                Some(delay) => {
                    sqlx::query("UPDATE deliveries SET attempts = $1, next_attempt_at = $2, last_error = $3, locked_until = 0 WHERE id = $4")
                        .bind(attempts)
                        .bind(now + delay)
                        .bind(reason)
                        .bind(delivery.id)
                        .execute(pool)
                        .await?;
                }
                None => {
                    sqlx::query("UPDATE deliveries SET status = 'failed', attempts = $1, last_error = $2, locked_until = 0 WHERE id = $3")
                        .bind(attempts)
                        .bind(format!("gave up: {reason}"))
                        .bind(delivery.id)
                        .execute(pool)
                        .await?;
                }
            }
            instances::record_failure(fed, &delivery.domain, reason).await?;
        }
        Attempt::Deferred(until) => {
            sqlx::query("UPDATE deliveries SET next_attempt_at = $1, locked_until = 0 WHERE id = $2")
                .bind(*until)
                .bind(delivery.id)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Sends every due delivery once; returns how many were attempted.
pub async fn run_once(fed: &Federation) -> FederationResult<usize> {
    let due = claim_due(fed, BATCH).await?;
    let count = due.len();
    let results: Vec<FederationResult<()>> = futures_util::stream::iter(due)
        .map(|delivery| async move {
            let outcome = attempt(fed, &delivery).await;
            if !matches!(outcome, Attempt::Delivered) {
                tracing::debug!(inbox = %delivery.inbox, ?outcome, "delivery not done");
            }
            record(fed, &delivery, &outcome).await
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for result in results {
        result?;
    }
    Ok(count)
}

/// The worker loop: runs until `stop` resolves. Wakes when something is published, and at least
/// every second for retries that come due.
pub async fn run_worker(fed: Federation, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match run_once(&fed).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "delivery worker"),
        }
        tokio::select! {
            _ = fed.wake_delivery.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Figures for the admin page and `maillage federation status`.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    pub pending: i64,
    pub retrying: i64,
    pub failed: i64,
    pub delivered_last_day: i64,
    /// Age in seconds of the oldest pending delivery.
    pub oldest_pending_seconds: i64,
}

pub async fn queue_status(fed: &Federation) -> FederationResult<QueueStatus> {
    let pool = fed.ctx.db.pool();
    let now = now_ms();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    Ok(QueueStatus {
        pending: count("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").fetch_one(pool).await?,
        retrying: count("SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts > 0")
            .fetch_one(pool)
            .await?,
        failed: count("SELECT COUNT(*) FROM deliveries WHERE status = 'failed'").fetch_one(pool).await?,
        delivered_last_day: sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'done' AND delivered_at > $1",
        )
        .bind(now - DAY_MS)
        .fetch_one(pool)
        .await?,
        oldest_pending_seconds: sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MIN(created_at) FROM deliveries WHERE status = 'pending'",
        )
        .fetch_one(pool)
        .await?
        .map(|t| (now - t) / 1000)
        .unwrap_or(0),
    })
}

/// Who hears of what a feature Group publishes (the calendar, the library): its followers and
/// those of the hub's instance actor (a Mobilizon or a hub that follows "the hub" follows that).
pub async fn group_and_hub_inboxes(fed: &Federation, group: &LocalActor) -> FederationResult<BTreeSet<String>> {
    let mut inboxes = follower_inboxes(fed, group).await?;
    inboxes.extend(follower_inboxes(fed, &crate::actors::instance_actor(fed).await?).await?);
    Ok(inboxes)
}

/// Inboxes of everyone following `actor` (shared inboxes once each), on servers we federate with.
pub async fn follower_inboxes(fed: &Federation, actor: &LocalActor) -> FederationResult<BTreeSet<String>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT r.inbox, r.shared_inbox, i.policy FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id \
         JOIN instances i ON i.domain = r.domain WHERE f.local_actor_id = $1",
    )
    .bind(actor.id)
    .fetch_all(fed.ctx.db.pool())
    .await?;
    let allowlist_only = fed.ctx.config.federation_allowlist_only;
    Ok(rows
        .into_iter()
        .filter(|(_, _, policy)| {
            instances::Policy::parse(policy).unwrap_or(instances::Policy::Normal).refusal(allowlist_only).is_none()
        })
        .map(|(inbox, shared, _)| if shared.is_empty() { inbox } else { shared })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_a_minute_and_ends_in_days() {
        assert_eq!(retry_delay(1), Some(MINUTE_MS));
        assert_eq!(retry_delay(9), Some(3 * DAY_MS));
        assert_eq!(retry_delay(10), None);
        assert_eq!(retry_delay(0), None);
    }
}
