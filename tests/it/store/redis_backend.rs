//! The conformance suite on a private Redis, and what only Redis has: a server that is down at
//! start or goes away later, and keys that another program wrote with the wrong type.

use std::time::{Duration, Instant};

use staffetta::store::{self, Clock, RedisUrl, StoreError, StoreSettings};

use super::subject::Subject;
use crate::support::redis_server::{free_port, private_redis_or_skip};

conformance_suite!(Subject::redis);

fn redis_settings(url: &str) -> StoreSettings {
    StoreSettings {
        url: Some(RedisUrl::parse(url).unwrap()),
        connect_timeout_ms: 1_000,
        response_timeout_ms: 1_000,
        ..StoreSettings::default()
    }
}

#[tokio::test]
async fn redis_down_at_start_is_unavailable_and_the_message_hides_the_password() {
    let port = free_port().unwrap();
    let url = format!("redis://app:hunter2@127.0.0.1:{port}/0");
    let started = Instant::now();
    let err = store::open(&redis_settings(&url), Clock::system())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("redis://app:***@127.0.0.1:{port}/0")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!format!("{err:?}").contains("hunter2"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "fails fast, not after retries"
    );
}

#[tokio::test]
async fn ping_reports_unavailable_once_redis_has_gone_away() {
    let Some(mut server) = private_redis_or_skip("ping_reports_unavailable").await else {
        return;
    };
    let store = store::open(&redis_settings(&server.url()), Clock::system())
        .await
        .unwrap();
    store.ping().await.unwrap();
    server.stop();
    let err = tokio::time::timeout(Duration::from_secs(10), store.ping())
        .await
        .expect("ping answers within its timeouts")
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{}", server.port())),
        "{err}"
    );
}

#[tokio::test]
async fn a_key_of_the_wrong_type_is_reported_as_corrupt() {
    let Some(server) = private_redis_or_skip("a_key_of_the_wrong_type").await else {
        return;
    };
    let client = redis::Client::open(server.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("SET")
        .arg("stf:log:c1")
        .arg("a string, not a list")
        .query_async::<()>(&mut raw)
        .await
        .unwrap();
    let store = store::open(&redis_settings(&server.url()), Clock::system())
        .await
        .unwrap();
    let err = store.log_head("c1").await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
}

#[tokio::test]
async fn opening_redis_warns_when_the_data_dir_still_holds_an_embedded_store() {
    let Some(redis) = private_redis_or_skip(
        "opening_redis_warns_when_the_data_dir_still_holds_an_embedded_store",
    )
    .await
    else {
        return;
    };
    // The one node an installation ran before it outgrew one machine.
    let before = tempfile::tempdir().unwrap();
    let sled = StoreSettings {
        path: before.path().to_owned(),
        ..StoreSettings::default()
    };
    drop(store::open(&sled, Clock::system()).await.unwrap());
    let empty = tempfile::tempdir().unwrap();

    let (logs, _guard) = crate::support::logs::capture_logs();
    for path in [empty.path(), before.path()] {
        let settings = StoreSettings {
            path: path.to_owned(),
            ..redis_settings(&redis.url())
        };
        drop(store::open(&settings, Clock::system()).await.unwrap());
    }
    let warnings: Vec<String> = logs
        .lines()
        .into_iter()
        .filter(|line| line.contains(" WARN "))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "only the data dir with a store: {warnings:#?}"
    );
    for expected in [
        &before.path().display().to_string(),
        "nothing of it was copied to Redis",
        "Moving from one node to Redis",
    ] {
        assert!(
            warnings[0].contains(expected),
            "{expected}: {}",
            warnings[0]
        );
    }
}
