//! HTTP routes for the browser assets: the launcher (`GET /widget.js`), the lazily loaded
//! chat window (`GET /widget/chat.js`), the demo shop page (`GET /`) and its media
//! (`GET /demo/media/{file}`, which also answers byte ranges).
//!
//! Every response carries `Content-Type`, `X-Content-Type-Options: nosniff`, a strong
//! `ETag` (answered with `304` on `If-None-Match`) and a `Cache-Control` fitting its URL:
//! `widget.js` keeps a stable URL (the site owners' snippet) and is cached briefly; the chat
//! script is requested as `/widget/chat.js?v=<hash>` by the launcher and cached as immutable.
//! Scripts are served gzip-compressed to clients that accept it.
//!
//! Mount with `.merge(staffetta_widget::assets::router())`; the router is generic over the
//! app state and uses none of it.

mod catalog;
mod comments;
mod range;

#[cfg(test)]
mod budget;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;

pub use catalog::{
    Asset, CHAT_VERSION_PLACEHOLDER, chat, demo_media, demo_media_names, demo_page, launcher,
};

/// Cache policy of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caching {
    /// Stable URL whose content changes on deploy: short max-age, then revalidate by ETag.
    Short,
    /// Versioned URL: the content behind it never changes.
    Immutable,
    /// HTML page: always revalidate.
    Revalidate,
    /// Demo media: a day.
    Day,
}

impl Caching {
    fn header_value(self) -> &'static str {
        match self {
            Self::Short => "public, max-age=300",
            Self::Immutable => "public, max-age=31536000, immutable",
            Self::Revalidate => "no-cache",
            Self::Day => "public, max-age=86400",
        }
    }
}

/// Content-Security-Policy of the demo shop page. The page carries one inline script (the
/// `window.staffettaOptions` snippet, as site owners write it), hence `'unsafe-inline'` for
/// scripts; everything else is restricted to this origin.
const DEMO_PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'; \
     connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'; object-src 'none'";

/// Policy for media opened directly: SVG must never run script.
const MEDIA_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// The asset routes, for any application state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(demo_page_handler))
        .route("/widget.js", get(launcher_handler))
        .route("/widget/chat.js", get(chat_handler))
        .route("/demo/media/{file}", get(media_handler))
        .merge(crate::console::router())
}

async fn launcher_handler(headers: HeaderMap) -> Response {
    serve(launcher(), &headers, Caching::Short, None)
}

async fn chat_handler(uri: Uri, headers: HeaderMap) -> Response {
    let asset = chat();
    let versioned = uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair == format!("v={}", asset.hash))
    });
    let caching = if versioned {
        Caching::Immutable
    } else {
        Caching::Short
    };
    serve(asset, &headers, caching, None)
}

async fn demo_page_handler(headers: HeaderMap) -> Response {
    serve(
        demo_page(),
        &headers,
        Caching::Revalidate,
        Some(DEMO_PAGE_CSP),
    )
}

async fn media_handler(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match demo_media(&file) {
        Some(asset) => range::answer(
            serve(asset, &headers, Caching::Day, Some(MEDIA_CSP)),
            asset,
            &headers,
        ),
        None => not_found(),
    }
}

fn not_found() -> Response {
    let mut response = Response::new(Body::from("not found\n"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Builds the response for `asset`: `304` when the client already holds this version,
/// otherwise the bytes (gzip when accepted).
fn serve(
    asset: &'static Asset,
    request: &HeaderMap,
    caching: Caching,
    csp: Option<&'static str>,
) -> Response {
    let etag = asset.etag();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| etag_matches(value, &etag));
    let gzip = asset
        .gzip
        .as_deref()
        .filter(|bytes| !bytes.is_empty() && accepts_gzip(request));

    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        match gzip {
            Some(bytes) => {
                let mut response = Response::new(Body::from(bytes));
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            None => Response::new(Body::from(asset.bytes.as_slice())),
        }
    };

    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching.header_value()),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if asset.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some(policy) = csp {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    if caching != Caching::Revalidate {
        // Scripts and media are embedded by other origins' pages.
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            "cross-origin-resource-policy",
            HeaderValue::from_static("cross-origin"),
        );
    }
    response
}

/// `If-None-Match` holds a list of ETags (possibly weak) or `*`.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let Some(value) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    value.split(',').any(|entry| {
        let mut parts = entry.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let refused = parts.any(|param| {
            param
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests;
