//! Running the real `staffetta` binary as a child process (CLI and crash tests).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Path of the binary Cargo built for this test run.
pub fn staffetta_bin() -> &'static str {
    env!("CARGO_BIN_EXE_staffetta")
}

/// A `staffetta` command with a clean `STAFFETTA*` environment, run in `cwd`.
pub fn command(cwd: &Path) -> Command {
    let mut cmd = Command::new(staffetta_bin());
    cmd.current_dir(cwd);
    for (name, _) in std::env::vars() {
        if name.starts_with("STAFFETTA") {
            cmd.env_remove(name);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// A served node started from the binary; killed on drop.
#[derive(Debug)]
pub struct ServedBinary {
    /// The child process.
    pub child: Child,
    /// `http://127.0.0.1:PORT` parsed from the first stdout line.
    pub base_url: String,
}

/// Starts `staffetta serve --listen 127.0.0.1:0` with extra args and waits (bounded) for the
/// "Staffetta listening on" line.
pub fn serve(cwd: &Path, extra: &[&str]) -> ServedBinary {
    serve_with_env(cwd, extra, &[])
}

/// Like [`serve`], with extra environment variables for the child.
pub fn serve_with_env(cwd: &Path, extra: &[&str], env: &[(&str, &str)]) -> ServedBinary {
    let mut cmd = command(cwd);
    cmd.envs(env.iter().copied());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn staffetta");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    let started = Instant::now();
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("no listening line after {:?}", started.elapsed()));
    let base_url = line
        .strip_prefix("Staffetta listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .trim()
        .to_owned();
    ServedBinary { child, base_url }
}

impl ServedBinary {
    /// Sends a signal (`TERM`, `KILL`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (bounded, 15 s) for the process to exit and returns its piped stderr.
    pub fn into_output(mut self) -> Vec<u8> {
        self.wait_exit(Duration::from_secs(15));
        let mut stderr = Vec::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            std::io::Read::read_to_end(&mut pipe, &mut stderr).expect("read stderr");
        }
        stderr
    }

    /// Waits (bounded) for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "process did not exit within {timeout:?}"
            );
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
