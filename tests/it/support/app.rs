//! `spawn_app()`: the real router and store on 127.0.0.1:0 with a temporary data dir.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use staffetta::AppState;
use staffetta::config::Settings;
use staffetta::store::{ManualClock, Store};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server for one test. Dropping it stops the server.
#[derive(Debug)]
pub struct TestApp {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// An HTTP client with a short timeout.
    pub http: reqwest::Client,
    /// The temporary data dir (removed on drop).
    pub data_dir: tempfile::TempDir,
    /// The node's clock; only [`TestApp::advance`] moves it.
    pub clock: ManualClock,
    /// The node's shared state (store, settings).
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Folder of the repository (dialogs/, locales/).
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Settings for a test node: the test dialog, repository locales, a fresh data dir, port 0.
pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.server.shutdown_grace_s = 5;
    settings.store.path = data_dir.join("store");
    settings.paths.dialogs = repo_dir().join("tests/fixtures/dialogs");
    settings.sites[0].dialog = "visitor-test".to_owned();
    // The idle times the test dialog sets itself (the built-in site carries the demo
    // dialog's): they agree, so a test node starts without the override warning.
    settings.sites[0].idle_timeout_s = 300;
    settings.sites[0].idle_warning_s = 60;
    settings.paths.locales = repo_dir().join("locales");
    // Argon2id with production parameters is slow in debug builds: tests hash cheaply.
    settings.agent.password_hashing = staffetta::config::PasswordHashing::TestCheap;
    settings
}

/// Starts a server with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `configure` adjusts the test settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_wrapped(configure, |store| store).await
}

/// Starts a server whose every part uses the store `wrap` returns in place of its own (a
/// watch, or a store that fails on demand: `staffetta::store::Observed`).
pub async fn spawn_app_wrapped(
    configure: impl FnOnce(&mut Settings),
    wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        staffetta::telemetry::init(Default::default(), std::io::stderr, true);
    }
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(data_dir.path());
    configure(&mut settings);
    // Starts at the real time (tokens signed by tests use it), then moves only by hand.
    let clock = ManualClock::new(staffetta::store::Clock::system().now_ms());
    let server = staffetta::Server::build_wrapped(settings, clock.clock(), wrap)
        .await
        .expect("server builds");
    let state = server.state().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(listener, async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        base_url: format!("http://{addr}"),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client"),
        data_dir,
        clock,
        state,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

impl TestApp {
    /// `GET base_url + path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("request sent")
    }

    /// Moves the node's clock forward and wakes its idle timer and its retention task.
    pub fn advance(&self, by: std::time::Duration) {
        self.clock.advance(by);
        self.state.timer.notify_one();
        self.state.retention.wake();
    }

    /// Waits until the retention task has looked at the clock as it reads now (and run the
    /// passes that made due); at most ten seconds.
    pub async fn retention_caught_up(&self) {
        let now = self.clock.now_ms();
        let mut looked = self.state.retention.looked_at();
        self.state.retention.wake();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            looked.wait_for(|at| *at >= now),
        )
        .await
        .expect("the retention task looks at the clock within 10 s")
        .expect("the retention task runs");
    }

    /// Triggers shutdown and returns what `run` returned.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let handle = self.handle.take().expect("running");
        handle.await.expect("server task does not panic")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
