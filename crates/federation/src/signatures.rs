//! HTTP signatures as Mastodon signs and verifies them (draft-cavage-http-signatures-12,
//! `rsa-sha256`/`hs2019` over `(request-target) host date digest`), with a `Digest: SHA-256=`
//! of the body. RFC 9421 signatures are recognised and refused with 401, so that peers that
//! try them first (Fedify) fall back to draft-cavage.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{FederationError, FederationResult};

/// How far a signed `Date` may be from our clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(3600);

/// A private key with the id peers fetch its public half from (`{actor}#main-key`).
#[derive(Clone)]
pub struct SigningKey {
    pub key_id: String,
    pub key: RsaPrivateKey,
}

impl SigningKey {
    pub fn from_pem(key_id: &str, private_key_pem: &str) -> FederationResult<SigningKey> {
        let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem).map_err(|e| {
            FederationError::Core(maillage_core::CoreError::Internal(format!("private key of {key_id}: {e}")))
        })?;
        Ok(SigningKey { key_id: key_id.to_owned(), key })
    }
}

/// Parses a public key in SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`, older
/// Mobilizon) form.
pub fn parse_public_key(pem: &str) -> FederationResult<RsaPublicKey> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| FederationError::Signature(format!("unreadable public key: {e}")))
}

/// Parsed keys by PEM, so verifying many activities from one peer parses its key once.
#[derive(Default)]
pub struct KeyCache {
    public: Mutex<HashMap<String, RsaPublicKey>>,
    private: Mutex<HashMap<String, SigningKey>>,
}

impl KeyCache {
    const MAX_ENTRIES: usize = 10_000;

    pub fn public(&self, pem: &str) -> FederationResult<RsaPublicKey> {
        if let Some(key) = self.public.lock().expect("key cache").get(pem) {
            return Ok(key.clone());
        }
        let key = parse_public_key(pem)?;
        let mut cache = self.public.lock().expect("key cache");
        if cache.len() >= Self::MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(pem.to_owned(), key.clone());
        Ok(key)
    }

    pub fn signing(&self, key_id: &str, private_pem: &str) -> FederationResult<SigningKey> {
        if let Some(key) = self.private.lock().expect("key cache").get(key_id) {
            return Ok(key.clone());
        }
        let key = SigningKey::from_pem(key_id, private_pem)?;
        let mut cache = self.private.lock().expect("key cache");
        if cache.len() >= Self::MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(key_id.to_owned(), key.clone());
        Ok(key)
    }
}

/// `SHA-256=<base64>` of a body.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

fn request_target(method: &Method, url: &Url) -> String {
    let mut target = format!("{} {}", method.as_str().to_ascii_lowercase(), url.path());
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    target
}

/// Adds `Host`, `Date`, `Digest` (with a body) and `Signature` to a request's headers.
pub fn sign_request(
    method: &Method,
    url: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key: &SigningKey,
) -> FederationResult<()> {
    let host = host_of(url);
    let date = httpdate::fmt_http_date(SystemTime::now());
    let mut lines = vec![
        format!("(request-target): {}", request_target(method, url)),
        format!("host: {host}"),
        format!("date: {date}"),
    ];
    let mut names = vec!["(request-target)", "host", "date"];
    let digest = body.map(digest_header);
    if let Some(digest) = &digest {
        lines.push(format!("digest: {digest}"));
        names.push("digest");
    }
    let signature = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.key.clone()).sign(lines.join("\n").as_bytes());
    let header = format!(
        "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        key.key_id,
        names.join(" "),
        STANDARD.encode(signature.to_bytes())
    );
    let value = |text: &str| HeaderValue::from_str(text).map_err(|e| FederationError::Fetch(e.to_string()));
    headers.insert(reqwest::header::HOST, value(&host)?);
    headers.insert(reqwest::header::DATE, value(&date)?);
    if let Some(digest) = digest {
        headers.insert(HeaderName::from_static("digest"), value(&digest)?);
    }
    headers.insert(HeaderName::from_static("signature"), value(&header)?);
    Ok(())
}

/// The parameters of a draft-cavage `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    pub key_id: String,
    pub algorithm: String,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

/// Reads the draft-cavage signature of a request. An RFC 9421 signature (with
/// `Signature-Input`) or none at all is a 401.
pub fn signature_params(headers: &HeaderMap) -> FederationResult<SignatureParams> {
    let Some(raw) = headers.get("signature").and_then(|v| v.to_str().ok()) else {
        return Err(FederationError::Signature("no Signature header".into()));
    };
    if headers.contains_key("signature-input") {
        return Err(FederationError::Signature("RFC 9421 signatures are not supported; sign with draft-cavage".into()));
    }
    let mut fields: HashMap<String, String> = HashMap::new();
    for part in split_params(raw) {
        let Some((name, value)) = part.split_once('=') else { continue };
        let value = value.trim().trim_matches('"');
        fields.insert(name.trim().to_ascii_lowercase(), value.to_owned());
    }
    let key_id = fields.remove("keyid").ok_or_else(|| FederationError::Signature("signature without keyId".into()))?;
    let signature = fields
        .remove("signature")
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| FederationError::Signature("signature is missing or not base64".into()))?;
    let headers_list = fields.remove("headers").unwrap_or_else(|| "date".into());
    Ok(SignatureParams {
        key_id,
        algorithm: fields.remove("algorithm").unwrap_or_default(),
        headers: headers_list.split_whitespace().map(str::to_ascii_lowercase).collect(),
        signature,
        created: fields.get("created").and_then(|v| v.parse().ok()),
        expires: fields.get("expires").and_then(|v| v.parse().ok()),
    })
}

/// Splits `a="x,y",b="z"` on the commas outside quotes.
fn split_params(raw: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in raw.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&raw[start..]);
    parts
}

/// What a verified request proved: the key that signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: String,
}

/// Checks everything about a signature that does not need the key: which headers are signed,
/// the clock, and the body's digest.
pub fn check_request(
    method: &Method,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    params: &SignatureParams,
    now: SystemTime,
) -> FederationResult<()> {
    let signed = |name: &str| params.headers.iter().any(|h| h == name);
    if !signed("(request-target)") {
        return Err(FederationError::Signature("(request-target) is not signed".into()));
    }
    if !signed("host") && method == Method::GET {
        // Mastodon requires it for GET; we require it too, so a signed fetch cannot be replayed elsewhere.
        return Err(FederationError::Signature("host is not signed".into()));
    }
    if signed("date") {
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .ok_or_else(|| FederationError::Signature("Date header missing or unreadable".into()))?;
        let skew = now.duration_since(date).or_else(|e| Ok::<_, FederationError>(e.duration()))?;
        if skew > MAX_CLOCK_SKEW {
            return Err(FederationError::Signature("Date is more than an hour away from our clock".into()));
        }
    } else if signed("(created)") {
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let created = params.created.ok_or_else(|| FederationError::Signature("(created) signed but absent".into()))?;
        if (now_secs - created).unsigned_abs() > MAX_CLOCK_SKEW.as_secs() {
            return Err(FederationError::Signature("created is more than an hour away from our clock".into()));
        }
        if params.expires.is_some_and(|e| e < now_secs) {
            return Err(FederationError::Signature("signature expired".into()));
        }
    } else {
        return Err(FederationError::Signature("neither date nor (created) is signed".into()));
    }
    if let Some(body) = body {
        if !signed("digest") {
            return Err(FederationError::Signature("the body's digest is not signed".into()));
        }
        let sent = headers.get("digest").and_then(|v| v.to_str().ok()).unwrap_or("");
        let expected = STANDARD.encode(Sha256::digest(body));
        let matches = sent.split(',').any(|part| {
            part.trim()
                .split_once('=')
                .is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("sha-256") && value.trim() == expected)
        });
        if !matches {
            return Err(FederationError::Signature("Digest does not match the body".into()));
        }
    }
    Ok(())
}

/// Verifies the signature itself with the signer's public key.
pub fn verify_with_key(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    params: &SignatureParams,
    key: &RsaPublicKey,
) -> FederationResult<()> {
    let mut lines = Vec::with_capacity(params.headers.len());
    for name in &params.headers {
        let value = match name.as_str() {
            "(request-target)" => format!("{} {}", method.as_str().to_ascii_lowercase(), path_and_query),
            "(created)" => params.created.map(|c| c.to_string()).unwrap_or_default(),
            "(expires)" => params.expires.map(|c| c.to_string()).unwrap_or_default(),
            header => {
                let values: Vec<&str> = headers.get_all(header).iter().filter_map(|v| v.to_str().ok()).collect();
                if values.is_empty() {
                    return Err(FederationError::Signature(format!("signed header {header} is absent")));
                }
                values.join(", ")
            }
        };
        lines.push(format!("{name}: {value}"));
    }
    let signature = rsa::pkcs1v15::Signature::try_from(params.signature.as_slice())
        .map_err(|_| FederationError::Signature("malformed signature".into()))?;
    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone())
        .verify(lines.join("\n").as_bytes(), &signature)
        .map_err(|_| FederationError::Signature("signature does not verify".into()))
}

/// Generates an RSA-2048 key pair as (public SPKI PEM, private PKCS#8 PEM).
pub fn generate_keypair() -> FederationResult<(String, String)> {
    let pair = activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|e| FederationError::Core(maillage_core::CoreError::Internal(format!("key generation: {e}"))))?;
    Ok((pair.public_key, pair.private_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (SigningKey, RsaPublicKey) {
        let (public, private) = generate_keypair().unwrap();
        (
            SigningKey::from_pem("https://a.example/u/alice#main-key", &private).unwrap(),
            parse_public_key(&public).unwrap(),
        )
    }

    #[test]
    fn a_signed_post_verifies_and_tampering_does_not() {
        let (signing, public) = key();
        let url = Url::parse("https://b.example/inbox?x=1").unwrap();
        let body = br#"{"type":"Follow"}"#;
        let mut headers = HeaderMap::new();
        sign_request(&Method::POST, &url, &mut headers, Some(body), &signing).unwrap();
        let params = signature_params(&headers).unwrap();
        assert_eq!(params.key_id, "https://a.example/u/alice#main-key");
        assert_eq!(params.headers, ["(request-target)", "host", "date", "digest"]);
        check_request(&Method::POST, &headers, Some(body), &params, SystemTime::now()).unwrap();
        verify_with_key(&Method::POST, "/inbox?x=1", &headers, &params, &public).unwrap();

        // Another body: the digest no longer matches.
        assert!(check_request(&Method::POST, &headers, Some(b"{}"), &params, SystemTime::now()).is_err());
        // Another path: the signature no longer verifies.
        assert!(verify_with_key(&Method::POST, "/u/bob/inbox", &headers, &params, &public).is_err());
        // Another key.
        let (_, other) = key();
        assert!(verify_with_key(&Method::POST, "/inbox?x=1", &headers, &params, &other).is_err());
        // Two hours later.
        let later = SystemTime::now() + Duration::from_secs(7200);
        assert!(check_request(&Method::POST, &headers, Some(body), &params, later).is_err());
    }

    #[test]
    fn rfc9421_and_missing_signatures_are_refused() {
        let mut headers = HeaderMap::new();
        assert!(matches!(signature_params(&headers), Err(FederationError::Signature(_))));
        headers.insert("signature-input", HeaderValue::from_static("sig1=(\"@method\");keyid=\"k\""));
        headers.insert("signature", HeaderValue::from_static("sig1=:AAAA:"));
        let err = signature_params(&headers).unwrap_err();
        assert_eq!(err.status(), 401);
    }

    #[test]
    fn pkcs1_public_keys_are_read() {
        let (_, public) = key();
        use rsa::pkcs1::EncodeRsaPublicKey;
        let pem = public.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        assert_eq!(parse_public_key(&pem).unwrap(), public);
    }
}
