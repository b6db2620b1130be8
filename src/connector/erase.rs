//! Erasing a conversation's items from a site's webhook outbox, for a purge (retention or
//! the erasure of a visitor, docs/retention.md): every stored entry whose item tells of the
//! conversation (its messages, the visitor's typing, the desk's events of the chat) is
//! overwritten in place with `ERASED` (`outbox.rs`) ([`crate::store::Store::overwrite_entry`]). The
//! seqs stay, so the cursor, the lease and the order of the other items are unaffected; the
//! delivery loop skips erased entries and the contact centre sees a gap in `seq`.
//!
//! One exception: the end of a chat or an offer. Its events (`CONNECTIONCLEARED`,
//! `JOBCHANGED` offline, `JOBFINISHED`: [`is_end_event`]) are kept, whatever produced them
//! (the purge ending the chat, the visitor or the agent before it, a purge cut short and
//! done again), so the contact centre closes the chat rather than keep a ghost of it. They
//! hold no visitor data: the job and chat ids, the queue, the media and job type, times and
//! a `reason`; a `reason` that is not one of the desk's own codes
//! ([`staffetta_handoff::event::DESK_END_REASONS`]) is the disposition an agent typed at
//! the wrap-up (free text), and the kept copy goes without it ([`kept_copy`]). Everything
//! else of the conversation is erased.
//!
//! The whole stored log is read (the items not yet acknowledged and the delivered ones not
//! yet trimmed), [`SCAN`] entries at a time: one read while the contact centre keeps up,
//! the whole backlog when it has been away. One scan serves every conversation a retention
//! pass or an erasure deletes ([`erase_conversations`]), not one scan per conversation.
//!
//! An attempt at the item at the head of the outbox may be under way while it is erased:
//! the attempt read it before. Once it has overwritten the items, the erasure marks the
//! outbox's cursor and counts itself on this node's connector, so that no later attempt
//! sends a copy read before (`webhook.rs`, `Fresh`). Each attempt checks its item under the
//! connector's attempt gate ([`WebhookConnector::attempt_gate`]), so when the erased items
//! include the head,
//! the erasure waits for that gate (this node's attempt) and, when another node holds the
//! delivery lease (or none does, on a shared store), until that node's attempt has ended
//! (the cursor moved past the item) or the longest it can last has passed on the server's
//! clock ([`WebhookConnector::attempt_bound`]). When [`erase_conversations`] returns, no attempt
//! at an erased item (or at the whole copy of a stripped one) is under way and none starts.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use staffetta_handoff::connector::Outbound;
use staffetta_handoff::event::{DESK_END_REASONS, EventName, JobState};

use super::item::Item;
use super::outbox::{Outbox, OutboxEntry, conversation_of, is_erased};
use super::webhook::WebhookConnector;
use crate::store::{LogEntry, Store, StoreResult};

/// Entries read at a time.
pub(crate) const SCAN: usize = 256;

/// Overwrites every item of `conversation` in `site`'s outbox with `ERASED` (but its end
/// events, see the module doc); how many it overwrote. One conversation of
/// [`erase_conversations`].
#[cfg(test)]
pub(crate) async fn erase_conversation(
    store: &Arc<dyn Store>,
    connector: Option<&WebhookConnector>,
    site: &str,
    conversation: &str,
) -> StoreResult<u64> {
    let targets = [conversation.to_owned()];
    let erased = erase_conversations(store, connector, site, &targets).await?;
    Ok(erased.first().copied().unwrap_or(0))
}

/// Overwrites every item of the `targets` (conversation ids) in `site`'s outbox with
/// `ERASED` (but their end events, kept or stripped: see the module doc), in one scan of the
/// outbox however many they are; how many it erased for each target, in their order.
/// `connector` is the site's webhook connector on this node (`None`: the site has none, so
/// no node delivers its outbox). Returns once no attempt at one of them is under way (see
/// the module doc). Idempotent: erased entries are left as they are.
pub async fn erase_conversations(
    store: &Arc<dyn Store>,
    connector: Option<&WebhookConnector>,
    site: &str,
    targets: &[String],
) -> StoreResult<Vec<u64>> {
    let mut counts = vec![0_u64; targets.len()];
    if targets.is_empty() {
        return Ok(counts);
    }
    let outbox = Outbox::new(Arc::clone(store), site);
    let mut changed = Vec::new();
    let mut after = 0;
    loop {
        let entries = outbox.read(after, SCAN).await?;
        let Some(last) = entries.last() else {
            break;
        };
        after = last.seq;
        for entry in &entries {
            let Some((target, change)) = change_of(entry, targets) else {
                continue;
            };
            let erasing = matches!(change, Change::Erase);
            let overwritten = match change {
                Change::Erase => outbox.erase(entry.seq).await?,
                Change::Strip(copy) => outbox.overwrite(entry.seq, copy).await?,
            };
            if overwritten {
                changed.push(entry.seq);
                counts[target] += u64::from(erasing);
            }
        }
        if entries.len() < SCAN {
            break;
        }
    }
    if !changed.is_empty() {
        let cursor = outbox.mark_erasure().await?;
        if let Some(connector) = connector {
            connector.note_erasure();
            wait_for_attempt_under_way(&outbox, connector, cursor, &changed).await?;
        }
    }
    if !changed.is_empty() {
        tracing::info!(
            site,
            items = changed.len(),
            conversations = targets.len(),
            "webhook outbox items of deleted conversations were erased"
        );
    }
    Ok(counts)
}

/// What an erasure does to one stored entry.
enum Change {
    /// Overwrite it with [`ERASED`](super::outbox::ERASED).
    Erase,
    /// Overwrite it with this copy of its end event, without the agent's text.
    Strip(Bytes),
}

/// The target whose conversation a stored entry holds an item of, and what becomes of it:
/// an end event stays (`None`, or its stripped copy), any other item is erased (an erased or
/// unreadable entry holds none). A few targets are first looked for in the raw body
/// (cheaper than parsing every entry); more are matched on the parsed entry.
fn change_of(entry: &LogEntry, targets: &[String]) -> Option<(usize, Change)> {
    if is_erased(&entry.body) {
        return None;
    }
    if targets.len() <= RAW_MATCH && !targets.iter().any(|t| contains(&entry.body, t.as_bytes())) {
        return None;
    }
    let stored = serde_json::from_slice::<OutboxEntry>(&entry.body).ok()?;
    let conversation = conversation_of(&stored.item)?;
    let index = targets.iter().position(|t| t == conversation)?;
    let Some(end) = stored.item.desk().filter(|item| is_end_event(item)) else {
        return Some((index, Change::Erase));
    };
    let copy = kept_copy(end);
    if &copy == end {
        return None;
    }
    let stripped = OutboxEntry {
        item: Item::Desk(copy),
        ..stored
    };
    let body = serde_json::to_vec(&stripped).ok()?;
    Some((index, Change::Strip(Bytes::from(body))))
}

/// Up to this many targets, an entry's body is searched for their ids before it is parsed.
const RAW_MATCH: usize = 4;

/// Whether `item` is one of the events that tell the contact centre a chat or an offer is
/// over: `CONNECTIONCLEARED`, `JOBCHANGED` to after-chat work, `JOBFINISHED`. Kept by an
/// erasure ([`kept_copy`]).
pub(crate) fn is_end_event(item: &Outbound) -> bool {
    let Outbound::Event(event) = item else {
        return false;
    };
    match event.event {
        EventName::ConnectionCleared | EventName::JobFinished => true,
        EventName::JobChanged => event.job_state == Some(JobState::Offline),
        _ => false,
    }
}

/// What an erasure keeps of an end event ([`is_end_event`]): the event without a `reason`
/// that is not one of the desk's own codes (a disposition the agent typed at the wrap-up,
/// which may tell of the visitor). Every other field is an id, a fixed code or a time.
pub(crate) fn kept_copy(item: &Outbound) -> Outbound {
    let mut copy = item.clone();
    if let Outbound::Event(event) = &mut copy
        && event
            .reason
            .as_deref()
            .is_some_and(|reason| !DESK_END_REASONS.contains(&reason))
    {
        event.reason = None;
    }
    copy
}

/// Whether `needle` occurs in `body` (a cheap test before parsing the entry).
fn contains(body: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && body.windows(needle.len()).any(|window| window == needle)
}

/// When one of the `changed` seqs is the outbox's head (the item after `cursor`, where the
/// cursor stood when the erasure marked it: the item the delivery loop is on), waits until
/// an attempt at it that checked it before it was changed has ended.
async fn wait_for_attempt_under_way(
    outbox: &Outbox,
    connector: &WebhookConnector,
    cursor: u64,
    changed: &[u64],
) -> StoreResult<()> {
    let head = cursor.saturating_add(1);
    if !changed.contains(&head) {
        return Ok(());
    }
    drop(connector.attempt_gate().await);
    let another_node_delivers = match outbox.lease_holder().await? {
        Some(holder) => holder != connector.node(),
        // No holder now: on a shared store the last one may still be in an attempt.
        None => outbox.store().is_shared(),
    };
    if another_node_delivers {
        wait_for_other_node(outbox, connector, head).await?;
    }
    Ok(())
}

/// Waits until the cursor has moved past `head` (the delivering node's attempt at it has
/// ended: it moves the cursor only after) or, by the connector's clock, the longest such an
/// attempt may last has passed ([`WebhookConnector::attempt_bound`]); looks every
/// [`LOOK_EVERY`].
async fn wait_for_other_node(
    outbox: &Outbox,
    connector: &WebhookConnector,
    head: u64,
) -> StoreResult<()> {
    let bound_ms = i64::try_from(connector.attempt_bound().as_millis()).unwrap_or(i64::MAX);
    let until_ms = connector.clock().now_ms().saturating_add(bound_ms);
    while outbox.cursor().await?.seq < head && connector.clock().now_ms() < until_ms {
        tokio::time::sleep(LOOK_EVERY).await;
    }
    Ok(())
}

/// How often an erasure waiting for another node's attempt looks at the cursor.
const LOOK_EVERY: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::super::outbox::ERASED;
    use super::*;

    #[test]
    fn the_erased_marker_is_not_an_item() {
        assert!(serde_json::from_slice::<OutboxEntry>(ERASED).is_err());
        assert!(is_erased(ERASED));
    }

    #[test]
    fn contains_finds_a_conversation_id_anywhere_in_a_body() {
        assert!(contains(br#"{"conversation":"c1"}"#, b"c1"));
        assert!(!contains(br#"{"conversation":"c2"}"#, b"c1"));
        assert!(!contains(b"c1", b""));
    }
}
