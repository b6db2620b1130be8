//! [`AdminAuth`]: the admin API's check of `Authorization: Bearer <admin token>`, with a
//! limit on guesses.
//!
//! A refused bearer token counts as one failure of the client address (behind
//! `server.trusted_proxies`, as everywhere) in the same counter, with the same policy
//! (`[agent.login_failures]`: `max_failures_per_ip`, `window_s`, growing blocks up to
//! `max_block_s`) as failed agent logins (`crate::agent::login_guard`): one address has one
//! budget of failed credentials. While the address is blocked every admin request from it
//! gets the agent login's answer, 429 `ip_blocked` with `Retry-After`, the right token too
//! (otherwise guessing would go on). Each refused token writes one WARN line with target `audit`
//! (`audit="admin_token_refused"`: the address, the method and the route template; never
//! the token). Only a `Bearer` token is counted: a missing header or another scheme can never
//! succeed, so it is refused (401) without costing the address anything.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use staffetta_handoff::login_guard::BlockScope;

use crate::agent::login_guard;
use crate::app::AppState;
use crate::error::ApiError;

/// Proof that the request carries the configured admin token.
///
/// Rejections: 403 `admin_disabled` when no token is configured; 429 `ip_blocked`
/// with `Retry-After` while the client address is blocked after too many refused tokens (or
/// failed agent logins); 401 `unauthorized` with `WWW-Authenticate: Bearer` when the
/// `Authorization: Bearer <token>` header is missing, malformed or wrong; 503 when the store
/// cannot count. The comparison runs in constant time.
#[derive(Clone, Copy, Debug)]
pub struct AdminAuth;

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let configured = &state.settings.admin.token;
        if configured.is_empty() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_disabled",
                "The admin API is disabled: set `admin.token` to enable it.",
            )
            .into_response());
        }
        check_bearer(parts, state, configured, "admin_token_refused").await?;
        Ok(AdminAuth)
    }
}

/// Checks `Authorization: Bearer <token>` against `configured` (not empty) with the admin
/// API's policy: the address's block first (429 `ip_blocked`), then the token in constant
/// time; a wrong one counts as a failure of the address and writes the audit line `audit`
/// (e.g. `admin_token_refused`); a missing one is 401 without cost.
pub(crate) async fn check_bearer(
    parts: &Parts,
    state: &AppState,
    configured: &crate::secret::Secret,
    audit: &'static str,
) -> Result<(), Response> {
    let ip = client_ip(parts, state);
    let store = state.store.as_ref();
    let policy = state.settings.agent.login_failures.policy();
    let now = Timestamp::from_millisecond(state.clock.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH);
    let blocked = login_guard::gate_ip(store, &policy, now, ip)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    if let Some(until) = blocked {
        return Err(login_guard::blocked(BlockScope::Ip, now, until).into_response());
    }
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token);
    match presented {
        Some(token) if configured.matches(token) => Ok(()),
        Some(_) => {
            let new_block = login_guard::record_ip_failure(store, &policy, now, ip)
                .await
                .map_err(|e| ApiError::from(e).into_response())?;
            audit_refused(parts, ip, new_block, now, audit);
            Err(unauthorized())
        }
        None => Err(unauthorized()),
    }
}

/// The client address of the request, as the agent login sees it. A request without the
/// peer address (only a router driven in-process, never a served one) counts as `0.0.0.0`.
fn client_ip(parts: &Parts, state: &AppState) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| {
            state.metadata.client_ip(&parts.headers, *peer)
        })
}

/// The audit line of one refused admin token: the address, the method and the route template
/// (not the path: it may name a visitor), and the block this failure started, if any.
fn audit_refused(
    parts: &Parts,
    ip: IpAddr,
    new_block: Option<Timestamp>,
    now: Timestamp,
    audit: &'static str,
) {
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or("?", MatchedPath::as_str);
    let block_s = new_block.map(|until| until.as_second().saturating_sub(now.as_second()));
    tracing::warn!(
        target: "audit",
        audit,
        %ip,
        method = %parts.method,
        route,
        block_s,
        "a wrong token was refused"
    );
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn unauthorized() -> Response {
    let mut response = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Send the token as `Authorization: Bearer <token>`.",
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"staffetta-admin\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_reads_the_scheme_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
