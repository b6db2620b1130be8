//! Browser pages the visitor API refused before any work: a page whose `Origin` is not in its
//! site's `allowed_origins` (403 `origin_not_allowed`) or that names a site that is not
//! configured (404 `unknown_site`). Those refusals carry no CORS headers (docs/security.md,
//! C-03), so the page's script only sees a network error; the site owner learns what to fix
//! from one WARN line per node for each refused origin or site id.
//!
//! At most [`MAX_NOTED`] refusals are remembered (and so logged) per node, so a flood of
//! made-up origins or site ids cannot flood the log. Values are logged quoted and cut to
//! [`MAX_LOGGED_CHARS`]; a request without an `Origin` (not a browser page) is not logged.

use std::collections::HashSet;
use std::sync::Mutex;

use axum::http::{HeaderMap, header};

/// How many refused (site, origin) pairs and site ids a node logs at most.
pub const MAX_NOTED: usize = 256;
/// Longest logged site id or origin, in characters.
pub const MAX_LOGGED_CHARS: usize = 200;

/// The refusals a node has logged.
#[derive(Debug, Default)]
pub struct RefusedPages {
    noted: Mutex<HashSet<String>>,
}

impl RefusedPages {
    /// A browser page of `site` was refused for its origin.
    pub fn origin_not_allowed(&self, site: &str, headers: &HeaderMap) {
        let Some(origin) = browser_origin(headers) else {
            return;
        };
        if self.first_time(format!("origin {site} {origin}")) {
            tracing::warn!(
                site = %cut(site),
                origin = %cut(&origin),
                "refused a browser page (403 origin_not_allowed): its origin is not in the \
                 site's allowed_origins; if it is your page, add its exact scheme://host[:port] \
                 (logged once per site and origin)"
            );
        }
    }

    /// A browser page asked for a site id that is not configured.
    pub fn unknown_site(&self, site: &str, headers: &HeaderMap) {
        let Some(origin) = browser_origin(headers) else {
            return;
        };
        if self.first_time(format!("site {site}")) {
            tracing::warn!(
                site = %cut(site),
                origin = %cut(&origin),
                "refused a browser page (404 unknown_site): no [[sites]] entry has this id; \
                 check the page's siteId (logged once per site id)"
            );
        }
    }

    /// Whether `key` was not noted yet; notes it while there is room.
    fn first_time(&self, key: String) -> bool {
        let Ok(mut noted) = self.noted.lock() else {
            return false;
        };
        noted.len() < MAX_NOTED && noted.insert(key)
    }
}

/// The request's `Origin` as text, when a browser sent one.
fn browser_origin(headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    Some(String::from_utf8_lossy(origin.as_bytes()).into_owned())
}

/// `value` quoted (control characters escaped), cut to [`MAX_LOGGED_CHARS`] characters.
fn cut(value: &str) -> String {
    let short: String = value.chars().take(MAX_LOGGED_CHARS).collect();
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_noted_once_and_the_memory_is_bounded() {
        let pages = RefusedPages::default();
        assert!(pages.first_time("a".into()));
        assert!(!pages.first_time("a".into()));
        for i in 0..MAX_NOTED * 2 {
            pages.first_time(format!("k{i}"));
        }
        assert_eq!(pages.noted.lock().unwrap().len(), MAX_NOTED);
        assert!(!pages.first_time("one more".into()));
    }

    #[test]
    fn logged_values_are_quoted_and_cut() {
        assert_eq!(cut("a\nb"), "\"a\\nb\"");
        assert_eq!(cut(&"x".repeat(500)).len(), MAX_LOGGED_CHARS + 2);
    }
}
