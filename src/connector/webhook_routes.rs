//! `POST /api/v1/connectors/webhook/{site}/commands`: an external contact centre sends an
//! agent's command, signed like the webhooks it receives.
//!
//! Body `{"id": "optional unique id", "agent": "<agent id>", "command": <AgentCommand>}`,
//! headers `X-Staffetta-Timestamp` and `X-Staffetta-Signature`. Answers: 202
//! `{"status": "queued" | "duplicate"}`; 401 `bad_signature` or `stale_signature`; 400
//! `bad_command`; 404 `webhook_not_configured`; 413 `payload_too_large`; 503
//! `connector_busy` or `connector_closed` (with `Retry-After`); and what the desk's
//! [`CommandCheck`] refuses on arrival (422 for an agent, chat, offer or job it does not
//! know, 409 for a command the chat's or agent's state does not allow, 400 for a bad
//! message), with its `code`.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Serialize;

use super::Connectors;
use super::inbound::{CommandCheck, InboundError, Received, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::error::ApiError;

/// The commands endpoint, with `{site}` for the site id.
pub const COMMANDS_PATH: &str = "/api/v1/connectors/webhook/{site}/commands";
/// Largest command body, in bytes.
pub const COMMAND_BODY_LIMIT: usize = 64 * 1024;

/// The commands endpoint over `connectors`, mergeable into a router of any state, without
/// checks beyond the connector's own (signature, body, replays).
pub fn router<S>(connectors: Arc<Connectors>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router_checked(connectors, None)
}

/// [`router`], where `check` (the desk's) refuses what it can of a command before it is
/// queued. The router owns the check, so a check that holds the server's state makes no
/// cycle through the connectors.
pub fn router_checked<S>(
    connectors: Arc<Connectors>,
    check: Option<Arc<dyn CommandCheck>>,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            "/api/v1/connectors/webhook/{site}/commands",
            post(receive_command),
        )
        .layer(DefaultBodyLimit::max(COMMAND_BODY_LIMIT))
        .with_state(Endpoint { connectors, check })
}

/// The endpoint's state: the connectors and the check on arrival.
#[derive(Clone)]
struct Endpoint {
    connectors: Arc<Connectors>,
    check: Option<Arc<dyn CommandCheck>>,
}

#[derive(Serialize)]
struct Accepted {
    status: &'static str,
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

async fn receive_command(
    State(Endpoint { connectors, check }): State<Endpoint>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let Some(connector) = connectors.webhook(&site) else {
        return Err(ApiError::not_found(
            "webhook_not_configured",
            "No site with this id has a webhook connector.",
        )
        .into_response());
    };
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("A command body has at most {COMMAND_BODY_LIMIT} bytes."),
            )
        } else {
            ApiError::bad_request("bad_command", rejection.body_text())
        }
        .into_response()
    })?;
    let received = connector
        .receive(
            header_text(&headers, TIMESTAMP_HEADER),
            header_text(&headers, SIGNATURE_HEADER),
            &body,
            check.as_deref(),
        )
        .await
        .map_err(|err| {
            tracing::debug!(site = %site, reason = %err, "webhook command refused");
            refusal(err)
        })?;
    let status = match received {
        Received::Queued => "queued",
        Received::Duplicate => "duplicate",
    };
    Ok((StatusCode::ACCEPTED, Json(Accepted { status })).into_response())
}

fn refusal(err: InboundError) -> Response {
    let unauthorized = |code, message: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, message);
    let unavailable = |code, message: &str, retry_after_s: u32| {
        let mut response =
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        response
    };
    match err {
        InboundError::BadSignature => unauthorized(
            "bad_signature",
            "X-Staffetta-Timestamp and X-Staffetta-Signature must carry the Unix time and the \
             HMAC-SHA256 of \"{timestamp}.{body}\" with the site's webhook secret.",
        )
        .into_response(),
        InboundError::StaleSignature { tolerance_s, .. } => unauthorized(
            "stale_signature",
            &format!(
                "The signed timestamp is more than {tolerance_s} s from the server clock; sign \
                 with the current time (check the clock)."
            ),
        )
        .into_response(),
        InboundError::BadCommand(detail) => {
            ApiError::bad_request("bad_command", detail).into_response()
        }
        InboundError::Busy => unavailable(
            "connector_busy",
            "Too many commands are waiting; retry after Retry-After seconds.",
            1,
        ),
        InboundError::Unavailable => unavailable(
            "connector_busy",
            "Accepted commands cannot be checked right now; retry after Retry-After seconds.",
            1,
        ),
        InboundError::Closed => unavailable(
            "connector_closed",
            "The server is shutting down; retry later.",
            5,
        ),
        InboundError::Refused(refusal) if refusal.status == StatusCode::SERVICE_UNAVAILABLE => {
            unavailable(refusal.code, &refusal.message, 1)
        }
        InboundError::Refused(refusal) => {
            ApiError::new(refusal.status, refusal.code, refusal.message).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
    use serde_json::{Value, json};
    use staffetta_handoff::AgentId;
    use staffetta_handoff::connector::{AgentCommand, Connector, Inbound, webhook_signature};
    use tower::ServiceExt;

    use super::*;
    use crate::config::{Settings, WebhookSettings};
    use crate::secret::Secret;
    use crate::store::ManualClock;

    const SECRET: &str = "route-test-secret";
    const NOW_MS: i64 = 1_800_000_000_000;

    struct Fixture {
        connectors: Arc<Connectors>,
        clock: ManualClock,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let mut settings = Settings::default();
        settings.sites[0].webhook = Some(WebhookSettings::new(
            "http://127.0.0.1:9/hook",
            Secret::new(SECRET),
        ));
        let clock = ManualClock::new(NOW_MS);
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn crate::store::Store> = Arc::new(
            crate::store::SledStore::open(&dir.path().join("store"), clock.clock())
                .await
                .unwrap(),
        );
        let connectors = Connectors::from_settings(&settings, &clock.clock(), &store).unwrap();
        Fixture {
            connectors: Arc::new(connectors),
            clock,
            _dir: dir,
        }
    }

    fn logout(agent: &str) -> Vec<u8> {
        json!({ "agent": agent, "command": { "command": "logout" } })
            .to_string()
            .into_bytes()
    }

    /// POSTs `body` to `site` with the given headers; status and JSON body (Null if empty).
    async fn post_command(
        fixture: &Fixture,
        site: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut request = Request::post(COMMANDS_PATH.replace("{site}", site));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = router::<()>(Arc::clone(&fixture.connectors))
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, json)
    }

    fn signed(secret: &str, unix_s: i64, body: &[u8]) -> Vec<(&'static str, String)> {
        vec![
            (TIMESTAMP_HEADER, unix_s.to_string()),
            (
                SIGNATURE_HEADER,
                webhook_signature(secret.as_bytes(), unix_s, body),
            ),
        ]
    }

    async fn send(fixture: &Fixture, body: Vec<u8>) -> (StatusCode, HeaderMap, Value) {
        let headers = signed(SECRET, fixture.clock.now_ms() / 1_000, &body);
        post_command(fixture, "demo", &headers, body).await
    }

    fn code(body: &Value) -> &str {
        body["error"]["code"].as_str().unwrap_or("<no code>")
    }

    #[tokio::test]
    async fn a_signed_command_is_queued_for_next_command() {
        let fixture = fixture().await;
        let (status, _, body) = send(&fixture, logout("ada")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(body, json!({ "status": "queued" }));
        let connector = fixture.connectors.get("demo").unwrap();
        let expected = Inbound {
            agent: AgentId::parse("ada").unwrap(),
            command: AgentCommand::Logout,
        };
        assert_eq!(connector.next_command().await, Ok(Some(expected)));
    }

    #[tokio::test]
    async fn a_replayed_request_is_acknowledged_but_queued_once() {
        let fixture = fixture().await;
        let body = logout("ada");
        let headers = signed(SECRET, NOW_MS / 1_000, &body);
        for expected in ["queued", "duplicate"] {
            let (status, _, answer) = post_command(&fixture, "demo", &headers, body.clone()).await;
            assert_eq!(
                (status, answer),
                (StatusCode::ACCEPTED, json!({ "status": expected }))
            );
        }
        // The same id re-signed later is a duplicate too; another id is new.
        fixture.clock.advance(Duration::from_secs(5));
        let with_id = |id: &str| {
            json!({ "id": id, "agent": "bob", "command": { "command": "logout" } })
                .to_string()
                .into_bytes()
        };
        assert_eq!(send(&fixture, with_id("c-1")).await.2["status"], "queued");
        fixture.clock.advance(Duration::from_secs(5));
        assert_eq!(
            send(&fixture, with_id("c-1")).await.2["status"],
            "duplicate"
        );
        assert_eq!(send(&fixture, with_id("c-2")).await.2["status"], "queued");
        let connector = fixture.connectors.webhook("demo").unwrap();
        let agents: Vec<String> = [
            connector.next_command().await,
            connector.next_command().await,
            connector.next_command().await,
        ]
        .into_iter()
        .map(|next| next.unwrap().unwrap().agent.to_string())
        .collect();
        assert_eq!(agents, ["ada", "bob", "bob"]);
    }

    #[tokio::test]
    async fn missing_or_wrong_signatures_are_refused_as_bad_signature() {
        let fixture = fixture().await;
        let body = logout("ada");
        let now_s = NOW_MS / 1_000;
        let good = signed(SECRET, now_s, &body);
        let cases = [
            Vec::new(),
            vec![good[0].clone()],
            vec![good[1].clone()],
            signed("another-secret-entirely", now_s, &body),
            signed(SECRET, now_s, b"{}"),
            vec![good[0].clone(), (SIGNATURE_HEADER, "not-hex".to_owned())],
            vec![(TIMESTAMP_HEADER, "yesterday".to_owned()), good[1].clone()],
        ];
        for headers in cases {
            let (status, _, answer) = post_command(&fixture, "demo", &headers, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{headers:?}");
            assert_eq!(code(&answer), "bad_signature", "{headers:?}");
        }
    }

    #[tokio::test]
    async fn a_timestamp_outside_the_tolerance_is_refused_as_stale() {
        let fixture = fixture().await;
        let body = logout("ada");
        let headers = signed(SECRET, NOW_MS / 1_000, &body);
        fixture.clock.advance(Duration::from_secs(301));
        let (status, _, answer) = post_command(&fixture, "demo", &headers, body.clone()).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNAUTHORIZED, "stale_signature")
        );
        let future = signed(SECRET, NOW_MS / 1_000 + 301 + 301, &body);
        let (status, _, answer) = post_command(&fixture, "demo", &future, body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNAUTHORIZED, "stale_signature")
        );
    }

    #[tokio::test]
    async fn a_signed_body_that_is_not_a_command_is_a_bad_command() {
        let fixture = fixture().await;
        for body in [
            b"not json".to_vec(),
            br#"{"agent":"ada","command":{"command":"fly"}}"#.to_vec(),
            br#"{"agent":"a b","command":{"command":"logout"}}"#.to_vec(),
        ] {
            let (status, _, answer) = send(&fixture, body).await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::BAD_REQUEST, "bad_command")
            );
        }
    }

    /// Refuses every `logout` on arrival with 409 `jobs_open`.
    #[derive(Debug)]
    struct NoLogout;

    impl CommandCheck for NoLogout {
        fn check<'a>(
            &'a self,
            _site: &'a str,
            inbound: &'a Inbound,
            _settled: bool,
        ) -> staffetta_handoff::connector::BoxFuture<'a, Result<(), super::super::CommandRefusal>>
        {
            let refused = inbound.command == AgentCommand::Logout;
            Box::pin(async move {
                if refused {
                    return Err(super::super::CommandRefusal {
                        status: StatusCode::CONFLICT,
                        code: "jobs_open",
                        message: "after-chat work is open".to_owned(),
                    });
                }
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn a_command_the_check_refuses_is_answered_with_its_code_and_not_queued() {
        let fixture = fixture().await;
        let checked = router_checked::<()>(
            Arc::clone(&fixture.connectors),
            Some(Arc::new(NoLogout) as Arc<dyn CommandCheck>),
        );
        let post = |body: Value| {
            let body = body.to_string().into_bytes();
            let mut request = Request::post(COMMANDS_PATH.replace("{site}", "demo"));
            for (name, value) in signed(SECRET, NOW_MS / 1_000, &body) {
                request = request.header(name, value);
            }
            checked
                .clone()
                .oneshot(request.body(Body::from(body)).unwrap())
        };
        let logout = json!({ "id": "c-1", "agent": "ada", "command": { "command": "logout" } });
        let response = post(logout).await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(code(&answer), "jobs_open");
        assert_eq!(answer["error"]["message"], "after-chat work is open");
        // The refused id was not remembered: the same id, another command, is queued.
        let ready = json!({
            "id": "c-1", "agent": "ada", "command": { "command": "set_state", "state": "ready" },
        });
        assert_eq!(post(ready).await.unwrap().status(), StatusCode::ACCEPTED);
        let connector = fixture.connectors.webhook("demo").unwrap();
        let queued = connector.next_queued().await.unwrap();
        assert_eq!(queued.id.as_deref(), Some("c-1"));
        assert!(matches!(queued.inbound.command, AgentCommand::SetState(_)));
    }

    #[tokio::test]
    async fn a_site_without_a_webhook_is_not_found() {
        let fixture = fixture().await;
        let body = logout("ada");
        let headers = signed(SECRET, NOW_MS / 1_000, &body);
        let (status, _, answer) = post_command(&fixture, "elsewhere", &headers, body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "webhook_not_configured")
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_before_verification() {
        let fixture = fixture().await;
        let body = vec![b' '; COMMAND_BODY_LIMIT + 1];
        let (status, _, answer) = send(&fixture, body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        );
    }

    #[tokio::test]
    async fn a_closed_connector_asks_to_retry_later() {
        let fixture = fixture().await;
        fixture.connectors.close_all();
        let (status, headers, answer) = send(&fixture, logout("ada")).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::SERVICE_UNAVAILABLE, "connector_closed")
        );
        assert_eq!(headers[header::RETRY_AFTER], "5");
    }
}
