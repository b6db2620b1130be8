//! Run with `ulimit -n 20000 && cargo build --release --bin staffetta --example load && target/release/examples/load --bin target/release/staffetta --idle 10000 --turns 1000 --duration 10 --echo`
//!
//! Load tool for the visitor channel (issue 4, benchmark item). Loopback only, bounded in count
//! and time. Each measurement starts its own `staffetta serve` child process (fresh data folder,
//! per-client limits lifted) so the server's sockets and the client's sockets live in two
//! processes (the open-file limit is per process):
//!
//! - `--idle N`: N sessions with an idle websocket each; server RSS per session.
//! - `--starts N --start-clients C`: N session starts from C keep-alive HTTP clients at once;
//!   starts/s, latency p50/p99/max and server CPU per start.
//! - `--turns RATE --duration S`: open-loop bot turns over websockets; ack latency p50/p99/max.
//! - `--relay RATE --duration S`: every session handed to an agent (operators created and
//!   logged in by the tool), then an open loop of visitor messages; latency to the ack and to
//!   the agent's console.
//! - `--echo`: closed-loop maximum throughput against the server and against a bare
//!   tokio-tungstenite echo server in the same run; the ratio.
//!
//! Exits non-zero with a message when a run fails (refused session start, closed socket, error frame,
//! missing answer, timeout). Missed targets are reported, not treated as failures.

mod client;
mod echo;
mod idle;
mod relay;
mod report;
mod server;
mod starts;
mod stats;
mod throughput;
mod turns;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Parser;

/// Largest `--idle`: the server process holds one file per socket under a 20,000 limit.
const MAX_IDLE: usize = 19_000;
/// Largest `--turns` rate.
const MAX_RATE: u32 = 50_000;
/// Longest `--duration`.
const MAX_DURATION_S: u64 = 60;
/// Most sockets of a turns or throughput run, and most clients of a starts run.
const MAX_SOCKETS: usize = 1_000;
/// Largest `--starts`: each start stores a session and its welcome (sled keeps about
/// 8.5 KiB per session on disk).
const MAX_STARTS: usize = 100_000;
/// Quiet time between two measurements, after `sync`.
const PHASE_GAP: Duration = Duration::from_secs(2);
/// Bound on the whole run.
const RUN_TIMEOUT: Duration = Duration::from_secs(900);

/// Visitor channel load tool (loopback only).
#[derive(Debug, Parser)]
struct Args {
    /// The `staffetta` binary to start (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/staffetta")]
    bin: PathBuf,
    /// Idle sessions to open (each with a websocket); 0 skips the idle run.
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// Session starts to measure (anonymous visitors on the demo site); 0 skips the starts
    /// run.
    #[arg(long, default_value_t = 0)]
    starts: usize,
    /// Clients starting sessions at once, each over one keep-alive HTTP connection.
    #[arg(long, default_value_t = 16)]
    start_clients: usize,
    /// Open-loop bot turns per second; 0 skips the turns run.
    #[arg(long, default_value_t = 0)]
    turns: u32,
    /// Open-loop visitor messages per second during a handoff (each session with an agent);
    /// 0 skips the relay run.
    #[arg(long, default_value_t = 0)]
    relay: u32,
    /// Seconds of sending for `--turns`, `--relay` and `--echo`.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Sockets the turns (and the relay's messages) are spread over.
    #[arg(long, default_value_t = 50)]
    turn_sockets: usize,
    /// Run the closed-loop throughput comparison with the bare echo server.
    #[arg(long)]
    echo: bool,
    /// Sockets of the throughput comparison.
    #[arg(long, default_value_t = 32)]
    echo_sockets: usize,
    /// Messages in flight per socket in the throughput comparison.
    #[arg(long, default_value_t = 4)]
    in_flight: usize,
    /// Run the server on the Redis backend at this URL (`redis://127.0.0.1:PORT`, a Redis
    /// you started; the tool never starts one) instead of sled in a fresh folder.
    #[arg(long)]
    store_url: Option<String>,
    /// What the visitor types each turn (the demo bot answers it without changing state).
    #[arg(long, default_value = "what are your opening hours?")]
    text: String,
}

impl Args {
    fn check(&self) -> Result<()> {
        if self.idle == 0 && self.starts == 0 && self.turns == 0 && self.relay == 0 && !self.echo {
            bail!(
                "nothing to do: give --idle N, --starts N, --turns RATE, --relay RATE and/or --echo"
            );
        }
        if self.starts > MAX_STARTS {
            bail!("--starts is at most {MAX_STARTS}");
        }
        if self.idle > MAX_IDLE {
            bail!("--idle is at most {MAX_IDLE} (one server process, 20,000 open files)");
        }
        if self.turns > MAX_RATE || self.relay > MAX_RATE {
            bail!("--turns and --relay are at most {MAX_RATE}");
        }
        if !(1..=MAX_DURATION_S).contains(&self.duration) {
            bail!("--duration is 1 to {MAX_DURATION_S} seconds");
        }
        for (flag, value) in [
            ("--turn-sockets", self.turn_sockets),
            ("--echo-sockets", self.echo_sockets),
            ("--start-clients", self.start_clients),
        ] {
            if !(1..=MAX_SOCKETS).contains(&value) {
                bail!("{flag} is 1 to {MAX_SOCKETS}");
            }
        }
        if !(1..=64).contains(&self.in_flight) {
            bail!("--in-flight is 1 to 64");
        }
        if !self.bin.is_file() {
            bail!(
                "no server binary at {} (build it: cargo build --release --bin staffetta)",
                self.bin.display()
            );
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(RUN_TIMEOUT, run(&args)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(anyhow::anyhow!("the whole run took over {RUN_TIMEOUT:?}")),
        }
    });
    // Sockets still open in tasks must not hold the exit.
    runtime.shutdown_timeout(Duration::from_secs(5));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<()> {
    args.check()?;
    // The server runs in its data folder: a relative path would not resolve there.
    let bin = std::fs::canonicalize(&args.bin)?;
    report::machine(&bin);
    if let Some(url) = &args.store_url {
        if !url.starts_with("redis://127.0.0.1:") {
            bail!("--store-url must be a loopback Redis: redis://127.0.0.1:PORT");
        }
        println!("store: Redis at {url}");
    }
    let target = server::Target {
        bin: bin.clone(),
        store_url: args.store_url.clone(),
    };
    let duration = Duration::from_secs(args.duration);
    if args.idle > 0 {
        println!("\n## idle sessions ({})", args.idle);
        let idle = idle::run(&target, args.idle).await?;
        report::idle(&idle);
    }
    if args.starts > 0 {
        if args.idle > 0 {
            settle().await?;
        }
        let plan = starts::StartsPlan {
            starts: args.starts,
            clients: args.start_clients,
        };
        println!(
            "\n## session starts ({} from {} keep-alive clients)",
            plan.starts, plan.clients
        );
        let starts = starts::run(&target, &plan).await?;
        report::starts(&starts);
    }
    if args.turns > 0 {
        if args.idle > 0 || args.starts > 0 {
            settle().await?;
        }
        let plan = turns::TurnsPlan {
            rate: args.turns,
            duration,
            sockets: args.turn_sockets,
            text: args.text.clone(),
        };
        println!(
            "\n## open-loop turns ({}/s for {} s over {} sockets)",
            plan.rate, args.duration, plan.sockets
        );
        let turns = turns::run(&target, &plan).await?;
        report::turns(&plan, &turns)?;
    }
    if args.relay > 0 {
        if args.idle > 0 || args.starts > 0 || args.turns > 0 {
            settle().await?;
        }
        let plan = relay::RelayPlan {
            turns: turns::TurnsPlan {
                rate: args.relay,
                duration,
                sockets: args.turn_sockets,
                text: args.text.clone(),
            },
        };
        println!(
            "\n## relay: visitor messages to agents ({}/s for {} s over {} sockets, {} agents)",
            plan.turns.rate,
            args.duration,
            plan.turns.sockets,
            plan.agents()
        );
        let relay = relay::run(&target, &plan).await?;
        report::relay(&relay)?;
    }
    if args.echo {
        if args.idle > 0 || args.starts > 0 || args.turns > 0 || args.relay > 0 {
            settle().await?;
        }
        let plan = throughput::ThroughputPlan {
            sockets: args.echo_sockets,
            in_flight: args.in_flight,
            duration,
            text: args.text.clone(),
        };
        println!(
            "\n## closed-loop throughput vs bare echo ({} sockets x {} in flight, {} s each)",
            plan.sockets, plan.in_flight, args.duration
        );
        let comparison = throughput::run(&target, &plan).await?;
        report::throughput(&comparison)?;
    }
    Ok(())
}

/// Lets the previous measurement's leftovers drain before the next one starts, so that two
/// measurements never share the machine: `sync` writes back what its server left in the page
/// cache (its data folder is about 100 MiB after `--idle 10000`), then [`PHASE_GAP`] of quiet
/// lets its closed sockets and exited threads settle.
async fn settle() -> Result<()> {
    let synced = tokio::task::spawn_blocking(|| std::process::Command::new("sync").status())
        .await?
        .map_err(|error| anyhow::anyhow!("running sync: {error}"))?;
    if !synced.success() {
        bail!("sync failed: {synced}");
    }
    tokio::time::sleep(PHASE_GAP).await;
    Ok(())
}
