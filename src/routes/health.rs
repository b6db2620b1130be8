//! `/healthz` (the process is alive) and `/readyz` (it can serve: the store answers).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;

/// Always 200 while the process runs.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 `ready` when the store answers a ping; 503 `degraded` with the reason otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let backend = state.store.backend();
    if state.lifecycle.is_stopping() {
        let body = json!({ "status": "stopping", "store": backend });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready", "store": backend })).into_response(),
        Err(err) => {
            let body = json!({ "status": "degraded", "store": backend, "reason": err.to_string() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
