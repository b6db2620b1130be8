//! External agent desks: a site may hand its conversations to a contact centre through
//! its webhook connector instead of, or besides, the built-in console.
//!
//! Every item for such a site's agents is stored in the site's durable outbox (see
//! `crate::connector`) in the same store write as what it tells of: the desk's events in the
//! desk's own write ([`ExternalDesks::events_to_store`], so a change is never stored without
//! its events), a chat message in the conversation's append that stores it
//! ([`ExternalDesks::item_to_store`], a side append of that write, so a stored message is
//! never missing from the outbox and a message that was not stored is not in it). An offer
//! (POPUP) comes after the chat's transcript before the handoff
//! ([`super::external_transcript`]) and carries the handoff summary the console's POPUP has.
//! One task per site delivers the outbox in order (on a shared store, on the node holding the
//! site's lease), and another takes the agents' commands from the connector's queue and
//! applies them like console commands ([`super::external_commands`]: what can be checked
//! when a command arrives is refused at once, a later refusal comes back as a
//! `command_refused` item). The built-in console does not go through this registry: its
//! sockets live in [`super::connections`] and answer each command on the same socket.

use std::collections::BTreeMap;
use std::sync::Arc;

use staffetta_handoff::connector::Outbound;
use staffetta_handoff::event::EventName;
use staffetta_handoff::{AgentId, ConversationId, Desk, Notice};

use crate::app::AppState;
use crate::connector::{Connectors, ForAgent, WebhookConnector};
use crate::store::{SideAppend, StoreResult};

/// A chat the desk offered in a transition, with its handoff summary as the desk holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    /// The chat.
    pub conversation: ConversationId,
    /// The handoff summary (the console's POPUP `summary`).
    pub summary: String,
}

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

    /// The site's webhook connector, if it has one.
    pub fn connector(&self, site: &str) -> Option<&Arc<WebhookConnector>> {
        self.by_site.get(site)
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
        let item = ForAgent::desk(agent.clone(), item.clone());
        let (log, entries) = connector.outbox_entries(&[item])?;
        Ok(Some(SideAppend { log, entries }))
    }

    /// The chats offered among `notices` (POPUP) with their summaries, read from the desk
    /// the transition left; none on a site without an external desk.
    pub fn offers_in(&self, site: &str, desk: &Desk, notices: &[Notice]) -> Vec<Offered> {
        if !self.has(site) {
            return Vec::new();
        }
        notices
            .iter()
            .filter_map(|notice| match notice {
                Notice::Agent { event, .. } if event.event == EventName::Popup => {
                    event.chat_id.as_ref()
                }
                _ => None,
            })
            .map(|conversation| Offered {
                conversation: conversation.clone(),
                summary: desk
                    .conversation(conversation)
                    .map(|c| c.summary().to_owned())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The outbox entries of the agent events among `notices`, to append in the desk's own
    /// write; `None` when the site has no external desk or there is no agent event. An offer
    /// of a chat in `offers` comes after the chat's transcript before the handoff (read
    /// here) and carries its summary. Each call draws new delivery ids (one call per attempt
    /// of the desk's compare-and-set).
    pub async fn events_to_store(
        &self,
        state: &AppState,
        site: &str,
        notices: &[Notice],
        offers: &[Offered],
    ) -> StoreResult<Option<SideAppend>> {
        let Some(connector) = self.by_site.get(site) else {
            return Ok(None);
        };
        let mut events: Vec<ForAgent> = Vec::new();
        for notice in notices {
            let Notice::Agent { agent, event } = notice else {
                continue;
            };
            let mut item = ForAgent::desk(agent.clone(), Outbound::Event(event.clone()));
            let offered = event.chat_id.as_ref().and_then(|chat| {
                offers
                    .iter()
                    .find(|offer| &offer.conversation == chat && event.event == EventName::Popup)
            });
            if let Some(offer) = offered {
                let transcript =
                    super::external_transcript::before_handoff(state, &offer.conversation).await?;
                events.extend(transcript.into_iter().map(|message| ForAgent {
                    transcript: true,
                    ..ForAgent::desk(agent.clone(), Outbound::Message(message))
                }));
                item.summary = Some(offer.summary.clone());
            }
            events.push(item);
        }
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
                        next = connector.next_queued() => next,
                        () = state.lifecycle.stopping() => return,
                    };
                    let Some(queued) = next else {
                        return;
                    };
                    super::external_commands::apply_queued(&state, &site, queued).await;
                    connector.applied();
                }
            });
        }
    }
}
