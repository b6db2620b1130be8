//! The agent's typing reaches the visitor's tab with the agent's name, and so does the stop;
//! the first version of the command (no `typing` field) still means "started".

use serde_json::json;
use staffetta_widget::protocol::{Event, EventKind, Sender, ServerFrame};

use super::console::agent;
use super::desk::ask_for_human;
use super::spawn_desk;
use crate::support::visitor::Socket;

/// The next typing event of an agent on `socket`: (started, agent name).
async fn next_agent_typing(socket: &mut Socket) -> (bool, Option<String>) {
    loop {
        if let ServerFrame::Event {
            event:
                Event {
                    kind:
                        EventKind::Typing {
                            from: Sender::Agent,
                            typing,
                            agent_name,
                        },
                    ..
                },
        } = socket.next().await
        {
            return (typing, agent_name);
        }
    }
}

#[tokio::test]
async fn the_visitor_sees_the_agent_start_and_stop_typing_by_name() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;
    let mut tab = visitor.socket(None).await;
    // The visitor's own typing comes back once the tab listens to the conversation; the
    // console is told too.
    tab.send(json!({"type": "typing", "typing": true})).await;
    while !matches!(
        tab.next().await,
        ServerFrame::Event {
            event: Event {
                kind: EventKind::Typing {
                    from: Sender::Visitor,
                    ..
                },
                ..
            }
        }
    ) {}
    let heard = ada.until("TYPING").await;
    assert_eq!(
        (&heard["chat_id"], &heard["typing"]),
        (&json!(chat_id), &json!(true))
    );

    ada.send(json!({"command": "typing", "conversation": chat_id, "typing": true}))
        .await;
    assert_eq!(
        next_agent_typing(&mut tab).await,
        (true, Some("ada".into()))
    );
    ada.send(json!({"command": "typing", "conversation": chat_id, "typing": false}))
        .await;
    assert_eq!(
        next_agent_typing(&mut tab).await,
        (false, Some("ada".into()))
    );
    ada.send(json!({"command": "typing", "conversation": chat_id}))
        .await;
    assert_eq!(
        next_agent_typing(&mut tab).await,
        (true, Some("ada".into()))
    );
}
