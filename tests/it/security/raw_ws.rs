//! A websocket client written by hand (RFC 6455 framing), for frames a library client
//! refuses to send: invalid UTF-8 in text, lying length headers, thousands of one-byte
//! fragments, compressed (RSV1) frames. Every read is bounded in time.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestApp;
use crate::support::visitor::{ORIGIN, Visitor};

/// Opcode of a continuation frame.
pub const CONTINUATION: u8 = 0x0;
/// Opcode of a text frame.
pub const TEXT: u8 = 0x1;
/// Opcode of a binary frame.
pub const BINARY: u8 = 0x2;
/// Opcode of a close frame.
pub const CLOSE: u8 = 0x8;
/// Opcode of a ping frame.
pub const PING: u8 = 0x9;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// An upgraded connection.
pub struct RawSocket {
    stream: TcpStream,
    buffered: Vec<u8>,
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The server sent a close frame with this code.
    Close(u16),
    /// The server closed the TCP connection without a close frame.
    Dropped,
}

impl RawSocket {
    /// Upgrades the visitor's websocket with `extra` request headers (the session token goes
    /// in `Authorization`, as a non-browser client sends it); returns the response head and,
    /// on 101, the socket.
    pub async fn open(
        app: &TestApp,
        visitor: &Visitor,
        extra: &str,
    ) -> (String, Option<RawSocket>) {
        let path = format!("/api/v1/sites/demo/sessions/{}/ws", visitor.id());
        let mut stream = TcpStream::connect(app.addr).await.expect("connects");
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Origin: {ORIGIN}\r\nAuthorization: Bearer {}\r\n{extra}\r\n",
            app.addr,
            visitor.token()
        );
        stream.write_all(request.as_bytes()).await.expect("written");
        let mut buffered = Vec::new();
        let head_end = loop {
            if let Some(end) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let mut chunk = [0_u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
                .await
                .expect("handshake answered within 5 s")
                .expect("read");
            assert!(n > 0, "closed during the handshake");
            buffered.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffered[..head_end]).into_owned();
        let rest = buffered[head_end + 4..].to_vec();
        let upgraded = head.starts_with("HTTP/1.1 101");
        (
            head,
            upgraded.then_some(RawSocket {
                stream,
                buffered: rest,
            }),
        )
    }

    /// Upgrades with no extra headers; panics unless 101.
    pub async fn connect(app: &TestApp, visitor: &Visitor) -> RawSocket {
        let (head, socket) = Self::open(app, visitor, "").await;
        socket.unwrap_or_else(|| panic!("upgrade refused: {head}"))
    }

    /// Writes raw bytes; false when the server already closed the connection.
    pub async fn write(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok()
    }

    /// Writes one masked frame.
    pub async fn send_frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) -> bool {
        self.write(&frame(fin, false, opcode, payload)).await
    }

    /// The next frame from the server (opcode, payload) within 5 s; `None` when the
    /// connection ended.
    pub async fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some((opcode, payload, used)) = parse_frame(&self.buffered) {
                self.buffered.drain(..used);
                return Some((opcode, payload));
            }
            let mut chunk = vec![0_u8; 16 * 1024];
            let read = tokio::time::timeout(Duration::from_secs(5), self.stream.read(&mut chunk))
                .await
                .expect("a frame or the end within 5 s");
            match read {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buffered.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The next text frame as JSON (pings skipped); panics when the connection ends.
    pub async fn next_json(&mut self) -> serde_json::Value {
        loop {
            match self.next_frame().await {
                Some((TEXT, payload)) => {
                    return serde_json::from_slice(&payload).expect("a JSON frame");
                }
                Some((PING, _)) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Reads until the connection ends; how it ended.
    pub async fn ending(&mut self) -> Ending {
        loop {
            match self.next_frame().await {
                Some((CLOSE, payload)) if payload.len() >= 2 => {
                    return Ending::Close(u16::from_be_bytes([payload[0], payload[1]]));
                }
                Some((CLOSE, _)) => return Ending::Close(1005),
                Some(_) => continue,
                None => return Ending::Dropped,
            }
        }
    }

    /// Sends `{"type":"ping"}` and expects the pong (the socket still serves frames).
    pub async fn assert_usable(&mut self) {
        assert!(self.send_frame(true, TEXT, br#"{"type":"ping"}"#).await);
        loop {
            let frame = self.next_json().await;
            if frame["type"] == "pong" {
                return;
            }
        }
    }
}

/// A masked client frame.
pub fn frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = header(fin, rsv1, opcode, payload.len() as u64);
    bytes.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, byte)| byte ^ MASK[i % 4]),
    );
    bytes
}

/// One masked, final text frame per JSON value, back to back (to be written at once).
pub fn text_frames(frames: impl IntoIterator<Item = serde_json::Value>) -> Vec<u8> {
    frames
        .into_iter()
        .flat_map(|frame| self::frame(true, false, TEXT, frame.to_string().as_bytes()))
        .collect()
}

/// The header of a masked client frame declaring `len` payload bytes (the payload itself is
/// not included, so the length may lie).
pub fn header(fin: bool, rsv1: bool, opcode: u8, len: u64) -> Vec<u8> {
    let mut bytes = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
    if len < 126 {
        bytes.push(0x80 | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        bytes.push(0x80 | 126);
        bytes.extend_from_slice(&short.to_be_bytes());
    } else {
        bytes.push(0x80 | 127);
        bytes.extend_from_slice(&len.to_be_bytes());
    }
    bytes.extend_from_slice(&MASK);
    bytes
}

/// One unmasked server frame at the start of `bytes`: (opcode, payload, bytes used).
fn parse_frame(bytes: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let first = *bytes.first()?;
    let second = *bytes.get(1)?;
    let (len, start) = match second & 0x7f {
        126 => (
            usize::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?])),
            4,
        ),
        127 => {
            let raw: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
            (usize::try_from(u64::from_be_bytes(raw)).ok()?, 10)
        }
        short => (usize::from(short), 2),
    };
    let payload = bytes.get(start..start + len)?.to_vec();
    Some((first & 0x0f, payload, start + len))
}
