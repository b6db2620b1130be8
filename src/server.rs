//! Starting and stopping a node: open the store, build the router, serve until the shutdown
//! future resolves, then drain with a deadline and flush the store.

use crate::agent::provision::DemoCredentials;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::app::{AppState, app};
use crate::config::Settings;
use crate::shutdown::Lifecycle;
use crate::store::{self, Clock, StoreError};
use crate::visitor::bot::{BotLoadError, Bots};
use crate::visitor::identity::{IdentityConfigError, IdentityVerifier};

/// Why a node could not start. Each variant prints a message an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened (locked, corrupt, unreachable).
    #[error("cannot open the store")]
    Store(#[from] StoreError),
    /// Dialogs or locales are invalid, or a site names a missing dialog.
    #[error(transparent)]
    Bots(#[from] BotLoadError),
    /// A site's identity keys cannot be used.
    #[error(transparent)]
    Identity(#[from] IdentityConfigError),
    /// The GeoIP database cannot be opened.
    #[error(transparent)]
    GeoIp(#[from] crate::visitor::metadata::GeoError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address from the settings.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The agent token secret or the demo operators could not be set up.
    #[error("cannot set up agent accounts: {0}")]
    Agent(String),
}

/// A node whose dependencies are open, ready to serve on a listener.
#[derive(Debug)]
pub struct Server {
    state: AppState,
    demo_credentials: Vec<DemoCredentials>,
    cluster: crate::cluster::Cluster,
}

/// The websocket count per client address: this node's, and the store's too when nodes share
/// it, so the limit holds across nodes.
fn websockets(
    settings: &Settings,
    store: &Arc<dyn store::Store>,
    clock: &Clock,
) -> crate::limits::WsConnections {
    let max = settings.limits.max_websockets_per_ip;
    let node = crate::limits::WsConnections::new(max);
    if store.is_shared() {
        node.shared_with(crate::limits::SharedSlots::new(
            Arc::clone(store),
            clock.clone(),
            max,
        ))
    } else {
        node
    }
}

/// Creates the demo operators when the `demo` site is configured and has none.
async fn seed_demo(
    settings: &Settings,
    store: &dyn crate::store::Store,
) -> Result<Vec<DemoCredentials>, StartError> {
    if !settings.agent.demo_operators || settings.site("demo").is_none() {
        return Ok(Vec::new());
    }
    let policy = settings.agent.password_hashing.policy();
    crate::agent::provision::seed_demo_operators(store, policy, "demo")
        .await
        .map_err(|e| StartError::Agent(e.to_string()))
}

impl Server {
    /// Opens the store and everything else the node needs before it accepts connections.
    pub async fn build(settings: Settings) -> Result<Server, StartError> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// Everything `serve` checks before it opens anything: dialogs, identity keys, the geo
    /// database, the desks and the connectors. `config check` runs it, so a config it accepts
    /// does not fail at start-up for a reason it could have seen. Returns the warnings the
    /// start would log (a dialog's idle times winning over its site's).
    pub fn check_settings(settings: &Settings) -> Result<Vec<String>, StartError> {
        let bots = Bots::load(settings)?;
        IdentityVerifier::from_settings(settings)?;
        crate::visitor::metadata::MetadataCollector::from_settings(settings)?;
        crate::desk::site_desk::SiteDesks::from_settings(settings).map_err(StartError::Agent)?;
        crate::connector::Connectors::check(settings)
            .map_err(|e| StartError::Agent(e.to_string()))?;
        Ok(bots
            .idle_overrides()
            .iter()
            .map(ToString::to_string)
            .collect())
    }

    /// Like [`Server::build`], with an injected clock (tests move time by hand).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> Result<Server, StartError> {
        Self::build_wrapped(settings, clock, |store| store).await
    }

    /// Like [`Server::build_with_clock`], with the store `wrap` returns in place of the
    /// opened one, for everything of the node (tests put a watch or a failing store
    /// between the node and its store, e.g. [`store::Observed`]).
    pub async fn build_wrapped(
        settings: Settings,
        clock: Clock,
        wrap: impl FnOnce(Arc<dyn store::Store>) -> Arc<dyn store::Store>,
    ) -> Result<Server, StartError> {
        // Everything that can be checked without side effects comes before the store.
        let bots = Bots::load(&settings)?;
        for idle in bots.idle_overrides() {
            tracing::warn!(
                site = %idle.site,
                dialog = %idle.dialog,
                site_idle_timeout_s = idle.site_s.0,
                site_idle_warning_s = idle.site_s.1,
                idle_timeout_s = idle.in_force_s.0,
                idle_warning_s = idle.in_force_s.1,
                "{idle}"
            );
        }
        let identity = IdentityVerifier::from_settings(&settings)?;
        let metadata = crate::visitor::metadata::MetadataCollector::from_settings(&settings)?;
        let store = wrap(store::open(&settings.store, clock.clone()).await?);
        let cluster = crate::cluster::Cluster::connect(&settings.store).await;
        let keys =
            crate::agent::tokens::TokenKeys::resolve(&settings.agent.token_secret, store.as_ref())
                .await
                .map_err(|e| StartError::Agent(e.to_string()))?;
        let demo_credentials = seed_demo(&settings, store.as_ref()).await?;
        let desks = crate::desk::site_desk::SiteDesks::from_settings(&settings)
            .map_err(StartError::Agent)?;
        let connectors = Arc::new(
            crate::connector::Connectors::from_settings(&settings, &clock, &store)
                .map_err(|e| StartError::Agent(e.to_string()))?,
        );
        let external = crate::desk::external::ExternalDesks::new(&connectors);
        let state = AppState {
            agents: crate::agent::AgentHub {
                keys,
                desks: Arc::new(desks),
                connections: crate::desk::connections::AgentConnections::with_fanout(
                    cluster.fanout(),
                ),
                external,
                connectors,
            },
            rate_limiter: crate::limits::RateLimiter::new(
                settings.limits.clone(),
                clock.clone(),
                crate::limits::Counting::for_store(store.as_ref()),
            ),
            websockets: websockets(&settings, &store, &clock),
            settings: Arc::new(settings),
            store,
            lifecycle: Lifecycle::new(),
            clock,
            bots: Arc::new(bots),
            bus: crate::visitor::bus::Bus::with_fanout(cluster.fanout()),
            timer: Arc::default(),
            retention: Arc::default(),
            identity: Arc::new(identity),
            metadata: Arc::new(metadata),
            refused_pages: Arc::default(),
            metrics: Arc::default(),
        };
        Ok(Server {
            state,
            demo_credentials,
            cluster,
        })
    }

    /// Demo operators created by this start (print them once; never log them).
    pub fn demo_credentials(&self) -> &[DemoCredentials] {
        &self.demo_credentials
    }

    /// The shared state (for tests and examples).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves on `listener` until `shutdown` resolves; then stops accepting, tells long-lived
    /// tasks to finish (websockets close with 1012), drains for `server.shutdown_grace_s` and
    /// flushes the store.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state;
        let lifecycle = state.lifecycle.clone();
        let grace = Duration::from_secs(state.settings.server.shutdown_grace_s);
        let store = Arc::clone(&state.store);
        crate::desk::timer::recover_after_restart(&state).await;
        lifecycle.spawn(crate::visitor::timer::run(state.clone()));
        lifecycle.spawn(crate::retention::timer::run(state.clone()));
        state.agents.external.start(&state);
        self.cluster.start(&state);
        let connectors = Arc::clone(&state.agents.connectors);
        let router = app(state);

        let stop = lifecycle.clone();
        // Small chat frames must not wait for the peer's delayed ACK (Nagle).
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "cannot set TCP_NODELAY");
            }
        });
        let serving = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Long-polls and websockets watch this and finish promptly.
            stop.begin();
        });
        let serve_task = tokio::spawn(async move { serving.await });

        lifecycle.stopping().await;
        // External desks get 503 connector_closed while the node drains.
        connectors.close_all();
        let drained = lifecycle.stop(grace).await;
        match tokio::time::timeout(grace, serve_task).await {
            Ok(joined) => joined??,
            Err(_) => tracing::warn!("requests still open after the drain deadline; closing"),
        }
        if !drained {
            tracing::warn!("long-lived tasks still running after the drain deadline");
        }
        store.flush().await?;
        tracing::info!("shutdown complete");
        Ok(())
    }
}

/// Builds a node from `settings` and serves on `listener` until `shutdown` resolves.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    Server::build(settings).await?.run(listener, shutdown).await
}

/// Binds the configured address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}
