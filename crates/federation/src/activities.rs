//! Activities we build and the ones we act on: Follow, Accept, Reject, Undo, and actors'
//! own Update and Delete; everything about posts goes to `forum::incoming`.

use std::collections::BTreeSet;

use maillage_core::time::now_ms;
use maillage_core::token::random_token;
use serde_json::{Value, json};

use crate::Federation;
use crate::actors::{self, LocalActor, RemoteActor};
use crate::delivery;
use crate::error::{FederationError, FederationResult};
use crate::protocol::{self, id_of, type_of};

/// A new id for an activity of ours.
pub fn new_activity_id(fed: &Federation) -> String {
    fed.url(&format!("/activities/{}", random_token()))
}

/// Which of our actors a URL names, if any: `/actor`, `/u/{name}`, `/g/{name}`.
pub async fn local_actor_for(fed: &Federation, id: &str) -> FederationResult<Option<LocalActor>> {
    let base = fed.url("");
    let Some(path) = id.strip_prefix(&base) else { return Ok(None) };
    if path == "/actor" {
        return Ok(Some(actors::instance_actor(fed).await?));
    }
    if let Some(name) = path.strip_prefix("/u/") {
        return actors::person_actor(fed, name).await;
    }
    if let Some(name) = path.strip_prefix("/g/") {
        return actors::find_group(fed, name).await;
    }
    Ok(None)
}

/// What became of an incoming activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Understood but not acted on, with the reason (kept in the inbox journal).
    Ignored(String),
}

/// Acts on a verified activity from `sender`.
pub async fn process(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Outcome> {
    let kind = type_of(activity).unwrap_or("");
    let object = activity.get("object");
    let object_type = object.and_then(type_of).unwrap_or("");
    match kind {
        "Follow" => receive_follow(fed, sender, activity).await,
        "Undo" if object_type == "Follow" => receive_undo_follow(fed, sender, activity).await,
        // Only an id: a Follow of theirs, or else something the forum knows (a Like).
        "Undo" if object.is_some_and(Value::is_string) => match receive_undo_follow(fed, sender, activity).await? {
            Outcome::Done => Ok(Outcome::Done),
            Outcome::Ignored(reason) => {
                Ok(feature_handlers(fed, sender, activity).await?.unwrap_or(Outcome::Ignored(reason)))
            }
        },
        // An answer to one of our members' Joins, else to a Follow.
        "Accept" | "Reject" | "TentativeAccept" => match crate::events::incoming::receive(fed, sender, activity).await?
        {
            Some(outcome) => Ok(outcome),
            None if kind == "TentativeAccept" => Ok(unhandled(kind, object_type)),
            None => receive_follow_answer(fed, sender, activity, kind == "Accept").await,
        },
        "Delete" if object.and_then(id_of) == Some(sender.ap_id.as_str()) => {
            sqlx::query("DELETE FROM remote_actors WHERE id = $1").bind(sender.id).execute(fed.ctx.db.pool()).await?;
            Ok(Outcome::Done)
        }
        "Update" if object.and_then(id_of) == Some(sender.ap_id.as_str()) && object.is_some_and(Value::is_object) => {
            let parsed = actors::parse_actor(object.unwrap_or(&Value::Null))?;
            actors::store_remote(fed, &parsed, object.unwrap_or(&Value::Null)).await?;
            Ok(Outcome::Done)
        }
        "" => Ok(Outcome::Ignored("activity without type".into())),
        _ => Ok(feature_handlers(fed, sender, activity).await?.unwrap_or_else(|| unhandled(kind, object_type))),
    }
}

/// The calendar, the library (Articles of followed libraries), then the forum: each takes what
/// is its own.
async fn feature_handlers(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
) -> FederationResult<Option<Outcome>> {
    if let Some(outcome) = crate::events::incoming::receive(fed, sender, activity).await? {
        return Ok(Some(outcome));
    }
    if let Some(outcome) = crate::resources::incoming::receive(fed, sender, activity).await? {
        return Ok(Some(outcome));
    }
    crate::forum::incoming::receive(fed, sender, activity).await
}

fn unhandled(kind: &str, object_type: &str) -> Outcome {
    if object_type.is_empty() {
        Outcome::Ignored(format!("{kind} is not handled by this hub"))
    } else {
        Outcome::Ignored(format!("{kind}({object_type}) is not handled by this hub"))
    }
}

async fn receive_follow(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Outcome> {
    let Some(target_id) = activity.get("object").and_then(id_of) else {
        return Ok(Outcome::Ignored("Follow without object".into()));
    };
    let Some(target) = local_actor_for(fed, target_id).await? else {
        return Ok(Outcome::Ignored(format!("Follow of {target_id}, which is not one of our actors")));
    };
    let follow_id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
    // The Accept quotes the Follow as received, so the follower can match it to its request.
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_activity_id(fed),
        "type": "Accept",
        "actor": target.ap_id(fed),
        "object": {
            "id": follow_id, "type": "Follow", "actor": sender.ap_id, "object": target.ap_id(fed),
        },
        "to": [sender.ap_id],
    });
    let mut tx = fed.ctx.db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO followers (local_actor_id, remote_actor_id, follow_activity_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (local_actor_id, remote_actor_id) DO UPDATE SET follow_activity_id = $3",
    )
    .bind(target.id)
    .bind(sender.id)
    .bind(follow_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    delivery::publish(&mut tx, &target, &accept, &BTreeSet::from([sender.inbox.clone()])).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(Outcome::Done)
}

async fn receive_undo_follow(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Outcome> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    let follow_id = id_of(object).unwrap_or_default();
    let target = object.get("object").and_then(id_of);
    let removed = match target {
        Some(target_id) => match local_actor_for(fed, target_id).await? {
            Some(actor) => sqlx::query("DELETE FROM followers WHERE local_actor_id = $1 AND remote_actor_id = $2")
                .bind(actor.id)
                .bind(sender.id)
                .execute(fed.ctx.db.pool())
                .await?
                .rows_affected(),
            None => 0,
        },
        // Only the Follow's id: find it among this sender's follows.
        None => sqlx::query("DELETE FROM followers WHERE remote_actor_id = $1 AND follow_activity_id = $2")
            .bind(sender.id)
            .bind(follow_id)
            .execute(fed.ctx.db.pool())
            .await?
            .rows_affected(),
    };
    if removed == 0 {
        return Ok(Outcome::Ignored("Undo of a Follow we do not have".into()));
    }
    Ok(Outcome::Done)
}

async fn receive_follow_answer(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    accepted: bool,
) -> FederationResult<Outcome> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    let follow_id = id_of(object).unwrap_or_default();
    let sql = if accepted {
        "UPDATE following SET status = 'accepted' WHERE remote_actor_id = $1 AND follow_activity_id = $2"
    } else {
        "DELETE FROM following WHERE remote_actor_id = $1 AND follow_activity_id = $2"
    };
    let mut changed =
        sqlx::query(sql).bind(sender.id).bind(follow_id).execute(fed.ctx.db.pool()).await?.rows_affected();
    if changed == 0 {
        // Some servers answer with a Follow of their own making: match by who follows whom.
        if let Some(local) = match object.get("actor").and_then(id_of) {
            Some(id) => local_actor_for(fed, id).await?,
            None => None,
        } {
            let sql = if accepted {
                "UPDATE following SET status = 'accepted' WHERE remote_actor_id = $1 AND local_actor_id = $2"
            } else {
                "DELETE FROM following WHERE remote_actor_id = $1 AND local_actor_id = $2"
            };
            changed = sqlx::query(sql).bind(sender.id).bind(local.id).execute(fed.ctx.db.pool()).await?.rows_affected();
        }
    }
    if changed == 0 {
        return Ok(Outcome::Ignored("answer to a Follow we did not send".into()));
    }
    // A library now followed: its older resources are read from its outbox, off the inbox.
    if accepted && sender.kind == "Group" && sender.preferred_username == crate::resources::LIBRARY {
        let (fed, library) = (fed.clone(), sender.clone());
        tokio::spawn(async move {
            match crate::resources::incoming::backfill(&fed, &library).await {
                Ok(n) => tracing::info!(library = %library.ap_id, resources = n, "library backfilled"),
                Err(e) => tracing::warn!(library = %library.ap_id, error = %e, "library backfill failed"),
            }
        });
    }
    Ok(Outcome::Done)
}

/// Our `actor` follows a remote actor: stored as pending, then a Follow is queued.
pub async fn follow(fed: &Federation, actor: &LocalActor, target: &RemoteActor) -> FederationResult<String> {
    let follow_id = new_activity_id(fed);
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": actor.ap_id(fed),
        "object": target.ap_id,
        "to": [target.ap_id],
    });
    let mut tx = fed.ctx.db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO following (local_actor_id, remote_actor_id, follow_activity_id, status, created_at) VALUES ($1, $2, $3, 'pending', $4) \
         ON CONFLICT (local_actor_id, remote_actor_id) DO UPDATE SET follow_activity_id = $3, status = 'pending'",
    )
    .bind(actor.id)
    .bind(target.id)
    .bind(&follow_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    delivery::publish(&mut tx, actor, &activity, &BTreeSet::from([target.inbox.clone()])).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(follow_id)
}

/// The hub itself (its instance actor) follows a handle (`@agenda@hub.example`) or an actor URL.
pub async fn hub_follow(fed: &Federation, reference: &str) -> FederationResult<RemoteActor> {
    let ap_id = crate::webfinger::resolve_actor_reference(fed, reference).await?;
    let target = actors::fetch_remote(fed, &ap_id).await?;
    let hub = actors::instance_actor(fed).await?;
    follow(fed, &hub, &target).await?;
    Ok(target)
}

/// The hub stops following a handle or actor URL it follows.
pub async fn hub_unfollow(fed: &Federation, reference: &str) -> FederationResult<()> {
    let ap_id = crate::webfinger::resolve_actor_reference(fed, reference).await?;
    let target = actors::remote_by_ap_id(fed, &ap_id).await?.ok_or(FederationError::NotFound)?;
    let hub = actors::instance_actor(fed).await?;
    unfollow(fed, &hub, &target).await
}

/// Our `actor` stops following: the row goes and an Undo is queued.
pub async fn unfollow(fed: &Federation, actor: &LocalActor, target: &RemoteActor) -> FederationResult<()> {
    let follow_id: Option<String> = sqlx::query_scalar(
        "SELECT follow_activity_id FROM following WHERE local_actor_id = $1 AND remote_actor_id = $2",
    )
    .bind(actor.id)
    .bind(target.id)
    .fetch_optional(fed.ctx.db.pool())
    .await?;
    let Some(follow_id) = follow_id else { return Err(FederationError::NotFound) };
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_activity_id(fed),
        "type": "Undo",
        "actor": actor.ap_id(fed),
        "object": { "id": follow_id, "type": "Follow", "actor": actor.ap_id(fed), "object": target.ap_id },
        "to": [target.ap_id],
    });
    let mut tx = fed.ctx.db.pool().begin().await?;
    sqlx::query("DELETE FROM following WHERE local_actor_id = $1 AND remote_actor_id = $2")
        .bind(actor.id)
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    delivery::publish(&mut tx, actor, &undo, &BTreeSet::from([target.inbox.clone()])).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// Whether `actor` follows `target` and whether it was accepted.
pub async fn following_status(
    fed: &Federation,
    actor: &LocalActor,
    target: &RemoteActor,
) -> FederationResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT status FROM following WHERE local_actor_id = $1 AND remote_actor_id = $2")
        .bind(actor.id)
        .bind(target.id)
        .fetch_optional(fed.ctx.db.pool())
        .await?)
}

/// Number of remote actors one of ours follows.
pub async fn following_count(fed: &Federation, actor: &LocalActor) -> FederationResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM following WHERE local_actor_id = $1 AND status = 'accepted'")
        .bind(actor.id)
        .fetch_one(fed.ctx.db.pool())
        .await?)
}

/// Number of followers of one of our actors.
pub async fn follower_count(fed: &Federation, actor: &LocalActor) -> FederationResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM followers WHERE local_actor_id = $1")
        .bind(actor.id)
        .fetch_one(fed.ctx.db.pool())
        .await?)
}

/// The actor ids of one page of followers, oldest first.
pub async fn follower_page(
    fed: &Federation,
    actor: &LocalActor,
    page: i64,
    per_page: i64,
) -> FederationResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.ap_id FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id WHERE f.local_actor_id = $1 \
         ORDER BY f.created_at, r.id LIMIT $2 OFFSET $3",
    )
    .bind(actor.id)
    .bind(per_page)
    .bind((page - 1).max(0) * per_page)
    .fetch_all(fed.ctx.db.pool())
    .await?)
}

/// A paged `OrderedCollection`: the collection itself (no page) or one `OrderedCollectionPage`.
pub fn collection_document(id: &str, total: i64, page: Option<(i64, Vec<Value>, bool)>) -> Value {
    match page {
        None => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id, "type": "OrderedCollection", "totalItems": total,
            "first": format!("{id}?page=1"),
        }),
        Some((number, items, has_next)) => {
            let mut doc = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{id}?page={number}"), "type": "OrderedCollectionPage", "partOf": id,
                "totalItems": total, "orderedItems": items,
            });
            if has_next {
                doc["next"] = json!(format!("{id}?page={}", number + 1));
            }
            if number > 1 {
                doc["prev"] = json!(format!("{id}?page={}", number - 1));
            }
            doc
        }
    }
}

/// Public activities of one of our actors, newest first, for its outbox.
pub async fn outbox_page(
    fed: &Federation,
    actor: &LocalActor,
    page: i64,
    per_page: i64,
) -> FederationResult<(i64, Vec<Value>)> {
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_activities WHERE local_actor_id = $1 AND public = 1")
            .bind(actor.id)
            .fetch_one(fed.ctx.db.pool())
            .await?;
    let payloads: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox_activities WHERE local_actor_id = $1 AND public = 1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(actor.id)
    .bind(per_page)
    .bind((page - 1).max(0) * per_page)
    .fetch_all(fed.ctx.db.pool())
    .await?;
    Ok((total, payloads.iter().filter_map(|p| serde_json::from_str(p).ok()).collect()))
}

/// One public activity we published, by id (so its id can be dereferenced).
pub async fn published_activity(fed: &Federation, activity_id: &str) -> FederationResult<Option<Value>> {
    let payload: Option<String> =
        sqlx::query_scalar("SELECT payload FROM outbox_activities WHERE activity_id = $1 AND public = 1")
            .bind(activity_id)
            .fetch_optional(fed.ctx.db.pool())
            .await?;
    Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
}

/// Checks that an activity's objects come from where its actor does: a server may only create,
/// update or delete its own objects.
pub fn check_origins(activity: &Value, actor_id: &str) -> FederationResult<()> {
    let actor_origin = protocol::origin_of(actor_id);
    if let Some(id) = activity.get("id").and_then(Value::as_str)
        && protocol::origin_of(id) != actor_origin
    {
        return Err(FederationError::BadDocument(format!("activity {id} is not from the actor's server")));
    }
    let kind = type_of(activity).unwrap_or("");
    if matches!(kind, "Create" | "Update" | "Delete") {
        if let Some(object_id) = activity.get("object").and_then(id_of)
            && protocol::origin_of(object_id) != actor_origin
        {
            return Err(FederationError::BadDocument(format!(
                "{kind} of {object_id}, which is not from the actor's server"
            )));
        }
        if let Some(author) = activity.get("object").and_then(|o| o.get("attributedTo")).and_then(id_of)
            && protocol::origin_of(author) != actor_origin
        {
            return Err(FederationError::BadDocument(format!("{kind} of an object attributed to {author}")));
        }
    }
    Ok(())
}

/// One remote actor one of ours follows (or asked to follow).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Followed {
    pub actor: String,
    pub handle: String,
    pub name: String,
    pub domain: String,
    /// `pending` until their Accept, then `accepted`.
    pub status: String,
    pub since: i64,
}

/// Everyone `actor` follows or asked to follow, newest first.
pub async fn following_list(fed: &Federation, actor: &LocalActor) -> FederationResult<Vec<Followed>> {
    Ok(sqlx::query_as::<_, Followed>(
        "SELECT r.ap_id AS actor, '@' || r.preferred_username || '@' || r.domain AS handle, r.name, r.domain, \
         f.status, f.created_at AS since FROM following f JOIN remote_actors r ON r.id = f.remote_actor_id \
         WHERE f.local_actor_id = $1 ORDER BY f.created_at DESC",
    )
    .bind(actor.id)
    .fetch_all(fed.ctx.db.pool())
    .await?)
}

/// The network seen from this hub: per server, how many of its actors we follow and how many
/// of its actors follow ours.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct NetworkLink {
    pub domain: String,
    pub we_follow: i64,
    pub follow_us: i64,
}

pub async fn network_links(fed: &Federation) -> FederationResult<Vec<NetworkLink>> {
    Ok(sqlx::query_as::<_, NetworkLink>(
        "SELECT i.domain, \
           (SELECT COUNT(*) FROM following f JOIN remote_actors r ON r.id = f.remote_actor_id WHERE r.domain = i.domain AND f.status = 'accepted') AS we_follow, \
           (SELECT COUNT(*) FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id WHERE r.domain = i.domain) AS follow_us \
         FROM instances i ORDER BY i.domain",
    )
    .fetch_all(fed.ctx.db.pool())
    .await?)
}

/// The `Tombstone` a deleted object of ours answers with (Gancio needs `formerType`).
pub fn tombstone(id: &str, former_type: &str, deleted_at: maillage_core::time::Millis) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Tombstone", "formerType": former_type,
        "deleted": maillage_core::time::to_rfc3339(deleted_at),
    })
}

/// A feature Group's public `Delete` of one of its objects, to its followers.
pub fn group_delete(fed: &Federation, group: &LocalActor, object_id: &str, former_type: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_activity_id(fed),
        "type": "Delete",
        "actor": group.ap_id(fed),
        "object": { "id": object_id, "type": "Tombstone", "formerType": former_type },
        "to": [crate::protocol::PUBLIC],
        "cc": [group.collection(fed, "followers")],
    })
}
