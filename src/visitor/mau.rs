//! Monthly active users: the exact set of visitor keys seen per site per calendar month (UTC),
//! and the site's optional monthly limit.
//!
//! Each month is one store set, `mau:{site}:{YYYY-MM}`, whose members are
//! [`VisitorIdentity::key`](super::identity::VisitorIdentity::key)s, so a count is exact and
//! the same on every node. With `mau_limit` and `mau_limit_behaviour = "refuse"`, a visitor
//! who is new this month and would go past the limit is removed again and refused; visitors
//! already counted keep working. Two new visitors racing for the last place may both be
//! refused (never both admitted): the limit errs on the side of not exceeding.

use jiff::Timestamp;
use serde::Serialize;

use crate::config::{MauLimitBehaviour, SiteSettings};
use crate::error::ApiError;
use crate::store::{Store, StoreError};

/// What [`record`] observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MauOutcome {
    /// The visitor was not yet counted this month.
    pub new_this_month: bool,
    /// Unique visitors of the site this month, this one included: read only when the site
    /// has a limit to compare it with (`None` otherwise, which spares a store call per
    /// session start; the report reads the count).
    pub count: Option<u64>,
    /// The site's limit is set and `count` is above it (only reachable with `warn`, or for
    /// visitors counted before the limit was lowered).
    pub limit_exceeded: bool,
}

/// A month's count for one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MauReport {
    /// The site id.
    pub site: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Exact number of unique visitors.
    pub count: u64,
}

/// Why a visitor could not be counted, or a report not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MauError {
    /// The site refuses new visitors this month (403 `mau_limit_reached`).
    #[error(
        "this site has reached its limit of {limit} visitors for {month}; please try again next month"
    )]
    LimitReached {
        /// The site id.
        site: String,
        /// `YYYY-MM`.
        month: String,
        /// The configured limit.
        limit: u64,
    },
    /// The month is not `YYYY-MM` (400 `invalid_month`).
    #[error("month `{0}` is not a YYYY-MM month")]
    InvalidMonth(String),
    /// The store failed (503 when unreachable, otherwise 500).
    #[error("mau store error: {0}")]
    Store(#[from] StoreError),
}

impl From<MauError> for ApiError {
    fn from(error: MauError) -> Self {
        match error {
            MauError::LimitReached { .. } => ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "mau_limit_reached",
                error.to_string(),
            ),
            MauError::InvalidMonth(_) => ApiError::bad_request("invalid_month", error.to_string()),
            MauError::Store(cause) if cause.is_unavailable() => ApiError::unavailable(&cause),
            MauError::Store(cause) => ApiError::internal(&cause),
        }
    }
}

/// The UTC calendar month of `now`, as `YYYY-MM`.
pub fn month_of(now: Timestamp) -> String {
    now.strftime("%Y-%m").to_string()
}

/// Checks that `month` is `YYYY-MM` with a month 01-12.
pub fn parse_month(month: &str) -> Result<&str, MauError> {
    let bytes = month.as_bytes();
    let shape_ok = bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[5..].iter().all(u8::is_ascii_digit);
    let month_number = month.get(5..).and_then(|m| m.parse::<u8>().ok());
    if shape_ok && matches!(month_number, Some(1..=12)) {
        Ok(month)
    } else {
        Err(MauError::InvalidMonth(month.to_owned()))
    }
}

/// The store set holding a site's visitors of one month.
pub fn set_name(site_id: &str, month: &str) -> String {
    format!("mau:{site_id}:{month}")
}

/// Whether [`record`] may refuse a visitor of `site` (a limit with the `refuse` behaviour):
/// then the count decides whether a session may start, and must come before it.
pub fn may_refuse(site: &SiteSettings) -> bool {
    site.mau_limit.is_some() && site.mau_limit_behaviour == MauLimitBehaviour::Refuse
}

/// Counts the visitor `key` for `site` in the month of `now`, applying the site's limit.
pub async fn record(
    store: &dyn Store,
    site: &SiteSettings,
    key: &str,
    now: Timestamp,
) -> Result<MauOutcome, MauError> {
    let month = month_of(now);
    let set = set_name(&site.id, &month);
    let new_this_month = store.set_add(&set, key).await?;
    let (count, over) = match site.mau_limit {
        Some(limit) => {
            let count = store.set_len(&set).await?;
            (Some(count), (count > limit).then_some(limit))
        }
        None => (None, None),
    };

    if let (Some(limit), true) = (over, new_this_month) {
        match site.mau_limit_behaviour {
            MauLimitBehaviour::Refuse => {
                store.set_remove(&set, key).await?;
                tracing::info!(site = %site.id, %month, limit, "mau limit reached; new visitor refused");
                return Err(MauError::LimitReached {
                    site: site.id.clone(),
                    month,
                    limit,
                });
            }
            MauLimitBehaviour::Warn => {
                tracing::warn!(site = %site.id, %month, limit, count = count.unwrap_or_default(), "mau limit exceeded");
            }
        }
    }
    Ok(MauOutcome {
        new_this_month,
        count,
        limit_exceeded: over.is_some(),
    })
}

/// The exact count of `site_id`'s visitors in `month` (`YYYY-MM`).
pub async fn report(store: &dyn Store, site_id: &str, month: &str) -> Result<MauReport, MauError> {
    let month = parse_month(month)?;
    let count = store.set_len(&set_name(site_id, month)).await?;
    Ok(MauReport {
        site: site_id.to_owned(),
        month: month.to_owned(),
        count,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{ManualClock, SledStore};

    async fn sled() -> (tempfile::TempDir, Arc<SledStore>) {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("store"), ManualClock::new(0).clock())
            .await
            .unwrap();
        (dir, Arc::new(store))
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn site_with_limit(limit: Option<u64>, behaviour: MauLimitBehaviour) -> SiteSettings {
        let mut site = SiteSettings::demo();
        site.mau_limit = limit;
        site.mau_limit_behaviour = behaviour;
        site
    }

    #[test]
    fn month_of_is_the_utc_calendar_month() {
        assert_eq!(month_of(at("2026-01-31T23:59:59Z")), "2026-01");
        assert_eq!(month_of(at("2026-02-01T00:00:00Z")), "2026-02");
        // 00:30 on March 1st in Rome is still February in UTC.
        assert_eq!(month_of(at("2026-03-01T00:30:00+01:00")), "2026-02");
    }

    #[test]
    fn parse_month_accepts_only_yyyy_mm_with_a_real_month() {
        for good in ["2026-01", "2026-12", "0001-06"] {
            assert_eq!(parse_month(good).unwrap(), good);
        }
        for bad in [
            "",
            "2026",
            "2026-1",
            "2026-13",
            "2026-00",
            "2026/01",
            "26-01",
            "2026-01-01",
            "２０２６-01",
            "+026-01",
            "2026-+1",
        ] {
            assert!(
                matches!(parse_month(bad), Err(MauError::InvalidMonth(m)) if m == bad),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn each_visitor_counts_once_per_month_and_months_are_separate() {
        let (_dir, store) = sled().await;
        let site = SiteSettings::demo();
        let january = at("2026-01-10T12:00:00Z");
        let first = record(&*store, &site, "a:visitor-one-123456", january)
            .await
            .unwrap();
        assert_eq!(
            first,
            MauOutcome {
                new_this_month: true,
                count: None,
                limit_exceeded: false
            }
        );
        let again = record(&*store, &site, "a:visitor-one-123456", january)
            .await
            .unwrap();
        assert!(!again.new_this_month);
        assert_eq!(again.count, None, "no limit: not read");
        record(&*store, &site, "u:alice", january).await.unwrap();
        record(&*store, &site, "s:alice", january).await.unwrap();

        let february = at("2026-02-01T00:00:00Z");
        let in_february = record(&*store, &site, "u:alice", february).await.unwrap();
        assert!(in_february.new_this_month);

        assert_eq!(report(&*store, "demo", "2026-01").await.unwrap().count, 3);
        assert_eq!(report(&*store, "demo", "2026-02").await.unwrap().count, 1);
        assert_eq!(report(&*store, "demo", "2026-03").await.unwrap().count, 0);
    }

    /// Names the store calls other than writes of records and logs.
    #[derive(Debug, Default)]
    struct Calls(std::sync::Mutex<Vec<&'static str>>);

    #[async_trait::async_trait]
    impl crate::store::WriteObserver for Calls {
        async fn before_call(
            &self,
            _inner: &dyn crate::store::Store,
            call: &'static str,
            _name: &str,
        ) -> crate::store::StoreResult<()> {
            self.0.lock().unwrap().push(call);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_site_without_a_limit_counts_a_visitor_in_one_store_call() {
        let (_dir, inner) = sled().await;
        let store = crate::store::Observed::new(inner, Calls::default());
        let now = at("2026-04-04T04:04:04Z");
        let site = SiteSettings::demo();
        let outcome = record(&store, &site, "u:dora", now).await.unwrap();
        assert!(outcome.new_this_month);
        assert_eq!(outcome.count, None);
        let limited = site_with_limit(Some(5), MauLimitBehaviour::Warn);
        let outcome = record(&store, &limited, "u:eve", now).await.unwrap();
        assert_eq!(outcome.count, Some(2), "a limit needs the count");
        let calls = store.observer().0.lock().unwrap().clone();
        assert_eq!(calls, ["set_len"], "only the limited site read the count");
    }

    #[tokio::test]
    async fn sites_are_counted_separately() {
        let (_dir, store) = sled().await;
        let demo = SiteSettings::demo();
        let mut shop = SiteSettings::demo();
        shop.id = "shop".to_owned();
        let now = at("2026-05-05T05:05:05Z");
        record(&*store, &demo, "u:bob", now).await.unwrap();
        record(&*store, &shop, "u:bob", now).await.unwrap();
        record(&*store, &shop, "u:carol", now).await.unwrap();
        assert_eq!(report(&*store, "demo", "2026-05").await.unwrap().count, 1);
        assert_eq!(
            report(&*store, "shop", "2026-05").await.unwrap(),
            MauReport {
                site: "shop".to_owned(),
                month: "2026-05".to_owned(),
                count: 2
            }
        );
    }

    #[tokio::test]
    async fn refuse_limit_turns_away_new_visitors_but_keeps_known_ones() {
        let (_dir, store) = sled().await;
        let site = site_with_limit(Some(2), MauLimitBehaviour::Refuse);
        let now = at("2026-06-15T10:00:00Z");
        record(&*store, &site, "u:one", now).await.unwrap();
        let second = record(&*store, &site, "u:two", now).await.unwrap();
        assert_eq!(second.count, Some(2));
        assert!(!second.limit_exceeded);

        let refused = record(&*store, &site, "u:three", now).await.unwrap_err();
        assert!(
            matches!(&refused, MauError::LimitReached { site, month, limit: 2 } if site == "demo" && month == "2026-06"),
            "{refused:?}"
        );
        let api = ApiError::from(refused);
        assert_eq!(api.status(), 403);
        assert_eq!(api.code(), "mau_limit_reached");

        // The refused visitor was not counted, and known visitors keep working.
        assert_eq!(report(&*store, "demo", "2026-06").await.unwrap().count, 2);
        let known = record(&*store, &site, "u:one", now).await.unwrap();
        assert!(!known.new_this_month);
        assert!(matches!(
            record(&*store, &site, "u:three", now).await,
            Err(MauError::LimitReached { .. })
        ));

        // A new month starts from zero.
        let next_month = at("2026-07-01T00:00:00Z");
        assert!(record(&*store, &site, "u:three", next_month).await.is_ok());
    }

    #[test]
    fn only_a_refusing_limit_may_refuse() {
        assert!(may_refuse(&site_with_limit(
            Some(5),
            MauLimitBehaviour::Refuse
        )));
        assert!(!may_refuse(&site_with_limit(
            Some(5),
            MauLimitBehaviour::Warn
        )));
        assert!(!may_refuse(&site_with_limit(
            None,
            MauLimitBehaviour::Refuse
        )));
    }

    #[tokio::test]
    async fn warn_limit_admits_everyone_and_flags_the_excess() {
        let (_dir, store) = sled().await;
        let site = site_with_limit(Some(1), MauLimitBehaviour::Warn);
        let now = at("2026-06-15T10:00:00Z");
        let first = record(&*store, &site, "u:one", now).await.unwrap();
        assert!(!first.limit_exceeded);
        let second = record(&*store, &site, "u:two", now).await.unwrap();
        assert_eq!(
            second,
            MauOutcome {
                new_this_month: true,
                count: Some(2),
                limit_exceeded: true
            }
        );
        assert_eq!(report(&*store, "demo", "2026-06").await.unwrap().count, 2);
    }

    #[tokio::test]
    async fn without_a_limit_nothing_is_ever_exceeded() {
        let (_dir, store) = sled().await;
        let site = site_with_limit(None, MauLimitBehaviour::Refuse);
        let now = at("2026-06-15T10:00:00Z");
        for n in 0..20 {
            let outcome = record(&*store, &site, &format!("a:visitor-{n:010}"), now)
                .await
                .unwrap();
            assert!(!outcome.limit_exceeded);
        }
        assert_eq!(report(&*store, "demo", "2026-06").await.unwrap().count, 20);
    }

    #[tokio::test]
    async fn report_refuses_a_malformed_month() {
        let (_dir, store) = sled().await;
        let error = report(&*store, "demo", "2026-13").await.unwrap_err();
        let api = ApiError::from(error);
        assert_eq!(api.status(), 400);
        assert_eq!(api.code(), "invalid_month");
    }
}
