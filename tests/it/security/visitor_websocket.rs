//! W-01, W-02, W-05: oversized, lying, fragmented, compressed, flooding and malformed frames
//! on the visitor websocket. Each one affects only the socket that sent it; the process and
//! the visitor's other sockets keep working.

use serde_json::{Value, json};

use super::raw_ws::{self, BINARY, CONTINUATION, Ending, RawSocket, TEXT};
use crate::support::{TestApp, spawn_app, spawn_app_with};

/// A node whose frames are at most 1,424 bytes (100 characters per message).
async fn spawn_small_frames() -> TestApp {
    spawn_app_with(|s| {
        s.limits.max_message_chars = 100;
        s.limits.max_frame_bytes = 1424;
    })
    .await
}

/// Checks that the node still serves the visitor: a fresh socket answers a ping.
async fn assert_node_serves(app: &TestApp) {
    let visitor = app.visitor().await;
    RawSocket::connect(app, &visitor)
        .await
        .assert_usable()
        .await;
}

// --- W-01: oversized and compressed frames ---

#[tokio::test]
async fn a_frame_declaring_a_megabyte_is_closed_with_1009_before_its_payload_is_sent() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut other = RawSocket::connect(&app, &visitor).await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    // Only the header: the server must decide from the declared length, not wait for 1 MiB.
    assert!(
        socket
            .write(&raw_ws::header(true, false, TEXT, 1 << 20))
            .await
    );
    assert_eq!(socket.ending().await, Ending::Close(1009));
    other.assert_usable().await;
}

#[tokio::test]
async fn a_frame_declaring_two_to_the_sixty_three_bytes_ends_only_that_socket() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    for declared in [u64::MAX >> 1, 1 << 63, u64::MAX] {
        let mut socket = RawSocket::connect(&app, &visitor).await;
        let _ = socket
            .write(&raw_ws::header(true, false, TEXT, declared))
            .await;
        let ending = socket.ending().await;
        assert!(
            matches!(ending, Ending::Close(1009 | 1002) | Ending::Dropped),
            "{declared}: {ending:?}"
        );
    }
    let mut after = RawSocket::connect(&app, &visitor).await;
    after.assert_usable().await;
}

#[tokio::test]
async fn ten_thousand_one_byte_fragments_within_the_limit_assemble_into_one_frame() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let message = format!("{{\"type\":\"ping\"{}}}", " ".repeat(10_000 - 15));
    assert_eq!(message.len(), 10_000);
    let mut bytes = Vec::new();
    for (i, byte) in message.bytes().enumerate() {
        let opcode = if i == 0 { TEXT } else { CONTINUATION };
        bytes.extend(raw_ws::frame(
            i == message.len() - 1,
            false,
            opcode,
            &[byte],
        ));
    }
    assert!(socket.write(&bytes).await);
    assert_eq!(socket.next_json().await["type"], "pong");
}

#[tokio::test]
async fn fragments_adding_up_past_the_frame_limit_close_that_socket_with_1009() {
    let app = spawn_small_frames().await;
    let visitor = app.visitor().await;
    let mut other = RawSocket::connect(&app, &visitor).await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let mut bytes = raw_ws::frame(false, false, TEXT, b"[");
    for _ in 0..2_000 {
        bytes.extend(raw_ws::frame(false, false, CONTINUATION, b"1"));
    }
    let _ = socket.write(&bytes).await;
    assert_eq!(socket.ending().await, Ending::Close(1009));
    other.assert_usable().await;
}

#[tokio::test]
async fn permessage_deflate_is_never_negotiated_and_a_compressed_frame_ends_that_socket() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let (head, socket) = RawSocket::open(
        &app,
        &visitor,
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
    )
    .await;
    let mut socket = socket.unwrap_or_else(|| panic!("upgrade refused: {head}"));
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("sec-websocket-extensions"),
        "{head}"
    );
    // RSV1 marks a compressed frame; without the extension it is a protocol error.
    let _ = socket
        .write(&raw_ws::frame(true, true, TEXT, &[0xf2, 0x48, 0x05, 0x00]))
        .await;
    let ending = socket.ending().await;
    assert!(
        matches!(ending, Ending::Close(1002) | Ending::Dropped),
        "{ending:?}"
    );
    assert_node_serves(&app).await;
}

// --- W-02: floods from one socket ---

/// `count` message frames (each one a turn: an option no step offers), back to back.
fn message_flood(count: usize) -> Vec<u8> {
    raw_ws::text_frames((0..count).map(|i| {
        json!({
            "type": "message", "client_message_id": format!("flood-{i}"),
            "input": { "option": "no-such-option" },
        })
    }))
}

/// Sends `count` message frames in one write; returns (acks, rate_limited errors).
async fn flood_messages(socket: &mut RawSocket, count: usize) -> (usize, usize) {
    assert!(socket.write(&message_flood(count)).await);
    let (mut acks, mut limited) = (0, 0);
    while acks + limited < count {
        let frame = socket.next_json().await;
        match frame["type"].as_str() {
            Some("ack") => acks += 1,
            Some("error") => {
                assert_eq!(frame["code"], "rate_limited", "{frame}");
                limited += 1;
            }
            _ => {}
        }
    }
    (acks, limited)
}

#[tokio::test]
async fn a_message_flood_is_answered_with_rate_limited_errors_and_other_visitors_are_unaffected() {
    let app = spawn_app_with(|s| s.limits.messages_per_minute = 5).await;
    let visitor = app.visitor().await;
    let bystander = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    // Twenty refusals in a row are answered; the socket is closed after that (next test).
    let (acks, limited) = flood_messages(&mut socket, 25).await;
    assert_eq!((acks, limited), (5, 20));
    // Every refused frame was answered and nothing else was stored.
    let events = visitor.events(0, 0).await.body["events"].clone();
    let visitor_lines = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == "visitor")
        .count();
    assert_eq!(visitor_lines, 5);
    assert!(bystander.say("hello").await["seq"].as_u64().is_some());
}

#[tokio::test]
async fn a_socket_that_keeps_flooding_past_the_rate_limit_is_closed_with_1008() {
    let app = spawn_app_with(|s| s.limits.messages_per_minute = 5).await;
    let visitor = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let _ = socket.write(&message_flood(1_000)).await;
    assert_eq!(socket.ending().await, Ending::Close(1008));
}

#[tokio::test]
async fn a_typing_flood_from_a_visitor_neither_floods_nor_disconnects_the_agents_console() {
    let app = spawn_app_with(|s| {
        s.admin.token = staffetta::secret::Secret::new(crate::handoff::ADMIN_TOKEN);
        s.agent.demo_operators = false;
    })
    .await;
    let mut ada = crate::handoff::console::agent(&app, "ada", "agent").await;
    let visitor = app.visitor().await;
    crate::handoff::desk::ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let flood = (0..1_000).map(|i| json!({ "type": "typing", "typing": i % 2 == 0 }));
    // A message after the flood marks its end on the console.
    let end = json!({
        "type": "message", "client_message_id": "after-flood", "input": { "text": "done" },
    });
    assert!(socket.write(&raw_ws::text_frames(flood.chain([end]))).await);
    let mut typing = 0;
    loop {
        let frame = ada.next().await;
        match frame["event"].as_str() {
            Some("TYPING") => typing += 1,
            Some("MESSAGE") if frame["from"] == "visitor" => break,
            _ => {}
        }
    }
    assert!(typing < 100, "{typing} TYPING frames reached the agent");
}

// --- W-05: malformed frames ---

#[tokio::test]
async fn a_text_frame_that_is_not_json_gets_an_invalid_frame_error_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    for text in ["not json", "", "{", "\u{0}", "null", "[]", "\"ping\"", "42"] {
        assert!(socket.send_frame(true, TEXT, text.as_bytes()).await);
        let error = socket.next_json().await;
        assert_eq!(
            (error["type"].as_str(), error["code"].as_str()),
            (Some("error"), Some("invalid_frame")),
            "{text:?}: {error}"
        );
    }
    socket.assert_usable().await;
}

#[tokio::test]
async fn a_binary_frame_gets_an_error_frame_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    assert!(socket.send_frame(true, BINARY, br#"{"type":"ping"}"#).await);
    let error = socket.next_json().await;
    assert_eq!(error["code"], "unsupported_frame", "{error}");
    socket.assert_usable().await;
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_ends_only_that_connection() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut other = RawSocket::connect(&app, &visitor).await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    assert!(
        socket
            .send_frame(true, TEXT, b"{\"type\":\"ping\xff\xfe\"}")
            .await
    );
    let ending = socket.ending().await;
    assert!(
        matches!(ending, Ending::Close(1007) | Ending::Dropped),
        "{ending:?}"
    );
    other.assert_usable().await;
    assert_node_serves(&app).await;
}

/// Whether an error text shows internals: source paths, panics, Rust debug output.
fn shows_internals(message: &str) -> bool {
    [
        "src/",
        ".rs:",
        "panicked",
        "Error {",
        "Some(",
        "/work",
        "backtrace",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

#[tokio::test]
async fn unknown_types_and_wrongly_typed_fields_get_invalid_frame_without_internal_details() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let other = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let frames = [
        r#"{"event":"base"}"#.to_owned(),
        r#"{"type":"base"}"#.to_owned(),
        r#"{"type":"message"}"#.to_owned(),
        r#"{"type":"resume","after":-1}"#.to_owned(),
        r#"{"type":"resume","after":1e400}"#.to_owned(),
        r#"{"type":"resume","after":18446744073709551616}"#.to_owned(),
        r#"{"type":"resume","after":"0"}"#.to_owned(),
        r#"{"type":"ack","seq":{"$gt":0}}"#.to_owned(),
        r#"{"type":"typing","typing":"yes"}"#.to_owned(),
        r#"{"type":"identity","identity_token":{"$regex":"^a"}}"#.to_owned(),
        r#"{"type":"message","client_message_id":{"$ne":null},"input":{"text":"x"}}"#.to_owned(),
        r#"{"type":"message","client_message_id":"a","input":{"text":["x"]}}"#.to_owned(),
        r#"{"type":"message","client_message_id":"a","input":"hello"}"#.to_owned(),
        format!(
            r#"{{"type":"message","client_message_id":"a","input":{{"text":"x"}},"session":"{}"}}"#,
            other.id()
        ),
        r#"{"type":{"$ne":null}}"#.to_owned(),
    ];
    for text in &frames {
        assert!(socket.send_frame(true, TEXT, text.as_bytes()).await);
        let error = socket.next_json().await;
        assert_eq!(error["code"], "invalid_frame", "{text}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!shows_internals(message), "{text}: {message}");
        assert!(!message.contains(other.id()), "{text}: {message}");
    }
    socket.assert_usable().await;
    // Nothing reached the other visitor's conversation.
    assert_eq!(other.events(0, 0).await.body["next_after"], 1);
}

#[tokio::test]
async fn json_nested_ten_thousand_levels_deep_gets_invalid_frame_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = RawSocket::connect(&app, &visitor).await;
    let depth = 10_000;
    let bare = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let in_text = format!(
        r#"{{"type":"message","client_message_id":"deep","input":{{"text":{}{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let objects = format!("{}{}", r#"{"a":"#.repeat(depth / 4), "}".repeat(depth / 4));
    for text in [bare, in_text, objects] {
        assert!(text.len() < 32 * 1024);
        assert!(socket.send_frame(true, TEXT, text.as_bytes()).await);
        let error: Value = socket.next_json().await;
        assert_eq!(error["code"], "invalid_frame", "{error}");
    }
    socket.assert_usable().await;
}
