//! Console sockets across nodes: each open socket keeps a lease in the store's ordered set
//! `agent-sockets:{site}:{agent}` (member = node id + socket id, score = lease end), renewed
//! by its heartbeat. When an agent's last socket on one node closes, the desk only starts the
//! disconnect grace period if no other node holds a live lease, so an agent with consoles on
//! two nodes is not logged out by closing one of them. A node that dies leaves leases that
//! simply run out.

use std::sync::OnceLock;

use crate::app::AppState;

/// How long a lease lasts without renewal: three heartbeats and a margin.
pub const LEASE_MS: i64 = 75_000;

fn set(site: &str, agent: &str) -> String {
    format!("agent-sockets:{site}:{agent}")
}

/// This process's id in lease members.
fn node() -> &'static str {
    static NODE: OnceLock<String> = OnceLock::new();
    NODE.get_or_init(|| uuid::Uuid::new_v4().simple().to_string())
}

/// The lease member of a socket registered on this node.
pub fn socket_id(state: &AppState, local: u64) -> String {
    format!(
        "{}:{:x}:{local}",
        node(),
        state.agents.connections.instance()
    )
}

/// Takes or renews the lease of a socket. A store failure is logged: the worst outcome is
/// a grace period that starts although another node still has a console.
pub async fn alive(state: &AppState, site: &str, agent: &str, socket: &str) {
    let until = state.clock.now_ms().saturating_add(LEASE_MS);
    if let Err(err) = state.store.schedule(&set(site, agent), socket, until).await {
        tracing::warn!(error = %err, "console lease not renewed");
    }
}

/// Drops the lease of a closed socket; returns whether another live lease remains.
pub async fn gone(state: &AppState, site: &str, agent: &str, socket: &str) -> bool {
    let key = set(site, agent);
    let store = state.store.as_ref();
    let result = async {
        store.unschedule(&key, socket).await?;
        let now = state.clock.now_ms();
        for (expired, _) in store.due(&key, now, 100).await? {
            store.unschedule(&key, &expired).await?;
        }
        Ok::<_, crate::store::StoreError>(store.next_due(&key).await?.is_some())
    }
    .await;
    result.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "console leases unreadable; treating the agent as gone");
        false
    })
}
