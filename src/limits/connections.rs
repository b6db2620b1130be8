//! Open websockets per client address on this node. A connection holds a
//! [`WsConnectionGuard`]; dropping it (the socket task ends, however it ends) frees the slot.
//!
//! The count is exact on one node. When several nodes share the store (Redis), a socket also
//! takes a lease in the store ([`super::shared_slots`]) so the limit holds across nodes, and a
//! crashed node's leases run out instead of keeping slots taken for good: [`WsConnections::acquire`]
//! checks both. The node's waiting long-polls per session ([`LongPolls`]) are counted
//! alongside, reached through [`WsConnections::long_polls`].

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::ApiError;

use super::ClientKey;
use super::long_polls::LongPolls;
use super::shared_slots::{SharedSlot, SharedSlots};

/// Seconds a refused client is told to wait before trying again.
const RETRY_AFTER_S: u64 = 30;

/// The open-websocket count of every client address on this node. Cheap to clone.
#[derive(Clone)]
pub struct WsConnections {
    inner: Arc<Inner>,
    long_polls: LongPolls,
    /// The count across nodes, when the store is shared.
    shared: Option<SharedSlots>,
}

struct Inner {
    max_per_client: u32,
    open: Mutex<HashMap<ClientKey, u32>>,
}

/// A client already holds the maximum number of websockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many open websockets from {client} (at most {limit})")]
pub struct TooManyConnections {
    /// The address (IPv6: its /64) that is over the limit.
    pub client: ClientKey,
    /// The configured `max_websockets_per_ip`.
    pub limit: u32,
}

impl From<TooManyConnections> for ApiError {
    fn from(error: TooManyConnections) -> Self {
        ApiError::too_many(
            "too_many_connections",
            format!(
                "At most {} chat connections may be open from one address; close another \
                 tab or retry later.",
                error.limit
            ),
            RETRY_AFTER_S,
        )
    }
}

/// One open websocket. Dropping it frees the slot.
#[must_use = "the slot is freed as soon as the guard is dropped"]
pub struct WsConnectionGuard {
    inner: Arc<Inner>,
    client: ClientKey,
}

/// One open websocket's slots on this node and, with a shared store, across nodes. Dropping
/// it frees both.
#[must_use = "the slot is freed as soon as the guard is dropped"]
#[derive(Debug)]
pub struct WsSlot {
    _node: WsConnectionGuard,
    shared: Option<SharedSlot>,
}

impl WsSlot {
    /// Keeps the shared slot's lease alive (the socket's heartbeat); nothing on one node.
    pub async fn renew(&self) {
        if let Some(shared) = &self.shared {
            shared.renew().await;
        }
    }
}

impl WsConnections {
    /// A counter allowing `max_per_client` open websockets per client address.
    pub fn new(max_per_client: u32) -> Self {
        Self {
            inner: Arc::new(Inner {
                max_per_client,
                open: Mutex::new(HashMap::new()),
            }),
            long_polls: LongPolls::default(),
            shared: None,
        }
    }

    /// Counts sockets across every node sharing `shared`'s store as well.
    #[must_use]
    pub fn shared_with(mut self, shared: SharedSlots) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Takes a slot for a websocket from `ip` on this node and, when the store is shared,
    /// across nodes; refuses when the address (IPv6: its /64) already has the maximum open.
    pub async fn acquire(&self, ip: IpAddr) -> Result<WsSlot, TooManyConnections> {
        let node = self.try_acquire(ip)?;
        let shared = match &self.shared {
            Some(shared) => shared.acquire(node.client).await?,
            None => None,
        };
        Ok(WsSlot {
            _node: node,
            shared,
        })
    }

    /// The long-polls waiting on this node, per session.
    pub fn long_polls(&self) -> &LongPolls {
        &self.long_polls
    }

    /// Takes a slot for a websocket from `ip`, or refuses when the address (IPv6: its /64)
    /// already has the maximum open.
    pub fn try_acquire(&self, ip: IpAddr) -> Result<WsConnectionGuard, TooManyConnections> {
        let client = ClientKey::of(ip);
        let mut open = self.inner.lock();
        let count = open.entry(client).or_insert(0);
        if *count >= self.inner.max_per_client {
            let limit = self.inner.max_per_client;
            if *count == 0 {
                open.remove(&client);
            }
            return Err(TooManyConnections { client, limit });
        }
        *count += 1;
        Ok(WsConnectionGuard {
            inner: Arc::clone(&self.inner),
            client,
        })
    }

    /// Open websockets of the client address `ip` (IPv6: its /64).
    pub fn open_for(&self, ip: IpAddr) -> u32 {
        self.inner
            .lock()
            .get(&ClientKey::of(ip))
            .copied()
            .unwrap_or(0)
    }

    /// Open websockets on this node.
    pub fn total(&self) -> u64 {
        self.inner.lock().values().map(|n| u64::from(*n)).sum()
    }
}

impl Inner {
    /// The map; a panic while it was held cannot leave it inconsistent (every update is a
    /// single step), so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientKey, u32>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for WsConnectionGuard {
    fn drop(&mut self) {
        let mut open = self.inner.lock();
        if let Some(count) = open.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

impl fmt::Debug for WsConnections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsConnections")
            .field("max_per_client", &self.inner.max_per_client)
            .field("total", &self.total())
            .field("long_polls", &self.long_polls)
            .field("shared", &self.shared)
            .finish()
    }
}

impl fmt::Debug for WsConnectionGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsConnectionGuard")
            .field("client", &self.client)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect(text)
    }

    #[test]
    fn a_client_gets_at_most_the_configured_number_of_sockets() {
        let connections = WsConnections::new(2);
        let first = connections.try_acquire(ip("203.0.113.1")).expect("1");
        let _second = connections.try_acquire(ip("203.0.113.1")).expect("2");
        let refused = connections.try_acquire(ip("203.0.113.1")).unwrap_err();
        assert_eq!(refused.limit, 2);
        drop(first);
        let _third = connections
            .try_acquire(ip("203.0.113.1"))
            .expect("a dropped guard frees its slot");
    }

    #[test]
    fn one_client_at_its_limit_does_not_block_another() {
        let connections = WsConnections::new(1);
        let _a = connections.try_acquire(ip("203.0.113.1")).expect("a");
        let _b = connections.try_acquire(ip("203.0.113.2")).expect("b");
        assert_eq!(connections.total(), 2);
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_the_limit() {
        let connections = WsConnections::new(1);
        let _a = connections.try_acquire(ip("2001:db8:0:1::1")).expect("a");
        assert!(connections.try_acquire(ip("2001:db8:0:1::2")).is_err());
        assert!(connections.try_acquire(ip("2001:db8:0:2::1")).is_ok());
    }

    #[test]
    fn dropping_every_guard_forgets_the_client() {
        let connections = WsConnections::new(3);
        let guards: Vec<_> = (0..3)
            .map(|_| connections.try_acquire(ip("198.51.100.7")).expect("slot"))
            .collect();
        assert_eq!(connections.open_for(ip("198.51.100.7")), 3);
        drop(guards);
        assert_eq!(connections.open_for(ip("198.51.100.7")), 0);
        assert_eq!(connections.inner.lock().len(), 0, "no entry left behind");
    }

    #[test]
    fn guards_can_be_dropped_on_other_threads() {
        let connections = WsConnections::new(8);
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let guard = connections.try_acquire(ip("192.0.2.1")).expect("slot");
                std::thread::spawn(move || drop(guard))
            })
            .collect();
        for handle in handles {
            handle.join().expect("thread");
        }
        assert_eq!(connections.total(), 0);
    }

    #[test]
    fn a_refusal_is_a_429_too_many_connections() {
        let error = ApiError::from(TooManyConnections {
            client: ClientKey::of(ip("192.0.2.1")),
            limit: 20,
        });
        assert_eq!(error.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.code(), "too_many_connections");
    }
}
