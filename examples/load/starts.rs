//! `--starts N --start-clients C`: N anonymous session starts on the demo site from C clients
//! over keep-alive HTTP. Each client is its own connection pool of one connection and sends its
//! next start when the previous one has answered (a closed loop), so the figure is what C
//! visitors starting at once get from one server. Every client first makes one start that is
//! not counted (it opens the connection). Latency runs from the send to the whole `201` body
//! (the server answers after the welcome and the visitor's MAU count are durable). Server CPU
//! is utime+stime from `/proc/PID/stat` over the counted starts; with `--store-url`, the
//! Redis server's too (its pid from `INFO server`: the tool accepts loopback Redis only).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::client::{CALL_TIMEOUT, ORIGIN, SITE};
use crate::server::{Served, Target};
use crate::stats::{self, Summary};

/// Bound on the counted starts of one run (the warm-up starts have [`CALL_TIMEOUT`] each).
const STEP_TIMEOUT: Duration = Duration::from_secs(240);

/// A session-start run.
#[derive(Clone, Debug)]
pub(crate) struct StartsPlan {
    /// Starts to count.
    pub(crate) starts: usize,
    /// Clients starting sessions at once, one keep-alive connection each.
    pub(crate) clients: usize,
}

/// What the session-start run measured.
#[derive(Debug)]
pub(crate) struct StartsReport {
    /// Counted starts answered `201`.
    pub(crate) started: usize,
    /// From the first counted send to the last answer.
    pub(crate) elapsed: Duration,
    /// Send → whole `201` body.
    pub(crate) latency: Summary,
    /// Server CPU time (user + system) over the counted starts.
    pub(crate) server_cpu: Duration,
    /// The Redis server's CPU time over the counted starts, on Redis.
    pub(crate) redis_cpu: Option<Duration>,
    /// Bytes of the store on disk after the run (sled; 0 on Redis).
    pub(crate) store_bytes: u64,
}

impl StartsReport {
    /// Counted starts per second.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn rate(&self) -> f64 {
        self.started as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// One client: its connection and what it measured.
struct StartClient {
    http: reqwest::Client,
    url: String,
    /// Distinguishes this run's visitors from earlier runs' on the same Redis, so that every
    /// start counts a new visitor in the month's MAU set.
    run_tag: String,
}

impl StartClient {
    fn new(base_url: &str, run_tag: &str) -> Result<StartClient> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()
            .context("building an HTTP client")?;
        Ok(StartClient {
            http,
            url: format!("{base_url}/api/v1/sites/{SITE}/sessions"),
            run_tag: run_tag.to_owned(),
        })
    }

    /// Starts the session of visitor `name`; any answer but `201` with a session id is an
    /// error.
    async fn start(&self, name: &str) -> Result<()> {
        let body = json!({
            "anonymous_id": format!("load-{}-{name}", self.run_tag),
            "locale": "en",
        });
        let response = self
            .http
            .post(&self.url)
            .header("origin", ORIGIN)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("session start {name}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("session start {name}: reading the answer"))?;
        if status != reqwest::StatusCode::CREATED {
            bail!("session start {name} answered {status}: {text}");
        }
        if !text.contains("\"session_id\"") {
            bail!("session start {name} answered without a session_id: {text}");
        }
        Ok(())
    }
}

/// Runs the session starts against a fresh server.
pub(crate) async fn run(target: &Target, plan: &StartsPlan) -> Result<StartsReport> {
    let mut server = Served::start(target)?;
    // The two process ids: a later run on the same Redis gets other ones.
    let run_tag = format!("{}-{}", std::process::id(), server.pid());
    let clients: Vec<Arc<StartClient>> = (0..plan.clients)
        .map(|_| StartClient::new(&server.base_url, &run_tag).map(Arc::new))
        .collect::<Result<_>>()?;
    let warm_ups = clients
        .iter()
        .enumerate()
        .map(|(index, client)| {
            let client = Arc::clone(client);
            tokio::spawn(async move { client.start(&format!("warm-{index}")).await })
        })
        .collect::<Vec<_>>();
    for warm_up in warm_ups {
        warm_up.await.context("a warm-up task panicked")??;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let redis_pid = match &target.store_url {
        Some(url) => Some(redis_pid(url).await?),
        None => None,
    };
    let redis_cpu_before = redis_pid.map(stats::process_cpu).transpose()?;
    let cpu_before = stats::process_cpu(server.pid())?;
    let next = Arc::new(AtomicUsize::new(0));
    let started_at = Instant::now();
    let tasks = clients
        .into_iter()
        .map(|client| {
            let next = Arc::clone(&next);
            let starts = plan.starts;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= starts {
                        return Ok(latencies);
                    }
                    let sent = Instant::now();
                    if let Err(error) = client.start(&format!("{index:08}")).await {
                        // The other clients stop after their current start.
                        next.store(starts, Ordering::Relaxed);
                        return Err(error);
                    }
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect::<Vec<_>>();
    let collect = async {
        let mut latencies = Vec::with_capacity(plan.starts);
        for task in tasks {
            let done: Result<Vec<Duration>> = task.await.context("a client task panicked")?;
            latencies.extend(done?);
        }
        anyhow::Ok(latencies)
    };
    let mut latencies = tokio::time::timeout(STEP_TIMEOUT, collect)
        .await
        .with_context(|| format!("{} session starts took over {STEP_TIMEOUT:?}", plan.starts))??;
    let elapsed = started_at.elapsed();
    server.check_alive()?;
    let server_cpu = stats::process_cpu(server.pid())?.saturating_sub(cpu_before);
    let redis_cpu = match (redis_pid, redis_cpu_before) {
        (Some(pid), Some(before)) => Some(stats::process_cpu(pid)?.saturating_sub(before)),
        _ => None,
    };
    Ok(StartsReport {
        started: latencies.len(),
        elapsed,
        latency: Summary::of(&mut latencies),
        server_cpu,
        redis_cpu,
        store_bytes: server.store_bytes(),
    })
}

/// The process id of the Redis at `url` (`process_id` of `INFO server`).
async fn redis_pid(url: &str) -> Result<u32> {
    let client = redis::Client::open(url).with_context(|| format!("opening {url}"))?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut connection)
        .await
        .with_context(|| format!("INFO server at {url}"))?;
    info.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
        .with_context(|| format!("no process_id in INFO server at {url}"))
}
