//! What followed libraries send: `Create` and `Update` of an `Article` (a resource), `Delete`;
//! and the backfill of a library's older resources from its outbox once our follow is accepted.
//!
//! Only actors this hub's instance actor (or library) follows are read as libraries; an
//! `Article` from anyone else is left to the forum (NodeBB sends topics as `Article`s).

use maillage_resources::library::{self, RemoteResource};
use maillage_resources::licences;
use serde_json::Value;

use crate::activities::Outcome;
use crate::actors::RemoteActor;
use crate::error::FederationResult;
use crate::protocol::{self, id_of, type_of};
use crate::{Federation, objects};

/// Outbox pages read when a library is first followed, and items at most.
const BACKFILL_PAGES: usize = 100;
const BACKFILL_ITEMS: usize = 2_000;

/// Acts on an activity if it belongs to the library; `None` lets other handlers have it.
pub async fn receive(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let kind = type_of(activity).unwrap_or("");
    let object = activity.get("object").unwrap_or(&Value::Null);
    match (kind, type_of(object)) {
        ("Create" | "Update", Some("Article")) => {
            let adapted = record_adaptation(fed, sender, object).await?;
            if !followed_library(fed, sender).await? {
                return Ok(adapted.then_some(Outcome::Done));
            }
            Ok(Some(store(fed, sender, object).await?))
        }
        ("Delete", _) => {
            let Some(id) = id_of(object) else { return Ok(None) };
            let Some(resource) = library::by_ap_id(&fed.ctx.db, id).await? else { return Ok(None) };
            if resource.is_local() || resource.origin_actor != sender.ap_id {
                return Ok(Some(Outcome::Ignored("Delete of a resource its sender does not own".into())));
            }
            let mut tx = fed.ctx.db.pool().begin().await?;
            library::delete_remote(&mut tx, id, &sender.ap_id).await?;
            tx.commit().await?;
            Ok(Some(Outcome::Done))
        }
        _ => Ok(None),
    }
}

/// An Article of another hub that adapts one of our resources (`isBasedOn`): remembered so the
/// original shows it. True when it was one.
async fn record_adaptation(fed: &Federation, sender: &RemoteActor, article: &Value) -> FederationResult<bool> {
    let (Some(id), Some(based_on)) = (id_of(article), article.get("isBasedOn").and_then(id_of)) else {
        return Ok(false);
    };
    if protocol::origin_of(id) != protocol::origin_of(&sender.ap_id) {
        return Ok(false);
    }
    let Some(original) = library::by_ap_id(&fed.ctx.db, based_on).await?.filter(|r| r.is_local()) else {
        return Ok(false);
    };
    let title = article.get("name").and_then(Value::as_str).unwrap_or_default();
    let url =
        article.get("url").and_then(id_of).filter(|u| protocol::origin_of(u) == protocol::origin_of(id)).unwrap_or(id);
    let origin_name = if sender.name.is_empty() { sender.handle() } else { sender.name.clone() };
    let mut tx = fed.ctx.db.pool().begin().await?;
    library::record_adaptation(&mut tx, original.id, id, title, url, &origin_name).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether this actor is another hub's library that this hub follows (its instance actor or its
/// library does). Other followed actors' Articles (a blog, a Mobilizon group's posts) are not
/// resources.
async fn followed_library(fed: &Federation, sender: &RemoteActor) -> FederationResult<bool> {
    if sender.kind != "Group" || sender.preferred_username != super::LIBRARY {
        return Ok(false);
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM following f JOIN local_actors l ON l.id = f.local_actor_id \
         WHERE f.remote_actor_id = $1 AND f.status = 'accepted' AND (l.kind = 'application' OR l.name = $2)",
    )
    .bind(sender.id)
    .bind(super::LIBRARY)
    .fetch_one(fed.ctx.db.pool())
    .await?;
    Ok(count > 0)
}

async fn store(fed: &Federation, library_actor: &RemoteActor, article: &Value) -> FederationResult<Outcome> {
    let Some(id) = id_of(article) else { return Ok(Outcome::Ignored("Article without id".into())) };
    if protocol::origin_of(id) != protocol::origin_of(&library_actor.ap_id) {
        return Ok(Outcome::Ignored("Article from another server than its sender".into()));
    }
    if !protocol::addressed_publicly(article) {
        return Ok(Outcome::Ignored("Article not addressed publicly".into()));
    }
    let themes = library::known_keys(&fed.ctx.db, "theme").await?;
    let publics = library::known_keys(&fed.ctx.db, "public").await?;
    let types = library::known_keys(&fed.ctx.db, "resource_type").await?;
    let origin_name = if library_actor.name.is_empty() { library_actor.handle() } else { library_actor.name.clone() };
    let remote = match parse_article(article, &library_actor.ap_id, &origin_name, &themes, &publics, &types) {
        Ok(remote) => remote,
        Err(reason) => return Ok(Outcome::Ignored(reason)),
    };
    let mut tx = fed.ctx.db.pool().begin().await?;
    let stored = library::store_remote(&mut tx, &remote).await?;
    tx.commit().await?;
    Ok(match stored {
        Some(_) => Outcome::Done,
        None => Outcome::Ignored("resource already deleted".into()),
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn millis(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
}

/// Reads another library's `Article`; the reason when it cannot.
pub fn parse_article(
    doc: &Value,
    origin_actor: &str,
    origin_name: &str,
    themes: &[String],
    publics: &[String],
    types: &[String],
) -> Result<RemoteResource, String> {
    let id = id_of(doc).ok_or("Article without id")?.to_owned();
    let title = doc
        .get("name")
        .and_then(Value::as_str)
        .map(|t| maillage_core::markdown::html_to_text(t).trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or("Article without a name")?;
    let content = doc.get("content").and_then(Value::as_str).unwrap_or_default();
    if content.len() > library::MAX_BODY_BYTES {
        return Err("Article too large".into());
    }
    let summary = doc
        .get("summary")
        .and_then(Value::as_str)
        .map(|s| maillage_core::markdown::html_to_text(s).trim().to_owned())
        .unwrap_or_default();
    // The SPDX id we send; else a licence URL; else nothing is allowed that was not said.
    let licence = doc
        .get("licenceSpdx")
        .and_then(Value::as_str)
        .and_then(licences::find)
        .or_else(|| doc.get("license").and_then(id_of).and_then(licences::find))
        .map(|l| l.id)
        .unwrap_or(licences::ALL_RIGHTS_RESERVED);
    let attachments = match doc.get("attachment") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let mut files = Vec::new();
    let mut links = Vec::new();
    for item in &attachments {
        let name = item.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
        match type_of(item) {
            Some("Document" | "Image" | "Audio" | "Video") => {
                let Some(url) = item.get("url").and_then(id_of).filter(|u| is_web_url(u)) else { continue };
                let media_type = item.get("mediaType").and_then(Value::as_str).unwrap_or("application/octet-stream");
                let name = if name.is_empty() { url.rsplit('/').next().unwrap_or("fichier").to_owned() } else { name };
                files.push((name, media_type.to_owned(), url.to_owned()));
            }
            Some("Link") => {
                let Some(href) = item.get("href").and_then(Value::as_str).filter(|u| is_web_url(u)) else { continue };
                links.push((if name == href { String::new() } else { name }, href.to_owned()));
            }
            _ => {}
        }
    }
    let authors = match doc.get("attributedTo") {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|a| a.is_object())
            .filter_map(|a| {
                let name = a.get("name").and_then(Value::as_str)?.trim().to_owned();
                let url = a.get("url").and_then(id_of).filter(|u| is_web_url(u)).unwrap_or_default().to_owned();
                (!name.is_empty()).then_some((name, url))
            })
            .collect(),
        _ => Vec::new(),
    };
    let url = match doc.get("url").and_then(id_of) {
        Some(url) if protocol::origin_of(url) == protocol::origin_of(&id) => url.to_owned(),
        _ => id.clone(),
    };
    let published = millis(doc.get("published")).unwrap_or_else(maillage_core::time::now_ms);
    let resource_type = doc
        .get("learningResourceType")
        .and_then(Value::as_str)
        .filter(|t| types.iter().any(|k| k == t))
        .unwrap_or_default();
    Ok(RemoteResource {
        url,
        origin_actor: origin_actor.to_owned(),
        origin_name: origin_name.to_owned(),
        title,
        summary,
        body_html: sanitize_document(content),
        language: doc.get("inLanguage").and_then(Value::as_str).unwrap_or("fr").chars().take(8).collect(),
        licence: licence.to_owned(),
        resource_type: resource_type.to_owned(),
        themes: strings(doc.get("themes")).into_iter().filter(|t| themes.contains(t)).collect(),
        publics: strings(doc.get("publics")).into_iter().filter(|p| publics.contains(p)).collect(),
        authors,
        links,
        files,
        version: doc.get("version").and_then(Value::as_i64).unwrap_or(1),
        derived_from: doc.get("isBasedOn").and_then(id_of).unwrap_or_default().to_owned(),
        published_at: published,
        updated_at: millis(doc.get("updated")).unwrap_or(published),
        ap_id: id,
    })
}

/// Remote HTML keeps what a document of ours may hold (headings, tables, https images).
fn sanitize_document(html: &str) -> String {
    maillage_core::markdown::sanitize_remote_document(html)
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
}

/// Reads the outbox of a library we now follow and applies its `Create`, `Update` and `Delete`
/// of `Article`s oldest first, within `BACKFILL_PAGES` pages and `BACKFILL_ITEMS` items.
pub async fn backfill(fed: &Federation, library_actor: &RemoteActor) -> FederationResult<usize> {
    let actor = objects::fetch_object(fed, &library_actor.ap_id).await?;
    let Some(outbox) = actor.get("outbox").and_then(id_of).map(str::to_owned) else { return Ok(0) };
    if protocol::origin_of(&outbox) != protocol::origin_of(&library_actor.ap_id) {
        return Ok(0);
    }
    let collection = objects::fetch_object(fed, &outbox).await?;
    let mut next = match collection.get("first") {
        Some(Value::String(url)) => Some(url.clone()),
        Some(page @ Value::Object(_)) => {
            // An embedded first page: read it, then follow its `next`.
            let (items, after) = page_items(page);
            let mut all = items;
            let mut next = after;
            let mut pages = 1;
            while let Some(url) = next.take().filter(|_| pages < BACKFILL_PAGES && all.len() < BACKFILL_ITEMS) {
                // A page that fails ends the walk; what was read is still applied.
                let Ok(page) = objects::fetch_object(fed, &url).await else { break };
                let (items, after) = page_items(&page);
                all.extend(items);
                next = after;
                pages += 1;
            }
            return apply_backfill(fed, library_actor, all).await;
        }
        _ => None,
    };
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(url) = next.take().filter(|_| pages < BACKFILL_PAGES && all.len() < BACKFILL_ITEMS) {
        // A page that fails ends the walk; what was read is still applied.
        let Ok(page) = objects::fetch_object(fed, &url).await else { break };
        let (items, after) = page_items(&page);
        all.extend(items);
        next = after;
        pages += 1;
    }
    apply_backfill(fed, library_actor, all).await
}

fn page_items(page: &Value) -> (Vec<Value>, Option<String>) {
    let items = match page.get("orderedItems").or_else(|| page.get("items")) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    (items, page.get("next").and_then(id_of).map(str::to_owned))
}

async fn apply_backfill(
    fed: &Federation,
    library_actor: &RemoteActor,
    mut items: Vec<Value>,
) -> FederationResult<usize> {
    items.truncate(BACKFILL_ITEMS);
    // Outboxes list the newest first: apply the oldest first, so the last state wins.
    items.reverse();
    let mut stored = 0;
    for activity in &items {
        if protocol::actor_of(activity) != Some(library_actor.ap_id.as_str()) {
            continue;
        }
        match receive(fed, library_actor, activity).await {
            Ok(Some(Outcome::Done)) => stored += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "backfill item refused"),
        }
    }
    Ok(stored)
}
