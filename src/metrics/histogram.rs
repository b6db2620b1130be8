//! [`Histogram`]: a duration histogram over atomics, so that observing takes no lock
//! (the Prometheus client's own histogram locks a mutex per observation).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts of observations per bucket, their number and their sum (in nanoseconds).
#[derive(Debug)]
pub struct Histogram {
    /// Upper bounds in seconds, ascending.
    bounds: Vec<f64>,
    /// Upper bounds in nanoseconds, the same as `bounds`.
    bounds_ns: Vec<u64>,
    /// Observations per bucket (not cumulative); the last one is `+Inf`.
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_ns: AtomicU64,
}

/// A histogram as read at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSnapshot {
    /// Sum of the observations in seconds.
    pub sum_s: f64,
    /// Number of observations.
    pub count: u64,
    /// `(upper bound, observations in this bucket alone)`, `+Inf` last.
    pub buckets: Vec<(f64, u64)>,
}

impl Histogram {
    /// A histogram with these upper bounds (seconds, ascending) and `+Inf`.
    pub fn new(bounds: &[f64]) -> Self {
        Self {
            bounds: bounds.to_vec(),
            bounds_ns: bounds.iter().map(|s| seconds_to_ns(*s)).collect(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }

    /// Adds one observation.
    pub fn observe(&self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let index = self.bounds_ns.partition_point(|bound| *bound < ns);
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Number of observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The values now, as the encoder takes them: the observations of each bucket alone
    /// (it adds them up). Read without a lock, so a scrape racing an observation may see it
    /// in the count but not yet in its bucket (or the reverse); the `+Inf` bucket takes the
    /// difference, so that the buckets always add up to the count, as the format wants.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let count = self.count.load(Ordering::Relaxed);
        let mut below = 0u64;
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            let observed = bucket
                .load(Ordering::Relaxed)
                .min(count.saturating_sub(below));
            below += observed;
            buckets.push((*bound, observed));
        }
        buckets.push((f64::INFINITY, count - below));
        #[allow(clippy::cast_precision_loss)]
        let sum_s = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        HistogramSnapshot {
            sum_s,
            count,
            buckets,
        }
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn seconds_to_ns(seconds: f64) -> u64 {
    (seconds * 1e9).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them_and_add_up() {
        let histogram = Histogram::new(&[0.01, 0.1, 1.0]);
        histogram.observe(Duration::from_millis(5));
        histogram.observe(Duration::from_millis(10));
        histogram.observe(Duration::from_millis(50));
        histogram.observe(Duration::from_secs(3));
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 4);
        assert_eq!(
            snapshot.buckets,
            vec![(0.01, 2), (0.1, 1), (1.0, 0), (f64::INFINITY, 1)]
        );
        assert!((snapshot.sum_s - 3.065).abs() < 1e-9);
    }
}
