//! Time as the database stores it: milliseconds since the Unix epoch, in UTC.
//!
//! Both engines store it as BIGINT, which keeps one schema and sorts correctly.

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The current time in milliseconds.
pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// A stored time as a `DateTime`, for display and serialisation.
pub fn to_datetime(ms: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// RFC 3339 text of a stored time (what the API and ActivityPub send).
pub fn to_rfc3339(ms: Millis) -> String {
    to_datetime(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub const MINUTE_MS: Millis = 60_000;
pub const HOUR_MS: Millis = 60 * MINUTE_MS;
pub const DAY_MS: Millis = 24 * HOUR_MS;
