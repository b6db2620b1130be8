//! Bodies of the session REST calls.

use serde::{Deserialize, Serialize};

use super::output::OutputBody;

/// `POST /api/v1/sites/{site}/sessions`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    /// Widget-generated anonymous id (kept in a first-party cookie).
    #[serde(default)]
    pub anonymous_id: Option<String>,
    /// The site's own user id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// RS256 JWT from the host page.
    #[serde(default)]
    pub identity_token: Option<String>,
    /// The widget's locale (BCP 47); Accept-Language is used when absent.
    #[serde(default)]
    pub locale: Option<String>,
    /// The page the widget is on.
    #[serde(default)]
    pub page_url: Option<String>,
    /// The page's referrer.
    #[serde(default)]
    pub referrer: Option<String>,
    /// Resource (queue) for a later handoff (`data-dispatch-to`).
    #[serde(default)]
    pub dispatch_to: Option<String>,
    /// The opaque `state` of an expired session, to seed the new one.
    #[serde(default)]
    pub restore: Option<String>,
}

/// Answer to a session start.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionStarted {
    /// Session id (path parameter of the other calls).
    pub session_id: String,
    /// Conversation id (shown to agents, used in transcripts).
    pub conversation_id: String,
    /// The negotiated locale.
    pub locale: String,
    /// Idle timeout in seconds.
    pub timeout_s: u64,
    /// Seconds before expiry at which `session_expiring` arrives.
    pub warning_s: u64,
    /// Seq of the last event written so far (the welcome).
    pub seq: u64,
    /// The welcome output.
    pub output: OutputBody,
    /// Public context variables.
    pub context: serde_json::Value,
    /// Opaque state to keep and send back as `restore` after expiry.
    pub state: String,
}

/// `POST .../sessions/{id}/message` and the websocket `message` frame.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// Idempotency key chosen by the widget (1-64 of `[A-Za-z0-9_-]`).
    pub client_message_id: String,
    /// What the visitor sent.
    pub input: MessageInput,
}

/// Exactly one of `text`, `option` or `date`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// Typed text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Value of a clicked option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// A picked date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Answer to a message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MessageResponse {
    /// Seq of the visitor's message (the same on a retried duplicate).
    pub seq: u64,
    /// What the bot answered (empty while an agent has the conversation).
    pub output: OutputBody,
    /// Public context variables.
    pub context: serde_json::Value,
    /// Opaque state for restore.
    pub state: String,
}
