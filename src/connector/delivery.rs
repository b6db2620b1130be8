//! The delivery loop of a site's webhook outbox: while this node holds the lease, send the
//! entries after the cursor in seq order, each until the contact centre answers 2xx (or
//! refuses it for good), and move the cursor past it.
//!
//! One entry is sent as a round of [`RetryPolicy`] attempts (the backoff of `retry.rs`);
//! when a whole round fails the loop pauses ([`RetryPolicy::pause_after_failed_rounds`],
//! doubling up to 30 s) and sends the same entry again, for as long as it takes: later
//! entries wait, so the order holds and nothing is dropped. A refusal (a 4xx, a redirect)
//! or an entry that cannot be read is logged and skipped, as the contract says; an erased
//! entry (`erase.rs`) is skipped, also when it was erased during its rounds, and one
//! overwritten during its rounds (an end event an erasure stripped) is read again and sent
//! as it is stored now: each retry reads its entry again first, and so does a first attempt
//! when an erasure may have come since the batch was read (`webhook.rs`, `Fresh`; an
//! erasure marks the cursor, so the loop's next move of the cursor fails and it reads the
//! batch again). The lease
//! is renewed while a send or a pause is under way; when it is lost the send is abandoned
//! (the new holder sends the entry again: at least once). Memory stays bounded whatever the
//! backlog: entries are read [`BATCH`] at a time.
//!
//! Delivered entries are trimmed from the log ([`Trim`]) after the cursor moved past them,
//! when the loop would wait anyway (it caught up, or it pauses before another round for a
//! failing entry) and, while a backlog keeps it busy, once [`TRIM_EVERY`] entries were
//! delivered since the last trim. A trim is a store write of its own; trimming after every
//! item would double the loop's writes (cursor + trim) on a busy site, while this costs one
//! trim per [`TRIM_EVERY`] items under load and one per burst on a quiet site, where writes
//! are cheap. Only entries at or below a cursor this node read or wrote are trimmed, so an
//! entry not yet acknowledged (or refused) is never dropped.

use std::future::Future;
use std::time::Duration;

use staffetta_handoff::connector::ConnectorError;

use super::outbox::{Lease, Outbox, OutboxEntry, is_erased};
use super::webhook::{Fresh, Posted, WebhookConnector};

/// Entries read from the store at a time.
pub(crate) const BATCH: usize = 64;
/// How often an idle holder looks for entries other nodes appended (its own appends wake
/// it at once), and how often a node without the lease tries to take it.
pub(crate) const POLL: Duration = Duration::from_millis(250);
/// The pause after a store error before the loop tries again.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// Delivered entries a busy loop leaves in the log before it trims them (a batch).
pub(crate) const TRIM_EVERY: u64 = BATCH as u64;

/// What this loop has trimmed: entries at or below `through` are known to be gone.
#[derive(Debug, Default)]
struct Trim {
    through: u64,
}

impl Trim {
    /// Trims through `cursor` (the last delivered seq) if anything delivered may be left.
    /// A failed trim is logged and tried again at the next chance; delivery goes on.
    async fn delivered(&mut self, outbox: &Outbox, site: &str, cursor: u64) {
        if cursor <= self.through {
            return;
        }
        match outbox.trim(cursor).await {
            Ok(dropped) => {
                tracing::debug!(%site, through = cursor, dropped, "webhook outbox trimmed");
                self.through = cursor;
            }
            Err(err) => {
                tracing::warn!(%site, error = %err, "delivered webhook outbox entries were not trimmed; trying again later");
            }
        }
    }

    /// [`Trim::delivered`] once [`TRIM_EVERY`] entries were delivered since the last trim.
    async fn every_batch(&mut self, outbox: &Outbox, site: &str, cursor: u64) {
        if cursor.saturating_sub(self.through) >= TRIM_EVERY {
            self.delivered(outbox, site, cursor).await;
        }
    }
}

/// What became of one entry.
enum Sent {
    /// Acknowledged, refused for good, or unreadable: the cursor moves past it.
    Done,
    /// The lease was lost while sending: another node takes over.
    LostLease,
    /// The outbox changed (the entry was overwritten, or an erasure marked the cursor): the
    /// batch is read again from the cursor.
    Changed,
    /// The connector was closed (shutdown).
    Closed,
}

/// Delivers the site's outbox until `stopping` resolves, then gives the lease up.
pub(crate) async fn run(connector: &WebhookConnector, stopping: impl Future<Output = ()>) {
    let mut lease = Lease::new(
        std::sync::Arc::clone(connector.outbox().store()),
        connector.site(),
        connector.node(),
    );
    tokio::select! {
        () = deliver_while_leased(connector, &mut lease) => {}
        () = stopping => {}
    }
    lease.release().await;
}

/// The loop proper; returns only once the connector is closed.
pub(crate) async fn deliver_while_leased(connector: &WebhookConnector, lease: &mut Lease) {
    let site = connector.site().to_owned();
    let mut trim = Trim::default();
    loop {
        match lease.hold().await {
            Ok(true) => {}
            Ok(false) => {
                tokio::time::sleep(POLL).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(%site, error = %err, "the webhook outbox lease cannot be read");
                tokio::time::sleep(STORE_RETRY).await;
                continue;
            }
        }
        match deliver_batch(connector, lease, &mut trim).await {
            Ok(Some(Sent::Closed)) => return,
            Ok(Some(_)) => {}
            Ok(None) => {
                tokio::select! {
                    () = connector.woken() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
            Err(err) => {
                tracing::warn!(%site, error = %err, "the webhook outbox cannot be read");
                tokio::time::sleep(STORE_RETRY).await;
            }
        }
    }
}

/// Sends the next batch after the cursor, trimming what was delivered (see [`Trim`]);
/// `None` when there was nothing to send.
async fn deliver_batch(
    connector: &WebhookConnector,
    lease: &mut Lease,
    trim: &mut Trim,
) -> Result<Option<Sent>, crate::store::StoreError> {
    let outbox = connector.outbox();
    let site = connector.site();
    // Read before the cursor and the batch: the entries are fresh while it stays the same
    // and the cursor's compare-and-set succeeds (see `Fresh`).
    let erasures = connector.erasures();
    let mut cursor = outbox.cursor().await?;
    let entries = outbox.read(cursor.seq, BATCH).await?;
    if entries.is_empty() {
        trim.delivered(outbox, site, cursor.seq).await;
        return Ok(None);
    }
    for entry in entries {
        let sent = if is_erased(&entry.body) {
            tracing::debug!(
                site,
                seq = entry.seq,
                "an erased webhook outbox entry is skipped"
            );
            Sent::Done
        } else {
            match serde_json::from_slice::<OutboxEntry>(&entry.body) {
                Ok(stored) => {
                    let delivered = (&mut *trim, cursor.seq);
                    let sending = (entry.seq, &entry.body, &stored, Fresh::Since(erasures));
                    send_until_done(connector, lease, sending, delivered).await
                }
                Err(err) => {
                    tracing::warn!(site = connector.site(), seq = entry.seq, error = %err, "an unreadable webhook outbox entry is skipped");
                    Sent::Done
                }
            }
        };
        match sent {
            Sent::Done => match outbox.advance(cursor, entry.seq).await? {
                Some(moved) => {
                    cursor = moved;
                    trim.every_batch(outbox, site, cursor.seq).await;
                }
                None => {
                    return match advance_after_conflict(outbox, cursor, entry.seq).await? {
                        // An erasure marked the cursor: read the batch again.
                        Some(moved) => {
                            trim.every_batch(outbox, site, moved.seq).await;
                            Ok(Some(Sent::Changed))
                        }
                        // Another node moved the cursor: re-read where it stands.
                        None => Ok(Some(Sent::LostLease)),
                    };
                }
            },
            other => return Ok(Some(other)),
        }
    }
    Ok(Some(Sent::Done))
}

/// After the cursor's compare-and-set from `from` failed: when the cursor still stands at
/// `from.seq`, an erasure marked it (`Outbox::mark_erasure`) and it is moved to `seq` from
/// its new version; `None` when another node moved it.
async fn advance_after_conflict(
    outbox: &Outbox,
    from: super::outbox::Cursor,
    seq: u64,
) -> Result<Option<super::outbox::Cursor>, crate::store::StoreError> {
    for _ in 0..ADVANCE_TRIES {
        let now = outbox.cursor().await?;
        if now.seq != from.seq {
            return Ok(None);
        }
        if let Some(moved) = outbox.advance(now, seq).await? {
            return Ok(Some(moved));
        }
    }
    Ok(None)
}

/// Most tries to move the cursor past erasure marks before the loop reads it again.
const ADVANCE_TRIES: usize = 4;

/// Sends one entry, round after round, until it is done or the lease is lost. Before the
/// first pause the entries delivered before it (up to `delivered.1`, the cursor) are trimmed:
/// the loop waits anyway.
async fn send_until_done(
    connector: &WebhookConnector,
    lease: &mut Lease,
    sending: (u64, &bytes::Bytes, &OutboxEntry, Fresh),
    delivered: (&mut Trim, u64),
) -> Sent {
    let (seq, stored, entry, mut fresh) = sending;
    let (trim, cursor) = delivered;
    let mut failed_rounds = 0u32;
    loop {
        let Some(outcome) = leased(lease, connector.send_entry(seq, stored, entry, fresh)).await
        else {
            return Sent::LostLease;
        };
        match outcome {
            Ok(Posted::Erased) => {
                tracing::debug!(
                    site = connector.site(),
                    seq,
                    "a webhook outbox entry erased before its attempt is skipped"
                );
                return Sent::Done;
            }
            Ok(Posted::Changed) => return Sent::Changed,
            Ok(Posted::Delivered)
            | Err(ConnectorError::Refused(_) | ConnectorError::Protocol(_)) => {
                return Sent::Done;
            }
            Err(ConnectorError::Closed) => return Sent::Closed,
            Err(_) => {}
        }
        fresh = Fresh::No;
        failed_rounds = failed_rounds.saturating_add(1);
        connector
            .delivery_failures()
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pause = connector.policy().pause_after_failed_rounds(failed_rounds);
        tracing::warn!(
            site = connector.site(),
            seq,
            failed_rounds,
            ?pause,
            "the webhook receiver is unreachable; the outbox waits"
        );
        if failed_rounds == 1 {
            trim.delivered(connector.outbox(), connector.site(), cursor)
                .await;
        }
        if leased(lease, tokio::time::sleep(pause)).await.is_none() {
            return Sent::LostLease;
        }
    }
}

/// Runs `work` while renewing the lease on time; `None` when the lease was lost (then
/// `work` is dropped).
async fn leased<F: Future>(lease: &mut Lease, work: F) -> Option<F::Output> {
    let mut work = std::pin::pin!(work);
    loop {
        let Some(renew_at) = lease.renew_at() else {
            return Some(work.await);
        };
        tokio::select! {
            output = &mut work => return Some(output),
            () = tokio::time::sleep_until(renew_at) => {
                match lease.renew().await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    // The store is away: keep going; the lease still runs for a while and
                    // the cursor's compare-and-set catches a takeover.
                    Err(err) => {
                        tracing::warn!(error = %err, "the webhook outbox lease was not renewed");
                        lease.postpone();
                    }
                }
            }
        }
    }
}
