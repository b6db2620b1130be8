//! HTTP behaviour of the asset routes, checked in-process with `tower::ServiceExt::oneshot`.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt as _;

use super::{chat, launcher, router};

async fn get(uri: &str, headers: &[(&str, &str)]) -> axum::response::Response {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    router::<()>()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn header_of(response: &axum::response::Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn launcher_is_javascript_with_nosniff_short_cache_and_etag() {
    let response = get("/widget.js", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        "public, max-age=300"
    );
    assert_eq!(header_of(&response, header::ETAG), launcher().etag());
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert_eq!(body, launcher().bytes);
}

#[tokio::test]
async fn matching_if_none_match_answers_not_modified_without_body() {
    let etag = launcher().etag();
    let response = get("/widget.js", &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert!(body.is_empty());

    let stale = get("/widget.js", &[("if-none-match", "\"0000\"")]).await;
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn chat_script_under_its_version_is_immutable_and_otherwise_short_lived() {
    let versioned = get(&format!("/widget/chat.js?v={}", chat().hash), &[]).await;
    assert_eq!(
        header_of(&versioned, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let old = get("/widget/chat.js?v=0123456789abcdef", &[]).await;
    assert_eq!(
        header_of(&old, header::CACHE_CONTROL),
        "public, max-age=300"
    );
}

#[tokio::test]
async fn scripts_are_gzipped_only_for_clients_that_accept_it() {
    let zipped = get("/widget/chat.js", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(header_of(&zipped, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header_of(&zipped, header::VARY), "Accept-Encoding");
    let body = to_bytes(zipped.into_body(), usize::MAX).await.unwrap();
    assert_eq!(Some(body.as_ref()), chat().gzip.as_deref());

    let refused = get("/widget/chat.js", &[("accept-encoding", "gzip;q=0, br")]).await;
    assert_eq!(header_of(&refused, header::CONTENT_ENCODING), "");
}

#[tokio::test]
async fn demo_page_is_html_that_embeds_the_launcher() {
    let response = get("/", &[]).await;
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
    assert!(header_of(&response, header::CONTENT_SECURITY_POLICY).contains("object-src 'none'"));
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains(r#"<script src="/widget.js" async></script>"#));
    assert!(html.contains(r#"siteId: "demo""#));
}

#[tokio::test]
async fn demo_media_have_their_types_and_unknown_files_are_not_found() {
    let svg = get("/demo/media/vase.svg", &[]).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(header_of(&svg, header::CONTENT_TYPE), "image/svg+xml");
    assert!(header_of(&svg, header::CONTENT_SECURITY_POLICY).contains("sandbox"));
    let png = get(
        "/demo/media/aurora-logo.png",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(header_of(&png, header::CONTENT_TYPE), "image/png");
    assert_eq!(header_of(&png, header::CONTENT_ENCODING), "");

    let missing = get("/demo/media/secret.txt", &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header_of(&missing, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    let traversal = get("/demo/media/..%2F..%2FCargo.toml", &[]).await;
    assert_eq!(traversal.status(), StatusCode::NOT_FOUND);
}
