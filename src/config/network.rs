//! Network-facing settings: the reverse proxies whose `X-Forwarded-For` is believed
//! (`server.trusted_proxies`) and the optional IP geolocation database (`[geoip]`).
//!
//! CIDR blocks are parsed here rather than with a crate so that a bare address means a
//! single host, a block with host bits set is refused (it is almost always a typo), and
//! IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`, as a dual-stack listener reports them) match
//! IPv4 blocks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// A block of IP addresses, written `10.0.0.0/8`, `2001:db8::/32` or a bare address
/// (`192.0.2.7`, meaning `/32`; `::1`, meaning `/128`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpCidr {
    network: IpAddr,
    prefix_len: u8,
}

/// Why a string is not an [`IpCidr`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IP address or a CIDR block like 10.0.0.0/8")]
    Address(String),
    /// The prefix length is not a number within the address family's width.
    #[error("`{0}`: the prefix length must be 0-32 for IPv4 and 0-128 for IPv6")]
    PrefixLength(String),
    /// Bits after the prefix are set, as in `10.0.0.1/8`.
    #[error("`{given}` has host bits set; did you mean `{suggested}`?")]
    HostBits {
        /// The block as written.
        given: String,
        /// The block with the host bits cleared.
        suggested: String,
    },
}

impl IpCidr {
    /// The first address of the block.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// Number of leading bits that are fixed.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Whether `ip` is inside the block. An IPv4 address and its IPv4-mapped IPv6 form
    /// (`::ffff:10.0.0.1`) are the same address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match self.network {
            IpAddr::V4(net) => match ip.to_canonical() {
                IpAddr::V4(ip) => u32::from(ip) & mask_u32(self.prefix_len) == u32::from(net),
                IpAddr::V6(_) => false,
            },
            IpAddr::V6(net) => {
                let ip = match ip {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                    IpAddr::V6(v6) => v6,
                };
                u128::from(ip) & mask_u128(self.prefix_len) == u128::from(net)
            }
        }
    }
}

/// Whether any of `blocks` contains `ip`.
pub fn any_contains(blocks: &[IpCidr], ip: IpAddr) -> bool {
    blocks.iter().any(|block| block.contains(ip))
}

fn mask_u32(prefix_len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix_len))
        .unwrap_or(0)
}

fn mask_u128(prefix_len: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix_len))
        .unwrap_or(0)
}

impl FromStr for IpCidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse::<IpAddr>()
            .map_err(|_| CidrError::Address(text.to_owned()))?;
        let width: u8 = if network.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix {
            None => width,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|len| *len <= width && prefix.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| CidrError::PrefixLength(text.to_owned()))?,
        };
        let cleared = match network {
            IpAddr::V4(ip) => IpAddr::V4(Ipv4Addr::from(u32::from(ip) & mask_u32(prefix_len))),
            IpAddr::V6(ip) => IpAddr::V6(Ipv6Addr::from(u128::from(ip) & mask_u128(prefix_len))),
        };
        if cleared != network {
            return Err(CidrError::HostBits {
                given: text.to_owned(),
                suggested: format!("{cleared}/{prefix_len}"),
            });
        }
        Ok(Self {
            network,
            prefix_len,
        })
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl fmt::Debug for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<'de> Deserialize<'de> for IpCidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `[geoip]`: country and city of visitors, shown to agents.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeoIpSettings {
    /// A MaxMind-format `.mmdb` file (GeoIP2/GeoLite2 City or Country, or an ip-location-db
    /// file). Absent: no geolocation. A missing or unreadable file stops the server at start.
    pub database: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> IpCidr {
        text.parse().expect(text)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect(text)
    }

    #[test]
    fn an_ipv4_block_contains_exactly_its_range() {
        let block = cidr("10.0.0.0/8");
        assert!(block.contains(ip("10.0.0.0")));
        assert!(block.contains(ip("10.255.255.255")));
        assert!(!block.contains(ip("11.0.0.0")));
        assert!(!block.contains(ip("9.255.255.255")));
        assert!(
            !block.contains(ip("::a00:1")),
            "an IPv6 address is never in an IPv4 block"
        );
    }

    #[test]
    fn an_ipv4_mapped_ipv6_peer_matches_ipv4_blocks() {
        assert!(cidr("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
        assert!(cidr("::ffff:10.0.0.0/104").contains(ip("10.1.2.3")));
    }

    #[test]
    fn an_ipv6_block_contains_exactly_its_range() {
        let block = cidr("2001:db8::/32");
        assert!(block.contains(ip("2001:db8:ffff::1")));
        assert!(!block.contains(ip("2001:db9::1")));
        assert!(cidr("::1/128").contains(ip("::1")));
        assert!(!cidr("::1/128").contains(ip("::2")));
    }

    #[test]
    fn a_bare_address_is_a_single_host() {
        assert_eq!(cidr("192.0.2.7").prefix_len(), 32);
        assert_eq!(cidr("::1").prefix_len(), 128);
        assert!(cidr("192.0.2.7").contains(ip("192.0.2.7")));
        assert!(!cidr("192.0.2.7").contains(ip("192.0.2.8")));
    }

    #[test]
    fn zero_prefix_matches_the_whole_family() {
        assert!(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(!cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
    }

    #[test]
    fn malformed_blocks_are_refused_with_a_reason() {
        assert!(matches!(
            "10.0.0/8".parse::<IpCidr>(),
            Err(CidrError::Address(_))
        ));
        assert!(matches!(
            "10.0.0.0/33".parse::<IpCidr>(),
            Err(CidrError::PrefixLength(_))
        ));
        assert!(matches!(
            "10.0.0.0/+8".parse::<IpCidr>(),
            Err(CidrError::PrefixLength(_))
        ));
        assert!(matches!(
            "::/129".parse::<IpCidr>(),
            Err(CidrError::PrefixLength(_))
        ));
        let error = "10.0.0.1/8".parse::<IpCidr>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "`10.0.0.1/8` has host bits set; did you mean `10.0.0.0/8`?"
        );
    }

    #[test]
    fn blocks_print_in_cidr_notation() {
        assert_eq!(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(cidr("::1").to_string(), "::1/128");
    }
}
