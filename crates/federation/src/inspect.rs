//! `maillage federation inspect FILE`: what this hub would do with one document, without
//! touching the network or the database. Admins use it to understand a peer; the corpus test
//! runs it on every real payload in `shared/interop`.

use serde_json::Value;

use crate::actors::parse_actor;
use crate::protocol::{self, actor_of, id_of, type_of};

/// What a document is, and what we would do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// `activity`, `actor`, `object`, `collection`, `webfinger`, `nodeinfo`, `nodeinfo-links`, `list`.
    pub kind: String,
    /// The ActivityStreams type (or a short name for other documents).
    pub type_name: String,
    /// Facts read from it, one per line.
    pub facts: Vec<String>,
    /// `Ok(what we would do)` or `Err(why we refuse it)`.
    pub verdict: Result<String, String>,
}

/// Reads a file's text: JSON, an HTTP response (`HTTP/1.1 200` + headers + body), or a capture
/// wrapper (`{"headers": …, "body": "…"}`).
pub fn inspect_text(text: &str) -> Inspection {
    let body = if text.starts_with("HTTP/") {
        let split = text.find("\r\n\r\n").map(|i| i + 4).or_else(|| text.find("\n\n").map(|i| i + 2));
        match split {
            Some(i) => &text[i..],
            None => return refused("http", "HTTP response without a body"),
        }
    } else {
        text
    };
    let value = match protocol::parse_json(body.as_bytes()) {
        Ok(value) => value,
        Err(e) => return refused("invalid", &e.to_string()),
    };
    // A capture wrapper holds the body as a string: look inside.
    if let (Some(Value::String(inner)), Some(_)) = (value.get("body"), value.get("headers")) {
        return inspect_text(inner);
    }
    inspect_value(&value)
}

fn refused(kind: &str, reason: &str) -> Inspection {
    Inspection { kind: kind.into(), type_name: String::new(), facts: Vec::new(), verdict: Err(reason.into()) }
}

/// Inspects a parsed document.
pub fn inspect_value(value: &Value) -> Inspection {
    if let Value::Array(items) = value {
        let types: Vec<&str> = items.iter().filter_map(type_of).collect();
        return Inspection {
            kind: "list".into(),
            type_name: "array".into(),
            facts: vec![format!("{} items: {}", items.len(), types.join(", "))],
            verdict: Err("a bare JSON array is not an ActivityStreams document".into()),
        };
    }
    if !value.is_object() {
        return refused("invalid", "not a JSON object");
    }
    if value.get("subject").is_some() && value.get("links").is_some() {
        return inspect_webfinger(value);
    }
    if value.get("software").is_some() && value.get("protocols").is_some() {
        let info = crate::nodeinfo::parse(value);
        return Inspection {
            kind: "nodeinfo".into(),
            type_name: "NodeInfo".into(),
            facts: vec![format!("software: {} {}", info.software, info.version), format!("name: {}", info.name)],
            verdict: Ok("shown on the network page (software, name, region)".into()),
        };
    }
    if value.get("links").is_some() && value.get("type").is_none() {
        let rels: Vec<&str> = value["links"]
            .as_array()
            .map(|l| l.iter().filter_map(|x| x.get("rel").and_then(Value::as_str)).collect())
            .unwrap_or_default();
        return Inspection {
            kind: "nodeinfo-links".into(),
            type_name: "NodeInfo links".into(),
            facts: rels.iter().map(|r| format!("rel: {r}")).collect(),
            verdict: if rels.iter().any(|r| r.contains("nodeinfo.diaspora.software/ns/schema/2")) {
                Ok("we follow the newest NodeInfo 2.x link".into())
            } else {
                Err("no NodeInfo 2.x link".into())
            },
        };
    }
    let Some(type_name) = type_of(value) else { return refused("invalid", "no type") };
    let type_name = type_name.to_owned();
    match type_name.as_str() {
        "Person" | "Group" | "Application" | "Service" | "Organization" => inspect_actor(value, &type_name),
        "OrderedCollection" | "Collection" | "OrderedCollectionPage" | "CollectionPage" => {
            let items =
                value.get("orderedItems").or_else(|| value.get("items")).and_then(Value::as_array).map(Vec::len);
            let facts = vec![
                format!(
                    "totalItems: {}",
                    value.get("totalItems").map(Value::to_string).unwrap_or_else(|| "absent".into())
                ),
                format!(
                    "items on this page: {}",
                    items.map(|n| n.to_string()).unwrap_or_else(|| "none (see first)".into())
                ),
            ];
            Inspection {
                kind: "collection".into(),
                type_name,
                facts,
                verdict: Ok("read when backfilling an outbox or counting followers".into()),
            }
        }
        _ if value.get("actor").is_some() => inspect_activity(value, &type_name),
        _ => inspect_object(value, &type_name),
    }
}

fn inspect_webfinger(value: &Value) -> Inspection {
    let subject = value.get("subject").and_then(Value::as_str).unwrap_or("").to_owned();
    let self_link = value.get("links").and_then(Value::as_array).and_then(|links| {
        links.iter().find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"))
        })
    });
    let href = self_link.and_then(|l| l.get("href")).and_then(Value::as_str);
    Inspection {
        kind: "webfinger".into(),
        type_name: "JRD".into(),
        facts: vec![format!("subject: {subject}"), format!("actor: {}", href.unwrap_or("none"))],
        verdict: match href {
            Some(href) => Ok(format!("following {subject} fetches the actor {href}")),
            None => Err("no rel=self link of an ActivityStreams type".into()),
        },
    }
}

fn inspect_actor(value: &Value, type_name: &str) -> Inspection {
    let mut facts = Vec::new();
    let verdict = match parse_actor(value) {
        Ok(actor) => {
            facts.push(format!("id: {}", actor.ap_id));
            facts.push(format!("handle: @{}@{}", actor.preferred_username, actor.domain));
            facts.push(format!("inbox: {}", actor.inbox));
            facts.push(format!(
                "shared inbox: {}",
                if actor.shared_inbox.is_empty() { "none" } else { &actor.shared_inbox }
            ));
            if actor.public_key_pem.is_empty() {
                Err("no public key: we could not verify anything it signs".to_owned())
            } else {
                match crate::signatures::parse_public_key(&actor.public_key_pem) {
                    Ok(_) => {
                        Ok(format!("stored as a remote {type_name}; its key {} verifies its signatures", actor.key_id))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        }
        Err(e) => Err(e.to_string()),
    };
    Inspection { kind: "actor".into(), type_name: type_name.into(), facts, verdict }
}

fn inspect_object(value: &Value, type_name: &str) -> Inspection {
    let mut facts = Vec::new();
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        facts.push(format!("id: {id}"));
    }
    if let Some(author) = value.get("attributedTo").and_then(id_of) {
        facts.push(format!("attributedTo: {author}"));
    }
    if let Some(reply) = value.get("inReplyTo").and_then(id_of) {
        facts.push(format!("inReplyTo: {reply}"));
    }
    facts.push(format!("public: {}", protocol::addressed_publicly(value)));
    let verdict = if value.get("id").and_then(Value::as_str).is_none() && type_name != "Place" {
        Err("object without id".to_owned())
    } else {
        Ok(object_plan(type_name))
    };
    Inspection { kind: "object".into(), type_name: type_name.into(), facts, verdict }
}

/// What the hub does with an object of this type once the feature that owns it exists.
fn object_plan(type_name: &str) -> String {
    match type_name {
        "Article" => "Article: a resource when it comes from another hub's library the hub follows; otherwise a \
             forum post (a reply to a post we have, or a new topic in a category it addresses)"
            .into(),
        "Note" | "Page" | "Question" => format!(
            "{type_name}: a forum post: a reply when it answers a post we have (or whose ancestors lead to one), \
             a new topic when it addresses one of our categories or comes from a category a member follows"
        ),
        "ChatMessage" => "ChatMessage: a private message; not part of the forum, ignored".into(),
        "Event" => "Event: calendar entry (stored when its sender is followed by the hub or its calendar)".into(),
        "Tombstone" => "Tombstone: the object it replaces is deleted".into(),
        other => format!("{other}: no use on a Maillage hub; ignored with this reason"),
    }
}

fn inspect_activity(value: &Value, type_name: &str) -> Inspection {
    let actor = actor_of(value).unwrap_or("").to_owned();
    let object = value.get("object");
    let object_type =
        object.and_then(type_of).unwrap_or(if object.is_some_and(Value::is_string) { "link" } else { "none" });
    let mut facts = vec![format!("actor: {actor}"), format!("object: {object_type}")];
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        facts.push(format!("id: {id}"));
    }
    facts.push(format!("public: {}", protocol::addressed_publicly(value)));
    if actor.is_empty() {
        return Inspection {
            kind: "activity".into(),
            type_name: type_name.into(),
            facts,
            verdict: Err("activity without actor".into()),
        };
    }
    if let Err(e) = crate::activities::check_origins(value, &actor) {
        return Inspection { kind: "activity".into(), type_name: type_name.into(), facts, verdict: Err(e.to_string()) };
    }
    let verdict = match type_name {
        "Follow" => Ok("if the object is one of our actors: adds the follower and answers Accept at once".to_owned()),
        "Undo" if object_type == "Follow" || object_type == "link" => {
            Ok("removes the follower (or, for other Undos, ignored with the reason)".to_owned())
        }
        "Accept" => Ok("marks our pending Follow as accepted".to_owned()),
        "Reject" => Ok("drops our pending Follow".to_owned()),
        "Delete" if object.and_then(id_of) == Some(actor.as_str()) => {
            Ok("forgets the actor and its follows".to_owned())
        }
        "Update" if object.and_then(id_of) == Some(actor.as_str()) => Ok("refreshes the stored actor".to_owned()),
        "Create" | "Update" | "Delete" | "Announce" | "Like" | "Undo" | "Flag" | "Join" | "Leave" => Ok(format!(
            "journaled and ignored for now: {type_name}({object_type}) belongs to the forum, events or resources issues"
        )),
        other => Ok(format!("journaled and ignored: {other} is not an activity this hub acts on")),
    };
    Inspection { kind: "activity".into(), type_name: type_name.into(), facts, verdict }
}

impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "kind: {}", self.kind)?;
        if !self.type_name.is_empty() {
            writeln!(f, "type: {}", self.type_name)?;
        }
        for fact in &self.facts {
            writeln!(f, "  {fact}")?;
        }
        match &self.verdict {
            Ok(plan) => write!(f, "accepted: {plan}"),
            Err(reason) => write!(f, "refused: {reason}"),
        }
    }
}
