//! Bodies of the session REST calls.

use serde::{Deserialize, Serialize};

use super::output::OutputBody;

/// `POST /api/v1/sites/{site}/sessions`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    /// Who the visitor says they are (its fields sit at the top level of the body).
    #[serde(flatten)]
    pub identity: IdentityRequest,
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
    /// Client-chosen id of this start (16-128 of `[A-Za-z0-9_-]`, random): a repeat with the
    /// same id, visitor and fields within 10 minutes answers the same session (200) instead
    /// of starting another.
    #[serde(default)]
    pub client_start_id: Option<String>,
}

/// The identity fields of a session start (at the top level of the [`StartSession`] body).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct IdentityRequest {
    /// Widget-generated id kept in a first-party cookie: 16-128 of `[A-Za-z0-9_-]`.
    #[serde(default)]
    pub anonymous_id: Option<String>,
    /// Id the host page asserts without proof: visible ASCII, at most 256 bytes.
    #[serde(default)]
    pub user_id: Option<String>,
    /// RS256 JWT signed by the site's identity provider. Wins over the other two.
    #[serde(default)]
    pub identity_token: Option<String>,
}

/// Answer to a session start.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionStarted {
    /// Session id (path parameter of the other calls). It names the session; it grants
    /// nothing without `session_token`.
    pub session_id: String,
    /// Bearer token of the session, sent with every call on it: `Authorization: Bearer
    /// <session_token>`, or on the websocket the subprotocol `staffetta.session.<token>`
    /// offered next to `staffetta.v1`. Keep it out of URLs and logs.
    pub session_token: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_start_reads_its_identity_fields_from_the_top_level_of_the_body() {
        let start: StartSession = serde_json::from_str(
            r#"{"anonymous_id": "anon-0123456789abcdef", "user_id": "customer-7",
                "identity_token": "a.b.c", "locale": "it"}"#,
        )
        .unwrap();
        assert_eq!(
            start.identity,
            IdentityRequest {
                anonymous_id: Some("anon-0123456789abcdef".to_owned()),
                user_id: Some("customer-7".to_owned()),
                identity_token: Some("a.b.c".to_owned()),
            }
        );
        assert_eq!(start.locale.as_deref(), Some("it"));
        let written = serde_json::to_value(&start).unwrap();
        assert_eq!(written["user_id"], "customer-7");
        assert!(written.get("identity").is_none());
    }

    #[test]
    fn a_session_start_with_an_unknown_or_nested_field_is_refused() {
        for body in [
            r#"{"anonymus_id": "anon-0123456789abcdef"}"#,
            r#"{"identity_token": "a.b.c", "email": "victim@example.test"}"#,
            r#"{"identity": {"user_id": "customer-7"}}"#,
        ] {
            let refused = serde_json::from_str::<StartSession>(body).unwrap_err();
            assert!(
                refused.to_string().contains("unknown field"),
                "{body}: {refused}"
            );
        }
        let empty: StartSession = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.identity, IdentityRequest::default());
    }
}
