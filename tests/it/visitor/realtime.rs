//! Websocket and long-poll delivery: order, tabs, resume, resync, shutdown.

use std::time::Duration;

use serde_json::json;
use staffetta_widget::protocol::{EventKind, Sender, ServerFrame};

use crate::support::spawn_app;
use crate::support::visitor::Socket;

#[tokio::test]
async fn a_websocket_message_is_acked_and_its_turn_arrives_in_seq_order() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = visitor.socket(Some(0)).await;
    // The welcome is replayed first.
    let welcome = socket.events_until(1).await;
    assert!(matches!(
        welcome[0].kind,
        EventKind::Message {
            from: Sender::Bot,
            ..
        }
    ));
    socket
        .send(json!({ "type": "message", "client_message_id": "ws-1", "input": { "option": "profile" } }))
        .await;
    let mut acked = None;
    let mut seqs = Vec::new();
    while seqs.len() < 2 {
        match socket.next().await {
            ServerFrame::Ack {
                client_message_id,
                seq,
            } => {
                assert_eq!(client_message_id, "ws-1");
                acked = Some(seq);
            }
            ServerFrame::Event { event } => seqs.push(event.seq.unwrap()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acked, Some(2));
    assert_eq!(seqs, vec![2, 3]);
}

#[tokio::test]
async fn two_tabs_of_one_visitor_see_one_conversation() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut tab_a = visitor.socket(Some(1)).await;
    let mut tab_b = visitor.socket(Some(1)).await;
    visitor.pick("profile").await;
    let a = tab_a.events_until(3).await;
    let b = tab_b.events_until(3).await;
    assert_eq!(a, b);
    assert!(matches!(
        a[0].kind,
        EventKind::Message {
            from: Sender::Visitor,
            ..
        }
    ));
}

#[tokio::test]
async fn a_reconnect_with_resume_replays_exactly_what_was_missed() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    visitor.pick("profile").await; // seqs 2, 3
    visitor.say("Ada").await; // seqs 4, 5
    let mut socket = visitor.socket(None).await;
    socket.send(json!({ "type": "resume", "after": 2 })).await;
    let replayed = socket.events_until(5).await;
    let seqs: Vec<u64> = replayed.iter().map(|e| e.seq.unwrap()).collect();
    assert_eq!(seqs, vec![3, 4, 5]);
}

#[tokio::test]
async fn a_resume_beyond_the_conversation_gets_resync() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = visitor.socket(None).await;
    socket.send(json!({ "type": "resume", "after": 99 })).await;
    match socket.next().await {
        ServerFrame::Resync { head } => assert_eq!(head, 1),
        other => panic!("expected resync, got {other:?}"),
    }
    let poll = visitor.events(99, 0).await;
    assert_eq!(poll.body["resync"], true);
}

#[tokio::test]
async fn bad_frames_get_an_error_frame_and_the_socket_stays_open() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = visitor.socket(None).await;
    socket.send(json!({ "type": "shout" })).await;
    assert!(
        matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "invalid_frame")
    );
    socket
        .send(json!({ "type": "message", "client_message_id": "x", "input": { "date": "nope" } }))
        .await;
    assert!(
        matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "invalid_date")
    );
    socket.send(json!({ "type": "ping" })).await;
    assert!(matches!(socket.next().await, ServerFrame::Pong {}));
}

#[tokio::test]
async fn typing_reaches_the_other_tabs_without_a_seq() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut tab_a = visitor.socket(None).await;
    let mut tab_b = visitor.socket(None).await;
    tab_a
        .send(json!({ "type": "typing", "typing": true }))
        .await;
    match tab_b.next().await {
        ServerFrame::Event { event } => {
            assert_eq!(event.seq, None);
            assert!(matches!(event.kind, EventKind::Typing { typing: true, .. }));
        }
        other => panic!("expected typing, got {other:?}"),
    }
}

#[tokio::test]
async fn long_poll_returns_missed_events_at_once_and_waits_for_new_ones() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let now = visitor.events(0, 0).await;
    assert_eq!(now.status, 200);
    assert_eq!(now.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(now.body["next_after"], 1);

    let waiting = {
        let visitor = &visitor;
        async move { visitor.events(1, 10).await }
    };
    let sending = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        visitor.pick("profile").await
    };
    let (polled, _) = tokio::join!(waiting, sending);
    let events = polled.body["events"].as_array().unwrap();
    assert_eq!(events[0]["seq"], 2);
    assert_eq!(events[0]["from"], "visitor");
}

#[tokio::test]
async fn long_poll_with_nothing_new_and_no_wait_returns_empty_at_once() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let answer = visitor.events(1, 0).await;
    assert_eq!(answer.body["events"], json!([]));
    assert_eq!(answer.body["next_after"], 1);
    let bad = visitor
        .request(reqwest::Method::GET, "/events?after=-1")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn shutdown_closes_websockets_with_1012_so_widgets_reconnect() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut socket = visitor.socket(None).await;
    let stopping = tokio::spawn(app.stop());
    let frame = socket.closed().await.expect("close frame");
    assert_eq!(u16::from(frame.code), 1012);
    stopping.await.unwrap().expect("clean stop");
}

#[tokio::test]
async fn two_hundred_clients_reconnecting_at_once_all_resume_correctly() {
    let app = spawn_app_with_many_sockets().await;
    let mut visitors = Vec::new();
    for _ in 0..20 {
        let visitor = app.visitor().await;
        visitor.pick("profile").await; // head = 3
        visitors.push(visitor);
    }
    let mut tasks = Vec::new();
    for round in 0..10 {
        for visitor in &visitors {
            let url = visitor.ws_url(&format!("?after={}", round % 3));
            let token = visitor.token().to_owned();
            tasks.push(tokio::spawn(async move {
                let mut socket = Socket::connect_as(&url, crate::support::visitor::ORIGIN, &token)
                    .await
                    .unwrap();
                let events = socket.events_until(3).await;
                let seqs: Vec<u64> = events.iter().map(|e| e.seq.unwrap()).collect();
                let expected: Vec<u64> = ((round % 3) + 1..=3).collect();
                assert_eq!(seqs, expected);
            }));
        }
    }
    assert_eq!(tasks.len(), 200);
    for task in tasks {
        task.await.unwrap();
    }
}

async fn spawn_app_with_many_sockets() -> crate::support::TestApp {
    crate::support::spawn_app_with(|s| {
        s.limits.max_websockets_per_ip = 400;
        s.limits.new_sessions_per_minute = 100;
    })
    .await
}

#[tokio::test]
async fn too_many_websockets_from_one_address_are_refused_before_the_upgrade() {
    let app = crate::support::spawn_app_with(|s| s.limits.max_websockets_per_ip = 2).await;
    let visitor = app.visitor().await;
    let _a = visitor.socket(None).await;
    let _b = visitor.socket(None).await;
    let refused = Socket::connect_as(
        &visitor.ws_url(""),
        crate::support::visitor::ORIGIN,
        visitor.token(),
    )
    .await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("expected 429, got {other:?}"),
    }
}

#[tokio::test]
async fn a_frame_larger_than_the_limit_closes_only_that_socket_with_1009() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let mut big = visitor.socket(None).await;
    let mut other = visitor.socket(None).await;
    let text = "x".repeat(40 * 1024);
    big.send(json!({ "type": "message", "client_message_id": "big", "input": { "text": text } }))
        .await;
    let frame = big.closed().await.expect("close frame");
    assert_eq!(u16::from(frame.code), 1009);
    other.send(json!({ "type": "ping" })).await;
    assert!(matches!(other.next().await, ServerFrame::Pong {}));
}
