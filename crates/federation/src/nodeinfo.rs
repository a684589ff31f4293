//! NodeInfo 2.1: what this hub is (software, usage, and in `metadata` its name, region and
//! description, which other Maillage hubs show on their network page), and reading peers'.

use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

use crate::error::{FederationError, FederationResult};
use crate::{Federation, instances};

pub const SCHEMA_2_1: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

/// `/.well-known/nodeinfo`: where our NodeInfo is, and our instance actor (FEP-2677).
pub fn well_known(fed: &Federation) -> Value {
    json!({
        "links": [
            { "rel": SCHEMA_2_1, "href": fed.url("/nodeinfo/2.1") },
            { "rel": "https://www.w3.org/ns/activitystreams#Application", "href": fed.url("/actor") },
        ]
    })
}

/// `/nodeinfo/2.1`.
pub async fn document(fed: &Federation) -> FederationResult<Value> {
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let users = maillage_core::accounts::count_active(&fed.ctx.db).await?;
    let open = hub.registration_mode != maillage_core::hub::RegistrationMode::Invitation;
    Ok(json!({
        "version": "2.1",
        "software": {
            "name": "maillage",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": fed.url("/"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": open,
        "usage": { "users": { "total": users } },
        "metadata": {
            "nodeName": hub.name,
            "nodeDescription": hub.description,
            "region": hub.region,
            "registrationMode": hub.registration_mode.as_str(),
            "defaultLanguage": hub.default_language,
            "instanceActor": fed.url("/actor"),
        }
    }))
}

/// What a peer's NodeInfo tells us.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemoteNodeInfo {
    pub software: String,
    pub version: String,
    pub name: String,
    pub region: String,
    pub description: String,
}

/// Reads the fields we show from a NodeInfo document (2.0 or 2.1; other servers put the name in
/// `metadata.nodeName` or `metadata.name`).
pub fn parse(doc: &Value) -> RemoteNodeInfo {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").chars().take(300).collect::<String>();
    let metadata = doc.get("metadata");
    RemoteNodeInfo {
        software: text(doc.get("software").and_then(|s| s.get("name"))).to_ascii_lowercase(),
        version: text(doc.get("software").and_then(|s| s.get("version"))),
        name: text(metadata.and_then(|m| m.get("nodeName").or_else(|| m.get("name")))),
        region: text(metadata.and_then(|m| m.get("region"))),
        description: text(metadata.and_then(|m| m.get("nodeDescription").or_else(|| m.get("description")))),
    }
}

/// Fetches a peer's NodeInfo and stores what it says.
pub async fn refresh(fed: &Federation, domain: &str) -> FederationResult<RemoteNodeInfo> {
    let scheme =
        if fed.ctx.config.federation_allow_private && (domain.starts_with("localhost") || domain.starts_with("127.")) {
            "http"
        } else {
            "https"
        };
    let well_known = Url::parse(&format!("{scheme}://{domain}/.well-known/nodeinfo"))
        .map_err(|e| FederationError::BadDocument(e.to_string()))?;
    let links = fed.http.get_json(&well_known, "application/json", None).await?.json;
    let href = links
        .get("links")
        .and_then(Value::as_array)
        .and_then(|links| {
            // Prefer the newest schema the server offers.
            let mut candidates: Vec<&Value> = links
                .iter()
                .filter(|l| {
                    l.get("rel")
                        .and_then(Value::as_str)
                        .is_some_and(|r| r.contains("nodeinfo.diaspora.software/ns/schema/2"))
                })
                .collect();
            candidates.sort_by_key(|l| l.get("rel").and_then(Value::as_str).map(str::to_owned));
            candidates.last().and_then(|l| l.get("href").and_then(Value::as_str)).map(str::to_owned)
        })
        .ok_or_else(|| FederationError::BadDocument(format!("{domain} has no NodeInfo 2.x link")))?;
    let url = Url::parse(&href).map_err(|e| FederationError::BadDocument(e.to_string()))?;
    let info = parse(&fed.http.get_json(&url, "application/json", None).await?.json);
    instances::save_nodeinfo(fed, domain, &info).await?;
    Ok(info)
}
