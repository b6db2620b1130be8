//! The visitor side of the load: session starts over HTTP, websockets opened from a spread of
//! loopback source addresses with the same small buffers as the server, the message frame,
//! and a cheap look at each server frame's `type`.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// An origin the built-in demo site allows (`http://localhost:*`).
pub(crate) const ORIGIN: &str = "http://localhost:1234";
/// The site every session is started on.
pub(crate) const SITE: &str = "demo";
/// Bound on one HTTP call or one websocket handshake.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Client sockets per loopback source address (127.0.0.2, 127.0.0.3, ...): far below the
/// ~28k ephemeral ports of one address, so TIME_WAIT left by an earlier run cannot run it out.
const SOCKETS_PER_SOURCE: usize = 4000;

/// A client websocket.
pub(crate) type Ws = WebSocketStream<TcpStream>;

/// The buffers the server uses too (4 KiB read, no write buffering); the tungstenite default
/// read buffer is 128 KiB per socket.
pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// A started session: its id and the token every call on it presents.
pub(crate) struct Session {
    /// Session id (in the path).
    pub(crate) id: String,
    /// Session token (`Authorization: Bearer`).
    pub(crate) token: String,
}

/// Starts `count` anonymous sessions on the demo site, `concurrency` at a time, and returns
/// them in order.
pub(crate) async fn start_sessions(
    base_url: &str,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Session>> {
    let http = reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .pool_max_idle_per_host(concurrency)
        .build()
        .context("building the HTTP client")?;
    let url = format!("{base_url}/api/v1/sites/{SITE}/sessions");
    futures_util::stream::iter(0..count)
        .map(|index| start_session(&http, &url, index))
        .buffered(concurrency)
        .try_collect()
        .await
}

async fn start_session(http: &reqwest::Client, url: &str, index: usize) -> Result<Session> {
    let body = json!({ "anonymous_id": format!("load-visitor-{index:08}"), "locale": "en" });
    let response = http
        .post(url)
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("session start {index}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status != reqwest::StatusCode::CREATED {
        bail!("session start {index} answered {status}: {text}");
    }
    let started: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("session start {index} answered {text}"))?;
    let field = |name: &str| {
        started[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("session start {index} has no {name}: {text}"))
    };
    Ok(Session {
        id: field("session_id")?,
        token: field("session_token")?,
    })
}

/// The loopback source address of the `index`-th client socket.
pub(crate) fn source_address(index: usize) -> IpAddr {
    let octet = u8::try_from(2 + index / SOCKETS_PER_SOURCE).unwrap_or(u8::MAX);
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, octet))
}

/// Opens a websocket to `ws://{server}{path}` from `source` with the [`ORIGIN`] header (and
/// `Authorization: Bearer <token>` when given), within [`CALL_TIMEOUT`].
pub(crate) async fn connect(
    server: SocketAddr,
    source: IpAddr,
    path: &str,
    token: Option<&str>,
) -> Result<Ws> {
    let mut headers = vec![("origin", ORIGIN.to_owned())];
    if let Some(token) = token {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    open(server, source, path, headers).await
}

/// Opens an agent console's websocket to `ws://{server}{path}` the way a tool does: the
/// access token in `Authorization: Bearer` (never in the URL), without an `Origin` header,
/// which a browser page would have to match the server's own host with.
pub(crate) async fn connect_console(
    server: SocketAddr,
    source: IpAddr,
    path: &str,
    token: &str,
) -> Result<Ws> {
    open(
        server,
        source,
        path,
        vec![("authorization", format!("Bearer {token}"))],
    )
    .await
}

async fn open(
    server: SocketAddr,
    source: IpAddr,
    path: &str,
    headers: Vec<(&'static str, String)>,
) -> Result<Ws> {
    let open = async {
        let socket = TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::new(source, 0))?;
        let stream = socket.connect(server).await?;
        stream.set_nodelay(true)?;
        let mut request = format!("ws://{server}{path}").into_client_request()?;
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(name, HeaderValue::from_str(&value)?);
        }
        let (ws, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config())).await?;
        anyhow::Ok(ws)
    };
    // Name only the route in errors, never a query.
    let route = path.split('?').next().unwrap_or(path);
    tokio::time::timeout(CALL_TIMEOUT, open)
        .await
        .with_context(|| {
            format!("websocket {route} from {source}: no handshake within {CALL_TIMEOUT:?}")
        })?
        .with_context(|| format!("websocket {route} from {source}"))
}

/// The websocket path of a session.
pub(crate) fn session_ws_path(session_id: &str) -> String {
    format!("/api/v1/sites/{SITE}/sessions/{session_id}/ws")
}

/// A visitor message frame.
pub(crate) fn message_frame(client_message_id: &str, text: &str) -> Message {
    let frame = json!({
        "type": "message",
        "client_message_id": client_message_id,
        "input": { "text": text },
    });
    Message::Text(frame.to_string().into())
}

/// The application-level ping frame (answered with `pong`).
pub(crate) fn ping_frame() -> Message {
    Message::Text(r#"{"type":"ping"}"#.into())
}

/// The fields of a server frame the load tool looks at; the rest is skipped unparsed.
#[derive(Debug, Deserialize)]
pub(crate) struct FrameHead<'a> {
    /// `ack`, `event`, `error`, `pong`, ... (`message` for an echoed client frame).
    #[serde(rename = "type", borrow)]
    pub(crate) kind: Cow<'a, str>,
    /// The client message an `ack` or `error` is about.
    #[serde(default, borrow)]
    pub(crate) client_message_id: Option<Cow<'a, str>>,
}

impl<'a> FrameHead<'a> {
    /// Reads the head of a text frame.
    pub(crate) fn parse(text: &'a str) -> Result<FrameHead<'a>> {
        serde_json::from_str(text).with_context(|| format!("unreadable server frame: {text}"))
    }
}
