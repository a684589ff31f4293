//! The forum over ActivityPub (FEP-1b12 groups, shaped for what Mastodon shows).
//!
//! Each of our categories is a `Group` actor. A topic goes out as a `Note` with `name` (the
//! title), HTML `content` that starts with the title in bold (Mastodon shows only the content
//! of a Note), Markdown `source`, `audience` and a `Mention` of the category, and `context`
//! pointing to the topic; a reply is a `Note` with `inReplyTo`. The author's `Create`, `Update`
//! and `Delete` go to the people concerned (mentioned, answered, followers); the category's
//! Group then announces each activity to its followers (an `Announce` of the activity, and for
//! a new post an `Announce` of the Note itself, which Mastodon shows as a boost). The solution
//! travels as schema.org's `acceptedAnswer` on the topic's Note.
//!
//! Writes here wrap the forum's use cases. A new post is stored, then its Note is built from
//! what was stored and its activities are queued in a second transaction; if queuing fails the
//! post is removed again (a crash between the two leaves a post that was never sent: see the
//! known gaps in docs/federation.md). `incoming` stores what other servers send.

pub mod incoming;

use std::collections::BTreeSet;

use maillage_core::accounts::{Role, User};
use maillage_core::error::{CoreError, Validation};
use maillage_core::markdown::render_markdown;
use maillage_core::notifications::{self, Kind, NewNotification};
use maillage_core::time::{now_ms, to_rfc3339};
use maillage_forum::categories::{self, Category, CategoryInput};
use maillage_forum::posts::{self, EditInput, NewPost, Post};
use maillage_forum::topics::{self, Topic, TopicInput};
use maillage_forum::{Author, mentions};
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

use crate::actors::{self, GroupProfile, LocalActor, RemoteActor};
use crate::error::{FederationError, FederationResult};
use crate::protocol::{self, PUBLIC};
use crate::{Federation, activities, delivery, webfinger};

/// The JSON-LD context of forum objects: ActivityStreams and schema.org's `acceptedAnswer`.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "schema": "http://schema.org#",
            "acceptedAnswer": { "@id": "schema:acceptedAnswer", "@type": "@id" },
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag"
        }
    ])
}

/// The page of a topic.
pub fn topic_path(topic_id: i64) -> String {
    format!("/forum/t/{topic_id}")
}

/// The page of a category.
pub fn category_path(category: &Category) -> String {
    format!("/forum/c/{}", category.slug)
}

/// A category's Group actor, created on first use and kept in step with its name and text.
pub async fn category_actor(fed: &Federation, category: &Category) -> FederationResult<LocalActor> {
    let profile = GroupProfile {
        display_name: category.name.clone(),
        summary_html: category.description_html.clone(),
        page_path: category_path(category),
    };
    actors::ensure_group(fed, &category.slug, &profile).await
}

/// Creates one of our categories and its Group actor.
pub async fn create_category(fed: &Federation, input: &CategoryInput) -> FederationResult<Category> {
    let category = categories::create(&fed.ctx.db, input).await?;
    category_actor(fed, &category).await?;
    Ok(category)
}

/// Changes one of our categories; its Group tells its followers (an `Update` of the actor).
pub async fn update_category(fed: &Federation, id: i64, input: &CategoryInput) -> FederationResult<Category> {
    let category = categories::update(&fed.ctx.db, id, input).await?;
    let group = category_actor(fed, &category).await?;
    let document = actors::actor_document(fed, &group).await?;
    let update = json!({
        "@context": protocol::context(),
        "id": activities::new_activity_id(fed),
        "type": "Update",
        "actor": group.ap_id(fed),
        "object": document,
        "to": [PUBLIC],
        "cc": [group.collection(fed, "followers")],
    });
    let inboxes = delivery::follower_inboxes(fed, &group).await?;
    delivery::publish_now(fed, &group, &update, &inboxes).await?;
    Ok(category)
}

/// How the category appears as an audience: its id and `@name@host`.
async fn category_audience(fed: &Federation, category: &Category) -> FederationResult<(String, String)> {
    if category.is_local() {
        let group = category_actor(fed, category).await?;
        Ok((group.ap_id(fed), format!("@{}@{}", category.slug, fed.domain())))
    } else {
        Ok((category.ap_id.clone(), format!("@{}", category.slug)))
    }
}

/// The Note of a post. `topic` and `category` are the post's.
pub async fn note_document(
    fed: &Federation,
    post: &Post,
    topic: &Topic,
    category: &Category,
) -> FederationResult<Value> {
    let db = &fed.ctx.db;
    let is_opening = topic.opening_post_id == Some(post.id);
    let (audience, audience_name) = category_audience(fed, category).await?;
    let mentions = posts::mentions_of(db, post.id).await?;
    let parent = match post.in_reply_to_id {
        Some(id) => posts::by_id(db, id).await?,
        None => None,
    };
    let mut cc = vec![json!(audience), json!(format!("{}/followers", post.author_ap_id))];
    let mut tag = vec![json!({ "type": "Mention", "href": audience, "name": audience_name })];
    for (actor, name) in &mentions {
        cc.push(json!(actor));
        tag.push(json!({ "type": "Mention", "href": actor, "name": name }));
    }
    if let Some(parent) = &parent
        && !cc.contains(&json!(parent.author_ap_id))
    {
        cc.push(json!(parent.author_ap_id));
    }
    let mut content = post.content_html.clone();
    let mut doc = json!({
        "@context": context(),
        "id": post.ap_id,
        "type": "Note",
        "attributedTo": post.author_ap_id,
        "mediaType": "text/html",
        "published": to_rfc3339(post.created_at),
        "url": fed.url(&format!("{}#p{}", topic_path(topic.id), post.id)),
        "context": fed.url(&topic_path(topic.id)),
        "audience": audience,
        "to": [PUBLIC],
        "cc": cc,
        "sensitive": false,
    });
    if !post.source.is_empty() {
        doc["source"] = json!({ "content": post.source, "mediaType": "text/markdown" });
    }
    if is_opening {
        doc["name"] = json!(topic.title);
        doc["url"] = json!(fed.url(&topic_path(topic.id)));
        content = format!("<p><strong>{}</strong></p>{content}", escape_html(&topic.title));
        for name in topics::tags_of(db, topic.id).await? {
            tag.push(json!({
                "type": "Hashtag", "href": fed.url(&format!("/forum/tags/{name}")), "name": format!("#{name}"),
            }));
        }
        if let Some(solution) = topic.solution_post_id
            && let Some(answer) = posts::by_id(db, solution).await?
        {
            doc["acceptedAnswer"] = json!(answer.ap_id);
        }
    }
    if let Some(parent) = &parent {
        doc["inReplyTo"] = json!(parent.ap_id);
    }
    if post.edited_at > 0 {
        doc["updated"] = json!(to_rfc3339(post.edited_at));
    }
    doc["content"] = json!(content);
    doc["tag"] = json!(tag);
    Ok(doc)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The Tombstone of a deleted post.
pub fn tombstone(post: &Post) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": post.ap_id, "type": "Tombstone", "formerType": "Note",
        "deleted": to_rfc3339(post.deleted_at.max(post.created_at)),
    })
}

/// A topic's `context`: the ordered collection of its posts' ids (as NodeBB serves it).
pub async fn context_document(fed: &Federation, topic_id: i64) -> FederationResult<Option<Value>> {
    let Some(view) = topics::view(&fed.ctx.db, topic_id).await? else { return Ok(None) };
    if !view.topic.is_visible() || !view.category.is_local() {
        return Ok(None);
    }
    let items: Vec<&str> = view.posts.iter().filter(|p| p.is_visible()).map(|p| p.ap_id.as_str()).collect();
    let (audience, _) = category_audience(fed, &view.category).await?;
    Ok(Some(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": fed.url(&topic_path(topic_id)),
        "type": "OrderedCollection",
        "name": view.topic.title,
        "attributedTo": audience,
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A member's Person actor (they are active: they are signed in).
async fn person(fed: &Federation, user: &User) -> FederationResult<LocalActor> {
    actors::person_actor(fed, &user.username).await?.ok_or(FederationError::NotFound)
}

/// A mention resolved to an actor.
struct Resolved {
    written: mentions::Written,
    ap_id: String,
    handle: String,
    /// Set for members of this hub.
    user_id: Option<i64>,
    /// Set for remote actors.
    inbox: Option<String>,
}

/// Resolves the mentions in `source`: members here directly, others by WebFinger. A mention
/// that does not resolve stays plain text.
async fn resolve_mentions(fed: &Federation, source: &str) -> Vec<Resolved> {
    let mut out = Vec::new();
    let our_domain = fed.domain();
    for written in mentions::find(source) {
        let local_name = match &written.host {
            None => Some(written.username.clone()),
            Some(host) if *host == our_domain => Some(written.username.clone()),
            Some(_) => None,
        };
        if let Some(name) = local_name {
            if let Ok(Some(user)) = maillage_core::accounts::user_by_username(&fed.ctx.db, &name).await
                && user.status == maillage_core::accounts::AccountStatus::Active
            {
                out.push(Resolved {
                    ap_id: fed.url(&format!("/u/{}", user.username)),
                    handle: format!("@{}@{our_domain}", user.username),
                    written,
                    user_id: Some(user.id),
                    inbox: None,
                });
            }
            continue;
        }
        let handle = written.text();
        let resolved = async {
            let ap_id = webfinger::resolve(fed, &handle).await?;
            actors::remote_actor(fed, &ap_id).await
        }
        .await;
        match resolved {
            Ok(actor) => out.push(Resolved {
                ap_id: actor.ap_id.clone(),
                handle: actor.handle(),
                written,
                user_id: None,
                inbox: Some(actor.delivery_inbox().to_owned()),
            }),
            Err(e) => tracing::debug!(%handle, error = %e, "mention not resolved"),
        }
    }
    out
}

/// Markdown to HTML with resolved mentions as links.
fn render_with_mentions(source: &str, resolved: &[Resolved]) -> String {
    let links: Vec<(mentions::Written, String)> =
        resolved.iter().map(|r| (r.written.clone(), r.ap_id.clone())).collect();
    render_markdown(&mentions::link(source, &links))
}

fn mention_pairs(resolved: &[Resolved]) -> Vec<(String, String)> {
    resolved.iter().map(|r| (r.ap_id.clone(), r.handle.clone())).collect()
}

/// Everyone a post's activities go to, besides the category's followers: mentioned remote
/// actors, the remote author it answers, the author's followers, and a remote category.
async fn audience_inboxes(
    fed: &Federation,
    author: &LocalActor,
    category: &Category,
    parent: Option<&Post>,
    extra: &[String],
) -> FederationResult<BTreeSet<String>> {
    let mut inboxes = delivery::follower_inboxes(fed, author).await?;
    inboxes.extend(extra.iter().cloned());
    let mut remote_ids: Vec<String> = Vec::new();
    if let Some(parent) = parent
        && parent.local == 0
    {
        remote_ids.push(parent.author_ap_id.clone());
    }
    if !category.is_local() {
        remote_ids.push(category.ap_id.clone());
    }
    for id in remote_ids {
        match actors::remote_actor(fed, &id).await {
            Ok(actor) => {
                inboxes.insert(actor.delivery_inbox().to_owned());
            }
            Err(e) => tracing::warn!(actor = %id, error = %e, "cannot address a post to this actor"),
        }
    }
    Ok(inboxes)
}

/// The category's Group announces an activity to its followers (FEP-1b12); for a new post also
/// the Note itself, which Mastodon shows as a boost. Nothing for another server's category.
async fn announce(
    fed: &Federation,
    tx: &mut Transaction<'_, Any>,
    category: &Category,
    activity: &Value,
    boost: Option<&str>,
) -> FederationResult<()> {
    if !category.is_local() {
        return Ok(());
    }
    let group = category_actor(fed, category).await?;
    let inboxes = delivery::follower_inboxes(fed, &group).await?;
    let mut wrapped = activity.clone();
    if let Some(map) = wrapped.as_object_mut() {
        map.remove("@context");
    }
    let group_id = group.ap_id(fed);
    let followers = group.collection(fed, "followers");
    let announce = json!({
        "@context": context(),
        "id": activities::new_activity_id(fed),
        "type": "Announce",
        "actor": group_id,
        "object": wrapped,
        "to": [PUBLIC],
        "cc": [followers],
        "audience": group_id,
    });
    delivery::publish(tx, &group, &announce, &inboxes).await?;
    if let Some(note_id) = boost {
        let boost = json!({
            "@context": context(),
            "id": activities::new_activity_id(fed),
            "type": "Announce",
            "actor": group_id,
            "object": note_id,
            "to": [PUBLIC],
            "cc": [followers],
            "published": to_rfc3339(now_ms()),
        });
        delivery::publish(tx, &group, &boost, &inboxes).await?;
    }
    Ok(())
}

/// An activity of our member about a post.
fn activity(fed: &Federation, kind: &str, actor: &LocalActor, object: Value, note: &Value) -> Value {
    json!({
        "@context": context(),
        "id": activities::new_activity_id(fed),
        "type": kind,
        "actor": actor.ap_id(fed),
        "object": object,
        "to": note.get("to").cloned().unwrap_or_else(|| json!([PUBLIC])),
        "cc": note.get("cc").cloned().unwrap_or_else(|| json!([])),
        "audience": note.get("audience").cloned().unwrap_or(Value::Null),
        "published": to_rfc3339(now_ms()),
    })
}

/// Reads a post, its topic and category inside a transaction's aftermath.
async fn post_context(fed: &Federation, post_id: i64) -> FederationResult<(Post, Topic, Category)> {
    let db = &fed.ctx.db;
    let post = posts::by_id(db, post_id).await?.ok_or(FederationError::NotFound)?;
    let topic = topics::by_id(db, post.topic_id).await?.ok_or(FederationError::NotFound)?;
    let category = categories::by_id(db, topic.category_id).await?.ok_or(FederationError::NotFound)?;
    Ok((post, topic, category))
}

/// A member asks a question: the topic is stored and published in one transaction; watchers
/// and mentioned members are notified. Returns (topic id, post id).
pub async fn create_topic(
    fed: &Federation,
    user: &User,
    category: &Category,
    input: &TopicInput,
) -> FederationResult<(i64, i64)> {
    let tags = topics::validate(input)?;
    let actor = person(fed, user).await?;
    let author = Author::local(&fed.ctx.config, user);
    let resolved = resolve_mentions(fed, &input.body).await;
    let html = render_with_mentions(&input.body, &resolved);
    let mentions = mention_pairs(&resolved);
    let now = now_ms();
    let new = topics::NewTopic {
        category_id: category.id,
        title: input.title.trim(),
        tags: &tags,
        context: "",
        post: NewPost {
            author: &author,
            ap_id: None,
            url: "",
            source: &input.body,
            html: &html,
            created_at: now,
            mentions: &mentions,
        },
    };
    let mut tx = fed.ctx.db.pool().begin().await?;
    let (topic_id, post_id) = topics::insert(&mut tx, &new).await?;
    posts::assign_local_ids(&mut tx, &fed.url(""), post_id).await?;
    tx.commit().await?;
    // The Note is built from what was stored, then published; a failure here leaves the topic
    // without deliveries, so it is undone.
    if let Err(e) = publish_new_post(fed, &actor, post_id, &resolved).await {
        let mut tx = fed.ctx.db.pool().begin().await?;
        sqlx::query("DELETE FROM forum_topics WHERE id = $1").bind(topic_id).execute(&mut *tx).await?;
        tx.commit().await?;
        return Err(e);
    }
    notify_new_post(fed, user, post_id, &resolved).await;
    Ok((topic_id, post_id))
}

/// A member replies. Returns the new post's id.
pub async fn reply(
    fed: &Federation,
    user: &User,
    topic_id: i64,
    in_reply_to: Option<i64>,
    body: &str,
) -> FederationResult<i64> {
    let db = &fed.ctx.db;
    let topic = topics::by_id(db, topic_id).await?.ok_or(FederationError::NotFound)?;
    posts::check_reply(&topic, body)?;
    let actor = person(fed, user).await?;
    let author = Author::local(&fed.ctx.config, user);
    let resolved = resolve_mentions(fed, body).await;
    let html = render_with_mentions(body, &resolved);
    let mentions = mention_pairs(&resolved);
    let new = NewPost {
        author: &author,
        ap_id: None,
        url: "",
        source: body,
        html: &html,
        created_at: now_ms(),
        mentions: &mentions,
    };
    let mut tx = db.pool().begin().await?;
    // Read again inside the transaction: a moderator may have locked it meanwhile.
    let topic = topics::by_id_in(&mut tx, topic_id).await?.ok_or(FederationError::NotFound)?;
    let post_id = posts::insert_reply(&mut tx, &topic, in_reply_to, &new).await?;
    posts::assign_local_ids(&mut tx, &fed.url(""), post_id).await?;
    tx.commit().await?;
    if let Err(e) = publish_new_post(fed, &actor, post_id, &resolved).await {
        let mut tx = db.pool().begin().await?;
        sqlx::query("DELETE FROM forum_posts WHERE id = $1").bind(post_id).execute(&mut *tx).await?;
        topics::refresh_counts(&mut tx, topic_id).await?;
        tx.commit().await?;
        return Err(e);
    }
    notify_new_post(fed, user, post_id, &resolved).await;
    Ok(post_id)
}

async fn publish_new_post(
    fed: &Federation,
    actor: &LocalActor,
    post_id: i64,
    resolved: &[Resolved],
) -> FederationResult<()> {
    let (post, topic, category) = post_context(fed, post_id).await?;
    let note = note_document(fed, &post, &topic, &category).await?;
    let create = activity(fed, "Create", actor, note.clone(), &note);
    let parent = match post.in_reply_to_id {
        Some(id) => posts::by_id(&fed.ctx.db, id).await?,
        None => None,
    };
    let extra: Vec<String> = resolved.iter().filter_map(|r| r.inbox.clone()).collect();
    let inboxes = audience_inboxes(fed, actor, &category, parent.as_ref(), &extra).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    delivery::publish(&mut tx, actor, &create, &inboxes).await?;
    announce(fed, &mut tx, &category, &create, Some(&post.ap_id)).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// Notifies members about a new post: the topic's author, the author of the post it answers,
/// people it mentions, and (for a new topic) those watching the category. `by` is the author
/// when they are a member here (never notified of their own post).
pub async fn notify_post_readers(
    fed: &Federation,
    by: Option<i64>,
    post: &Post,
    topic: &Topic,
    mentioned_users: &[i64],
) -> FederationResult<()> {
    let db = &fed.ctx.db;
    let link = format!("{}#p{}", topic_path(topic.id), post.id);
    let what = NewNotification {
        actor_name: &post.author_name,
        actor_url: &post.author_url,
        subject: &topic.title,
        link: &link,
    };
    let mut told: BTreeSet<i64> = by.into_iter().collect();
    let is_opening = topic.opening_post_id == Some(post.id);
    if is_opening {
        for user in categories::watchers(db, topic.category_id).await? {
            if told.insert(user) {
                notifications::notify(db, user, Kind::WatchedCategory, &what).await?;
            }
        }
    } else {
        if let Some(parent_id) = post.in_reply_to_id
            && Some(parent_id) != topic.opening_post_id
            && let Some(parent) = posts::by_id(db, parent_id).await?
            && let Some(user) = parent.author_user_id
            && told.insert(user)
        {
            notifications::notify(db, user, Kind::ReplyToReply, &what).await?;
        }
        if let Some(opening) = topic.opening_post_id
            && let Some(opening) = posts::by_id(db, opening).await?
            && let Some(user) = opening.author_user_id
            && told.insert(user)
        {
            notifications::notify(db, user, Kind::ReplyToTopic, &what).await?;
        }
    }
    for user in mentioned_users {
        if told.insert(*user) {
            notifications::notify(db, *user, Kind::Mention, &what).await?;
        }
    }
    Ok(())
}

async fn notify_new_post(fed: &Federation, user: &User, post_id: i64, resolved: &[Resolved]) {
    let result = async {
        let (post, topic, _) = post_context(fed, post_id).await?;
        let mentioned: Vec<i64> = resolved.iter().filter_map(|r| r.user_id).collect();
        notify_post_readers(fed, Some(user.id), &post, &topic, &mentioned).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "notifications of a new post");
    }
}

/// The author edits a post (and, for an opening post, the title and tags).
pub async fn edit(fed: &Federation, user: &User, post_id: i64, input: &EditInput) -> FederationResult<()> {
    let (post, topic, category) = post_context(fed, post_id).await?;
    if !post.may_edit(user) {
        return Err(CoreError::Forbidden.into());
    }
    let is_opening = topic.opening_post_id == Some(post.id);
    let mut v = Validation::new();
    topics::check_body(&mut v, &input.body);
    let title = if is_opening { input.title.as_deref().map(str::trim) } else { None };
    if is_opening {
        topics::check_title(&mut v, title.unwrap_or(""));
    }
    let tags = input.tags.as_deref().filter(|_| is_opening).map(maillage_forum::parse_tags);
    v.check(tags.as_ref().is_some_and(|t| t.len() > maillage_forum::MAX_TAGS), "tags", "error.too_many_tags");
    v.finish()?;
    let actor = person(fed, user).await?;
    let resolved = resolve_mentions(fed, &input.body).await;
    let html = render_with_mentions(&input.body, &resolved);
    let mut tx = fed.ctx.db.pool().begin().await?;
    posts::update_content(&mut tx, &post, title, &input.body, &html, now_ms()).await?;
    if let Some(title) = title {
        topics::retitle(&mut tx, topic.id, title, tags.as_deref()).await?;
    }
    tx.commit().await?;
    publish_update(fed, &actor, post.id, &category).await
}

/// Publishes an `Update` of a post as it now is.
async fn publish_update(
    fed: &Federation,
    actor: &LocalActor,
    post_id: i64,
    category: &Category,
) -> FederationResult<()> {
    let (post, topic, _) = post_context(fed, post_id).await?;
    let note = note_document(fed, &post, &topic, category).await?;
    let update = activity(fed, "Update", actor, note.clone(), &note);
    let parent = match post.in_reply_to_id {
        Some(id) => posts::by_id(&fed.ctx.db, id).await?,
        None => None,
    };
    let inboxes =
        audience_inboxes(fed, actor, category, parent.as_ref(), &mention_inboxes(fed, post.id).await?).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    delivery::publish(&mut tx, actor, &update, &inboxes).await?;
    announce(fed, &mut tx, category, &update, None).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// Inboxes of the remote actors a post mentions (known already: they were resolved to write it).
async fn mention_inboxes(fed: &Federation, post_id: i64) -> FederationResult<Vec<String>> {
    let mut out = Vec::new();
    for (actor, _) in posts::mentions_of(&fed.ctx.db, post_id).await? {
        if let Some(remote) = actors::remote_by_ap_id(fed, &actor).await? {
            out.push(remote.delivery_inbox().to_owned());
        }
    }
    Ok(out)
}

/// The author (or a moderator) deletes a post: a tombstone stays, a `Delete` goes out.
pub async fn delete(fed: &Federation, user: &User, post_id: i64) -> FederationResult<()> {
    let (post, _topic, category) = post_context(fed, post_id).await?;
    if !post.may_delete(user) {
        return Err(CoreError::Forbidden.into());
    }
    let note = note_document(fed, &post, &_topic, &category).await?;
    let mentions = mention_inboxes(fed, post.id).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    posts::delete(&mut tx, &post).await?;
    // Only our own posts are ours to delete on other servers; a moderator deleting a remote
    // post here removes our copy only.
    if post.local != 0 {
        let actor = match post.author_user_id {
            Some(id) => match maillage_core::accounts::user_by_id(&fed.ctx.db, id).await? {
                Some(author) => actors::person_actor(fed, &author.username).await?,
                None => None,
            },
            None => None,
        };
        let actor = match actor {
            Some(actor) => actor,
            None => person(fed, user).await?,
        };
        let tombstone = json!({ "id": post.ap_id, "type": "Tombstone" });
        let delete = activity(fed, "Delete", &actor, tombstone, &note);
        let parent = match post.in_reply_to_id {
            Some(id) => posts::by_id(&fed.ctx.db, id).await?,
            None => None,
        };
        let inboxes = audience_inboxes(fed, &actor, &category, parent.as_ref(), &mentions).await?;
        delivery::publish(&mut tx, &actor, &delete, &inboxes).await?;
        announce(fed, &mut tx, &category, &delete, None).await?;
    }
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// A member likes a post, or takes the like back. Returns whether they now like it.
pub async fn toggle_like(fed: &Federation, user: &User, post_id: i64) -> FederationResult<bool> {
    let (post, topic, category) = post_context(fed, post_id).await?;
    if !post.is_visible() || !topic.is_visible() {
        return Err(FederationError::NotFound);
    }
    let actor = person(fed, user).await?;
    let actor_id = actor.ap_id(fed);
    let mut inboxes = BTreeSet::new();
    for id in
        [(post.local == 0).then(|| post.author_ap_id.clone()), (!category.is_local()).then(|| category.ap_id.clone())]
            .into_iter()
            .flatten()
    {
        if let Ok(remote) = actors::remote_actor(fed, &id).await {
            inboxes.insert(remote.delivery_inbox().to_owned());
        }
    }
    let (audience, _) = category_audience(fed, &category).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    let already = !posts::liked_by(&fed.ctx.db, &actor_id, &[post.id]).await?.is_empty();
    let like_id = activities::new_activity_id(fed);
    let activity = if already {
        let previous = posts::unlike(&mut tx, post.id, &actor_id).await?.unwrap_or_default();
        json!({
            "@context": context(), "id": like_id, "type": "Undo", "actor": actor_id,
            "object": { "id": previous, "type": "Like", "actor": actor_id, "object": post.ap_id },
            "to": [PUBLIC], "cc": [audience], "audience": audience,
        })
    } else {
        posts::like(&mut tx, post.id, &actor_id, Some(user.id), &like_id).await?;
        json!({
            "@context": context(), "id": like_id, "type": "Like", "actor": actor_id, "object": post.ap_id,
            "to": [PUBLIC], "cc": [audience], "audience": audience,
        })
    };
    delivery::publish(&mut tx, &actor, &activity, &inboxes).await?;
    announce(fed, &mut tx, &category, &activity, None).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    if !already
        && let Some(author) = post.author_user_id
        && author != user.id
    {
        let link = format!("{}#p{}", topic_path(topic.id), post.id);
        let what =
            NewNotification { actor_name: user.shown_name(), actor_url: &actor_id, subject: &topic.title, link: &link };
        notifications::notify(&fed.ctx.db, author, Kind::Like, &what).await?;
    }
    Ok(!already)
}

/// The topic's author or a moderator marks a reply as the solution (or clears it with `None`).
/// The topic's Note is updated with `acceptedAnswer`; the reply's author is notified.
pub async fn mark_solution(fed: &Federation, user: &User, topic_id: i64, post_id: Option<i64>) -> FederationResult<()> {
    let db = &fed.ctx.db;
    let view = topics::view(db, topic_id).await?.ok_or(FederationError::NotFound)?;
    let opening = view.opening().ok_or(FederationError::NotFound)?.clone();
    if !view.category.is_local() || !view.topic.is_visible() {
        // Another server's topic: its home decides.
        return Err(CoreError::Forbidden.into());
    }
    if !topics::may_mark_solution(user, &opening) {
        return Err(CoreError::Forbidden.into());
    }
    let mut tx = db.pool().begin().await?;
    topics::set_solution(&mut tx, topic_id, post_id).await?;
    tx.commit().await?;
    // The topic's Note changes: its author (ours) sends the Update, as Mastodon expects.
    if opening.local != 0 {
        let actor = match opening.author_user_id {
            Some(id) => match maillage_core::accounts::user_by_id(db, id).await? {
                Some(author) => actors::person_actor(fed, &author.username).await?,
                None => None,
            },
            None => None,
        };
        let actor = match actor {
            Some(actor) => actor,
            None => category_actor(fed, &view.category).await?,
        };
        publish_solution_update(fed, &actor, &opening, post_id).await?;
    }
    if let Some(post_id) = post_id
        && let Some(answer) = posts::by_id(db, post_id).await?
        && let Some(author) = answer.author_user_id
        && author != user.id
    {
        let link = format!("{}#p{}", topic_path(topic_id), post_id);
        let actor_url = fed.url(&format!("/u/{}", user.username));
        let what = NewNotification {
            actor_name: user.shown_name(),
            actor_url: &actor_url,
            subject: &view.topic.title,
            link: &link,
        };
        notifications::notify(db, author, Kind::Solution, &what).await?;
    }
    Ok(())
}

/// The Update of a topic's Note after its solution changed, sent also to the reply's remote
/// author (their server may show it, or ignore the property).
async fn publish_solution_update(
    fed: &Federation,
    actor: &LocalActor,
    opening: &Post,
    answer: Option<i64>,
) -> FederationResult<()> {
    let (post, topic, category) = post_context(fed, opening.id).await?;
    let note = note_document(fed, &post, &topic, &category).await?;
    let update = activity(fed, "Update", actor, note.clone(), &note);
    let mut extra = mention_inboxes(fed, post.id).await?;
    if let Some(answer) = answer
        && let Some(answer) = posts::by_id(&fed.ctx.db, answer).await?
        && answer.local == 0
        && let Ok(remote) = actors::remote_actor(fed, &answer.author_ap_id).await
    {
        extra.push(remote.delivery_inbox().to_owned());
    }
    let inboxes = audience_inboxes(fed, actor, &category, None, &extra).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    delivery::publish(&mut tx, actor, &update, &inboxes).await?;
    announce(fed, &mut tx, &category, &update, None).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// Moderators: pin or lock a topic (locking is also sent to followers, as Lemmy's `Lock`).
pub async fn set_topic_flag(
    fed: &Federation,
    user: &User,
    topic_id: i64,
    flag: TopicFlag,
    on: bool,
) -> FederationResult<()> {
    if !user.has_role(Role::Moderator) {
        return Err(CoreError::Forbidden.into());
    }
    let db = &fed.ctx.db;
    let view = topics::view(db, topic_id).await?.ok_or(FederationError::NotFound)?;
    let mut tx = db.pool().begin().await?;
    match flag {
        TopicFlag::Pinned => topics::set_pinned(&mut tx, topic_id, on).await?,
        TopicFlag::Locked => {
            topics::set_locked(&mut tx, topic_id, on).await?;
            if view.category.is_local()
                && let Some(opening) = view.opening()
            {
                let group = category_actor(fed, &view.category).await?;
                let group_id = group.ap_id(fed);
                let lock = json!({
                    "@context": context(), "id": activities::new_activity_id(fed), "type": "Lock",
                    "actor": group_id, "object": opening.ap_id, "to": [PUBLIC], "cc": [group.collection(fed, "followers")],
                    "audience": group_id,
                });
                let activity = if on {
                    lock
                } else {
                    json!({
                        "@context": context(), "id": activities::new_activity_id(fed), "type": "Undo",
                        "actor": group_id, "object": lock, "to": [PUBLIC], "audience": group_id,
                    })
                };
                let inboxes = delivery::follower_inboxes(fed, &group).await?;
                delivery::publish(&mut tx, &group, &activity, &inboxes).await?;
            }
        }
    }
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicFlag {
    Pinned,
    Locked,
}

/// A moderator removes a post with a reason; its author sees why. Followers get a `Delete`
/// from the category (as Lemmy's moderators send), with the reason as `summary`.
pub async fn remove(fed: &Federation, user: &User, post_id: i64, reason: &str) -> FederationResult<()> {
    if !user.has_role(Role::Moderator) {
        return Err(CoreError::Forbidden.into());
    }
    let (post, _, category) = post_context(fed, post_id).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    posts::remove(&mut tx, &post, reason).await?;
    if category.is_local() {
        let group = category_actor(fed, &category).await?;
        let group_id = group.ap_id(fed);
        let delete = json!({
            "@context": context(), "id": activities::new_activity_id(fed), "type": "Delete",
            "actor": group_id, "object": { "id": post.ap_id, "type": "Tombstone" }, "summary": reason.trim(),
            "to": [PUBLIC], "cc": [group.collection(fed, "followers")], "audience": group_id,
        });
        let inboxes = delivery::follower_inboxes(fed, &group).await?;
        delivery::publish(&mut tx, &group, &delete, &inboxes).await?;
    }
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// A member follows another server's category (by `@name@host` or URL): it gets a home here
/// and its topics arrive as the Group announces them.
pub async fn follow_category(fed: &Federation, user: &User, reference: &str) -> FederationResult<Category> {
    let ap_id = webfinger::resolve_actor_reference(fed, reference).await?;
    if activities::local_actor_for(fed, &ap_id).await?.is_some() {
        return Err(CoreError::invalid("reference", "error.category_is_ours").into());
    }
    let group = actors::fetch_remote(fed, &ap_id).await?;
    if group.kind != "Group" {
        return Err(CoreError::invalid("reference", "error.not_a_category").into());
    }
    let category = ensure_remote_category(fed, &group).await?;
    let actor = person(fed, user).await?;
    activities::follow(fed, &actor, &group).await?;
    Ok(category)
}

/// The member stops following another server's category.
pub async fn unfollow_category(fed: &Federation, user: &User, category: &Category) -> FederationResult<()> {
    let group = actors::remote_by_ap_id(fed, &category.ap_id).await?.ok_or(FederationError::NotFound)?;
    let actor = person(fed, user).await?;
    activities::unfollow(fed, &actor, &group).await
}

/// Whether the member follows a remote category: `pending`, `accepted`, or `None`.
pub async fn follow_status(fed: &Federation, user: &User, category: &Category) -> FederationResult<Option<String>> {
    if category.is_local() {
        return Ok(None);
    }
    let Some(group) = actors::remote_by_ap_id(fed, &category.ap_id).await? else { return Ok(None) };
    let actor = person(fed, user).await?;
    activities::following_status(fed, &actor, &group).await
}

pub(crate) async fn ensure_remote_category(fed: &Federation, group: &RemoteActor) -> FederationResult<Category> {
    let raw: String = sqlx::query_scalar("SELECT raw FROM remote_actors WHERE id = $1")
        .bind(group.id)
        .fetch_one(fed.ctx.db.pool())
        .await?;
    let doc: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let summary = doc.get("summary").and_then(Value::as_str).unwrap_or("");
    Ok(categories::ensure_remote(
        &fed.ctx.db,
        &categories::RemoteCategory {
            ap_id: &group.ap_id,
            preferred_username: &group.preferred_username,
            domain: &group.domain,
            name: &group.name,
            summary_html: summary,
            url: &group.url,
        },
    )
    .await?)
}
