//! A private `redis-server` for one test (or one bench run): loopback only, on a free port,
//! no persistence, its files in a temporary dir, killed on drop. Never the system's 6379.
//!
//! Also included by `benches/store_append.rs` through `#[path]`, so it depends on nothing
//! else in the test harness.

use std::io::{self, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Set to `1` to skip (loudly) the tests that need `redis-server` when it is not installed.
pub(crate) const SKIP_ENV: &str = "STAFFETTA_SKIP_REDIS";

/// How long a fresh server may take to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a private Redis could not be started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RedisServerError {
    /// `redis-server` is not on `PATH`.
    #[error(
        "`redis-server` is not installed (install it with `apt-get install -y redis-server`, \
         or set {SKIP_ENV}=1 to skip the Redis runs)"
    )]
    NotInstalled,
    /// Spawning the process or preparing its dir failed.
    #[error("cannot start redis-server: {0}")]
    Io(#[from] io::Error),
    /// The process exited or never answered on its port (the log tail says why).
    #[error("redis-server on port {port} did not become ready: {log}")]
    NotReady {
        /// The port it was given.
        port: u16,
        /// The end of its log file.
        log: String,
    },
}

/// A running private Redis. Dropping it kills the process and removes its dir.
#[derive(Debug)]
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits (bounded) until it answers, as itself
    /// (checked by process id), on that port.
    /// Retries on another port if the chosen one was taken meanwhile.
    pub(crate) async fn start() -> Result<Self, RedisServerError> {
        let mut last_error = None;
        for _attempt in 0..5 {
            match Self::start_once().await {
                Ok(server) => return Ok(server),
                Err(RedisServerError::NotInstalled) => return Err(RedisServerError::NotInstalled),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or(RedisServerError::NotInstalled))
    }

    async fn start_once() -> Result<Self, RedisServerError> {
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let log_file = dir.path().join("redis.log");
        let spawned = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(RedisServerError::NotInstalled);
            }
            Err(error) => return Err(error.into()),
        };
        let mut server = Self { child, port, dir };
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            // The pid check matters: if another test's server took the port first, ours
            // exits and theirs would answer.
            if server_pid(port).await == Some(server.child.id()) {
                return Ok(server);
            }
            let exited = matches!(server.child.try_wait(), Ok(Some(_)));
            if exited || tokio::time::Instant::now() >= deadline {
                return Err(RedisServerError::NotReady {
                    port,
                    log: server.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server now (to test what clients do when Redis goes away).
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is answered, as when
    /// Redis stalls; [`Self::resume`] lets it go on with its data intact.
    pub(crate) fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a [`Self::pause`]d server answer again (SIGCONT).
    pub(crate) fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} redis-server");
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private server for a test, or `None` (after a loud line on stderr) when `redis-server`
/// is missing and [`SKIP_ENV`]`=1`. Panics with the reason otherwise: a missing Redis must
/// fail the run, not pass it silently.
pub(crate) async fn private_redis_or_skip(test: &str) -> Option<RedisServer> {
    match RedisServer::start().await {
        Ok(server) => Some(server),
        Err(RedisServerError::NotInstalled)
            if std::env::var(SKIP_ENV).is_ok_and(|value| value == "1") =>
        {
            // Straight to stderr, past the test harness' output capture: a skip must show.
            let _ = writeln!(
                io::stderr(),
                "!!!! STAFFETTA_REDIS_SKIPPED: {test} did NOT run against Redis \
                 ({SKIP_ENV}=1 and redis-server is not installed) !!!!"
            );
            None
        }
        Err(error) => panic!("{test}: {error}"),
    }
}

/// A port nobody listens on right now (the OS picks it; we release it at once). Never
/// Redis' default 6379.
pub(crate) fn free_port() -> io::Result<u16> {
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        if port != 6379 {
            return Ok(port);
        }
    }
}

/// The `process_id` of the Redis answering `INFO server` on `port`, if one answers.
async fn server_pid(port: u16) -> Option<u32> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await?;
        stream.write_all(b"INFO server\r\n").await?;
        let mut reply = Vec::new();
        let mut chunk = [0_u8; 4096];
        // A bulk string: `$<len>\r\n<len bytes>\r\n`.
        loop {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            reply.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&reply);
            let complete = text.split_once("\r\n").is_some_and(|(header, body)| {
                header
                    .strip_prefix('$')
                    .and_then(|len| len.parse::<usize>().ok())
                    .is_some_and(|len| body.len() >= len + 2)
            });
            if complete {
                break;
            }
        }
        io::Result::Ok(String::from_utf8_lossy(&reply).into_owned())
    };
    let info = tokio::time::timeout(Duration::from_millis(500), attempt)
        .await
        .ok()?
        .ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
}
