//! What other servers send to the forum: posts (`Create` of a `Note`, Lemmy's `Page`, an
//! `Article` or a `Question`), their `Update` and `Delete`, `Like` and its `Undo`, `Flag`, and
//! the `Announce`s of a category we follow.
//!
//! Where a post goes: a reply to a post we have joins its topic (Mastodon replies do not
//! address the category; `inReplyTo` is enough); a reply to a post we do not have makes us
//! fetch its ancestors (within `objects::MAX_REPLY_DEPTH`) until one we know; a post that
//! mentions or addresses one of our categories starts a topic there (title: its `name`, else
//! its first line); a post announced by a remote category a member follows starts a topic in
//! that category's home here. Anything else is journaled as ignored, with the reason.

use maillage_core::markdown::{html_to_text, sanitize_remote_html};
use maillage_core::notifications::{self, Kind, NewNotification};
use maillage_core::time::now_ms;
use maillage_forum::categories::{self, Category};
use maillage_forum::posts::{self, NewPost, Post};
use maillage_forum::topics::{self, Topic};
use maillage_forum::{Author, MAX_BODY_BYTES, MAX_TITLE_CHARS};
use serde_json::Value;

use super::{announce, topic_path};
use crate::activities::{Outcome, local_actor_for};
use crate::actors::{self, LocalKind, RemoteActor};
use crate::error::{FederationError, FederationResult};
use crate::protocol::{self, id_of, ids_of, type_of};
use crate::{Federation, objects};

/// Object types the forum stores.
const POST_TYPES: &[&str] = &["Note", "Page", "Article", "Question"];

/// Acts on an activity if it belongs to the forum; `None` lets other handlers have it.
pub async fn receive(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let kind = type_of(activity).unwrap_or("");
    let outcome = match kind {
        "Create" => on_create(fed, sender, activity, None).await?,
        "Update" => on_update(fed, sender, activity, true).await?,
        "Delete" => on_delete(fed, sender, activity, true).await?,
        "Like" => on_like(fed, sender, activity, true).await?,
        "Undo" => on_undo(fed, sender, activity, true).await?,
        "Flag" => on_flag(fed, sender, activity).await?,
        "Announce" => on_announce(fed, sender, activity).await?,
        "Lock" => on_lock(fed, sender, activity, true).await?,
        _ => None,
    };
    Ok(outcome)
}

fn ignored(reason: impl Into<String>) -> FederationResult<Option<Outcome>> {
    Ok(Some(Outcome::Ignored(reason.into())))
}

/// The object of an activity: embedded, or fetched when only its id came.
async fn object_of(fed: &Federation, activity: &Value) -> FederationResult<Option<Value>> {
    match activity.get("object") {
        Some(object @ Value::Object(_)) if type_of(object).is_some() => Ok(Some(object.clone())),
        Some(other) => match id_of(other) {
            Some(id) => match objects::fetch_object(fed, id).await {
                Ok(object) => Ok(Some(object)),
                Err(FederationError::Gone(_)) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// The author of a remote post, as we copy it onto the post.
fn author_of(actor: &RemoteActor) -> Author {
    Author {
        user_id: None,
        ap_id: actor.ap_id.clone(),
        name: if actor.name.is_empty() { actor.preferred_username.clone() } else { actor.name.clone() },
        handle: actor.handle(),
        url: if actor.url.is_empty() { actor.ap_id.clone() } else { actor.url.clone() },
    }
}

/// A remote post's content as we keep it: sanitised HTML (from `content`, else `contentMap`),
/// its Markdown source if any, and its title if it has one.
struct Content {
    html: String,
    source: String,
    name: Option<String>,
}

fn content_of(object: &Value) -> Content {
    let raw = object
        .get("content")
        .and_then(Value::as_str)
        .or_else(|| {
            object.get("contentMap").and_then(Value::as_object).and_then(|m| m.values().find_map(Value::as_str))
        })
        .unwrap_or("");
    let source = object
        .get("source")
        .filter(|s| s.get("mediaType").and_then(Value::as_str) == Some("text/markdown"))
        .and_then(|s| s.get("content"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .map(|n| maillage_core::text::clip(&strip_controls(n), MAX_TITLE_CHARS).trim().to_owned())
        .filter(|n| !n.is_empty());
    let mut html = sanitize_remote_html(raw);
    // Attachments we do not show inline are kept as links, so nothing is lost.
    if let Some(Value::Array(items)) = object.get("attachment") {
        for item in items.iter().take(8) {
            let url = item.get("url").and_then(id_of).or_else(|| item.get("href").and_then(Value::as_str));
            if let Some(url) = url.filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                let label = item.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or(url);
                html.push_str(&sanitize_remote_html(&format!(
                    "<p><a href=\"{}\">{}</a></p>",
                    url.replace('"', "%22"),
                    label.replace('<', "&lt;")
                )));
            }
        }
    }
    Content { html, source: strip_controls(source), name }
}

fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect()
}

/// The first line of a post's text, for a title: mentions of the category dropped.
fn first_line(html: &str) -> String {
    let with_breaks = html.replace("</p>", "\n").replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n");
    let text = html_to_text(&with_breaks);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().skip_while(|w| w.starts_with('@')).collect();
    let title = words.join(" ");
    let title = if title.is_empty() { line.to_owned() } else { title };
    maillage_core::text::clip(&title, MAX_TITLE_CHARS)
}

fn published_of(object: &Value) -> i64 {
    object
        .get("published")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|d| d.timestamp_millis())
        .filter(|t| *t <= now_ms() + 5 * 60_000)
        .unwrap_or_else(now_ms)
}

fn hashtags_of(object: &Value) -> Vec<String> {
    let mut tags = Vec::new();
    if let Some(Value::Array(items)) = object.get("tag") {
        for item in items {
            if type_of(item) == Some("Hashtag")
                && let Some(tag) = item.get("name").and_then(Value::as_str).and_then(maillage_forum::normalise_tag)
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
    }
    tags.truncate(maillage_forum::MAX_TAGS);
    tags
}

/// Everything an object is addressed to or mentions: `to`, `cc`, `audience`, Mention tags.
fn addressees(object: &Value, activity: Option<&Value>) -> Vec<String> {
    let mut ids = Vec::new();
    for source in [Some(object), activity].into_iter().flatten() {
        for field in ["audience", "to", "cc"] {
            ids.extend(ids_of(source.get(field)));
        }
    }
    if let Some(Value::Array(items)) = object.get("tag") {
        for item in items {
            if type_of(item) == Some("Mention")
                && let Some(href) = item.get("href").and_then(Value::as_str)
            {
                ids.push(href.to_owned());
            }
        }
    }
    ids
}

/// Our category an object addresses, if any.
async fn addressed_local_category(fed: &Federation, ids: &[String]) -> FederationResult<Option<Category>> {
    for id in ids {
        if let Some(actor) = local_actor_for(fed, id).await?
            && actor.kind == LocalKind::Group
            && let Some(category) = categories::by_slug(&fed.ctx.db, &actor.name).await?
            && category.is_local()
        {
            return Ok(Some(category));
        }
    }
    Ok(None)
}

/// A remote category (followed here) an object addresses, if any.
async fn addressed_remote_category(fed: &Federation, ids: &[String]) -> FederationResult<Option<Category>> {
    for id in ids {
        if let Some(category) = categories::by_ap_id(&fed.ctx.db, id).await? {
            return Ok(Some(category));
        }
    }
    Ok(None)
}

/// Members of this hub that an object mentions.
async fn mentioned_members(fed: &Federation, object: &Value) -> FederationResult<Vec<i64>> {
    let mut users = Vec::new();
    if let Some(Value::Array(items)) = object.get("tag") {
        for item in items.iter().take(50) {
            if type_of(item) == Some("Mention")
                && let Some(href) = item.get("href").and_then(Value::as_str)
                && let Some(actor) = local_actor_for(fed, href).await?
                && actor.kind == LocalKind::Person
                && let Some(user) = actor.user_id
            {
                users.push(user);
            }
        }
    }
    Ok(users)
}

/// A `Create` of a post. `via` is the remote category that announced it, if it came that way.
async fn on_create(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    via: Option<&Category>,
) -> FederationResult<Option<Outcome>> {
    let Some(object) = object_of(fed, activity).await? else { return ignored("Create without a readable object") };
    let object_type = type_of(&object).unwrap_or("");
    if !POST_TYPES.contains(&object_type) {
        return Ok(None);
    }
    store_post(fed, sender, &object, Some(activity), via).await
}

/// Stores a post of `sender` (its author), unless we have it or it has no place here.
async fn store_post(
    fed: &Federation,
    sender: &RemoteActor,
    object: &Value,
    activity: Option<&Value>,
    via: Option<&Category>,
) -> FederationResult<Option<Outcome>> {
    let db = &fed.ctx.db;
    let Some(ap_id) = object.get("id").and_then(Value::as_str) else { return ignored("post without id") };
    if posts::by_ap_id(db, ap_id).await?.is_some() {
        return ignored("post already known");
    }
    if local_actor_for(fed, sender.ap_id.as_str()).await?.is_some() || ap_id.starts_with(&fed.url("/")) {
        return ignored("our own post");
    }
    let author_id = object.get("attributedTo").and_then(id_of).unwrap_or(&sender.ap_id);
    if author_id != sender.ap_id {
        return Err(FederationError::BadDocument(format!("{ap_id} is attributed to {author_id}, not to its sender")));
    }
    if !protocol::addressed_publicly(object) && !activity.is_some_and(protocol::addressed_publicly) {
        return ignored("not public: private messages are not part of the forum");
    }
    let content = content_of(object);
    if content.html.len() > MAX_BODY_BYTES || content.source.len() > MAX_BODY_BYTES {
        return ignored(format!("post larger than {MAX_BODY_BYTES} bytes"));
    }
    let author = author_of(sender);
    let url = object.get("url").and_then(id_of).unwrap_or(ap_id).to_owned();
    let mentions: Vec<(String, String)> = Vec::new();
    let new = NewPost {
        author: &author,
        ap_id: Some(ap_id),
        url: &url,
        source: &content.source,
        html: &content.html,
        created_at: published_of(object),
        mentions: &mentions,
    };
    let mentioned = mentioned_members(fed, object).await?;

    // A reply: to a post we know, or to one whose ancestors lead to one we know.
    if let Some(parent_id) = object.get("inReplyTo").and_then(id_of) {
        let parent = match posts::by_ap_id(db, parent_id).await? {
            Some(parent) => parent,
            None => match fetch_missing_ancestors(fed, object).await? {
                Some(parent) => parent,
                None => return ignored(format!("a reply to {parent_id}, a conversation this hub does not have")),
            },
        };
        let topic = topics::by_id(db, parent.topic_id).await?.ok_or(FederationError::NotFound)?;
        if !topic.is_visible() {
            return ignored("a reply to a deleted or removed topic");
        }
        if topic.locked != 0 {
            return ignored("a reply to a locked topic");
        }
        let mut tx = db.pool().begin().await?;
        let post_id = posts::insert_reply(&mut tx, &topic, Some(parent.id), &new).await?;
        tx.commit().await?;
        after_remote_post(fed, post_id, activity, &mentioned).await?;
        return Ok(Some(Outcome::Done));
    }

    // A new topic: in one of our categories it addresses, or in a followed remote category.
    let ids = addressees(object, activity);
    let category = match addressed_local_category(fed, &ids).await? {
        Some(category) => category,
        None => match via {
            Some(category) => category.clone(),
            None => match addressed_remote_category(fed, &ids).await? {
                Some(category) => category,
                None => return ignored("a post that addresses none of our categories"),
            },
        },
    };
    let title = content.name.clone().unwrap_or_else(|| first_line(&content.html));
    let title = if title.trim().is_empty() { "…".to_owned() } else { title };
    let tags = hashtags_of(object);
    let context = object.get("context").and_then(id_of).unwrap_or("");
    let new_topic = topics::NewTopic { category_id: category.id, title: &title, tags: &tags, context, post: new };
    let mut tx = db.pool().begin().await?;
    let (_, post_id) = topics::insert(&mut tx, &new_topic).await?;
    tx.commit().await?;
    after_remote_post(fed, post_id, activity, &mentioned).await?;
    Ok(Some(Outcome::Done))
}

/// Fetches the ancestors of a reply until one we have, stores the missing ones (oldest first)
/// as replies in that topic, and returns the nearest ancestor.
async fn fetch_missing_ancestors(fed: &Federation, object: &Value) -> FederationResult<Option<Post>> {
    let chain = objects::fetch_reply_chain(fed, object, objects::MAX_REPLY_DEPTH, |_| false).await;
    let db = &fed.ctx.db;
    // The first ancestor we have, and the unknown ones between it and the reply.
    let mut missing = Vec::new();
    let mut known = None;
    for ancestor in &chain {
        let Some(id) = ancestor.get("id").and_then(Value::as_str) else { break };
        if let Some(post) = posts::by_ap_id(db, id).await? {
            known = Some(post);
            break;
        }
        missing.push(ancestor.clone());
    }
    let Some(mut parent) = known else { return Ok(None) };
    for ancestor in missing.iter().rev() {
        if !POST_TYPES.contains(&type_of(ancestor).unwrap_or("")) || !protocol::addressed_publicly(ancestor) {
            return Ok(None);
        }
        let Some(author_id) = ancestor.get("attributedTo").and_then(id_of) else { return Ok(None) };
        let ancestor_id = ancestor.get("id").and_then(Value::as_str).unwrap_or_default();
        // Its server may only speak for its own people.
        if protocol::origin_of(author_id) != protocol::origin_of(ancestor_id) {
            return Ok(None);
        }
        if content_of(ancestor).html.len() > MAX_BODY_BYTES {
            return Ok(None);
        }
        let author = match actors::remote_actor(fed, author_id).await {
            Ok(actor) => author_of(&actor),
            Err(_) => return Ok(None),
        };
        let content = content_of(ancestor);
        let ap_id = ancestor.get("id").and_then(Value::as_str).unwrap_or_default();
        let url = ancestor.get("url").and_then(id_of).unwrap_or(ap_id).to_owned();
        let topic = topics::by_id(db, parent.topic_id).await?.ok_or(FederationError::NotFound)?;
        if !topic.is_visible() || topic.locked != 0 {
            return Ok(None);
        }
        let new = NewPost {
            author: &author,
            ap_id: Some(ap_id),
            url: &url,
            source: &content.source,
            html: &content.html,
            created_at: published_of(ancestor),
            mentions: &[],
        };
        let mut tx = db.pool().begin().await?;
        let id = posts::insert_reply(&mut tx, &topic, Some(parent.id), &new).await?;
        tx.commit().await?;
        parent = posts::by_id(db, id).await?.ok_or(FederationError::NotFound)?;
    }
    Ok(Some(parent))
}

/// After a remote post was stored: our category's Group passes the activity on to its
/// followers, and members are notified.
async fn after_remote_post(
    fed: &Federation,
    post_id: i64,
    activity: Option<&Value>,
    mentioned: &[i64],
) -> FederationResult<()> {
    let (post, topic, category) = super::post_context(fed, post_id).await?;
    if let Some(activity) = activity {
        let mut tx = fed.ctx.db.pool().begin().await?;
        announce(fed, &mut tx, &category, activity, Some(&post.ap_id)).await?;
        tx.commit().await?;
        fed.wake_delivery.notify_one();
    }
    super::notify_post_readers(fed, None, &post, &topic, mentioned).await
}

/// The post an activity's object names, if we have it and the sender may speak for it.
async fn known_post(fed: &Federation, sender: &RemoteActor, object: Option<&Value>) -> FederationResult<Option<Post>> {
    let Some(id) = object.and_then(id_of) else { return Ok(None) };
    let Some(post) = posts::by_ap_id(&fed.ctx.db, id).await? else { return Ok(None) };
    if protocol::origin_of(&post.ap_id) != Some(sender.domain.clone()) {
        return Err(FederationError::BadDocument(format!("{} may not change {}", sender.ap_id, post.ap_id)));
    }
    Ok(Some(post))
}

async fn on_update(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    pass_on: bool,
) -> FederationResult<Option<Outcome>> {
    let object = activity.get("object");
    let object_type = object.and_then(type_of).unwrap_or("");
    if !POST_TYPES.contains(&object_type) {
        return Ok(None);
    }
    let object = object.cloned().unwrap_or(Value::Null);
    let Some(post) = known_post(fed, sender, Some(&object)).await? else {
        // An edit of a post we never had: it may be new to us (a Lemmy edit, a late delivery).
        return store_post(fed, sender, &object, Some(activity), None).await;
    };
    if post.local != 0 {
        return ignored("an Update of our own post");
    }
    let db = &fed.ctx.db;
    let topic = topics::by_id(db, post.topic_id).await?.ok_or(FederationError::NotFound)?;
    let content = content_of(&object);
    if content.html.len() > MAX_BODY_BYTES {
        return ignored(format!("post larger than {MAX_BODY_BYTES} bytes"));
    }
    let is_opening = topic.opening_post_id == Some(post.id);
    let title = if is_opening { Some(content.name.clone().unwrap_or_else(|| topic.title.clone())) } else { None };
    let edited_at = object
        .get("updated")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|d| d.timestamp_millis())
        .unwrap_or_else(now_ms);
    let mut tx = db.pool().begin().await?;
    posts::update_content(&mut tx, &post, title.as_deref(), &content.source, &content.html, edited_at).await?;
    if let Some(title) = &title {
        topics::retitle(&mut tx, topic.id, title, Some(&hashtags_of(&object))).await?;
    }
    // The topic's home says which reply solved it (schema.org `acceptedAnswer`).
    let mut newly_solved = None;
    let home_elsewhere = categories::by_id(db, topic.category_id).await?.is_some_and(|c| !c.is_local());
    if is_opening && home_elsewhere {
        let answer = match object.get("acceptedAnswer").and_then(id_of) {
            Some(id) => posts::by_ap_id(db, id).await?.filter(|p| p.topic_id == topic.id).map(|p| p.id),
            None => None,
        };
        if answer != topic.solution_post_id && topics::set_solution(&mut tx, topic.id, answer).await.is_ok() {
            newly_solved = answer;
        }
    }
    tx.commit().await?;
    if let Some(answer) = newly_solved {
        notify_solution(fed, &topic, answer, &post).await?;
    }
    if pass_on {
        pass_on_to_followers(fed, topic.category_id, activity).await?;
    }
    Ok(Some(Outcome::Done))
}

/// Tells the member whose reply another server marked as the solution.
async fn notify_solution(fed: &Federation, topic: &Topic, answer_id: i64, opening: &Post) -> FederationResult<()> {
    let db = &fed.ctx.db;
    if let Some(answer) = posts::by_id(db, answer_id).await?
        && let Some(user) = answer.author_user_id
    {
        let link = format!("{}#p{}", topic_path(topic.id), answer.id);
        let what = NewNotification {
            actor_name: &opening.author_name,
            actor_url: &opening.author_url,
            subject: &topic.title,
            link: &link,
        };
        notifications::notify(db, user, Kind::Solution, &what).await?;
    }
    Ok(())
}

/// Our category's Group passes an activity it received on to its followers.
async fn pass_on_to_followers(fed: &Federation, category_id: i64, activity: &Value) -> FederationResult<()> {
    let Some(category) = categories::by_id(&fed.ctx.db, category_id).await? else { return Ok(()) };
    if !category.is_local() {
        return Ok(());
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    announce(fed, &mut tx, &category, activity, None).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

async fn on_delete(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    pass_on: bool,
) -> FederationResult<Option<Outcome>> {
    let object = activity.get("object");
    let Some(post) = known_post(fed, sender, object).await? else {
        // Not a post of ours to forget: maybe something else's (an actor's own Delete is
        // handled by the caller before us).
        return Ok(None);
    };
    if post.local != 0 {
        return ignored("a Delete of our own post");
    }
    if post.deleted_at != 0 {
        return ignored("post already deleted");
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    posts::delete(&mut tx, &post).await?;
    tx.commit().await?;
    if pass_on {
        let topic = topics::by_id(&fed.ctx.db, post.topic_id).await?.ok_or(FederationError::NotFound)?;
        pass_on_to_followers(fed, topic.category_id, activity).await?;
    }
    Ok(Some(Outcome::Done))
}

async fn on_like(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    pass_on: bool,
) -> FederationResult<Option<Outcome>> {
    let db = &fed.ctx.db;
    let Some(id) = activity.get("object").and_then(id_of) else { return Ok(None) };
    let Some(post) = posts::by_ap_id(db, id).await? else { return Ok(None) };
    let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
    let mut tx = db.pool().begin().await?;
    let new = posts::like(&mut tx, post.id, &sender.ap_id, None, activity_id).await?;
    tx.commit().await?;
    if !new {
        return ignored("already liked");
    }
    let topic = topics::by_id(db, post.topic_id).await?.ok_or(FederationError::NotFound)?;
    if let Some(user) = post.author_user_id {
        let author = author_of(sender);
        let link = format!("{}#p{}", topic_path(topic.id), post.id);
        let what =
            NewNotification { actor_name: &author.name, actor_url: &author.url, subject: &topic.title, link: &link };
        notifications::notify(db, user, Kind::Like, &what).await?;
    }
    if pass_on {
        pass_on_to_followers(fed, topic.category_id, activity).await?;
    }
    Ok(Some(Outcome::Done))
}

async fn on_undo(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    pass_on: bool,
) -> FederationResult<Option<Outcome>> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    let inner_type = type_of(object).unwrap_or("");
    if inner_type == "Lock" {
        return on_lock(fed, sender, object, false).await;
    }
    if !matches!(inner_type, "Like" | "") {
        return Ok(None);
    }
    let db = &fed.ctx.db;
    let like_id = id_of(object).unwrap_or_default();
    let mut tx = db.pool().begin().await?;
    let mut removed = posts::unlike_by_activity(&mut tx, like_id, &sender.ap_id).await?;
    let liked = object.get("object").and_then(id_of);
    let mut post = None;
    if let Some(liked) = liked
        && let Some(found) = posts::by_ap_id(db, liked).await?
    {
        if !removed {
            removed = posts::unlike(&mut tx, found.id, &sender.ap_id).await?.is_some();
        }
        post = Some(found);
    }
    tx.commit().await?;
    if !removed {
        // An Undo with only an id may be of a Follow; the caller handles those.
        return if inner_type == "Like" { ignored("Undo of a like we do not have") } else { Ok(None) };
    }
    if pass_on
        && let Some(post) = post
        && let Some(topic) = topics::by_id(db, post.topic_id).await?
    {
        pass_on_to_followers(fed, topic.category_id, activity).await?;
    }
    Ok(Some(Outcome::Done))
}

/// A report from another server: one per post of ours it names.
async fn on_flag(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let db = &fed.ctx.db;
    let reason = activity
        .get("content")
        .or_else(|| activity.get("summary"))
        .and_then(Value::as_str)
        .map(|r| maillage_core::text::clip(&strip_controls(r), 2_000))
        .unwrap_or_default();
    let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
    let mut filed = 0;
    for id in ids_of(activity.get("object")).iter().take(20) {
        if let Some(post) = posts::by_ap_id(db, id).await? {
            maillage_forum::reports::create(db, post.id, None, &sender.handle(), &reason, activity_id).await?;
            filed += 1;
        }
    }
    if filed == 0 {
        return ignored("Flag of nothing in our forum");
    }
    Ok(Some(Outcome::Done))
}

/// A remote category we follow passes on its activities (FEP-1b12). The inner activity is
/// trusted when it comes from the category's own server; otherwise its object is fetched from
/// its origin, so a Group cannot put words in another server's mouth.
async fn on_announce(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let db = &fed.ctx.db;
    let Some(category) = categories::by_ap_id(db, &sender.ap_id).await? else {
        return ignored(if sender.kind == "Group" {
            "Announce from a category nobody here follows"
        } else {
            "Announce (a boost) by a person: boosts are not shown here"
        });
    };
    let inner = activity.get("object").unwrap_or(&Value::Null);
    let inner_type = type_of(inner).unwrap_or("");
    let same_origin = |id: Option<&str>| id.and_then(protocol::origin_of) == Some(sender.domain.clone());
    match inner_type {
        "Create" | "Update" | "Delete" | "Like" | "Undo" | "Lock" => {
            let inner_actor = protocol::actor_of(inner).unwrap_or("");
            let trusted = same_origin(inner.get("id").and_then(Value::as_str)) && same_origin(Some(inner_actor));
            if trusted {
                let actor = actors::remote_actor(fed, inner_actor).await?;
                crate::activities::check_origins(inner, &actor.ap_id)?;
                return match inner_type {
                    "Create" => on_create(fed, &actor, inner, Some(&category)).await,
                    "Update" => on_update(fed, &actor, inner, false).await,
                    "Delete" => on_delete(fed, &actor, inner, false).await,
                    "Like" => on_like(fed, &actor, inner, false).await,
                    "Undo" => on_undo(fed, &actor, inner, false).await,
                    _ => on_lock(fed, sender, inner, true).await,
                };
            }
            // From elsewhere: believe only what its origin serves.
            match inner_type {
                "Create" | "Update" => {
                    let Some(id) = inner.get("object").and_then(id_of) else { return ignored("Announce of nothing") };
                    store_fetched(fed, id, &category).await
                }
                "Delete" => {
                    let Some(id) = inner.get("object").and_then(id_of) else { return ignored("Announce of nothing") };
                    match objects::fetch_object(fed, id).await {
                        Err(FederationError::Gone(_) | FederationError::NotFound) => {
                            if let Some(post) = posts::by_ap_id(db, id).await?
                                && post.local == 0
                            {
                                let mut tx = db.pool().begin().await?;
                                posts::delete(&mut tx, &post).await?;
                                tx.commit().await?;
                                return Ok(Some(Outcome::Done));
                            }
                            ignored("Delete of a post we do not have")
                        }
                        _ => ignored("announced Delete of a post its server still serves"),
                    }
                }
                _ => ignored(format!("announced {inner_type} from another server cannot be verified")),
            }
        }
        _ => match id_of(inner) {
            // An Announce of a post itself (a boost of it).
            Some(id) if posts::by_ap_id(db, id).await?.is_some() => ignored("announced post already known"),
            Some(id) => store_fetched(fed, id, &category).await,
            None => ignored("Announce of nothing"),
        },
    }
}

/// Fetches a post from its origin and stores it in `category` (or where it replies).
async fn store_fetched(fed: &Federation, id: &str, category: &Category) -> FederationResult<Option<Outcome>> {
    let object = objects::fetch_object(fed, id).await?;
    if !POST_TYPES.contains(&type_of(&object).unwrap_or("")) {
        return ignored("announced object is not a post");
    }
    let Some(author) = object.get("attributedTo").and_then(id_of) else { return ignored("post without author") };
    let author = actors::remote_actor(fed, author).await?;
    if protocol::origin_of(&author.ap_id) != protocol::origin_of(id) {
        return ignored("post attributed to an actor of another server");
    }
    if let Some(post) = posts::by_ap_id(&fed.ctx.db, id).await? {
        // An announced Update: apply what the origin serves now.
        let update = serde_json::json!({ "type": "Update", "actor": author.ap_id, "object": object });
        let _ = post;
        return on_update(fed, &author, &update, false).await;
    }
    store_post(fed, &author, &object, None, Some(category)).await
}

/// A `Lock` of a topic (Lemmy's, and ours), or its `Undo`, from the server the topic lives on.
async fn on_lock(
    fed: &Federation,
    sender: &RemoteActor,
    activity: &Value,
    locked: bool,
) -> FederationResult<Option<Outcome>> {
    let Some(post) = known_post(fed, sender, activity.get("object")).await? else {
        return ignored("Lock of a topic we do not have");
    };
    if post.local != 0 {
        return ignored("Lock of a topic of ours");
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    topics::set_locked(&mut tx, post.topic_id, locked).await?;
    tx.commit().await?;
    Ok(Some(Outcome::Done))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_come_from_the_first_line_without_mentions() {
        assert_eq!(
            first_line(
                "<p><span class=\"h-card\"><a href=\"x\">@entraide</a></span> Comment aider sans e-mail ?</p><p>Détails</p>"
            ),
            "Comment aider sans e-mail ?"
        );
        assert_eq!(first_line("<p>Une ligne<br>une autre</p>"), "Une ligne");
    }

    #[test]
    fn content_falls_back_to_content_map_and_keeps_attachments_as_links() {
        let object = json!({
            "contentMap": { "fr": "<p>Bonjour <script>x</script></p>" },
            "attachment": [{ "type": "Document", "url": "https://m.example/a.png", "name": "capture" }],
            "source": { "content": "Bonjour", "mediaType": "text/markdown" },
            "name": "Titre\u{0}"
        });
        let content = content_of(&object);
        assert!(content.html.starts_with("<p>Bonjour"), "{}", content.html);
        assert!(!content.html.contains("script"));
        assert!(content.html.contains("https://m.example/a.png"));
        assert_eq!(content.source, "Bonjour");
        assert_eq!(content.name.as_deref(), Some("Titre"));
    }
}
