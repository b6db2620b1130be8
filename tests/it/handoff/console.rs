//! A console client for the tests: logs an operator in and talks to the agent websocket
//! as the built-in console does.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{add_operator, login};
use crate::support::TestApp;

/// A logged-in agent with one console socket.
pub struct Console {
    /// The access token.
    pub token: String,
    /// The refresh cookie (`staffetta_refresh=...`).
    pub cookie: String,
    /// The agent id.
    pub id: String,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames read while looking for another one.
    pending: Vec<Value>,
}

/// Creates the operator and opens their console.
pub async fn agent(app: &TestApp, name: &str, role: &str) -> Console {
    add_operator(app, name, &format!("pass-{name}"), role).await;
    open(app, name).await
}

/// Logs in an existing operator and opens their console.
pub async fn open(app: &TestApp, name: &str) -> Console {
    let response = login(app, name, &format!("pass-{name}")).await;
    from_login(app, response).await
}

/// Opens the console of a successful login answer (any site).
pub async fn from_login(app: &TestApp, response: reqwest::Response) -> Console {
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let id = body["agent"]["id"].as_str().unwrap().to_owned();
    let socket = connect(app, &token).await.expect("console socket opens");
    let mut console = Console {
        token,
        cookie,
        id,
        socket,
        pending: Vec::new(),
    };
    let snapshot = console.next().await;
    assert_eq!(snapshot["event"], "SNAPSHOT", "{snapshot}");
    console.pending.push(snapshot);
    console
}

/// Opens `GET /api/v1/agent/ws` as the console does: the access token in the
/// `staffetta.agent.token.<token>` subprotocol, offered next to `staffetta.agent.v1`.
pub async fn connect(
    app: &TestApp,
    token: &str,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, tokio_tungstenite::tungstenite::Error> {
    let request = console_request(app, token);
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(s, _)| s)
}

/// The upgrade request of the console's websocket, its token in a subprotocol.
pub fn console_request(app: &TestApp, token: &str) -> Request {
    let mut request = format!("ws://{}/api/v1/agent/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("staffetta.agent.v1, staffetta.agent.token.{token}")
            .parse()
            .unwrap(),
    );
    request
}

impl Console {
    /// Sends a command frame.
    pub async fn send(&mut self, command: Value) {
        self.socket
            .send(Message::Text(command.to_string().into()))
            .await
            .expect("command sent");
    }

    /// The next frame (pings skipped), within 5 s.
    pub async fn next(&mut self) -> Value {
        if !self.pending.is_empty() {
            return self.pending.remove(0);
        }
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.socket.next())
                .await
                .expect("a console frame within 5 s")
                .expect("console socket open")
                .expect("frame");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected console frame {other:?}"),
            }
        }
    }

    /// Reads frames until one with `event` == `name` (others are kept for later reads).
    pub async fn until(&mut self, name: &str) -> Value {
        let mut skipped = Vec::new();
        loop {
            let frame = self.next().await;
            if std::env::var_os("CONSOLE_DEBUG").is_some() {
                eprintln!("{} <- {frame}", self.id);
            }
            if frame["event"] == name {
                skipped.append(&mut self.pending);
                self.pending = skipped;
                return frame;
            }
            skipped.push(frame);
        }
    }

    /// Goes on pause and waits for the desk's PAUSE, so visitors who ask wait in the queue.
    pub async fn pause(&mut self) -> Value {
        self.send(json!({"command": "set_state", "state": "pause"}))
            .await;
        self.until("PAUSE").await
    }

    /// Whether a frame named `name` arrives within `wait`.
    pub async fn gets_within(&mut self, name: &str, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.until(name)).await.is_ok()
    }

    /// Waits for the offer popup and returns the offer id.
    pub async fn offer(&mut self) -> String {
        let popup = self.until("POPUP").await;
        assert!(popup["deadline"].as_i64().is_some(), "{popup}");
        assert!(popup["summary"].is_string(), "{popup}");
        popup["id"].as_str().unwrap().to_owned()
    }

    /// Accepts an offer and waits for ESTABLISHED; returns the chat id.
    pub async fn accept(&mut self, offer: &str) -> String {
        self.send(json!({"command": "accept", "offer": offer}))
            .await;
        let established = self.until("ESTABLISHED").await;
        established["chat_id"].as_str().unwrap().to_owned()
    }

    /// Reads until the server closes the socket (within 5 s); the close code, if one came.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.socket.next())
                .await
                .expect("the console socket closes within 5 s");
            match message {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(Message::Text(text))) => {
                    self.pending
                        .push(serde_json::from_str(&text).expect("JSON frame"));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Opens a new socket with `token` in place of this one, as the console does after a
    /// close (frames not read yet are dropped); returns the new socket's SNAPSHOT.
    pub async fn reconnect(&mut self, app: &TestApp, token: &str) -> Value {
        self.socket = connect(app, token).await.expect("console socket opens");
        token.clone_into(&mut self.token);
        self.pending.clear();
        let snapshot = self.next().await;
        assert_eq!(snapshot["event"], "SNAPSHOT", "{snapshot}");
        snapshot
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// `GET /api/v1/agent/conversations/{chat_id}` with `token`; panics unless 200.
pub async fn transcript(app: &TestApp, token: &str, chat_id: &str) -> Value {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/agent/conversations/{chat_id}",
            app.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The visitor's persisted events after `after`, as JSON (long-poll without waiting).
pub async fn visitor_events(visitor: &crate::support::visitor::Visitor, after: u64) -> Vec<Value> {
    let answer = visitor.events(after, 0).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until the visitor's log has an event of `kind`; returns it.
pub async fn visitor_event(visitor: &crate::support::visitor::Visitor, kind: &str) -> Value {
    crate::support::wait_for(
        &format!("visitor event {kind}"),
        Duration::from_secs(5),
        || async {
            visitor_events(visitor, 0)
                .await
                .into_iter()
                .find(|e| e["type"] == kind)
        },
    )
    .await
}
