//! The conversation before the handoff, for an external desk offered the chat: the
//! visitor's messages and the bot's answers as text, the last [`TRANSCRIPT_MESSAGES`] of
//! them, oldest first. They go to the contact centre as `message` items (`from` `visitor` or
//! `bot`, `"transcript": true`) right before the offer (POPUP), in the desk's write that
//! makes the offer ([`super::external::ExternalDesks::events_to_store`]).
//!
//! "Before the handoff" is the conversation log up to the handoff's start (the link's
//! `handoff_seq`, [`super::conversation_log::HandoffLink`]); a chat offered again (a
//! transfer, an offer that timed out) gets the same transcript. A visitor's choice of an
//! option or a date reads as the option's value or the date; a bot answer with no text
//! (options or media only) is left out.

use jiff::Timestamp;
use staffetta_handoff::ConversationId;
use staffetta_handoff::connector::{Author, ChatMessage};
use staffetta_widget::protocol::{EventKind, GenericItem, Sender};

use super::visitor_side;
use crate::app::AppState;
use crate::store::{StoreError, StoreResult};
use crate::visitor::record::conversation_log;

/// Most messages of the transcript sent with an offer (the last ones).
pub const TRANSCRIPT_MESSAGES: usize = 50;

/// Log entries read back from the handoff's start to find them (the log also holds the
/// conversation's other events).
const ENTRIES_READ: u64 = 200;

/// The last [`TRANSCRIPT_MESSAGES`] messages of `conversation` before its handoff, oldest
/// first; none when the conversation has no handoff link (it is gone).
pub async fn before_handoff(
    state: &AppState,
    conversation: &ConversationId,
) -> StoreResult<Vec<ChatMessage>> {
    let link = visitor_side::link(state, conversation.as_str())
        .await
        .map_err(|err| StoreError::Backend(err.message().to_owned()))?;
    let Some(link) = link else {
        return Ok(Vec::new());
    };
    let last = link.handoff_seq.saturating_sub(1);
    let after = last.saturating_sub(ENTRIES_READ);
    let count = usize::try_from(last - after).unwrap_or(usize::MAX);
    if count == 0 {
        return Ok(Vec::new());
    }
    let entries = state
        .store
        .read_log(&conversation_log(conversation.as_str()), after, count)
        .await?;
    let mut messages: Vec<ChatMessage> = entries
        .into_iter()
        .filter(|entry| entry.seq <= last)
        .filter_map(|entry| serde_json::from_slice::<EventKind>(&entry.body).ok())
        .filter_map(|event| message_of(conversation, event))
        .collect();
    let extra = messages.len().saturating_sub(TRANSCRIPT_MESSAGES);
    messages.drain(..extra);
    Ok(messages)
}

/// A log event as a transcript message: a visitor's or the bot's message with text.
fn message_of(conversation: &ConversationId, event: EventKind) -> Option<ChatMessage> {
    let EventKind::Message {
        from,
        at,
        input,
        output,
        ..
    } = event
    else {
        return None;
    };
    let (from, text) = match from {
        Sender::Visitor => (Author::Visitor, visitor_side::input_text(&input?)),
        Sender::Bot => {
            let texts: Vec<String> = output?
                .generic
                .into_iter()
                .filter_map(|item| match item {
                    GenericItem::Text { text, .. } => Some(text),
                    _ => None,
                })
                .collect();
            (Author::Bot, texts.join("\n"))
        }
        _ => return None,
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    Some(ChatMessage {
        conversation: conversation.clone(),
        from,
        text,
        at: Timestamp::from_millisecond(at).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use staffetta_widget::protocol::{MessageInput, OutputBody};

    use super::*;

    fn conversation() -> ConversationId {
        ConversationId::parse("c1").unwrap()
    }

    fn message(from: Sender, input: Option<MessageInput>, output: Option<OutputBody>) -> EventKind {
        EventKind::Message {
            from,
            at: 1_767_261_600_000,
            client_message_id: None,
            input,
            output,
            agent_name: None,
        }
    }

    #[test]
    fn visitor_and_bot_messages_with_text_are_kept_and_others_are_not() {
        let said = MessageInput {
            text: Some(" Hello ".to_owned()),
            ..MessageInput::default()
        };
        let visitor = message_of(&conversation(), message(Sender::Visitor, Some(said), None));
        let visitor = visitor.unwrap();
        assert_eq!(
            (visitor.from, visitor.text.as_str()),
            (Author::Visitor, "Hello")
        );
        let answer = OutputBody {
            generic: vec![GenericItem::Text {
                text: "Hi!".to_owned(),
                html: "<p>Hi!</p>".to_owned(),
            }],
        };
        let bot = message_of(&conversation(), message(Sender::Bot, None, Some(answer)));
        assert_eq!(bot.unwrap().from, Author::Bot);
        let silent = OutputBody { generic: vec![] };
        assert!(message_of(&conversation(), message(Sender::Bot, None, Some(silent))).is_none());
        assert!(message_of(&conversation(), message(Sender::Agent, None, None)).is_none());
        let typing = EventKind::Typing {
            from: Sender::Visitor,
            typing: true,
            agent_name: None,
        };
        assert!(message_of(&conversation(), typing).is_none());
    }
}
