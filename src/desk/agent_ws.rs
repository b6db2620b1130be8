//! The agent console's websocket, `GET /api/v1/agent/ws`.
//!
//! The access token comes in `Authorization: Bearer` (tools) or, from a browser, as the
//! subprotocol `staffetta.agent.token.<token>` offered next to `staffetta.agent.v1`, which is
//! selected ([`crate::agent::auth::AgentSocketAuth`]); never in the URL. It is checked
//! before the upgrade. Connecting logs the agent in at the
//! site's desk (LOGGEDIN), or reconnects them silently within the grace period; the first
//! frame is a `SNAPSHOT` of the agent's state, conversations and offers. Then desk events,
//! `MESSAGE` and `TYPING` frames arrive as they happen (the visitor's, only for chats the
//! socket was not told it lost: [`super::cleared_chats`]) and commands are applied as they
//! come. When the agent's last socket closes the desk starts the disconnect grace period.
//! On shutdown the socket closes with 1012 so the console reconnects elsewhere.
//!
//! The session is checked again before every command, on every heartbeat and when asked
//! ([`recheck_sessions`]: sign-out, new password, operator removed): a socket whose session
//! ended gets an `ERROR` frame (`invalid_token`) and closes with 1008. A check the store
//! cannot answer ends nothing: that command gets `ERROR` `unavailable` (or the heartbeat
//! looks again next time) and the socket stays open.
//!
//! The socket also follows its access token's expiry ([`super::socket_token`]): the console is
//! warned (`TOKEN_EXPIRING`) and renews the token in-band (`reauth`), or the socket gets
//! `ERROR` `token_expired` and closes with 1008 at the expiry.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use staffetta_handoff::Desk;
use staffetta_handoff::agent::{AgentState, JobPhase};
use staffetta_handoff::operator::{Action, Operator};

use super::cleared_chats::ClearedChats;
use super::commands::{self, Refusal, Request};
use super::socket_token::{self, Due, SocketToken};
use super::{connections, deliver, presence, site_desk};
use crate::agent::auth::{AgentAuth, AgentSocketAuth};
use crate::app::AppState;
use crate::error::ApiError;

/// Interval between server pings.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// A socket silent for this long is closed.
const IDLE_CLOSE: Duration = Duration::from_secs(60);
/// Largest command frame.
const MAX_FRAME: usize = 32 * 1024;

/// `GET /api/v1/agent/ws`.
pub async fn upgrade(
    State(state): State<AppState>,
    AgentSocketAuth(auth): AgentSocketAuth,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let operator = auth.operator.clone();
    operator
        .permits(&operator.site, Action::TakeConversations)
        .map_err(|_| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "You may not take conversations.",
            )
        })?;
    check_same_origin(&headers)?;
    if state.agents.desks.get(operator.site.as_str()).is_none() {
        return Err(ApiError::not_found("unknown_site", "No such site."));
    }
    let lifecycle = state.lifecycle.clone();
    Ok(upgrade
        .protocols([crate::agent::auth::WS_PROTOCOL])
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move {
            let _ = lifecycle
                .spawn(async move { run(state, auth, socket).await })
                .await;
        }))
}

/// A browser's websocket carries its page's origin; the console is served by this server,
/// so a foreign page (cross-site websocket hijacking) is refused. Clients without an
/// `Origin` header (external tools holding a token) are allowed.
fn check_same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or_default();
    if !host.is_empty() && origin_host == host {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "The agent console must be opened from this server.",
        ))
    }
}

async fn run(state: AppState, auth: AgentAuth, socket: WebSocket) {
    let operator = auth.operator.clone();
    let site = operator.site.as_str().to_owned();
    let agent = operator.id.as_str().to_owned();
    // Supervisors and admins get `QUEUES` when the site's queues change.
    let watches_queues = operator.permits(&operator.site, Action::SeeQueues).is_ok();
    let mut registration = state
        .agents
        .connections
        .register_as(&site, &agent, watches_queues);
    let socket_id = presence::socket_id(&state, registration.id);
    presence::alive(&state, &site, &agent, &socket_id).await;
    let (mut sink, mut stream) = socket.split();
    let mut out: Vec<Message> = Vec::new();
    let mut cleared = match connect(&state, &operator).await {
        Ok(snapshot) => {
            out.push(text(&snapshot));
            ClearedChats::from_snapshot(&snapshot)
        }
        Err(err) => {
            let frame = json!({"event": "ERROR", "code": err.code(), "message": err.message()});
            let _ = sink.send(text(&frame)).await;
            let _ = sink
                .send(Message::Close(Some(close(
                    close_code::ERROR,
                    "desk unavailable",
                ))))
                .await;
            disconnect(&state, &operator, registration.id).await;
            return;
        }
    };
    let mut session = SocketToken::new(auth, state.clock.now_ms());
    let arm = |session: &mut SocketToken| {
        let due = session.lifetime().next_due_ms();
        state
            .agents
            .connections
            .set_token_due(&site, &agent, registration.id, due);
        crate::visitor::timer::wake_for(&state, due);
    };
    arm(&mut session);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    loop {
        for frame in out.drain(..) {
            if sink.send(frame).await.is_err() {
                disconnect(&state, &operator, registration.id).await;
                return;
            }
        }
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(frame))) => {
                    last_heard = tokio::time::Instant::now();
                    match on_frame(&state, &mut session, frame.as_str()).await {
                        Answer::Reply(reply) => out.extend(reply.as_ref().map(text)),
                        Answer::Renewed(reply) => {
                            out.push(text(&reply));
                            arm(&mut session);
                        }
                        Answer::Close(frame, reason) => {
                            refuse_and_close(&mut sink, &frame, reason).await;
                            break;
                        }
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    out.push(text(&json!({"event": "ERROR", "code": "bad_command", "message": "Send JSON text frames."})));
                }
                Some(Ok(_)) => last_heard = tokio::time::Instant::now(),
                Some(Err(_)) | None => break,
            },
            frame = registration.frames.recv() => match frame {
                Some(frame) if &*frame == connections::RECHECK => {
                    if session_ended(&state, &session, "a recheck").await {
                        refuse_and_close(&mut sink, &session_ended_frame(), "session ended").await;
                        break;
                    }
                }
                Some(frame) if &*frame == connections::TOKEN_DUE => {
                    match session.lifetime_mut().on_due(state.clock.now_ms()) {
                        Due::Warn(warning) => {
                            out.push(text(&warning));
                            arm(&mut session);
                        }
                        Due::NotYet => arm(&mut session),
                        Due::Expired => {
                            refuse_and_close(&mut sink, &socket_token::expired_frame(), "token expired").await;
                            break;
                        }
                    }
                }
                Some(frame) if &*frame == connections::RESYNC => {
                    // Frames of other nodes may have been lost: the console's state afresh.
                    // A desk that cannot be read now leaves the console as it is.
                    if let Ok(desk) = site_desk::read(&state, &site).await {
                        let fresh = snapshot(&desk, &session.auth().operator);
                        cleared.resync(&fresh);
                        out.push(text(&fresh));
                    }
                }
                // Not the visitor's frames of a chat this console was told it lost.
                Some(frame) if !cleared.passes(&frame) => {}
                Some(frame) => out.push(Message::Text(frame.as_ref().into())),
                // Dropped for falling behind: the console reconnects and gets a SNAPSHOT.
                None => {
                    let _ = sink.send(Message::Close(Some(close(close_code::AGAIN, "too slow, reconnect")))).await;
                    break;
                }
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > IDLE_CLOSE {
                    let _ = sink.send(Message::Close(Some(close(close_code::AWAY, "idle")))).await;
                    break;
                }
                // The node timer normally closes an expired socket; this is the backstop.
                if session.lifetime().expired(state.clock.now_ms()) {
                    refuse_and_close(&mut sink, &socket_token::expired_frame(), "token expired").await;
                    break;
                }
                // A session ended on another node (or while no command came) ends here
                // within a heartbeat.
                if session_ended(&state, &session, "the heartbeat").await {
                    refuse_and_close(&mut sink, &session_ended_frame(), "session ended").await;
                    break;
                }
                out.push(Message::Ping(Default::default()));
                presence::alive(&state, &site, &agent, &socket_id).await;
                // Browsers cannot see control frames: a text heartbeat lets the console
                // notice a half-open connection.
                out.push(text(&json!({"event": "PING", "at": state.clock.now_ms()})));
            }
            () = state.lifecycle.stopping() => {
                let _ = sink.send(Message::Close(Some(close(close_code::RESTART, "server restarting, reconnect")))).await;
                // The agent is not disconnected from the desk: another node takes over.
                state.agents.connections.unregister(&site, &agent, registration.id);
                return;
            }
        }
    }
    disconnect(&state, &operator, registration.id).await;
}

/// What a console frame leads to.
enum Answer {
    /// Send this frame back, if any; the socket stays open.
    Reply(Option<Value>),
    /// A `reauth` was accepted: send `TOKEN_RENEWED` and move the token deadline.
    Renewed(Value),
    /// Send this `ERROR` frame and close with 1008 (the reason is the close frame's).
    Close(Value, &'static str),
}

/// Handles one console frame. Past the token's expiry nothing is applied (not even a late
/// `reauth`) and the socket closes. Every other command is authorised as an HTTP call would
/// be, now; a `reauth` is judged by its own token ([`SocketToken::renew`]).
async fn on_frame(state: &AppState, session: &mut SocketToken, frame: &str) -> Answer {
    if session.lifetime().expired(state.clock.now_ms()) {
        return Answer::Close(socket_token::expired_frame(), "token expired");
    }
    let (name, command) = match commands::parse(frame) {
        Ok((_, Request::Reauth { token })) => {
            return match session.renew(state, &token).await {
                Ok(renewed) => Answer::Renewed(renewed),
                Err(refusal) if refusal.closes() => Answer::Close(refusal.frame(), "token refused"),
                Err(refusal) => Answer::Reply(Some(refusal.frame())),
            };
        }
        Ok((name, Request::Command(command))) => (name, Ok(command)),
        Err((name, refusal)) => (name, Err(refusal)),
    };
    let current = match session.auth().recheck(state).await {
        Ok(current) => current,
        Err(err) if ends_the_session(&err) => {
            return Answer::Close(session_ended_frame(), "session ended");
        }
        // The store could not say: refuse this command only, the console retries.
        Err(err) => return Answer::Reply(Some(Refusal::from(err).frame(&name))),
    };
    let result = match command {
        Ok(command) => commands::apply(state, &current, command).await,
        Err(refusal) => Err(refusal),
    };
    match result {
        Ok(reply) => Answer::Reply(reply),
        Err(refusal) => Answer::Reply(Some(refusal.frame(&name))),
    }
}

/// Whether the socket's session has ended (signed out, revoked, new password, operator
/// removed), looked at now. A store that cannot answer ends nothing: the socket stays open
/// and the next heartbeat looks again (`when` names the occasion in the log), so a short
/// store outage does not sign every agent out.
async fn session_ended(state: &AppState, session: &SocketToken, when: &str) -> bool {
    match session.auth().recheck(state).await {
        Ok(_) => false,
        Err(err) if ends_the_session(&err) => true,
        Err(err) => {
            tracing::warn!(
                site = %session.auth().operator.site.as_str(),
                agent = %session.auth().operator.id.as_str(),
                code = err.code(),
                "a console's session could not be checked at {when}; the socket stays open"
            );
            false
        }
    }
}

/// Whether a failed session check means the session ended (its 401), rather than that the
/// store could not be read.
fn ends_the_session(err: &ApiError) -> bool {
    err.status() == StatusCode::UNAUTHORIZED
}

/// The `ERROR` frame of a socket whose session ended (signed out, revoked, new password,
/// operator removed): the console refreshes, is refused and shows the login form.
fn session_ended_frame() -> Value {
    json!({
        "event": "ERROR",
        "code": "invalid_token",
        "message": "This session was ended; log in again.",
    })
}

/// Sends an `ERROR` frame and closes with 1008.
async fn refuse_and_close<S>(sink: &mut S, frame: &Value, reason: &'static str)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let _ = sink.send(text(frame)).await;
    let _ = sink
        .send(Message::Close(Some(close(close_code::POLICY, reason))))
        .await;
}

/// Makes every console socket of `agent`, on every node, check its session again now (after a
/// sign-out, a new password or the operator's removal); those whose session ended close.
pub fn recheck_sessions(state: &AppState, site: &str, agent: &str) {
    state.agents.connections.ask_to_recheck(site, agent);
}

/// [`recheck_sessions`] for the operator `login` of `site`, if it exists.
pub async fn end_sessions(state: &AppState, site: &str, login: &str) {
    let Ok(login) = staffetta_handoff::operator::Login::parse(login) else {
        return;
    };
    if let Ok(Some((operator, _))) =
        crate::agent::operators::get(state.store.as_ref(), site, &login).await
    {
        recheck_sessions(state, site, operator.id.as_str());
    }
}

/// Logs the agent in (or reconnects them) and builds the SNAPSHOT.
async fn connect(state: &AppState, operator: &Operator) -> Result<Value, ApiError> {
    // Operators created by builds before the id's site record get it here; only the audit
    // of a transfer naming them reads it, so a failure is not the console's.
    if let Err(err) = crate::agent::operators::remember_site(state.store.as_ref(), operator).await {
        tracing::debug!(%err, "the site of an operator id was not recorded");
    }
    let profile = operator
        .agent_profile()
        .map_err(|e| ApiError::internal(&e))?;
    let outcome = site_desk::update(state, operator.site.as_str(), |desk, now| {
        let (notices, reconnected) = match desk.agent(profile.id()) {
            Some(agent) if agent.disconnected_at().is_some() => {
                (desk.agent_reconnected(now, profile.id())?, true)
            }
            Some(_) => (Vec::new(), false),
            None => (desk.login(now, profile.clone())?, false),
        };
        Ok(((snapshot(desk, operator), reconnected), notices))
    })
    .await?;
    let ((snapshot, reconnected), notices) =
        outcome.map_err(|e| ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string()))?;
    deliver::deliver(state, operator.site.as_str(), notices).await;
    if reconnected {
        // Back within the grace period: colleagues see the agent connected again.
        deliver::push_roster(state, operator.site.as_str()).await;
    }
    Ok(snapshot)
}

/// Logs an operator out of the desk (the console's logout): LOGGEDOUT, pending offer
/// withdrawn, wrap-ups finished. Refused with 409 `conversations_active` while they still have
/// online conversations. An operator who is not at the desk is fine.
pub async fn leave_desk(state: &AppState, site: &str, login: &str) -> Result<(), ApiError> {
    let Ok(login) = staffetta_handoff::operator::Login::parse(login) else {
        return Ok(());
    };
    let Some((operator, _)) = crate::agent::operators::get(state.store.as_ref(), site, &login)
        .await
        .map_err(|e| ApiError::internal(&e))?
    else {
        return Ok(());
    };
    let outcome = site_desk::update(state, site, |desk, now| {
        if desk.agent(&operator.id).is_none() {
            return Ok(((), Vec::new()));
        }
        Ok(((), desk.logout(now, &operator.id)?))
    })
    .await?;
    match outcome {
        Ok(((), notices)) => {
            deliver::deliver(state, site, notices).await;
            Ok(())
        }
        Err(err) => Err(ApiError::new(
            StatusCode::CONFLICT,
            err.code(),
            err.to_string(),
        )),
    }
}

/// The socket is gone; with no other socket of the agent on any node, the desk starts
/// the grace period.
async fn disconnect(state: &AppState, operator: &Operator, id: u64) {
    let site = operator.site.as_str();
    let last = state
        .agents
        .connections
        .unregister(site, operator.id.as_str(), id);
    let elsewhere = presence::gone(
        state,
        site,
        operator.id.as_str(),
        &presence::socket_id(state, id),
    )
    .await;
    if !last || elsewhere {
        return;
    }
    let outcome = site_desk::update(state, site, |desk, now| match desk.agent(&operator.id) {
        Some(agent) if agent.disconnected_at().is_none() => {
            Ok((true, desk.agent_disconnected(now, &operator.id)?))
        }
        _ => Ok((false, Vec::new())),
    })
    .await;
    if let Ok(Ok((grace_started, notices))) = outcome {
        deliver::deliver(state, site, notices).await;
        if grace_started {
            // Colleagues see the agent as disconnected.
            deliver::push_roster(state, site).await;
        }
    }
}

/// The console's first frame: who the agent is at the desk right now.
pub fn snapshot(desk: &Desk, operator: &Operator) -> Value {
    let agent = desk.agent(&operator.id);
    let (state, pause_reason) = match agent.map(|a| a.state()) {
        Some(AgentState::Ready) => ("ready", None),
        Some(AgentState::Paused { reason }) => ("paused", reason.map(|r| r.0)),
        Some(AgentState::Forced) => ("forced", None),
        Some(AgentState::LoggedOut) | None => ("logged_out", None),
    };
    let mut conversations = Vec::new();
    let mut offers = Vec::new();
    if let Some(agent) = agent {
        for (id, job) in agent.jobs() {
            let (phase, deadline) = match job.phase {
                JobPhase::Setup { deadline } => ("offered", Some(deadline)),
                JobPhase::Online => ("online", None),
                JobPhase::Offline { deadline } => ("wrap_up", Some(deadline)),
            };
            let summary = desk
                .conversation(&job.conversation)
                .map(|c| c.summary().to_owned());
            let mut entry = json!({
                "chat_id": job.conversation.as_str(),
                "job_id": id.to_string(),
                "queue": job.queue.as_str(),
                "phase": phase,
                "offeredTime": job.offered_at.as_millisecond(),
            });
            if let Some(start) = job.started_at {
                entry["startTime"] = json!(start.as_millisecond());
            }
            if let Some(deadline) = deadline {
                entry["deadline"] = json!(deadline.as_millisecond());
            }
            if let Some(summary) = summary {
                entry["summary"] = json!(summary);
            }
            if phase == "offered" {
                offers.push(json!({
                    "id": id.to_string(),
                    "chat_id": job.conversation.as_str(),
                    "queue": job.queue.as_str(),
                    "deadline": deadline.map(|d| d.as_millisecond()),
                }));
            }
            conversations.push(entry);
        }
    }
    let pause_reasons: Vec<Value> = desk
        .config()
        .pause_reasons
        .iter()
        .map(|r| json!({"code": r.code.0, "label": r.label}))
        .collect();
    let resources: Vec<Value> = desk
        .resources()
        .map(|r| json!({"id": r.id.as_str(), "name": r.name}))
        .collect();
    let colleagues: Vec<Value> = desk
        .agents()
        .filter(|a| a.profile().id() != &operator.id)
        .map(deliver::roster_entry)
        .collect();
    json!({
        "event": "SNAPSHOT",
        "state": state,
        "pause_reason": pause_reason,
        "pause_reasons": pause_reasons,
        "conversations": conversations,
        "offers": offers,
        "resources": resources,
        "agents": colleagues,
        "agent": {
            "id": operator.id.as_str(),
            "login": operator.login.as_str(),
            "display_name": operator.display_name.as_str(),
            "role": operator.role,
            "can_see_ip": operator.can_see_ip,
        },
    })
}

fn text(value: &Value) -> Message {
    Message::Text(value.to_string().into())
}

fn close(code: u16, reason: &'static str) -> CloseFrame {
    CloseFrame {
        code,
        reason: reason.into(),
    }
}
