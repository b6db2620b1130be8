//! Open websockets per client address across every node that shares the store (Redis).
//!
//! Each open websocket holds a lease in the store's ordered set `ws-ip:{client}`: the member
//! names the socket (`{acquired_ms}-{random}`), the score is the lease's end. The socket's
//! heartbeat renews the lease ([`SharedSlot::renew`]), closing the socket removes it, and a
//! node that dies leaves leases that simply run out after [`LEASE`], so a crash never keeps
//! slots taken for good.
//!
//! Admission uses only the store's schedule operations, with no cross-node lock: a node
//! counts the live leases, adds its own when fewer than the limit are live, then reads again
//! and keeps its lease only when it ranks within the limit by acquisition (member names sort
//! by acquisition time). Two nodes racing for the last slot read the same set, so the later
//! one backs off; only connects whose clocks disagree by more than their race can both stay,
//! which exceeds the limit by those few sockets at most. When the store does not answer, the
//! node's own count still applies and the shared check is skipped (logged), so a store outage
//! never refuses visitors.
//!
//! A single node (sled) does not use this: its in-memory count is exact.

use std::sync::Arc;
use std::time::Duration;

use crate::store::{Clock, Store, StoreError};

use super::ClientKey;
use super::connections::TooManyConnections;

/// How long a lease lasts without renewal: three visitor heartbeats (20 s each).
const LEASE: Duration = Duration::from_secs(60);

/// Most leases read per check: the limit plus room for sockets that ran out or raced.
const READ_MARGIN: usize = 64;

/// The shared count of open websockets per client address. Cheap to clone.
#[derive(Clone)]
pub struct SharedSlots {
    store: Arc<dyn Store>,
    clock: Clock,
    max_per_client: u32,
}

/// One websocket's lease on a shared slot; dropping it removes the lease.
#[must_use = "the slot is freed as soon as the guard is dropped"]
pub struct SharedSlot {
    store: Arc<dyn Store>,
    clock: Clock,
    set: String,
    member: String,
}

impl SharedSlots {
    /// Shared slots of at most `max_per_client` websockets per address.
    pub fn new(store: Arc<dyn Store>, clock: Clock, max_per_client: u32) -> Self {
        Self {
            store,
            clock,
            max_per_client,
        }
    }

    /// Takes a shared slot for `client`, or refuses when the address already holds the
    /// maximum on all nodes together. `Ok(None)`: the store did not answer, the node's own
    /// count decides alone.
    pub async fn acquire(
        &self,
        client: ClientKey,
    ) -> Result<Option<SharedSlot>, TooManyConnections> {
        match self.try_acquire(client).await {
            Ok(Some(slot)) => Ok(Some(slot)),
            Ok(None) => Err(TooManyConnections {
                client,
                limit: self.max_per_client,
            }),
            Err(err) => {
                tracing::warn!(error = %err, %client, "shared websocket count unavailable; this node's count applies");
                Ok(None)
            }
        }
    }

    async fn try_acquire(&self, client: ClientKey) -> Result<Option<SharedSlot>, StoreError> {
        let set = format!("ws-ip:{client}");
        let now = self.clock.now_ms();
        let max = usize::try_from(self.max_per_client).unwrap_or(usize::MAX);
        if self.live_members(&set, now, max).await?.len() >= max {
            return Ok(None);
        }
        let member = format!("{:015}-{}", now.max(0), uuid::Uuid::new_v4().simple());
        let until = now.saturating_add(lease_ms());
        self.store.schedule(&set, &member, until).await?;
        let slot = SharedSlot {
            store: Arc::clone(&self.store),
            clock: self.clock.clone(),
            set,
            member,
        };
        let live = self.live_members(&slot.set, now, max).await?;
        if ranks_within(live, &slot.member, max) {
            Ok(Some(slot))
        } else {
            // Another node's connect took the last slot first; dropping the slot removes ours.
            Ok(None)
        }
    }

    /// Members of `set` whose lease has not run out; the ones that ran out are removed.
    async fn live_members(
        &self,
        set: &str,
        now: i64,
        max: usize,
    ) -> Result<Vec<String>, StoreError> {
        let all = self
            .store
            .due(set, i64::MAX, max.saturating_add(READ_MARGIN))
            .await?;
        let mut live = Vec::with_capacity(all.len());
        for (member, until) in all {
            if until <= now {
                self.store.unschedule(set, &member).await?;
            } else {
                live.push(member);
            }
        }
        Ok(live)
    }
}

impl SharedSlot {
    /// Extends the lease (the socket's heartbeat). A failure is logged: the lease may run
    /// out and the socket then no longer counts, it is never closed for it.
    pub async fn renew(&self) {
        let until = self.clock.now_ms().saturating_add(lease_ms());
        if let Err(err) = self.store.schedule(&self.set, &self.member, until).await {
            tracing::warn!(error = %err, "websocket lease not renewed");
        }
    }
}

impl Drop for SharedSlot {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = Arc::clone(&self.store);
        let set = std::mem::take(&mut self.set);
        let member = std::mem::take(&mut self.member);
        runtime.spawn(async move {
            if let Err(err) = store.unschedule(&set, &member).await {
                tracing::warn!(error = %err, "websocket lease not removed; it runs out");
            }
        });
    }
}

impl std::fmt::Debug for SharedSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSlots")
            .field("max_per_client", &self.max_per_client)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SharedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSlot")
            .field("set", &self.set)
            .field("member", &self.member)
            .finish_non_exhaustive()
    }
}

/// Whether `member` is among the first `max` live leases by acquisition (names sort by it).
fn ranks_within(mut live: Vec<String>, member: &str, max: usize) -> bool {
    live.sort_unstable();
    live.iter()
        .position(|m| m == member)
        .is_some_and(|rank| rank < max)
}

fn lease_ms() -> i64 {
    i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ManualClock;

    async fn slots(max: u32) -> (SharedSlots, ManualClock, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::new(1_700_000_000_000);
        let store = crate::store::SledStore::open(&dir.path().join("db"), clock.clock())
            .await
            .expect("store");
        (
            SharedSlots::new(Arc::new(store), clock.clock(), max),
            clock,
            dir,
        )
    }

    fn client(text: &str) -> ClientKey {
        ClientKey::of(text.parse().expect(text))
    }

    #[tokio::test]
    async fn two_nodes_sharing_a_store_share_one_limit() {
        let (node_a, _clock, _dir) = slots(2).await;
        let node_b = node_a.clone();
        let _first = node_a.acquire(client("203.0.113.9")).await.unwrap();
        let _second = node_b.acquire(client("203.0.113.9")).await.unwrap();
        let refused = node_a.acquire(client("203.0.113.9")).await.unwrap_err();
        assert_eq!(refused.limit, 2);
        assert!(node_b.acquire(client("203.0.113.10")).await.is_ok());
    }

    #[tokio::test]
    async fn a_closed_socket_frees_its_slot() {
        let (slots, _clock, _dir) = slots(1).await;
        let first = slots.acquire(client("203.0.113.9")).await.unwrap();
        assert!(slots.acquire(client("203.0.113.9")).await.is_err());
        drop(first);
        // The lease is removed by a task of its own, through the store's write queue.
        let mut freed = false;
        for _ in 0..500 {
            if slots.acquire(client("203.0.113.9")).await.is_ok() {
                freed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(freed, "the dropped slot's lease is removed");
    }

    #[tokio::test]
    async fn a_dead_nodes_leases_run_out() {
        let (slots, clock, _dir) = slots(1).await;
        let held = slots.acquire(client("203.0.113.9")).await.unwrap();
        // The node dies: its guard is never dropped, nothing removes the lease.
        std::mem::forget(held);
        assert!(slots.acquire(client("203.0.113.9")).await.is_err());
        clock.advance(LEASE + Duration::from_millis(1));
        assert!(slots.acquire(client("203.0.113.9")).await.is_ok());
    }

    #[tokio::test]
    async fn a_renewed_lease_outlives_its_first_term() {
        let (slots, clock, _dir) = slots(1).await;
        let held = slots
            .acquire(client("203.0.113.9"))
            .await
            .unwrap()
            .expect("a slot");
        clock.advance(LEASE - Duration::from_secs(1));
        held.renew().await;
        clock.advance(Duration::from_secs(2));
        assert!(slots.acquire(client("203.0.113.9")).await.is_err());
    }

    #[test]
    fn of_two_racing_connects_the_later_one_backs_off() {
        let earlier = "001700000000000-b".to_owned();
        let later = "001700000000001-a".to_owned();
        let live = vec![later.clone(), earlier.clone()];
        assert!(ranks_within(live.clone(), &earlier, 1));
        assert!(!ranks_within(live.clone(), &later, 1));
        assert!(ranks_within(live, &later, 2));
        assert!(
            !ranks_within(Vec::new(), &later, 1),
            "a lease that is gone ranks nowhere"
        );
    }
}
