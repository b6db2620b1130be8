//! `--relay RATE --duration S`: visitor messages during a handoff. Every session is handed to
//! an agent first (operators created through the admin API, logged in, one console websocket
//! each, ready, accepting every offer); then an open loop of visitor messages as in
//! [`crate::turns`], each tagged with its id. Two latencies per message: from the send to the
//! visitor's `ack` (the message is durable) and from the send to the `MESSAGE` frame on the
//! agent's console (the relay a visitor waits on for an answer).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, CALL_TIMEOUT, ORIGIN, SITE, Session, Ws};
use crate::server::{Served, Target};
use crate::stats::Summary;
use crate::turns::{self, SentLog, TurnsPlan, TurnsReport};

/// Conversations one agent holds at once (an operator's capacity is 1 to 20).
const CHATS_PER_AGENT: usize = 10;
/// Bound on the agents getting ready and on every session reaching an agent.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed after the open loop for the last messages to reach the consoles.
const DELIVERY_DRAIN: Duration = Duration::from_secs(5);

/// A relay run.
#[derive(Clone, Debug)]
pub(crate) struct RelayPlan {
    /// The open loop (rate, duration, sockets, text).
    pub(crate) turns: TurnsPlan,
}

impl RelayPlan {
    /// Agents needed for one conversation per socket at [`CHATS_PER_AGENT`] each.
    pub(crate) fn agents(&self) -> usize {
        self.turns.sockets.div_ceil(CHATS_PER_AGENT)
    }
}

/// What the relay run measured.
#[derive(Debug)]
pub(crate) struct RelayReport {
    /// The open loop as the visitors saw it (send -> ack) and the server CPU over it.
    pub(crate) visitors: TurnsReport,
    /// Messages that reached an agent's console.
    pub(crate) delivered: usize,
    /// Send -> `MESSAGE` frame on the agent's console.
    pub(crate) delivery: Summary,
    /// Console errors (`ERROR` frames, closed sockets) and messages acked but never delivered.
    pub(crate) console_errors: Vec<String>,
}

/// What the consoles saw, shared by their tasks.
#[derive(Debug, Default)]
struct Consoles {
    /// Conversations accepted (`ESTABLISHED`).
    established: AtomicUsize,
    /// Arrival of each tagged visitor message, by its client message id.
    arrived: Mutex<HashMap<String, Instant>>,
    /// `ERROR` frames and socket failures.
    errors: Mutex<Vec<String>>,
}

impl Consoles {
    fn error(&self, error: String) {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(error);
    }
}

/// Runs the relay against a fresh server.
pub(crate) async fn run(target: &Target, plan: &RelayPlan) -> Result<RelayReport> {
    let admin_token = format!("load-admin-{:032x}", rand_u128());
    let mut server = Served::start_with(
        target,
        &[
            ("STAFFETTA__ADMIN__TOKEN", admin_token.as_str()),
            ("STAFFETTA__AGENT__DEMO_OPERATORS", "false"),
        ],
    )?;
    let http = reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .build()
        .context("building the HTTP client")?;

    let consoles = Arc::new(Consoles::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut console_tasks = Vec::new();
    for index in 0..plan.agents() {
        let token = new_agent(&http, &server.base_url, &admin_token, index).await?;
        let ws = client::connect_console(
            server.addr,
            client::source_address(plan.turns.sockets + index),
            "/api/v1/agent/ws",
            &token,
        )
        .await?;
        console_tasks.push(tokio::spawn(console(
            ws,
            index,
            Arc::clone(&consoles),
            stop_rx.clone(),
        )));
    }
    wait_until_ready(&http, &server.base_url, plan.agents()).await?;

    let opened = turns::open_session_sockets(&server, plan.turns.sockets).await?;
    let mut sockets = Vec::with_capacity(opened.len());
    for (session, ws) in opened {
        ask_for_agent(&http, &server.base_url, &session).await?;
        sockets.push(ws);
    }
    let setup_deadline = Instant::now() + SETUP_TIMEOUT;
    while consoles.established.load(Ordering::Relaxed) < plan.turns.sockets {
        if Instant::now() > setup_deadline {
            bail!(
                "only {} of {} conversations reached an agent within {SETUP_TIMEOUT:?}",
                consoles.established.load(Ordering::Relaxed),
                plan.turns.sockets
            );
        }
        check_consoles(&consoles)?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let sent_log: SentLog = Arc::default();
    let visitors = turns::open_loop(
        &mut server,
        sockets,
        &plan.turns,
        Some(Arc::clone(&sent_log)),
    )
    .await?;
    let drain_deadline = Instant::now() + DELIVERY_DRAIN;
    while arrived_count(&consoles) < visitors.acked && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    finish(console_tasks).await?;

    let sent = std::mem::take(&mut *sent_log.lock().unwrap_or_else(PoisonError::into_inner));
    let arrived = std::mem::take(
        &mut *consoles
            .arrived
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let mut console_errors = std::mem::take(
        &mut *consoles
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let mut delivery = Vec::with_capacity(arrived.len());
    for (id, at) in &arrived {
        match sent.get(id) {
            Some(sent_at) => delivery.push(at.saturating_duration_since(*sent_at)),
            None => console_errors.push(format!("a console got a message never sent: {id}")),
        }
    }
    if arrived.len() < visitors.acked {
        console_errors.push(format!(
            "{} acked messages never reached an agent's console within {DELIVERY_DRAIN:?} of the end",
            visitors.acked - arrived.len()
        ));
    }
    Ok(RelayReport {
        visitors,
        delivered: delivery.len(),
        delivery: Summary::of(&mut delivery),
        console_errors,
    })
}

/// Creates operator `index` with the admin token, logs it in and returns its access token.
async fn new_agent(
    http: &reqwest::Client,
    base_url: &str,
    admin_token: &str,
    index: usize,
) -> Result<String> {
    let login = format!("load-agent-{index}");
    let password = format!("load-pw-{:032x}", rand_u128());
    let created = http
        .post(format!("{base_url}/api/v1/admin/sites/{SITE}/operators"))
        .bearer_auth(admin_token)
        .json(&json!({
            "login": login,
            "password": password,
            "display_name": format!("Load agent {index}"),
            "role": "agent",
            "capacity": CHATS_PER_AGENT,
        }))
        .send()
        .await
        .with_context(|| format!("creating {login}"))?;
    expect(
        created,
        reqwest::StatusCode::CREATED,
        &format!("creating {login}"),
    )
    .await?;
    let logged_in = http
        .post(format!("{base_url}/api/v1/agent/login"))
        .json(&json!({ "site_id": SITE, "login": login, "password": password }))
        .send()
        .await
        .with_context(|| format!("logging {login} in"))?;
    let body = expect(
        logged_in,
        reqwest::StatusCode::OK,
        &format!("logging {login} in"),
    )
    .await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the login of {login} has no access_token: {body}"))
}

/// Polls the site's presence until `agents` agents are ready to take a conversation.
async fn wait_until_ready(http: &reqwest::Client, base_url: &str, agents: usize) -> Result<()> {
    let deadline = Instant::now() + SETUP_TIMEOUT;
    loop {
        let answer = http
            .get(format!("{base_url}/api/v1/sites/{SITE}/presence"))
            .header("origin", ORIGIN)
            .send()
            .await
            .context("reading the site's presence")?;
        let body = expect(
            answer,
            reqwest::StatusCode::OK,
            "reading the site's presence",
        )
        .await?;
        let ready = body["agents_ready"].as_u64().unwrap_or(0);
        if usize::try_from(ready).unwrap_or(usize::MAX) >= agents {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{ready} of {agents} agents ready within {SETUP_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks for a human on `session` (the handoff call a widget makes).
async fn ask_for_agent(http: &reqwest::Client, base_url: &str, session: &Session) -> Result<()> {
    let answer = http
        .post(format!(
            "{base_url}/api/v1/sites/{SITE}/sessions/{}/handoff",
            session.id
        ))
        .header("origin", ORIGIN)
        .bearer_auth(&session.token)
        .send()
        .await
        .context("asking for an agent")?;
    let body = expect(answer, reqwest::StatusCode::OK, "asking for an agent").await?;
    match body["outcome"].as_str() {
        Some("queued" | "offered") => Ok(()),
        _ => bail!("asking for an agent answered {body}"),
    }
}

/// The answer's JSON body when it has `status`; an error naming `what` otherwise.
async fn expect(
    answer: reqwest::Response,
    status: reqwest::StatusCode,
    what: &str,
) -> Result<serde_json::Value> {
    let got = answer.status();
    let text = answer.text().await.unwrap_or_default();
    if got != status {
        bail!("{what} answered {got}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what} answered {text}"))
}

/// The console frames the tool acts on; the rest is skipped.
#[derive(Debug, Deserialize)]
struct ConsoleFrame {
    event: String,
    /// The offer of a `POPUP`.
    #[serde(default)]
    id: Option<String>,
    /// Who wrote a `MESSAGE`.
    #[serde(default)]
    from: Option<String>,
    /// A `MESSAGE`'s text (starts with the client message id).
    #[serde(default)]
    text: Option<String>,
    /// An `ERROR`'s code.
    #[serde(default)]
    code: Option<String>,
}

/// One agent's console: goes ready after the `SNAPSHOT`, accepts every offer, and records
/// when each visitor message arrives, until `stop`.
async fn console(ws: Ws, index: usize, seen: Arc<Consoles>, mut stop: watch::Receiver<bool>) {
    let (mut sink, mut stream) = ws.split();
    loop {
        let message = tokio::select! {
            _ = stop.changed() => return,
            message = stream.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(err)) => return seen.error(format!("console {index}: {err}")),
            None => return seen.error(format!("console {index}: socket closed")),
        };
        let frame: ConsoleFrame = match serde_json::from_str(&text) {
            Ok(frame) => frame,
            Err(err) => return seen.error(format!("console {index}: {err}: {text}")),
        };
        let reply = match frame.event.as_str() {
            "SNAPSHOT" => Some(json!({ "command": "set_state", "state": "ready" })),
            "POPUP" => frame
                .id
                .map(|offer| json!({ "command": "accept", "offer": offer })),
            "ESTABLISHED" => {
                seen.established.fetch_add(1, Ordering::Relaxed);
                None
            }
            "MESSAGE" if frame.from.as_deref() == Some("visitor") => {
                let at = Instant::now();
                if let Some(id) = frame.text.as_deref().and_then(|t| t.split(' ').next()) {
                    seen.arrived
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(id.to_owned(), at);
                }
                None
            }
            "ERROR" => {
                seen.error(format!(
                    "console {index}: ERROR {}: {text}",
                    frame.code.unwrap_or_default()
                ));
                None
            }
            _ => None,
        };
        if let Some(reply) = reply
            && let Err(err) = sink.send(Message::Text(reply.to_string().into())).await
        {
            return seen.error(format!("console {index}: {err}"));
        }
    }
}

/// Fails on the first console error seen so far.
fn check_consoles(consoles: &Consoles) -> Result<()> {
    match consoles
        .errors
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .first()
    {
        Some(error) => bail!("{error}"),
        None => Ok(()),
    }
}

fn arrived_count(consoles: &Consoles) -> usize {
    consoles
        .arrived
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len()
}

async fn finish(tasks: Vec<JoinHandle<()>>) -> Result<()> {
    for task in tasks {
        task.await.context("a console task panicked")?;
    }
    Ok(())
}

/// A random 128-bit value (UUID v4 from the OS source) for the throwaway server's admin
/// token and agent passwords.
fn rand_u128() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}
