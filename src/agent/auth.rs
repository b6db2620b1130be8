//! [`AgentAuth`]: the operator behind an `Authorization: Bearer <access token>` header, loaded
//! fresh from the store so a removed operator loses access at once. [`AgentSocketAuth`] is the
//! same for the console's websocket upgrade, which alone also takes the `token` query
//! parameter (a browser cannot set headers on a websocket; anywhere else a token in a URL is
//! refused, 401 `token_in_query`, as it would end up in logs and browser history).
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

/// Every agent HTTP route takes the token in the header only: a token in a URL ends up in
/// access logs, proxies and browser history. A request that carries it only in `?token=` is
/// refused as such, before the token is looked at.
impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer_token(parts) else {
            if query_token(parts).is_some() {
                return Err(unauthorized(
                    "token_in_query",
                    "Send the access token as `Authorization: Bearer <token>`: only the agent \
                     websocket takes it in the URL (`?token=`).",
                ));
            }
            return Err(no_token());
        };
        Self::from_token(state, &token).await
    }
}

/// [`AgentAuth`] for the agent websocket's upgrade, the one route that also takes the token
/// as `?token=`: a browser cannot set headers on a websocket. The header wins when both are
/// given.
#[derive(Debug, Clone)]
pub struct AgentSocketAuth(pub AgentAuth);

impl FromRequestParts<AppState> for AgentSocketAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)
            .or_else(|| query_token(parts))
            .ok_or_else(no_token)?;
        AgentAuth::from_token(state, &token).await.map(Self)
    }
}
