//! Fixed-window counters in this node's memory, for rate limits when the store belongs to this
//! node alone (sled): a message then costs no durable write for its limit, only a map update.
//!
//! Nothing is lost that matters: a window lasts a minute, and a restart that forgets the counts
//! lets a client send at most one more window's worth. With Redis the limiter counts in the
//! store instead, so every node sees the same counts.

use std::collections::HashMap;
use std::sync::Mutex;

/// How often (at most) expired windows are swept out of the map.
const SWEEP_EVERY_MS: i64 = 10_000;

/// Counters by name, each alive until the end of its window.
#[derive(Debug, Default)]
pub(crate) struct NodeCounters {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Name -> (count, end of its window in ms).
    counts: HashMap<String, (i64, i64)>,
    next_sweep_ms: i64,
}

impl NodeCounters {
    /// Adds `by` to the counter `name`, whose window ends at `window_end_ms`, and returns the
    /// new value; a counter whose window has ended starts again from 0.
    pub(crate) fn incr(&self, name: &str, by: i64, window_end_ms: i64, now_ms: i64) -> i64 {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if now_ms >= inner.next_sweep_ms {
            inner.counts.retain(|_, (_, end_ms)| *end_ms > now_ms);
            inner.next_sweep_ms = now_ms.saturating_add(SWEEP_EVERY_MS);
        }
        let entry = match inner.counts.get_mut(name) {
            Some(entry) => entry,
            None => inner
                .counts
                .entry(name.to_owned())
                .or_insert((0, window_end_ms)),
        };
        if entry.1 <= now_ms {
            *entry = (0, window_end_ms);
        }
        entry.0 = entry.0.saturating_add(by);
        entry.0
    }

    /// Counters currently held (expired ones included until the next sweep).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .counts
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_adds_up_within_its_window() {
        let counters = NodeCounters::default();
        assert_eq!(counters.incr("a", 1, 1_000, 0), 1);
        assert_eq!(counters.incr("a", 2, 1_000, 10), 3);
        assert_eq!(counters.incr("b", 1, 1_000, 10), 1, "names count apart");
    }

    #[test]
    fn a_counter_starts_from_zero_once_its_window_has_ended() {
        let counters = NodeCounters::default();
        assert_eq!(counters.incr("a", 5, 1_000, 0), 5);
        assert_eq!(counters.incr("a", 1, 2_000, 1_000), 1);
    }

    #[test]
    fn ended_windows_are_swept_so_the_map_does_not_grow_forever() {
        let counters = NodeCounters::default();
        for n in 0..100 {
            counters.incr(&format!("visitor-{n}"), 1, 1_000, 0);
        }
        assert_eq!(counters.len(), 100);
        counters.incr("later", 1, 20_000, SWEEP_EVERY_MS + 1);
        assert_eq!(counters.len(), 1, "only the live counter is left");
    }
}
