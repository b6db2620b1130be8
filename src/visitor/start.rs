//! Everything decided before a conversation starts: who the visitor is (identity, MAU),
//! their locale, the metadata agents will see, and whether this IP may open another session.
//! Also the public widget config of a site.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use staffetta_widget::protocol::StartSession;

use super::conversation::{self, NewConversation, Started};
use super::identity::VisitorIdentity;
use super::opening::{self, Opening, Welcome};
use crate::app::AppState;
use crate::config::{LocalizedText, SiteSettings};
use crate::error::ApiError;
use crate::limits::ClientKey;
use crate::retention::erasing;

/// What `prepare` decided.
#[derive(Debug)]
pub struct Prepared {
    /// The verified or asserted identity.
    pub identity: VisitorIdentity,
    /// The negotiated locale.
    pub locale: String,
    /// Metadata for agents (JSON).
    pub metadata: serde_json::Value,
}

/// Checks bans and identity, negotiates the locale and collects metadata. The rate of new
/// sessions is [`check_new_session_rate`] (not applied to a repeat of a start), and the
/// visitor is counted (and the MAU limit applied) by [`count_and_start`].
pub async fn prepare(
    state: &AppState,
    site: &SiteSettings,
    peer: SocketAddr,
    headers: &HeaderMap,
    request: &StartSession,
) -> Result<Prepared, ApiError> {
    let now = conversation::now(state);
    let metadata = state.metadata.collect(
        headers,
        peer,
        request.page_url.as_deref(),
        request.referrer.as_deref(),
    );
    let client_ip = state.metadata.client_ip(headers, peer);
    crate::desk::bans::check(state, &site.id, &client_ip).await?;
    let identity = state.identity.verify(&site.id, &request.identity, now)?;
    let locale = negotiate_locale(state, site, request.locale.as_deref(), headers);
    Ok(Prepared {
        identity,
        locale,
        metadata: serde_json::to_value(&metadata).unwrap_or_default(),
    })
}

/// Refuses a new session beyond the client's rate (429 with Retry-After).
pub async fn check_new_session_rate(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let client_ip = state.metadata.client_ip(headers, peer);
    state
        .rate_limiter
        .check_new_session(state.store.as_ref(), ClientKey::of(client_ip))
        .await?;
    Ok(())
}

/// Counts the visitor in the site's monthly active users ([`super::mau::record`]) and starts
/// the conversation ([`super::opening`]): the conversation is listed first (link, the
/// visitor's index, deadlines), its welcome written last.
///
/// On a site whose limit refuses new visitors the count decides whether the conversation may
/// start: it comes first, and a refused visitor gets no conversation. Elsewhere the count
/// cannot refuse anyone, so it is written at once with the listing, each to its end: one
/// store round trip fewer per start, and on sled one flush for both (one group commit).
///
/// A session is answered only once its visitor is counted: the welcome is written only after
/// the count, and a count that fails fails the start (503 when the store is unreachable,
/// else 500) before the welcome, and the listing is deleted again
/// ([`erasing::undo_failed_start`]). Answering the session and only logging the missed count
/// was the other choice; it is refused because the month's count is the site's bill and the
/// input of its limit, and documented as exact: a visitor served but never counted (when they
/// start no other session that month) would make it silently low, while a failed start is
/// loud and costs one retry. A start that fails after the count (the listing or the welcome
/// fails) deletes its conversation the same way and keeps the count: the visitor is real,
/// and their retry does not count them again.
///
/// A start of a visitor who is being erased is refused with 409 `erasure_in_progress`. The
/// welcome's append carries the erasure record as read the moment before as a guard
/// ([`erasing::StartCheck::guard`]): a start that an erasure overlapped writes no welcome,
/// deletes its listing and is refused the same way ([`crate::retention::erasing`]).
pub async fn count_and_start(
    state: &AppState,
    site: &SiteSettings,
    new: NewConversation,
) -> Result<Started, ApiError> {
    let key = new.identity_key.clone();
    let erasure = erasing::check_start(state, &site.id, &key).await?;
    let opening = opening::open(state, new)?;
    let conversation = opening.conversation_id().to_owned();
    count_and_list(state, site, &key, &opening).await?;
    match opening.welcome(state, Some(erasure.guard())).await {
        Ok(Welcome::Written(started)) => Ok(started),
        Ok(Welcome::Guarded) => {
            erasing::undo_start(state, &site.id, &key, &conversation).await?;
            Err(erasing::in_progress())
        }
        Err(error) => {
            // Whether the welcome was written is unknown: the conversation goes, the count stays.
            erasing::undo_failed_start(state, &site.id, &key, &conversation).await;
            Err(error)
        }
    }
}

/// Counts the visitor and lists the conversation ([`count_and_start`]); a failure after the
/// listing began deletes what it wrote.
async fn count_and_list(
    state: &AppState,
    site: &SiteSettings,
    key: &str,
    opening: &Opening,
) -> Result<(), ApiError> {
    let count = super::mau::record(state.store.as_ref(), site, key, conversation::now(state));
    let failed = if super::mau::may_refuse(site) {
        count.await?;
        opening.list(state).await.err()
    } else {
        // The listing is polled first, so its writes are asked for before the count: on sled
        // the count then joins their group commit instead of starting a flush of its own.
        let (listed, counted) = tokio::join!(opening.list(state), count);
        if let Err(error) = &counted {
            tracing::warn!(
                site = %site.id,
                conversation = %opening.conversation_id(),
                %error,
                "the visitor could not be counted; the session start fails"
            );
        }
        listed.err().or_else(|| counted.err().map(ApiError::from))
    };
    let Some(error) = failed else {
        return Ok(());
    };
    erasing::undo_failed_start(state, &site.id, key, opening.conversation_id()).await;
    Err(error)
}

/// Remembers a conversation under its visitor, so agents can see previous conversations,
/// and, on a site with a retention, schedules its first retention look
/// ([`crate::retention::schedule`]). The two writes go out together (one group commit).
pub async fn remember_conversation(
    state: &AppState,
    site: &str,
    identity_key: &str,
    conversation_id: &str,
) -> Result<(), ApiError> {
    let index = visitor_conversations(site, identity_key);
    let listed = async {
        state.store.set_add(&index, conversation_id).await?;
        Ok::<_, ApiError>(())
    };
    let scheduled =
        crate::retention::schedule::schedule_new(state, site, identity_key, conversation_id);
    tokio::try_join!(listed, scheduled)?;
    Ok(())
}

/// Set of a visitor's conversation ids (UUIDv7: sorted order is chronological).
pub fn visitor_conversations(site: &str, identity_key: &str) -> String {
    format!("visitor-conversations:{site}:{identity_key}")
}

/// Refuses a message beyond the per-session rate (429 with Retry-After).
pub async fn check_message_rate(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    state
        .rate_limiter
        .check_message(state.store.as_ref(), session_id)
        .await
        .map_err(ApiError::from)
}

/// The locale for a request: the widget's, else Accept-Language, else the site default,
/// among the locales that have system texts.
pub fn negotiate_locale(
    state: &AppState,
    site: &SiteSettings,
    requested: Option<&str>,
    headers: &HeaderMap,
) -> String {
    let available: Vec<&str> = state.bots.localizer().locales().collect();
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    super::locale::negotiate(requested, accept, &available, &site.default_locale)
}

/// The Fluent ids of the widget's own texts (`locales/<lang>/widget.ftl`). The widget reads
/// them from `GET /config` without the `widget-` prefix. The greetings and the assistant's
/// name here are the generic defaults in the visitor's language: a site's own greetings
/// (`[sites.launcher]`, `[sites.home_screen]`) and the page's options win over them.
const WIDGET_STRING_IDS: &[&str] = &[
    "widget-launcher-open",
    "widget-launcher-close-chat",
    "widget-launcher-dismiss",
    "widget-launcher-load-failed",
    "widget-launcher-open-unread",
    "widget-launcher-unread",
    "widget-launcher-greeting",
    "widget-assistant-name",
    "widget-window-minimize",
    "widget-window-restart",
    "widget-home-greeting",
    "widget-home-suggestions",
    "widget-composer-label",
    "widget-composer-placeholder",
    "widget-composer-send",
    "widget-messages-label",
    "widget-message-you",
    "widget-message-sending",
    "widget-message-queued",
    "widget-message-not-sent",
    "widget-typing",
    "widget-status-online",
    "widget-status-connecting",
    "widget-status-offline",
    "widget-status-reconnecting",
    "widget-status-error",
    "widget-option-choose",
    "widget-option-submit",
    "widget-date-label",
    "widget-date-picker",
    "widget-date-hint",
    "widget-date-submit",
    "widget-date-invalid",
    "widget-image-enlarge",
    "widget-image-close",
    "widget-iframe-title",
    "widget-iframe-refused",
    "widget-agent-connecting",
    "widget-agent-joined",
    "widget-agent-left",
    "widget-agent-reconnecting",
    "widget-agent-default-name",
    "widget-queue-position",
    "widget-queue-wait",
    "widget-session-expiring",
    "widget-session-expiring-in",
    "widget-session-continue",
    "widget-session-expired",
    "widget-session-restore",
    "widget-conversation-ended",
    "widget-conversation-unavailable",
    "widget-conversation-new",
    "widget-error-generic",
    "widget-identity-expired",
    "widget-conversation-ended-agent",
    "widget-agent-status",
    "widget-handoff-cancel",
    "widget-handoff-end",
    "widget-queue-next-opening",
    "widget-offline-open",
    "widget-offline-title",
    "widget-offline-required",
    "widget-offline-name",
    "widget-offline-email",
    "widget-offline-text",
    "widget-offline-submit",
    "widget-offline-cancel",
    "widget-offline-sent",
    "widget-offline-name-missing",
    "widget-offline-name-invalid",
    "widget-offline-email-invalid",
    "widget-offline-text-missing",
    "widget-offline-text-invalid",
    "widget-offline-rate-limited",
];

/// The widget's own texts in `locale` (English where a locale lacks one). Placeables stay
/// as `{$name}` for the widget to fill in.
fn widget_strings(state: &AppState, locale: &str) -> serde_json::Map<String, serde_json::Value> {
    let localizer = state.bots.localizer();
    WIDGET_STRING_IDS
        .iter()
        .map(|id| {
            let key = id.trim_start_matches("widget-").to_owned();
            (key, localizer.format_id(locale, id, &[]).into())
        })
        .collect()
}

/// Query of `GET /config`.
#[derive(Debug, Deserialize)]
pub struct ConfigQuery {
    /// The widget's locale.
    #[serde(default)]
    locale: Option<String>,
}

/// `GET /api/v1/sites/{site}/config`: what the widget needs before any session exists.
pub async fn site_config(
    State(state): State<AppState>,
    Path(site): Path<String>,
    query: Result<Query<ConfigQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(query) =
        query.map_err(|err| ApiError::bad_request("invalid_query", err.body_text()))?;
    let site = state
        .settings
        .site(&site)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))?;
    let locale = negotiate_locale(&state, site, query.locale.as_deref(), &headers);
    let pick = |text: &LocalizedText| pick_text(text, &locale, &site.default_locale);
    let launcher = &site.launcher;
    let home = &site.home_screen;
    let greeting = pick(&home.greeting);
    let greeting_html = greeting
        .as_deref()
        .map(staffetta_engine::output::Output::text)
        .and_then(|o| match o {
            staffetta_engine::output::Output::Text { html, .. } => Some(html),
            _ => None,
        });
    Ok(Json(serde_json::json!({
        "site_id": site.id,
        "locale": locale,
        "identity_required": site.identity.required,
        "launcher": {
            "show": launcher.show,
            "greeting": pick(&launcher.greeting),
            "expand_after_s": launcher.expand_after_s,
            "mobile_collapse_after_s": launcher.mobile_collapse_after_s,
            "bounce_at_s": launcher.bounce_at_s,
        },
        "home_screen": {
            "greeting": greeting,
            "greeting_html": greeting_html,
            "suggestions": home.suggestions.iter().filter_map(pick).collect::<Vec<_>>(),
        },
        "strings": widget_strings(&state, &locale),
    })))
}

/// The text for `locale`, else for its primary language, else the site default, else any.
pub fn pick_text(text: &LocalizedText, locale: &str, default: &str) -> Option<String> {
    let primary = locale.split(['-', '_']).next().unwrap_or(locale);
    text.get(locale)
        .or_else(|| text.get(primary))
        .or_else(|| text.get(default))
        .or_else(|| text.values().next())
        .cloned()
}
