//! HTTP routes of the handoff: the visitor's (ask for a human, leave, presence, leave a
//! request; behind the origin guard) and the console's (websocket, transcript, offline
//! requests; behind the agent's access token).

use axum::Json;
use axum::Router;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use staffetta_handoff::offline_request::OfflineRequestForm;
use staffetta_handoff::operator::{Action, Role};
use staffetta_handoff::{ConversationId, ResourceId};
use staffetta_widget::protocol::{EventKind, GenericItem, Sender};

use super::visitor_side::{self, HandoffAnswer};
use super::{agent_ws, offline, site_desk};
use crate::agent::auth::AgentAuth;
use crate::app::AppState;
use crate::error::{ApiError, ApiJson};
use crate::limits::ClientKey;
use crate::routes::sessions::session_of_site;
use crate::visitor::record::conversation_log;
use crate::visitor::{conversation, origin, start};

/// Most log entries one transcript answer covers (the latest ones; `?before=` pages back).
const MAX_TRANSCRIPT: usize = 2000;

/// The visitor's handoff routes (origin-guarded like the other visitor routes).
pub fn visitor_router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sites/{site}/sessions/{session}/handoff",
            post(request_handoff)
                .delete(leave_handoff)
                .options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/presence",
            get(presence).options(preflight),
        )
        .route(
            "/api/v1/sites/{site}/offline-requests",
            post(leave_request).options(preflight),
        )
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .route_layer(middleware::from_fn_with_state(state, origin::guard))
}

/// The console's routes. Their answers carry visitors' messages and details: never stored
/// by a browser or proxy cache (`Cache-Control: no-store`).
pub fn agent_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agent/ws", get(agent_ws::upgrade))
        .route("/api/v1/agent/conversations/{chat_id}", get(transcript))
        .route("/api/v1/agent/offline-requests", get(list_requests))
        .layer(middleware::map_response(no_store))
}

async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoffBody {
    #[serde(default)]
    resource: Option<String>,
}

async fn request_handoff(
    State(state): State<AppState>,
    Path((site, session_id)): Path<(String, String)>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<HandoffAnswer>, ApiError> {
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "payload_too_large",
            "The body is too large; send at most {\"resource\": \"...\"}.",
        )
    })?;
    session_of_site(&state, &site, &session_id).await?;
    // The body is optional: no body asks for the default resource.
    let body: HandoffBody = if body.iter().all(u8::is_ascii_whitespace) {
        HandoffBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("Expected {{\"resource\": \"...\"}}: {e}"),
            )
        })?
    };
    let resource = body.resource;
    visitor_side::request(&state, &session_id, resource, None)
        .await
        .map(Json)
}

async fn leave_handoff(
    State(state): State<AppState>,
    Path((site, session_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    session_of_site(&state, &site, &session_id).await?;
    visitor_side::leave(&state, &session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct PresenceQuery {
    #[serde(default)]
    resource: Option<String>,
}

/// Seed 003 "presence detection": whether a human could answer now.
async fn presence(
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<PresenceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let resource = parse_resource(query.resource.as_deref())?;
    let desk = site_desk::read(&state, &site).await?;
    let now = conversation::now(&state);
    let presence = desk
        .presence(now, resource.as_ref())
        .map_err(|e| visitor_side::request_refusal(&e))?;
    Ok(Json(json!({
        "open": presence.open,
        "next_opening": presence.next_opening.map(jiff::Timestamp::as_millisecond),
        "someone_logged_in": presence.someone_logged_in,
        "agents_ready": presence.agents_ready,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaveRequestBody {
    name: String,
    email: String,
    text: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

async fn leave_request(
    State(state): State<AppState>,
    Path(site): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeaveRequestBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if state.settings.site(&site).is_none() {
        return Err(ApiError::not_found("unknown_site", "No such site."));
    }
    // Stored and pushed to every console: as many per client address and minute as new
    // sessions.
    let client = ClientKey::of(state.metadata.client_ip(&headers, peer));
    state
        .rate_limiter
        .check(
            state.store.as_ref(),
            &format!("offline:{client}"),
            state.settings.limits.new_sessions_per_minute,
            std::time::Duration::from_secs(60),
        )
        .await?;
    let mut resource = parse_resource(body.resource.as_deref())?;
    let mut conversation = None;
    if let Some(session_id) = &body.session_id {
        let record = session_of_site(&state, &site, session_id).await?;
        conversation = ConversationId::parse(&record.conversation_id).ok();
        if resource.is_none() {
            resource = parse_resource(record.dispatch_to.as_deref())?;
        }
    }
    if let Some(id) = &resource {
        let known = state
            .agents
            .desks
            .get(&site)
            .is_some_and(|desk| desk.resources.iter().any(|r| &r.id == id));
        if !known {
            return Err(unknown_resource());
        }
    }
    let form = OfflineRequestForm {
        name: body.name,
        email: body.email,
        text: body.text,
    };
    let id = offline::store(&state, &site, &form, resource, conversation).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

fn parse_resource(resource: Option<&str>) -> Result<Option<ResourceId>, ApiError> {
    resource
        .map(ResourceId::parse)
        .transpose()
        .map_err(|_| unknown_resource())
}

fn unknown_resource() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_resource",
        "No such resource on this site.",
    )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    limit: Option<usize>,
}

async fn list_requests(
    State(state): State<AppState>,
    auth: AgentAuth,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let operator = auth.operator;
    operator
        .permits(&operator.site, Action::ListOfflineRequests)
        .map_err(|_| forbidden())?;
    let requests = offline::list(&state, operator.site.as_str(), query.limit.unwrap_or(50)).await?;
    let requests: Vec<Value> = requests.iter().map(offline::view).collect();
    Ok(Json(json!({ "requests": requests })))
}

#[derive(Debug, Deserialize)]
struct TranscriptQuery {
    /// Only lines older than this seq (the `seq` of the first line of a page already read).
    #[serde(default)]
    before: Option<u64>,
}

/// The transcript and visitor info of a conversation the agent has (offered, online or in
/// wrap-up), or of any conversation of the site for admins and supervisors. A long
/// conversation comes back as its latest [`MAX_TRANSCRIPT`] log entries with `earlier: true`;
/// `?before=SEQ` pages back.
async fn transcript(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(chat_id): Path<String>,
    query: Result<Query<TranscriptQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let operator = auth.operator;
    let not_found = || ApiError::not_found("conversation_not_found", "No such conversation.");
    let conversation = ConversationId::parse(&chat_id).map_err(|_| not_found())?;
    let site = operator.site.as_str();
    let desk = site_desk::read(&state, site).await?;
    let has_it = desk.agent(&operator.id).is_some_and(|a| {
        a.jobs()
            .values()
            .any(|job| job.conversation == conversation)
    });
    if !has_it && !matches!(operator.role, Role::Admin | Role::Supervisor) {
        return Err(forbidden());
    }
    let link = visitor_side::link(&state, &chat_id)
        .await?
        .ok_or_else(not_found)?;
    let (record, _) = conversation::load(&state, &link.session_id)
        .await
        .map_err(|_| not_found())?;
    if record.site != site {
        return Err(not_found());
    }
    let (messages, earlier) = read_messages(&state, &chat_id, query.before).await?;
    let metadata = &record.metadata;
    let mut visitor = json!({
        "page_url": metadata.get("page_url"),
        "referrer": metadata.get("referrer"),
        "device": metadata.get("device"),
        "user_agent": metadata.get("user_agent"),
        "country": metadata.get("country"),
        "city": metadata.get("city"),
        "locale": record.locale,
    });
    if operator
        .permits(&operator.site, Action::SeeVisitorIp)
        .is_ok()
    {
        visitor["ip"] = metadata.get("ip").cloned().unwrap_or(Value::Null);
    }
    let mut previous = state
        .store
        .set_members(&start::visitor_conversations(site, &record.identity_key))
        .await?;
    previous.retain(|id| id != &chat_id);
    previous.sort();
    previous.reverse();
    let previous: Vec<Value> = previous
        .iter()
        .take(20)
        .map(|id| json!({ "chat_id": id, "started_at": uuid_v7_millis(id) }))
        .collect();
    visitor["previous_conversations"] = json!(previous);
    if let Some(object) = visitor.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    Ok(Json(json!({
        "chat_id": chat_id,
        "status": record.status,
        "messages": messages,
        "earlier": earlier,
        "handoff_seq": (link.handoff_seq > 0).then_some(link.handoff_seq),
        "visitor": visitor,
    })))
}

/// The transcript lines of the latest [`MAX_TRANSCRIPT`] log entries before `before` (or up
/// to the head), and whether older entries exist.
async fn read_messages(
    state: &AppState,
    chat_id: &str,
    before: Option<u64>,
) -> Result<(Vec<Value>, bool), ApiError> {
    let log = conversation_log(chat_id);
    let head = state.store.log_head(&log).await?;
    let last = before.map_or(head, |before| before.saturating_sub(1).min(head));
    let window = u64::try_from(MAX_TRANSCRIPT).unwrap_or(u64::MAX);
    let mut after = last.saturating_sub(window);
    let earlier = after > 0;
    let mut messages = Vec::new();
    while after < last {
        let page = usize::try_from(last - after)
            .unwrap_or(usize::MAX)
            .min(conversation::EVENT_PAGE);
        let entries = state.store.read_log(&log, after, page).await?;
        let Some(read) = entries.last() else { break };
        after = read.seq;
        for entry in &entries {
            if let Ok(kind) = serde_json::from_slice::<EventKind>(&entry.body)
                && let Some(message) = transcript_line(entry.seq, kind)
            {
                messages.push(message);
            }
        }
    }
    Ok((messages, earlier))
}

/// One transcript line for the console; events other than messages become system lines.
fn transcript_line(seq: u64, kind: EventKind) -> Option<Value> {
    match kind {
        EventKind::Message {
            from,
            at,
            input,
            output,
            agent_name,
            ..
        } => {
            let from_name = match from {
                Sender::Visitor => "visitor",
                Sender::Bot => "bot",
                Sender::Agent => "agent",
                Sender::System => "system",
            };
            let mut line = json!({ "seq": seq, "from": from_name, "at": at });
            if let Some(input) = input {
                line["text"] = json!(visitor_side::input_text(&input));
            }
            if let Some(output) = output {
                let (texts, htmls): (Vec<String>, Vec<String>) = output
                    .generic
                    .iter()
                    .map(|item| match item {
                        GenericItem::Text { text, html } => (text.clone(), html.clone()),
                        other => {
                            let label = item_summary(other);
                            let html = format!("<p><em>{}</em></p>", escape_html(&label));
                            (label, html)
                        }
                    })
                    .unzip();
                line["text"] = json!(texts.join("\n"));
                line["html"] = json!(htmls.join(""));
            }
            if let Some(name) = agent_name {
                line["agent_name"] = json!(name);
            }
            Some(line)
        }
        EventKind::Typing { .. } => None,
        other => {
            let event = serde_json::to_value(&other).unwrap_or_default();
            Some(json!({ "seq": seq, "from": "system", "event": event }))
        }
    }
}

/// A one-line plain-text summary of a rich item for the agent's transcript.
fn item_summary(item: &GenericItem) -> String {
    let value = serde_json::to_value(item).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    let kind = field("response_type");
    match item {
        GenericItem::Option { title, options, .. } => {
            let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
            format!("[options] {title}: {}", labels.join(" / "))
        }
        GenericItem::ConnectToAgent {
            message_to_agent, ..
        } => format!("[handed to a person] {message_to_agent}"),
        _ => {
            let detail = [field("title"), field("alt_text"), field("source")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            if detail.is_empty() {
                format!("[{kind}]")
            } else {
                format!("[{kind}] {detail}")
            }
        }
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn uuid_v7_millis(id: &str) -> Option<i64> {
    let hex: String = id.chars().filter(|c| *c != '-').take(12).collect();
    (hex.len() == 12)
        .then(|| i64::from_str_radix(&hex, 16).ok())
        .flatten()
}

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "You may not see this conversation.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_ids_carry_their_creation_time() {
        assert_eq!(
            uuid_v7_millis("01890a5d-ac96-774b-bcce-b302099a8057"),
            Some(0x0189_0a5d_ac96)
        );
        assert_eq!(uuid_v7_millis("short"), None);
    }

    #[test]
    fn rich_items_are_summarised_as_escaped_text() {
        let item = GenericItem::ConnectToAgent {
            message_to_agent: "<b>order</b> 42".into(),
            resource: None,
        };
        assert_eq!(item_summary(&item), "[handed to a person] <b>order</b> 42");
        let line = transcript_line(
            3,
            EventKind::Message {
                from: Sender::Bot,
                at: 0,
                client_message_id: None,
                input: None,
                output: Some(staffetta_widget::protocol::OutputBody {
                    generic: vec![item],
                }),
                agent_name: None,
            },
        )
        .unwrap();
        assert!(line["html"].as_str().unwrap().contains("&lt;b&gt;order"));
    }

    #[test]
    fn events_other_than_messages_are_system_lines() {
        let line = transcript_line(
            4,
            EventKind::AgentJoined {
                agent_name: "Ada".into(),
            },
        )
        .unwrap();
        assert_eq!(line["from"], "system");
        assert_eq!(line["event"]["type"], "agent_joined");
        assert!(
            transcript_line(
                5,
                EventKind::Typing {
                    from: Sender::Agent,
                    typing: true,
                    agent_name: Some("Ada".into()),
                }
            )
            .is_none()
        );
    }
}
