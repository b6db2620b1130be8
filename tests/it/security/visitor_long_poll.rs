//! W-06: the long-poll fallback under abuse. A body the route does not read never holds
//! the connection open, a message body is refused at its limit while it streams, binary
//! and packet-stuffed bodies get a code, and one session cannot park more than a few
//! waiting polls.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::raw_http::{self, RawAnswer};
use crate::support::visitor::{ORIGIN, Visitor};
use crate::support::{TestApp, spawn_app};

fn path(visitor: &Visitor, tail: &str) -> String {
    format!("/api/v1/sites/demo/sessions/{}{tail}", visitor.id())
}

/// Writes `head` + `body` without `Connection: close` (with the visitor's session token) and
/// reads the answer.
async fn send_keep_alive(
    app: &TestApp,
    visitor: &Visitor,
    head: &str,
    body: &[u8],
) -> (RawAnswer, TcpStream) {
    let mut stream = TcpStream::connect(app.addr).await.expect("connects");
    let mut request = format!(
        "{head}\r\nHost: {}\r\nOrigin: {ORIGIN}\r\nAuthorization: Bearer {}\r\n\r\n",
        app.addr,
        visitor.token()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let _ = stream.write_all(&request).await;
    let answer = raw_http::read_answer(&mut stream, Duration::from_secs(10)).await;
    (answer, stream)
}

/// Whether the server closes the connection within 5 s (reads until the end).
async fn closes(stream: &mut TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut sink = [0_u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut sink)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_poll_declaring_a_hundred_megabyte_body_is_answered_and_its_connection_closed() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let head = format!(
        "GET {} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 104857600",
        path(&visitor, "/events?after=0&wait=0")
    );
    let (answer, mut stream) = send_keep_alive(&app, &visitor, &head, &[b'x'; 64 * 1024]).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert_eq!(answer.json()["next_after"], 1);
    // The unread body is never read to its end: the server drops the connection instead.
    assert!(closes(&mut stream).await, "the connection stayed open");
}

#[tokio::test]
async fn a_message_body_declaring_a_hundred_megabytes_is_refused_with_413_while_it_streams() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let head = format!(
        "POST {} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 104857600",
        path(&visitor, "/message")
    );
    let (answer, mut stream) = send_keep_alive(&app, &visitor, &head, &[b' '; 64 * 1024]).await;
    assert_eq!(answer.status, 413, "{}", answer.head);
    assert_eq!(answer.code(), "payload_too_large");
    assert!(closes(&mut stream).await, "the connection stayed open");
    // Chunked, without any length: refused at the limit too.
    let head = format!(
        "POST {} HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
        path(&visitor, "/message")
    );
    let mut chunks = Vec::new();
    for _ in 0..8 {
        chunks.extend_from_slice(format!("{:x}\r\n", 8 * 1024).as_bytes());
        chunks.extend_from_slice(&[b' '; 8 * 1024]);
        chunks.extend_from_slice(b"\r\n");
    }
    let (answer, _) = send_keep_alive(&app, &visitor, &head, &chunks).await;
    assert_eq!(answer.status, 413, "{}", answer.head);
}

/// An expected refusal: status and error code.
type Refusal = (u16, &'static str);

#[tokio::test]
async fn a_body_of_many_tiny_json_packets_or_binary_bytes_gets_a_code() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let message = path(&visitor, "/message");
    let packets = r#"{"client_message_id":"a","input":{"text":"x"}}"#.repeat(500);
    // Concatenated JSON values: serde stops at the trailing characters.
    let trailing = [(400, "invalid_json"), (422, "invalid_body")];
    let cases: [(&str, Vec<u8>, &[Refusal]); 3] = [
        ("application/json", packets.into_bytes(), &trailing),
        (
            "application/json",
            "{}".repeat(10_000).into_bytes(),
            &trailing,
        ),
        (
            "application/octet-stream",
            vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0xff],
            &[(415, "unsupported_media_type")],
        ),
    ];
    for (content_type, body, expected) in cases {
        let head = format!(
            "POST {message} HTTP/1.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close",
            body.len()
        );
        let (answer, _) = send_keep_alive(&app, &visitor, &head, &body).await;
        let got = (answer.status, answer.code());
        assert!(
            expected
                .iter()
                .any(|(status, code)| got == (*status, (*code).to_owned())),
            "{content_type}: {got:?}"
        );
    }
    // Nothing of it was stored.
    assert_eq!(visitor.events(0, 0).await.body["next_after"], 1);
}

/// Starts `count` polls of `visitor` that wait up to 20 s for something after seq 1.
fn start_polls(
    app: &TestApp,
    visitor: &Visitor,
    count: usize,
) -> Vec<tokio::task::JoinHandle<(u16, serde_json::Value)>> {
    (0..count)
        .map(|_| {
            let url = format!(
                "{}{}",
                app.base_url,
                path(visitor, "/events?after=1&wait=20")
            );
            let request = app
                .http
                .get(url)
                .header("origin", ORIGIN)
                .bearer_auth(visitor.token());
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                (status, body)
            })
        })
        .collect()
}

/// Waits until the node has `count` long-polls waiting.
async fn polls_waiting(app: &TestApp, count: u64) {
    let polls = app.state.websockets.long_polls().clone();
    crate::support::wait_for("waiting polls", Duration::from_secs(10), || {
        let polls = polls.clone();
        async move { (polls.total() == count).then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn a_session_may_have_only_a_few_polls_waiting_and_the_rest_get_429() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let max = staffetta::limits::MAX_WAITING_POLLS_PER_SESSION;
    let polls = start_polls(&app, &visitor, max as usize + 20);
    polls_waiting(&app, u64::from(max)).await;
    crate::support::wait_for("the refused polls", Duration::from_secs(10), || async {
        (polls.iter().filter(|p| p.is_finished()).count() == 20).then_some(())
    })
    .await;
    // Another session is not affected.
    let other = app.visitor().await;
    let other_polls = start_polls(&app, &other, 1);
    polls_waiting(&app, u64::from(max) + 1).await;
    visitor.pick("profile").await;
    other.pick("profile").await;
    let mut refused = 0;
    let mut answered = 0;
    for poll in polls.into_iter().chain(other_polls) {
        let (status, body) = poll.await.unwrap();
        match status {
            429 => {
                assert_eq!(body["error"]["code"], "too_many_polls", "{body}");
                refused += 1;
            }
            200 => {
                assert_eq!(body["events"][0]["seq"], 2, "{body}");
                answered += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((answered, refused), (max + 1, 20));
    // Every slot is free again once the polls answered.
    polls_waiting(&app, 0).await;
}

#[tokio::test]
async fn a_poll_with_events_ready_is_answered_even_when_the_session_has_no_free_slot() {
    let app = spawn_app().await;
    let visitor = app.visitor().await;
    let max = staffetta::limits::MAX_WAITING_POLLS_PER_SESSION;
    let waiting = start_polls(&app, &visitor, max as usize);
    polls_waiting(&app, u64::from(max)).await;
    // From seq 0 the welcome is there: no wait, so no slot needed.
    let catch_up = visitor.events(0, 20).await;
    assert_eq!(catch_up.status, 200, "{:?}", catch_up.body);
    assert_eq!(catch_up.body["next_after"], 1);
    visitor.pick("profile").await;
    for poll in waiting {
        assert_eq!(poll.await.unwrap().0, 200);
    }
}
