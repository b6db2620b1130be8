//! `--echo`: closed-loop maximum throughput, K messages in flight per socket, first against the
//! real server with bot turns (a message is done at its `ack`), then against the real server
//! with the application ping (done at its `pong`: the visitor websocket layer alone, no engine
//! and no store write), then against the bare echo server (done when it comes back), in the
//! same run; the ratios to the echo are the costs of the turn and of the websocket layer.

use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, FrameHead, Ws};
use crate::echo::EchoServer;
use crate::server::{Served, Target};
use crate::stats::{self, Summary};
use crate::turns::open_sessions;

/// Time allowed after the window for the messages still in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// A closed-loop run.
#[derive(Clone, Debug)]
pub(crate) struct ThroughputPlan {
    /// Sockets.
    pub(crate) sockets: usize,
    /// Messages in flight per socket.
    pub(crate) in_flight: usize,
    /// Length of the counting window.
    pub(crate) duration: Duration,
    /// What the visitor types.
    pub(crate) text: String,
}

/// One side of the comparison.
#[derive(Debug)]
pub(crate) struct Side {
    /// Messages completed inside the window.
    pub(crate) completed: usize,
    /// Window length.
    pub(crate) window: Duration,
    /// Send → completion, inside the window.
    pub(crate) latency: Summary,
    /// Error frames and messages left without an answer.
    pub(crate) errors: usize,
    /// The first error.
    pub(crate) first_error: Option<String>,
    /// Server CPU time over the window and drain.
    pub(crate) server_cpu: Duration,
}

impl Side {
    /// Completed messages per second.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn rate(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64().max(1e-9)
    }
}

/// Every side.
#[derive(Debug)]
pub(crate) struct Comparison {
    /// The real server (bot turns).
    pub(crate) staffetta: Side,
    /// The real server's visitor websocket answering the application ping.
    pub(crate) channel: Side,
    /// The bare echo server.
    pub(crate) echo: Side,
}

impl Comparison {
    /// Staffetta's bot turns as a fraction of the echo's messages.
    pub(crate) fn ratio(&self) -> f64 {
        self.staffetta.rate() / self.echo.rate().max(1e-9)
    }

    /// Staffetta's ping/pong messages as a fraction of the echo's.
    pub(crate) fn channel_ratio(&self) -> f64 {
        self.channel.rate() / self.echo.rate().max(1e-9)
    }
}

/// What each message of a closed loop is, and which answer completes it.
#[derive(Clone, Copy, Debug)]
enum Probe<'a> {
    /// A visitor message with this text, done at its `ack` (or, for the echo, at itself).
    Turn {
        text: &'a str,
        done_kind: &'static str,
    },
    /// `{"type":"ping"}`, done at the next `pong` (the socket answers in order).
    Ping,
}

/// Runs the closed loop against a fresh server, then against the echo server.
pub(crate) async fn run(target: &Target, plan: &ThroughputPlan) -> Result<Comparison> {
    let staffetta = {
        let mut server = Served::start(target)?;
        let sockets = open_sessions(&server, plan.sockets).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pid = server.pid();
        let probe = Probe::Turn {
            text: &plan.text,
            done_kind: "ack",
        };
        let side = measure(sockets, plan, probe, || stats::process_cpu(pid)).await?;
        server.check_alive()?;
        side
    };
    let channel = {
        let mut server = Served::start(target)?;
        let sockets = open_sessions(&server, plan.sockets).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pid = server.pid();
        let side = measure(sockets, plan, Probe::Ping, || stats::process_cpu(pid)).await?;
        server.check_alive()?;
        side
    };
    let echo = {
        let server = EchoServer::start()?;
        let mut sockets = Vec::with_capacity(plan.sockets);
        for index in 0..plan.sockets {
            sockets.push(
                client::connect(server.addr, client::source_address(index), "/", None).await?,
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let probe = Probe::Turn {
            text: &plan.text,
            done_kind: "message",
        };
        measure(sockets, plan, probe, || server.cpu()).await?
    };
    Ok(Comparison {
        staffetta,
        channel,
        echo,
    })
}

async fn measure(
    sockets: Vec<Ws>,
    plan: &ThroughputPlan,
    probe: Probe<'_>,
    cpu: impl Fn() -> Result<Duration>,
) -> Result<Side> {
    let cpu_before = cpu()?;
    let start = Instant::now();
    let window_end = start + plan.duration;
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(index, ws)| {
            let in_flight = plan.in_flight;
            let (text, done_kind) = match probe {
                Probe::Turn { text, done_kind } => (Some(text.to_owned()), done_kind),
                Probe::Ping => (None, "pong"),
            };
            tokio::spawn(async move {
                closed_loop(ws, index, in_flight, text.as_deref(), done_kind, window_end).await
            })
        })
        .collect();
    let mut latency = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        let (samples, error) = task.await.context("a socket task panicked")?;
        latency.extend(samples);
        if let Some(error) = error {
            errors += 1;
            first_error = first_error.or(Some(error));
        }
    }
    let server_cpu = cpu()?.saturating_sub(cpu_before);
    Ok(Side {
        completed: latency.len(),
        window: plan.duration,
        latency: Summary::of(&mut latency),
        errors,
        first_error,
        server_cpu,
    })
}

/// Keeps `in_flight` messages outstanding until the window ends, then waits for the rest.
/// A message is a visitor message with `text` (matched to its answer by id) or, without a
/// text, the application ping (answered in order). Returns the latencies of the messages
/// completed inside the window, and the error that ended the loop early, if any.
async fn closed_loop(
    mut ws: Ws,
    index: usize,
    in_flight: usize,
    text: Option<&str>,
    done_kind: &str,
    window_end: Instant,
) -> (Vec<Duration>, Option<String>) {
    let mut samples = Vec::new();
    let mut outstanding = std::collections::VecDeque::with_capacity(in_flight);
    let mut next = 0_usize;
    let run = async {
        loop {
            while outstanding.len() < in_flight && Instant::now() < window_end {
                let id = format!("c{index}-{next}");
                next += 1;
                let frame = match text {
                    Some(text) => client::message_frame(&id, text),
                    None => client::ping_frame(),
                };
                ws.send(frame).await?;
                outstanding.push_back((id, Instant::now()));
            }
            let Some((id, sent)) = outstanding.front() else {
                return anyhow::Ok(());
            };
            let Some(message) = ws.next().await else {
                anyhow::bail!("socket closed");
            };
            let Message::Text(frame) = message? else {
                continue;
            };
            let head = FrameHead::parse(&frame)?;
            if head.kind == "error" {
                anyhow::bail!("error frame: {frame}");
            }
            if head.kind != done_kind {
                continue;
            }
            if text.is_some() && head.client_message_id.as_deref() != Some(id.as_str()) {
                anyhow::bail!("answer out of order: expected {id}, got {frame}");
            }
            let now = Instant::now();
            if now <= window_end {
                samples.push(now - *sent);
            }
            outstanding.pop_front();
        }
    };
    let error = match tokio::time::timeout_at(window_end + DRAIN, run).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(format!("socket {index}: {err:#}")),
        Err(_) => Some(format!(
            "socket {index}: messages still unanswered after the drain"
        )),
    };
    let _ = ws.close(None).await;
    (samples, error)
}
