//! The visitor REST API: `/api/v1/sites/{site}/...` config, sessions, messages, keep-alive,
//! long-poll events and the end of a conversation. Every route sits behind the origin guard.

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use staffetta_widget::protocol::{
    Event, MessageRequest, MessageResponse, SessionStarted, StartSession,
};

use crate::app::AppState;
use crate::config::SiteSettings;
use crate::error::{ApiError, ApiJson};
use crate::visitor::bus::Notice;
use crate::visitor::conversation::{self, NewConversation};
use crate::visitor::record::{SessionRecord, decode_restore_state};
use crate::visitor::session_token::VisitorSession;
use crate::visitor::start_id::{self, Claim, StartId};
use crate::visitor::{origin, start};

/// The visitor routes.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/sites/{site}/config", get(start::site_config))
        .route(
            "/api/v1/sites/{site}/sessions",
            post(start_session).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}",
            axum::routing::delete(end_session).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/message",
            post(send_message).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/identity",
            axum::routing::put(refresh_identity).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/continue",
            post(continue_session).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/events",
            get(long_poll).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/ws",
            get(super::visitor_ws::upgrade),
        )
        // Bodies larger than a websocket frame may be are refused with 413 before parsing.
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.limits.max_frame_len(),
        ))
        .route_layer(middleware::from_fn_with_state(state, origin::guard))
}

/// Preflight requests are answered by the origin guard; this only gives them a route.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `POST /sessions`: 201 with a new session, or 200 with the session a repeat of the same
/// `client_start_id` started ([`start_id`]).
async fn start_session(
    State(state): State<AppState>,
    Path(site): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StartSession>,
) -> Result<(StatusCode, Json<SessionStarted>), ApiError> {
    let site = state
        .settings
        .site(&site)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))?;
    let start_id = request
        .client_start_id
        .as_deref()
        .map(StartId::parse)
        .transpose()?;
    if start_id.is_none() {
        start::check_new_session_rate(&state, peer, &headers).await?;
    }
    let prepared = start::prepare(&state, site, peer, &headers, &request).await?;
    let restore = request
        .restore
        .as_deref()
        .map(|s| decode_restore_state(&site.id, s))
        .transpose()
        .map_err(|err| ApiError::bad_request("invalid_restore_state", err.to_string()))?;
    let Some(id) = start_id else {
        let body = new_session(&state, site, prepared, &request, restore).await?;
        return Ok((StatusCode::CREATED, Json(body)));
    };
    let fingerprint = start_id::fingerprint(&site.id, &prepared.identity.key, &request);
    let claimed = match start_id::claim(&state, &site.id, id, fingerprint).await? {
        Claim::Repeat(started) => return Ok((StatusCode::OK, Json(started))),
        Claim::New(claimed) => claimed,
    };
    // A claimed start runs to its end (settled or released) even when the client goes away
    // meanwhile (the server then drops this handler): that is when a repeat comes.
    let site = site.clone();
    let task = tokio::spawn(async move {
        let started = match start::check_new_session_rate(&state, peer, &headers).await {
            Ok(()) => new_session(&state, &site, prepared, &request, restore).await,
            Err(error) => Err(error),
        };
        match &started {
            Ok(body) => start_id::settle(&state, claimed, body).await,
            Err(_) => start_id::release(&state, claimed).await,
        }
        started
    });
    let body = task.await.map_err(|e| ApiError::internal(&e))??;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Starts the conversation of a prepared start and gives its answer.
async fn new_session(
    state: &AppState,
    site: &SiteSettings,
    prepared: start::Prepared,
    request: &StartSession,
    restore: Option<staffetta_engine::session::PublicState>,
) -> Result<SessionStarted, ApiError> {
    let locale = prepared.locale.clone();
    let started = start::count_and_start(
        state,
        site,
        NewConversation {
            site: site.id.clone(),
            locale: prepared.locale,
            identity_key: prepared.identity.key.clone(),
            identity_expires_at: prepared.identity.expires_at.map(|t| t.as_millisecond()),
            dispatch_to: request.dispatch_to.clone(),
            metadata: prepared.metadata,
            restore,
        },
    )
    .await?;
    state.metrics.session_started();
    let idle = state.bots.idle(&site.id);
    Ok(SessionStarted {
        session_id: started.session_id,
        session_token: started.session_token.expose().to_owned(),
        conversation_id: started.conversation_id,
        locale,
        timeout_s: u64::try_from(idle.timeout.as_secs()).unwrap_or(0),
        warning_s: u64::try_from(idle.warning_before.as_secs()).unwrap_or(0),
        seq: started.seq,
        output: started.output,
        context: serde_json::to_value(&started.public).unwrap_or_default(),
        state: crate::visitor::record::encode_restore_state(&site.id, &started.public),
    })
}

/// Loads a session and checks it belongs to the site in the path (G9: a visitor only sees
/// their own conversation, and never through another site's origin).
pub async fn session_of_site(
    state: &AppState,
    site: &str,
    session_id: &str,
) -> Result<SessionRecord, ApiError> {
    let (record, _) = conversation::load(state, session_id).await?;
    if record.site != site {
        return Err(ApiError::not_found(
            "session_not_found",
            "No such session (it may have been removed).",
        ));
    }
    Ok(record)
}

async fn send_message(
    State(state): State<AppState>,
    session: VisitorSession,
    ApiJson(request): ApiJson<MessageRequest>,
) -> Result<Json<MessageResponse>, ApiError> {
    start::check_message_rate(&state, &session.id).await?;
    conversation::send(&state, &session.id, request)
        .await
        .map(Json)
}

async fn refresh_identity(
    State(state): State<AppState>,
    session: VisitorSession,
    ApiJson(body): ApiJson<crate::visitor::identity_expiry::IdentityRefresh>,
) -> Result<StatusCode, ApiError> {
    crate::visitor::identity_expiry::refresh(&state, &session.id, &body.identity_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Continue" on the idle warning: visitor activity without a message (204).
async fn continue_session(
    State(state): State<AppState>,
    session: VisitorSession,
) -> Result<StatusCode, ApiError> {
    start::check_message_rate(&state, &session.id).await?;
    crate::visitor::keep_alive::keep_alive(&state, &session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end_session(
    State(state): State<AppState>,
    session: VisitorSession,
) -> Result<Json<serde_json::Value>, ApiError> {
    let seq = conversation::end(&state, &session.id).await?;
    Ok(Json(serde_json::json!({ "ended": true, "seq": seq })))
}

/// Query of the long-poll.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    /// Cumulative ack: events after this seq are returned.
    #[serde(default)]
    after: u64,
    /// Seconds to wait for an event when none is available (capped at 25).
    #[serde(default)]
    wait: u64,
}

/// Answer of the long-poll.
#[derive(Debug, Serialize)]
struct EventsPage {
    /// Events after `after`, in seq order.
    events: Vec<Event>,
    /// The seq to pass as `after` next time.
    next_after: u64,
    /// True when `after` is beyond the conversation: reload from `after=0`.
    resync: bool,
}

async fn long_poll(
    State(state): State<AppState>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
    session: Result<VisitorSession, ApiError>,
) -> Result<Json<EventsPage>, ApiError> {
    let Query(query) =
        query.map_err(|err| ApiError::bad_request("invalid_query", err.body_text()))?;
    let VisitorSession {
        id: session_id,
        record,
    } = session?;
    let conversation = record.conversation_id.clone();
    // Subscribe before reading so an append between the read and the wait is not missed.
    let mut notices = state.bus.subscribe(&conversation);
    let log = crate::visitor::record::conversation_log(&conversation);
    let head = state.store.log_head(&log).await?;
    if query.after > head {
        return Ok(Json(EventsPage {
            events: Vec::new(),
            next_after: head,
            resync: true,
        }));
    }
    let wait = state.settings.limits.long_poll_wait(Some(query.wait));
    // A poll of a session waiting for an agent keeps its place in the queue.
    let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
    crate::desk::visitor_presence::polled(&state, &session_id, &record, wait_ms).await;
    let deadline = tokio::time::Instant::now() + wait;
    // A poll that waits holds one of the session's few slots until it answers (W-06).
    let mut slot = None;
    loop {
        let events = conversation::events(&state, &conversation, query.after).await?;
        if !events.is_empty() || tokio::time::Instant::now() >= deadline {
            let next_after = events.last().and_then(|e| e.seq).unwrap_or(query.after);
            return Ok(Json(EventsPage {
                events,
                next_after,
                resync: false,
            }));
        }
        if slot.is_none() {
            slot = Some(state.websockets.long_polls().try_wait(&session_id)?);
        }
        tokio::select! {
            notice = notices.recv() => match notice {
                Ok(Notice::Ephemeral(_)) => continue,
                // The conversation was deleted (an erasure, retention): answered as the
                // next poll would be.
                Ok(Notice::Erased) => return Err(conversation::session_not_found()),
                _ => {}
            },
            () = tokio::time::sleep_until(deadline) => {}
            () = state.lifecycle.stopping() => {
                return Ok(Json(EventsPage { events: Vec::new(), next_after: query.after, resync: false }));
            }
        }
    }
}
