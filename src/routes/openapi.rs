//! `GET /api/v1/openapi.json` and `GET /api/v1/ws-frames.schema.json`: the hand-written
//! OpenAPI 3.1 document of the API and the JSON Schema of the visitor websocket frames
//! (docs/openapi.json, docs/ws-frames.schema.json), embedded at build time so the served
//! documents are the reviewed files.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The OpenAPI document, byte for byte as in docs/openapi.json.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// The JSON Schema of the visitor websocket frames (docs/ws-frames.schema.json).
pub const WS_FRAMES_SCHEMA_JSON: &str = include_str!("../../docs/ws-frames.schema.json");

/// The route serving the document, for any application state.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/ws-frames.schema.json", get(ws_frames_schema))
}

async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI_JSON,
    )
        .into_response()
}

async fn ws_frames_schema() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/schema+json"),
        )],
        WS_FRAMES_SCHEMA_JSON,
    )
        .into_response()
}
