//! The library over ActivityPub.
//!
//! The hub's library is one `Group` actor, `/g/bibliotheque`. Each resource goes out as an
//! `Article` (Mastodon shows its `name` and `summary` with a link, so the summary stands alone)
//! whose `attachment`s are its files (`Document`) and links (`Link`), with its licence (a URL in
//! `license`, the SPDX id in `licenceSpdx`), its themes and publics (keys, and `Hashtag`s for
//! people), its type, authors, version and `updated` time. The Group sends `Create`, `Update`
//! (each new version) and `Delete` to its followers and to those of the hub's instance actor.
//!
//! Another hub's library followed by this hub (its instance actor follows the Group) sends its
//! resources the same way; when the follow is accepted, its outbox is read (paged, bounded) so
//! that the older resources arrive too. Their files are linked, not copied.
//!
//! Writes store and queue in one transaction.

pub mod incoming;

use std::collections::BTreeSet;

use maillage_core::accounts::{Role, User};
use maillage_core::error::CoreError;
use maillage_core::time::{now_ms, to_rfc3339};
use maillage_resources::library::{self, Detail, Publisher, ResourceInput};
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

use crate::actors::{self, GroupProfile, LocalActor};
use crate::error::{FederationError, FederationResult};
use crate::protocol::PUBLIC;
use crate::{Federation, activities, delivery};

/// The library Group's name (`@bibliotheque@hub`), reserved among usernames and forum slugs.
pub const LIBRARY: &str = "bibliotheque";

/// ActivityStreams plus the few terms the library adds, inline.
pub fn context() -> Value {
    json!(["https://www.w3.org/ns/activitystreams", {
        "sc": "http://schema.org#",
        "mg": "https://maillage.example/ns#",
        "Hashtag": "as:Hashtag",
        "license": { "@id": "sc:license", "@type": "@id" },
        "licenceSpdx": "mg:licenceSpdx",
        "isBasedOn": { "@id": "sc:isBasedOn", "@type": "@id" },
        "version": "sc:version",
        "inLanguage": "sc:inLanguage",
        "learningResourceType": "sc:learningResourceType",
        "themes": "mg:themes",
        "publics": "mg:publics",
    }])
}

pub fn resource_path(id: i64) -> String {
    format!("/resources/{id}")
}

/// The library's Group actor, created on first use.
pub async fn library_actor(fed: &Federation) -> FederationResult<LocalActor> {
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let profile = GroupProfile {
        display_name: format!("Ressources · {}", hub.name),
        summary_html: "<p>Kits d'atelier, guides et fiches en licence libre, à réutiliser et adapter.</p>".into(),
        page_path: "/resources".into(),
    };
    actors::ensure_group(fed, LIBRARY, &profile).await
}

/// The `Article` of one of our resources.
pub fn article(fed: &Federation, detail: &Detail, library: &LocalActor) -> Value {
    let r = &detail.resource;
    let group_id = library.ap_id(fed);
    let licence = detail.licence;
    let mut content = r.body_html.clone();
    if let Some(l) = licence {
        let name = maillage_core::feeds::xml_escape(l.name);
        content.push_str(&if l.url.is_empty() {
            format!("<p>Licence : {name}</p>")
        } else {
            format!("<p>Licence : <a href=\"{}\">{name}</a></p>", maillage_core::feeds::xml_escape(l.url))
        });
    }
    let mut attachment: Vec<Value> = detail
        .files
        .iter()
        .map(|f| {
            let url = if f.url.is_empty() {
                fed.url(&format!("/resources/files/{}/{}", f.id, url_segment(&f.name)))
            } else {
                f.url.clone()
            };
            json!({ "type": "Document", "name": f.name, "mediaType": f.media_type, "url": url })
        })
        .collect();
    attachment.extend(detail.links.iter().map(|(title, url)| {
        json!({ "type": "Link", "name": if title.is_empty() { url } else { title }, "href": url, "mediaType": "text/html" })
    }));
    let mut attributed: Vec<Value> = vec![json!(group_id)];
    attributed.extend(detail.authors.iter().map(|(name, url)| {
        let mut author = json!({ "type": "Organization", "name": name });
        if !url.is_empty() {
            author["url"] = json!(url);
        }
        author
    }));
    let tags: Vec<Value> = detail
        .themes
        .iter()
        .chain(detail.publics.iter())
        .filter_map(|(_, label)| maillage_core::tags::normalise_tag(label))
        .map(|tag| json!({ "type": "Hashtag", "name": format!("#{}", tag.replace('-', "_")), "href": fed.url("/resources") }))
        .collect();
    let mut doc = json!({
        "@context": context(),
        "id": r.ap_id,
        "type": "Article",
        "attributedTo": attributed,
        "name": r.title,
        "summary": r.summary,
        "content": content,
        "mediaType": "text/html",
        "source": { "content": r.body, "mediaType": "text/markdown" },
        "url": r.ap_id,
        "inLanguage": r.language,
        "published": to_rfc3339(r.created_at),
        "updated": to_rfc3339(r.updated_at),
        "version": r.version,
        "learningResourceType": r.resource_type,
        "themes": detail.themes.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "publics": detail.publics.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "licenceSpdx": r.licence,
        "attachment": attachment,
        "tag": tags,
        "to": [PUBLIC],
        "cc": [library.collection(fed, "followers")],
    });
    if let Some(url) = licence.map(|l| l.url).filter(|u| !u.is_empty()) {
        doc["license"] = json!(url);
    }
    if !r.derived_from.is_empty() {
        doc["isBasedOn"] = json!(r.derived_from);
    }
    doc
}

fn url_segment(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Queues `kind` (Create or Update) of the resource as it now stands, inside `tx`.
async fn queue(
    fed: &Federation,
    tx: &mut Transaction<'_, Any>,
    library: &LocalActor,
    inboxes: &BTreeSet<String>,
    kind: &str,
    id: i64,
) -> FederationResult<()> {
    let detail = library::detail_in(tx, id).await?.ok_or(FederationError::NotFound)?;
    let mut object = article(fed, &detail, library);
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    let activity = json!({
        "@context": context(),
        "id": activities::new_activity_id(fed),
        "type": kind,
        "actor": library.ap_id(fed),
        "object": object,
        "to": [PUBLIC],
        "cc": [library.collection(fed, "followers")],
        "published": to_rfc3339(now_ms()),
    });
    delivery::publish(tx, library, &activity, inboxes).await
}

/// Whether `user` may change a resource: who published it, or a moderator.
pub fn may_edit(user: &User, resource: &library::Resource) -> bool {
    resource.is_local()
        && resource.deleted_at == 0
        && (resource.created_by == Some(user.id) || user.has_role(Role::Moderator))
}

/// A member publishes a resource: stored, and its `Create` queued, in one transaction.
pub async fn create(fed: &Federation, user: &User, input: &ResourceInput) -> FederationResult<i64> {
    let fields = library::check(&fed.ctx.db, input).await?;
    let library_group = library_actor(fed).await?;
    let mut inboxes = delivery::group_and_hub_inboxes(fed, &library_group).await?;
    // An adaptation of another hub's resource: its library is told (it shows "adapted by").
    if !fields.derived_from.0.is_empty()
        && let Some(origin) = library::by_ap_id(&fed.ctx.db, &fields.derived_from.0).await?
        && !origin.is_local()
    {
        match actors::remote_actor(fed, &origin.origin_actor).await {
            Ok(actor) => {
                inboxes.insert(actor.delivery_inbox().to_owned());
            }
            Err(e) => tracing::warn!(error = %e, "the adapted resource's library is unreachable"),
        }
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    let publisher = Publisher { user_id: user.id, name: user.shown_name() };
    let id = library::insert(&mut tx, &fed.url(""), &fields, &publisher).await?;
    queue(fed, &mut tx, &library_group, &inboxes, "Create", id).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(id)
}

/// A new version: stored, and its `Update` queued, in one transaction. Returns the version.
pub async fn update(fed: &Federation, user: &User, id: i64, input: &ResourceInput) -> FederationResult<i64> {
    let resource = library::by_id(&fed.ctx.db, id).await?.ok_or(FederationError::NotFound)?;
    if !may_edit(user, &resource) {
        return Err(CoreError::Forbidden.into());
    }
    // An adaptation stays under a licence its original allows (while the original exists).
    let mut input = input.clone();
    input.derived_from = match library::by_ap_id(&fed.ctx.db, &resource.derived_from).await? {
        Some(origin) if !resource.derived_from.is_empty() && origin.deleted_at == 0 => resource.derived_from.clone(),
        _ => String::new(),
    };
    let fields = library::check(&fed.ctx.db, &input).await?;
    let library_group = library_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &library_group).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    let version =
        library::update(&mut tx, id, &fields, &Publisher { user_id: user.id, name: user.shown_name() }).await?;
    queue(fed, &mut tx, &library_group, &inboxes, "Update", id).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(version)
}

/// A file was added: the resource's followers get the `Update` with it.
pub async fn add_file(
    fed: &Federation,
    user: &User,
    id: i64,
    stored: &maillage_resources::files::Stored,
    name: &str,
) -> FederationResult<()> {
    let resource = library::by_id(&fed.ctx.db, id).await?.ok_or(FederationError::NotFound)?;
    if !may_edit(user, &resource) {
        return Err(CoreError::Forbidden.into());
    }
    let library_group = library_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &library_group).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    library::add_file(&mut tx, id, name, stored.media_type, stored.size, &stored.key).await?;
    queue(fed, &mut tx, &library_group, &inboxes, "Update", id).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// Removes a resource; followers get a `Delete` (a `Tombstone`).
pub async fn delete(fed: &Federation, user: &User, id: i64) -> FederationResult<()> {
    let resource = library::by_id(&fed.ctx.db, id).await?.ok_or(FederationError::NotFound)?;
    if !may_edit(user, &resource) {
        return Err(CoreError::Forbidden.into());
    }
    let library_group = library_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &library_group).await?;
    let activity = activities::group_delete(fed, &library_group, &resource.ap_id, "Article");
    let mut tx = fed.ctx.db.pool().begin().await?;
    library::delete(&mut tx, id).await?;
    delivery::publish(&mut tx, &library_group, &activity, &inboxes).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// What a deleted resource answers.
pub fn tombstone(resource: &library::Resource) -> Value {
    activities::tombstone(&resource.ap_id, "Article", resource.deleted_at)
}
