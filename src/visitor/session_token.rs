//! The visitor's session credential (catalogue K-03: no credential in a URL).
//!
//! A session id names a session in paths, logs and metrics but grants nothing by itself.
//! Every call on a session also presents the session token issued with it:
//!
//! - HTTP: `Authorization: Bearer <session_token>`;
//! - websocket upgrade: the same header, or (browsers cannot set headers on a websocket)
//!   the subprotocol `staffetta.session.<session_token>` offered next to `staffetta.v1`,
//!   which the server selects. Either way the token is checked before the upgrade.
//!
//! The store keeps only the token's SHA-256 digest, compared in constant time. Sessions
//! stored by a build older than the token have no digest and keep working without one
//! until they end (at the latest at their idle timeout).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::sessions::session_of_site;
use crate::secret::Secret;
use crate::visitor::record::{SessionRecord, Status};

/// The websocket subprotocol of the visitor channel, selected by the server on every upgrade.
pub const WS_PROTOCOL: &str = "staffetta.v1";

/// Prefix of the subprotocol that carries the session token on a websocket upgrade.
pub const WS_TOKEN_PREFIX: &str = "staffetta.session.";

/// A freshly issued session token: the token goes to the widget once, the digest to the store.
#[derive(Debug)]
pub struct IssuedToken {
    /// The bearer token (64 hex digits, 244 random bits).
    pub token: Secret,
    /// Its digest as stored in the session record.
    pub digest: String,
}

/// Issues a token for a new session.
pub fn issue() -> IssuedToken {
    let token = crate::secret::random_token();
    let digest = digest(&token);
    IssuedToken {
        token: Secret::new(token),
        digest,
    }
}

/// The stored form of a token: SHA-256, base64url without padding.
pub fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The token a request presents, from `Authorization: Bearer` or, failing that, from a
/// `staffetta.session.` websocket subprotocol. `Err` when a header is there but unreadable.
pub fn presented(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            // The scheme is case-insensitive (RFC 9110, section 11.1), as on the agent side.
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    "invalid_session_token",
                    "The Authorization header must be `Bearer <session_token>`.",
                )
            })?;
        return Ok(Some(token));
    }
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix(WS_TOKEN_PREFIX));
    Ok(offered)
}

fn token_required() -> ApiError {
    unauthorized(
        "session_token_required",
        "Calls on a session need its token: `Authorization: Bearer <session_token>` \
         (on a websocket: the `staffetta.session.<session_token>` subprotocol).",
    )
}

/// Checks a presented token against a session record. A session stored before tokens
/// existed opens with its id alone while its conversation goes on; once it has ended, the id
/// alone no longer opens it (its transcript is not left readable by id for as long as the
/// record lives).
pub fn check_record(record: &SessionRecord, presented: Option<&str>) -> Result<(), ApiError> {
    if record.token_digest.is_none() && record.status == Status::Ended {
        return Err(token_required());
    }
    check(record.token_digest.as_deref(), presented)
}

/// Checks a presented token against a session's stored digest.
pub fn check(expected_digest: Option<&str>, presented: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = expected_digest else {
        // A session stored before tokens existed: the id alone still opens it.
        return Ok(());
    };
    let Some(presented) = presented else {
        return Err(token_required());
    };
    let matches: bool = digest(presented)
        .as_bytes()
        .ct_eq(expected.as_bytes())
        .into();
    if matches {
        Ok(())
    } else {
        Err(unauthorized(
            "invalid_session_token",
            "The session token does not belong to this session.",
        ))
    }
}

fn unauthorized(code: &'static str, message: &'static str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_bearer_challenge()
}

/// A session of the site in the path whose token the request presented. Extracting it
/// loads the record: unknown session or another site's -> 404 `session_not_found`,
/// no token -> 401 `session_token_required`, wrong token -> 401 `invalid_session_token`.
#[derive(Debug)]
pub struct VisitorSession {
    /// The session id from the path.
    pub id: String,
    /// The session record as read.
    pub record: SessionRecord,
}

impl FromRequestParts<AppState> for VisitorSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path((site, id)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_path",
                    "The URL path does not decode to UTF-8 text.",
                )
            })?;
        let record = session_of_site(state, &site, &id).await?;
        check_record(&record, presented(&parts.headers)?)?;
        Ok(Self { id, record })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).expect("header value"));
        headers
    }

    #[test]
    fn the_issued_token_matches_its_digest_and_nothing_else() {
        let issued = issue();
        assert_eq!(issued.token.expose().len(), 64);
        assert!(check(Some(&issued.digest), Some(issued.token.expose())).is_ok());
        let other = issue();
        let refused =
            check(Some(&issued.digest), Some(other.token.expose())).expect_err("other token");
        assert_eq!(refused.code(), "invalid_session_token");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn a_session_with_a_digest_needs_a_token() {
        let issued = issue();
        let refused = check(Some(&issued.digest), None).expect_err("no token");
        assert_eq!(refused.code(), "session_token_required");
    }

    #[test]
    fn a_session_stored_before_tokens_opens_without_one() {
        assert!(check(None, None).is_ok());
        assert!(check(None, Some("anything")).is_ok());
    }

    #[test]
    fn the_bearer_header_is_read_first() {
        let mut map = headers(header::AUTHORIZATION, "Bearer abc");
        map.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("staffetta.v1, staffetta.session.xyz"),
        );
        assert_eq!(presented(&map).expect("readable"), Some("abc"));
    }

    #[test]
    fn the_websocket_subprotocol_carries_the_token() {
        let map = headers(
            header::SEC_WEBSOCKET_PROTOCOL,
            "staffetta.v1, staffetta.session.xyz",
        );
        assert_eq!(presented(&map).expect("readable"), Some("xyz"));
        let map = headers(header::SEC_WEBSOCKET_PROTOCOL, "staffetta.v1");
        assert_eq!(presented(&map).expect("readable"), None);
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        for value in ["bearer abc", "BEARER abc", "Bearer   abc"] {
            let map = headers(header::AUTHORIZATION, value);
            assert_eq!(presented(&map).expect(value), Some("abc"), "{value}");
        }
    }

    #[test]
    fn an_authorization_header_of_another_scheme_is_refused() {
        for value in ["Basic dXNlcjpwYXNz", "Bearer ", "bearer"] {
            let refused = presented(&headers(header::AUTHORIZATION, value)).expect_err(value);
            assert_eq!(refused.code(), "invalid_session_token", "{value}");
        }
    }
}
