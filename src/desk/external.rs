//! External agent desks: a site may hand its conversations to a contact centre through a
//! [`Connector`] (the webhook connector) instead of, or besides, the built-in console.
//!
//! For each such site one task delivers what the desk says to the connector, in order,
//! and another takes the agents' commands from [`Connector::next_command`] and applies
//! them like console commands. The built-in console does not go through this registry: its
//! sockets live in [`super::connections`] and answer each command on the same socket.

use std::collections::BTreeMap;
use std::sync::Arc;

use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{Connector, Outbound};
use tokio::sync::mpsc;

use crate::app::AppState;

/// Items queued for one external desk before new ones are dropped (and logged).
const QUEUE: usize = 1024;

/// What a site's delivery task reads: the agent and the item, in desk order.
type Outbox = mpsc::Receiver<(AgentId, Outbound)>;

/// One site's external desk.
#[derive(Clone, Debug)]
struct External {
    connector: Arc<dyn Connector>,
    outbox: mpsc::Sender<(AgentId, Outbound)>,
}

/// External desks by site.
#[derive(Clone, Debug, Default)]
pub struct ExternalDesks {
    by_site: Arc<BTreeMap<String, External>>,
    pending: Arc<std::sync::Mutex<Vec<(String, Outbox)>>>,
}

impl ExternalDesks {
    /// Registers the connectors of the sites that have one. Call [`ExternalDesks::start`]
    /// once the application state exists.
    pub fn new(connectors: impl IntoIterator<Item = (String, Arc<dyn Connector>)>) -> Self {
        let mut by_site = BTreeMap::new();
        let mut pending = Vec::new();
        for (site, connector) in connectors {
            let (outbox, inbox) = mpsc::channel(QUEUE);
            pending.push((site.clone(), inbox));
            by_site.insert(site, External { connector, outbox });
        }
        Self {
            by_site: Arc::new(by_site),
            pending: Arc::new(std::sync::Mutex::new(pending)),
        }
    }

    /// Whether `site` hands conversations to an external desk.
    pub fn has(&self, site: &str) -> bool {
        self.by_site.contains_key(site)
    }

    /// Queues an item for the site's external desk, if it has one.
    pub fn enqueue(&self, site: &str, agent: &AgentId, item: &Outbound) {
        let Some(external) = self.by_site.get(site) else {
            return;
        };
        if external
            .outbox
            .try_send((agent.clone(), item.clone()))
            .is_err()
        {
            tracing::warn!(site, "the external desk queue is full; an item was dropped");
        }
    }

    /// Starts the delivery and command tasks of every external desk.
    pub fn start(&self, state: &AppState) {
        let pending = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for (site, mut inbox) in pending {
            let Some(external) = self.by_site.get(&site) else {
                continue;
            };
            let connector = Arc::clone(&external.connector);
            let lifecycle = state.lifecycle.clone();
            state.lifecycle.spawn(async move {
                loop {
                    tokio::select! {
                        next = inbox.recv() => {
                            let Some((agent, item)) = next else { return };
                            if let Err(err) = connector.deliver(&agent, &item).await {
                                tracing::warn!(connector = connector.name(), error = %err, "external delivery failed");
                            }
                        }
                        () = lifecycle.stopping() => return,
                    }
                }
            });
            let connector = Arc::clone(&external.connector);
            let state = state.clone();
            let site = site.clone();
            state.lifecycle.clone().spawn(async move {
                loop {
                    let next = tokio::select! {
                        next = connector.next_command() => next,
                        () = state.lifecycle.stopping() => return,
                    };
                    match next {
                        Ok(Some(inbound)) => {
                            super::commands::apply_external(&state, &site, inbound).await;
                        }
                        Ok(None) => return,
                        Err(err) => {
                            tracing::warn!(connector = connector.name(), error = %err, "external command failed");
                        }
                    }
                }
            });
        }
    }
}
