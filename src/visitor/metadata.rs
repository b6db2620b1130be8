//! What an agent sees about a visitor: address, page, referrer, browser, device class and
//! rough location.
//!
//! Everything here comes from the visitor's side and is treated as untrusted: header
//! lengths are bounded, URLs other than http(s) are dropped (no `javascript:` link ever
//! reaches an agent's screen) and lose any user name or password, and `X-Forwarded-For` is
//! believed only from configured proxies.
//!
//! # Layout
//!
//! - `metadata/client_ip.rs`: the client address behind trusted proxies.
//! - `metadata/device.rs`: [`DeviceClass`] from the client hint and the user agent.
//! - `metadata/geo.rs`: [`GeoIp`], country and city from a MaxMind-format database.

mod client_ip;
mod device;
mod geo;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

use crate::config::{IpCidr, Settings};

pub use client_ip::{client_ip, is_local};
pub use device::{DeviceClass, classify, classify_user_agent};
pub use geo::{GeoError, GeoIp, GeoLocation};

/// Longest user agent kept, in bytes; longer ones are cut.
pub const MAX_USER_AGENT_BYTES: usize = 512;
/// Longest page URL or referrer kept, in bytes; longer ones are cut.
pub const MAX_URL_BYTES: usize = 2048;

/// A visitor as shown to agents. Serialized with snake_case keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct VisitorMetadata {
    /// The client address (behind trusted proxies), when known.
    pub ip: Option<IpAddr>,
    /// The page the widget runs on (http or https only).
    pub page_url: Option<String>,
    /// The page that led the visitor to the site (http or https only).
    pub referrer: Option<String>,
    /// The browser's user agent, cut to [`MAX_USER_AGENT_BYTES`].
    pub user_agent: Option<String>,
    /// Mobile, tablet, desktop or unknown.
    pub device: DeviceClass,
    /// ISO 3166-1 alpha-2 country code, when a GeoIP database is configured and knows it.
    pub country: Option<String>,
    /// City name in English, when the database knows it.
    pub city: Option<String>,
}

/// Builds [`VisitorMetadata`] from requests with the node's proxy and GeoIP settings.
/// Cheap to clone; build it once at start.
#[derive(Clone, Debug)]
pub struct MetadataCollector {
    trusted_proxies: Arc<[IpCidr]>,
    geo: Option<Arc<GeoIp>>,
    /// Whether the warning about an unlisted local proxy was written (once per node).
    proxy_warned: Arc<AtomicBool>,
}

impl MetadataCollector {
    /// A collector believing `X-Forwarded-For` from `trusted_proxies`, locating with `geo`.
    pub fn new(trusted_proxies: Vec<IpCidr>, geo: Option<GeoIp>) -> Self {
        Self {
            trusted_proxies: trusted_proxies.into(),
            geo: geo.map(Arc::new),
            proxy_warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A collector for `settings`: `server.trusted_proxies` and the `[geoip]` database,
    /// which is opened here (a missing or corrupt file is an error naming the path).
    pub fn from_settings(settings: &Settings) -> Result<Self, GeoError> {
        let geo = GeoIp::open(&settings.geoip)?;
        Ok(Self::new(settings.server.trusted_proxies.clone(), geo))
    }

    /// The client address of a request from `peer` (for per-address limits).
    ///
    /// With no trusted proxies configured, the first request from a loopback or private
    /// address that carries `X-Forwarded-For` writes one WARN line: a reverse proxy is
    /// probably in front of the node, and until `server.trusted_proxies` names it every
    /// visitor has its address (one ban or per-address limit hits them all). The line names
    /// the proxy's address and the key, never the header (it holds visitors' addresses).
    pub fn client_ip(&self, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
        if self.trusted_proxies.is_empty()
            && is_local(peer.ip())
            && headers.contains_key("x-forwarded-for")
            && !self.proxy_warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                proxy = %peer.ip().to_canonical(),
                "a request from a loopback or private address carries X-Forwarded-For but \
                 server.trusted_proxies is empty: every visitor behind that proxy gets the \
                 proxy's address, so one ban or per-address limit hits them all; set \
                 server.trusted_proxies to the proxy's address (warned once)"
            );
        }
        client_ip(headers, peer, &self.trusted_proxies)
    }

    /// Everything known about the visitor of a request from `peer`. `page_url` and
    /// `referrer` are what the widget sent (`location.href`, `document.referrer`); without a
    /// page URL the request's `Referer` header stands in.
    pub fn collect(
        &self,
        headers: &HeaderMap,
        peer: SocketAddr,
        page_url: Option<&str>,
        referrer: Option<&str>,
    ) -> VisitorMetadata {
        let ip = self.client_ip(headers, peer);
        let user_agent = headers
            .get(header::USER_AGENT)
            .map(|value| {
                bounded_text(
                    &String::from_utf8_lossy(value.as_bytes()),
                    MAX_USER_AGENT_BYTES,
                )
            })
            .filter(|ua| !ua.is_empty());
        let device = classify(headers, user_agent.as_deref());
        let referer_header = headers
            .get(header::REFERER)
            .and_then(|value| value.to_str().ok());
        let page_url = page_url
            .and_then(web_url)
            .or_else(|| referer_header.and_then(web_url));
        let location = self
            .geo
            .as_ref()
            .map(|geo| geo.lookup(ip))
            .unwrap_or_default();
        VisitorMetadata {
            ip: Some(ip),
            page_url,
            referrer: referrer.and_then(web_url),
            user_agent,
            device,
            country: location.country,
            city: location.city,
        }
    }
}

/// `text` without control characters, cut to at most `max_bytes` on a character boundary.
fn bounded_text(text: &str, max_bytes: usize) -> String {
    let mut kept = String::with_capacity(text.len().min(max_bytes));
    for c in text.trim().chars().filter(|c| !c.is_control()) {
        if kept.len() + c.len_utf8() > max_bytes {
            break;
        }
        kept.push(c);
    }
    kept
}

/// An absolute http(s) URL with a host, without user name or password, cut to
/// [`MAX_URL_BYTES`]; anything else is dropped.
fn web_url(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    // Clearing credentials cannot fail on an http(s) URL with a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    // A serialized URL is ASCII (non-ASCII is percent-encoded), so any cut is on a boundary.
    let mut text = String::from(url);
    text.truncate(MAX_URL_BYTES);
    Some(text)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use axum::http::HeaderValue;

    use super::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

    fn collector_with_geo() -> MetadataCollector {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geo/test-city.mmdb");
        let geo = GeoIp::open_file(&path).expect("fixture");
        MetadataCollector::new(vec!["10.0.0.0/8".parse().unwrap()], Some(geo))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect(value));
        }
        map
    }

    fn peer(text: &str) -> SocketAddr {
        text.parse().expect(text)
    }

    #[test]
    fn a_request_through_a_trusted_proxy_is_described_in_full() {
        let request = headers(&[("x-forwarded-for", "192.0.2.10"), ("user-agent", IPHONE)]);
        let metadata = collector_with_geo().collect(
            &request,
            peer("10.1.1.1:443"),
            Some("https://shop.example/cart?item=3"),
            Some("https://search.example/?q=shoes"),
        );
        assert_eq!(
            metadata,
            VisitorMetadata {
                ip: Some("192.0.2.10".parse().unwrap()),
                page_url: Some("https://shop.example/cart?item=3".to_owned()),
                referrer: Some("https://search.example/?q=shoes".to_owned()),
                user_agent: Some(IPHONE.to_owned()),
                device: DeviceClass::Mobile,
                country: Some("IT".to_owned()),
                city: Some("Rome".to_owned()),
            }
        );
    }

    #[test]
    fn metadata_serializes_with_snake_case_keys() {
        let metadata = VisitorMetadata {
            ip: Some("192.0.2.10".parse().unwrap()),
            page_url: Some("https://shop.example/".to_owned()),
            device: DeviceClass::Tablet,
            ..VisitorMetadata::default()
        };
        let json = serde_json::to_value(&metadata).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "ip": "192.0.2.10",
                "page_url": "https://shop.example/",
                "referrer": null,
                "user_agent": null,
                "device": "tablet",
                "country": null,
                "city": null,
            })
        );
    }

    #[test]
    fn only_http_and_https_urls_are_kept() {
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("data:text/html,hi"), None);
        assert_eq!(web_url("file:///etc/passwd"), None);
        assert_eq!(web_url("/relative/path"), None);
        assert_eq!(web_url("not a url"), None);
        assert_eq!(
            web_url(" http://shop.example/a b "),
            Some("http://shop.example/a%20b".to_owned())
        );
    }

    #[test]
    fn credentials_in_urls_are_removed() {
        assert_eq!(
            web_url("https://user:secret@shop.example/x"),
            Some("https://shop.example/x".to_owned())
        );
    }

    #[test]
    fn long_urls_and_user_agents_are_cut() {
        let long_url = format!("https://shop.example/{}", "a".repeat(5000));
        assert_eq!(web_url(&long_url).map(|u| u.len()), Some(MAX_URL_BYTES));
        let request = headers(&[("user-agent", &"é".repeat(400))]);
        let metadata = MetadataCollector::new(Vec::new(), None).collect(
            &request,
            peer("203.0.113.9:5000"),
            None,
            None,
        );
        let ua = metadata.user_agent.expect("user agent kept");
        assert!(ua.len() <= MAX_USER_AGENT_BYTES);
        assert_eq!(ua.chars().count(), MAX_USER_AGENT_BYTES / 2);
    }

    #[test]
    fn the_referer_header_stands_in_for_a_missing_page_url() {
        let request = headers(&[("referer", "https://shop.example/")]);
        let collector = MetadataCollector::new(Vec::new(), None);
        let metadata = collector.collect(&request, peer("203.0.113.9:5000"), None, None);
        assert_eq!(metadata.page_url.as_deref(), Some("https://shop.example/"));
        let metadata = collector.collect(
            &request,
            peer("203.0.113.9:5000"),
            Some("https://shop.example/checkout"),
            None,
        );
        assert_eq!(
            metadata.page_url.as_deref(),
            Some("https://shop.example/checkout")
        );
    }

    #[test]
    fn without_geo_or_headers_only_the_address_is_known() {
        let metadata = MetadataCollector::new(Vec::new(), None).collect(
            &HeaderMap::new(),
            peer("[2001:db8::1]:5000"),
            Some("javascript:void(0)"),
            None,
        );
        assert_eq!(
            metadata,
            VisitorMetadata {
                ip: Some("2001:db8::1".parse().unwrap()),
                ..VisitorMetadata::default()
            }
        );
    }

    #[test]
    fn control_characters_are_removed_from_the_user_agent() {
        assert_eq!(bounded_text("Agent\u{7f}/1.0\t", 512), "Agent/1.0");
    }
}
