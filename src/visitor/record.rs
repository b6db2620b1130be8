//! What the store keeps about a visitor session, under which keys, and the opaque restore
//! state the widget holds on to.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use staffetta_engine::session::{PublicState, Session};

/// Key of a session record.
pub fn session_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// Name of a conversation's event log.
pub fn conversation_log(conversation_id: &str) -> String {
    format!("conversation:{conversation_id}")
}

/// The schedule of idle deadlines (member = session id).
pub const IDLE_SCHEDULE: &str = "idle";

/// How long a session record outlives its last write: long enough to reload a tab the
/// next day and to let agents see recent sessions.
pub const SESSION_RETENTION: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The bot answers.
    Bot,
    /// The visitor waits for or talks to a human agent; the bot is silent.
    Handoff,
    /// The conversation ended (by the visitor, the bot or an agent).
    Ended,
}

/// A visitor session as stored (JSON, versioned for compare-and-set).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Site id.
    pub site: String,
    /// The conversation this session writes to.
    pub conversation_id: String,
    /// The negotiated locale.
    pub locale: String,
    /// Stable key of the visitor (MAU key).
    pub identity_key: String,
    /// When the identity token expires (ms since the epoch), for verified visitors.
    #[serde(default)]
    pub identity_expires_at: Option<i64>,
    /// Resource for a later handoff.
    #[serde(default)]
    pub dispatch_to: Option<String>,
    /// Visitor metadata shown to agents.
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// Where the conversation stands.
    pub status: Status,
    /// The dialog engine's session.
    pub bot: Session,
    /// SHA-256 digest of the session token ([`super::session_token`]); absent on sessions
    /// stored before tokens existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_digest: Option<String>,
}

/// Why a restore state could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the restore state is not one this server issued")]
pub struct BadRestoreState;

/// Versioned envelope of the restore state.
#[derive(Serialize, Deserialize)]
struct RestoreEnvelope {
    v: u8,
    site: String,
    public: PublicState,
}

/// Longest restore state accepted (bytes of base64).
pub const MAX_RESTORE_STATE: usize = 16 * 1024;

/// Encodes the public variables as the opaque `state` the widget keeps. It is not secret
/// and not signed: public variables are visitor-visible and visitor-controllable by design;
/// private variables are never in it.
pub fn encode_restore_state(site: &str, public: &PublicState) -> String {
    let envelope = RestoreEnvelope {
        v: 1,
        site: site.to_owned(),
        public: public.clone(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&envelope).unwrap_or_default())
}

/// Decodes a restore state for `site`.
pub fn decode_restore_state(site: &str, state: &str) -> Result<PublicState, BadRestoreState> {
    if state.len() > MAX_RESTORE_STATE {
        return Err(BadRestoreState);
    }
    let bytes = URL_SAFE_NO_PAD.decode(state).map_err(|_| BadRestoreState)?;
    let envelope: RestoreEnvelope = serde_json::from_slice(&bytes).map_err(|_| BadRestoreState)?;
    if envelope.v != 1 || envelope.site != site {
        return Err(BadRestoreState);
    }
    Ok(envelope.public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_state_round_trips_for_the_same_site_only() {
        let mut public = PublicState::new();
        public.insert("name".to_owned(), serde_json::json!("Ada"));
        let state = encode_restore_state("demo", &public);
        assert_eq!(decode_restore_state("demo", &state).unwrap(), public);
        assert!(decode_restore_state("other", &state).is_err());
    }

    #[test]
    fn garbage_restore_state_is_rejected() {
        for bad in ["", "!!!", "e30", &"A".repeat(MAX_RESTORE_STATE + 1)] {
            assert!(decode_restore_state("demo", bad).is_err(), "{bad}");
        }
    }
}
