//! WebFinger (RFC 7033) and host-meta: how `@name@hub.example` becomes an actor URL.
//!
//! Mastodon checks that the `self` link leads to an actor whose `preferredUsername` and host
//! give back the same `acct:`, so the subject is always our canonical handle.

use serde_json::{Value, json};
use url::Url;

use crate::Federation;
use crate::actors;
use crate::error::{FederationError, FederationResult};

/// The JRD for `resource` (`acct:name@host`, or one of our actor URLs), if it names one of ours.
pub async fn lookup(fed: &Federation, resource: &str) -> FederationResult<Option<Value>> {
    let domain = fed.domain();
    let host = fed.ctx.config.public_url.host_str().unwrap_or("").to_owned();
    let name = if let Some(acct) = resource.strip_prefix("acct:") {
        let acct = acct.trim_start_matches('@');
        let Some((name, at)) = acct.rsplit_once('@') else { return Ok(None) };
        if !at.eq_ignore_ascii_case(&domain) && !at.eq_ignore_ascii_case(&host) {
            return Ok(None);
        }
        name.to_lowercase()
    } else if let Some(path) = resource.strip_prefix(&fed.url("")) {
        match path {
            "/actor" => host.clone(),
            p => match p.strip_prefix("/u/").or_else(|| p.strip_prefix("/g/")) {
                Some(name) => name.to_owned(),
                None => return Ok(None),
            },
        }
    } else {
        return Ok(None);
    };

    // The instance actor answers to the host name, as Mastodon's does.
    let (actor_id, profile, kind) = if name == host {
        (fed.url("/actor"), fed.url("/"), "Application")
    } else if let Some(actor) = actors::person_actor(fed, &name).await? {
        (actor.ap_id(fed), actor.ap_id(fed), "Person")
    } else if let Some(actor) = actors::find_group(fed, &name).await? {
        (actor.ap_id(fed), actor.ap_id(fed), "Group")
    } else {
        return Ok(None);
    };
    Ok(Some(json!({
        "subject": format!("acct:{name}@{domain}"),
        "aliases": [actor_id],
        "links": [
            { "rel": "self", "type": crate::ACTIVITY_JSON, "href": actor_id,
              "properties": { "https://www.w3.org/ns/activitystreams#type": kind } },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
        ]
    })))
}

/// The host-meta XRD that points to our WebFinger endpoint (older servers look for it).
pub fn host_meta(fed: &Federation) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
        fed.url("")
    )
}

/// Splits `@name@host`, `name@host` or `acct:name@host`.
pub fn parse_handle(handle: &str) -> Option<(String, String)> {
    let handle = handle.trim().trim_start_matches("acct:").trim_start_matches('@');
    let (name, host) = handle.split_once('@')?;
    (!name.is_empty() && !host.is_empty() && !host.contains('/')).then(|| (name.to_owned(), host.to_ascii_lowercase()))
}

/// Finds the actor URL of a handle with a WebFinger request to its host.
pub async fn resolve(fed: &Federation, handle: &str) -> FederationResult<String> {
    let (name, host) = parse_handle(handle)
        .ok_or_else(|| FederationError::BadDocument(format!("'{handle}' is not a handle like @name@host")))?;
    // Plain http is tried only where the configuration allows it (tests, local development).
    let scheme =
        if fed.ctx.config.federation_allow_private && (host.starts_with("localhost") || host.starts_with("127.")) {
            "http"
        } else {
            "https"
        };
    let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .map_err(|e| FederationError::BadDocument(e.to_string()))?;
    url.query_pairs_mut().append_pair("resource", &format!("acct:{name}@{host}"));
    let fetched = fed.http.get_json(&url, "application/jrd+json, application/json;q=0.9", None).await?;
    let links = fetched.json.get("links").and_then(Value::as_array).cloned().unwrap_or_default();
    links
        .iter()
        .find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"))
        })
        .and_then(|l| l.get("href").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| FederationError::BadDocument(format!("no ActivityPub actor for {handle}")))
}

/// An actor URL or a handle, whichever the person typed, as an actor URL.
pub async fn resolve_actor_reference(fed: &Federation, reference: &str) -> FederationResult<String> {
    let reference = reference.trim();
    if reference.starts_with("https://") || reference.starts_with("http://") {
        Ok(reference.to_owned())
    } else {
        resolve(fed, reference).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles() {
        assert_eq!(parse_handle("@alice@Hub.example"), Some(("alice".into(), "hub.example".into())));
        assert_eq!(parse_handle("acct:bob@b.example:8443"), Some(("bob".into(), "b.example:8443".into())));
        assert_eq!(parse_handle("alice"), None);
        assert_eq!(parse_handle("a@b/c"), None);
    }
}
