//! `--idle N`: N sessions, each with an open websocket that has answered one `ping`, held idle;
//! the server's resident memory before, after the session starts, and with every socket open.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt, TryStreamExt};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, FrameHead, Ws};
use crate::server::{Served, Target};
use crate::stats;

/// Session starts in flight at once (each costs one durable store write).
const START_CONCURRENCY: usize = 32;
/// Websocket handshakes in flight at once.
const CONNECT_CONCURRENCY: usize = 64;
/// Bound on starting every session or opening every socket.
const STEP_TIMEOUT: Duration = Duration::from_secs(240);
/// Quiet time before the loaded reading, so allocations of the handshakes settle.
const SETTLE: Duration = Duration::from_secs(2);

/// What the idle run measured.
#[derive(Debug)]
pub(crate) struct IdleReport {
    /// Sessions (and sockets) held.
    pub(crate) sessions: usize,
    /// Server RSS right after start, KiB.
    pub(crate) baseline_kib: u64,
    /// Server RSS after every session start, before any socket, KiB.
    pub(crate) after_starts_kib: u64,
    /// Server RSS with every socket open and idle, KiB.
    pub(crate) loaded_kib: u64,
    /// Time to start every session.
    pub(crate) starts: Duration,
    /// Time to open every socket and get its `pong`.
    pub(crate) connects: Duration,
    /// Bytes of the store on disk after the session starts.
    pub(crate) store_bytes: u64,
    /// Kernel TCP memory pages with every socket open.
    pub(crate) tcp_mem_pages: Option<u64>,
}

impl IdleReport {
    /// KiB of server RSS per session over the empty server.
    pub(crate) fn per_session_kib(&self) -> f64 {
        per(
            self.loaded_kib.saturating_sub(self.baseline_kib),
            self.sessions,
        )
    }

    /// KiB per session of the session starts alone (store, cache, session state).
    pub(crate) fn per_start_kib(&self) -> f64 {
        per(
            self.after_starts_kib.saturating_sub(self.baseline_kib),
            self.sessions,
        )
    }

    /// KiB per session of the open websockets alone.
    pub(crate) fn per_socket_kib(&self) -> f64 {
        per(
            self.loaded_kib.saturating_sub(self.after_starts_kib),
            self.sessions,
        )
    }
}

#[allow(clippy::cast_precision_loss)]
fn per(kib: u64, count: usize) -> f64 {
    kib as f64 / count.max(1) as f64
}

/// Runs the idle measurement against a fresh server.
pub(crate) async fn run(target: &Target, sessions: usize) -> Result<IdleReport> {
    let mut server = Served::start(target)?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let baseline_kib = stats::rss_kib(server.pid())?;

    let started = Instant::now();
    let accepted = tokio::time::timeout(
        STEP_TIMEOUT,
        client::start_sessions(&server.base_url, sessions, START_CONCURRENCY),
    )
    .await
    .with_context(|| format!("{sessions} session starts took over {STEP_TIMEOUT:?}"))??;
    let starts = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let after_starts_kib = stats::rss_kib(server.pid())?;
    let store_bytes = server.store_bytes();
    println!(
        "  {sessions} sessions started in {:.1} s ({:.0}/s)",
        starts.as_secs_f64(),
        rate(sessions, starts)
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    let dropped = Arc::new(AtomicUsize::new(0));
    let opened = Instant::now();
    let addr = server.addr;
    let holders: Vec<tokio::task::JoinHandle<()>> = tokio::time::timeout(
        STEP_TIMEOUT,
        futures_util::stream::iter(accepted.iter().enumerate())
            .map(|(index, session)| {
                let stop = stop_rx.clone();
                let dropped = Arc::clone(&dropped);
                async move {
                    let mut ws = client::connect(
                        addr,
                        client::source_address(index),
                        &client::session_ws_path(&session.id),
                        Some(&session.token),
                    )
                    .await?;
                    ping(&mut ws)
                        .await
                        .with_context(|| format!("socket {index}"))?;
                    anyhow::Ok(tokio::spawn(hold(ws, stop, dropped)))
                }
            })
            .buffer_unordered(CONNECT_CONCURRENCY)
            .try_collect(),
    )
    .await
    .with_context(|| format!("opening {sessions} sockets took over {STEP_TIMEOUT:?}"))??;
    let connects = opened.elapsed();
    println!(
        "  {sessions} sockets open and answered ping in {:.1} s",
        connects.as_secs_f64()
    );

    tokio::time::sleep(SETTLE).await;
    server.check_alive()?;
    let loaded_kib = stats::rss_kib(server.pid())?;
    let tcp_mem_pages = stats::tcp_mem_pages();
    let lost = dropped.load(Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(
        Duration::from_secs(15),
        futures_util::future::join_all(holders),
    )
    .await;
    if lost > 0 {
        bail!("{lost} idle sockets were closed by the server during the run");
    }
    Ok(IdleReport {
        sessions,
        baseline_kib,
        after_starts_kib,
        loaded_kib,
        starts,
        connects,
        store_bytes,
        tcp_mem_pages,
    })
}

/// Sends the application ping and waits for its `pong`.
async fn ping(ws: &mut Ws) -> Result<()> {
    ws.send(client::ping_frame()).await?;
    let wait = async {
        while let Some(message) = ws.next().await {
            if let Message::Text(text) = message?
                && FrameHead::parse(&text)?.kind == "pong"
            {
                return Ok(());
            }
        }
        bail!("socket closed before the pong")
    };
    tokio::time::timeout(client::CALL_TIMEOUT, wait)
        .await
        .context("no pong in time")?
}

/// Keeps a socket open (reading answers the server's heartbeat pings) until told to stop.
async fn hold(mut ws: Ws, mut stop: watch::Receiver<bool>, dropped: Arc<AtomicUsize>) {
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    if !*stop.borrow() {
                        dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    return;
                }
            },
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return;
            }
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}
