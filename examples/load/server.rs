//! The server under test: the real `staffetta` binary as a child process on 127.0.0.1:0 with a
//! fresh data folder, the per-client limits lifted (every load connection comes from loopback,
//! so the per-address limits would refuse most of them), killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

/// How long the binary may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Limits lifted for a load run; the values are far above anything the tool sends.
const LIFTED_LIMITS: [(&str, &str); 3] = [
    ("STAFFETTA__LIMITS__NEW_SESSIONS_PER_MINUTE", "10000000"),
    ("STAFFETTA__LIMITS__MESSAGES_PER_MINUTE", "10000000"),
    ("STAFFETTA__LIMITS__MAX_WEBSOCKETS_PER_IP", "1000000"),
];

/// What to start: the binary, and the store it uses.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The `staffetta` binary (an absolute path: the server runs in its data folder).
    pub(crate) bin: PathBuf,
    /// `redis://...` for the Redis backend; `None`: sled in the fresh data folder.
    pub(crate) store_url: Option<String>,
}

/// A running `staffetta serve`.
#[derive(Debug)]
pub(crate) struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// The listening address.
    pub(crate) addr: SocketAddr,
    /// Holds the data folder until the server is gone.
    data: TempDir,
}

impl Served {
    /// Starts `bin serve --listen 127.0.0.1:0 --data-dir <fresh folder>` (with the store URL of
    /// `target`, if any) in the current folder
    /// (the repository root: the server reads `./locales` and `./dialogs`) and waits (bounded)
    /// for the `Staffetta listening on` line.
    pub(crate) fn start(target: &Target) -> Result<Served> {
        Served::start_with(target, &[])
    }

    /// [`Served::start`] with more environment settings (`STAFFETTA__...` pairs) for this
    /// server only, such as an admin token.
    pub(crate) fn start_with(target: &Target, settings: &[(&str, &str)]) -> Result<Served> {
        let bin = &target.bin;
        let data = tempfile::tempdir().context("creating a data folder")?;
        let mut command = Command::new(bin);
        for (name, _) in std::env::vars() {
            if name.starts_with("STAFFETTA") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data.path().join("store"))
            .envs(LIFTED_LIMITS)
            .envs(settings.iter().copied())
            .env("RUST_LOG", "error")
            .envs(
                target
                    .store_url
                    .iter()
                    .map(|url| ("STAFFETTA__STORE__URL", url)),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let Ok(line) = rx.recv_timeout(START_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} printed no listening line within {START_TIMEOUT:?}",
                bin.display()
            );
        };
        let base_url = line
            .strip_prefix("Staffetta listening on ")
            .map(|url| url.trim().to_owned())
            .with_context(|| format!("unexpected first line from the server: {line}"))?;
        let addr = base_url
            .strip_prefix("http://")
            .and_then(|host| host.parse().ok())
            .with_context(|| format!("cannot read an address from {base_url}"))?;
        Ok(Served {
            child,
            base_url,
            addr,
            data,
        })
    }

    /// The child's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Bytes of the store's files on disk.
    pub(crate) fn store_bytes(&self) -> u64 {
        folder_bytes(&self.data.path().join("store"))
    }

    /// Fails when the server has exited.
    pub(crate) fn check_alive(&mut self) -> Result<()> {
        match self.child.try_wait()? {
            Some(status) => bail!("the server exited during the run ({status})"),
            None => Ok(()),
        }
    }
}

fn folder_bytes(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
