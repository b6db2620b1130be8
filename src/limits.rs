//! Per-client limits (guarantee G7): a breach affects only the client that caused it and
//! gets a specific answer.
//!
//! | breach | answer |
//! |---|---|
//! | message over `max_message_chars` | 413 `message_too_long` ([`check_message_length`]) |
//! | frame over `max_frame_bytes` | websocket close [`CLOSE_FRAME_TOO_LARGE`] / HTTP 413 |
//! | messages per session per minute | 429 `rate_limited` + `Retry-After` ([`RateLimiter`]) |
//! | new sessions per address per minute | 429 `rate_limited` + `Retry-After` ([`RateLimiter`]) |
//! | websockets per address | 429 `too_many_connections` ([`WsConnections`]) |
//! | waiting long-polls per session | 429 `too_many_polls` ([`LongPolls`]) |
//!
//! # Layout
//!
//! - `limits/rate.rs`: [`RateLimiter`], fixed windows over the store's counters when the
//!   store is shared by several nodes (Redis), over this node's memory when it is not (sled).
//! - `limits/node_counters.rs`: the in-memory fixed-window counters.
//! - `limits/connections.rs`: [`WsConnections`], an in-memory count of open websockets per
//!   address on this node, released by an RAII guard.
//! - `limits/shared_slots.rs`: [`SharedSlots`], the same count across nodes that share the
//!   store (Redis), as leases in the store that a crashed node's sockets let run out.
//! - `limits/long_polls.rs`: [`LongPolls`], an in-memory count of waiting long-polls per
//!   session on this node, reached through [`WsConnections::long_polls`].
//! - `limits/client_key.rs`: [`ClientKey`], the address a limit is counted against (an IPv6
//!   client counts by its /64, since one host usually owns the whole /64).

mod client_key;
mod connections;
mod long_polls;
mod node_counters;
mod rate;
mod shared_slots;

use axum::http::StatusCode;

use crate::error::ApiError;

pub use client_key::ClientKey;
pub use connections::{TooManyConnections, WsConnectionGuard, WsConnections, WsSlot};
pub use long_polls::{LongPolls, MAX_WAITING_POLLS_PER_SESSION, TooManyPolls, WaitingPoll};
pub use rate::{Counting, Limited, RateLimitError, RateLimiter};
pub use shared_slots::{SharedSlot, SharedSlots};

/// Websocket close code for a frame over `max_frame_bytes` (RFC 6455 "message too big").
pub const CLOSE_FRAME_TOO_LARGE: u16 = 1009;

/// A visitor message longer than the configured number of characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the message is longer than {limit} characters")]
pub struct MessageTooLong {
    /// The configured `max_message_chars`.
    pub limit: u32,
}

/// Checks `text` against `max_chars` Unicode scalar values, counting at most one past the
/// limit so a huge text costs no more than a short one.
pub fn check_message_length(text: &str, max_chars: u32) -> Result<(), MessageTooLong> {
    let max = usize::try_from(max_chars).unwrap_or(usize::MAX);
    // Every character is at least one byte: short texts need no counting.
    if text.len() <= max || text.chars().take(max.saturating_add(1)).count() <= max {
        Ok(())
    } else {
        Err(MessageTooLong { limit: max_chars })
    }
}

impl From<MessageTooLong> for ApiError {
    fn from(error: MessageTooLong) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "message_too_long",
            format!(
                "Messages can be at most {} characters long; please shorten it.",
                error.limit
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_at_the_limit_passes_and_one_character_more_does_not() {
        assert_eq!(check_message_length("abcd", 4), Ok(()));
        assert_eq!(
            check_message_length("abcde", 4),
            Err(MessageTooLong { limit: 4 })
        );
    }

    #[test]
    fn message_length_counts_characters_not_bytes() {
        let emoji = "😀😀😀😀";
        assert_eq!(emoji.len(), 16);
        assert_eq!(check_message_length(emoji, 4), Ok(()));
        assert!(check_message_length("😀😀😀😀😀", 4).is_err());
    }

    #[test]
    fn message_too_long_is_a_413_with_its_own_code() {
        let error = ApiError::from(MessageTooLong { limit: 4000 });
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.code(), "message_too_long");
    }
}
