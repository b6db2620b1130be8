//! The webhook connector for external contact centres: every [`Outbound`] item for the
//! site's agents is first stored in the site's outbox (`outbox.rs`), then POSTed, signed, to
//! the site's URL by the delivery loop (`delivery.rs`); agents' commands arrive on the
//! commands endpoint (`webhook_routes.rs`), are verified, checked against the store's replay
//! records and queued, and `next_command` yields them.
//!
//! Body of a delivery (`Content-Type: application/json`):
//!
//! ```json
//! {"delivery": "2b0c…", "seq": 7, "site": "demo", "agent": "ada", "agent_id": "op-3f2a", "item": {"kind": "event", "event": "POPUP", ...}}
//! ```
//!
//! `delivery` is a UUID drawn when the item was stored and `seq` its position in the site's
//! outbox: both stay the same across retries and restarts, so a receiver can drop
//! duplicates (delivery is at least once); `agent` is the agent's login (`logins.rs`; the
//! id when the operator is gone) and `agent_id` the operator id; `item` is the wire form of
//! the stored [`Item`] (`item.rs`: an [`Outbound`] or a refused command, with the offer's
//! summary or the transcript flag). Headers
//! [`TIMESTAMP_HEADER`] (Unix seconds, fresh on each attempt) and [`SIGNATURE_HEADER`]
//! (`webhook_signature(secret, timestamp, body)`). Each attempt is bounded by the configured
//! timeout; network errors (TLS failures such as an unknown issuer or a name mismatch
//! included), timeouts, 408, 429 and 5xx are retried with a doubling backoff; redirects are
//! not followed. Bodies and secrets are never logged. The client (`webhook_client.rs`)
//! speaks `http://` and `https://`.
//!
//! Before each attempt at a stored item (the first one only when an erasure may have come
//! since its batch was read: [`Fresh`]) the connector reads the item again from the outbox,
//! under its attempt gate ([`WebhookConnector::attempt_gate`]): an item erased meanwhile
//! (`erase.rs`) is not sent, one overwritten with another copy (an end event stripped by an
//! erasure) is sent as it is stored now, and an erasure on this node waits for the gate, so
//! an attempt that read the item before it was erased has ended when the erasure answers.
//!
//! [`Connector::deliver`] (the trait, used by the conformance story) posts one item
//! directly, without the outbox and without `seq`; the server never uses it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{
    BoxFuture, Connector, ConnectorError, Inbound, Outbound, webhook_signature,
};

use super::inbound::{
    self, CommandCheck, CommandQueue, InboundError, Queued, Received, ReplayGuard,
};
use super::inbound::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::item::{ForAgent, Item, WireItem, message_author};
use super::logins::Logins;
use super::outbox::{Outbox, OutboxEntry};
use super::retry::{RetryPolicy, Verdict, verdict_for};
use crate::config::{WebhookSettings, WebhookSettingsError};
use crate::secret::Secret;
use crate::store::{Clock, Store, StoreResult};

/// Why a webhook connector cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSetupError {
    /// The settings are invalid.
    #[error(transparent)]
    Settings(#[from] WebhookSettingsError),
    /// `ca_file` cannot be read, holds no PEM certificate, or a certificate in it is not
    /// usable as a trust anchor.
    #[error("`webhook.ca_file` {path}: {reason}")]
    CaFile {
        /// The configured path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (for example, no usable resolver).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

/// The JSON body of one delivery.
#[derive(Serialize)]
struct Delivery<'a> {
    delivery: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    site: &'a str,
    /// The agent as the contact centre names them: the login (the operator id when the
    /// operator is gone).
    agent: &'a str,
    /// The operator id.
    agent_id: &'a AgentId,
    item: WireItem<'a>,
}

/// What became of a round of attempts at a stored item that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Posted {
    /// The receiver answered 2xx.
    Delivered,
    /// The item was erased (or delivered by another node) before an attempt: not sent.
    Erased,
    /// The stored item was overwritten with another copy before an attempt: not sent; the
    /// caller reads it again.
    Changed,
}

/// What one attempt came to.
enum Attempt {
    /// The receiver answered.
    Answered(reqwest::StatusCode),
    /// The stored item was erased: nothing was sent.
    Erased,
    /// The stored item holds another copy now: nothing was sent.
    Changed,
}

/// Whether the stored bytes an attempt would send are known to be what the outbox holds,
/// without reading them again.
///
/// An erasure overwrites items, then marks the cursor record (`Outbox::mark_erasure`) and
/// counts itself on its node's connector ([`WebhookConnector::note_erasure`]), then waits
/// for an attempt under way at the head. The delivery loop reads the erasure count, then the
/// cursor, then a batch. Its first entry is fresh as read; each further one is fresh when the
/// cursor's compare-and-set for the one before succeeded (no erasure mark came since the
/// cursor was read: a mark makes that write conflict, and the loop reads the batch again).
/// Under the attempt gate the count must still be the one read before the batch (an erasure
/// on this node since, whose mark may have come after the loop's last cursor write). What
/// is left is an erasure on another node whose mark came after the loop's last check: the
/// item is then at the head, and that erasure waits for the attempt under way there
/// (`erase.rs`). So only the first attempt at an entry skips the read; every retry reads
/// the item again (the receiver failed: an extra read does not matter then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fresh {
    /// Read again before the attempt.
    No,
    /// Fresh while this node's erasure count is this one.
    Since(u64),
}

/// A stored entry being sent: its seq, the bytes it was read as, and whether these are
/// known fresh.
#[derive(Debug, Clone, Copy)]
struct Stored<'a> {
    seq: u64,
    bytes: &'a Bytes,
    fresh: Fresh,
}

/// How much longer than an attempt's timeout an erasure on another node than the
/// delivering one waits for that attempt to end (the time between the attempt's check and
/// the start of its request).
const ATTEMPT_MARGIN: Duration = Duration::from_secs(1);

/// A connector that posts signed webhooks and yields signed commands. One per site.
pub struct WebhookConnector {
    site: String,
    url: url::Url,
    secret: Secret,
    tolerance_s: u64,
    policy: RetryPolicy,
    /// Bound of one attempt (`webhook.timeout_ms`).
    attempt_timeout: Duration,
    client: reqwest::Client,
    clock: Clock,
    queue: CommandQueue,
    replay: ReplayGuard,
    outbox: Outbox,
    /// Wakes the delivery loop when this node stored an item.
    wake: tokio::sync::Notify,
    /// This process's id in the outbox lease.
    node: String,
    /// Held from an attempt's check of its stored item until its answer (or failure).
    attempt_gate: tokio::sync::Mutex<()>,
    /// How many erasures on this node changed items of the site's outbox.
    erasures: std::sync::atomic::AtomicU64,
    /// The logins of the site's operators by id (`logins.rs`).
    logins: Logins,
    /// Commands queued on this node and not applied yet ([`WebhookConnector::applied`]).
    unapplied: std::sync::atomic::AtomicUsize,
    /// Delivery rounds on this node that found the receiver unreachable (`GET /metrics`).
    delivery_failures: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for WebhookConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The host only: the path or the user info of the URL may carry credentials.
        f.debug_struct("WebhookConnector")
            .field("site", &self.site)
            .field("host", &self.url.host_str())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl WebhookConnector {
    /// A connector for `site`; `clock` dates signatures and checks incoming ones; `store`
    /// holds the outbox and the replay records of commands.
    pub fn new(
        site: &str,
        settings: &WebhookSettings,
        clock: Clock,
        store: Arc<dyn Store>,
    ) -> Result<Self, WebhookSetupError> {
        let (url, client) = super::webhook_client::build(settings)?;
        if settings.sends_in_clear_off_loopback() {
            tracing::warn!(
                site,
                host = url.host_str().unwrap_or_default(),
                "webhook.url is plain http:// to a host that is not loopback: visitor messages \
                 cross the network unencrypted; use https://"
            );
        }
        Ok(Self {
            site: site.to_owned(),
            url,
            secret: settings.secret.clone(),
            tolerance_s: settings.tolerance_s,
            policy: RetryPolicy {
                max_attempts: settings.max_attempts,
                first_backoff: Duration::from_millis(settings.backoff_ms),
            },
            attempt_timeout: Duration::from_millis(settings.timeout_ms),
            client,
            clock,
            queue: CommandQueue::new(),
            replay: ReplayGuard::new(Arc::clone(&store), site),
            outbox: Outbox::new(store, site),
            wake: tokio::sync::Notify::new(),
            node: uuid::Uuid::new_v4().to_string(),
            attempt_gate: tokio::sync::Mutex::new(()),
            erasures: std::sync::atomic::AtomicU64::new(0),
            logins: Logins::new(site),
            unapplied: std::sync::atomic::AtomicUsize::new(0),
            delivery_failures: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Checks `settings` and builds the HTTP client, as [`WebhookConnector::new`] does,
    /// without a store (for `config check`).
    pub fn check(settings: &WebhookSettings) -> Result<(), WebhookSetupError> {
        super::webhook_client::build(settings).map(drop)
    }

    /// The site this connector serves.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The retry policy of one round of attempts.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Delivery rounds on this node that found the receiver unreachable.
    pub(crate) fn delivery_failures(&self) -> &std::sync::atomic::AtomicU64 {
        &self.delivery_failures
    }

    pub(crate) fn node(&self) -> &str {
        &self.node
    }

    /// The clock that dates signatures (the server's clock; tests move it).
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Waits until no attempt of this node is under way and holds the next off while the
    /// guard lives: an attempt that checked its item before an erasure has ended then.
    pub(crate) async fn attempt_gate(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.attempt_gate.lock().await
    }

    /// How many erasures on this node changed items of the outbox: the delivery loop reads
    /// it before it reads a batch, and an attempt whose batch was read before the last one
    /// reads its item again.
    pub(crate) fn erasures(&self) -> u64 {
        self.erasures.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Counts an erasure that changed items of the outbox (after it overwrote them).
    pub(crate) fn note_erasure(&self) {
        self.erasures
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// How long an attempt of another node that checked its item before an erasure may
    /// still run: the attempt's timeout and a margin.
    pub(crate) fn attempt_bound(&self) -> Duration {
        self.attempt_timeout + ATTEMPT_MARGIN
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Stores one item for the contact centre in the site's outbox (durable when this
    /// returns) and wakes the delivery loop; the item's `seq`.
    pub async fn record(&self, agent: &AgentId, item: &Outbound) -> StoreResult<u64> {
        self.record_item(&ForAgent::desk(agent.clone(), item.clone()))
            .await
    }

    /// [`WebhookConnector::record`] for any item, with its extras.
    pub async fn record_item(&self, item: &ForAgent) -> StoreResult<u64> {
        let login = self.logins.known(&item.agent);
        let seq = self.outbox.push(item, login.as_deref()).await?;
        self.wake.notify_one();
        Ok(seq)
    }

    /// Remembers that operator `id` logs in as `login` (the contact centre names agents by
    /// login): items stored for them from now on carry it.
    pub fn remember_login(&self, id: &AgentId, login: &str) {
        self.logins.remember(id, login);
    }

    /// The outbox log and the stored form of `items`, for a caller that appends them in a
    /// write of its own (the desk appends its events with its own compare-and-set, a chat
    /// message's item is a side append of the conversation's append, so each is stored
    /// together with what it tells of, or not at all). Call [`WebhookConnector::wake`] once
    /// that write is durable.
    pub fn outbox_entries(&self, items: &[ForAgent]) -> StoreResult<(String, Vec<Bytes>)> {
        let entries = items
            .iter()
            .map(|item| {
                let login = self.logins.known(&item.agent);
                super::outbox::encode_entry(item, login.as_deref())
            })
            .collect::<StoreResult<_>>()?;
        Ok((self.outbox.log(), entries))
    }

    /// Wakes the delivery loop after items were appended to the outbox by
    /// another write than [`WebhookConnector::record`].
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers the site's outbox until `stopping` resolves (one such loop per node; on a
    /// shared store the lease lets one node at a time send).
    pub async fn run_deliveries(&self, stopping: impl std::future::Future<Output = ()>) {
        super::delivery::run(self, stopping).await;
    }

    /// Checks and queues one posted command (what the commands endpoint calls): the two
    /// signature headers, the timestamp against the clock, the body, then replays (in the
    /// store, so every node sharing it agrees), then what `check` knows of the command (a
    /// command it refuses is not queued, and its replay record is dropped: the same `id`
    /// may come again, fixed).
    pub async fn receive(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        check: Option<&dyn CommandCheck>,
    ) -> Result<Received, InboundError> {
        let now_ms = self.clock.now_ms();
        let now = jiff::Timestamp::from_millisecond(now_ms).map_err(|_| {
            InboundError::StaleSignature {
                skew_s: u64::MAX,
                tolerance_s: self.tolerance_s,
            }
        })?;
        let signed_at = inbound::verify(
            &self.secret,
            timestamp,
            signature,
            body,
            now,
            self.tolerance_s,
        )?;
        let (command, key) = inbound::parse(body, signature.unwrap_or_default())?;
        let tolerance = i64::try_from(self.tolerance_s).unwrap_or(i64::MAX);
        let now_s = now.as_second();
        let expires_s = signed_at.max(now_s).saturating_add(tolerance);
        let window = Duration::from_secs(u64::try_from(expires_s - now_s).unwrap_or(1).max(1));
        if self.queue.is_closed() {
            return Err(InboundError::Closed);
        }
        if !self.replay.claim(&key, window).await? {
            tracing::debug!(site = %self.site, agent = %command.inbound.agent, "duplicate webhook command dropped");
            return Ok(Received::Duplicate);
        }
        let settled = self.unapplied.load(Ordering::SeqCst) == 0;
        if let Some(check) = check
            && let Err(refusal) = check.check(&self.site, &command.inbound, settled).await
        {
            self.replay.release(&key).await;
            return Err(InboundError::Refused(refusal));
        }
        // Counted before it can be taken, so that its `applied` never comes first.
        self.unapplied.fetch_add(1, Ordering::SeqCst);
        if let Err(err) = self.queue.push(command) {
            self.applied();
            self.replay.release(&key).await;
            return Err(err);
        }
        Ok(Received::Queued)
    }

    /// The next queued command with its `id` (what `next_command` yields, with the id);
    /// `None` once the connector is closed and drained. Call [`WebhookConnector::applied`]
    /// once it was applied (or refused).
    pub async fn next_queued(&self) -> Option<Queued> {
        self.queue.next().await
    }

    /// How many commands were queued on this node and not applied yet.
    pub fn unapplied(&self) -> usize {
        self.unapplied.load(Ordering::SeqCst)
    }

    /// A command taken with [`WebhookConnector::next_queued`] was applied or refused: the
    /// commands received after it are checked on the desk as it stands once none is left.
    pub fn applied(&self) {
        let _ = self
            .unapplied
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// Stops the connector: deliveries fail with `Closed`, the endpoint answers 503, and
    /// `next_command` yields the commands already queued, then `None`.
    pub fn close(&self) {
        self.queue.close();
    }

    /// Posts one item directly, with a fresh delivery id and no `seq` (the trait's
    /// `deliver`).
    async fn post(&self, agent: &AgentId, item: &Outbound) -> Result<(), ConnectorError> {
        let entry = OutboxEntry {
            delivery: uuid::Uuid::new_v4().to_string(),
            agent: agent.clone(),
            login: None,
            item: Item::Desk(item.clone()),
            summary: None,
            transcript: false,
        };
        self.send(&entry, None).await.map(drop)
    }

    /// One round of attempts for a stored entry (`stored`, parsed as `entry`): its delivery
    /// id and its seq. Each attempt first checks that the outbox still holds these bytes at
    /// `seq`, but the first one when the caller knows them `fresh` (see [`Fresh`]).
    pub(crate) async fn send_entry(
        &self,
        seq: u64,
        stored: &Bytes,
        entry: &OutboxEntry,
        fresh: Fresh,
    ) -> Result<Posted, ConnectorError> {
        let stored = Stored {
            seq,
            bytes: stored,
            fresh,
        };
        self.send(entry, Some(stored)).await
    }

    /// Posts one body with up to `max_attempts` attempts (a stored one, with its `seq` and
    /// its stored bytes, only while the outbox holds the same bytes).
    async fn send(
        &self,
        entry: &OutboxEntry,
        stored: Option<Stored<'_>>,
    ) -> Result<Posted, ConnectorError> {
        if self.queue.is_closed() {
            return Err(ConnectorError::Closed);
        }
        let agent = &entry.agent;
        let unreadable =
            |err| ConnectorError::Unreachable(format!("the operators cannot be read: {err}"));
        let login = match &entry.login {
            Some(login) => Some(login.clone()),
            None => self
                .logins
                .lookup(self.outbox.store(), agent)
                .await
                .map_err(unreadable)?,
        };
        let author_login = match message_author(&entry.item) {
            Some(author) if author == agent => login.clone(),
            Some(author) => self
                .logins
                .lookup(self.outbox.store(), author)
                .await
                .map_err(unreadable)?,
            None => None,
        };
        let body = Delivery {
            delivery: &entry.delivery,
            seq: stored.as_ref().map(|stored| stored.seq),
            site: &self.site,
            agent: login.as_deref().unwrap_or(agent.as_str()),
            agent_id: agent,
            item: WireItem::new(
                &entry.item,
                entry.summary.as_deref(),
                entry.transcript,
                author_login.as_deref(),
            ),
        };
        let body = Bytes::from(
            serde_json::to_vec(&body).map_err(|err| ConnectorError::Protocol(err.to_string()))?,
        );
        let mut attempt = 1;
        loop {
            let checked = stored.as_ref().map(|stored| Stored {
                fresh: if attempt == 1 {
                    stored.fresh
                } else {
                    Fresh::No
                },
                ..*stored
            });
            let failure = match self.checked_attempt(checked, &body).await {
                Ok(Attempt::Erased) => return Ok(Posted::Erased),
                Ok(Attempt::Changed) => return Ok(Posted::Changed),
                Ok(Attempt::Answered(status)) => match verdict_for(status) {
                    Verdict::Delivered => return Ok(Posted::Delivered),
                    Verdict::Refused => {
                        tracing::warn!(site = %self.site, %agent, %status, "the webhook receiver refused a delivery");
                        return Err(ConnectorError::Refused(format!("HTTP {status}")));
                    }
                    Verdict::Retry => format!("HTTP {status}"),
                },
                Err(err) => err,
            };
            let Some(wait) = self.policy.backoff_before(attempt + 1) else {
                tracing::warn!(site = %self.site, %agent, attempt, failure, "webhook delivery failed on every attempt");
                return Err(ConnectorError::Unreachable(format!(
                    "{failure} (after {attempt} attempts)"
                )));
            };
            tracing::debug!(site = %self.site, %agent, attempt, failure, ?wait, "webhook delivery failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt under the gate: a stored entry (`seq`, the bytes it was read as) is read
    /// again first, unless it is known fresh and no erasure on this node came since, and not
    /// sent once erased or changed; an entry that cannot be read is a failed attempt (tried
    /// again).
    async fn checked_attempt(
        &self,
        stored: Option<Stored<'_>>,
        body: &Bytes,
    ) -> Result<Attempt, String> {
        let _gate = self.attempt_gate.lock().await;
        if let Some(Stored {
            seq,
            bytes: read_as,
            fresh,
        }) = stored
            && fresh != Fresh::Since(self.erasures())
        {
            let now = self
                .outbox
                .sendable(seq)
                .await
                .map_err(|err| format!("the outbox cannot be read: {err}"))?;
            match now {
                None => return Ok(Attempt::Erased),
                Some(now) if now != *read_as => return Ok(Attempt::Changed),
                Some(_) => {}
            }
        }
        self.attempt(body).await.map(Attempt::Answered)
    }

    /// One signed POST; the status, or why no answer came (without the URL).
    async fn attempt(&self, body: &Bytes) -> Result<reqwest::StatusCode, String> {
        let timestamp = self.clock.now_ms().div_euclid(1_000);
        let signature = webhook_signature(self.secret.expose().as_bytes(), timestamp, body);
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp)
            .header(SIGNATURE_HEADER, signature)
            .body(body.clone())
            .send()
            .await
            .map_err(|err| super::webhook_client::describe(&err))?;
        Ok(response.status())
    }
}

impl Connector for WebhookConnector {
    fn name(&self) -> &str {
        "webhook"
    }

    fn deliver<'a>(
        &'a self,
        agent: &'a AgentId,
        item: &'a Outbound,
    ) -> BoxFuture<'a, Result<(), ConnectorError>> {
        Box::pin(self.post(agent, item))
    }

    fn next_command(&self) -> BoxFuture<'_, Result<Option<Inbound>, ConnectorError>> {
        Box::pin(async move { Ok(self.queue.next().await.map(|queued| queued.inbound)) })
    }
}
