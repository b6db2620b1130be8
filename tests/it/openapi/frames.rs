//! Real websocket frames validate against docs/ws-frames.schema.json, and so does every frame
//! the test sends; refusals of the upgrade are documented responses.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::contract::{assert_documented, assert_valid, frame_def, is_valid, openapi, ws_frames};
use crate::support::spawn_app;
use crate::support::visitor::{ORIGIN, ws_request};

const WS: &str = "/api/v1/sites/{site}/sessions/{session}/ws";

/// Reads text frames (pings skipped) until `done` says stop, within 5 s each.
async fn read_until<S>(stream: &mut S, mut done: impl FnMut(&Value) -> bool) -> Vec<Value>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut frames = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).expect("a JSON frame");
            let stop = done(&frame);
            frames.push(frame);
            if stop {
                return frames;
            }
        }
    }
}

#[tokio::test]
async fn real_websocket_frames_match_the_frame_schema() {
    let app = spawn_app().await;
    let frames_doc = ws_frames();
    let client_schema = frame_def(&frames_doc, "ClientFrame");
    let server_schema = frame_def(&frames_doc, "ServerFrame");
    let visitor = app.visitor().await;
    let request = ws_request(&visitor.ws_url("?after=0"), ORIGIN, visitor.token());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    let (mut sink, mut stream) = socket.split();
    let welcome_seq = visitor.started.seq;

    let mut received = read_until(&mut stream, |frame| {
        frame["event"]["seq"].as_u64() == Some(welcome_seq)
    })
    .await;
    // (frame, whether it is a valid client frame): the invalid ones draw error frames.
    let sent = [
        (json!({ "type": "typing", "typing": true }), true),
        (
            json!({ "type": "message", "client_message_id": "ws-1", "input": { "text": "hello" } }),
            true,
        ),
        (json!({ "type": "ack", "seq": welcome_seq }), true),
        (json!({ "type": "ping" }), true),
        (json!({ "type": "resume", "after": 100_000 }), true),
        (
            json!({ "type": "message", "client_message_id": "ws-2", "input": {} }),
            false,
        ),
        (json!({ "type": "nonsense" }), false),
    ];
    for (frame, valid) in &sent {
        assert_eq!(
            is_valid(&client_schema, frame),
            *valid,
            "client frame {frame} validity"
        );
        sink.send(Message::Text(frame.to_string().into()))
            .await
            .expect("sent");
    }
    // Stop once every expected kind arrived and the events reached the head that `resync`
    // reported (the visitor message and the bot's answer were delivered as events).
    let mut seen = std::collections::BTreeSet::new();
    let mut head = None;
    let mut last_seq = welcome_seq;
    received.extend(
        read_until(&mut stream, |frame| {
            let kind = frame["type"].as_str().unwrap_or_default().to_owned();
            match kind.as_str() {
                "error" => {
                    seen.insert(format!(
                        "error:{}",
                        frame["code"].as_str().unwrap_or_default()
                    ));
                }
                "event" => {
                    seen.insert(format!(
                        "event:{}",
                        frame["event"]["type"].as_str().unwrap_or_default()
                    ));
                    last_seq = frame["event"]["seq"].as_u64().unwrap_or(last_seq);
                }
                "resync" => head = frame["head"].as_u64(),
                _ => {}
            }
            seen.insert(kind);
            let kinds = [
                "ack",
                "pong",
                "resync",
                "error:invalid_frame",
                "error:invalid_input",
                "event:typing",
            ];
            kinds.iter().all(|k| seen.contains(*k)) && head.is_some_and(|head| last_seq >= head)
        })
        .await,
    );
    for frame in &received {
        assert_valid(&server_schema, frame, "a server frame");
    }
    let visitor_echo = received
        .iter()
        .any(|frame| frame["event"]["type"] == "message" && frame["event"]["from"] == "visitor");
    assert!(
        visitor_echo,
        "the visitor message event was not seen: {received:?}"
    );
}

#[tokio::test]
async fn refused_websocket_upgrades_are_documented_responses() {
    let app = spawn_app().await;
    let doc = openapi();
    let visitor = app.visitor().await;
    let other = app.visitor().await;
    for (site, session, origin, token, status) in [
        (
            "demo",
            visitor.id().to_owned(),
            "https://evil.test",
            Some(visitor.token()),
            403,
        ),
        (
            "nowhere",
            visitor.id().to_owned(),
            ORIGIN,
            Some(visitor.token()),
            404,
        ),
        ("demo", "0".repeat(32), ORIGIN, Some(visitor.token()), 404),
        ("demo", visitor.id().to_owned(), ORIGIN, None, 401),
        (
            "demo",
            visitor.id().to_owned(),
            ORIGIN,
            Some(other.token()),
            401,
        ),
    ] {
        let url = format!(
            "ws://{}/api/v1/sites/{site}/sessions/{session}/ws",
            app.addr
        );
        let request = match token {
            Some(token) => ws_request(&url, origin, token),
            None => {
                let mut request = url.into_client_request().expect("request");
                request
                    .headers_mut()
                    .insert("origin", origin.parse().expect("origin"));
                request
            }
        };
        let refusal = tokio_tungstenite::connect_async(request)
            .await
            .expect_err("refused");
        let tokio_tungstenite::tungstenite::Error::Http(response) = refusal else {
            panic!("not an HTTP refusal: {refusal:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default())
            .expect("a JSON error body");
        assert_documented(&doc, "get", WS, status, &body);
    }
}
