//! Outgoing HTTP for federation: timeouts, size and redirect limits, and the address policy.
//!
//! In production we refuse to contact private, loopback and link-local addresses (a remote
//! actor must not make us probe the hub's own network) and plain http; tests and local
//! development allow both with `federation_allow_private`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use maillage_core::Config;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{FederationError, FederationResult};
use crate::signatures::{self, SigningKey};

/// Largest document we read from another server.
pub const MAX_FETCH_BYTES: usize = 1024 * 1024;
/// Redirects we follow for one fetch.
pub const MAX_REDIRECTS: usize = 3;
/// Time for a whole request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Accept header of our fetches: ActivityStreams first, JSON-LD with the profile, then JSON.
pub const ACCEPT_ACTIVITY: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\";q=0.9, application/json;q=0.5";

/// Whether an address is one we must not reach from federation in production.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 0 // "this network"
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // CGNAT
                || v4.octets()[0] == 198 && (18..20).contains(&v4.octets()[1]) // benchmarking
                || v4.octets()[0] >= 224 // multicast and reserved
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.segments()[0] == 0x2002 // 6to4 embeds any IPv4 address
                || v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] // NAT64 embeds any IPv4 address
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
                || v6.segments()[..6] == [0; 6] // IPv4-compatible (deprecated)
        }
    }
}

/// Resolves names and drops private addresses, so the connection uses only the addresses checked.
#[derive(Debug, Clone)]
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| !is_private(a.ip())).collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves only to private addresses").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client every federation request goes through.
#[derive(Clone)]
pub struct FederationClient {
    client: reqwest::Client,
    allow_private: bool,
}

/// A fetched JSON document and the URL it was finally read from.
#[derive(Debug)]
pub struct Fetched {
    pub url: Url,
    pub json: serde_json::Value,
}

impl FederationClient {
    pub fn new(config: &Config) -> FederationClient {
        crate::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(format!("Maillage/{} (+{})", env!("CARGO_PKG_VERSION"), config.public_url))
            // A proxy from the environment would resolve names itself and bypass the address policy.
            .no_proxy();
        if !config.federation_allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        FederationClient {
            client: builder.build().expect("HTTP client builds"),
            allow_private: config.federation_allow_private,
        }
    }

    /// Refuses URLs we must not contact: other schemes, plain http and literal private
    /// addresses in production. (Names are checked by the resolver at connection time.)
    pub fn check_url(&self, url: &Url) -> FederationResult<()> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            other => return Err(FederationError::Fetch(format!("scheme {other} refused for {url}"))),
        }
        let host = url.host().ok_or_else(|| FederationError::Fetch(format!("{url} has no host")))?;
        if !self.allow_private {
            let literal = match host {
                url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
                url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
                url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
                    return Err(FederationError::Fetch(format!("{url} is a local address")));
                }
                url::Host::Domain(_) => None,
            };
            if literal.is_some_and(is_private) {
                return Err(FederationError::Fetch(format!("{url} is a private address")));
            }
        }
        Ok(())
    }

    /// GETs a JSON document (ActivityStreams, WebFinger, NodeInfo), following a few redirects,
    /// reading at most `MAX_FETCH_BYTES`, signed by `signer` when given (for servers in
    /// "authorized fetch" mode).
    pub async fn get_json(&self, url: &Url, accept: &str, signer: Option<&SigningKey>) -> FederationResult<Fetched> {
        let mut current = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&current)?;
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_str(accept).map_err(|e| FederationError::Fetch(e.to_string()))?);
            if let Some(key) = signer {
                signatures::sign_request(&Method::GET, &current, &mut headers, None, key)?;
            }
            let response = self
                .client
                .get(current.clone())
                .headers(headers)
                .send()
                .await
                .map_err(|e| FederationError::Fetch(format!("{current}: {e}")))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FederationError::Fetch(format!("{current}: redirect without Location")))?;
                current = current
                    .join(location)
                    .map_err(|e| FederationError::Fetch(format!("{current}: bad redirect: {e}")))?;
                continue;
            }
            if status == StatusCode::GONE {
                return Err(FederationError::Gone(current.to_string()));
            }
            if status == StatusCode::NOT_FOUND {
                return Err(FederationError::NotFound);
            }
            if !status.is_success() {
                return Err(FederationError::Fetch(format!("{current}: HTTP {status}")));
            }
            let content_type =
                response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
            if !content_type.contains("json") {
                return Err(FederationError::Fetch(format!("{current}: not JSON ({content_type})")));
            }
            let body = read_limited(response, MAX_FETCH_BYTES).await?;
            let json = crate::protocol::parse_json(&body)?;
            return Ok(Fetched { url: current, json });
        }
        Err(FederationError::Fetch(format!("{url}: more than {MAX_REDIRECTS} redirects")))
    }

    /// POSTs a signed activity to an inbox. Returns the status; network failures are errors.
    pub async fn post_activity(&self, inbox: &Url, body: &[u8], key: &SigningKey) -> FederationResult<StatusCode> {
        self.check_url(inbox)?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(crate::ACTIVITY_JSON));
        signatures::sign_request(&Method::POST, inbox, &mut headers, Some(body), key)?;
        let response = self
            .client
            .post(inbox.clone())
            .headers(headers)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| FederationError::Fetch(format!("{inbox}: {e}")))?;
        Ok(response.status())
    }
}

async fn read_limited(response: reqwest::Response, limit: usize) -> FederationResult<Vec<u8>> {
    if response.content_length().is_some_and(|n| n as usize > limit) {
        return Err(FederationError::TooLarge);
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| FederationError::Fetch(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(FederationError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "198.18.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "::10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "2001:4860:4860::8888", "185.1.2.3"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn production_refuses_private_and_plain_http() {
        let client = FederationClient::new(&Config::default());
        for refused in [
            "http://example.org/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.0.0.2/inbox",
            "https://localhost/x",
            "ftp://example.org/x",
        ] {
            assert!(client.check_url(&Url::parse(refused).unwrap()).is_err(), "{refused}");
        }
        assert!(client.check_url(&Url::parse("https://mastodon.example/inbox").unwrap()).is_ok());
        let dev = FederationClient::new(&Config { federation_allow_private: true, ..Config::default() });
        assert!(dev.check_url(&Url::parse("http://127.0.0.1:8080/inbox").unwrap()).is_ok());
    }

    #[tokio::test]
    async fn https_fetches_are_attempted_with_tls() {
        // No network here: the point is that an https URL gets as far as connecting (TLS is
        // compiled in), instead of failing with "scheme is not http".
        let client = FederationClient::new(&Config { federation_allow_private: true, ..Config::default() });
        let err = client
            .get_json(&Url::parse("https://127.0.0.1:9/actor").unwrap(), ACCEPT_ACTIVITY, None)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("scheme"), "{text}");
        assert!(text.contains("127.0.0.1:9"), "{text}");
    }
}
