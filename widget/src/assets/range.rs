//! Byte ranges for the demo media (`Range: bytes=...`, RFC 9110 section 14): browsers ask
//! for ranges to seek in the demo video, and Safari plays a video only from a server that
//! answers them.
//!
//! One range per request is enough for media players. A header this server does not
//! understand (another unit, several ranges, a malformed or backwards range) is ignored and
//! the whole file is sent, as the RFC allows; a well-formed range that starts past the end
//! gets `416 Range Not Satisfiable`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::Asset;

/// What a `Range` header asks of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// The bytes `start..=end` (both within the body).
    Part {
        /// First byte sent.
        start: usize,
        /// Last byte sent.
        end: usize,
    },
    /// No byte of the range exists: `416`.
    Unsatisfiable,
    /// Not one byte range this server answers: send the whole body.
    Ignored,
}

/// Reads a `Range` header value against a body of `len` bytes.
pub(crate) fn parse(value: &str, len: usize) -> ByteRange {
    let Some((unit, set)) = value.trim().split_once('=') else {
        return ByteRange::Ignored;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return ByteRange::Ignored;
    }
    let Some((first, last)) = set.split_once('-') else {
        return ByteRange::Ignored;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last `last` bytes.
        return match number(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(count) => ByteRange::Part {
                start: len.saturating_sub(count),
                end: len - 1,
            },
            None => ByteRange::Ignored,
        };
    }
    let Some(start) = number(first) else {
        return ByteRange::Ignored;
    };
    let end = if last.is_empty() {
        None
    } else {
        match number(last) {
            Some(end) if end >= start => Some(end),
            _ => return ByteRange::Ignored,
        }
    };
    if start >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part {
        start,
        end: end.map_or(len - 1, |end| end.min(len - 1)),
    }
}

/// Digits only (no sign, no spaces inside), within `usize`.
fn number(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Turns the full `200` answer for `asset` into the answer to the request's `Range`
/// header: `206` with the part, `416`, or the full answer unchanged. Every `200` learns
/// `Accept-Ranges: bytes`. A range whose `If-Range` names another version is ignored.
pub(crate) fn answer(full: Response, asset: &'static Asset, request: &HeaderMap) -> Response {
    let mut full = full;
    if full.status() != StatusCode::OK {
        return full;
    }
    full.headers_mut()
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let Some(value) = request
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
    else {
        return full;
    };
    let current = request
        .get(header::IF_RANGE)
        .is_none_or(|validator| validator.as_bytes() == asset.etag().as_bytes());
    if !current {
        return full;
    }
    let len = asset.bytes.len();
    let (status, content_range, body) = match parse(value, len) {
        ByteRange::Ignored => return full,
        ByteRange::Unsatisfiable => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            format!("bytes */{len}"),
            Body::empty(),
        ),
        ByteRange::Part { start, end } => match asset.bytes.get(start..=end) {
            Some(part) => (
                StatusCode::PARTIAL_CONTENT,
                format!("bytes {start}-{end}/{len}"),
                Body::from(part),
            ),
            None => return full,
        },
    };
    let (mut parts, _) = full.into_parts();
    parts.status = status;
    // Ranges are of the identity bytes, never of the gzip body.
    parts.headers.remove(header::CONTENT_ENCODING);
    if let Ok(value) = HeaderValue::from_str(&content_range) {
        parts.headers.insert(header::CONTENT_RANGE, value);
    }
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_open_and_suffix_ranges_are_read() {
        assert_eq!(
            parse("bytes=0-99", 1000),
            ByteRange::Part { start: 0, end: 99 }
        );
        assert_eq!(
            parse("bytes=900-", 1000),
            ByteRange::Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse("bytes=-16", 1000),
            ByteRange::Part {
                start: 984,
                end: 999
            }
        );
    }

    #[test]
    fn ranges_past_the_end_are_clamped_or_unsatisfiable() {
        assert_eq!(
            parse("bytes=10-5000", 100),
            ByteRange::Part { start: 10, end: 99 }
        );
        assert_eq!(
            parse("bytes=-5000", 100),
            ByteRange::Part { start: 0, end: 99 }
        );
        assert_eq!(parse("bytes=100-", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), ByteRange::Unsatisfiable);
    }

    #[test]
    fn headers_this_server_does_not_answer_are_ignored() {
        for value in [
            "items=0-5",
            "bytes=0-5,10-20",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=",
            "bytes=-",
            "0-5",
            "bytes=99999999999999999999999999-",
        ] {
            assert_eq!(parse(value, 100), ByteRange::Ignored, "{value}");
        }
    }
}
