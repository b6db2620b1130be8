//! Run with `STAFFETTA_WEBHOOK_SECRET=<the site's webhook.secret> cargo run --example external_desk -- --listen 127.0.0.1:9090 --staffetta http://127.0.0.1:8080 --site demo`
//!
//! Plays an external contact centre against a running Staffetta whose site has
//! `webhook = { url = "http://127.0.0.1:9090/hook", secret = "..." }` (docs/connectors.md):
//!
//! - receives the signed webhooks, refuses any whose signature or timestamp is wrong (401),
//!   and prints each AgentDesktop event as its JSON, each message (the transcript before the
//!   handoff that comes before an offer too) and typing notice, and each command Staffetta
//!   refused after queueing it (`command_refused`);
//! - accepts every offer (POPUP -> `accept`), answers every visitor message with
//!   `echo: <text>`, ends the conversation after `--end-after` messages or when the visitor
//!   writes "bye", submits the wrap-up (`wrapup_done`, disposition `solved`) when after-chat
//!   work starts, and goes back to ready after a forced pause;
//! - signs each command with the shared secret and posts it to
//!   `/api/v1/connectors/webhook/{site}/commands` with a unique `id`, retrying network errors
//!   and 5xx answers (the `id` makes the retries safe).
//!
//! `--agent ada` (repeatable) sends `set_state ready` for that agent at start. Stop with Ctrl-C.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use clap::Parser;
use serde::Deserialize;
use serde_json::json;
use staffetta::connector::{COMMANDS_PATH, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use staffetta::store::Clock;
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{
    AgentCommand, Author, Outbound, verify_webhook_signature, webhook_signature,
};
use staffetta_handoff::desk::AgentStateRequest;
use staffetta_handoff::event::{EventName, JobState};
use staffetta_handoff::wrap_up::{Disposition, WrapUp};

/// Seconds a webhook's timestamp may differ from this machine's clock.
const TOLERANCE_S: u64 = 300;
/// Attempts per command.
const ATTEMPTS: u64 = 3;

/// An external contact centre for Staffetta's webhook connector.
#[derive(Parser)]
struct Args {
    /// Address to receive webhooks on (any path).
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: SocketAddr,
    /// Staffetta's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    staffetta: String,
    /// The site whose `webhook.url` points here.
    #[arg(long, default_value = "demo")]
    site: String,
    /// The site's `webhook.secret`.
    #[arg(long, env = "STAFFETTA_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// Visitor messages answered before the desk ends the conversation.
    #[arg(long, default_value_t = 3)]
    end_after: u32,
    /// Agents to announce as ready at start (`set_state ready`).
    #[arg(long = "agent")]
    agents: Vec<String>,
}

/// A delivery as Staffetta posts it: `agent` is the agent's login (`agent_id` the operator
/// id, unused here).
#[derive(Deserialize)]
struct Delivery {
    agent: AgentId,
    item: serde_json::Value,
}

/// A command Staffetta queued, then refused.
#[derive(Deserialize)]
struct CommandRefused {
    #[serde(default)]
    id: Option<String>,
    command: String,
    code: String,
    message: String,
}

struct Desk {
    secret: String,
    end_after: u32,
    commands_url: String,
    http: reqwest::Client,
    /// Visitor messages answered, per conversation.
    answered: Mutex<HashMap<String, u32>>,
}

impl Desk {
    /// Checks the signature headers against the body and this machine's clock.
    fn verified(&self, headers: &HeaderMap, body: &[u8]) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(timestamp), Some(signature)) =
            (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER))
        else {
            return false;
        };
        let Ok(timestamp) = timestamp.parse::<i64>() else {
            return false;
        };
        let Ok(now) = jiff::Timestamp::from_millisecond(Clock::system().now_ms()) else {
            return false;
        };
        verify_webhook_signature(
            self.secret.as_bytes(),
            timestamp,
            body,
            signature,
            now,
            TOLERANCE_S,
        )
        .is_ok()
    }

    /// What the desk answers to one delivery, in order.
    fn reactions(&self, item: &Outbound) -> Result<Vec<AgentCommand>> {
        let mut commands = Vec::new();
        match item {
            Outbound::Event(event) => match (event.event, event.id) {
                (EventName::Popup, Some(offer)) => commands.push(AgentCommand::Accept { offer }),
                (EventName::JobChanged, Some(job))
                    if event.job_state == Some(JobState::Offline) =>
                {
                    let wrap_up = WrapUp::new(
                        Disposition::parse("solved")?,
                        "Handled by the external desk example.",
                    )?;
                    commands.push(AgentCommand::WrapUpDone { job, wrap_up });
                }
                (EventName::Forced, _) => {
                    commands.push(AgentCommand::SetState(AgentStateRequest::Ready));
                }
                _ => {}
            },
            Outbound::Message(message) if message.from == Author::Visitor => {
                let conversation = message.conversation.clone();
                commands.push(AgentCommand::Send {
                    conversation: conversation.clone(),
                    text: format!("echo: {}", message.text),
                });
                let answered = {
                    let mut answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
                    let count = answered.entry(conversation.to_string()).or_default();
                    *count += 1;
                    *count
                };
                let bye = message.text.trim().eq_ignore_ascii_case("bye");
                if bye || answered >= self.end_after {
                    commands.push(AgentCommand::End { conversation });
                }
            }
            Outbound::Message(_) | Outbound::VisitorTyping { .. } => {}
        }
        Ok(commands)
    }

    /// Signs and posts one command; retries network errors and 5xx with the same `id`.
    async fn send(&self, agent: &AgentId, command: &AgentCommand) -> Result<()> {
        let body = serde_json::to_vec(&json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "agent": agent,
            "command": command,
        }))?;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let timestamp = Clock::system().now_ms().div_euclid(1_000);
            let signature = webhook_signature(self.secret.as_bytes(), timestamp, &body);
            let sent = self
                .http
                .post(&self.commands_url)
                .header("content-type", "application/json")
                .header(TIMESTAMP_HEADER, timestamp)
                .header(SIGNATURE_HEADER, signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == StatusCode::ACCEPTED => return Ok(()),
                Ok(response) if response.status().is_server_error() => {
                    last = format!("HTTP {}", response.status());
                }
                Ok(response) => {
                    let status = response.status();
                    bail!("refused with {status}: {}", response.text().await?);
                }
                Err(err) => last = err.without_url().to_string(),
            }
            tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
        }
        bail!("gave up after {ATTEMPTS} attempts: {last}")
    }
}

fn describe(agent: &AgentId, item: &Outbound) -> Result<String> {
    Ok(match item {
        Outbound::Event(event) => format!("[{agent}] {}", serde_json::to_string(event)?),
        Outbound::Message(message) => {
            let from = match &message.from {
                Author::Visitor => "visitor".to_owned(),
                Author::Bot => "bot".to_owned(),
                Author::Agent(id) => format!("agent {id}"),
            };
            format!(
                "[{agent}] {} {from}: {}",
                message.conversation, message.text
            )
        }
        Outbound::VisitorTyping { conversation } => {
            format!("[{agent}] {conversation} the visitor is typing")
        }
    })
}

async fn hook(State(desk): State<Arc<Desk>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !desk.verified(&headers, &body) {
        eprintln!("refused a webhook: bad or stale signature");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(Delivery { agent, item }) = serde_json::from_slice::<Delivery>(&body) else {
        eprintln!("refused a webhook: not a delivery");
        return StatusCode::BAD_REQUEST;
    };
    if item["kind"] == "command_refused" {
        match serde_json::from_value::<CommandRefused>(item) {
            Ok(refused) => eprintln!(
                "[{agent}] {} (id {}) was refused: {} ({})",
                refused.command,
                refused.id.as_deref().unwrap_or("-"),
                refused.message,
                refused.code
            ),
            Err(err) => eprintln!("[{agent}] an unreadable refusal: {err}"),
        }
        return StatusCode::NO_CONTENT;
    }
    // The conversation before the handoff: shown, not answered.
    let transcript = item["transcript"] == true;
    let Ok(item) = serde_json::from_value::<Outbound>(item) else {
        eprintln!("refused a webhook: not an item");
        return StatusCode::BAD_REQUEST;
    };
    match describe(&agent, &item) {
        Ok(line) => println!("{line}"),
        Err(err) => eprintln!("cannot print a delivery: {err}"),
    }
    let commands = match desk.reactions(&item) {
        Ok(_) if transcript => Vec::new(),
        Ok(commands) => commands,
        Err(err) => {
            eprintln!("no reaction to a delivery: {err}");
            Vec::new()
        }
    };
    // Answer the webhook at once; the commands follow in order on their own task.
    tokio::spawn(async move {
        for command in commands {
            match desk.send(&agent, &command).await {
                Ok(()) => println!(
                    "[{agent}] -> {}",
                    serde_json::to_string(&command).unwrap_or_default()
                ),
                Err(err) => eprintln!("[{agent}] command failed: {err:#}"),
            }
        }
    });
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let desk = Arc::new(Desk {
        commands_url: format!(
            "{}{}",
            args.staffetta.trim_end_matches('/'),
            COMMANDS_PATH.replace("{site}", &args.site)
        ),
        secret: args.secret,
        end_after: args.end_after.max(1),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?,
        answered: Mutex::new(HashMap::new()),
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!(
        "external desk: webhooks on http://{}/hook, commands to {}",
        listener.local_addr()?,
        desk.commands_url
    );
    for agent in &args.agents {
        let agent = AgentId::parse(agent).with_context(|| format!("agent id {agent:?}"))?;
        let ready = AgentCommand::SetState(AgentStateRequest::Ready);
        desk.send(&agent, &ready).await?;
        println!("[{agent}] -> set_state ready");
    }
    // Any path: the webhook URL's path is the operator's choice.
    let app = Router::new().fallback(hook).with_state(Arc::clone(&desk));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
