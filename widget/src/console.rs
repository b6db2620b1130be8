//! HTTP routes for the agent console: `GET /agent` (the page) and `GET /agent/{file}` for its
//! style sheet and ES modules ([`FILES`]), embedded in the binary with `include_str!` (no
//! build step).
//!
//! Every response carries `Content-Type`, `X-Content-Type-Options: nosniff`, a strong
//! `ETag` (answered with `304` on `If-None-Match`) and `Cache-Control: no-cache` (the URLs
//! are stable, so the browser revalidates). The page is sent with a strict
//! Content-Security-Policy: no inline script or style, everything from this origin only,
//! never framed.
//!
//! Mount with `.merge(staffetta_widget::console::router())` (the asset router already
//! merges it); the router is generic over the app state and uses none of it.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

/// The console page.
const PAGE: &str = include_str!("../assets/console/console.html");

/// The files under `/agent/`: name, content type and body. The page loads `console.js` as
/// an ES module; it imports the others.
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "console.css",
        CSS,
        include_str!("../assets/console/console.css"),
    ),
    (
        "console.js",
        JS,
        include_str!("../assets/console/console.js"),
    ),
    ("net.js", JS, include_str!("../assets/console/net.js")),
    ("i18n.js", JS, include_str!("../assets/console/i18n.js")),
    ("alerts.js", JS, include_str!("../assets/console/alerts.js")),
    ("offers.js", JS, include_str!("../assets/console/offers.js")),
    (
        "conversation.js",
        JS,
        include_str!("../assets/console/conversation.js"),
    ),
    (
        "transcript.js",
        JS,
        include_str!("../assets/console/transcript.js"),
    ),
    (
        "offline.js",
        JS,
        include_str!("../assets/console/offline.js"),
    ),
    ("queues.js", JS, include_str!("../assets/console/queues.js")),
];

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Content-Security-Policy of the console page: scripts, styles and connections (HTTP and
/// the agent websocket) only from this origin; no inline code, no framing, no forms posted
/// elsewhere.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; media-src 'none'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'; object-src 'none'";

/// One embedded console file as served.
#[derive(Debug, Clone, Copy)]
struct ConsoleFile {
    content_type: &'static str,
    body: &'static str,
    csp: Option<&'static str>,
}

const PAGE_FILE: ConsoleFile = ConsoleFile {
    content_type: "text/html; charset=utf-8",
    body: PAGE,
    csp: Some(CONSOLE_CSP),
};

/// The console routes, for any application state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/agent", get(page_handler))
        .route("/agent/", get(page_handler))
        .route("/agent/{file}", get(file_handler))
}

async fn page_handler(headers: HeaderMap) -> Response {
    serve(PAGE_FILE, &headers)
}

async fn file_handler(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some(&(_, content_type, body)) => serve(
            ConsoleFile {
                content_type,
                body,
                csp: None,
            },
            &headers,
        ),
        None => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

/// `304` when the client holds this version, otherwise the file.
fn serve(file: ConsoleFile, request: &HeaderMap) -> Response {
    let etag = format!("\"{:016x}\"", fnv1a(file.body.as_bytes()));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.split(',').map(str::trim).any(|candidate| {
                candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
            })
        });
    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(Body::from(file.body))
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(policy) = file.csp {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// 64-bit FNV-1a, the content validator.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt as _;

    async fn get_path(path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        let request = request.body(Body::empty()).unwrap_or_default();
        match router::<()>().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn the_page_is_html_with_a_strict_policy_and_no_inline_script() {
        let response = get_path("/agent", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        let policy = header_of(&response, header::CONTENT_SECURITY_POLICY);
        assert!(policy.contains("script-src 'self';"));
        assert!(!policy.contains("unsafe"));
        assert!(!PAGE.contains("<script>"), "no inline script in the page");
        assert!(!PAGE.contains("style="), "no inline style in the page");
    }

    #[tokio::test]
    async fn script_and_style_have_their_types_and_revalidate() {
        let script = get_path("/agent/console.js", None).await;
        assert_eq!(
            header_of(&script, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(header_of(&script, header::CACHE_CONTROL), "no-cache");
        let style = get_path("/agent/console.css", None).await;
        assert_eq!(
            header_of(&style, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
        assert_eq!(header_of(&style, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }

    #[tokio::test]
    async fn a_known_etag_is_answered_with_not_modified() {
        let first = get_path("/agent/console.js", None).await;
        let tag = header_of(&first, header::ETAG).to_owned();
        assert!(!tag.is_empty());
        let second = get_path("/agent/console.js", Some(&tag)).await;
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn every_module_is_served_and_an_unknown_file_is_not_found() {
        for (name, content_type, _) in FILES {
            let response = get_path(&format!("/agent/{name}"), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), *content_type);
        }
        let missing = get_path("/agent/secrets.js", None).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn every_module_import_names_a_served_file() {
        let served: Vec<&str> = FILES.iter().map(|(name, _, _)| *name).collect();
        assert!(PAGE.contains(r#"<script type="module" src="/agent/console.js">"#));
        let mut imports = 0;
        for (name, _, body) in FILES {
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                imports += 1;
                let target = line
                    .rsplit("from './")
                    .next()
                    .and_then(|rest| rest.split('\'').next())
                    .unwrap_or_default();
                assert!(
                    served.contains(&target),
                    "{name} imports {target}, which is not served"
                );
            }
        }
        assert!(
            imports >= 6,
            "the module graph was read ({imports} imports)"
        );
    }
}
