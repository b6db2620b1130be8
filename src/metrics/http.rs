//! HTTP requests by route template (`/api/v1/sites/{site_id}/sessions`, never the path
//! itself) and status class, and refusals by the error code of the answer
//! ([`ErrorCode`](crate::error::ErrorCode)): the layer [`count`] over every route.
//!
//! The counters live in a fixed table of [`SLOTS`] slots filled once per route template
//! (open addressing, insert only): counting a request hashes the template and adds to an
//! atomic, with no lock. Requests that match no route count as `unmatched`; templates past
//! the table's room (more than the router has) as `other`.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Metrics;
use crate::error::ErrorCode;

/// Room for route templates; the router has well under a hundred.
const SLOTS: usize = 256;

/// The status classes, `1xx` to `5xx`.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Requests per route template and status class.
#[derive(Debug)]
pub struct Requests {
    slots: Box<[OnceLock<Route>]>,
    other: Counts,
}

/// One route template's counters.
#[derive(Debug)]
struct Route {
    template: Box<str>,
    counts: Counts,
}

/// Requests per status class.
#[derive(Debug, Default)]
struct Counts([AtomicU64; 5]);

impl Default for Requests {
    fn default() -> Self {
        Self {
            slots: (0..SLOTS).map(|_| OnceLock::new()).collect(),
            other: Counts::default(),
        }
    }
}

impl Requests {
    /// Counts one answered request.
    pub fn count(&self, template: &str, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.counts(template).0[class].fetch_add(1, Ordering::Relaxed);
    }

    /// The counters of `template`: its slot, claimed on first use.
    fn counts(&self, template: &str) -> &Counts {
        let start = fnv1a(template) % SLOTS;
        for probe in 0..SLOTS {
            let slot = &self.slots[(start + probe) % SLOTS];
            let route = slot.get_or_init(|| Route {
                template: template.into(),
                counts: Counts::default(),
            });
            if &*route.template == template {
                return &route.counts;
            }
        }
        &self.other
    }

    /// `(template, status class, requests)` of every route seen, with `other` when used;
    /// classes with no request are left out.
    pub fn snapshot(&self) -> Vec<(String, &'static str, u64)> {
        let mut rows = Vec::new();
        let routes = self
            .slots
            .iter()
            .filter_map(OnceLock::get)
            .map(|route| (&*route.template, &route.counts))
            .chain(std::iter::once(("other", &self.other)));
        for (template, counts) in routes {
            for (class, count) in STATUS_CLASSES.iter().zip(&counts.0) {
                let count = count.load(Ordering::Relaxed);
                if count > 0 {
                    rows.push((template.to_owned(), *class, count));
                }
            }
        }
        rows.sort();
        rows
    }
}

/// FNV-1a, enough to spread a few dozen route templates over the table.
fn fnv1a(text: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    #[allow(clippy::cast_possible_truncation)]
    let hash = hash as usize;
    hash
}

/// The layer: counts the request under its route template once answered, and the answer's
/// refusal if it is one. A websocket counts when its upgrade is answered (`1xx`).
pub async fn count(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let template = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    metrics.http().count(
        template.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status().as_u16(),
    );
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>() {
        metrics.refused(code);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_per_template_and_status_class() {
        let requests = Requests::default();
        requests.count("/a/{id}", 200);
        requests.count("/a/{id}", 201);
        requests.count("/a/{id}", 404);
        requests.count("/b", 503);
        requests.count("/b", 101);
        assert_eq!(
            requests.snapshot(),
            vec![
                ("/a/{id}".to_owned(), "2xx", 2),
                ("/a/{id}".to_owned(), "4xx", 1),
                ("/b".to_owned(), "1xx", 1),
                ("/b".to_owned(), "5xx", 1),
            ]
        );
    }

    #[test]
    fn templates_past_the_table_count_as_other() {
        let requests = Requests::default();
        for n in 0..=SLOTS {
            requests.count(&format!("/r{n}"), 200);
        }
        let rows = requests.snapshot();
        assert_eq!(rows.len(), SLOTS + 1);
        assert!(rows.contains(&("other".to_owned(), "2xx", 1)));
    }
}
