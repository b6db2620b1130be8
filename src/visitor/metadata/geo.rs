//! Country and city of an IP address from a MaxMind-format `.mmdb` file (`[geoip] database`).
//!
//! Two record shapes are understood, because the freely available databases differ:
//! GeoIP2/GeoLite2 (`country.iso_code`, `city.names.en`) and the flat ip-location-db files
//! (`country_code`, `city`). The file is read into memory once at start (no memory map, so
//! no `unsafe` and no surprise when the file is replaced underneath a running server).

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{MaxMindDbError, Reader};
use serde::Deserialize;

use crate::config::GeoIpSettings;

/// Longest city name kept, in characters; longer ones are cut.
const MAX_CITY_CHARS: usize = 100;

/// A geolocation database could not be opened at start.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// The file is missing or unreadable.
    #[error("cannot read GeoIP database {}: {source}", path.display())]
    Read {
        /// The configured path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid MaxMind DB (corrupt, truncated, or another format such as
    /// the legacy `GeoIP.dat`).
    #[error("{} is not a valid MaxMind database (.mmdb): {source}", path.display())]
    Invalid {
        /// The configured path.
        path: PathBuf,
        /// What the reader found wrong.
        #[source]
        source: MaxMindDbError,
    },
}

/// Where an address is, as far as the database knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoLocation {
    /// ISO 3166-1 alpha-2 country code, upper case (`IT`).
    pub country: Option<String>,
    /// City name in English.
    pub city: Option<String>,
}

/// An opened geolocation database. Lookups need no lock: share it in an `Arc`.
pub struct GeoIp {
    reader: Reader<Vec<u8>>,
    path: PathBuf,
}

impl fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoIp")
            .field("path", &self.path)
            .field("database_type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl GeoIp {
    /// Opens the configured database; `Ok(None)` when none is configured.
    pub fn open(settings: &GeoIpSettings) -> Result<Option<GeoIp>, GeoError> {
        settings
            .database
            .as_deref()
            .map(GeoIp::open_file)
            .transpose()
    }

    /// Opens the database at `path`.
    pub fn open_file(path: &Path) -> Result<GeoIp, GeoError> {
        let bytes = std::fs::read(path).map_err(|source| GeoError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let reader = Reader::from_source(bytes).map_err(|source| GeoError::Invalid {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(GeoIp {
            reader,
            path: path.to_path_buf(),
        })
    }

    /// Country and city of `ip`. Unknown addresses and records the reader cannot decode give
    /// an empty location (the latter is logged once per lookup at debug level).
    pub fn lookup(&self, ip: IpAddr) -> GeoLocation {
        let ip = ip.to_canonical();
        let record = self
            .reader
            .lookup(ip)
            .and_then(|found| found.decode::<Record>());
        match record {
            Ok(Some(record)) => record.into_location(),
            Ok(None) => GeoLocation::default(),
            Err(error) => {
                tracing::debug!(%ip, %error, "geoip record not decodable");
                GeoLocation::default()
            }
        }
    }
}

/// The fields of interest of either record shape; the rest is skipped.
#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    country: Option<Field>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    city: Option<Field>,
}

/// `country` / `city`: a map in GeoIP2 (`{iso_code, names: {en}}`), a plain string in
/// flat databases.
#[derive(Deserialize)]
#[serde(untagged)]
enum Field {
    Text(String),
    Map {
        #[serde(default)]
        iso_code: Option<String>,
        #[serde(default)]
        names: BTreeMap<String, String>,
    },
}

impl Record {
    fn into_location(self) -> GeoLocation {
        let country = match self.country {
            Some(Field::Map {
                iso_code: Some(code),
                ..
            }) => Some(code),
            Some(Field::Text(code)) => Some(code),
            _ => None,
        }
        .or(self.country_code)
        .and_then(|code| country_code(&code));
        let city = match self.city {
            Some(Field::Text(name)) => Some(name),
            Some(Field::Map { mut names, .. }) => names.remove("en"),
            None => None,
        }
        .and_then(|name| city_name(&name));
        GeoLocation { country, city }
    }
}

/// A two-letter country code, upper-cased; anything else is dropped.
fn country_code(code: &str) -> Option<String> {
    let code = code.trim();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| code.to_ascii_uppercase())
}

/// A city name without control characters, at most [`MAX_CITY_CHARS`] long; empty: none.
fn city_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_CITY_CHARS)
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/geo")
            .join(name)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect(text)
    }

    fn city_db() -> GeoIp {
        GeoIp::open_file(&fixture("test-city.mmdb")).expect("fixture opens")
    }

    fn flat_db() -> GeoIp {
        GeoIp::open_file(&fixture("test-flat.mmdb")).expect("fixture opens")
    }

    #[test]
    fn geoip2_records_give_country_and_english_city() {
        let location = city_db().lookup(ip("192.0.2.10"));
        assert_eq!(location.country.as_deref(), Some("IT"));
        assert_eq!(location.city.as_deref(), Some("Rome"));
    }

    #[test]
    fn a_country_only_record_has_no_city() {
        let location = city_db().lookup(ip("198.51.100.20"));
        assert_eq!(location.country.as_deref(), Some("DE"));
        assert_eq!(location.city, None);
    }

    #[test]
    fn ipv6_and_ipv4_mapped_addresses_are_looked_up() {
        let location = city_db().lookup(ip("2001:db8:1::5"));
        assert_eq!(location.country.as_deref(), Some("FR"));
        assert_eq!(location.city.as_deref(), Some("Paris"));
        let mapped = city_db().lookup(ip("::ffff:192.0.2.10"));
        assert_eq!(mapped.country.as_deref(), Some("IT"));
    }

    #[test]
    fn unknown_addresses_have_no_location() {
        assert_eq!(city_db().lookup(ip("127.0.0.1")), GeoLocation::default());
        assert_eq!(
            city_db().lookup(ip("2001:db8:ffff::1")),
            GeoLocation::default()
        );
    }

    #[test]
    fn flat_records_give_country_code_and_city() {
        let location = flat_db().lookup(ip("203.0.113.7"));
        assert_eq!(location.country.as_deref(), Some("ES"));
        assert_eq!(location.city.as_deref(), Some("Madrid"));
    }

    #[test]
    fn malformed_country_codes_and_city_names_are_cleaned_or_dropped() {
        let location = flat_db().lookup(ip("192.0.2.200"));
        assert_eq!(location.country, None, "`ZZZ` is not a country code");
        assert_eq!(
            location.city.as_deref(),
            Some("BadCity"),
            "control characters are removed"
        );
    }

    #[test]
    fn no_database_configured_means_no_geolocation() {
        assert!(GeoIp::open(&GeoIpSettings::default()).unwrap().is_none());
    }

    #[test]
    fn a_missing_database_is_an_error_naming_the_path() {
        let settings = GeoIpSettings {
            database: Some(PathBuf::from("/nonexistent/geo.mmdb")),
        };
        let error = GeoIp::open(&settings).unwrap_err();
        assert!(matches!(error, GeoError::Read { .. }));
        assert!(
            error.to_string().contains("/nonexistent/geo.mmdb"),
            "{error}"
        );
    }

    #[test]
    fn a_corrupt_database_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.mmdb");
        std::fs::write(&path, b"this is not a maxmind database").unwrap();
        let error = GeoIp::open_file(&path).unwrap_err();
        assert!(matches!(error, GeoError::Invalid { .. }));
        assert!(error.to_string().contains("broken.mmdb"), "{error}");
    }

    #[test]
    fn a_truncated_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("truncated.mmdb");
        let bytes = std::fs::read(fixture("test-city.mmdb")).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(GeoIp::open_file(&path).is_err());
    }

    #[test]
    fn city_names_are_bounded() {
        let long = "x".repeat(500);
        assert_eq!(
            city_name(&long).map(|c| c.chars().count()),
            Some(MAX_CITY_CHARS)
        );
        assert_eq!(city_name("  "), None);
        assert_eq!(country_code(" it "), Some("IT".to_owned()));
        assert_eq!(country_code("I1"), None);
    }
}
