//! The visitor websocket: authenticated before the upgrade (site, origin, session, per-IP
//! connection limit), then one loop over client frames, conversation notices, a heartbeat
//! and shutdown. Persisted events are read from the log by seq, so a reconnect with
//! `resume {after}` replays exactly what was missed (G4), and on shutdown the socket closes
//! with 1012 so the widget reconnects elsewhere. While the session is in handoff (waiting
//! for an agent or with one) the socket holds a [lease](crate::desk::visitor_presence) on
//! it, renewed by the heartbeat; closing the last one starts the grace after which a wait is
//! cancelled (a live chat goes on, but will not wait for an agent again).

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use staffetta_widget::protocol::{ClientFrame, Event, EventKind, Sender, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::app::AppState;
use crate::desk::visitor_presence::Lease;
use crate::error::ApiError;
use crate::limits::WsSlot;
use crate::visitor::bus::Notice;
use crate::visitor::conversation;
use crate::visitor::record::{Status, conversation_log};
use crate::visitor::session_token::{self, VisitorSession};

/// Interval between server pings.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// A socket silent for this long is closed.
const IDLE_CLOSE: Duration = Duration::from_secs(60);
/// How long a socket the server closes may take to answer the close frame.
const CLOSE_DRAIN: Duration = Duration::from_secs(2);
/// Refusals for the message rate in a row after which the socket is closed with 1008: a
/// client that keeps sending past `rate_limited` answers is not a widget.
const MAX_RATE_REFUSALS: u32 = 20;
/// Typing frames closer together than this are dropped (the widget sends one per 3 s at
/// most); a change back to "not typing" always goes through.
const TYPING_GAP: Duration = Duration::from_millis(1000);
/// Close code of a socket whose conversation the server deleted (an admin erasure,
/// retention): the session answers 404 `session_not_found` from now on (docs/api.md).
pub const CLOSE_SESSION_NOT_FOUND: u16 = 4404;
/// Frames queued for one socket are encoded into one buffer and written with one `send`
/// when flushed (an ack and a turn's events go out together); a larger batch is written as
/// it fills. The buffer keeps the capacity of the largest batch a socket has sent.
const WRITE_BATCH: usize = 16 * 1024;

/// Query of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Replay events after this seq right away (same as a first `resume` frame).
    #[serde(default)]
    after: Option<u64>,
}

/// `GET /api/v1/sites/{site}/sessions/{session}/ws`.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<WsQuery>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    session: Result<VisitorSession, ApiError>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|err| ApiError::bad_request("invalid_query", err.body_text()))?;
    let upgrade = upgrade.map_err(|err| {
        ApiError::new(err.status(), "websocket_upgrade_required", err.body_text())
    })?;
    // Authenticated before the upgrade: a refused token never becomes a socket.
    let VisitorSession {
        id: session_id,
        record,
    } = session?;
    let ip = state.metadata.client_ip(&headers, peer);
    let slot = state.websockets.acquire(ip).await?;
    let limits = &state.settings.limits;
    let lifecycle = state.lifecycle.clone();
    Ok(upgrade
        .protocols([session_token::WS_PROTOCOL])
        .read_buffer_size(4096)
        .write_buffer_size(WRITE_BATCH)
        .max_message_size(limits.max_frame_len())
        .max_frame_size(limits.max_frame_len())
        .on_upgrade(move |socket| {
            let connection = Connection {
                state,
                lease: Lease::new(&record.site, &session_id, &record.conversation_id),
                session_id,
                conversation: record.conversation_id.clone(),
                cursor: None,
                watch_from: 0,
                rate_refusals: 0,
                typing_sent: None,
            };
            async move {
                // Tracked, so shutdown waits for the close frame to go out.
                let _ = lifecycle
                    .spawn(async move {
                        connection.run(socket, query.after, slot).await;
                    })
                    .await;
            }
        }))
}

struct Connection {
    state: AppState,
    session_id: String,
    conversation: String,
    /// Last seq sent to this socket; `None` only when the store could not say at connect.
    cursor: Option<u64>,
    /// The log head at connect: later events tell whether the session waits for an agent.
    watch_from: u64,
    /// The socket's hold on the session's place in the queue while it waits.
    lease: Lease,
    /// Message-rate refusals in a row.
    rate_refusals: u32,
    /// The last typing state passed on, and when.
    typing_sent: Option<(bool, tokio::time::Instant)>,
}

enum Flow {
    Continue,
    Close(Option<CloseFrame>),
}

/// Why the socket loop ended.
#[derive(PartialEq, Eq)]
enum Ending {
    /// The visitor's side closed or broke, or the socket was closed for cause.
    Gone,
    /// The server is restarting: the visitor reconnects elsewhere, the lease runs out.
    Restart,
}

impl Connection {
    async fn run(mut self, socket: WebSocket, after: Option<u64>, slot: WsSlot) {
        let ending = self.serve(socket, after, &slot).await;
        if ending == Ending::Gone {
            self.lease.closed(&self.state).await;
        }
    }

    async fn serve(&mut self, socket: WebSocket, after: Option<u64>, slot: &WsSlot) -> Ending {
        let (mut sink, mut stream) = socket.split();
        let mut notices = self.state.bus.subscribe(&self.conversation);
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        let mut last_heard = tokio::time::Instant::now();
        let mut out = Vec::new();
        let mut restarting = false;
        let log = conversation_log(&self.conversation);
        let head = self.state.store.log_head(&log).await;
        self.watch_from = head.as_ref().map_or(0, |h| *h);
        // The session is read after the head: a wait that began before the head shows in the
        // record (its status turns to handoff before the queue hears of it), a later one in
        // the events after `watch_from`. The record read at the upgrade may predate both.
        // Read after subscribing, it also finds a deletion whose notice came before that.
        let mut first = None;
        match conversation::load(&self.state, &self.session_id).await {
            Ok((record, _)) if record.status == Status::Handoff => {
                self.lease.hold(&self.state).await;
            }
            Err(err) if err.code() == "session_not_found" => first = Some(erased(&mut out)),
            _ => {}
        }
        match after {
            _ if first.is_some() => {}
            Some(after) => self.resume(after, &mut out).await,
            // Without a resume point the socket carries what happens from now on.
            None => match head {
                Ok(head) => self.cursor = Some(head),
                Err(err) => out.push(error_frame("unavailable", &err.to_string(), None)),
            },
        }
        loop {
            if !out.is_empty() && send_all(&mut sink, &mut out).await.is_err() {
                return Ending::Gone;
            }
            let flow = if let Some(flow) = first.take() {
                flow
            } else {
                tokio::select! {
                    incoming = stream.next() => match incoming {
                        Some(Ok(message)) => {
                            last_heard = tokio::time::Instant::now();
                            // Boxed: a turn's future is large (the dialog step, the store write,
                            // the desk), and an unboxed one would size every idle socket's task.
                            Box::pin(self.on_message(message, &mut out)).await
                        }
                        Some(Err(err)) if is_too_big(&err) => {
                            Flow::Close(Some(close(close_code::SIZE, "frame too large")))
                        }
                        Some(Err(err)) if is_invalid_utf8(&err) => {
                            Flow::Close(Some(close(close_code::INVALID, "text frame is not UTF-8")))
                        }
                        Some(Err(_)) | None => return Ending::Gone,
                    },
                    notice = notices.recv() => Box::pin(self.on_notice(notice, &mut out)).await,
                    _ = heartbeat.tick() => {
                        if last_heard.elapsed() > IDLE_CLOSE {
                            Flow::Close(Some(close(close_code::AWAY, "idle")))
                        } else {
                            out.push(Message::Ping(Default::default()));
                            Box::pin(slot.renew()).await;
                            if self.lease.is_held() {
                                Box::pin(self.lease.hold(&self.state)).await;
                            }
                            Flow::Continue
                        }
                    }
                    () = self.state.lifecycle.stopping() => {
                        restarting = true;
                        Flow::Close(Some(close(close_code::RESTART, "server restarting, reconnect")))
                    }
                }
            };
            if let Flow::Close(frame) = flow {
                let answered = frame.is_none();
                out.push(Message::Close(frame));
                if send_all(&mut sink, &mut out).await.is_ok() && !answered {
                    // Read (and drop) what the client still sends until it answers the close:
                    // closing with unread data would reset the connection, and the client
                    // would never read the close code.
                    let _ = tokio::time::timeout(CLOSE_DRAIN, async {
                        while let Some(Ok(message)) = stream.next().await {
                            if matches!(message, Message::Close(_)) {
                                break;
                            }
                        }
                    })
                    .await;
                }
                return if restarting {
                    Ending::Restart
                } else {
                    Ending::Gone
                };
            }
        }
    }

    async fn on_message(&mut self, message: Message, out: &mut Vec<Message>) -> Flow {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return Flow::Close(None),
            Message::Ping(_) | Message::Pong(_) => return Flow::Continue,
            Message::Binary(_) => {
                out.push(error_frame(
                    "unsupported_frame",
                    "Send JSON text frames.",
                    None,
                ));
                return Flow::Continue;
            }
        };
        let frame: ClientFrame = match serde_json::from_str(&text) {
            Ok(frame) => frame,
            Err(err) => {
                out.push(error_frame("invalid_frame", &err.to_string(), None));
                return Flow::Continue;
            }
        };
        match frame {
            ClientFrame::Message {
                client_message_id,
                input,
            } => {
                let request = staffetta_widget::protocol::MessageRequest {
                    client_message_id: client_message_id.clone(),
                    input,
                };
                let result = match self.check_rate().await {
                    Ok(()) => conversation::send(&self.state, &self.session_id, request).await,
                    Err(err) => Err(err),
                };
                if self.rate_refusals > MAX_RATE_REFUSALS {
                    return Flow::Close(Some(close(close_code::POLICY, "too many messages")));
                }
                match result {
                    Ok(response) => out.push(server_frame(&ServerFrame::Ack {
                        client_message_id,
                        seq: response.seq,
                    })),
                    Err(err) => out.push(error_frame(
                        err.code(),
                        err.message(),
                        Some(client_message_id),
                    )),
                }
                // The turn's events arrive through the bus notice.
            }
            ClientFrame::Typing { typing } => {
                if !self.typing_passes(typing) {
                    return Flow::Continue;
                }
                self.state.bus.publish(
                    &self.conversation,
                    Notice::Ephemeral(Box::new(Event {
                        seq: None,
                        kind: EventKind::Typing {
                            from: Sender::Visitor,
                            typing,
                            agent_name: None,
                        },
                    })),
                );
                if let Ok((record, _)) = conversation::load(&self.state, &self.session_id).await {
                    crate::desk::visitor_message::visitor_typing(&self.state, &record, typing)
                        .await;
                }
            }
            ClientFrame::Ack { .. } => {}
            // A resume replays the log: it costs like a message and counts against the rate.
            ClientFrame::Resume { after } => match self.check_rate().await {
                Ok(()) => self.resume(after, out).await,
                Err(_) if self.rate_refusals > MAX_RATE_REFUSALS => {
                    return Flow::Close(Some(close(close_code::POLICY, "too many messages")));
                }
                Err(err) => out.push(error_frame(err.code(), err.message(), None)),
            },
            ClientFrame::Identity { identity_token } => {
                let refreshed = crate::visitor::identity_expiry::refresh(
                    &self.state,
                    &self.session_id,
                    &identity_token,
                )
                .await;
                if let Err(err) = refreshed {
                    out.push(error_frame(err.code(), err.message(), None));
                }
            }
            ClientFrame::Ping {} => out.push(server_frame(&ServerFrame::Pong {})),
            ClientFrame::Continue {} => {
                let kept = crate::visitor::keep_alive::keep_alive(&self.state, &self.session_id);
                if let Err(err) = kept.await {
                    out.push(error_frame(err.code(), err.message(), None));
                }
            }
        }
        Flow::Continue
    }

    /// The session's message rate; refusals in a row are counted for the socket.
    async fn check_rate(&mut self) -> Result<(), ApiError> {
        let checked =
            crate::visitor::start::check_message_rate(&self.state, &self.session_id).await;
        match &checked {
            Err(err) if err.code() == "rate_limited" => {
                self.state.metrics.refused(err.code());
                self.rate_refusals += 1;
            }
            _ => self.rate_refusals = 0,
        }
        checked
    }

    /// Whether a typing frame is passed on: a change of state, or the same state after
    /// [`TYPING_GAP`]; a stop after a start always goes, so no one is left "typing".
    fn typing_passes(&mut self, typing: bool) -> bool {
        let now = tokio::time::Instant::now();
        let passes = match self.typing_sent {
            None => true,
            Some((last, _)) if last && !typing => true,
            Some((_, at)) => now.duration_since(at) >= TYPING_GAP,
        };
        if passes {
            self.typing_sent = Some((typing, now));
        }
        passes
    }

    async fn on_notice(
        &mut self,
        notice: Result<Notice, RecvError>,
        out: &mut Vec<Message>,
    ) -> Flow {
        match notice {
            Ok(Notice::Ephemeral(event)) => {
                // A tab does not need its own typing echoed, but other tabs and agents do;
                // the widget ignores visitor typing.
                out.push(server_frame(&ServerFrame::Event { event: *event }));
            }
            Ok(Notice::Erased) => return erased(out),
            // A head below what this socket sent: the log was deleted (its head went back to
            // 0), as after an erasure whose notice this node missed (a fan-out outage, whose
            // end wakes every conversation with its head).
            Ok(Notice::Appended { head }) if self.cursor.is_some_and(|cursor| head < cursor) => {
                if self.is_gone().await {
                    return erased(out);
                }
                self.catch_up(out).await;
            }
            Ok(Notice::Appended { .. }) | Err(RecvError::Lagged(_)) => self.catch_up(out).await,
            Err(RecvError::Closed) => {}
        }
        Flow::Continue
    }

    /// Whether the server no longer has the session (erased, deleted by retention).
    async fn is_gone(&self) -> bool {
        matches!(
            conversation::load(&self.state, &self.session_id).await,
            Err(err) if err.code() == "session_not_found"
        )
    }

    async fn resume(&mut self, after: u64, out: &mut Vec<Message>) {
        let log = conversation_log(&self.conversation);
        match self.state.store.log_head(&log).await {
            Ok(head) if after > head => out.push(server_frame(&ServerFrame::Resync { head })),
            Ok(_) => {
                self.cursor = Some(after);
                self.catch_up(out).await;
            }
            Err(err) => out.push(error_frame("unavailable", &err.to_string(), None)),
        }
    }

    /// Sends every persisted event after the cursor, in seq order; events newer than the
    /// connection say whether the session now waits for an agent (the lease follows).
    async fn catch_up(&mut self, out: &mut Vec<Message>) {
        let Some(mut cursor) = self.cursor else {
            return;
        };
        let mut waiting = None;
        loop {
            match conversation::events(&self.state, &self.conversation, cursor).await {
                Ok(events) if events.is_empty() => break,
                Ok(events) => {
                    // A short page is the log's end: no second read to learn it.
                    let last_page = events.len() < conversation::EVENT_PAGE;
                    for event in events {
                        cursor = event.seq.unwrap_or(cursor);
                        if cursor > self.watch_from {
                            waiting = in_handoff_after(&event.kind).or(waiting);
                        }
                        out.push(server_frame(&ServerFrame::Event { event }));
                    }
                    if last_page {
                        break;
                    }
                }
                Err(err) => {
                    out.push(error_frame(err.code(), err.message(), None));
                    break;
                }
            }
        }
        self.cursor = Some(cursor);
        match waiting {
            Some(true) if !self.lease.is_held() => self.lease.hold(&self.state).await,
            Some(false) => self.lease.release(&self.state).await,
            _ => {}
        }
    }
}

/// The conversation was deleted (an erasure, retention): the tab is told as a call on the
/// session would be (`error` frame `session_not_found`), and the socket is closed with
/// [`CLOSE_SESSION_NOT_FOUND`] so that a client reading only close codes knows too.
fn erased(out: &mut Vec<Message>) -> Flow {
    let gone = conversation::session_not_found();
    out.push(error_frame(gone.code(), gone.message(), None));
    Flow::Close(Some(close(CLOSE_SESSION_NOT_FOUND, "session_not_found")))
}

/// Writes the queued frames with one flush (one `send` for a batch under [`WRITE_BATCH`]).
async fn send_all<S>(sink: &mut S, out: &mut Vec<Message>) -> Result<(), axum::Error>
where
    S: futures_util::Sink<Message, Error = axum::Error> + Unpin,
{
    for frame in out.drain(..) {
        sink.feed(frame).await?;
    }
    sink.flush().await
}

/// Whether the session waits for an agent after this event (`None`: the event says nothing).
fn in_handoff_after(kind: &EventKind) -> Option<bool> {
    match kind {
        // Queued, with an agent, or back in the queue after a transfer or a lost agent.
        EventKind::QueueUpdate { .. }
        | EventKind::AgentJoined { .. }
        | EventKind::AgentLeft { .. } => Some(true),
        EventKind::QueueClosed { .. }
        | EventKind::HandoffCancelled { .. }
        | EventKind::ConversationEnded { .. }
        | EventKind::SessionExpired { .. } => Some(false),
        _ => None,
    }
}

/// Whether a read failed because the frame was over `limits.max_frame_bytes` (close 1009).
fn is_too_big(err: &axum::Error) -> bool {
    std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}

fn is_invalid_utf8(err: &axum::Error) -> bool {
    std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|e| matches!(e, tungstenite::Error::Utf8(_)))
}

fn close(code: u16, reason: &'static str) -> CloseFrame {
    CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }
}

fn server_frame(frame: &ServerFrame) -> Message {
    Message::Text(serde_json::to_string(frame).unwrap_or_default().into())
}

fn error_frame(code: &str, message: &str, client_message_id: Option<String>) -> Message {
    server_frame(&ServerFrame::Error {
        code: code.to_owned(),
        message: message.to_owned(),
        client_message_id,
    })
}
