//! The inbox: verify, deduplicate, journal, answer 202, then act in a worker.
//!
//! Every accepted activity is written to `inbox_activities` before we answer, so nothing is
//! lost if the process stops; the worker marks each one done, ignored (with the reason) or
//! failed. A second delivery of the same activity id changes nothing.

use std::time::{Duration, SystemTime};

use maillage_core::time::{MINUTE_MS, now_ms};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::FromRow;

use crate::activities::{self, Outcome};
use crate::actors::{self, RemoteActor};
use crate::error::{FederationError, FederationResult};
use crate::protocol::{self, type_of};
use crate::signatures::{self, SignatureParams};
use crate::{Federation, instances};

/// Largest activity we accept (Mastodon's own limit is about 1 MB; ours is smaller: we carry
/// forum posts, not media).
pub const MAX_INBOX_BYTES: usize = 512 * 1024;

/// What the inbox did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// New: journaled for the worker.
    Accepted,
    /// Already received once: nothing changed.
    Duplicate,
}

/// Finds the actor that owns a signature's key, fetching it when unknown (or when `refresh`).
async fn signer(fed: &Federation, key_id: &str, refresh: bool) -> FederationResult<RemoteActor> {
    if !refresh && let Some(actor) = actors::remote_by_key_id(fed, key_id).await? {
        return Ok(actor);
    }
    // Each unknown key makes us fetch an actor: bound that per server, so signed junk cannot turn
    // the hub into a request amplifier.
    let origin = protocol::origin_of(key_id).unwrap_or_default();
    maillage_core::rate::hit(&fed.ctx.db, &format!("keyfetch:{origin}"), KEY_FETCHES_PER_MINUTE, MINUTE_MS)
        .await
        .map_err(|e| match e {
            maillage_core::CoreError::RateLimited => FederationError::TooManyRequests(origin.clone()),
            other => other.into(),
        })?;
    // The key id is usually `{actor}#main-key`; Mastodon also serves the actor at the key URL.
    let actor_url = key_id.split('#').next().unwrap_or(key_id);
    let actor = actors::fetch_remote(fed, actor_url).await?;
    if actor.key_id != key_id {
        return Err(FederationError::Signature(format!("{key_id} is not the key of {}", actor.ap_id)));
    }
    Ok(actor)
}

/// Verifies a signed request and returns its signer. Used for POSTs to inboxes and for signed
/// GETs (authorized fetch).
pub async fn verify_request(
    fed: &Federation,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> FederationResult<RemoteActor> {
    let params: SignatureParams = signatures::signature_params(headers)?;
    signatures::check_request(method, headers, body, &params, SystemTime::now())?;
    if let Some(domain) = protocol::origin_of(&params.key_id)
        && let Some(reason) = instances::refusal(fed, &domain).await?
    {
        return Err(FederationError::Blocked(format!("{domain}: {reason}")));
    }
    let actor = signer(fed, &params.key_id, false).await?;
    if let Some(reason) = instances::refusal(fed, &actor.domain).await? {
        return Err(FederationError::Blocked(format!("{}: {reason}", actor.domain)));
    }
    let key = fed.keys.public(&actor.public_key_pem)?;
    if signatures::verify_with_key(method, path_and_query, headers, &params, &key).is_ok() {
        return Ok(actor);
    }
    // The key may have changed since we stored it: fetch the actor again, at most once a minute.
    if now_ms() - actor.fetched_at > MINUTE_MS {
        let actor = signer(fed, &params.key_id, true).await?;
        let key = fed.keys.public(&actor.public_key_pem)?;
        signatures::verify_with_key(method, path_and_query, headers, &params, &key)?;
        return Ok(actor);
    }
    Err(FederationError::Signature("signature does not verify".into()))
}

/// Handles one POST to an inbox (personal or shared).
pub async fn receive(
    fed: &Federation,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> FederationResult<Received> {
    if body.len() > MAX_INBOX_BYTES {
        return Err(FederationError::TooLarge);
    }
    // Check the signature before parsing: an unsigned request costs us nothing.
    let sender = verify_request(fed, &Method::POST, path_and_query, headers, Some(body)).await?;
    let activity = protocol::parse_json(body)?;
    if !activity.is_object() {
        return Err(FederationError::BadDocument("an activity must be a JSON object".into()));
    }
    let actor_id =
        protocol::actor_of(&activity).ok_or_else(|| FederationError::BadDocument("activity without actor".into()))?;
    if actor_id != sender.ap_id {
        return Err(FederationError::Signature(format!("signed by {} on behalf of {actor_id}", sender.ap_id)));
    }
    activities::check_origins(&activity, actor_id)?;
    let activity_type = type_of(&activity).unwrap_or("").to_owned();
    let activity_id = match activity.get("id").and_then(Value::as_str) {
        Some(id) => id.to_owned(),
        // Some servers omit ids on transient activities; the digest of the body stands in.
        None => format!("urn:maillage:digest:{}", signatures::digest_header(body)),
    };
    let inserted = sqlx::query(
        "INSERT INTO inbox_activities (activity_id, actor, activity_type, payload, status, received_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(&activity_id)
    .bind(actor_id)
    .bind(&activity_type)
    .bind(String::from_utf8_lossy(body).as_ref())
    .bind(now_ms())
    .execute(fed.ctx.db.pool())
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(Received::Duplicate);
    }
    fed.wake_inbox.notify_one();
    Ok(Received::Accepted)
}

#[derive(Debug, FromRow)]
struct PendingActivity {
    id: i64,
    actor: String,
    payload: String,
    attempts: i64,
}

const MAX_ATTEMPTS: i64 = 5;
/// Actor fetches for unknown or changed keys, per server and minute.
const KEY_FETCHES_PER_MINUTE: i64 = 60;
const CLAIM_MS: i64 = 10 * MINUTE_MS;
const BATCH: i64 = 8;

async fn claim(fed: &Federation, limit: i64) -> FederationResult<Vec<PendingActivity>> {
    let lock = match fed.ctx.db.engine() {
        maillage_core::Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        maillage_core::Engine::Sqlite => "",
    };
    let now = now_ms();
    // What failed (or crashed its worker) too often stops being tried, with the reason kept.
    sqlx::query(
        "UPDATE inbox_activities SET status = 'failed', reason = 'gave up after repeated errors', processed_at = $1 \
         WHERE status = 'pending' AND attempts >= $2 AND locked_until <= $1",
    )
    .bind(now)
    .bind(MAX_ATTEMPTS)
    .execute(fed.ctx.db.pool())
    .await?;
    let sql = format!(
        "UPDATE inbox_activities SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
           SELECT id FROM inbox_activities WHERE status = 'pending' AND locked_until <= $2 AND attempts < $4 \
           ORDER BY id LIMIT $3 {lock}) \
         RETURNING id, actor, payload, attempts"
    );
    // A batch may fetch a few actors (40 s at worst each): the claim outlasts it.
    Ok(sqlx::query_as::<_, PendingActivity>(&sql)
        .bind(now + CLAIM_MS)
        .bind(now)
        .bind(limit)
        .bind(MAX_ATTEMPTS)
        .fetch_all(fed.ctx.db.pool())
        .await?)
}

async fn finish(fed: &Federation, id: i64, status: &str, reason: &str) -> FederationResult<()> {
    sqlx::query(
        "UPDATE inbox_activities SET status = $1, reason = $2, processed_at = $3, locked_until = 0 WHERE id = $4",
    )
    .bind(status)
    .bind(reason.chars().take(500).collect::<String>())
    .bind(now_ms())
    .bind(id)
    .execute(fed.ctx.db.pool())
    .await?;
    Ok(())
}

/// First pause before an activity that failed for a passing reason is tried again; it doubles
/// with each attempt.
const FIRST_RETRY_MS: i64 = 5_000;

async fn retry_later(fed: &Federation, id: i64, attempts: i64, reason: &str) -> FederationResult<()> {
    let pause = (FIRST_RETRY_MS << (attempts - 1).clamp(0, 16)).min(CLAIM_MS);
    sqlx::query("UPDATE inbox_activities SET locked_until = $1, reason = $2 WHERE id = $3")
        .bind(now_ms() + pause)
        .bind(format!("will be retried: {}", reason.chars().take(400).collect::<String>()))
        .bind(id)
        .execute(fed.ctx.db.pool())
        .await?;
    Ok(())
}

/// Processes the journaled activities that wait; returns how many were handled.
pub async fn process_pending(fed: &Federation) -> FederationResult<usize> {
    let batch = claim(fed, BATCH).await?;
    let count = batch.len();
    for pending in batch {
        let result = async {
            let activity: Value =
                serde_json::from_str(&pending.payload).map_err(|e| FederationError::BadDocument(e.to_string()))?;
            let sender = actors::remote_actor(fed, &pending.actor).await?;
            activities::process(fed, &sender, &activity).await
        }
        .await;
        match result {
            Ok(Outcome::Done) => finish(fed, pending.id, "done", "").await?,
            Ok(Outcome::Ignored(reason)) => finish(fed, pending.id, "ignored", &reason).await?,
            Err(e @ (FederationError::Core(_) | FederationError::Fetch(_))) if pending.attempts < MAX_ATTEMPTS => {
                // Transient (a server that did not answer, a busy database): tried again soon,
                // then less often, with what went wrong kept for the journal.
                tracing::warn!(error = %e, "inbox activity will be retried");
                retry_later(fed, pending.id, pending.attempts, &e.to_string()).await?;
            }
            Err(e) => finish(fed, pending.id, "failed", &e.to_string()).await?,
        }
    }
    Ok(count)
}

/// The inbox worker loop.
pub async fn run_worker(fed: Federation, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        // A panic while processing one batch must not end the worker.
        let batch = tokio::spawn({
            let fed = fed.clone();
            async move { process_pending(&fed).await }
        });
        match batch.await {
            Ok(Ok(n)) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "inbox worker"),
            Err(e) => tracing::error!(error = %e, "inbox batch panicked"),
        }
        tokio::select! {
            _ = fed.wake_inbox.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One journal entry, for admins.
#[derive(Debug, Clone, serde::Serialize, FromRow)]
pub struct JournalEntry {
    pub activity_id: String,
    pub actor: String,
    pub activity_type: String,
    pub status: String,
    pub reason: String,
    pub received_at: i64,
}

/// The latest inbox journal entries.
pub async fn journal(fed: &Federation, limit: i64) -> FederationResult<Vec<JournalEntry>> {
    Ok(sqlx::query_as::<_, JournalEntry>(
        "SELECT activity_id, actor, activity_type, status, reason, received_at FROM inbox_activities ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(fed.ctx.db.pool())
    .await?)
}
