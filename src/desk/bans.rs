//! Visitor IP bans (seed 000): an operator with the IP permission bans the address of a
//! conversation's visitor, for good or until a time. A banned address cannot start new
//! sessions on the site (403 `ip_banned`). Bans are stored as `ban:{site}:{ip}` with the
//! end time in the value (the node clock decides; the store TTL only cleans up).
//! The address of a trusted reverse proxy is never banned (`ip_not_bannable`), and neither
//! is a loopback address (`ip_loopback`): behind a proxy on the same machine that
//! `server.trusted_proxies` does not name, every visitor has it.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use staffetta_handoff::ConversationId;

use super::commands::Refusal;
use super::visitor_side;
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::RecordWrite;

/// Longest ban with an expiry: ten years (longer means "for good").
const MAX_EXPIRES_S: u64 = 10 * 365 * 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Ban {
    until_ms: Option<i64>,
}

fn key(site: &str, ip: &IpAddr) -> String {
    format!("ban:{site}:{ip}")
}

/// Bans the IP of a conversation's visitor; returns when the ban ends (ms), `None` = never.
pub async fn ban_conversation(
    state: &AppState,
    site: &str,
    conversation: &ConversationId,
    expires_s: Option<u64>,
) -> Result<Option<i64>, Refusal> {
    if expires_s.is_some_and(|s| s == 0 || s > MAX_EXPIRES_S) {
        return Err(Refusal::new(
            "bad_command",
            format!("`expires_s` must be 1 to {MAX_EXPIRES_S}, or left out."),
        ));
    }
    let link = visitor_side::link(state, conversation.as_str())
        .await?
        .ok_or_else(|| Refusal::new("unknown_conversation", "No such conversation."))?;
    let (record, _) = crate::visitor::conversation::load(state, &link.session_id).await?;
    if record.site != site {
        return Err(
            Refusal::new("unknown_conversation", "No such conversation.").naming(Some(
                super::audit::Unseen::OtherSitesConversation(record.site),
            )),
        );
    }
    let ip: IpAddr = record
        .metadata
        .get("ip")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Refusal::new("ip_unknown", "The visitor's address is not known."))?;
    // A visitor who shows up with the address of one of our own reverse proxies came
    // through it without `X-Forwarded-For`: banning it would ban everyone behind it.
    if crate::config::any_contains(&state.settings.server.trusted_proxies, ip) {
        return Err(Refusal::new(
            "ip_not_bannable",
            "The visitor's address is one of this server's trusted proxies; \
             banning it would ban every visitor behind it.",
        ));
    }
    // Loopback is this machine: a visitor has it when a reverse proxy on this machine
    // forwards them and `server.trusted_proxies` does not name it (or when someone on the
    // machine itself chats). Banning it would ban every visitor behind that proxy, and
    // banning the machine itself is never useful, so it is refused whatever the settings.
    if ip.to_canonical().is_loopback() {
        return Err(Refusal::new(
            "ip_loopback",
            "The visitor's address is this server's own loopback address, which every \
             visitor behind a reverse proxy on this machine shares; banning it would \
             ban them all. List the proxy in `server.trusted_proxies` (for example \
             \"127.0.0.1/32\") so that visitors get their own addresses.",
        ));
    }
    let now_ms = state.clock.now_ms();
    let until_ms = expires_s
        .map(|s| now_ms.saturating_add(i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000)));
    let value = Bytes::from(serde_json::to_vec(&Ban { until_ms }).unwrap_or_default());
    // The latest ban wins; a concurrent one only makes this write retry.
    let mut written = false;
    for _ in 0..8 {
        let current = state
            .store
            .get(&key(site, &ip))
            .await
            .map_err(ApiError::from)?;
        let write = RecordWrite {
            key: key(site, &ip),
            expected_version: current.map(|c| c.version),
            value: value.clone(),
            ttl: expires_s.map(Duration::from_secs),
        };
        if let crate::store::CasOutcome::Written { .. } =
            state.store.put(write).await.map_err(ApiError::from)?
        {
            written = true;
            break;
        }
    }
    if !written {
        return Err(Refusal::new("busy", "The ban list is busy; try again."));
    }
    tracing::info!(site, "an operator banned a visitor address");
    Ok(until_ms)
}

/// Whether `ip` is an address no ban may hit: a trusted proxy's or loopback (see
/// [`ban_conversation`]).
fn is_shared_address(state: &AppState, ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
        || crate::config::any_contains(&state.settings.server.trusted_proxies, ip)
}

/// Refuses a banned address with 403 `ip_banned`. An address no ban may hit is let through
/// even when a ban of it is stored (written before such bans were refused, or before the
/// proxy was listed in `server.trusted_proxies`): there is no unban, and it would refuse
/// every visitor behind that proxy for as long as it lasts.
pub async fn check(state: &AppState, site: &str, ip: &IpAddr) -> Result<(), ApiError> {
    if is_shared_address(state, *ip) {
        return Ok(());
    }
    let Some(found) = state.store.get(&key(site, ip)).await? else {
        return Ok(());
    };
    let ban: Ban = serde_json::from_slice(&found.value).unwrap_or(Ban { until_ms: None });
    if ban
        .until_ms
        .is_some_and(|until| until <= state.clock.now_ms())
    {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "ip_banned",
        "This address may not start conversations on this site.",
    ))
}
