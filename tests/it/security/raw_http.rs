//! HTTP/1.1 written by hand over a loopback socket, for requests no well-behaved client
//! sends: bytes that are not UTF-8 in headers or paths, lying `Content-Length`s, hundreds
//! of headers. Every read is bounded in time.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back: the status (0 when the server closed without answering), the head and
/// the body as far as it was read.
#[derive(Debug)]
pub struct RawAnswer {
    /// The status code, or 0 when the connection closed without a response.
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The body bytes read.
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// The body as JSON (Null when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The error code of a JSON error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A header's value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Sends `head` (request line and headers, without the blank line; `Host` and
/// `Connection: close` are added) and `body`, then reads the answer within 10 s.
pub async fn send(addr: SocketAddr, head: &[u8], body: &[u8]) -> RawAnswer {
    let mut request = head.to_vec();
    request.extend_from_slice(format!("\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes());
    request.extend_from_slice(body);
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    // The server may answer and close before reading everything: a failed write is fine.
    let _ = stream.write_all(&request).await;
    read_answer(&mut stream, Duration::from_secs(10)).await
}

/// Reads an HTTP answer until the server closes the connection or the body is complete.
pub async fn read_answer(stream: &mut TcpStream, within: Duration) -> RawAnswer {
    let mut bytes = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut chunk = vec![0_u8; 16 * 1024];
    loop {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
            .await
            .expect("the server answers or closes within the time limit");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
        if complete(&bytes) {
            break;
        }
    }
    parse(&bytes)
}

fn split_head(bytes: &[u8]) -> Option<(String, &[u8])> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        &bytes[end + 4..],
    ))
}

fn complete(bytes: &[u8]) -> bool {
    let Some((head, body)) = split_head(bytes) else {
        return false;
    };
    let answer = RawAnswer {
        status: 0,
        head,
        body: Vec::new(),
    };
    answer
        .header("content-length")
        .and_then(|len| len.parse::<usize>().ok())
        .is_some_and(|len| body.len() >= len)
}

fn parse(bytes: &[u8]) -> RawAnswer {
    let Some((head, body)) = split_head(bytes) else {
        return RawAnswer {
            status: 0,
            head: String::from_utf8_lossy(bytes).into_owned(),
            body: Vec::new(),
        };
    };
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut body = body.to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    RawAnswer { status, head, body }
}

fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = bytes.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&bytes[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let start = line_end + 2;
        if size == 0 || bytes.len() < start + size {
            break;
        }
        out.extend_from_slice(&bytes[start..start + size]);
        bytes = bytes.get(start + size + 2..).unwrap_or_default();
    }
    out
}
