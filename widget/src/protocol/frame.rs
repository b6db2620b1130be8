//! Websocket frames (JSON text frames) between the widget and the server.

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::session::MessageInput;

/// Frames the widget sends.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// A visitor message (same body as the REST call).
    Message {
        /// Idempotency key.
        client_message_id: String,
        /// What the visitor sent.
        input: MessageInput,
    },
    /// The visitor is typing or stopped.
    Typing {
        /// Started or stopped.
        typing: bool,
    },
    /// Everything up to `seq` was rendered (cumulative).
    Ack {
        /// Highest seq rendered.
        seq: u64,
    },
    /// Replay every event after `after` (reconnects).
    Resume {
        /// Last seq the widget has.
        after: u64,
    },
    /// A fresh identity token after `identity_expired`.
    Identity {
        /// The new RS256 JWT.
        identity_token: String,
    },
    /// Application-level keepalive of the socket; answered with `pong`. It is not visitor
    /// activity: the session still expires.
    Ping {},
    /// "Continue" on the `session_expiring` notice: visitor activity that keeps the session
    /// alive (same as `POST .../continue`). No answer on success; an `error` frame
    /// (`session_expired`, `conversation_ended`) otherwise.
    Continue {},
}

/// Frames the server sends.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A conversation event.
    Event {
        /// The event.
        event: Event,
    },
    /// A visitor message was persisted with this seq (also on duplicates).
    Ack {
        /// The widget's key.
        client_message_id: String,
        /// The message's seq.
        seq: u64,
    },
    /// The request could not be honoured; the socket stays open, except after repeated
    /// `rate_limited` refusals (close 1008) and after `session_not_found` without a
    /// `client_message_id`: the conversation was deleted (close 4404).
    Error {
        /// Stable snake_case code.
        code: String,
        /// Human message.
        message: String,
        /// The message this error is about, when any.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_message_id: Option<String>,
    },
    /// The widget's history cannot be continued from its `after`: reload from `GET
    /// .../events?after=0`.
    Resync {
        /// The conversation's last seq.
        head: u64,
    },
    /// Answer to `ping`.
    Pong {},
}
