//! [`AgentAuth`]: the operator behind an `Authorization: Bearer <access token>` header, loaded
//! fresh from the store so a removed operator loses access at once. [`AgentSocketAuth`] is the
//! same for the console's websocket upgrade, which also takes the token as the subprotocol
//! `staffetta.agent.token.<token>` (a browser cannot set headers on a websocket). A token in
//! a URL (`?token=`) is refused everywhere, 401 `token_in_query`, as it would end up in
//! access logs, proxies and browser history (catalogue K-05).
//!
//! A token is refused when it is malformed, expired, names an operator that no longer exists
//! (or was removed and created again), was issued before the operator's current password,
//! or belongs to a login (refresh-token family) that was signed out or revoked. The same
//! check runs for HTTP calls, the websocket upgrade and, through [`AgentAuth::recheck`],
//! every command of an open console socket.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use staffetta_handoff::operator::{Login, Operator};

use super::operators::{self, OperatorStoreError};
use super::tokens::{self, AgentClaims, TokenError};
use crate::app::AppState;
use crate::error::ApiError;

/// An authenticated operator.
#[derive(Debug, Clone)]
pub struct AgentAuth {
    /// The operator, as stored now.
    pub operator: Operator,
    /// The login (refresh-token family) the token descends from; empty for older tokens.
    pub family: String,
    /// The password version the token was issued under; empty for older tokens.
    pub password_version: String,
    /// When the access token expires, in milliseconds since the epoch (node clock).
    pub expires_at_ms: i64,
}

impl AgentAuth {
    /// Authenticates a raw access token.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        let claims = state
            .agents
            .keys
            .verify(token, state.clock.now_ms())
            .map_err(|e| match e {
                TokenError::Expired => unauthorized("token_expired", "The access token expired."),
                TokenError::Invalid => {
                    unauthorized("invalid_token", "The access token is invalid.")
                }
            })?;
        let AgentClaims {
            sub,
            site,
            login,
            fam,
            pwv,
            exp,
        } = claims;
        let auth = Self {
            operator: load(state, &site, &login, &sub).await?,
            family: fam,
            password_version: pwv,
            expires_at_ms: exp.saturating_mul(1000),
        };
        auth.check_session(state).await?;
        Ok(auth)
    }

    /// Checks again, against the store as it is now, that this session still stands: the
    /// operator exists with the same id, their password is the one the token was issued
    /// under and the login was not signed out. Returns the operator as stored now.
    /// An open console socket runs it before every command and on its heartbeat.
    pub async fn recheck(&self, state: &AppState) -> Result<Operator, ApiError> {
        let current = Self {
            operator: load(
                state,
                self.operator.site.as_str(),
                self.operator.login.as_str(),
                self.operator.id.as_str(),
            )
            .await?,
            family: self.family.clone(),
            password_version: self.password_version.clone(),
            expires_at_ms: self.expires_at_ms,
        };
        current.check_session(state).await?;
        Ok(current.operator)
    }

    async fn check_session(&self, state: &AppState) -> Result<(), ApiError> {
        let ended = || unauthorized("invalid_token", "This session was ended; log in again.");
        if !self.password_version.is_empty()
            && self.password_version != tokens::password_version(&self.operator.password_hash)
        {
            return Err(ended());
        }
        if tokens::family_revoked(state.store.as_ref(), &self.family).await? {
            return Err(ended());
        }
        Ok(())
    }
}

/// The operator `site`/`login`, if it still exists with the id `sub`.
async fn load(state: &AppState, site: &str, login: &str, sub: &str) -> Result<Operator, ApiError> {
    let gone = || unauthorized("invalid_token", "The operator no longer exists.");
    let login = Login::parse(login).map_err(|_| gone())?;
    let (operator, _) = operators::get(state.store.as_ref(), site, &login)
        .await
        .map_err(|e| match e {
            // A store that cannot answer now is a 503 to retry, not a broken server.
            OperatorStoreError::Store(store) => ApiError::from(store),
            other => ApiError::internal(&other),
        })?
        .ok_or_else(gone)?;
    if operator.id.as_str() != sub {
        return Err(gone());
    }
    Ok(operator)
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

/// The access token of `Authorization: Bearer <token>`, if the request has one.
fn bearer_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_owned)
}

/// The `token` query parameter, if the URL has one.
fn query_token(parts: &Parts) -> Option<String> {
    parts.uri.query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    })
}

fn no_token() -> ApiError {
    unauthorized("invalid_token", "Send `Authorization: Bearer <token>`.")
}

/// The subprotocol of the agent websocket, selected by the server when the client offers it
/// (the console does, next to its token: a browser fails a socket whose server selects
/// none of the subprotocols it offered).
pub const WS_PROTOCOL: &str = "staffetta.agent.v1";

/// Prefix of the subprotocol that carries the access token on the agent websocket's upgrade.
/// Never selected, so the token is not sent back.
pub const WS_TOKEN_PREFIX: &str = "staffetta.agent.token.";

/// The access token offered as a `staffetta.agent.token.` subprotocol, if any.
fn subprotocol_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix(WS_TOKEN_PREFIX))
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// 401 `token_in_query` when the URL carries `?token=` (and nothing else did), else 401
/// `invalid_token`: no token at all.
fn missing_token(parts: &Parts, where_it_goes: &str) -> ApiError {
    if query_token(parts).is_some() {
        return unauthorized(
            "token_in_query",
            &format!(
                "Send the access token as {where_it_goes}, not in the URL (`?token=`): a URL \
                 ends up in logs and browser history."
            ),
        );
    }
    no_token()
}

/// Every agent HTTP route takes the token in the header only: a token in a URL ends up in
/// access logs, proxies and browser history. A request that carries it only in `?token=` is
/// refused as such, before the token is looked at.
impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)
            .ok_or_else(|| missing_token(parts, "`Authorization: Bearer <token>`"))?;
        Self::from_token(state, &token).await
    }
}

/// [`AgentAuth`] for the agent websocket's upgrade: the token in `Authorization: Bearer`
/// (tools) or, as a browser cannot set headers on a websocket, in the subprotocol
/// `staffetta.agent.token.<token>` (the console). The header wins when both are given. A
/// token only in `?token=` is refused like on every other agent route.
#[derive(Debug, Clone)]
pub struct AgentSocketAuth(pub AgentAuth);

impl FromRequestParts<AppState> for AgentSocketAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)
            .or_else(|| subprotocol_token(parts))
            .ok_or_else(|| {
                missing_token(
                    parts,
                    "`Authorization: Bearer <token>` (a browser: the websocket subprotocol \
                     `staffetta.agent.token.<token>`)",
                )
            })?;
        AgentAuth::from_token(state, &token).await.map(Self)
    }
}
