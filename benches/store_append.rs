//! Store append throughput and latency, sled and Redis: one conversation turn (visitor
//! message + bot reply + session record compare-and-set) as one durable append; and the
//! reads a socket's catch-up makes (`read_log` of a page, `log_head`), on a whole log and on
//! a trimmed one (on Redis both are Lua scripts, and a trimmed log's list has moved behind a
//! format marker).
//!
//! Run with `cargo bench --bench store_append`. Redis runs on a private `redis-server`
//! (loopback, free port, no persistence); it is skipped with a message when not installed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use staffetta::store::{
    self, AppendBatch, AppendOutcome, Clock, RecordWrite, RedisUrl, Store, StoreSettings,
};
use tokio::runtime::Runtime;

#[path = "../tests/it/support/redis_server.rs"]
#[allow(dead_code, reason = "the bench uses only part of the test helper")]
mod redis_server;

/// Concurrent writers, each on its own conversation.
const WRITERS: u64 = 16;
/// Appends timed one by one for the latency percentiles.
const LATENCY_SAMPLES: usize = 1_000;

/// One writer's conversation: appends turns and keeps its session record's version.
struct Conversation {
    store: Arc<dyn Store>,
    id: String,
    turn: u64,
    session_version: Option<u64>,
}

impl Conversation {
    fn new(store: Arc<dyn Store>, id: String) -> Self {
        Self {
            store,
            id,
            turn: 0,
            session_version: None,
        }
    }

    /// Appends one turn: a ~100-byte visitor message, a ~300-byte bot reply, a 1 KiB session.
    async fn turn(&mut self) {
        self.turn += 1;
        let visitor = format!(
            "{{\"from\":\"visitor\",\"text\":\"message {:>60}\"}}",
            self.turn
        );
        let batch = AppendBatch {
            schedule: None,
            client_message_id: Some(format!("{}-{}", self.id, self.turn)),
            fingerprint: Some(Bytes::from(visitor.clone())),
            entries: vec![Bytes::from(visitor), Bytes::from(vec![b'r'; 300])],
            record: Some(RecordWrite {
                key: format!("session:{}", self.id),
                expected_version: self.session_version,
                value: Bytes::from(vec![b's'; 1024]),
                ttl: Some(Duration::from_secs(1800)),
            }),
            guard: None,
            also: Vec::new(),
        };
        match self.store.append(&self.id, batch).await {
            Ok(AppendOutcome::Appended { record_version, .. }) => {
                self.session_version = record_version;
            }
            other => panic!("bench append failed: {other:?}"),
        }
    }
}

fn bench_backend(criterion: &mut Criterion, runtime: &Runtime, store: &Arc<dyn Store>) {
    let backend = store.backend();
    let mut group = criterion.benchmark_group(format!("store_append/{backend}"));
    let run = Arc::new(std::sync::atomic::AtomicU64::new(0));

    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("turn", "1_writer"), |bencher| {
        let id = run.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut conversation = Conversation::new(Arc::clone(store), format!("one-{id}"));
        bencher.iter_custom(|iterations| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    conversation.turn().await;
                }
                started.elapsed()
            })
        });
    });

    group.throughput(Throughput::Elements(WRITERS));
    group.bench_function(
        BenchmarkId::new("turn", format!("{WRITERS}_writers")),
        |bencher| {
            bencher.iter_custom(|iterations| {
                let id = run.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                runtime.block_on(async {
                    let started = Instant::now();
                    let writers: Vec<_> = (0..WRITERS)
                        .map(|writer| {
                            let mut conversation =
                                Conversation::new(Arc::clone(store), format!("many-{id}-{writer}"));
                            tokio::spawn(async move {
                                for _ in 0..iterations {
                                    conversation.turn().await;
                                }
                            })
                        })
                        .collect();
                    for writer in writers {
                        writer.await.expect("writer task");
                    }
                    started.elapsed()
                })
            });
        },
    );
    group.finish();

    // `cargo test --all-targets` runs benches once as a smoke test; percentiles are for
    // `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        print_latencies(runtime, store);
    }
    bench_reads(criterion, runtime, store);
}

/// Turns in each conversation the read benchmarks read (two entries per turn).
const READ_TURNS: u64 = 200;
/// Entries per read, as a socket's catch-up pages the log.
const READ_PAGE: usize = 50;

/// `read_log` of one page from the middle of a 400-entry log and `log_head`, on a log as
/// written and on one whose first half was trimmed.
fn bench_reads(criterion: &mut Criterion, runtime: &Runtime, store: &Arc<dyn Store>) {
    let backend = store.backend();
    let whole = format!("read-whole-{backend}");
    let trimmed = format!("read-trimmed-{backend}");
    runtime.block_on(async {
        for id in [&whole, &trimmed] {
            let mut conversation = Conversation::new(Arc::clone(store), id.clone());
            for _ in 0..READ_TURNS {
                conversation.turn().await;
            }
        }
        store.trim_log(&trimmed, READ_TURNS).await.expect("trim");
    });
    let middle = READ_TURNS + 50;
    let mut group = criterion.benchmark_group(format!("store_read/{backend}"));
    group.throughput(Throughput::Elements(1));
    for (name, log) in [("whole", &whole), ("trimmed", &trimmed)] {
        group.bench_function(BenchmarkId::new("page_of_50", name), |bencher| {
            bencher.iter(|| {
                let page = runtime
                    .block_on(store.read_log(log, middle, READ_PAGE))
                    .expect("read_log");
                assert_eq!(page.len(), READ_PAGE);
                page
            });
        });
        group.bench_function(BenchmarkId::new("log_head", name), |bencher| {
            bencher.iter(|| {
                let head = runtime.block_on(store.log_head(log)).expect("log_head");
                assert_eq!(head, 2 * READ_TURNS);
                head
            });
        });
    }
    group.finish();
}

/// Per-append latency percentiles, one writer and 16 concurrent writers.
fn print_latencies(runtime: &Runtime, store: &Arc<dyn Store>) {
    let backend = store.backend();
    for writers in [1, WRITERS] {
        let per_writer = LATENCY_SAMPLES / usize::try_from(writers).unwrap_or(1);
        let mut samples: Vec<Duration> = runtime.block_on(async {
            let tasks: Vec<_> = (0..writers)
                .map(|writer| {
                    let mut conversation =
                        Conversation::new(Arc::clone(store), format!("latency-{writers}-{writer}"));
                    tokio::spawn(async move {
                        let mut samples = Vec::with_capacity(per_writer);
                        for _ in 0..per_writer {
                            let started = Instant::now();
                            conversation.turn().await;
                            samples.push(started.elapsed());
                        }
                        samples
                    })
                })
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.expect("latency task"));
            }
            all
        });
        samples.sort_unstable();
        let at = |quantile: f64| {
            let index = ((samples.len() as f64 - 1.0) * quantile).round() as usize;
            samples[index.min(samples.len() - 1)]
        };
        println!(
            "store_append/{backend}/latency/{writers}_writer(s): n={} p50={:?} p99={:?} max={:?}",
            samples.len(),
            at(0.50),
            at(0.99),
            at(1.0)
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    let dir = tempfile::tempdir().expect("temporary data dir");
    let sled_settings = StoreSettings {
        path: dir.path().join("data"),
        ..StoreSettings::default()
    };
    let sled = runtime
        .block_on(store::open(&sled_settings, Clock::system()))
        .expect("open sled");
    bench_backend(&mut criterion, &runtime, &sled);
    drop(sled);

    match runtime.block_on(redis_server::RedisServer::start()) {
        Ok(server) => {
            let redis_settings = StoreSettings {
                url: Some(RedisUrl::parse(server.url()).expect("private redis url")),
                ..StoreSettings::default()
            };
            let redis = runtime
                .block_on(store::open(&redis_settings, Clock::system()))
                .expect("open redis");
            bench_backend(&mut criterion, &runtime, &redis);
        }
        Err(error) => println!("store_append/redis: SKIPPED, {error}"),
    }

    criterion.final_summary();
}
