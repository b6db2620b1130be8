//! The visitor's IP address, with `X-Forwarded-For` believed only as far as trusted proxies
//! vouch for it.
//!
//! Each proxy appends the address it received the request from, so the header reads
//! `client, proxy1, proxy2` and the TCP peer is the last proxy. Only the right-hand part
//! written by our own proxies can be trusted; anything to the left of the first untrusted
//! hop may have been typed by the client. So the walk goes from the peer leftwards, skipping
//! trusted proxies, and the first address that is not a trusted proxy is the client. When
//! the peer itself is not a trusted proxy the header is ignored. When every hop is trusted
//! the left-most one is the client. An entry that is not an address stops the walk at the
//! last good hop: nothing to its left can be vouched for.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::config::{IpCidr, any_contains};

/// Most `X-Forwarded-For` bytes read (all headers together); the rest is ignored.
const MAX_FORWARDED_BYTES: usize = 2048;
/// Most hops walked; a longer chain ends the walk at the last hop reached.
const MAX_HOPS: usize = 32;

/// The client address of a request that arrived from `peer`.
pub fn client_ip(headers: &HeaderMap, peer: SocketAddr, trusted_proxies: &[IpCidr]) -> IpAddr {
    let mut client = peer.ip().to_canonical();
    if !any_contains(trusted_proxies, client) {
        return client;
    }
    let forwarded = forwarded_for(headers);
    for entry in forwarded.rsplit(',').take(MAX_HOPS) {
        let Some(hop) = parse_hop(entry) else {
            return client;
        };
        client = hop;
        if !any_contains(trusted_proxies, hop) {
            return hop;
        }
    }
    client
}

/// Whether `ip` is loopback, private (RFC 1918, IPv6 unique local) or link-local: an
/// address a reverse proxy in front of the node would connect from.
pub fn is_local(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

/// Every `X-Forwarded-For` header joined with commas, in order, cut at a comma within the
/// byte bound (keeping the right-hand side, which is where trusted hops are).
fn forwarded_for(headers: &HeaderMap) -> String {
    let mut joined = String::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            // Non-ASCII bytes: the entry is garbage, keep a marker so the walk stops there.
            joined.push_str(",?");
            continue;
        };
        if !joined.is_empty() {
            joined.push(',');
        }
        joined.push_str(text);
    }
    if joined.len() > MAX_FORWARDED_BYTES {
        let start = joined.len() - MAX_FORWARDED_BYTES;
        // Everything is ASCII here, so any byte index is a char boundary.
        let tail = &joined[start..];
        // The first (partial) entry is dropped, and so is what lay to its left: the marker
        // stops the walk there.
        let cut = tail.find(',').map_or("", |at| &tail[at..]);
        return format!("?{cut}");
    }
    joined
}

/// One hop: `203.0.113.7`, `203.0.113.7:5123`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    let bracketed = entry.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn trusted() -> Vec<IpCidr> {
        ["10.0.0.0/8", "::1/128"]
            .iter()
            .map(|s| s.parse().expect(s))
            .collect()
    }

    fn resolve(peer: &str, forwarded: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect(value),
            );
        }
        client_ip(&headers, peer.parse().expect(peer), &trusted()).to_string()
    }

    #[test]
    fn loopback_private_and_link_local_addresses_are_local_and_public_ones_are_not() {
        for local in [
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "::ffff:127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.0.9",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_local(local.parse().expect(local)), "{local}");
        }
        for public in ["203.0.113.5", "8.8.8.8", "172.32.0.1", "2001:db8::1"] {
            assert!(!is_local(public.parse().expect(public)), "{public}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(
            resolve("203.0.113.5:4000", &["198.51.100.1"]),
            "203.0.113.5"
        );
        assert_eq!(resolve("203.0.113.5:4000", &["10.0.0.1"]), "203.0.113.5");
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.1"));
        let peer: SocketAddr = "10.0.0.1:80".parse().unwrap();
        assert_eq!(client_ip(&headers, peer, &[]).to_string(), "10.0.0.1");
    }

    #[test]
    fn a_trusted_peer_hands_over_to_the_address_it_saw() {
        assert_eq!(resolve("10.0.0.1:80", &["198.51.100.1"]), "198.51.100.1");
    }

    #[test]
    fn a_spoofed_left_most_entry_is_not_believed() {
        // The client wrote "1.2.3.4"; our proxy appended the real address.
        assert_eq!(
            resolve("10.0.0.1:80", &["1.2.3.4, 198.51.100.1"]),
            "198.51.100.1"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_skipped_right_to_left() {
        assert_eq!(
            resolve(
                "10.0.0.1:80",
                &["1.2.3.4, 198.51.100.1, 10.0.0.3, 10.0.0.2"]
            ),
            "198.51.100.1"
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        assert_eq!(resolve("10.0.0.1:80", &["10.0.0.9, 10.0.0.2"]), "10.0.0.9");
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        assert_eq!(resolve("10.0.0.1:80", &[]), "10.0.0.1");
    }

    #[test]
    fn several_headers_read_as_one_list_in_order() {
        assert_eq!(
            resolve("10.0.0.1:80", &["1.2.3.4", "198.51.100.1", "10.0.0.2"]),
            "198.51.100.1"
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_hop() {
        assert_eq!(resolve("10.0.0.1:80", &["unknown"]), "10.0.0.1");
        assert_eq!(
            resolve("10.0.0.1:80", &["1.2.3.4, junk, 10.0.0.2"]),
            "10.0.0.2"
        );
        assert_eq!(resolve("10.0.0.1:80", &[""]), "10.0.0.1");
        assert_eq!(resolve("10.0.0.1:80", &["198.51.100.1,"]), "10.0.0.1");
    }

    #[test]
    fn garbage_left_of_an_untrusted_hop_does_not_matter() {
        assert_eq!(
            resolve("10.0.0.1:80", &["junk, 198.51.100.1"]),
            "198.51.100.1"
        );
    }

    #[test]
    fn ports_and_brackets_are_accepted() {
        assert_eq!(
            resolve("10.0.0.1:80", &["198.51.100.1:5123"]),
            "198.51.100.1"
        );
        assert_eq!(
            resolve("10.0.0.1:80", &["[2001:db8::7]:443"]),
            "2001:db8::7"
        );
        assert_eq!(resolve("10.0.0.1:80", &["[2001:db8::7]"]), "2001:db8::7");
        assert_eq!(resolve("10.0.0.1:80", &[" 2001:db8::7 "]), "2001:db8::7");
    }

    #[test]
    fn ipv6_loopback_proxy_and_mapped_addresses_are_understood() {
        assert_eq!(resolve("[::1]:80", &["198.51.100.1"]), "198.51.100.1");
        assert_eq!(
            resolve("[::ffff:10.0.0.1]:80", &["::ffff:198.51.100.1"]),
            "198.51.100.1"
        );
        assert_eq!(
            resolve("[::ffff:203.0.113.5]:80", &["1.2.3.4"]),
            "203.0.113.5"
        );
    }

    #[test]
    fn an_oversized_header_keeps_only_its_right_hand_hops() {
        let padding = vec!["10.0.0.9"; 400].join(", ");
        let header = format!("198.51.100.1, {padding}");
        // The real client fell off the bounded part, so the walk stops at the last trusted
        // hop it could read rather than believing anything further left.
        assert_eq!(resolve("10.0.0.1:80", &[&header]), "10.0.0.9");
        let short = format!("1.2.3.4, 198.51.100.1, {}", ["10.0.0.9"; 3].join(", "));
        assert_eq!(resolve("10.0.0.1:80", &[&short]), "198.51.100.1");
    }

    #[test]
    fn non_ascii_header_bytes_stop_the_walk() {
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"198.51.100.1\xff").expect("opaque bytes"),
        );
        headers.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
        let peer: SocketAddr = "10.0.0.1:80".parse().unwrap();
        assert_eq!(
            client_ip(&headers, peer, &trusted()).to_string(),
            "10.0.0.2"
        );
    }
}
