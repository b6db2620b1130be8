//! Process signals and the node's lifecycle: one token every long-lived task watches, and a
//! tracker to wait for them to finish within the drain deadline.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// Shared by every long-lived task (websockets, long-polls, timers): cancelled when the node
/// starts shutting down, and tracked so shutdown can wait for them.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    stopping: CancellationToken,
    tasks: TaskTracker,
}

impl Lifecycle {
    /// A fresh lifecycle, not stopping.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves once shutdown has begun.
    pub async fn stopping(&self) {
        self.stopping.cancelled().await;
    }

    /// Whether shutdown has begun.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Begins shutdown without waiting: every task watching [`Lifecycle::stopping`] wakes up.
    pub fn begin(&self) {
        self.stopping.cancel();
    }

    /// Starts a task that shutdown waits for.
    pub fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Begins shutdown and waits up to `deadline` for tracked tasks. Returns whether they all
    /// finished in time.
    pub async fn stop(&self, deadline: Duration) -> bool {
        self.begin();
        self.tasks.close();
        tokio::time::timeout(deadline, self.tasks.wait())
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn stop_waits_for_tasks_that_watch_the_token() {
        let lifecycle = Lifecycle::new();
        let watcher = lifecycle.clone();
        lifecycle.spawn(async move { watcher.stopping().await });
        assert!(lifecycle.stop(Duration::from_secs(5)).await);
        assert!(lifecycle.is_stopping());
    }

    #[tokio::test(start_paused = true)]
    async fn stop_gives_up_after_the_deadline() {
        let lifecycle = Lifecycle::new();
        lifecycle.spawn(std::future::pending::<()>());
        assert!(!lifecycle.stop(Duration::from_secs(5)).await);
    }
}
