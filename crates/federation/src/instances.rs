//! Other servers: what software they run (from NodeInfo), our policy toward them, and the
//! health of deliveries to them.

use maillage_core::time::{HOUR_MS, MINUTE_MS, Millis, now_ms};
use serde::Serialize;
use sqlx::FromRow;

use crate::Federation;
use crate::error::FederationResult;

/// After this many failures in a row, deliveries to an instance pause.
pub const PAUSE_AFTER_FAILURES: i64 = 3;

/// One known server.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Instance {
    pub domain: String,
    pub software: String,
    pub version: String,
    pub name: String,
    pub region: String,
    pub description: String,
    /// `normal` or `blocked`.
    pub policy: String,
    pub consecutive_failures: i64,
    pub paused_until: i64,
    pub last_success_at: i64,
    pub last_failure_at: i64,
    pub last_error: String,
    pub first_seen_at: i64,
}

/// Notes that a server exists (first contact).
pub async fn seen(fed: &Federation, domain: &str) -> FederationResult<()> {
    let inserted =
        sqlx::query("INSERT INTO instances (domain, first_seen_at) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING")
            .bind(domain)
            .bind(now_ms())
            .execute(fed.ctx.db.pool())
            .await?
            .rows_affected();
    if inserted == 1 {
        fed.wake_housekeeping.notify_one();
    }
    Ok(())
}

pub async fn get(fed: &Federation, domain: &str) -> FederationResult<Option<Instance>> {
    Ok(sqlx::query_as::<_, Instance>(
        "SELECT domain, software, version, name, region, description, policy, consecutive_failures, paused_until, \
         last_success_at, last_failure_at, last_error, first_seen_at FROM instances WHERE domain = $1",
    )
    .bind(domain)
    .fetch_optional(fed.ctx.db.pool())
    .await?)
}

/// Every known server, hubs and the most active first.
pub async fn list(fed: &Federation) -> FederationResult<Vec<Instance>> {
    Ok(sqlx::query_as::<_, Instance>(
        "SELECT domain, software, version, name, region, description, policy, consecutive_failures, paused_until, \
         last_success_at, last_failure_at, last_error, first_seen_at FROM instances \
         ORDER BY CASE WHEN software = 'maillage' THEN 0 ELSE 1 END, domain",
    )
    .fetch_all(fed.ctx.db.pool())
    .await?)
}

/// Our policy toward a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Federate, unless the hub runs in allowlist-only mode.
    Normal,
    /// Never federate.
    Blocked,
    /// Federate, also in allowlist-only mode.
    Allowed,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Normal => "normal",
            Policy::Blocked => "blocked",
            Policy::Allowed => "allowed",
        }
    }

    pub fn parse(text: &str) -> Option<Policy> {
        match text {
            "normal" => Some(Policy::Normal),
            "blocked" => Some(Policy::Blocked),
            "allowed" => Some(Policy::Allowed),
            _ => None,
        }
    }

    /// Why we refuse to federate with a server under this policy, if we do.
    pub fn refusal(self, allowlist_only: bool) -> Option<&'static str> {
        match self {
            Policy::Blocked => Some("instance blocked"),
            Policy::Normal if allowlist_only => Some("instance not on the allowlist"),
            _ => None,
        }
    }
}

/// Why we refuse everything from and to this server, if we do (block list, or allowlist-only mode).
pub async fn refusal(fed: &Federation, domain: &str) -> FederationResult<Option<&'static str>> {
    let policy = get(fed, domain).await?.and_then(|i| Policy::parse(&i.policy)).unwrap_or(Policy::Normal);
    Ok(policy.refusal(fed.ctx.config.federation_allowlist_only))
}

/// Sets our policy toward a server (admins). `domain` is a host name, with its port if any.
pub async fn set_policy(fed: &Federation, domain: &str, policy: Policy) -> FederationResult<()> {
    let domain = domain.trim().to_ascii_lowercase();
    if domain.is_empty() || domain.contains(['/', ' ', '@']) {
        return Err(crate::FederationError::BadDocument(format!(
            "'{domain}' is not a host name such as mastodon.example"
        )));
    }
    seen(fed, &domain).await?;
    sqlx::query("UPDATE instances SET policy = $1 WHERE domain = $2")
        .bind(policy.as_str())
        .bind(&domain)
        .execute(fed.ctx.db.pool())
        .await?;
    Ok(())
}

/// The server answered: it is healthy again.
pub async fn record_success(fed: &Federation, domain: &str) -> FederationResult<()> {
    seen(fed, domain).await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE instances SET consecutive_failures = 0, paused_until = 0, last_success_at = $1 WHERE domain = $2",
    )
    .bind(now)
    .bind(domain)
    .execute(fed.ctx.db.pool())
    .await?;
    // It answers again: what waited for it (paused or backing off) is due now.
    sqlx::query(
        "UPDATE deliveries SET next_attempt_at = $1 WHERE domain = $2 AND status = 'pending' AND next_attempt_at > $1",
    )
    .bind(now)
    .bind(domain)
    .execute(fed.ctx.db.pool())
    .await?;
    Ok(())
}

/// How long deliveries pause after `failures` failures in a row: 10 minutes, doubling, at most a day.
pub fn pause_for(failures: i64) -> Millis {
    let steps = (failures - PAUSE_AFTER_FAILURES).clamp(0, 8) as u32;
    (10 * MINUTE_MS * 2i64.pow(steps)).min(24 * HOUR_MS)
}

/// The server failed to answer; after a few failures in a row, pause deliveries to it.
pub async fn record_failure(fed: &Federation, domain: &str, error: &str) -> FederationResult<()> {
    seen(fed, domain).await?;
    let now = now_ms();
    let failures: i64 = sqlx::query_scalar(
        "UPDATE instances SET consecutive_failures = CASE WHEN last_failure_at < $4 THEN consecutive_failures + 1 \
           ELSE consecutive_failures END, last_failure_at = $1, last_error = $2 WHERE domain = $3 RETURNING consecutive_failures",
    )
    .bind(now)
    .bind(error.chars().take(300).collect::<String>())
    .bind(domain)
    // Failures within a minute of the previous one are one outage: a burst of queued deliveries
    // to a server that restarts must not pause it for a day.
    .bind(now - MINUTE_MS)
    .fetch_one(fed.ctx.db.pool())
    .await?;
    if failures >= PAUSE_AFTER_FAILURES {
        sqlx::query("UPDATE instances SET paused_until = $1 WHERE domain = $2")
            .bind(now + pause_for(failures))
            .bind(domain)
            .execute(fed.ctx.db.pool())
            .await?;
    }
    Ok(())
}

/// Saves what a server's NodeInfo says about it.
pub async fn save_nodeinfo(
    fed: &Federation,
    domain: &str,
    info: &crate::nodeinfo::RemoteNodeInfo,
) -> FederationResult<()> {
    seen(fed, domain).await?;
    sqlx::query(
        "UPDATE instances SET software = $1, version = $2, name = $3, region = $4, description = $5, nodeinfo_fetched_at = $6 \
         WHERE domain = $7",
    )
    .bind(&info.software)
    .bind(&info.version)
    .bind(&info.name)
    .bind(&info.region)
    .bind(&info.description)
    .bind(now_ms())
    .bind(domain)
    .execute(fed.ctx.db.pool())
    .await?;
    Ok(())
}

/// Servers whose NodeInfo we have not read in a day.
pub async fn stale_nodeinfo(fed: &Federation, limit: i64) -> FederationResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT domain FROM instances WHERE nodeinfo_fetched_at < $1 AND policy <> 'blocked' ORDER BY domain LIMIT $2",
    )
    .bind(now_ms() - 24 * HOUR_MS)
    .bind(limit)
    .fetch_all(fed.ctx.db.pool())
    .await?)
}

/// Reads the NodeInfo of servers not read in a day (a few at a time); a failure is remembered
/// too, so an unreachable server is not asked again before the next day.
pub async fn refresh_stale(fed: &Federation) -> FederationResult<usize> {
    let domains = stale_nodeinfo(fed, 5).await?;
    for domain in &domains {
        if let Err(e) = crate::nodeinfo::refresh(fed, domain).await {
            tracing::debug!(%domain, error = %e, "NodeInfo not read");
            sqlx::query("UPDATE instances SET nodeinfo_fetched_at = $1 WHERE domain = $2")
                .bind(now_ms())
                .bind(domain)
                .execute(fed.ctx.db.pool())
                .await?;
        }
    }
    Ok(domains.len())
}

/// Background upkeep: reads new servers' NodeInfo. Runs until `stop`.
pub async fn run_housekeeping(fed: Federation, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = refresh_stale(&fed).await {
            tracing::warn!(error = %e, "federation housekeeping");
        }
        // Contacts of people registered without an account are kept only for their event.
        if let Err(e) = maillage_events::registrations::erase_old_contacts(&fed.ctx.db).await {
            tracing::warn!(error = %e, "erasing old registration contacts");
        }
        tokio::select! {
            _ = fed.wake_housekeeping.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_are_bounded() {
        assert_eq!(pause_for(3), 10 * MINUTE_MS);
        assert_eq!(pause_for(4), 20 * MINUTE_MS);
        assert_eq!(pause_for(50), 24 * HOUR_MS);
    }
}
