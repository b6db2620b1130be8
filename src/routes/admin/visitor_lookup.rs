//! `GET /api/v1/admin/sites/{site}/conversations/{conversation}/visitor`: the visitor key
//! of a conversation, the one the erasure route (`DELETE .../users/{user_key}`) takes, so
//! that an admin can erase an anonymous visitor whose `a:<anonymous_id>` only their own
//! browser knows (docs/retention.md, "Erasing one visitor").
//!
//! The key comes from the conversation's link (`handoff:{conversation}`, written at the
//! start with the visitor's key) or, for a link written before links kept it, from the
//! session record the link names (kept 30 days after its last write). It is answered only
//! when the site's index of that visitor's conversations lists the conversation: the key
//! then erases it, and a conversation of another site is not found.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use staffetta_handoff::ConversationId;

use super::AdminAuth;
use crate::app::AppState;
use crate::error::{ApiError, ApiJson};
use crate::visitor::start::visitor_conversations;

/// The answer: the visitor key of a conversation.
#[derive(Debug, Serialize)]
struct VisitorOfConversation {
    site: String,
    conversation_id: String,
    user_key: String,
}

fn not_found(conversation: &str) -> ApiError {
    ApiError::not_found(
        "conversation_not_found",
        format!(
            "No conversation `{conversation}` on this site (never started, deleted by \
             retention or erased)."
        ),
    )
}

pub(super) async fn visitor_of_conversation(
    _admin: AdminAuth,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((site, conversation)) = path.map_err(|rejection| {
        ApiError::bad_request("invalid_conversation_id", rejection.body_text())
    })?;
    if state.settings.site(&site).is_none() {
        return Err(ApiError::not_found(
            "unknown_site",
            format!("No site `{site}`."),
        ));
    }
    if ConversationId::parse(&conversation).is_err() {
        return Err(ApiError::bad_request(
            "invalid_conversation_id",
            "A conversation id is the `conversation_id` of a session start (as the jobs report \
             and the agent console show it).",
        ));
    }
    let link = crate::desk::conversation_log::link(&state, &conversation)
        .await?
        .ok_or_else(|| not_found(&conversation))?;
    let key = match link.visitor {
        Some(key) => key,
        None => match crate::visitor::conversation::load(&state, &link.session_id).await {
            Ok((record, _)) => record.identity_key,
            Err(error) if error.code() == "session_not_found" => {
                return Err(ApiError::not_found(
                    "visitor_unknown",
                    "The conversation's session has expired and its link is older than the \
                     visitor keys links keep: erase by the key the visitor gives \
                     (`u:<user_id>`, `s:<sub>` or `a:<anonymous_id>`).",
                ));
            }
            Err(error) => return Err(error),
        },
    };
    let listed = state
        .store
        .set_members(&visitor_conversations(&site, &key))
        .await?;
    if !listed.contains(&conversation) {
        return Err(not_found(&conversation));
    }
    Ok(ApiJson(VisitorOfConversation {
        site,
        conversation_id: conversation,
        user_key: key,
    })
    .into_response())
}
