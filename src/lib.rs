//! Staffetta server: the edge around the `staffetta-engine` and `staffetta-handoff` cores.
//!
//! # Layout
//!
//! - [`cli`]: the `staffetta` command line (serve, config check, authoring tools).
//! - [`cluster`]: fan-out of conversation notices and console frames between the nodes of
//!   one Redis store.
//! - [`config`]: typed settings layered from defaults, a TOML file and the environment.
//! - [`connector`]: agent-desk connectors that need sockets (signed webhooks) and the
//!   per-site registry.
//! - [`server`]: `Server::build` (open store, load data) and `run(settings, listener, shutdown)`.
//! - [`app`]: `AppState` and `app(state) -> Router`.
//! - [`routes`]: HTTP handlers, one file per area.
//! - [`store`]: the `Store` trait with its sled and Redis backends.
//! - [`error`]: the single API error shape.
//! - [`limits`]: per-client limits (rates, sizes, connections) and their answers.
//! - [`shutdown`]: signals and the lifecycle of long-lived tasks.
//! - [`telemetry`]: the tracing subscriber.
//! - [`metrics`]: the node's counters and `GET /metrics` scrapes.
//! - [`secret`]: values that never print.
//! - [`retention`]: deleting conversations (retention) and visitors (erasure).
//! - [`visitor`]: the visitor channel (identity, MAU, sessions).

pub mod agent;
pub mod app;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod connector;
pub mod desk;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod retention;
pub mod routes;
pub mod secret;
pub mod server;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod visitor;

pub use app::{AppState, app};
pub use server::{Server, run};
