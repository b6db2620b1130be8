//! Commands from an external contact centre, checked without HTTP: the signature headers,
//! the timestamp window, the body, replays, and the bounded queue `next_command` reads.
//!
//! Replays are remembered in the store, one record per accepted command
//! (`webhook-command:{site}:{key}`, created only if absent, expiring with the timestamp
//! window), so every node sharing the store agrees: a command retried to another node is
//! applied once.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;

use serde::Deserialize;
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{
    AgentCommand, BoxFuture, Inbound, SignatureError, verify_webhook_signature,
};
use tokio::sync::mpsc;

use crate::secret::Secret;
use crate::store::{CasOutcome, RecordWrite, Store};

/// Header with the Unix time (seconds) at which the body was signed.
pub const TIMESTAMP_HEADER: &str = "x-staffetta-timestamp";
/// Header with the lowercase hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub const SIGNATURE_HEADER: &str = "x-staffetta-signature";
/// Commands accepted but not yet taken by `next_command`; beyond this the endpoint answers
/// 503 `busy`.
pub const COMMAND_QUEUE_CAPACITY: usize = 256;
/// Longest command `id`, in bytes.
pub const MAX_COMMAND_ID_LEN: usize = 128;

/// A command as the external desk posts it: `{"id": "...", "agent": "...", "command": {...}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedCommand {
    /// Optional, unique per command: makes re-signed retries idempotent.
    #[serde(default)]
    id: Option<String>,
    agent: AgentId,
    command: AgentCommand,
}

/// Why a posted command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InboundError {
    /// A signature header is missing, unreadable, malformed or does not match.
    #[error("the signature headers are missing or do not match the body")]
    BadSignature,
    /// The signed timestamp is outside the tolerance window.
    #[error("the signed timestamp is {skew_s} s from the server clock, more than {tolerance_s} s")]
    StaleSignature {
        /// Distance from the server clock, in seconds.
        skew_s: u64,
        /// The tolerance, in seconds.
        tolerance_s: u64,
    },
    /// The body is not a command.
    #[error("the body is not a command: {0}")]
    BadCommand(String),
    /// The queue is full.
    #[error("too many commands are waiting; retry shortly")]
    Busy,
    /// The store, which remembers accepted commands, cannot be reached.
    #[error("the store cannot be reached; retry shortly")]
    Unavailable,
    /// The connector was closed (the node is shutting down).
    #[error("the connector is closed")]
    Closed,
    /// The command was checked on arrival ([`CommandCheck`]) and refused.
    #[error("the command was refused: {}", .0.code)]
    Refused(CommandRefusal),
}

/// Why a command was refused when it arrived: the answer's status, `code` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRefusal {
    /// The HTTP status (a 4xx; 503 when the check could not be made).
    pub status: axum::http::StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// What the commands endpoint checks of a command before it queues it: whatever can be
/// known when it arrives (its agent is an operator of the site, the chat, offer or job it
/// names is one the desk has for that agent, ...). The desk implements it; a command that
/// passes may still be refused when it is applied (then the contact centre gets a
/// `command_refused` item).
pub trait CommandCheck: Send + Sync + std::fmt::Debug {
    /// Checks `inbound` for `site`. `settled`: no command received before it on this node
    /// is still waiting to be applied. When one is, the desk as it stands is not the one
    /// this command will meet (an `accept` still queued makes the `send` right behind it
    /// valid), so only what queued commands cannot change is checked.
    fn check<'a>(
        &'a self,
        site: &'a str,
        inbound: &'a Inbound,
        settled: bool,
    ) -> BoxFuture<'a, Result<(), CommandRefusal>>;
}

/// A command waiting in the queue, with the `id` the contact centre gave it (to name it in
/// a later refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The command's `id`, if it had one.
    pub id: Option<String>,
    /// The command.
    pub inbound: Inbound,
}

/// What happened to an accepted command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Queued for `next_command`.
    Queued,
    /// Seen before within the tolerance window (same `id`, or same signature): not queued
    /// again.
    Duplicate,
}

/// Checks the two headers against the body, the secret and the clock.
pub(crate) fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: jiff::Timestamp,
    tolerance_s: u64,
) -> Result<i64, InboundError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(InboundError::BadSignature);
    };
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| InboundError::BadSignature)?;
    let secret = secret.expose().as_bytes();
    match verify_webhook_signature(secret, timestamp, body, signature.trim(), now, tolerance_s) {
        Ok(()) => Ok(timestamp),
        Err(SignatureError::Stale {
            skew_s,
            tolerance_s,
        }) => Err(InboundError::StaleSignature {
            skew_s,
            tolerance_s,
        }),
        Err(_) => Err(InboundError::BadSignature),
    }
}

/// Parses a verified body; returns the command (with its `id`) and its replay key (`id:` +
/// the command id, or `sig:` + the signature).
pub(crate) fn parse(body: &[u8], signature: &str) -> Result<(Queued, String), InboundError> {
    let signed: SignedCommand =
        serde_json::from_slice(body).map_err(|err| InboundError::BadCommand(err.to_string()))?;
    let key = match &signed.id {
        Some(id) => {
            let valid = (1..=MAX_COMMAND_ID_LEN).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_graphic());
            if !valid {
                return Err(InboundError::BadCommand(format!(
                    "`id` must be 1-{MAX_COMMAND_ID_LEN} visible ASCII characters"
                )));
            }
            format!("id:{id}")
        }
        None => format!("sig:{}", signature.trim().to_ascii_lowercase()),
    };
    let queued = Queued {
        id: signed.id,
        inbound: Inbound {
            agent: signed.agent,
            command: signed.command,
        },
    };
    Ok((queued, key))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section below leaves the data consistent, even if it panicked.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keys of recently accepted commands of one site, in the store: a record per key that
/// lives as long as the command's timestamp window.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    store: Arc<dyn Store>,
    site: String,
}

impl ReplayGuard {
    pub(crate) fn new(store: Arc<dyn Store>, site: &str) -> Self {
        Self {
            store,
            site: site.to_owned(),
        }
    }

    fn record_key(&self, key: &str) -> String {
        format!("webhook-command:{}:{key}", self.site)
    }

    /// Records `key` for `window` unless it is known (on any node); `Ok(false)` for a
    /// replay.
    pub(crate) async fn claim(&self, key: &str, window: Duration) -> Result<bool, InboundError> {
        let write = RecordWrite {
            key: self.record_key(key),
            expected_version: None,
            value: Bytes::from_static(b"1"),
            ttl: Some(window),
        };
        match self.store.put(write).await {
            Ok(CasOutcome::Written { .. }) => Ok(true),
            Ok(CasOutcome::Conflict { .. }) => Ok(false),
            Err(err) => {
                tracing::warn!(site = %self.site, error = %err, "a webhook command was refused: the store cannot be reached");
                Err(InboundError::Unavailable)
            }
        }
    }

    /// Forgets a key whose command could not be queued, so a retry is not a replay.
    pub(crate) async fn release(&self, key: &str) {
        if let Err(err) = self.store.delete(&self.record_key(key), None).await {
            tracing::warn!(site = %self.site, error = %err, "a refused webhook command's replay record stays until it expires");
        }
    }
}

/// The bounded queue between the endpoint and `next_command`. Closing drops the sender:
/// queued commands are still read, then `next` yields `None`.
#[derive(Debug)]
pub(crate) struct CommandQueue {
    sender: Mutex<Option<mpsc::Sender<Queued>>>,
    receiver: tokio::sync::Mutex<mpsc::Receiver<Queued>>,
}

impl CommandQueue {
    pub(crate) fn new() -> Self {
        let (sender, receiver) = mpsc::channel(COMMAND_QUEUE_CAPACITY);
        Self {
            sender: Mutex::new(Some(sender)),
            receiver: tokio::sync::Mutex::new(receiver),
        }
    }

    pub(crate) fn push(&self, inbound: Queued) -> Result<(), InboundError> {
        let sender = lock(&self.sender).clone().ok_or(InboundError::Closed)?;
        sender.try_send(inbound).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => InboundError::Busy,
            mpsc::error::TrySendError::Closed(_) => InboundError::Closed,
        })
    }

    pub(crate) async fn next(&self) -> Option<Queued> {
        self.receiver.lock().await.recv().await
    }

    pub(crate) fn close(&self) {
        lock(&self.sender).take();
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.sender).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use staffetta_handoff::connector::webhook_signature;

    const SECRET: &str = "inbound-test-secret";

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn check(
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<i64, InboundError> {
        verify(&Secret::new(SECRET), timestamp, signature, body, now(), 300)
    }

    #[test]
    fn a_fresh_correct_signature_passes_and_yields_its_timestamp() {
        let t = now().as_second();
        let signature = webhook_signature(SECRET.as_bytes(), t, b"{}");
        assert_eq!(check(Some(&t.to_string()), Some(&signature), b"{}"), Ok(t));
    }

    #[test]
    fn the_worked_example_of_the_connector_guide_is_right() {
        let guide = include_str!("../../docs/connectors.md");
        let body = br#"{"agent":"ada","command":{"command":"accept","offer":"7"}}"#;
        let signature = webhook_signature(b"whsec-demo-0123456789abcdef", 1_767_261_600, body);
        assert_eq!(
            signature,
            "6cb77febb2c50e0984d7c730963e5785f666726b6c4ae3111f28896ba3ab923f"
        );
        for quoted in [
            "secret: `whsec-demo-0123456789abcdef`".to_owned(),
            "timestamp: `1767261600`".to_owned(),
            format!("body: `{}`", std::str::from_utf8(body).unwrap()),
            format!("signature: `{signature}`"),
        ] {
            assert!(guide.contains(&quoted), "docs/connectors.md lacks {quoted}");
        }
    }

    #[test]
    fn missing_or_unreadable_headers_are_a_bad_signature() {
        let t = now().as_second().to_string();
        let signature = webhook_signature(SECRET.as_bytes(), now().as_second(), b"{}");
        assert_eq!(
            check(None, Some(&signature), b"{}"),
            Err(InboundError::BadSignature)
        );
        assert_eq!(
            check(Some(&t), None, b"{}"),
            Err(InboundError::BadSignature)
        );
        assert_eq!(
            check(Some("soon"), Some(&signature), b"{}"),
            Err(InboundError::BadSignature)
        );
        assert_eq!(
            check(Some(&t), Some("zz"), b"{}"),
            Err(InboundError::BadSignature)
        );
        assert_eq!(
            check(Some(&t), Some(&signature), b"{ }"),
            Err(InboundError::BadSignature)
        );
    }

    #[test]
    fn an_old_timestamp_is_stale_even_with_a_correct_signature() {
        let old = now().as_second() - 301;
        let signature = webhook_signature(SECRET.as_bytes(), old, b"{}");
        assert_eq!(
            check(Some(&old.to_string()), Some(&signature), b"{}"),
            Err(InboundError::StaleSignature {
                skew_s: 301,
                tolerance_s: 300
            })
        );
    }

    #[test]
    fn commands_parse_with_and_without_an_id() {
        let body = json!({ "agent": "ada", "command": { "command": "logout" } }).to_string();
        let (queued, key) = parse(body.as_bytes(), "ABC").unwrap();
        assert_eq!(queued.inbound.command, AgentCommand::Logout);
        assert_eq!((queued.id, key.as_str()), (None, "sig:abc"));
        let body = json!({ "id": "c-1", "agent": "ada", "command": { "command": "logout" } });
        let (queued, key) = parse(body.to_string().as_bytes(), "abc").unwrap();
        assert_eq!(
            (queued.id.as_deref(), key.as_str()),
            (Some("c-1"), "id:c-1")
        );
    }

    #[test]
    fn malformed_commands_are_refused() {
        for bad in [
            json!({ "agent": "ada" }),
            json!({ "agent": "", "command": { "command": "logout" } }),
            json!({ "agent": "ada", "command": { "command": "fly" } }),
            json!({ "agent": "ada", "command": { "command": "logout" }, "extra": 1 }),
            json!({ "id": "", "agent": "ada", "command": { "command": "logout" } }),
            json!({ "id": "a b", "agent": "ada", "command": { "command": "logout" } }),
        ] {
            assert!(
                matches!(
                    parse(bad.to_string().as_bytes(), "s"),
                    Err(InboundError::BadCommand(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse(b"not json", "s"),
            Err(InboundError::BadCommand(_))
        ));
    }

    async fn sled(clock: &crate::store::ManualClock) -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SledStore::open(&dir.path().join("store"), clock.clock())
            .await
            .unwrap();
        (dir, Arc::new(store))
    }

    #[tokio::test]
    async fn a_key_is_a_replay_until_its_window_passes_and_a_released_key_is_not() {
        let clock = crate::store::ManualClock::new(1_800_000_000_000);
        let (_dir, store) = sled(&clock).await;
        let guard = ReplayGuard::new(store, "demo");
        let window = Duration::from_secs(300);
        assert_eq!(guard.claim("k", window).await, Ok(true));
        clock.advance(Duration::from_secs(299));
        assert_eq!(guard.claim("k", window).await, Ok(false));
        clock.advance(Duration::from_secs(2));
        assert_eq!(guard.claim("k", window).await, Ok(true));
        guard.release("k").await;
        assert_eq!(guard.claim("k", window).await, Ok(true));
    }

    #[tokio::test]
    async fn two_guards_on_one_store_agree_and_sites_do_not_share_keys() {
        let clock = crate::store::ManualClock::new(1_800_000_000_000);
        let (_dir, store) = sled(&clock).await;
        let node_a = ReplayGuard::new(Arc::clone(&store), "demo");
        let node_b = ReplayGuard::new(Arc::clone(&store), "demo");
        let other_site = ReplayGuard::new(store, "shop");
        let window = Duration::from_secs(60);
        assert_eq!(node_a.claim("id:c-1", window).await, Ok(true));
        assert_eq!(node_b.claim("id:c-1", window).await, Ok(false));
        assert_eq!(other_site.claim("id:c-1", window).await, Ok(true));
    }

    #[tokio::test]
    async fn the_queue_is_bounded_and_drains_after_closing() {
        let queue = CommandQueue::new();
        let inbound = Queued {
            id: None,
            inbound: Inbound {
                agent: AgentId::parse("ada").unwrap(),
                command: AgentCommand::Logout,
            },
        };
        for _ in 0..COMMAND_QUEUE_CAPACITY {
            queue.push(inbound.clone()).unwrap();
        }
        assert_eq!(queue.push(inbound.clone()), Err(InboundError::Busy));
        queue.close();
        assert!(queue.is_closed());
        assert_eq!(queue.push(inbound.clone()), Err(InboundError::Closed));
        for _ in 0..COMMAND_QUEUE_CAPACITY {
            assert_eq!(queue.next().await, Some(inbound.clone()));
        }
        assert_eq!(queue.next().await, None);
    }
}
