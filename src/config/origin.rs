//! Allowed origins of a site: exact scheme + host + port, with an explicit `:*` port wildcard
//! for development hosts. No suffix, substring or scheme-less matching, ever.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// One entry of a site's `allowed_origins`, e.g. `https://shop.example` or `http://localhost:*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    /// `None` means any port (`:*`).
    port: Option<u16>,
}

/// Why an origin pattern or a request's `Origin` header was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid origin: {reason}")]
pub struct OriginError {
    input: String,
    reason: &'static str,
}

impl OriginPattern {
    /// Whether a browser `Origin` header value is allowed by this pattern. `null` and
    /// malformed origins never match.
    pub fn allows(&self, origin: &str) -> bool {
        match Origin::parse(origin) {
            Ok(origin) => {
                origin.scheme == self.scheme
                    && origin.host == self.host
                    && self.port.is_none_or(|port| port == origin.port)
            }
            Err(_) => false,
        }
    }
}

/// A concrete origin as a browser sends it: scheme, host and an explicit or default port.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn parse(input: &str) -> Result<Origin, OriginError> {
        let fail = |reason| OriginError {
            input: input.to_owned(),
            reason,
        };
        let (scheme, rest) = input.split_once("://").ok_or(fail("missing scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(fail("scheme must be http or https")),
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err(fail(
                "an origin is scheme://host[:port] with nothing after it",
            ));
        }
        let (host, port) = split_host_port(rest).ok_or(fail("bad port"))?;
        let port = match port {
            None => default_port,
            Some(PortSpec::Number(port)) => port,
            Some(PortSpec::Any) => return Err(fail("a wildcard port is only allowed in config")),
        };
        validate_host(host).map_err(fail)?;
        Ok(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

enum PortSpec {
    Number(u16),
    Any,
}

fn split_host_port(rest: &str) -> Option<(&str, Option<PortSpec>)> {
    // IPv6 literals keep their brackets: [::1]:8080
    let (host, port) = if let Some(end) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
        let host = &rest[..end + 2];
        let after = &rest[end + 2..];
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let port = match port {
        None => None,
        Some("*") => Some(PortSpec::Any),
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(PortSpec::Number(digits.parse().ok()?))
        }
        Some(_) => return None,
    };
    Some((host, port))
}

fn validate_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("empty host");
    }
    if host.starts_with('[') {
        return Ok(());
    }
    let valid = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !valid || host.starts_with('.') || host.ends_with('.') || host.contains("..") {
        return Err("host must be a DNS name or an IP address");
    }
    Ok(())
}

impl FromStr for OriginPattern {
    type Err = OriginError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason| OriginError {
            input: input.to_owned(),
            reason,
        };
        let (scheme, rest) = input.split_once("://").ok_or(fail("missing scheme"))?;
        let wildcard = rest.ends_with(":*");
        let concrete = if wildcard {
            format!("{scheme}://{}", &rest[..rest.len() - 2])
        } else {
            input.to_owned()
        };
        let origin = Origin::parse(&concrete)?;
        Ok(OriginPattern {
            scheme: origin.scheme,
            host: origin.host,
            port: (!wildcard).then_some(origin.port),
        })
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}://{}:{port}", self.scheme, self.host),
            None => write!(f, "{}://{}:*", self.scheme, self.host),
        }
    }
}

impl<'de> Deserialize<'de> for OriginPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> OriginPattern {
        s.parse().unwrap()
    }

    #[test]
    fn exact_origin_matches_with_default_or_explicit_port() {
        let p = pattern("https://shop.example");
        assert!(p.allows("https://shop.example"));
        assert!(p.allows("https://shop.example:443"));
        assert!(p.allows("HTTPS://Shop.Example"));
    }

    #[test]
    fn other_port_scheme_suffix_or_null_never_match() {
        let p = pattern("https://shop.example");
        assert!(!p.allows("https://shop.example:8443"));
        assert!(!p.allows("http://shop.example"));
        assert!(!p.allows("https://shop.example.evil.test"));
        assert!(!p.allows("https://evilshop.example"));
        assert!(!p.allows("https://sub.shop.example"));
        assert!(!p.allows("null"));
        assert!(!p.allows(""));
        assert!(!p.allows("https://shop.example/"));
        assert!(!p.allows("https://user@shop.example"));
    }

    #[test]
    fn wildcard_port_matches_any_port_of_that_host_only() {
        let p = pattern("http://localhost:*");
        assert!(p.allows("http://localhost:5173"));
        assert!(p.allows("http://localhost"));
        assert!(!p.allows("http://localhost.evil.test:5173"));
        assert!(!p.allows("https://localhost:5173"));
    }

    #[test]
    fn ipv6_literals_are_supported() {
        let p = pattern("http://[::1]:8080");
        assert!(p.allows("http://[::1]:8080"));
        assert!(!p.allows("http://[::1]:8081"));
    }

    #[test]
    fn malformed_patterns_are_rejected_with_a_reason() {
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://",
            "https://shop.example/path",
            "https://*.shop.example",
            "https://shop.example:99999",
            "https://shop..example",
        ] {
            assert!(bad.parse::<OriginPattern>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["https://shop.example:443", "http://localhost:*"] {
            assert_eq!(pattern(s).to_string(), s);
        }
    }
}
