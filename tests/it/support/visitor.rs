//! A typed visitor client: what a widget does over HTTP and websockets.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use staffetta_widget::protocol::{Event, ServerFrame, SessionStarted};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::app::TestApp;

/// An origin the demo site allows.
pub const ORIGIN: &str = "http://localhost:3000";

/// A visitor with a started session.
#[derive(Debug)]
pub struct Visitor {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// What the session start returned.
    pub started: SessionStarted,
}

/// A plain HTTP answer: status, headers and the JSON body (Null when none).
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// JSON body.
    pub body: Value,
}

impl Answer {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

impl TestApp {
    /// `POST /api/v1/sites/{site}/sessions` with `body`, from [`ORIGIN`].
    pub async fn start_session_raw(&self, site: &str, body: &Value) -> Answer {
        self.start_session_forwarded(site, body, None).await
    }

    /// [`Self::start_session_raw`], as a reverse proxy on loopback forwards it for `client`
    /// (`X-Forwarded-For`; believed when `server.trusted_proxies` lists 127.0.0.1).
    pub async fn start_session_forwarded(
        &self,
        site: &str,
        body: &Value,
        client: Option<&str>,
    ) -> Answer {
        let mut request = self
            .http
            .post(format!("{}/api/v1/sites/{site}/sessions", self.base_url))
            .header("origin", ORIGIN)
            .json(body);
        if let Some(client) = client {
            request = request.header("x-forwarded-for", client);
        }
        answer(request.send().await.expect("sent")).await
    }

    /// Starts an anonymous session on the demo site.
    pub async fn visitor(&self) -> Visitor {
        let anonymous_id = format!("anon-{}", uuid::Uuid::new_v4().simple());
        self.visitor_with(&json!({ "anonymous_id": anonymous_id, "locale": "en" }))
            .await
    }

    /// Starts an anonymous session on the demo site forwarded for `client` by a proxy on
    /// loopback (see [`Self::start_session_forwarded`]); later calls come straight.
    pub async fn visitor_forwarded_for(&self, client: &str) -> Visitor {
        let anonymous_id = format!("anon-{}", uuid::Uuid::new_v4().simple());
        let body = json!({ "anonymous_id": anonymous_id, "locale": "en" });
        let answer = self
            .start_session_forwarded("demo", &body, Some(client))
            .await;
        self.visitor_of(answer)
    }

    /// Starts a session on the demo site with `body`; panics unless 201.
    pub async fn visitor_with(&self, body: &Value) -> Visitor {
        let answer = self.start_session_raw("demo", body).await;
        self.visitor_of(answer)
    }

    /// The visitor of a session start's answer; panics unless 201.
    fn visitor_of(&self, answer: Answer) -> Visitor {
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        Visitor {
            base_url: self.base_url.clone(),
            http: self.http.clone(),
            started: serde_json::from_value(answer.body).expect("SessionStarted"),
        }
    }
}

impl Visitor {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.started.session_id
    }

    /// The session token every call on the session presents.
    pub fn token(&self) -> &str {
        &self.started.session_token
    }

    /// A request on the session (`tail` after `/sessions/{id}`) from [`ORIGIN`] with the
    /// session's token, as the widget sends it.
    pub fn request(&self, method: reqwest::Method, tail: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(tail))
            .header("origin", ORIGIN)
            .bearer_auth(self.token())
    }

    /// The websocket URL of the session (`query` with its `?`, or empty).
    pub fn ws_url(&self, query: &str) -> String {
        self.url(&format!("/ws{query}"))
            .replacen("http://", "ws://", 1)
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/api/v1/sites/demo/sessions/{}{tail}",
            self.base_url, self.started.session_id
        )
    }

    /// Sends `input` with `client_message_id`.
    pub async fn send_raw(&self, client_message_id: &str, input: Value) -> Answer {
        let response = self
            .request(reqwest::Method::POST, "/message")
            .json(&json!({ "client_message_id": client_message_id, "input": input }))
            .send()
            .await
            .expect("sent");
        answer(response).await
    }

    /// Sends a text with a fresh client message id; panics unless 200.
    pub async fn say(&self, text: &str) -> Value {
        self.send_ok(json!({ "text": text })).await
    }

    /// Clicks an option; panics unless 200.
    pub async fn pick(&self, value: &str) -> Value {
        self.send_ok(json!({ "option": value })).await
    }

    async fn send_ok(&self, input: Value) -> Value {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let answer = self.send_raw(&id, input).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }

    /// Long-poll: `GET .../events?after=&wait=`.
    pub async fn events(&self, after: u64, wait_s: u64) -> Answer {
        let response = self
            .request(
                reqwest::Method::GET,
                &format!("/events?after={after}&wait={wait_s}"),
            )
            .send()
            .await
            .expect("sent");
        answer(response).await
    }

    /// `DELETE` the session.
    pub async fn end(&self) -> Answer {
        let response = self
            .request(reqwest::Method::DELETE, "")
            .send()
            .await
            .expect("sent");
        answer(response).await
    }

    /// Opens the websocket (optionally resuming after `after`) and returns once the server's
    /// socket loop answers a `ping`: it has read the log head and the session, and hears of
    /// every later event. Frames before the `pong` (a resume's replay) stay queued.
    pub async fn socket(&self, after: Option<u64>) -> Socket {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        let mut socket = Socket::connect_as(&self.ws_url(&query), ORIGIN, self.token())
            .await
            .expect("websocket opens");
        socket.send(json!({ "type": "ping" })).await;
        let mut early = std::collections::VecDeque::new();
        loop {
            match socket.next().await {
                ServerFrame::Pong {} => break,
                frame => early.push_back(frame),
            }
        }
        socket.early = early;
        socket
    }
}

/// The upgrade request the widget sends for `url`: `Origin` and the session token as the
/// subprotocol `staffetta.session.<token>` next to `staffetta.v1`.
pub fn ws_request(url: &str, origin: &str, token: &str) -> tungstenite::handshake::client::Request {
    let mut request = url.into_client_request().expect("websocket URL");
    let headers = request.headers_mut();
    headers.insert("origin", origin.parse().expect("origin header"));
    headers.insert(
        "sec-websocket-protocol",
        format!("staffetta.v1, staffetta.session.{token}")
            .parse()
            .expect("protocol header"),
    );
    request
}

/// A visitor websocket.
#[derive(Debug)]
pub struct Socket {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames read while waiting for the server to be ready, handed out first by `next`.
    early: std::collections::VecDeque<ServerFrame>,
}

impl Socket {
    /// Connects with an `Origin` header and no session token; the error is the HTTP
    /// refusal, if any.
    pub async fn connect(url: &str, origin: &str) -> Result<Socket, tungstenite::Error> {
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("origin header"));
        Self::open(request).await
    }

    /// Connects as the widget does: `Origin`, and the session token in the subprotocols
    /// `staffetta.v1, staffetta.session.<token>` (the server selects `staffetta.v1`).
    pub async fn connect_as(
        url: &str,
        origin: &str,
        token: &str,
    ) -> Result<Socket, tungstenite::Error> {
        Self::open(ws_request(url, origin, token)).await
    }

    async fn open(
        request: tungstenite::handshake::client::Request,
    ) -> Result<Socket, tungstenite::Error> {
        let (inner, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket {
            inner,
            early: std::collections::VecDeque::new(),
        })
    }

    /// Sends a client frame.
    pub async fn send(&mut self, frame: Value) {
        self.inner
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("frame sent");
    }

    /// The next server frame (pings skipped), within 5 s.
    pub async fn next(&mut self) -> ServerFrame {
        if let Some(frame) = self.early.pop_front() {
            return frame;
        }
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("a frame within 5 s")
                .expect("socket open")
                .expect("frame");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("ServerFrame"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Events until the one with `seq`, skipping acks and ephemeral events.
    pub async fn events_until(&mut self, seq: u64) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            if let ServerFrame::Event { event } = self.next().await {
                let done = event.seq == Some(seq);
                if event.seq.is_some() {
                    events.push(event);
                }
                if done {
                    return events;
                }
            }
        }
    }

    /// Waits (5 s) for the server's close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("closed within 5 s");
            match message {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}

/// The texts of a turn's answer, joined by new lines.
pub fn answer_texts(answer: &Value) -> String {
    answer["output"]["generic"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
