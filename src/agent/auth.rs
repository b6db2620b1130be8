//! [`AgentAuth`]: the operator behind an `Authorization: Bearer <access token>` header (or
//! the `token` query parameter of the websocket), loaded fresh from the store so a removed
//! operator loses access at once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use staffetta_handoff::operator::{Login, Operator};

use super::operators;
use super::tokens::TokenError;
use crate::app::AppState;
use crate::error::ApiError;

/// An authenticated operator.
#[derive(Debug, Clone)]
pub struct AgentAuth {
    /// The operator, as stored now.
    pub operator: Operator,
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
        let gone = || unauthorized("invalid_token", "The operator no longer exists.");
        let login = Login::parse(&claims.login).map_err(|_| gone())?;
        let (operator, _) = operators::get(state.store.as_ref(), &claims.site, &login)
            .await
            .map_err(|e| ApiError::internal(&e))?
            .ok_or_else(gone)?;
        if operator.id.as_str() != claims.sub {
            return Err(gone());
        }
        Ok(Self { operator })
    }
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let from_header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .map(str::to_owned);
        let from_query = parts.uri.query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        });
        let token = from_header.or(from_query).ok_or_else(|| {
            unauthorized("invalid_token", "Send `Authorization: Bearer <token>`.")
        })?;
        Self::from_token(state, &token).await
    }
}
