//! K-04: malformed cookies and oversized headers. The visitor API reads no cookie at all;
//! the only cookie reader is the console's refresh (`staffetta_refresh`). Huge, numerous,
//! non-UTF-8 or absurd cookies never cause a 5xx: they are ignored, or the request is
//! refused with 400/431 (or the connection closed) before any handler runs.

use super::raw_http::{self, RawAnswer};
use crate::support::{TestApp, spawn_app};

const START_BODY: &[u8] = br#"{"anonymous_id":"anon-0123456789abcdef"}"#;

/// `POST` the session start with extra raw header lines.
async fn start_with_headers(app: &TestApp, extra: &[u8]) -> RawAnswer {
    let mut head = format!(
        "POST /api/v1/sites/demo/sessions HTTP/1.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nOrigin: {}",
        START_BODY.len(),
        crate::support::visitor::ORIGIN
    )
    .into_bytes();
    if !extra.is_empty() {
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(extra);
    }
    raw_http::send(app.addr, &head, START_BODY).await
}

/// `POST /api/v1/agent/refresh` (the cookie reader) with extra raw header lines.
async fn refresh_with_headers(app: &TestApp, extra: &[u8]) -> RawAnswer {
    let mut head = b"POST /api/v1/agent/refresh HTTP/1.1\r\nContent-Length: 0".to_vec();
    if !extra.is_empty() {
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(extra);
    }
    raw_http::send(app.addr, &head, b"").await
}

fn assert_no_server_error(what: &str, answer: &RawAnswer) {
    assert!(
        !(500..600).contains(&answer.status),
        "{what}: {}",
        answer.head
    );
}

fn cookie_line(value: &[u8]) -> Vec<u8> {
    let mut line = b"Cookie: ".to_vec();
    line.extend_from_slice(value);
    line
}

#[tokio::test]
async fn malformed_cookies_are_ignored_by_the_visitor_api_and_refused_by_the_refresh() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", b"staffetta_refresh=\xff\xfe\xfd; a=\xc0\xaf".to_vec()),
        (
            "huge Max-Age",
            b"staffetta_refresh=x; Max-Age=18446744073709551615; Expires=Fri, 31 Dec 99999 23:59:59 GMT".to_vec(),
        ),
        ("no value", b"staffetta_refresh; =; ==; ;;".to_vec()),
        ("quotes and controls", b"staffetta_refresh=\"\\\"\x01\"".to_vec()),
        (
            "five hundred cookies",
            (0..500)
                .map(|i| format!("c{i}=v{i}"))
                .collect::<Vec<_>>()
                .join("; ")
                .into_bytes(),
        ),
        (
            "a hundred-kilobyte cookie",
            format!("staffetta_refresh={}", "a".repeat(100 * 1024)).into_bytes(),
        ),
    ];
    for (what, value) in cases {
        let line = cookie_line(&value);
        let start = start_with_headers(&app, &line).await;
        assert_no_server_error(what, &start);
        assert!(
            start.status == 201 || start.status == 431 || start.status == 400,
            "{what}: {}",
            start.head
        );
        let refresh = refresh_with_headers(&app, &line).await;
        assert_no_server_error(what, &refresh);
        assert!(
            (400..500).contains(&refresh.status),
            "{what}: the refresh accepted a malformed cookie: {}",
            refresh.head
        );
    }
}

#[tokio::test]
async fn a_megabyte_of_cookie_or_hundreds_of_cookie_headers_are_refused_before_any_handler() {
    let app = spawn_app().await;
    let huge = cookie_line(format!("a={}", "b".repeat(1024 * 1024)).as_bytes());
    let many: Vec<u8> = (0..500)
        .map(|i| format!("Cookie: c{i}=v{i}"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    for (what, extra) in [("1 MiB cookie", huge), ("500 Cookie headers", many)] {
        for answer in [
            start_with_headers(&app, &extra).await,
            refresh_with_headers(&app, &extra).await,
        ] {
            // 431, 400, or the connection closed without an answer (status 0).
            assert!(
                [0, 400, 431].contains(&answer.status),
                "{what}: {}",
                answer.head.chars().take(200).collect::<String>()
            );
        }
    }
    // The node serves the next visitor as usual.
    let fine = start_with_headers(&app, b"").await;
    assert_eq!(fine.status, 201, "{}", fine.head);
}
