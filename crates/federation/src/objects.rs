//! Fetching remote objects (a post a reply answers, an event, a resource), with the limits of
//! `http` (size, time, redirects, address policy) and a depth limit for reply chains, so a
//! malicious or broken server cannot make us walk an endless thread.

use std::collections::HashSet;

use serde_json::Value;
use url::Url;

use crate::error::{FederationError, FederationResult};
use crate::http::ACCEPT_ACTIVITY;
use crate::protocol::{self, id_of};
use crate::{Federation, actors, instances};

/// How many ancestors of a reply we fetch at most.
pub const MAX_REPLY_DEPTH: usize = 16;

/// Fetches one object, signed by our instance actor (for servers in "authorized fetch" mode).
/// The document must carry the id it was fetched by, or live on the same host (after a
/// redirect); a `Tombstone` is reported as gone.
pub async fn fetch_object(fed: &Federation, id: &str) -> FederationResult<Value> {
    let url = Url::parse(id).map_err(|e| FederationError::BadDocument(format!("{id}: {e}")))?;
    let origin = protocol::origin_of(id).ok_or_else(|| FederationError::BadDocument(format!("{id} has no host")))?;
    if let Some(reason) = instances::refusal(fed, &origin).await? {
        return Err(FederationError::Blocked(format!("{origin}: {reason}")));
    }
    let signer = actors::instance_actor(fed).await?.signing_key(fed)?;
    let fetched = fed.http.get_json(&url, ACCEPT_ACTIVITY, Some(&signer)).await?;
    let document_id = fetched.json.get("id").and_then(Value::as_str).unwrap_or_default();
    if protocol::origin_of(document_id).as_deref() != Some(origin.as_str())
        || protocol::origin_of(fetched.url.as_str()).as_deref() != Some(origin.as_str())
    {
        return Err(FederationError::BadDocument(format!(
            "{id} answered with an object from elsewhere: {document_id}"
        )));
    }
    if protocol::type_of(&fetched.json) == Some("Tombstone") {
        return Err(FederationError::Gone(id.to_owned()));
    }
    Ok(fetched.json)
}

/// The objects `start` answers, nearest first: its `inReplyTo`, that one's, and so on. Stops at
/// `max_depth` objects, at a loop, at an object `known` says we already have, or at the first
/// object that cannot be fetched (what was fetched until then is kept).
pub async fn fetch_reply_chain(
    fed: &Federation,
    start: &Value,
    max_depth: usize,
    known: impl Fn(&str) -> bool,
) -> Vec<Value> {
    let mut chain = Vec::new();
    let mut seen: HashSet<String> = start.get("id").and_then(Value::as_str).map(str::to_owned).into_iter().collect();
    let mut next = start.get("inReplyTo").and_then(id_of).map(str::to_owned);
    while let Some(id) = next.take() {
        if chain.len() >= max_depth || known(&id) || !seen.insert(id.clone()) {
            break;
        }
        match fetch_object(fed, &id).await {
            Ok(object) => {
                next = object.get("inReplyTo").and_then(id_of).map(str::to_owned);
                chain.push(object);
            }
            Err(e) => {
                tracing::debug!(%id, error = %e, "reply chain stops");
                break;
            }
        }
    }
    chain
}
