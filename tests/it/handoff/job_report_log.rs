//! The report of finished jobs on a long, trimmed log, on sled and on a private Redis (each
//! case runs as `on_sled::<case>` and `on_redis::<case>`): a page reads a bounded number of
//! log entries and hands a cursor on when it reaches the bound, the range is found in a log
//! whose front retention trimmed, and a summary of a range of more than 100,000 entries is
//! refused before it is read. Deleted jobs are stood in for by pointer entries whose records
//! are gone, appended in batches of one write each.

use serde_json::json;
use staffetta::config::Settings;

use super::ADMIN_TOKEN;
use super::job_report::{admin_get, at, job, notes, page, store};
use crate::retention::chat_id;
use crate::support::redis_server::{RedisServer, private_redis_or_skip};
use crate::support::{TestApp, spawn_app_with};

/// Pointer entries appended in one write.
const BATCH: usize = 1_000;

#[tokio::test]
async fn on_sled_a_long_trimmed_log_is_paged_with_bounded_reads_and_a_huge_summary_refused() {
    long_trimmed_log(None).await;
}

#[tokio::test]
async fn on_redis_a_long_trimmed_log_is_paged_with_bounded_reads_and_a_huge_summary_refused() {
    let test = "on_redis_a_long_trimmed_log_is_paged_with_bounded_reads_and_a_huge_summary_refused";
    let Some(redis) = private_redis_or_skip(test).await else {
        return;
    };
    long_trimmed_log(Some(redis)).await;
}

/// Appends `count` entries pointing at records that do not exist (deleted jobs), finished
/// at `at_ms`.
async fn append_deleted(app: &TestApp, count: usize, at_ms: i64) {
    let mut left = count;
    while left > 0 {
        let now = left.min(BATCH);
        let entries = (0..now)
            .map(|_| {
                let id = uuid::Uuid::now_v7();
                bytes::Bytes::from(json!({"id": id.to_string(), "at": at_ms}).to_string())
            })
            .collect();
        let batch = staffetta::store::AppendBatch {
            schedule: None,
            client_message_id: None,
            fingerprint: None,
            entries,
            record: None,
            guard: None,
            also: Vec::new(),
        };
        app.state.store.append("jobs:demo", batch).await.unwrap();
        left -= now;
    }
}

async fn long_trimmed_log(redis: Option<RedisServer>) {
    let redis_url = redis.as_ref().map(RedisServer::url);
    let app = spawn_app_with(move |settings: &mut Settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        if let Some(url) = redis_url {
            settings.store.url = Some(staffetta::store::RedisUrl::parse(url).unwrap());
        }
    })
    .await;
    let expected_backend = if redis.is_some() { "redis" } else { "sled" };
    assert_eq!(app.state.store.backend(), expected_backend);
    let visitor = app.visitor_with(&json!({ "user_id": "regular" })).await;
    let conversation = chat_id(&visitor);
    let job_at = |time: &str, note: &str| job("op-ada", &conversation, "default", at(time), note);

    // A job that retention takes off the front of the log, one it keeps, 6,000 deleted ones,
    // the newest.
    store(&app, &job_at("2025-02-01T00:00:00Z", "TRIMMED")).await;
    store(&app, &job_at("2025-03-01T00:00:00Z", "OLD")).await;
    let cutoff = at("2025-02-15T00:00:00Z").as_millisecond();
    let aged = staffetta::desk::jobs::forget_older_than(&app.state, "demo", cutoff, 100)
        .await
        .unwrap();
    assert_eq!(aged.trimmed, 1);
    append_deleted(&app, 6_000, at("2025-03-02T00:00:00Z").as_millisecond()).await;
    store(&app, &job_at("2025-03-03T00:00:00Z", "NEW")).await;

    // The first page stops after 5,000 entries with one job and a cursor; the next has the
    // rest.
    let (first, cursor) = page(&app, "limit=10").await;
    assert_eq!(notes(&first), ["NEW"]);
    let (second, last) = page(&app, &format!("limit=10&cursor={}", cursor.unwrap())).await;
    assert_eq!((notes(&second), last), (vec!["OLD"], None));
    // Ranges found in the trimmed log.
    let (jobs, _) = page(&app, "from=2025-01-01&to=2025-03-02").await;
    assert_eq!(notes(&jobs), ["OLD"]);
    let (jobs, cursor) = page(&app, "to=2025-02-28").await;
    assert_eq!((jobs.len(), cursor), (0, None));
    let (jobs, _) = page(&app, "from=2025-03-02T12:00:00Z").await;
    assert_eq!(notes(&jobs), ["NEW"]);
    let (status, summary) = admin_get(&app, "jobs/summary", "").await;
    assert_eq!(
        (status, &summary["total"]["jobs"]),
        (200, &json!(2)),
        "{summary}"
    );

    // 100,001 entries in a range are too many for a summary; a narrower range is not.
    append_deleted(&app, 94_001, at("2025-03-04T00:00:00Z").as_millisecond()).await;
    let (status, body) = admin_get(&app, "jobs/summary", "from=2025-03-01").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("range_too_large")),
        "{body}"
    );
    let (status, summary) = admin_get(&app, "jobs/summary", "to=2025-03-04").await;
    assert_eq!(
        (status, &summary["total"]["jobs"]),
        (200, &json!(2)),
        "{summary}"
    );
}
