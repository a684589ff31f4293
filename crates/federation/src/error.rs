//! Federation errors, each with the HTTP status an inbox answers with.

use maillage_core::CoreError;

pub type FederationResult<T> = Result<T, FederationError>;

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The request's signature is missing, malformed, expired or wrong (401: peers such as
    /// Fedify then retry with another signature scheme).
    #[error("signature refused: {0}")]
    Signature(String),
    /// The body is larger than we accept (413).
    #[error("body too large")]
    TooLarge,
    /// Unparseable or unacceptable document (400).
    #[error("bad document: {0}")]
    BadDocument(String),
    /// The sender's instance is blocked (403).
    #[error("instance blocked: {0}")]
    Blocked(String),
    /// A URL we refuse to contact (private address, bad scheme) or a fetch that failed.
    #[error("fetch failed: {0}")]
    Fetch(String),
    /// The remote object is gone (HTTP 410 or a Tombstone).
    #[error("gone: {0}")]
    Gone(String),
    #[error("not found")]
    NotFound,
    /// A server sends more unknown keys than we fetch in a minute (429: try later).
    #[error("too many requests from {0}")]
    TooManyRequests(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<sqlx::Error> for FederationError {
    fn from(e: sqlx::Error) -> FederationError {
        FederationError::Core(CoreError::Database(e))
    }
}

impl FederationError {
    /// The status an inbox answers with. Peers retry on 5xx only.
    pub fn status(&self) -> u16 {
        match self {
            FederationError::Signature(_) => 401,
            FederationError::TooLarge => 413,
            FederationError::BadDocument(_) => 400,
            FederationError::Blocked(_) => 403,
            FederationError::NotFound => 404,
            FederationError::TooManyRequests(_) => 429,
            FederationError::Gone(_) => 410,
            // We could not fetch the signer's key: the peer may retry later.
            FederationError::Fetch(_) => 401,
            FederationError::Core(_) => 500,
        }
    }
}
