//! The baseline: a bare tokio-tungstenite echo server (same 4 KiB read buffer and unbuffered
//! writes as the product) on its own two-thread runtime inside the load tool, so it has the
//! same two cores as the real server and its CPU time can be read per thread.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message;

use crate::client::ws_config;
use crate::stats;

/// Name of the echo runtime's threads (at most 15 bytes, the kernel's `comm` length).
const THREAD_NAME: &str = "load-echo";

/// A running echo server; stopped when dropped.
#[derive(Debug)]
pub(crate) struct EchoServer {
    runtime: Option<Runtime>,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
}

impl EchoServer {
    /// Binds 127.0.0.1:0 and starts accepting.
    pub(crate) fn start() -> Result<EchoServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(THREAD_NAME)
            .enable_all()
            .build()
            .context("building the echo runtime")?;
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("binding the echo server")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(echo(stream));
            }
        });
        Ok(EchoServer {
            runtime: Some(runtime),
            addr,
        })
    }

    /// CPU time the echo threads used so far.
    pub(crate) fn cpu(&self) -> Result<Duration> {
        stats::own_threads_cpu(THREAD_NAME)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Sends every text or binary frame back as it came.
async fn echo(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config())).await
    else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if ws.send(message).await.is_err() {
                    return;
                }
            }
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}
