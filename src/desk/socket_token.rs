//! The access token behind an open console socket. Access tokens are short-lived, so an open
//! socket follows its token's expiry instead of outliving it, and the console renews the token
//! in-band without reconnecting.
//!
//! Shortly before the token expires ([`warning_lead_ms`]) the console gets
//! `{"event": "TOKEN_EXPIRING", "expires_at": MS}`; it refreshes over HTTP and sends the new
//! access token on the same socket, `{"command": "reauth", "token": "..."}`. A token of the
//! same operator, site and login (the refresh-token family that opened the socket: a socket
//! belongs to one login, so signing that login out closes it), validly signed, unexpired and
//! of a session that still stands moves the socket's expiry to the new token's
//! (`TOKEN_RENEWED`); any other token is refused with its own code ([`ReauthRefusal`]) and
//! the socket closes with 1008. Without a new token by the
//! expiry the socket gets `ERROR` `token_expired` and closes with 1008: the console refreshes
//! and reconnects within the desk's disconnect grace, so the agent keeps state and chats.
//!
//! Time is the node's clock; the node timer tells the socket when its next deadline came
//! ([`super::connections::AgentConnections::signal_token_deadlines`]).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::agent::auth::AgentAuth;
use crate::agent::tokens::TokenError;
use crate::app::AppState;

/// The longest warning before a token expires.
pub const MAX_WARNING_LEAD_MS: i64 = 60_000;

/// How long before the expiry the console is warned, for a token with `lifetime_ms` left
/// when the socket got it: a minute, or half of that lifetime when it is shorter (a console
/// configured with very short tokens still gets time to refresh).
pub fn warning_lead_ms(lifetime_ms: i64) -> i64 {
    (lifetime_ms / 2).clamp(0, MAX_WARNING_LEAD_MS)
}

/// The deadlines of one token: the warning, then the expiry (ms, node clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    expires_at_ms: i64,
    warn_at_ms: i64,
    warned: bool,
}

/// What a token deadline means now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Nothing yet (the deadline moved: a reauth came in between).
    NotYet,
    /// Send this `TOKEN_EXPIRING` frame.
    Warn(Value),
    /// The token expired: the socket closes.
    Expired,
}

impl Lifetime {
    /// A token expiring at `expires_at_ms`, received at `now_ms`.
    pub fn new(expires_at_ms: i64, now_ms: i64) -> Self {
        let lead = warning_lead_ms(expires_at_ms.saturating_sub(now_ms));
        Self {
            expires_at_ms,
            warn_at_ms: expires_at_ms.saturating_sub(lead),
            warned: false,
        }
    }

    /// When the token expires.
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }

    /// The next moment something happens: the warning, or once warned the expiry.
    pub fn next_due_ms(&self) -> i64 {
        if self.warned {
            self.expires_at_ms
        } else {
            self.warn_at_ms
        }
    }

    /// Whether the token has expired at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// What is due at `now_ms`; the warning is given once.
    pub fn on_due(&mut self, now_ms: i64) -> Due {
        if self.expired(now_ms) {
            return Due::Expired;
        }
        if !self.warned && now_ms >= self.warn_at_ms {
            self.warned = true;
            return Due::Warn(json!({"event": "TOKEN_EXPIRING", "expires_at": self.expires_at_ms}));
        }
        Due::NotYet
    }
}

/// Why a `reauth` token was refused. Every refusal but [`ReauthRefusal::Unavailable`]
/// closes the socket with 1008.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReauthRefusal {
    /// Not a token of this server: malformed, or signed with another key.
    #[error("The token is not valid.")]
    Invalid,
    /// The offered token has expired already.
    #[error("The offered token has expired.")]
    Expired,
    /// The offered token's session ended: signed out, revoked after a refresh-token replay,
    /// issued before the operator's current password, or the operator was removed.
    #[error("The offered token's session was ended; log in again.")]
    Revoked,
    /// A valid token of another operator (or of another site).
    #[error("The token belongs to another operator.")]
    OtherOperator,
    /// A valid token of the same operator from another login (refresh-token family): a
    /// socket belongs to the login that opened it, so that signing that login out closes it.
    #[error("The token belongs to another login of yours; send a token of this login.")]
    OtherLogin,
    /// The store could not be read: the socket stays open and the console may retry.
    #[error("The token could not be checked now; retry.")]
    Unavailable,
}

impl ReauthRefusal {
    /// The `ERROR` frame's code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "invalid_token",
            Self::Expired => "token_expired",
            Self::Revoked => "token_revoked",
            Self::OtherOperator => "token_other_operator",
            Self::OtherLogin => "token_other_login",
            Self::Unavailable => "unavailable",
        }
    }

    /// Whether the socket closes (1008) after the `ERROR` frame.
    pub fn closes(self) -> bool {
        self != Self::Unavailable
    }

    /// The `ERROR` frame.
    pub fn frame(self) -> Value {
        json!({
            "event": "ERROR",
            "code": self.code(),
            "message": self.to_string(),
            "command": "reauth",
        })
    }
}

/// The `ERROR` frame sent before a socket closes because its token expired.
pub fn expired_frame() -> Value {
    json!({
        "event": "ERROR",
        "code": "token_expired",
        "message": "The access token expired; refresh it and reconnect.",
    })
}

/// The session of one console socket: who it speaks for and until when.
#[derive(Debug)]
pub struct SocketToken {
    auth: AgentAuth,
    lifetime: Lifetime,
}

impl SocketToken {
    /// The session of a socket opened with `auth` at `now_ms`.
    pub fn new(auth: AgentAuth, now_ms: i64) -> Self {
        let lifetime = Lifetime::new(auth.expires_at_ms, now_ms);
        Self { auth, lifetime }
    }

    /// The session as the last accepted token gave it.
    pub fn auth(&self) -> &AgentAuth {
        &self.auth
    }

    /// The token's deadlines.
    pub fn lifetime(&self) -> Lifetime {
        self.lifetime
    }

    /// The token's deadlines, to act on one.
    pub fn lifetime_mut(&mut self) -> &mut Lifetime {
        &mut self.lifetime
    }

    /// Checks a `reauth` token and, when it is of the same operator and login and good, adopts
    /// it: the socket's expiry is the new token's from now on. Returns the `TOKEN_RENEWED`
    /// frame. A refused token leaves the socket's token and expiry as they were.
    pub async fn renew(&mut self, state: &AppState, token: &str) -> Result<Value, ReauthRefusal> {
        let now_ms = state.clock.now_ms();
        let claims = state
            .agents
            .keys
            .verify(token, now_ms)
            .map_err(|e| match e {
                TokenError::Invalid => ReauthRefusal::Invalid,
                TokenError::Expired => ReauthRefusal::Expired,
            })?;
        let operator = &self.auth.operator;
        if claims.sub != operator.id.as_str() || claims.site != operator.site.as_str() {
            return Err(ReauthRefusal::OtherOperator);
        }
        let fresh = AgentAuth::from_token(state, token).await.map_err(|err| {
            match (err.status(), err.code()) {
                (StatusCode::UNAUTHORIZED, "token_expired") => ReauthRefusal::Expired,
                (StatusCode::UNAUTHORIZED, _) => ReauthRefusal::Revoked,
                _ => ReauthRefusal::Unavailable,
            }
        })?;
        // Judged after the session check, so a revoked token is `token_revoked` whatever its
        // login. Tokens of before families (empty) match only each other.
        if fresh.family != self.auth.family {
            return Err(ReauthRefusal::OtherLogin);
        }
        self.lifetime = Lifetime::new(fresh.expires_at_ms, now_ms);
        self.auth = fresh;
        Ok(json!({"event": "TOKEN_RENEWED", "expires_at": self.lifetime.expires_at_ms}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_comes_a_minute_early_or_at_half_of_a_short_lifetime() {
        assert_eq!(warning_lead_ms(900_000), 60_000);
        assert_eq!(warning_lead_ms(120_000), 60_000);
        assert_eq!(warning_lead_ms(4_000), 2_000);
        assert_eq!(warning_lead_ms(-5), 0, "an expired token is not warned");
    }

    #[test]
    fn a_token_is_warned_once_then_expires() {
        let mut lifetime = Lifetime::new(1_000_000, 100_000);
        assert_eq!(lifetime.next_due_ms(), 940_000);
        assert_eq!(lifetime.on_due(939_999), Due::NotYet);
        assert_eq!(
            lifetime.on_due(940_000),
            Due::Warn(json!({"event": "TOKEN_EXPIRING", "expires_at": 1_000_000}))
        );
        assert_eq!(lifetime.next_due_ms(), 1_000_000);
        assert_eq!(lifetime.on_due(999_999), Due::NotYet, "warned once");
        assert!(!lifetime.expired(999_999));
        assert_eq!(lifetime.on_due(1_000_000), Due::Expired);
        assert!(lifetime.expired(1_000_000));
    }

    #[test]
    fn a_deadline_seen_late_expires_without_a_warning_first() {
        let mut lifetime = Lifetime::new(10_000, 0);
        assert_eq!(lifetime.on_due(12_000), Due::Expired);
    }

    #[test]
    fn only_an_unavailable_store_keeps_the_socket_open() {
        for refusal in [
            ReauthRefusal::Invalid,
            ReauthRefusal::Expired,
            ReauthRefusal::Revoked,
            ReauthRefusal::OtherOperator,
            ReauthRefusal::OtherLogin,
        ] {
            assert!(refusal.closes(), "{refusal:?}");
            assert_eq!(refusal.frame()["command"], "reauth");
        }
        assert!(!ReauthRefusal::Unavailable.closes());
        assert_eq!(
            ReauthRefusal::OtherOperator.frame()["code"],
            "token_other_operator"
        );
    }
}
