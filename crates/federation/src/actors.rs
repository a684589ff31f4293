//! Actors: ours (instance, members, feature groups) and the remote ones we know.

use maillage_core::accounts;
use maillage_core::time::{DAY_MS, now_ms};
use serde_json::{Value, json};
use sqlx::FromRow;
use url::Url;

use crate::Federation;
use crate::error::{FederationError, FederationResult};
use crate::http::ACCEPT_ACTIVITY;
use crate::protocol::{self, id_of, type_of};
use crate::signatures::{SigningKey, generate_keypair};

/// What kind of actor of ours, and where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    /// The hub itself (FEP-2677): signs our fetches, represents the hub.
    Application,
    /// A member.
    Person,
    /// Something people follow: a forum category, the library, the calendar.
    Group,
}

impl LocalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalKind::Application => "application",
            LocalKind::Person => "person",
            LocalKind::Group => "group",
        }
    }

    fn parse(text: &str) -> LocalKind {
        match text {
            "application" => LocalKind::Application,
            "group" => LocalKind::Group,
            _ => LocalKind::Person,
        }
    }
}

/// Name of the instance actor's row.
pub const INSTANCE_ACTOR_NAME: &str = "instance";

/// One of our actors with its keys.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: i64,
    pub kind: LocalKind,
    pub name: String,
    pub user_id: Option<i64>,
    pub public_key_pem: String,
    pub private_key_pem: String,
    /// How a Group presents itself (empty for other kinds).
    pub profile: GroupProfile,
}

#[derive(FromRow)]
struct LocalActorRow {
    id: i64,
    kind: String,
    name: String,
    user_id: Option<i64>,
    public_key_pem: String,
    private_key_pem: String,
    display_name: String,
    summary_html: String,
    page_path: String,
}

impl From<LocalActorRow> for LocalActor {
    fn from(row: LocalActorRow) -> LocalActor {
        LocalActor {
            id: row.id,
            kind: LocalKind::parse(&row.kind),
            name: row.name,
            user_id: row.user_id,
            public_key_pem: row.public_key_pem,
            private_key_pem: row.private_key_pem,
            profile: GroupProfile {
                display_name: row.display_name,
                summary_html: row.summary_html,
                page_path: row.page_path,
            },
        }
    }
}

impl LocalActor {
    /// The actor's ActivityPub id.
    pub fn ap_id(&self, fed: &Federation) -> String {
        match self.kind {
            LocalKind::Application => fed.url("/actor"),
            LocalKind::Person => fed.url(&format!("/u/{}", self.name)),
            LocalKind::Group => fed.url(&format!("/g/{}", self.name)),
        }
    }

    pub fn key_id(&self, fed: &Federation) -> String {
        format!("{}#main-key", self.ap_id(fed))
    }

    pub fn signing_key(&self, fed: &Federation) -> FederationResult<SigningKey> {
        fed.keys.signing(&self.key_id(fed), &self.private_key_pem)
    }

    /// Where its collections live: `{id}/inbox`, `{id}/outbox`, `{id}/followers`.
    pub fn collection(&self, fed: &Federation, name: &str) -> String {
        format!("{}/{name}", self.ap_id(fed))
    }
}

const LOCAL_COLUMNS: &str =
    "id, kind, name, user_id, public_key_pem, private_key_pem, display_name, summary_html, page_path";

/// Finds one of our actors.
pub async fn find_local(fed: &Federation, kind: LocalKind, name: &str) -> FederationResult<Option<LocalActor>> {
    let row = sqlx::query_as::<_, LocalActorRow>(&format!(
        "SELECT {LOCAL_COLUMNS} FROM local_actors WHERE kind = $1 AND name = $2"
    ))
    .bind(kind.as_str())
    .bind(name)
    .fetch_optional(fed.ctx.db.pool())
    .await?;
    Ok(row.map(LocalActor::from))
}

pub async fn local_by_id(fed: &Federation, id: i64) -> FederationResult<LocalActor> {
    let row = sqlx::query_as::<_, LocalActorRow>(&format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE id = $1"))
        .bind(id)
        .fetch_optional(fed.ctx.db.pool())
        .await?;
    row.map(LocalActor::from).ok_or(FederationError::NotFound)
}

/// One of our Group actors by name. The calendar's exists from the first time anyone asks for
/// it (followable before any event is published), and so does the library's; features create
/// the others.
pub async fn find_group(fed: &Federation, name: &str) -> FederationResult<Option<LocalActor>> {
    if name == crate::events::CALENDAR {
        return Ok(Some(crate::events::calendar_actor(fed).await?));
    }
    if name == crate::resources::LIBRARY {
        return Ok(Some(crate::resources::library_actor(fed).await?));
    }
    find_local(fed, LocalKind::Group, name).await
}

/// Our actor of this kind and name, created with a new key pair on first use. Key generation
/// takes a moment, so it happens off the async threads; a concurrent creation keeps one row.
pub async fn ensure_local(
    fed: &Federation,
    kind: LocalKind,
    name: &str,
    user_id: Option<i64>,
) -> FederationResult<LocalActor> {
    if let Some(actor) = find_local(fed, kind, name).await? {
        return Ok(actor);
    }
    let (public, private) = tokio::task::spawn_blocking(generate_keypair)
        .await
        .map_err(|e| FederationError::Core(maillage_core::CoreError::Internal(e.to_string())))??;
    sqlx::query(
        "INSERT INTO local_actors (kind, name, user_id, public_key_pem, private_key_pem, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, name) DO NOTHING",
    )
    .bind(kind.as_str())
    .bind(name)
    .bind(user_id)
    .bind(public)
    .bind(private)
    .bind(now_ms())
    .execute(fed.ctx.db.pool())
    .await?;
    find_local(fed, kind, name).await?.ok_or(FederationError::NotFound)
}

/// The instance actor.
pub async fn instance_actor(fed: &Federation) -> FederationResult<LocalActor> {
    ensure_local(fed, LocalKind::Application, INSTANCE_ACTOR_NAME, None).await
}

/// The Person actor of an active member, if there is such a member.
pub async fn person_actor(fed: &Federation, username: &str) -> FederationResult<Option<LocalActor>> {
    let Some(user) = accounts::user_by_username(&fed.ctx.db, username).await? else { return Ok(None) };
    if user.status != accounts::AccountStatus::Active {
        return Ok(None);
    }
    Ok(Some(ensure_local(fed, LocalKind::Person, &user.username, Some(user.id)).await?))
}

/// How a Group actor presents itself; each feature describes its own (a forum category, the
/// library, the calendar).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupProfile {
    pub display_name: String,
    /// Sanitised HTML.
    pub summary_html: String,
    /// The human page for the group, e.g. `/forum/aide-en-ligne`.
    pub page_path: String,
}

/// A Group actor of ours with this name, created on first use, presenting itself as `profile`
/// (updated when it changed). Features call this when they create what people follow.
pub async fn ensure_group(fed: &Federation, name: &str, profile: &GroupProfile) -> FederationResult<LocalActor> {
    let actor = ensure_local(fed, LocalKind::Group, name, None).await?;
    if actor.profile != *profile {
        sqlx::query("UPDATE local_actors SET display_name = $1, summary_html = $2, page_path = $3 WHERE id = $4")
            .bind(&profile.display_name)
            .bind(&profile.summary_html)
            .bind(&profile.page_path)
            .bind(actor.id)
            .execute(fed.ctx.db.pool())
            .await?;
        return local_by_id(fed, actor.id).await;
    }
    Ok(actor)
}

/// The ActivityStreams document of one of our actors.
pub async fn actor_document(fed: &Federation, actor: &LocalActor) -> FederationResult<Value> {
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let id = actor.ap_id(fed);
    let mut doc = json!({
        "@context": protocol::context(),
        "id": id,
        "inbox": actor.collection(fed, "inbox"),
        "outbox": actor.collection(fed, "outbox"),
        "followers": actor.collection(fed, "followers"),
        "following": actor.collection(fed, "following"),
        "endpoints": { "sharedInbox": fed.url("/inbox") },
        "publicKey": { "id": actor.key_id(fed), "owner": id, "publicKeyPem": actor.public_key_pem },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
    });
    match actor.kind {
        LocalKind::Application => {
            doc["type"] = json!("Application");
            doc["preferredUsername"] = json!(fed.ctx.config.public_url.host_str().unwrap_or("maillage"));
            doc["name"] = json!(hub.name);
            doc["summary"] = json!(hub.description_html);
            doc["url"] = json!(fed.url("/"));
            if !hub.logo_url.is_empty() {
                doc["icon"] = json!({ "type": "Image", "url": hub.logo_url });
            }
        }
        LocalKind::Person => {
            let user = accounts::user_by_username(&fed.ctx.db, &actor.name).await?.ok_or(FederationError::NotFound)?;
            doc["type"] = json!("Person");
            doc["preferredUsername"] = json!(user.username);
            doc["name"] = json!(user.shown_name());
            doc["summary"] = json!(user.bio_html);
            doc["url"] = json!(id);
            doc["published"] = json!(maillage_core::time::to_rfc3339(user.created_at));
            if !user.avatar_url.is_empty() {
                doc["icon"] = json!({ "type": "Image", "url": user.avatar_url });
            }
        }
        LocalKind::Group => {
            let profile = &actor.profile;
            doc["type"] = json!("Group");
            doc["preferredUsername"] = json!(actor.name);
            doc["name"] = json!(if profile.display_name.is_empty() { &actor.name } else { &profile.display_name });
            doc["summary"] = json!(profile.summary_html);
            doc["url"] = json!(fed.url(if profile.page_path.is_empty() { "/" } else { &profile.page_path }));
            doc["attributedTo"] = json!(fed.url("/actor"));
            if !hub.logo_url.is_empty() {
                doc["icon"] = json!({ "type": "Image", "url": hub.logo_url });
            }
        }
    }
    Ok(doc)
}

/// A member is leaving. Their actor row is kept without its account (its URL and key stay
/// theirs, and sign what follows), and a `Delete` of the actor goes to its followers so their
/// servers forget it. Call before deleting the account.
pub async fn retire_person(fed: &Federation, username: &str) -> FederationResult<()> {
    let Some(actor) = find_local(fed, LocalKind::Person, username).await? else {
        // Never federated: nobody to tell.
        return Ok(());
    };
    let inboxes = crate::delivery::follower_inboxes(fed, &actor).await?;
    let id = actor.ap_id(fed);
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": crate::activities::new_activity_id(fed),
        "type": "Delete",
        "actor": id,
        "object": id,
        "to": [protocol::PUBLIC],
    });
    let mut tx = fed.ctx.db.pool().begin().await?;
    sqlx::query("UPDATE local_actors SET user_id = NULL WHERE id = $1").bind(actor.id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM followers WHERE local_actor_id = $1").bind(actor.id).execute(&mut *tx).await?;
    crate::delivery::publish(&mut tx, &actor, &delete, &inboxes).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Remote actors

/// An actor of another server, as we stored it.
#[derive(Debug, Clone, FromRow)]
pub struct RemoteActor {
    pub id: i64,
    pub ap_id: String,
    pub kind: String,
    pub domain: String,
    pub preferred_username: String,
    pub name: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub key_id: String,
    pub public_key_pem: String,
    pub fetched_at: i64,
}

impl RemoteActor {
    /// The inbox deliveries go to: the shared one when the server has it.
    pub fn delivery_inbox(&self) -> &str {
        if self.shared_inbox.is_empty() { &self.inbox } else { &self.shared_inbox }
    }

    /// `@name@domain`, as people write it.
    pub fn handle(&self) -> String {
        format!("@{}@{}", self.preferred_username, self.domain)
    }
}

const REMOTE_COLUMNS: &str =
    "id, ap_id, kind, domain, preferred_username, name, url, inbox, shared_inbox, key_id, public_key_pem, fetched_at";

pub async fn remote_by_ap_id(fed: &Federation, ap_id: &str) -> FederationResult<Option<RemoteActor>> {
    Ok(sqlx::query_as::<_, RemoteActor>(&format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE ap_id = $1"))
        .bind(ap_id)
        .fetch_optional(fed.ctx.db.pool())
        .await?)
}

pub async fn remote_by_key_id(fed: &Federation, key_id: &str) -> FederationResult<Option<RemoteActor>> {
    Ok(sqlx::query_as::<_, RemoteActor>(&format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE key_id = $1"))
        .bind(key_id)
        .fetch_optional(fed.ctx.db.pool())
        .await?)
}

pub async fn remote_by_id(fed: &Federation, id: i64) -> FederationResult<RemoteActor> {
    sqlx::query_as::<_, RemoteActor>(&format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE id = $1"))
        .bind(id)
        .fetch_optional(fed.ctx.db.pool())
        .await?
        .ok_or(FederationError::NotFound)
}

/// Actor types we accept as senders and follow targets.
const ACTOR_TYPES: &[&str] = &["Person", "Group", "Application", "Service", "Organization"];

/// Reads an actor document into what we store, checking that it is one and that its key
/// belongs to it.
pub fn parse_actor(doc: &Value) -> FederationResult<ParsedActor> {
    let kind = type_of(doc).ok_or_else(|| FederationError::BadDocument("actor without type".into()))?;
    if !ACTOR_TYPES.contains(&kind) {
        return Err(FederationError::BadDocument(format!("{kind} is not an actor type")));
    }
    let ap_id =
        doc.get("id").and_then(Value::as_str).ok_or_else(|| FederationError::BadDocument("actor without id".into()))?;
    let domain = protocol::origin_of(ap_id)
        .ok_or_else(|| FederationError::BadDocument(format!("actor id {ap_id} is not a URL")))?;
    let inbox =
        doc.get("inbox").and_then(id_of).ok_or_else(|| FederationError::BadDocument("actor without inbox".into()))?;
    let shared_inbox = doc.get("endpoints").and_then(|e| e.get("sharedInbox")).and_then(Value::as_str).unwrap_or("");
    // `publicKey` is an object, or (rarely) an array of them.
    let key = match doc.get("publicKey") {
        Some(Value::Array(keys)) => {
            keys.iter().find(|k| k.get("owner").and_then(id_of) == Some(ap_id)).or_else(|| keys.first())
        }
        other => other,
    };
    let (key_id, key_pem) = match key {
        Some(key) => {
            let owner = key.get("owner").and_then(id_of).unwrap_or(ap_id);
            if owner != ap_id {
                return Err(FederationError::BadDocument(format!("the key of {ap_id} belongs to {owner}")));
            }
            (
                key.get("id").and_then(Value::as_str).unwrap_or(""),
                key.get("publicKeyPem").and_then(Value::as_str).unwrap_or(""),
            )
        }
        None => ("", ""),
    };
    // A key on another host could make one server's signatures pass for another's.
    if !key_id.is_empty() && protocol::origin_of(key_id).as_deref() != Some(domain.as_str()) {
        return Err(FederationError::BadDocument(format!("the key {key_id} of {ap_id} is not on {domain}")));
    }
    // Inboxes on another host than the actor would let anyone redirect deliveries.
    for endpoint in [inbox, shared_inbox].into_iter().filter(|e| !e.is_empty()) {
        if protocol::origin_of(endpoint).as_deref() != Some(domain.as_str()) {
            return Err(FederationError::BadDocument(format!("inbox {endpoint} is not on {domain}")));
        }
    }
    Ok(ParsedActor {
        ap_id: ap_id.to_owned(),
        kind: kind.to_owned(),
        domain,
        preferred_username: clean(doc.get("preferredUsername").and_then(Value::as_str).unwrap_or(""), 100),
        name: clean(doc.get("name").and_then(Value::as_str).unwrap_or(""), 200),
        url: doc.get("url").and_then(id_of).unwrap_or(ap_id).to_owned(),
        inbox: inbox.to_owned(),
        shared_inbox: shared_inbox.to_owned(),
        key_id: key_id.to_owned(),
        public_key_pem: key_pem.to_owned(),
    })
}

/// A remote string as we store it: no control characters (PostgreSQL refuses NUL), bounded.
fn clean(text: &str, max_chars: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max_chars).collect()
}

/// The fields of an actor document we keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedActor {
    pub ap_id: String,
    pub kind: String,
    pub domain: String,
    pub preferred_username: String,
    pub name: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub key_id: String,
    pub public_key_pem: String,
}

/// Stores (or refreshes) a remote actor.
pub async fn store_remote(fed: &Federation, actor: &ParsedActor, raw: &Value) -> FederationResult<RemoteActor> {
    sqlx::query(
        "INSERT INTO remote_actors (ap_id, kind, domain, preferred_username, name, url, inbox, shared_inbox, key_id, \
         public_key_pem, raw, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (ap_id) DO UPDATE SET kind = $2, domain = $3, preferred_username = $4, name = $5, url = $6, \
         inbox = $7, shared_inbox = $8, key_id = $9, public_key_pem = $10, raw = $11, fetched_at = $12",
    )
    .bind(&actor.ap_id)
    .bind(&actor.kind)
    .bind(&actor.domain)
    .bind(&actor.preferred_username)
    .bind(&actor.name)
    .bind(&actor.url)
    .bind(&actor.inbox)
    .bind(&actor.shared_inbox)
    .bind(&actor.key_id)
    .bind(&actor.public_key_pem)
    .bind(raw.to_string())
    .bind(now_ms())
    .execute(fed.ctx.db.pool())
    .await?;
    crate::instances::seen(fed, &actor.domain).await?;
    remote_by_ap_id(fed, &actor.ap_id).await?.ok_or(FederationError::NotFound)
}

/// Fetches an actor document (signed by our instance actor) and stores it.
pub async fn fetch_remote(fed: &Federation, ap_id: &str) -> FederationResult<RemoteActor> {
    let url = Url::parse(ap_id).map_err(|e| FederationError::BadDocument(format!("{ap_id}: {e}")))?;
    // We do not even fetch from servers we do not federate with.
    if let Some(domain) = protocol::origin_of(ap_id)
        && let Some(reason) = crate::instances::refusal(fed, &domain).await?
    {
        return Err(FederationError::Blocked(format!("{domain}: {reason}")));
    }
    let signer = instance_actor(fed).await?.signing_key(fed)?;
    let fetched = fed.http.get_json(&url, ACCEPT_ACTIVITY, Some(&signer)).await?;
    let parsed = parse_actor(&fetched.json)?;
    // The actor must live where we asked and where the document was finally served from: a
    // redirect (an open redirect on a trusted host) must not let another server speak for it.
    let asked = protocol::origin_of(ap_id);
    if protocol::origin_of(&parsed.ap_id) != asked || protocol::origin_of(fetched.url.as_str()) != asked {
        return Err(FederationError::BadDocument(format!(
            "{ap_id} answered with the actor {} from {}",
            parsed.ap_id, fetched.url
        )));
    }
    store_remote(fed, &parsed, &fetched.json).await
}

/// A remote actor from our store, fetched when unknown or older than a day.
pub async fn remote_actor(fed: &Federation, ap_id: &str) -> FederationResult<RemoteActor> {
    match remote_by_ap_id(fed, ap_id).await? {
        Some(actor) if now_ms() - actor.fetched_at < DAY_MS => Ok(actor),
        Some(stale) => Ok(fetch_remote(fed, ap_id).await.unwrap_or(stale)),
        None => fetch_remote(fed, ap_id).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_key_must_belong_to_the_actor() {
        let doc = json!({
            "id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
            "publicKey": { "id": "https://a.example/u/y#main-key", "owner": "https://a.example/u/y", "publicKeyPem": "x" }
        });
        assert!(parse_actor(&doc).is_err());
    }

    #[test]
    fn inbox_on_another_host_is_refused() {
        let doc = json!({ "id": "https://a.example/u/x", "type": "Person", "inbox": "https://evil.example/inbox" });
        assert!(parse_actor(&doc).is_err());
    }

    #[test]
    fn group_actor_is_read() {
        let doc = json!({
            "id": "https://lemmy.example/c/aidants", "type": "Group", "preferredUsername": "aidants",
            "inbox": "https://lemmy.example/c/aidants/inbox", "endpoints": { "sharedInbox": "https://lemmy.example/inbox" },
            "publicKey": { "id": "https://lemmy.example/c/aidants#main-key", "owner": "https://lemmy.example/c/aidants", "publicKeyPem": "PEM" }
        });
        let actor = parse_actor(&doc).unwrap();
        assert_eq!(actor.domain, "lemmy.example");
        assert_eq!(actor.shared_inbox, "https://lemmy.example/inbox");
    }
}
