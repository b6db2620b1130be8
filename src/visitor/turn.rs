//! The edge's mapping of one turn: what the visitor sent becomes an engine input (with the
//! contract's validation), and what the engine answered becomes conversation-log entries
//! (visitor message first, then bot messages and notices, in order).

use bytes::Bytes;
use jiff::Timestamp;
use staffetta_engine::output::Output;
use staffetta_engine::step::Input;
use staffetta_widget::protocol::{
    EventKind, GenericItem, MessageInput, MessageRequest, OutputBody, Sender,
};

use crate::error::ApiError;

/// Splits a turn's outputs into log entries: the visitor message first (if any), then bot
/// messages (consecutive items grouped) and notices, in order.
pub(crate) fn turn_entries(
    now: Timestamp,
    request: Option<&MessageRequest>,
    outputs: &[Output],
) -> Vec<EventKind> {
    let at = now.as_millisecond();
    let mut entries = Vec::new();
    if let Some(request) = request {
        entries.push(EventKind::Message {
            from: Sender::Visitor,
            at,
            client_message_id: Some(request.client_message_id.clone()),
            input: Some(request.input.clone()),
            output: None,
            agent_name: None,
        });
    }
    let mut items = Vec::new();
    let flush = |items: &mut Vec<GenericItem>, entries: &mut Vec<EventKind>| {
        if !items.is_empty() {
            entries.push(EventKind::Message {
                from: Sender::Bot,
                at,
                client_message_id: None,
                input: None,
                output: Some(OutputBody {
                    generic: std::mem::take(items),
                }),
                agent_name: None,
            });
        }
    };
    for output in outputs {
        if let Some(item) = GenericItem::from_output(output) {
            items.push(item);
            continue;
        }
        flush(&mut items, &mut entries);
        entries.push(match output {
            Output::SessionExpiring { expires_at, text } => EventKind::SessionExpiring {
                expires_at: expires_at.as_millisecond(),
                text: text.clone(),
            },
            Output::SessionExpired { text } => EventKind::SessionExpired { text: text.clone() },
            _ => EventKind::ConversationEnded { by: Sender::Bot },
        });
    }
    flush(&mut items, &mut entries);
    entries
}

/// The turn's items as the visitor's answer shows them (no note for the agent).
pub(crate) fn output_body(outputs: &[Output]) -> OutputBody {
    OutputBody {
        generic: outputs
            .iter()
            .filter_map(GenericItem::from_output)
            .collect(),
    }
    .for_visitor()
}

pub(crate) fn encode_entries(entries: &[EventKind]) -> Vec<Bytes> {
    entries
        .iter()
        .map(|entry| Bytes::from(serde_json::to_vec(entry).unwrap_or_default()))
        .collect()
}

pub(crate) fn to_engine_input(input: &MessageInput, max_chars: u32) -> Result<Input, ApiError> {
    let given = [
        input.text.is_some(),
        input.option.is_some(),
        input.date.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "input must have exactly one of `text`, `option` or `date`.",
        ));
    }
    if let Some(text) = &input.text {
        crate::limits::check_message_length(text, max_chars)?;
        return Ok(Input::Text(text.clone()));
    }
    if let Some(option) = &input.option {
        if option.len() > 256 {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "An option value has at most 256 bytes.",
            ));
        }
        return Ok(Input::Option(option.clone()));
    }
    let date = input.date.as_deref().unwrap_or_default();
    date.parse::<jiff::civil::Date>()
        .map(Input::Date)
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_date",
                "`date` must be a real calendar date written YYYY-MM-DD.",
            )
        })
}

pub(crate) fn validate_client_message_id(id: &str) -> Result<(), ApiError> {
    let valid = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_client_message_id",
            "client_message_id must be 1-64 characters of A-Z, a-z, 0-9, `-` and `_`.",
        ))
    }
}
