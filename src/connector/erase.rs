//! Erasing a conversation's items from a site's webhook outbox, for a purge (retention or
//! the erasure of a visitor, docs/retention.md): every stored entry whose item tells of the
//! conversation (its messages, the visitor's typing, the desk's events of the chat) is
//! overwritten in place with `ERASED` (`outbox.rs`) ([`crate::store::Store::overwrite_entry`]). The
//! seqs stay, so the cursor, the lease and the order of the other items are unaffected; the
//! delivery loop skips erased entries and the contact centre sees a gap in `seq`.
//!
//! One exception: the end of the chat. When the purge ended a live chat at the desk, it read
//! the outbox's head first ([`outbox_head`]) and the events of that end stored after it
//! (`CONNECTIONCLEARED`, `JOBCHANGED` offline, `JOBFINISHED`: [`is_end_event`]) are kept, so
//! the contact centre closes the chat rather than keep a ghost of it. They hold no visitor
//! data: the job and chat ids, the queue, the media and job type, the end reason (`visitor`,
//! `cancelled`, `wrap_up_limit`, ...) and times. Everything else of the conversation after
//! that head (a message racing the purge) is erased like the rest.
//!
//! The whole stored log is read (the items not yet acknowledged and the delivered ones not
//! yet trimmed), [`SCAN`] entries at a time: one read while the contact centre keeps up,
//! the whole backlog when it has been away. One scan serves every conversation a retention
//! pass or an erasure deletes ([`erase_conversations`]), not one scan per conversation.
//!
//! An attempt at the item at the head of the outbox may be under way while it is erased:
//! the attempt read it before. Each attempt checks its item under the connector's attempt
//! gate ([`WebhookConnector::attempt_gate`]), so when the erased items include the head,
//! the erasure waits for that gate (this node's attempt) and, on a shared store where
//! another node holds the delivery lease, for the longest an attempt of that node can last
//! ([`WebhookConnector::attempt_bound`]). When [`erase_conversations`] returns, no attempt
//! at an erased item is under way and none starts.

use std::sync::Arc;

use staffetta_handoff::connector::Outbound;
use staffetta_handoff::event::{EventName, JobState};

use super::outbox::{Outbox, OutboxEntry, conversation_of, is_erased, log_name};
use super::webhook::WebhookConnector;
use crate::store::{LogEntry, Store, StoreResult};

/// Entries read at a time.
pub(crate) const SCAN: usize = 256;

/// The seq of the last item stored in `site`'s outbox (0: none yet). A purge reads it before
/// its desk transition ends a live chat and passes it to [`erase_conversations`] as
/// [`OutboxErasure::ends_after`], so the events of that end are kept.
pub async fn outbox_head(store: &Arc<dyn Store>, site: &str) -> StoreResult<u64> {
    store.log_head(&log_name(site)).await
}

/// One conversation whose items [`erase_conversations`] erases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxErasure {
    /// The conversation id.
    pub conversation: String,
    /// The outbox's head read by [`outbox_head`] before the purge ended the chat at the desk:
    /// the events of the chat's end stored after it are kept. `None`: the purge ended
    /// nothing at the desk, every item goes.
    pub ends_after: Option<u64>,
}

/// Overwrites every item of `conversation` in `site`'s outbox with `ERASED`, except the
/// events of the chat's end stored after `ends_after` ([`OutboxErasure::ends_after`]); how
/// many it overwrote. One conversation of [`erase_conversations`].
#[cfg(test)]
pub(crate) async fn erase_conversation(
    store: &Arc<dyn Store>,
    connector: Option<&WebhookConnector>,
    site: &str,
    conversation: &str,
    ends_after: Option<u64>,
) -> StoreResult<u64> {
    let target = OutboxErasure {
        conversation: conversation.to_owned(),
        ends_after,
    };
    let erased = erase_conversations(store, connector, site, &[target]).await?;
    Ok(erased.first().copied().unwrap_or(0))
}

/// Overwrites every item of the `targets`' conversations in `site`'s outbox with `ERASED`
/// (but the kept end events, [`OutboxErasure::ends_after`]), in one scan of the outbox
/// however many they are; how many it overwrote for each target, in their order.
/// `connector` is the site's webhook connector on this node (`None`: the site has none, so
/// no node delivers its outbox). Returns once no attempt at one of them is under way (see
/// the module doc). Idempotent: erased entries are left as they are.
pub async fn erase_conversations(
    store: &Arc<dyn Store>,
    connector: Option<&WebhookConnector>,
    site: &str,
    targets: &[OutboxErasure],
) -> StoreResult<Vec<u64>> {
    let mut counts = vec![0_u64; targets.len()];
    if targets.is_empty() {
        return Ok(counts);
    }
    let outbox = Outbox::new(Arc::clone(store), site);
    let mut erased = Vec::new();
    let mut after = 0;
    loop {
        let entries = outbox.read(after, SCAN).await?;
        let Some(last) = entries.last() else {
            break;
        };
        after = last.seq;
        for entry in &entries {
            let Some(target) = to_erase(entry, targets) else {
                continue;
            };
            if outbox.erase(entry.seq).await? {
                erased.push(entry.seq);
                counts[target] += 1;
            }
        }
        if entries.len() < SCAN {
            break;
        }
    }
    if let Some(connector) = connector
        && !erased.is_empty()
    {
        wait_for_attempt_under_way(&outbox, connector, &erased).await?;
    }
    if !erased.is_empty() {
        tracing::info!(
            site,
            items = erased.len(),
            conversations = targets.len(),
            "webhook outbox items of deleted conversations were erased"
        );
    }
    Ok(counts)
}

/// The target whose conversation a stored entry holds an item of that goes: any but an
/// event of the chat's end stored after the target's `ends_after` (an erased or unreadable
/// entry holds none). A few targets are first looked for in the raw body (cheaper than
/// parsing every entry); more are matched on the parsed entry.
fn to_erase(entry: &LogEntry, targets: &[OutboxErasure]) -> Option<usize> {
    if is_erased(&entry.body) {
        return None;
    }
    if targets.len() <= RAW_MATCH
        && !targets
            .iter()
            .any(|t| contains(&entry.body, t.conversation.as_bytes()))
    {
        return None;
    }
    let stored = serde_json::from_slice::<OutboxEntry>(&entry.body).ok()?;
    let conversation = conversation_of(&stored.item)?;
    let index = targets
        .iter()
        .position(|t| t.conversation == conversation)?;
    let kept_end = targets[index]
        .ends_after
        .is_some_and(|head| entry.seq > head)
        && is_end_event(&stored.item);
    (!kept_end).then_some(index)
}

/// Up to this many targets, an entry's body is searched for their ids before it is parsed.
const RAW_MATCH: usize = 4;

/// Whether `item` is one of the events that tell the contact centre a chat or an offer is
/// over: `CONNECTIONCLEARED`, `JOBCHANGED` to after-chat work, `JOBFINISHED`. None of them
/// carries visitor data (see the module doc).
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

/// Whether `needle` occurs in `body` (a cheap test before parsing the entry).
fn contains(body: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && body.windows(needle.len()).any(|window| window == needle)
}

/// When one of the `erased` seqs is the outbox's head (the item the delivery loop is on), waits
/// until an attempt at it that checked it before it was erased has ended.
async fn wait_for_attempt_under_way(
    outbox: &Outbox,
    connector: &WebhookConnector,
    erased: &[u64],
) -> StoreResult<()> {
    let cursor = outbox.cursor().await?;
    let head = outbox.read(cursor.seq, 1).await?;
    if !head
        .first()
        .is_some_and(|entry| erased.contains(&entry.seq))
    {
        return Ok(());
    }
    drop(connector.attempt_gate().await);
    if outbox.store().is_shared()
        && outbox.lease_holder().await?.as_deref() != Some(connector.node())
    {
        tokio::time::sleep(connector.attempt_bound()).await;
    }
    Ok(())
}

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
