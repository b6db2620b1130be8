//! `--turns RATE --duration S`: an open loop of bot turns over websockets. Turn `n` is due at
//! `start + n / RATE` on socket `n % sockets` and is sent when due whatever the earlier turns
//! are doing; its latency runs from the send to the `ack` frame (the server acks after the
//! visitor message, the bot outputs and the session state are durable).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, FrameHead, Session, Ws};
use crate::server::{Served, Target};
use crate::stats::{self, Summary};

/// Time allowed after the last due send for the last acks.
const DRAIN: Duration = Duration::from_secs(10);

/// When each message of a run was sent, by its client message id. Given to the open loop,
/// each message's text starts with its id (`t3-17 what are ...`) so the receiving side can
/// tell which message it got.
pub(crate) type SentLog = Arc<Mutex<HashMap<String, Instant>>>;

/// An open-loop run.
#[derive(Clone, Debug)]
pub(crate) struct TurnsPlan {
    /// Turns per second over all sockets.
    pub(crate) rate: u32,
    /// Length of the sending window.
    pub(crate) duration: Duration,
    /// Sockets (one session each) the turns are spread over.
    pub(crate) sockets: usize,
    /// What the visitor types each turn.
    pub(crate) text: String,
}

/// What the open loop measured.
#[derive(Debug)]
pub(crate) struct TurnsReport {
    /// Turns sent.
    pub(crate) sent: usize,
    /// Turns acked.
    pub(crate) acked: usize,
    /// Error frames and turns left without an ack.
    pub(crate) errors: usize,
    /// The first error, for the message.
    pub(crate) first_error: Option<String>,
    /// From the first due send to the last ack.
    pub(crate) elapsed: Duration,
    /// Send → ack.
    pub(crate) latency: Summary,
    /// Due time → ack (adds the load generator's own lateness).
    pub(crate) latency_from_due: Summary,
    /// Server CPU time (user + system) over the run.
    pub(crate) server_cpu: Duration,
}

impl TurnsReport {
    /// Acked turns per second.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn achieved_rate(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug)]
struct Pending {
    id: String,
    due: Instant,
    sent: Instant,
}

#[derive(Debug, Default)]
struct SocketResult {
    sent: usize,
    latency: Vec<Duration>,
    latency_from_due: Vec<Duration>,
    errors: Vec<String>,
    last_ack: Option<Instant>,
}

/// Runs the open loop against a fresh server.
pub(crate) async fn run(target: &Target, plan: &TurnsPlan) -> Result<TurnsReport> {
    let mut server = Served::start(target)?;
    let sockets = open_sessions(&server, plan.sockets).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    open_loop(&mut server, sockets, plan, None).await
}

/// Runs the open loop of `plan` over `sockets` (one per session, `plan.sockets` of them) of a
/// running server; with a [`SentLog`], each message is tagged with its id and its send time
/// recorded there.
pub(crate) async fn open_loop(
    server: &mut Served,
    sockets: Vec<Ws>,
    plan: &TurnsPlan,
    sent_log: Option<SentLog>,
) -> Result<TurnsReport> {
    let cpu_before = stats::process_cpu(server.pid())?;
    let start = Instant::now() + Duration::from_millis(100);
    let total =
        usize::try_from(u64::from(plan.rate) * plan.duration.as_secs()).unwrap_or(usize::MAX);
    let interval = Duration::from_secs(1) / plan.rate.max(1);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(index, ws)| {
            let due = (index..total)
                .step_by(plan.sockets)
                .map(|n| start + interval * u32::try_from(n).unwrap_or(u32::MAX))
                .collect();
            tokio::spawn(drive(
                ws,
                index,
                due,
                plan.text.clone(),
                start + plan.duration + DRAIN,
                sent_log.clone(),
            ))
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.context("a socket task panicked")?);
    }
    server.check_alive()?;
    let server_cpu = stats::process_cpu(server.pid())?.saturating_sub(cpu_before);

    let mut latency = Vec::with_capacity(total);
    let mut latency_from_due = Vec::with_capacity(total);
    let (mut sent, mut errors, mut first_error, mut last_ack) = (0, 0, None, start);
    for result in results {
        sent += result.sent;
        errors += result.errors.len();
        first_error = first_error.or_else(|| result.errors.into_iter().next());
        latency.extend(result.latency);
        latency_from_due.extend(result.latency_from_due);
        last_ack = last_ack.max(result.last_ack.unwrap_or(start));
    }
    Ok(TurnsReport {
        sent,
        acked: latency.len(),
        errors,
        first_error,
        elapsed: last_ack.saturating_duration_since(start),
        latency: Summary::of(&mut latency),
        latency_from_due: Summary::of(&mut latency_from_due),
        server_cpu,
    })
}

/// Starts `count` sessions and opens a websocket on each.
pub(crate) async fn open_sessions(server: &Served, count: usize) -> Result<Vec<Ws>> {
    let opened = open_session_sockets(server, count).await?;
    Ok(opened.into_iter().map(|(_, ws)| ws).collect())
}

/// Starts `count` sessions and opens a websocket on each; the sessions come with their
/// sockets, for the calls a run makes on them.
pub(crate) async fn open_session_sockets(
    server: &Served,
    count: usize,
) -> Result<Vec<(Session, Ws)>> {
    let sessions = client::start_sessions(&server.base_url, count, 16).await?;
    let mut sockets = Vec::with_capacity(count);
    for (index, session) in sessions.into_iter().enumerate() {
        let ws = client::connect(
            server.addr,
            client::source_address(index),
            &client::session_ws_path(&session.id),
            Some(&session.token),
        )
        .await?;
        sockets.push((session, ws));
    }
    Ok(sockets)
}

/// Sends this socket's turns when due and matches every ack to its send.
async fn drive(
    ws: Ws,
    index: usize,
    due: Vec<Instant>,
    text: String,
    deadline: Instant,
    sent_log: Option<SentLog>,
) -> SocketResult {
    let (mut sink, mut stream) = ws.split();
    let (pending_tx, mut pending_rx) = mpsc::unbounded_channel::<Pending>();
    let writer = async move {
        let mut sent = 0;
        for (turn, due) in due.into_iter().enumerate() {
            tokio::time::sleep_until(due).await;
            let id = format!("t{index}-{turn}");
            let frame = match &sent_log {
                Some(_) => client::message_frame(&id, &format!("{id} {text}")),
                None => client::message_frame(&id, &text),
            };
            let sent_at = Instant::now();
            if let Some(log) = &sent_log {
                log.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(id.clone(), sent_at);
            }
            // Queued before the send, so the reader always finds it when the ack comes.
            let _ = pending_tx.send(Pending {
                id,
                due,
                sent: sent_at,
            });
            if sink.send(frame).await.is_err() {
                break;
            }
            sent += 1;
        }
        (sent, sink)
    };
    let reader = async move {
        let mut result = SocketResult::default();
        let reading = async {
            while let Some(pending) = pending_rx.recv().await {
                match next_answer(&mut stream, &pending.id).await {
                    Ok(()) => {
                        let now = Instant::now();
                        result.latency.push(now - pending.sent);
                        result.latency_from_due.push(now - pending.due);
                        result.last_ack = Some(now);
                    }
                    Err(err) => result.errors.push(format!("socket {index}: {err:#}")),
                }
            }
        };
        if tokio::time::timeout_at(deadline, reading).await.is_err() {
            let left = pending_rx.len();
            result.errors.push(format!(
                "socket {index}: turns still unacked at the deadline (+{left} queued)"
            ));
        }
        result
    };
    let ((sent, _sink), mut result) = tokio::join!(writer, reader);
    result.sent = sent;
    result
}

/// Reads frames until the `ack` of `id`; an `error` frame about it, another ack or a closed
/// socket is an error.
async fn next_answer<S>(stream: &mut S, id: &str) -> Result<()>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    while let Some(message) = stream.next().await {
        let Message::Text(text) = message? else {
            continue;
        };
        let head = FrameHead::parse(&text)?;
        match head.kind.as_ref() {
            "ack" if head.client_message_id.as_deref() == Some(id) => return Ok(()),
            "ack" => anyhow::bail!("ack out of order: {text}"),
            "error" => anyhow::bail!("error frame: {text}"),
            _ => {}
        }
    }
    anyhow::bail!("socket closed")
}
