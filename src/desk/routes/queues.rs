//! `GET /api/v1/agent/queues`: the site's queues as supervisors and admins see them, per
//! resource the conversations waiting for a person (since when, their place, the agent an
//! offer is pending for, the visitor's page), the ones online with an agent (who, since
//! when) and the agents' after-chat work (who, since when). Derived from the stored desk
//! ([`staffetta_handoff::Desk::overview`]), so every node answers the same; the console reads
//! it again on every `QUEUES` frame ([`crate::desk::deliver`]) and polls it as a fallback.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use futures_util::StreamExt;
use serde_json::{Value, json};
use staffetta_handoff::operator::Action;
use staffetta_handoff::{AgentId, Desk};

use crate::agent::auth::AgentAuth;
use crate::app::AppState;
use crate::desk::{site_desk, visitor_side};
use crate::error::ApiError;
use crate::visitor::conversation;

/// Most waiting visitors whose page is looked up for one answer (two store reads each);
/// the others are listed without it.
const MAX_VISITOR_LOOKUPS: usize = 100;

/// Visitor lookups run at once.
const LOOKUPS_AT_ONCE: usize = 16;

/// The overview of the operator's site; `403 forbidden` for agents.
pub(super) async fn queues(
    State(state): State<AppState>,
    auth: AgentAuth,
) -> Result<Json<Value>, ApiError> {
    let operator = auth.operator;
    operator
        .permits(&operator.site, Action::SeeQueues)
        .map_err(|_| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Only supervisors and admins may see the queues.",
            )
        })?;
    let desk = site_desk::read(&state, operator.site.as_str()).await?;
    let overview = desk.overview();
    let waiting: Vec<String> = overview
        .iter()
        .flat_map(|q| q.waiting.iter().map(|w| w.conversation.as_str().to_owned()))
        .take(MAX_VISITOR_LOOKUPS)
        .collect();
    let pages: std::collections::HashMap<String, Value> =
        futures_util::stream::iter(waiting.into_iter().map(|chat_id| {
            let state = &state;
            let site = operator.site.as_str();
            async move {
                let visitor = visitor_of(state, site, &chat_id).await;
                (chat_id, visitor)
            }
        }))
        .buffer_unordered(LOOKUPS_AT_ONCE)
        .filter_map(|(chat_id, visitor)| async move { visitor.map(|v| (chat_id, v)) })
        .collect()
        .await;
    let queues: Vec<Value> = overview
        .iter()
        .map(|queue| {
            let waiting: Vec<Value> = queue
                .waiting
                .iter()
                .map(|w| {
                    let mut chat = json!({
                        "chat_id": w.conversation.as_str(),
                        "waiting_since": w.waiting_since.as_millisecond(),
                        "position": w.position,
                        "offered_to": w.offered_to.as_ref().map(|a| agent(&desk, a)),
                    });
                    if let Some(visitor) = pages.get(w.conversation.as_str()) {
                        chat["visitor"] = visitor.clone();
                    }
                    chat
                })
                .collect();
            let live: Vec<Value> = queue
                .live
                .iter()
                .map(|l| {
                    json!({
                        "chat_id": l.conversation.as_str(),
                        "agent": agent(&desk, &l.agent),
                        "since": l.since.as_millisecond(),
                    })
                })
                .collect();
            let wrap_up: Vec<Value> = queue
                .wrap_up
                .iter()
                .map(|w| {
                    json!({
                        "chat_id": w.conversation.as_str(),
                        "agent": agent(&desk, &w.agent),
                        "since": w.since.as_millisecond(),
                    })
                })
                .collect();
            json!({
                "id": queue.resource.as_str(),
                "name": queue.name.as_deref().unwrap_or(queue.resource.as_str()),
                "waiting": waiting,
                "live": live,
                "wrap_up": wrap_up,
            })
        })
        .collect();
    Ok(Json(json!({
        "at": conversation::now(&state).as_millisecond(),
        "queues": queues,
    })))
}

/// An agent as the overview names them: id and display name.
fn agent(desk: &Desk, id: &AgentId) -> Value {
    let name = desk
        .agent(id)
        .map_or(id.as_str(), |a| a.profile().display_name().as_str());
    json!({"id": id.as_str(), "display_name": name})
}

/// What the overview shows of a waiting visitor (the page they asked from), when the
/// conversation's session can be read; `None` otherwise (the line is listed without it).
async fn visitor_of(state: &AppState, site: &str, chat_id: &str) -> Option<Value> {
    let link = visitor_side::link(state, chat_id).await.ok()??;
    let (record, _) = conversation::load(state, &link.session_id).await.ok()?;
    if record.site != site {
        return None;
    }
    let page_url = record.metadata.get("page_url").filter(|v| v.is_string())?;
    Some(json!({ "page_url": page_url }))
}
