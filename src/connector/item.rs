//! What a site's outbox stores for the contact centre, and how it goes on the wire.
//!
//! An [`Item`] is either what the desk produced (an [`Outbound`] of the `Connector`
//! contract: events, chat messages, typing) or what the edge adds: a command the desk
//! refused after it was queued ([`CommandRefused`], `"kind":"command_refused"`). A stored
//! item may carry extras the wire shows inside `item`: the handoff `summary` of an offer
//! (POPUP) and `"transcript": true` on a message of the conversation before the handoff.
//!
//! On the wire ([`WireItem`]) an agent's message names its author by operator id and login
//! (`from: {"kind":"agent","id":"op-…","login":"ada"}`); every other item is its stored
//! JSON with the extras beside its fields.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use staffetta_handoff::connector::{Author, Outbound};
use staffetta_handoff::{AgentId, ConversationId};

/// A command the desk refused after it was queued (checked and answered `202 queued`), for
/// the contact centre that sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRefused {
    /// The command's `id`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The command's name (`accept`, `send`, ...).
    pub command: String,
    /// Machine-readable reason (the desk's code, such as `already_taken`).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// What the edge adds to the items of the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EdgeItem {
    /// A queued command the desk refused.
    CommandRefused(CommandRefused),
}

/// One item for an agent, as the outbox stores it (the JSON of an [`Outbound`] or of an
/// [`EdgeItem`]; entries stored before edge items existed read as the former).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Item {
    /// What the desk produced.
    Desk(Outbound),
    /// What the edge adds.
    Edge(EdgeItem),
}

impl Item {
    /// The desk's item, if this is one.
    pub fn desk(&self) -> Option<&Outbound> {
        match self {
            Self::Desk(item) => Some(item),
            Self::Edge(_) => None,
        }
    }
}

/// One item to store for an agent, with what the edge adds to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForAgent {
    /// The agent (operator id, or what a refused command named).
    pub agent: AgentId,
    /// The item.
    pub item: Item,
    /// The handoff summary, on an offer (POPUP).
    pub summary: Option<String>,
    /// Whether this is a message of the conversation before the handoff.
    pub transcript: bool,
}

impl ForAgent {
    /// A desk item for `agent`, without extras.
    pub fn desk(agent: AgentId, item: Outbound) -> Self {
        Self {
            agent,
            item: Item::Desk(item),
            summary: None,
            transcript: false,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The `item` of a delivery's body.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum WireItem<'a> {
    /// An agent's message, its author named by id and login.
    AgentMessage(AgentMessage<'a>),
    /// Any other item, with its extras.
    Plain {
        #[serde(flatten)]
        item: &'a Item,
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<&'a str>,
        #[serde(skip_serializing_if = "is_false")]
        transcript: bool,
    },
}

/// An agent's chat message on the wire.
#[derive(Debug, Serialize)]
pub(crate) struct AgentMessage<'a> {
    kind: &'static str,
    conversation: &'a ConversationId,
    from: AgentAuthor<'a>,
    text: &'a str,
    at: &'a Timestamp,
    #[serde(skip_serializing_if = "is_false")]
    transcript: bool,
}

#[derive(Debug, Serialize)]
struct AgentAuthor<'a> {
    kind: &'static str,
    id: &'a AgentId,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<&'a str>,
}

impl<'a> WireItem<'a> {
    /// `item` as the contact centre gets it; `author_login` is the login of the author of
    /// an agent's message (if known).
    pub(crate) fn new(
        item: &'a Item,
        summary: Option<&'a str>,
        transcript: bool,
        author_login: Option<&'a str>,
    ) -> Self {
        if let Item::Desk(Outbound::Message(message)) = item
            && let Author::Agent(id) = &message.from
        {
            return Self::AgentMessage(AgentMessage {
                kind: "message",
                conversation: &message.conversation,
                from: AgentAuthor {
                    kind: "agent",
                    id,
                    login: author_login,
                },
                text: &message.text,
                at: &message.at,
                transcript,
            });
        }
        Self::Plain {
            item,
            summary,
            transcript,
        }
    }
}

/// The agent who wrote an agent's message, if `item` is one.
pub(crate) fn message_author(item: &Item) -> Option<&AgentId> {
    match item {
        Item::Desk(Outbound::Message(message)) => match &message.from {
            Author::Agent(id) => Some(id),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use staffetta_handoff::connector::ChatMessage;

    use super::*;

    fn agent_message() -> Item {
        Item::Desk(Outbound::Message(ChatMessage {
            conversation: ConversationId::parse("c1").unwrap(),
            from: Author::Agent(AgentId::parse("op-1").unwrap()),
            text: "Hi".to_owned(),
            at: Timestamp::from_second(1_767_261_600).unwrap(),
        }))
    }

    #[test]
    fn desk_items_read_as_before_and_a_refusal_reads_as_an_edge_item() {
        let stored = json!({"kind": "visitor_typing", "conversation": "c1"});
        let item: Item = serde_json::from_value(stored.clone()).unwrap();
        assert!(item.desk().is_some());
        assert_eq!(serde_json::to_value(&item).unwrap(), stored);
        let refused = json!({
            "kind": "command_refused", "id": "c-1", "command": "accept",
            "code": "already_taken", "message": "offer 7 is no longer pending",
        });
        let item: Item = serde_json::from_value(refused.clone()).unwrap();
        assert!(matches!(item, Item::Edge(EdgeItem::CommandRefused(_))));
        assert_eq!(serde_json::to_value(&item).unwrap(), refused);
    }

    #[test]
    fn an_agent_message_names_its_author_by_id_and_login_on_the_wire() {
        let item = agent_message();
        let wire = serde_json::to_value(WireItem::new(&item, None, false, Some("ada"))).unwrap();
        assert_eq!(
            wire,
            json!({
                "kind": "message", "conversation": "c1",
                "from": {"kind": "agent", "id": "op-1", "login": "ada"},
                "text": "Hi", "at": "2026-01-01T10:00:00Z",
            })
        );
        assert_eq!(message_author(&item).map(AgentId::as_str), Some("op-1"));
    }

    #[test]
    fn extras_stand_beside_the_item_fields_and_are_left_out_when_unset() {
        let item: Item =
            serde_json::from_value(json!({"kind": "event", "event": "POPUP", "id": "7"})).unwrap();
        let wire =
            serde_json::to_value(WireItem::new(&item, Some("Visitor: hi"), false, None)).unwrap();
        assert_eq!(
            wire,
            json!({"kind": "event", "event": "POPUP", "id": "7", "summary": "Visitor: hi"})
        );
        let plain: Value = serde_json::to_value(WireItem::new(&item, None, false, None)).unwrap();
        assert_eq!(plain, json!({"kind": "event", "event": "POPUP", "id": "7"}));
    }
}
