//! Latency summaries (nearest-rank percentiles over every sample) and the `/proc` readings
//! the report needs: resident memory and CPU time of a process, TCP memory of the kernel.

use std::time::Duration;

use anyhow::{Context, Result};

/// Percentiles of a set of latencies.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Summary {
    /// Median.
    pub(crate) p50: Duration,
    /// 99th percentile.
    pub(crate) p99: Duration,
    /// Largest sample.
    pub(crate) max: Duration,
}

impl Summary {
    /// Sorts `samples` and reads the percentiles (nearest rank).
    pub(crate) fn of(samples: &mut [Duration]) -> Summary {
        samples.sort_unstable();
        let rank = |p: f64| -> Duration {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            // Nearest rank: the smallest sample with at least p of the samples at or below it.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let index = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index]
        };
        Summary {
            p50: rank(0.50),
            p99: rank(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }

    /// `p50 0.41 ms, p99 1.20 ms, max 3.02 ms`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "p50 {}, p99 {}, max {}",
            millis(self.p50),
            millis(self.p99),
            millis(self.max)
        )
    }
}

/// A duration in milliseconds with two decimals.
pub(crate) fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// `VmRSS` of process `pid`, in KiB.
pub(crate) fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmRSS line in /proc/{pid}/status"))
}

/// User + system CPU time of one `/proc/.../stat` file (a process or one of its threads), and
/// the thread's name.
pub(crate) fn cpu_of_stat(path: &str) -> Result<(String, Duration)> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    // `pid (comm) state ppid ...`: comm may hold spaces, so split around the parentheses.
    let open = stat.find('(').context("stat without '('")?;
    let close = stat.rfind(')').context("stat without ')'")?;
    let name = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); index 0 here is field 3 (state).
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .with_context(|| format!("field {} missing in {path}", index + 3))
    };
    let total = ticks(11)? + ticks(12)?;
    Ok((name, ticks_to_duration(total)))
}

/// CPU time used so far by process `pid` (all threads).
pub(crate) fn process_cpu(pid: u32) -> Result<Duration> {
    cpu_of_stat(&format!("/proc/{pid}/stat")).map(|(_, cpu)| cpu)
}

/// CPU time used so far by the threads of this process whose name is `name`.
pub(crate) fn own_threads_cpu(name: &str) -> Result<Duration> {
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc/self/task").context("reading /proc/self/task")? {
        let path = entry?.path().join("stat");
        // A thread may end between the listing and the read.
        if let Ok((thread, cpu)) = cpu_of_stat(&path.to_string_lossy())
            && thread == name
        {
            total += cpu;
        }
    }
    Ok(total)
}

/// Pages of memory the kernel holds for TCP sockets (`TCP: ... mem N` in
/// `/proc/net/sockstat`).
pub(crate) fn tcp_mem_pages() -> Option<u64> {
    let sockstat = std::fs::read_to_string("/proc/net/sockstat").ok()?;
    let line = sockstat.lines().find(|line| line.starts_with("TCP:"))?;
    let mut words = line.split_whitespace();
    words.find(|word| *word == "mem")?;
    words.next()?.parse().ok()
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // USER_HZ is 100 on every Linux architecture this runs on (proc(5), sysconf(_SC_CLK_TCK)).
    const USER_HZ: u64 = 100;
    Duration::from_millis(ticks * 1000 / USER_HZ)
}
