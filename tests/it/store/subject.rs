//! The thing under test: a fresh store of one backend plus a way to let time pass for it.

use std::sync::Arc;
use std::time::Duration;

use staffetta::store::{self, ManualClock, RedisUrl, Store, StoreSettings};

use crate::support::redis_server::{RedisServer, private_redis_or_skip};

/// Start of the manual clock of sled subjects (2023-11-14), unix ms.
const MANUAL_START_MS: i64 = 1_700_000_000_000;

/// How time passes for the backend.
enum Time {
    /// sled: the store reads this clock; tests move it.
    Manual(ManualClock),
    /// Redis expires keys on its own clock: the test waits for real, with short TTLs.
    Real,
}

/// What keeps the backend alive while the test runs.
#[expect(dead_code, reason = "held only so that it is dropped with the subject")]
enum Keep {
    Dir(tempfile::TempDir),
    Redis(RedisServer),
}

/// A fresh, empty store of one backend.
pub(crate) struct Subject {
    pub(crate) store: Arc<dyn Store>,
    time: Time,
    _keep: Keep,
}

impl Subject {
    /// sled in a new temporary dir, on a manual clock.
    pub(crate) async fn sled(_test: &str) -> Option<Subject> {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(MANUAL_START_MS);
        let settings = StoreSettings {
            path: dir.path().join("data"),
            ..StoreSettings::default()
        };
        let store = store::open(&settings, clock.clock()).await.unwrap();
        assert_eq!(store.backend(), "sled");
        Some(Subject {
            store,
            time: Time::Manual(clock),
            _keep: Keep::Dir(dir),
        })
    }

    /// A private redis-server of its own; `None` when skipped (see `private_redis_or_skip`).
    pub(crate) async fn redis(test: &str) -> Option<Subject> {
        let server = private_redis_or_skip(test).await?;
        let settings = StoreSettings {
            url: Some(RedisUrl::parse(server.url()).unwrap()),
            ..StoreSettings::default()
        };
        let store = store::open(&settings, ManualClock::new(0).clock())
            .await
            .unwrap();
        assert_eq!(store.backend(), "redis");
        Some(Subject {
            store,
            time: Time::Real,
            _keep: Keep::Redis(server),
        })
    }

    /// A TTL that [`Self::let_pass`] can outlive: long on a manual clock, 500 ms on Redis
    /// (long enough for a few commands on a loaded machine, short enough for a test).
    pub(crate) fn short_ttl(&self) -> Duration {
        match self.time {
            Time::Manual(_) => Duration::from_secs(60),
            Time::Real => Duration::from_millis(500),
        }
    }

    /// Makes `ttl` pass for the store: advances the manual clock, or sleeps on Redis (with a
    /// margin for Redis' expiry precision).
    pub(crate) async fn let_pass(&self, ttl: Duration) {
        match &self.time {
            Time::Manual(clock) => clock.advance(ttl + Duration::from_millis(1)),
            Time::Real => tokio::time::sleep(ttl + Duration::from_millis(150)).await,
        }
    }
}
