//! What the tool prints: machine facts, each run's figures and the targets met or
//! missed. A run with error frames or missing answers is a failure, not a figure.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::idle::IdleReport;
use crate::relay::RelayReport;
use crate::starts::StartsReport;
use crate::stats::millis;
use crate::throughput::{Comparison, Side};
use crate::turns::{TurnsPlan, TurnsReport};

/// Idle target: 10,000 sessions under 300 MiB of server RSS.
const IDLE_TARGET_KIB: u64 = 300 * 1024;
/// Turns target: p99 under 5 ms at 1,000 turns/s.
const TURN_P99_TARGET: Duration = Duration::from_millis(5);
/// Rate the turn latency target is stated at.
const TURN_TARGET_RATE: u32 = 1_000;
/// Throughput target: at least half the bare echo's.
const RATIO_TARGET: f64 = 0.5;

/// Cores, kernel, open-file limit and binary.
pub(crate) fn machine(bin: &Path) {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let files = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|line| line.starts_with("Max open files"))
                .map(|line| {
                    line.split_whitespace()
                        .skip(3)
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" / ")
                })
        })
        .unwrap_or_default();
    println!(
        "machine: {cores} cores, kernel {}, open files (soft / hard) {files}, server {}",
        kernel.trim(),
        bin.display()
    );
}

/// The idle run.
pub(crate) fn idle(report: &IdleReport) {
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    println!(
        "  server RSS: empty {}, after the session starts {}, with every socket open {}",
        mib(report.baseline_kib),
        mib(report.after_starts_kib),
        mib(report.loaded_kib)
    );
    println!(
        "  per session over the empty server: {:.1} KiB (session start {:.1} KiB + open websocket {:.1} KiB)",
        report.per_session_kib(),
        report.per_start_kib(),
        report.per_socket_kib()
    );
    println!(
        "  session starts {:.1} s, store on disk {:.1} MiB, socket opens {:.1} s, kernel TCP memory {} pages",
        report.starts.as_secs_f64(),
        report.store_bytes as f64 / 1024.0 / 1024.0,
        report.connects.as_secs_f64(),
        report
            .tcp_mem_pages
            .map_or_else(|| "?".to_owned(), |pages| pages.to_string())
    );
    // The target is stated for 10,000 sessions: scale the measured cost to that count.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at_target = report.baseline_kib + (report.per_session_kib() * 10_000.0) as u64;
    verdict(
        &format!(
            "10,000 idle sessions under 300 MiB RSS (measured at {}: {})",
            report.sessions,
            mib(at_target)
        ),
        at_target < IDLE_TARGET_KIB,
    );
}

/// The session-start run (no target: figures only).
pub(crate) fn starts(report: &StartsReport) {
    println!(
        "  started {} in {:.2} s: {:.0} starts/s",
        report.started,
        report.elapsed.as_secs_f64(),
        report.rate()
    );
    println!("  latency (send -> 201): {}", report.latency.describe());
    println!(
        "  server CPU: {} per start ({:.2} s in all); store on disk {:.1} MiB",
        per_message(report.server_cpu, report.started),
        report.server_cpu.as_secs_f64(),
        report.store_bytes as f64 / 1024.0 / 1024.0
    );
    if let Some(redis_cpu) = report.redis_cpu {
        println!(
            "  Redis server CPU: {} per start ({:.2} s in all)",
            per_message(redis_cpu, report.started),
            redis_cpu.as_secs_f64()
        );
    }
}

/// The open-loop run.
pub(crate) fn turns(plan: &TurnsPlan, report: &TurnsReport) -> Result<()> {
    println!(
        "  sent {}, acked {}, errors {}; achieved {:.0} turns/s",
        report.sent,
        report.acked,
        report.errors,
        report.achieved_rate()
    );
    println!("  ack latency (send -> ack): {}", report.latency.describe());
    println!(
        "  ack latency (due -> ack):  {}",
        report.latency_from_due.describe()
    );
    println!(
        "  server CPU: {} per turn ({:.2} s in all)",
        per_message(report.server_cpu, report.acked),
        report.server_cpu.as_secs_f64()
    );
    no_failures("turns", report)?;
    let label = format!(
        "turn p99 < 5 ms at 1,000 turns/s (measured at {}/s: {})",
        plan.rate,
        millis(report.latency.p99)
    );
    if plan.rate >= TURN_TARGET_RATE {
        verdict(&label, report.latency.p99 < TURN_P99_TARGET);
    } else {
        println!("  target not judged: {label} needs --turns 1000 or more");
    }
    Ok(())
}

/// Fails when some of an open loop's `what` got an error frame or no answer.
fn no_failures(what: &str, report: &TurnsReport) -> Result<()> {
    if report.errors > 0 {
        bail!(
            "{} {what} failed; first: {}",
            report.errors,
            report.first_error.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

/// The relay run (no target of its own: a figure for the handoff path).
pub(crate) fn relay(report: &RelayReport) -> Result<()> {
    let visitors = &report.visitors;
    println!(
        "  sent {}, acked {}, delivered to a console {}, errors {}; achieved {:.0} messages/s",
        visitors.sent,
        visitors.acked,
        report.delivered,
        visitors.errors + report.console_errors.len(),
        visitors.achieved_rate()
    );
    println!(
        "  ack latency (send -> ack):                {}",
        visitors.latency.describe()
    );
    println!(
        "  delivery latency (send -> agent console): {}",
        report.delivery.describe()
    );
    println!(
        "  server CPU: {} per message ({:.2} s in all)",
        per_message(visitors.server_cpu, visitors.acked),
        visitors.server_cpu.as_secs_f64()
    );
    no_failures("visitor messages", visitors)?;
    if let Some(first) = report.console_errors.first() {
        bail!(
            "{} console errors; first: {first}",
            report.console_errors.len()
        );
    }
    Ok(())
}

/// The closed-loop comparison.
pub(crate) fn throughput(comparison: &Comparison) -> Result<()> {
    for (name, side) in [
        ("staffetta (bot turn, done at ack)", &comparison.staffetta),
        (
            "staffetta (websocket layer: ping, done at pong)",
            &comparison.channel,
        ),
        ("bare echo", &comparison.echo),
    ] {
        println!(
            "  {name}: {:.0} msgs/s, latency {}, server CPU {} per message",
            side.rate(),
            side.latency.describe(),
            per_message(side.server_cpu, side.completed)
        );
    }
    for side in [&comparison.staffetta, &comparison.channel, &comparison.echo] {
        failed(side)?;
    }
    println!(
        "  websocket layer alone: {:.1}% of the bare echo (not a target; shows where the turn's cost is)",
        comparison.channel_ratio() * 100.0
    );
    verdict(
        &format!(
            "throughput >= 50% of the bare echo (ratio {:.1}%)",
            comparison.ratio() * 100.0
        ),
        comparison.ratio() >= RATIO_TARGET,
    );
    Ok(())
}

fn failed(side: &Side) -> Result<()> {
    if side.errors > 0 {
        bail!(
            "{} sockets failed; first: {}",
            side.errors,
            side.first_error.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

fn per_message(cpu: Duration, count: usize) -> String {
    let micros = cpu.as_secs_f64() * 1e6 / count.max(1) as f64;
    format!("{micros:.0} µs")
}

fn verdict(label: &str, met: bool) {
    println!("  target {}: {label}", if met { "MET" } else { "MISSED" });
}
