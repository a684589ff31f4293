//! Maillage federation: how a hub speaks ActivityPub.
//!
//! Actors and their keys, WebFinger and NodeInfo documents, HTTP signatures (draft-cavage, as
//! Mastodon signs and verifies them), the inbox journal and its worker, and the persistent
//! delivery queue. `activitypub_federation` gives us key generation and vocabulary; signing,
//! verification, fetching and the queue are ours because its versions of them keep the queue
//! in memory, cannot verify signed GETs, and decide HTTP statuses we must choose ourselves
//! (see docs/federation.md).

pub mod activities;
pub mod actors;
pub mod delivery;
pub mod error;
pub mod events;
pub mod forum;
pub mod http;
pub mod inbox;
pub mod inspect;
pub mod instances;
pub mod nodeinfo;
pub mod objects;
pub mod protocol;
pub mod resources;
pub mod signatures;
pub mod webfinger;

use std::sync::Arc;

use maillage_core::Context;

pub use error::{FederationError, FederationResult};

/// Content type of ActivityStreams documents we send.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// The federation side of a hub: its context, an HTTP client that respects the address policy,
/// and a wake-up signal for the workers.
#[derive(Clone)]
pub struct Federation {
    pub ctx: Context,
    pub http: http::FederationClient,
    pub keys: Arc<signatures::KeyCache>,
    pub wake_delivery: Arc<tokio::sync::Notify>,
    pub wake_inbox: Arc<tokio::sync::Notify>,
    /// Woken when a new server is seen, so its NodeInfo is read soon.
    pub wake_housekeeping: Arc<tokio::sync::Notify>,
}

impl Federation {
    pub fn new(ctx: Context) -> Federation {
        let http = http::FederationClient::new(&ctx.config);
        Federation {
            ctx,
            http,
            keys: Arc::new(signatures::KeyCache::default()),
            wake_delivery: Arc::new(tokio::sync::Notify::new()),
            wake_inbox: Arc::new(tokio::sync::Notify::new()),
            wake_housekeeping: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// `https://hub.example` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.ctx.config.url_for(path)
    }

    /// This hub's host (and port when not the default): what `acct:` handles end with.
    pub fn domain(&self) -> String {
        self.ctx.config.domain()
    }
}

/// Installs the TLS crypto provider once per process (reqwest is built without a default one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
