//! Fixed-window rate limits. With a store that several nodes share (Redis) the counts live in
//! the store, so every node sees the same counts; with a store of this node alone (sled) they
//! live in the node's memory ([`Counting::Node`]), so a visitor message does not pay a durable
//! write for its limit.
//!
//! Windows are aligned to the clock (`now / window`), and the counter name carries the window
//! number: the answer to a refused request is exact (`Retry-After` is the time left in the
//! current window), and a counter is written with a time to live of that same remainder so
//! the store forgets it as soon as it stops mattering. The cost is the usual one of fixed
//! windows: a client can fit up to twice the limit around a window boundary.

use std::time::Duration;

use crate::config::LimitSettings;
use crate::error::ApiError;
use std::sync::Arc;

use crate::store::{Clock, Store, StoreError};

use super::ClientKey;
use super::node_counters::NodeCounters;

/// The window of the per-minute limits.
const MINUTE: Duration = Duration::from_secs(60);

/// A refused request: the client is over its limit for the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limit reached; retry in {retry_after_s} s")]
pub struct Limited {
    /// Whole seconds until the window ends (at least 1), for `Retry-After`.
    pub retry_after_s: u64,
}

/// Why [`RateLimiter::check`] did not let a request through.
#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    /// The client is over its limit.
    #[error(transparent)]
    Limited(#[from] Limited),
    /// The counter could not be read or written; the request should fail as unavailable
    /// rather than slip past the limit.
    #[error("rate counter unavailable: {0}")]
    Store(#[from] StoreError),
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        ApiError::too_many(
            "rate_limited",
            format!(
                "Too many requests; please retry in {} seconds.",
                limited.retry_after_s
            ),
            limited.retry_after_s,
        )
    }
}

impl From<RateLimitError> for ApiError {
    fn from(error: RateLimitError) -> Self {
        match error {
            RateLimitError::Limited(limited) => limited.into(),
            RateLimitError::Store(cause) => ApiError::unavailable(&cause),
        }
    }
}

/// Where a [`RateLimiter`] keeps its counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// In this node's memory: right when no other node serves the same visitors (sled).
    Node,
    /// In the store's counters ([`Store::incr`]): every node sharing the store sees them.
    Store,
}

impl Counting {
    /// The store's counters when other nodes may share the store, this node's memory when not.
    pub fn for_store(store: &dyn Store) -> Self {
        if store.is_shared() {
            Self::Store
        } else {
            Self::Node
        }
    }
}

/// Counts requests per key in fixed windows. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    limits: LimitSettings,
    clock: Clock,
    /// `Some` for [`Counting::Node`].
    node: Option<Arc<NodeCounters>>,
}

impl RateLimiter {
    /// A limiter applying `limits`, with windows aligned to `clock` (the same clock the
    /// store uses, so tests can move both with one `ManualClock`), counting as `counting`
    /// says.
    pub fn new(limits: LimitSettings, clock: Clock, counting: Counting) -> Self {
        let node = (counting == Counting::Node).then(|| Arc::new(NodeCounters::default()));
        Self {
            limits,
            clock,
            node,
        }
    }

    /// Counts one request against `key` and refuses it when more than `limit` requests
    /// were counted in the current `window` (a window shorter than 1 ms counts as 1 ms).
    pub async fn check(
        &self,
        store: &dyn Store,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), RateLimitError> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        let now_ms = self.clock.now_ms();
        let index = now_ms.div_euclid(window_ms);
        let window_end_ms = index
            .saturating_add(1)
            .saturating_mul(window_ms)
            .max(now_ms.saturating_add(1));
        let remaining_ms = u64::try_from(window_end_ms - now_ms).unwrap_or(1).max(1);
        let counter = format!("rate:{key}:{window_ms}:{index}");
        let count = match &self.node {
            Some(node) => node.incr(&counter, 1, window_end_ms, now_ms),
            None => {
                store
                    .incr(&counter, 1, Duration::from_millis(remaining_ms))
                    .await?
            }
        };
        if count > i64::from(limit) {
            return Err(Limited {
                retry_after_s: remaining_ms.div_ceil(1000).max(1),
            }
            .into());
        }
        Ok(())
    }

    /// Counts one visitor message of `session_id` against `messages_per_minute`.
    pub async fn check_message(
        &self,
        store: &dyn Store,
        session_id: &str,
    ) -> Result<(), RateLimitError> {
        let key = format!("msg:{session_id}");
        self.check(store, &key, self.limits.messages_per_minute, MINUTE)
            .await
    }

    /// Counts one new session from `client` against `new_sessions_per_minute`.
    pub async fn check_new_session(
        &self,
        store: &dyn Store,
        client: ClientKey,
    ) -> Result<(), RateLimitError> {
        let key = format!("session:{client}");
        self.check(store, &key, self.limits.new_sessions_per_minute, MINUTE)
            .await
    }

    /// The limits this limiter applies.
    pub fn limits(&self) -> &LimitSettings {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    use super::*;
    use crate::store::{ManualClock, SledStore};

    /// 2027-01-15T08:00:00Z in unix ms: a minute boundary, so tests know where windows start.
    const START_MS: i64 = 1_800_000_000_000;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: SledStore,
        clock: ManualClock,
        limiter: RateLimiter,
    }

    /// A limiter counting as sled's limiter does ([`Counting::Node`]); the first case runs
    /// with both countings.
    async fn fixture(limits: LimitSettings) -> Fixture {
        fixture_counting(limits, Counting::Node).await
    }

    async fn fixture_counting(limits: LimitSettings, counting: Counting) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::new(START_MS);
        let store = SledStore::open(&dir.path().join("data"), clock.clock())
            .await
            .expect("open sled");
        let limiter = RateLimiter::new(limits, clock.clock(), counting);
        Fixture {
            _dir: dir,
            store,
            clock,
            limiter,
        }
    }

    fn limits(messages_per_minute: u32, new_sessions_per_minute: u32) -> LimitSettings {
        LimitSettings {
            messages_per_minute,
            new_sessions_per_minute,
            ..LimitSettings::default()
        }
    }

    #[tokio::test]
    async fn messages_over_the_limit_are_refused_until_the_window_ends() {
        for counting in [Counting::Node, Counting::Store] {
            let f = fixture_counting(limits(3, 10), counting).await;
            for _ in 0..3 {
                f.limiter
                    .check_message(&f.store, "s1")
                    .await
                    .expect("within limit");
            }
            f.clock.advance(Duration::from_secs(20));
            let refused = f.limiter.check_message(&f.store, "s1").await.unwrap_err();
            assert!(
                matches!(
                    refused,
                    RateLimitError::Limited(Limited { retry_after_s: 40 })
                ),
                "{counting:?}: {refused:?}"
            );
            f.clock.advance(Duration::from_secs(40));
            f.limiter
                .check_message(&f.store, "s1")
                .await
                .expect("a new window starts from zero");
        }
    }

    #[tokio::test]
    async fn one_session_over_its_limit_does_not_affect_another() {
        let f = fixture(limits(1, 10)).await;
        f.limiter
            .check_message(&f.store, "noisy")
            .await
            .expect("first");
        assert!(f.limiter.check_message(&f.store, "noisy").await.is_err());
        f.limiter
            .check_message(&f.store, "quiet")
            .await
            .expect("another session has its own counter");
    }

    #[tokio::test]
    async fn new_sessions_are_counted_per_client_address() {
        let f = fixture(limits(30, 2)).await;
        let a = ClientKey::of(IpAddr::from([203, 0, 113, 1]));
        let b = ClientKey::of(IpAddr::from([203, 0, 113, 2]));
        f.limiter.check_new_session(&f.store, a).await.expect("1");
        f.limiter.check_new_session(&f.store, a).await.expect("2");
        assert!(f.limiter.check_new_session(&f.store, a).await.is_err());
        f.limiter
            .check_new_session(&f.store, b)
            .await
            .expect("other address");
    }

    #[tokio::test]
    async fn retry_after_is_rounded_up_to_whole_seconds() {
        let f = fixture(limits(1, 10)).await;
        f.clock.advance(Duration::from_millis(59_500));
        f.limiter.check_message(&f.store, "s").await.expect("first");
        let refused = f.limiter.check_message(&f.store, "s").await.unwrap_err();
        assert!(
            matches!(
                refused,
                RateLimitError::Limited(Limited { retry_after_s: 1 })
            ),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn the_same_key_with_different_windows_counts_separately() {
        let f = fixture(LimitSettings::default()).await;
        let second = Duration::from_secs(1);
        f.limiter
            .check(&f.store, "k", 1, second)
            .await
            .expect("1 s window");
        f.limiter
            .check(&f.store, "k", 1, MINUTE)
            .await
            .expect("1 min window");
        assert!(f.limiter.check(&f.store, "k", 1, second).await.is_err());
        f.clock.advance(second);
        f.limiter
            .check(&f.store, "k", 1, second)
            .await
            .expect("next second");
        assert!(f.limiter.check(&f.store, "k", 1, MINUTE).await.is_err());
    }

    #[tokio::test]
    async fn a_store_of_this_node_alone_is_counted_in_memory() {
        let f = fixture(limits(2, 10)).await;
        assert_eq!(Counting::for_store(&f.store), Counting::Node);
    }

    #[test]
    fn a_refusal_is_a_429_with_retry_after() {
        let response = ApiError::from(Limited { retry_after_s: 7 }).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn a_store_failure_is_a_503_not_a_pass() {
        let error = RateLimitError::Store(StoreError::invalid("broken"));
        assert_eq!(
            ApiError::from(error).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
