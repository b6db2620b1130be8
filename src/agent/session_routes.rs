//! `POST /api/v1/agent/login`, `/refresh` and `/logout` (see docs/agent-api.md).
//!
//! The refresh token travels only in the `staffetta_refresh` cookie (HttpOnly, Secure,
//! SameSite=Strict, Path=/api/v1/agent). Refresh and logout also require the header
//! `X-Staffetta-CSRF: 1`, when the browser sends an `Origin`, the server's own origin, and
//! when it sends `Sec-Fetch-Site`, `same-origin`. A refresh without any refresh cookie
//! answers 200 `{"signed_in": false}` (the console's probe on load), one with a cookie that
//! is not valid 401 `invalid_refresh`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use staffetta_handoff::login_guard::LoginGate;
use staffetta_handoff::operator::{Login, Operator, Role};

use super::tokens::{self, AgentClaims, RefreshGrant};
use super::{login_guard, operators};
use crate::app::AppState;
use crate::error::{ApiError, ApiJson};

/// Name of the refresh cookie.
pub const REFRESH_COOKIE: &str = "staffetta_refresh";

/// The session routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agent/login", post(login))
        .route("/api/v1/agent/refresh", post(refresh))
        .route("/api/v1/agent/logout", post(logout))
}

#[derive(Debug, Deserialize)]
struct LoginBody {
    site_id: String,
    login: String,
    password: String,
}

/// The operator as the console sees it.
#[derive(Debug, Serialize)]
pub struct AgentView {
    id: String,
    login: String,
    display_name: String,
    role: Role,
    can_see_ip: bool,
}

impl From<&Operator> for AgentView {
    fn from(operator: &Operator) -> Self {
        Self {
            id: operator.id.as_str().to_owned(),
            login: operator.login.as_str().to_owned(),
            display_name: operator.display_name.as_str().to_owned(),
            role: operator.role,
            can_see_ip: operator.can_see_ip,
        }
    }
}

#[derive(Debug, Serialize)]
struct SessionBody {
    access_token: String,
    expires_in: u32,
    agent: AgentView,
}

fn now(state: &AppState) -> Timestamp {
    Timestamp::from_millisecond(state.clock.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Site, login or password is wrong.",
    )
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let ip = state.metadata.client_ip(&headers, peer);
    state
        .rate_limiter
        .check_new_session(state.store.as_ref(), crate::limits::ClientKey::of(ip))
        .await?;
    let store = state.store.as_ref();
    let policy = state.settings.agent.login_failures.policy();
    let now = now(&state);
    let login_key = body.login.to_ascii_lowercase();
    if let LoginGate::Blocked { scope, until } =
        login_guard::gate(store, &policy, now, ip, &body.site_id, &login_key).await?
    {
        return Err(login_guard::blocked(scope, now, until));
    }
    let found = match Login::parse(&body.login) {
        Ok(login) if state.settings.site(&body.site_id).is_some() => {
            operators::get(store, &body.site_id, &login)
                .await
                .map_err(|e| ApiError::internal(&e))?
        }
        _ => None,
    };
    // An unknown site or login costs the same hash check as a wrong password, so the
    // answer's latency does not tell which logins exist.
    let hash = match &found {
        Some((operator, _)) => operator.password_hash.clone(),
        None => operators::stand_in_hash(state.settings.agent.password_hashing.policy())
            .await
            .map_err(|e| ApiError::internal(&e))?,
    };
    let matches = operators::password_matches(body.password, hash).await;
    let verified = found.map(|(operator, _)| operator).filter(|_| matches);
    let Some(operator) = verified else {
        let blocked =
            login_guard::record_failure(store, &policy, now, ip, &body.site_id, &login_key).await?;
        tracing::info!(site = ?for_log(&body.site_id), %ip, "agent login failed");
        audit_new_blocks(&body.site_id, &login_key, ip, blocked, now);
        return Err(invalid_credentials());
    };
    login_guard::record_success(store, &policy, now, &body.site_id, operator.login.as_str())
        .await?;
    tracing::info!(site = %body.site_id, agent = %operator.id.as_str(), "agent logged in");
    session_response(&state, &operator, tokens::new_family()).await
}

/// The longest site id or login an audit line quotes (both are whatever the client sent).
const AUDIT_CHARS: usize = 64;

/// What a log line may show of a client-sent site id or login: at most [`AUDIT_CHARS`]
/// characters, to be written Debug-quoted (`?`) so that no control character reaches the log.
fn for_log(sent: &str) -> String {
    sent.chars().take(AUDIT_CHARS).collect()
}

/// Warn-level audit lines for the blocks a failed login started at `now`: the site and the
/// login as sent (the login lowercased; both cut at [`AUDIT_CHARS`] and Debug-quoted, so no
/// control character reaches the log), the client IP and how long the block lasts (blocks
/// that follow one another grow). Never the password.
fn audit_new_blocks(
    site: &str,
    login: &str,
    ip: IpAddr,
    blocked: login_guard::NewBlocks,
    now: Timestamp,
) {
    let site = for_log(site);
    let login = for_log(login);
    let block_s = |until: Timestamp| until.as_second().saturating_sub(now.as_second());
    if let Some(until) = blocked.account {
        let block_s = block_s(until);
        tracing::warn!(
            audit = "agent_account_locked",
            site = ?site,
            login = ?login,
            %ip,
            block_s,
            %until,
            "agent account locked after too many failed logins"
        );
    }
    if let Some(until) = blocked.ip {
        let block_s = block_s(until);
        tracing::warn!(
            audit = "agent_login_ip_blocked",
            site = ?site,
            login = ?login,
            %ip,
            block_s,
            %until,
            "client address blocked after too many failed agent logins"
        );
    }
}

/// How long refresh tokens (and the records of used ones) live.
fn refresh_ttl(state: &AppState) -> Duration {
    Duration::from_secs(u64::from(state.settings.agent.refresh_token_ttl_s.max(60)))
}

/// A new access token and a new refresh token of `family` (one family per login).
async fn session_response(
    state: &AppState,
    operator: &Operator,
    family: String,
) -> Result<Response, ApiError> {
    let settings = &state.settings.agent;
    let password_version = tokens::password_version(&operator.password_hash);
    let claims = AgentClaims {
        sub: operator.id.as_str().to_owned(),
        site: operator.site.as_str().to_owned(),
        login: operator.login.as_str().to_owned(),
        exp: tokens::expiry(&state.clock, settings.access_token_ttl_s),
        fam: family.clone(),
        pwv: password_version.clone(),
    };
    let grant = RefreshGrant {
        site: claims.site.clone(),
        login: claims.login.clone(),
        family,
        pwv: password_version,
    };
    let ttl = refresh_ttl(state);
    let refresh = tokens::issue_refresh(state.store.as_ref(), &grant, ttl).await?;
    let body = SessionBody {
        access_token: state.agents.keys.issue(&claims),
        expires_in: settings.access_token_ttl_s,
        agent: AgentView::from(operator),
    };
    let cookie = format!(
        "{REFRESH_COOKIE}={refresh}; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/agent; Max-Age={}",
        ttl.as_secs()
    );
    let mut response = axum::Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Refuses cross-site calls: the custom header cannot be sent cross-origin without a CORS
/// preflight (which this server never grants), and a present `Origin` must be our own host.
fn check_csrf(headers: &HeaderMap) -> Result<(), ApiError> {
    let forbidden = || ApiError::new(StatusCode::FORBIDDEN, "csrf", "Cross-site request refused.");
    // Fetch metadata: a browser says where the request comes from; the console is served
    // from this origin, so only `same-origin` (or `none`, typed by the user) passes.
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.to_str(), Ok("same-origin" | "none"))
    {
        return Err(forbidden());
    }
    if headers
        .get("x-staffetta-csrf")
        .and_then(|v| v.to_str().ok())
        != Some("1")
    {
        return Err(forbidden());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = url::Url::parse(origin).ok().and_then(|u| {
            u.host_str().map(|h| {
                u.port()
                    .map_or_else(|| h.to_owned(), |p| format!("{h}:{p}"))
            })
        });
        if origin_host.is_none() || origin_host.as_deref() != host {
            return Err(forbidden());
        }
    }
    Ok(())
}

/// The refresh token of the request's cookie header.
pub fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Whether any `Cookie` header names the refresh cookie, whatever its value (read as bytes,
/// so a malformed one still counts and gets `invalid_refresh`).
fn names_refresh_cookie(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().any(|value| {
        value.as_bytes().split(|byte| *byte == b';').any(|pair| {
            let name = pair.split(|byte| *byte == b'=').next().unwrap_or_default();
            name.trim_ascii() == REFRESH_COOKIE.as_bytes()
        })
    })
}

/// The answer of a refresh without any refresh cookie: 200 `{"signed_in": false}`. The
/// console asks on every load whether a session can be resumed, and "no" is an answer, not
/// an error (a 401 would be logged in the browser's console on every visit of the login
/// page).
fn signed_out() -> Response {
    let mut response = axum::Json(serde_json::json!({ "signed_in": false })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_csrf(&headers)?;
    if !names_refresh_cookie(&headers) {
        return Ok(signed_out());
    }
    let invalid = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_refresh", "Log in again.");
    let token = refresh_cookie(&headers).ok_or_else(invalid)?;
    let rotated = tokens::rotate_refresh(
        state.store.as_ref(),
        &token,
        state.clock.now_ms(),
        refresh_ttl(&state),
    )
    .await?;
    let grant = match rotated {
        Ok(grant) => grant,
        Err(refusal) => {
            if refusal == tokens::RefreshRefusal::Reused {
                tracing::warn!("a rotated refresh token was used again: its family is revoked");
            }
            return Err(invalid());
        }
    };
    let login = Login::parse(&grant.login).map_err(|_| invalid())?;
    let (operator, _) = operators::get(state.store.as_ref(), &grant.site, &login)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(invalid)?;
    // A password set after this login ends it, in every tab.
    if !grant.pwv.is_empty() && grant.pwv != tokens::password_version(&operator.password_hash) {
        tokens::revoke_family(state.store.as_ref(), &grant.family, refresh_ttl(&state)).await?;
        return Err(invalid());
    }
    // Tokens from before families get one now.
    let family = if grant.family.is_empty() {
        tokens::new_family()
    } else {
        grant.family
    };
    session_response(&state, &operator, family).await
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_csrf(&headers)?;
    if let Some(token) = refresh_cookie(&headers) {
        let grant = tokens::peek_refresh(state.store.as_ref(), &token).await?;
        if let Some(grant) = grant {
            // Leaves the desk first: refused (409) while the agent still has conversations,
            // and then the session stays valid so the console can end them.
            crate::desk::agent_ws::leave_desk(&state, &grant.site, &grant.login).await?;
            // Every token of this login goes, including one another tab may hold; its
            // access tokens are refused from now on and its open console sockets close.
            tokens::revoke_family(state.store.as_ref(), &grant.family, refresh_ttl(&state)).await?;
            crate::desk::agent_ws::end_sessions(&state, &grant.site, &grant.login).await;
        }
        tokens::consume_refresh(state.store.as_ref(), &token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "staffetta_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/agent; Max-Age=0",
        ),
    );
    Ok(response)
}
