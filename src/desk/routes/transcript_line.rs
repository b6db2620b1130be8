//! One conversation log entry as a line of the console's transcript: messages with their
//! text (rich items summarised as escaped text), other events as system lines, typing left
//! out.

use serde_json::{Value, json};
use staffetta_widget::protocol::{EventKind, GenericItem, Sender};

use crate::desk::visitor_side;

/// One transcript line for the console; events other than messages become system lines.
pub(super) fn transcript_line(seq: u64, kind: EventKind) -> Option<Value> {
    match kind {
        EventKind::Message {
            from,
            at,
            input,
            output,
            agent_name,
            ..
        } => {
            let from_name = match from {
                Sender::Visitor => "visitor",
                Sender::Bot => "bot",
                Sender::Agent => "agent",
                Sender::System => "system",
            };
            let mut line = json!({ "seq": seq, "from": from_name, "at": at });
            if let Some(input) = input {
                line["text"] = json!(visitor_side::input_text(&input));
            }
            if let Some(output) = output {
                let (texts, htmls): (Vec<String>, Vec<String>) = output
                    .generic
                    .iter()
                    .map(|item| match item {
                        GenericItem::Text { text, html } => (text.clone(), html.clone()),
                        other => {
                            let label = item_summary(other);
                            let html = format!("<p><em>{}</em></p>", escape_html(&label));
                            (label, html)
                        }
                    })
                    .unzip();
                line["text"] = json!(texts.join("\n"));
                line["html"] = json!(htmls.join(""));
            }
            if let Some(name) = agent_name {
                line["agent_name"] = json!(name);
            }
            Some(line)
        }
        EventKind::Typing { .. } => None,
        other => {
            let event = serde_json::to_value(&other).unwrap_or_default();
            Some(json!({ "seq": seq, "from": "system", "event": event }))
        }
    }
}

/// A one-line plain-text summary of a rich item for the agent's transcript.
fn item_summary(item: &GenericItem) -> String {
    let value = serde_json::to_value(item).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    let kind = field("response_type");
    match item {
        GenericItem::Option { title, options, .. } => {
            let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
            format!("[options] {title}: {}", labels.join(" / "))
        }
        GenericItem::ConnectToAgent {
            message_to_agent, ..
        } => format!("[handed to a person] {message_to_agent}"),
        _ => {
            let detail = [field("title"), field("alt_text"), field("source")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            if detail.is_empty() {
                format!("[{kind}]")
            } else {
                format!("[{kind}] {detail}")
            }
        }
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rich_items_are_summarised_as_escaped_text() {
        let item = GenericItem::ConnectToAgent {
            message_to_agent: "<b>order</b> 42".into(),
            resource: None,
        };
        assert_eq!(item_summary(&item), "[handed to a person] <b>order</b> 42");
        let line = transcript_line(
            3,
            EventKind::Message {
                from: Sender::Bot,
                at: 0,
                client_message_id: None,
                input: None,
                output: Some(staffetta_widget::protocol::OutputBody {
                    generic: vec![item],
                }),
                agent_name: None,
            },
        )
        .unwrap();
        assert!(line["html"].as_str().unwrap().contains("&lt;b&gt;order"));
    }

    #[test]
    fn events_other_than_messages_are_system_lines() {
        let line = transcript_line(
            4,
            EventKind::AgentJoined {
                agent_name: "Ada".into(),
            },
        )
        .unwrap();
        assert_eq!(line["from"], "system");
        assert_eq!(line["event"]["type"], "agent_joined");
        assert!(
            transcript_line(
                5,
                EventKind::Typing {
                    from: Sender::Agent,
                    typing: true,
                    agent_name: Some("Ada".into()),
                }
            )
            .is_none()
        );
    }
}
