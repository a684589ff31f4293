//! Reading ActivityStreams as peers really send it: one value or an array, a link or an
//! embedded object, `as:Public` or the full URI, no `@context` at all (Lemmy).

use serde_json::Value;

use crate::error::{FederationError, FederationResult};

/// The public collection, in the three spellings peers use.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Deepest JSON nesting we accept (a reply chain is fetched, not nested).
pub const MAX_DEPTH: usize = 32;

/// Parses JSON, refusing documents nested deeper than `MAX_DEPTH` before serde recurses.
pub fn parse_json(body: &[u8]) -> FederationResult<Value> {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if max > MAX_DEPTH {
            return Err(FederationError::BadDocument(format!("JSON nested deeper than {MAX_DEPTH} levels")));
        }
    }
    serde_json::from_slice(body).map_err(|e| FederationError::BadDocument(format!("invalid JSON: {e}")))
}

/// The `type` of a document; when it is an array (`["Note", "schema:Thing"]`), the first
/// ActivityStreams-looking entry.
pub fn type_of(value: &Value) -> Option<&str> {
    match value.get("type")? {
        Value::String(s) => Some(s.as_str()),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .find(|s| !s.contains(':'))
            .or_else(|| items.iter().find_map(Value::as_str)),
        _ => None,
    }
}

/// The id of a link or an embedded object: `"https://…"` or `{"id": "https://…"}` (or `href`).
pub fn id_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_str()),
        Value::Object(map) => map.get("id").or_else(|| map.get("href")).and_then(Value::as_str),
        Value::Array(items) => items.first().and_then(id_of),
        _ => None,
    }
}

/// Every id in a field that may hold one value or many.
pub fn ids_of(value: Option<&Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(id_of).map(str::to_owned).collect(),
        Some(other) => id_of(other).map(|s| vec![s.to_owned()]).unwrap_or_default(),
    }
}

/// Whether an id means "public".
pub fn is_public(id: &str) -> bool {
    matches!(id, PUBLIC | "as:Public" | "Public")
}

/// Whether a document is addressed to the public: Public in `to` or `cc`; or no `to` nor `cc`
/// at all but an `audience` (Discourse served its public Notes so until May 2024).
pub fn addressed_publicly(value: &Value) -> bool {
    if ["to", "cc"].iter().any(|f| ids_of(value.get(*f)).iter().any(|id| is_public(id))) {
        return true;
    }
    value.get("to").is_none() && value.get("cc").is_none() && value.get("audience").is_some_and(|a| !a.is_null())
}

/// The actor of an activity: a link, an embedded actor, or the first of an array.
pub fn actor_of(activity: &Value) -> Option<&str> {
    activity.get("actor").and_then(id_of).or_else(|| activity.get("attributedTo").and_then(id_of))
}

/// The host (and port) of a URL, for comparing origins.
pub fn origin_of(id: &str) -> Option<String> {
    let url = url::Url::parse(id).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// A JSON-LD `@context` for what we send: ActivityStreams, security keys, and the few
/// extension terms we use.
pub fn context() -> Value {
    serde_json::json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag"
        }
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_shapes() {
        assert_eq!(type_of(&json!({"type": ["Note", "schema:Thing"]})), Some("Note"));
        assert_eq!(id_of(&json!({"id": "https://a/x", "type": "Person"})), Some("https://a/x"));
        assert_eq!(ids_of(Some(&json!("as:Public"))), ["as:Public"]);
        assert!(addressed_publicly(&json!({"cc": "as:Public"})));
        assert!(!addressed_publicly(&json!({"to": ["https://a/u/b"]})));
        assert_eq!(actor_of(&json!({"actor": [{"id": "https://a/u/b"}]})), Some("https://a/u/b"));
        assert_eq!(origin_of("https://Hub.Example:8443/u/x"), Some("hub.example:8443".into()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_json(deep.as_bytes()).is_err());
        assert!(
            parse_json(br#"{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#).is_ok(),
            "brackets in strings do not count"
        );
        assert!(parse_json(b"{broken").is_err());
    }
}
