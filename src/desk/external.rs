//! External agent desks: a site may hand its conversations to a contact centre through
//! its webhook connector instead of, or besides, the built-in console.
//!
//! Every item for such a site's agents is stored in the site's durable outbox (see
//! `crate::connector`) in the same store write as what it tells of: the desk's events in the
//! desk's own write ([`ExternalDesks::events_to_store`], so a change is never stored without
//! its events), a chat message in the conversation's append that stores it
//! ([`ExternalDesks::item_to_store`], a side append of that write, so a stored message is
//! never missing from the outbox and a message that was not stored is not in it). One task per
//! site delivers the outbox in order (on a shared store, on the node holding the site's
//! lease), and another takes the agents' commands from [`Connector::next_command`] and applies
//! them like console commands. The built-in console does not go through this registry: its
//! sockets live in [`super::connections`] and answer each command on the same socket.

use std::collections::BTreeMap;
use std::sync::Arc;

use staffetta_handoff::connector::{Connector, Outbound};
use staffetta_handoff::{AgentId, Notice};

use crate::app::AppState;
use crate::connector::{Connectors, WebhookConnector};
use crate::store::{SideAppend, StoreResult};

/// External desks by site.
#[derive(Clone, Debug, Default)]
pub struct ExternalDesks {
    by_site: Arc<BTreeMap<String, Arc<WebhookConnector>>>,
}

impl ExternalDesks {
    /// The webhook connectors of the sites that have one. Call [`ExternalDesks::start`]
    /// once the application state exists.
    pub fn new(connectors: &Connectors) -> Self {
        let by_site = connectors
            .iter()
            .map(|(site, connector)| (site.to_owned(), Arc::clone(connector)))
            .collect();
        Self {
            by_site: Arc::new(by_site),
        }
    }

    /// Whether `site` hands conversations to an external desk.
    pub fn has(&self, site: &str) -> bool {
        self.by_site.contains_key(site)
    }

    /// The outbox entry of one item for `agent` (a chat message), to append in the
    /// conversation's own write as a side append ([`crate::store::AppendBatch::also`]), so
    /// the message and its item are stored together or not at all; `None` when the site has
    /// no external desk. Draws the item's delivery id now: retries of that write (a record
    /// conflict) store it once, with this id.
    pub fn item_to_store(
        &self,
        site: &str,
        agent: &AgentId,
        item: &Outbound,
    ) -> StoreResult<Option<SideAppend>> {
        let Some(connector) = self.by_site.get(site) else {
            return Ok(None);
        };
        let (log, entries) = connector.outbox_entries(&[(agent.clone(), item.clone())])?;
        Ok(Some(SideAppend { log, entries }))
    }

    /// The outbox entries of the agent events among `notices`, to append in the desk's own
    /// write; `None` when the site has no external desk or there is no agent event. Each call
    /// draws new delivery ids (one call per attempt of the desk's compare-and-set).
    pub fn events_to_store(
        &self,
        site: &str,
        notices: &[Notice],
    ) -> StoreResult<Option<SideAppend>> {
        let Some(connector) = self.by_site.get(site) else {
            return Ok(None);
        };
        let events: Vec<(AgentId, Outbound)> = notices
            .iter()
            .filter_map(|notice| match notice {
                Notice::Agent { agent, event } => {
                    Some((agent.clone(), Outbound::Event(event.clone())))
                }
                _ => None,
            })
            .collect();
        if events.is_empty() {
            return Ok(None);
        }
        let (log, entries) = connector.outbox_entries(&events)?;
        Ok(Some(SideAppend { log, entries }))
    }

    /// Wakes the site's delivery loop after a write (the desk's, or a conversation's)
    /// stored items in its outbox; nothing for a site without an external desk.
    pub fn wake(&self, site: &str) {
        if let Some(connector) = self.by_site.get(site) {
            connector.wake();
        }
    }

    /// Starts the delivery and command tasks of every external desk.
    pub fn start(&self, state: &AppState) {
        for (site, connector) in self.by_site.iter() {
            let delivering = Arc::clone(connector);
            let lifecycle = state.lifecycle.clone();
            state.lifecycle.spawn(async move {
                delivering.run_deliveries(lifecycle.stopping()).await;
            });
            let connector = Arc::clone(connector);
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
