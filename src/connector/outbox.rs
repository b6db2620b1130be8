//! The durable outbox of a site's webhook: every item for the contact centre is appended
//! to a store log before the desk's change counts as handed to the connector; a cursor
//! record says how far the contact centre has acknowledged; a lease record says which node
//! delivers (on a shared store).
//!
//! Store names, per site:
//!
//! - log `webhook-outbox:{site}`: one entry per item, `{"delivery", "agent", "login"?,
//!   "item", "summary"?, "transcript"?}` (`item.rs`); its
//!   seq is the item's `seq` on the wire, the `delivery` UUID is drawn once when appended;
//! - record `webhook-outbox-cursor:{site}`: the last seq acknowledged (or refused for good),
//!   as decimal digits, moved forward by compare-and-set; an erasure writes it again as it
//!   stands ([`Outbox::mark_erasure`]), so the delivery loop learns of it at its next move;
//! - record `webhook-outbox-lease:{site}`: the delivering node's id, with a TTL of
//!   [`LEASE_TTL`], renewed by compare-and-set while it delivers.
//!
//! An erasure (a conversation deleted by retention or with its visitor, docs/retention.md)
//! overwrites the entries of the conversation with [`ERASED`] in place (`erase.rs`; its
//! end events with a copy that keeps no text an agent typed): their seqs stay, so the cursor
//! and the order of the others are unaffected, and the delivery loop skips erased ones.
//!
//! Entries at or below the cursor have been delivered: the delivery loop trims them from the
//! log ([`Outbox::trim`]; when, see `delivery.rs`), so the log holds what is not yet
//! acknowledged plus at most a batch of delivered entries. A trim keeps the seqs of the
//! entries after it, so the cursor and the seqs on the wire are unaffected.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::Outbound;
use tokio::time::Instant;

use super::item::{ForAgent, Item};

use crate::store::{
    AppendBatch, AppendOutcome, CasOutcome, LogEntry, RecordWrite, Store, StoreError, StoreResult,
};

/// How long a delivering node's lease lasts without a renewal: another node takes over
/// at most this long after the holder died.
pub const LEASE_TTL: Duration = Duration::from_secs(15);
/// How often the holder renews its lease (a third of [`LEASE_TTL`]).
pub const LEASE_RENEW: Duration = Duration::from_secs(5);

/// Most entries one store write trims: a long delivered backlog (after an outage, or the
/// first trim of an outbox older than trimming) goes in several writes, so no single write
/// holds the store (sled's write lock, Redis's one thread) for long.
pub(crate) const TRIM_CHUNK: u64 = 1_024;

/// Most tries of an erasure's mark on the cursor ([`Outbox::mark_erasure`]) while the
/// delivery loop moves it.
const MARK_TRIES: usize = 16;

/// The log of a site's outbox.
pub fn log_name(site: &str) -> String {
    format!("webhook-outbox:{site}")
}

fn cursor_key(site: &str) -> String {
    format!("webhook-outbox-cursor:{site}")
}

fn lease_key(site: &str) -> String {
    format!("webhook-outbox-lease:{site}")
}

/// What an erased entry holds instead of its item: nothing of it, not even its delivery id.
pub(crate) const ERASED: &[u8] = br#"{"erased":true}"#;

/// Whether a stored entry was erased.
pub(crate) fn is_erased(body: &[u8]) -> bool {
    body == ERASED
}

/// The conversation an item tells of, if any (agent-state events and refused commands tell
/// of none).
pub(crate) fn conversation_of(item: &Item) -> Option<&str> {
    match item.desk()? {
        Outbound::Event(event) => event.chat_id.as_ref().or(event.uuid.as_ref()),
        Outbound::Message(message) => Some(&message.conversation),
        Outbound::VisitorTyping { conversation } => Some(conversation),
    }
    .map(staffetta_handoff::ConversationId::as_str)
}

/// One stored item: what the contact centre gets, with the delivery id it keeps across
/// every retry and restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutboxEntry {
    /// A UUID drawn once, when the item was stored.
    pub(crate) delivery: String,
    /// The agent the item is for (operator id).
    pub(crate) agent: AgentId,
    /// The agent's login, when it was known as the item was stored (else looked up when it
    /// is sent; entries stored before logins were kept have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) login: Option<String>,
    /// The item.
    pub(crate) item: Item,
    /// The handoff summary, on an offer (POPUP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<String>,
    /// A message of the conversation before the handoff.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) transcript: bool,
}

/// One item as the log stores it, with its delivery id drawn now (once: retries and
/// restarts send the stored id) and the agent's `login` if known.
pub(crate) fn encode_entry(item: &ForAgent, login: Option<&str>) -> StoreResult<Bytes> {
    let entry = OutboxEntry {
        delivery: uuid::Uuid::new_v4().to_string(),
        agent: item.agent.clone(),
        login: login.map(str::to_owned),
        item: item.item.clone(),
        summary: item.summary.clone(),
        transcript: item.transcript,
    };
    serde_json::to_vec(&entry)
        .map(Bytes::from)
        .map_err(|err| StoreError::invalid(format!("outbox entry: {err}")))
}

/// Where the cursor stands: the last acknowledged seq and the record's version (`None`:
/// never written, nothing acknowledged yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) seq: u64,
    pub(crate) version: Option<u64>,
}

/// A site's outbox in the store.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    store: Arc<dyn Store>,
    site: String,
}

impl Outbox {
    pub(crate) fn new(store: Arc<dyn Store>, site: &str) -> Self {
        Self {
            store,
            site: site.to_owned(),
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The log's name.
    pub(crate) fn log(&self) -> String {
        log_name(&self.site)
    }

    /// Appends one item (durable when this returns); its seq.
    pub(crate) async fn push(&self, item: &ForAgent, login: Option<&str>) -> StoreResult<u64> {
        let batch = AppendBatch {
            client_message_id: None,
            fingerprint: None,
            entries: vec![encode_entry(item, login)?],
            record: None,
            guard: None,
            schedule: None,
            also: Vec::new(),
        };
        match self.store.append(&log_name(&self.site), batch).await? {
            AppendOutcome::Appended { last_seq, .. }
            | AppendOutcome::Duplicate { last_seq, .. } => Ok(last_seq),
            // None happens without an id, a record or a guard; say so rather than guess a seq.
            AppendOutcome::IdConflict
            | AppendOutcome::RecordConflict { .. }
            | AppendOutcome::GuardConflict { .. } => Err(StoreError::invalid(
                "an outbox append without an id, record or guard conflicted",
            )),
        }
    }

    /// Up to `limit` entries after `after`, oldest first.
    pub(crate) async fn read(&self, after: u64, limit: usize) -> StoreResult<Vec<LogEntry>> {
        self.store
            .read_log(&log_name(&self.site), after, limit)
            .await
    }

    /// What the entry at `seq` holds now, if it may be sent: `None` once it was erased, or
    /// when it is gone (trimmed: another node delivered it and moved the cursor).
    pub(crate) async fn sendable(&self, seq: u64) -> StoreResult<Option<Bytes>> {
        let entries = self.read(seq.saturating_sub(1), 1).await?;
        Ok(entries
            .into_iter()
            .next()
            .filter(|entry| entry.seq == seq && !is_erased(&entry.body))
            .map(|entry| entry.body))
    }

    /// Overwrites the entry at `seq` with [`ERASED`]; false when it is not kept (trimmed).
    pub(crate) async fn erase(&self, seq: u64) -> StoreResult<bool> {
        self.overwrite(seq, Bytes::from_static(ERASED)).await
    }

    /// Overwrites the entry at `seq` with `body` (an erasure's stripped copy of an end
    /// event); false when it is not kept (trimmed).
    pub(crate) async fn overwrite(&self, seq: u64, body: Bytes) -> StoreResult<bool> {
        self.store
            .overwrite_entry(&log_name(&self.site), seq, body)
            .await
    }

    /// The node that holds the delivery lease now, if any (on a shared store).
    pub(crate) async fn lease_holder(&self) -> StoreResult<Option<String>> {
        Ok(self
            .store
            .get(&lease_key(&self.site))
            .await?
            .map(|record| String::from_utf8_lossy(&record.value).into_owned()))
    }

    /// Drops the delivered entries up to `through` (at most the cursor: the caller passes a
    /// cursor it read or wrote) from the log, [`TRIM_CHUNK`] at a time; how many it dropped.
    /// Nothing is written when the log holds no entry at or below `through`.
    pub(crate) async fn trim(&self, through: u64) -> StoreResult<u64> {
        let log = log_name(&self.site);
        let Some(first_kept) = self
            .store
            .read_log(&log, 0, 1)
            .await?
            .first()
            .map(|e| e.seq)
        else {
            return Ok(0);
        };
        let mut trimmed_through = first_kept.saturating_sub(1);
        let mut dropped = 0;
        while trimmed_through < through {
            let next = through.min(trimmed_through.saturating_add(TRIM_CHUNK));
            dropped += self.store.trim_log(&log, next).await?;
            trimmed_through = next;
        }
        Ok(dropped)
    }

    /// How far the contact centre has acknowledged. An unreadable cursor counts as 0: the
    /// items are sent again rather than lost.
    pub(crate) async fn cursor(&self) -> StoreResult<Cursor> {
        let Some(record) = self.store.get(&cursor_key(&self.site)).await? else {
            return Ok(Cursor {
                seq: 0,
                version: None,
            });
        };
        let seq = std::str::from_utf8(&record.value)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                tracing::warn!(site = %self.site, "the webhook outbox cursor is unreadable; starting over");
                0
            });
        Ok(Cursor {
            seq,
            version: Some(record.version),
        })
    }

    /// Marks an erasure on the cursor record: writes it again as it stands (a new version,
    /// the same seq), so that a delivery loop's next compare-and-set of the cursor fails and
    /// the loop reads its batch again (`webhook.rs`, `Fresh`); the cursor's seq. Tried again
    /// when the loop moves the cursor in between.
    pub(crate) async fn mark_erasure(&self) -> StoreResult<u64> {
        let key = cursor_key(&self.site);
        for _ in 0..MARK_TRIES {
            let (value, expected_version) = match self.store.get(&key).await? {
                Some(record) => (record.value, Some(record.version)),
                None => (Bytes::from_static(b"0"), None),
            };
            let seq = std::str::from_utf8(&value)
                .ok()
                .and_then(|text| text.parse().ok())
                .unwrap_or(0);
            let write = RecordWrite {
                key: key.clone(),
                expected_version,
                value,
                ttl: None,
            };
            if let CasOutcome::Written { .. } = self.store.put(write).await? {
                return Ok(seq);
            }
        }
        Err(StoreError::Unavailable {
            target: key,
            reason: "the cursor kept moving while an erasure marked it".to_owned(),
        })
    }

    /// Moves the cursor from `from` to `seq`; the new cursor, or `None` when another node
    /// moved it in between (then nothing was written).
    pub(crate) async fn advance(&self, from: Cursor, seq: u64) -> StoreResult<Option<Cursor>> {
        let write = RecordWrite {
            key: cursor_key(&self.site),
            expected_version: from.version,
            value: Bytes::from(seq.to_string()),
            ttl: None,
        };
        Ok(match self.store.put(write).await? {
            CasOutcome::Written { version } => Some(Cursor {
                seq,
                version: Some(version),
            }),
            CasOutcome::Conflict { .. } => None,
        })
    }
}

/// Who may deliver a site's outbox. On a store of this process alone (sled) the node always
/// may; on a shared store (Redis) the holder of the lease record may.
#[derive(Debug)]
pub(crate) struct Lease {
    store: Arc<dyn Store>,
    key: String,
    holder: String,
    shared: bool,
    ttl: Duration,
    /// The version of our lease record and when we wrote it, while we hold it.
    held: Option<(u64, Instant)>,
}

impl Lease {
    /// The lease of `site` for the node `holder` (a random id per process).
    pub(crate) fn new(store: Arc<dyn Store>, site: &str, holder: &str) -> Self {
        let shared = store.is_shared();
        Self::with(store, site, holder, shared, LEASE_TTL)
    }

    /// A lease with an explicit kind and TTL (tests run a shared lease on sled).
    pub(crate) fn with(
        store: Arc<dyn Store>,
        site: &str,
        holder: &str,
        shared: bool,
        ttl: Duration,
    ) -> Self {
        Self::named(store, lease_key(site), holder, shared, ttl)
    }

    /// A lease on the record `key` (another kind of work done by one node at a time, e.g.
    /// a site's retention purge).
    pub(crate) fn named(
        store: Arc<dyn Store>,
        key: String,
        holder: &str,
        shared: bool,
        ttl: Duration,
    ) -> Self {
        Self {
            store,
            key,
            holder: holder.to_owned(),
            shared,
            ttl,
            held: None,
        }
    }

    /// When the lease must be renewed next, while held (`None`: no renewal needed).
    pub(crate) fn renew_at(&self) -> Option<Instant> {
        let renew_every = self.ttl / 3;
        self.held.map(|(_, written)| written + renew_every)
    }

    /// Takes the lease, or renews it when a third of its TTL has passed; whether this node
    /// holds it now.
    pub(crate) async fn hold(&mut self) -> StoreResult<bool> {
        if !self.shared {
            return Ok(true);
        }
        if self.renew_at().is_some_and(|at| Instant::now() < at) {
            return Ok(true);
        }
        self.renew().await
    }

    /// Writes the lease again (take or renew); whether this node holds it.
    pub(crate) async fn renew(&mut self) -> StoreResult<bool> {
        if !self.shared {
            return Ok(true);
        }
        let expected = self.held.map(|(version, _)| version);
        let written = self.write(expected).await?;
        if written {
            return Ok(true);
        }
        if expected.is_none() {
            return Ok(false);
        }
        // Our version is gone (expired, or taken): try once as a newcomer.
        self.write(None).await
    }

    async fn write(&mut self, expected_version: Option<u64>) -> StoreResult<bool> {
        let write = RecordWrite {
            key: self.key.clone(),
            expected_version,
            value: Bytes::from(self.holder.clone()),
            ttl: Some(self.ttl),
        };
        let now = Instant::now();
        match self.store.put(write).await? {
            CasOutcome::Written { version } => {
                self.held = Some((version, now));
                Ok(true)
            }
            CasOutcome::Conflict { .. } => {
                self.held = None;
                Ok(false)
            }
        }
    }

    /// After a renewal failed for a reason other than a conflict (the store is away):
    /// try again in a second rather than at once.
    pub(crate) fn postpone(&mut self) {
        let renew_every = self.ttl / 3;
        if let Some((_, written)) = &mut self.held {
            let retry_at = Instant::now() + Duration::from_secs(1);
            if let Some(shifted) = retry_at.checked_sub(renew_every) {
                *written = shifted;
            }
        }
    }

    /// Gives the lease up (at shutdown), so another node need not wait for it to expire.
    pub(crate) async fn release(&mut self) {
        let Some((version, _)) = self.held.take() else {
            return;
        };
        if self.shared
            && let Err(err) = self.store.delete(&self.key, Some(version)).await
        {
            tracing::debug!(error = %err, key = %self.key, "a lease was not released; it expires");
        }
    }
}
