//! Per-site agent-desk connectors: the webhook to an external contact centre
//! (`webhook = { url = "...", secret = "..." }` in a `[[sites]]` table).
//!
//! The contract itself (headers, body, signature, retries, the commands endpoint) is in
//! docs/connectors.md; the connector is `crate::connector::WebhookConnector`, which also
//! reads `ca_file` (these checks need no file system).

use std::net::IpAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;

/// Fewest bytes a webhook secret may have: HMAC-SHA256 keys shorter than this are guessable.
pub const MIN_WEBHOOK_SECRET_LEN: usize = 16;

/// Where a site's agent events go and how its commands are authenticated.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where events are POSTed: an `https://` URL (verified against the Mozilla roots built
    /// into the binary, plus `ca_file`), or `http://` (warned about at start unless the host
    /// is loopback: the payloads carry visitor messages).
    pub url: String,
    /// A PEM file of one or more CA certificates trusted for `url` in addition to the
    /// built-in roots (a contact centre behind an internal CA). Read at start; a missing or
    /// unparsable file stops the server (and `config check`).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Shared secret of the HMAC-SHA256 signatures, both directions; at least 16 bytes.
    pub secret: Secret,
    /// Milliseconds one delivery attempt may take, connection included (100-60000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts per delivery, the first included (1-10). Network errors, timeouts, 408, 429
    /// and 5xx answers are retried; other answers are not.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Milliseconds before the first retry; each further retry waits twice as long
    /// (0-60000).
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// Seconds a signed command's timestamp may differ from the server clock (10-3600).
    #[serde(default = "default_tolerance_s")]
    pub tolerance_s: u64,
}

fn default_timeout_ms() -> u64 {
    5_000
}
fn default_max_attempts() -> u32 {
    3
}
fn default_backoff_ms() -> u64 {
    500
}
fn default_tolerance_s() -> u64 {
    300
}

/// Why a `webhook` section is refused. Messages name the key under `webhook.`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSettingsError {
    /// The URL does not parse or has no host.
    #[error("`webhook.url` is not an absolute URL with a host: {0}")]
    InvalidUrl(String),
    /// The URL is neither HTTPS nor plain HTTP.
    #[error("`webhook.url` must use https:// or http://, got {0}://")]
    UnsupportedScheme(String),
    /// The secret is too short.
    #[error("`webhook.secret` must have at least {MIN_WEBHOOK_SECRET_LEN} bytes")]
    ShortSecret,
    /// A number is outside its range.
    #[error("`webhook.{key}` must be between {min} and {max}")]
    OutOfRange {
        /// The key under `webhook.`.
        key: &'static str,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
}

impl WebhookSettings {
    /// Settings with the defaults for everything but `url` and `secret`.
    pub fn new(url: impl Into<String>, secret: Secret) -> Self {
        Self {
            url: url.into(),
            ca_file: None,
            secret,
            timeout_ms: default_timeout_ms(),
            max_attempts: default_max_attempts(),
            backoff_ms: default_backoff_ms(),
            tolerance_s: default_tolerance_s(),
        }
    }

    /// The parsed URL, after the checks of [`WebhookSettings::validate`].
    pub fn parsed_url(&self) -> Result<url::Url, WebhookSettingsError> {
        // The parse error never echoes the URL (it may hold credentials).
        let url = url::Url::parse(&self.url)
            .map_err(|err| WebhookSettingsError::InvalidUrl(err.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(WebhookSettingsError::UnsupportedScheme(
                url.scheme().to_owned(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(WebhookSettingsError::InvalidUrl("no host".to_owned()));
        }
        Ok(url)
    }

    /// Whether deliveries would cross a network unencrypted: a plain `http://` URL whose host
    /// is not loopback (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`). `false` for an
    /// invalid URL (that is refused anyway).
    pub fn sends_in_clear_off_loopback(&self) -> bool {
        let Ok(url) = self.parsed_url() else {
            return false;
        };
        if url.scheme() != "http" {
            return false;
        }
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
            None => false,
        };
        !loopback
    }

    /// Semantic checks serde cannot express.
    pub fn validate(&self) -> Result<(), WebhookSettingsError> {
        self.parsed_url()?;
        if self.secret.expose().len() < MIN_WEBHOOK_SECRET_LEN {
            return Err(WebhookSettingsError::ShortSecret);
        }
        let ranges: [(&'static str, u64, u64, u64); 4] = [
            ("timeout_ms", self.timeout_ms, 100, 60_000),
            ("max_attempts", u64::from(self.max_attempts), 1, 10),
            ("backoff_ms", self.backoff_ms, 0, 60_000),
            ("tolerance_s", self.tolerance_s, 10, 3_600),
        ];
        for (key, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(WebhookSettingsError::OutOfRange { key, min, max });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef";

    fn parse(text: &str) -> Result<WebhookSettings, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn url_and_secret_are_enough_and_the_rest_has_defaults() {
        let text = format!("url = \"http://desk.example:9000/hook\"\nsecret = \"{SECRET}\"");
        let settings = parse(&text).unwrap();
        assert_eq!(settings.timeout_ms, 5_000);
        assert_eq!(settings.max_attempts, 3);
        assert_eq!(settings.backoff_ms, 500);
        assert_eq!(settings.tolerance_s, 300);
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(format!("{settings:?}").matches(SECRET).count(), 0);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = format!("url = \"http://a\"\nsecret = \"{SECRET}\"\nretries = 2");
        assert!(parse(&text).is_err());
    }

    #[test]
    fn https_and_http_are_accepted_other_schemes_are_refused() {
        for url in ["https://desk.example/hook", "http://desk.example:9000/hook"] {
            let settings = WebhookSettings::new(url, Secret::new(SECRET));
            assert_eq!(settings.validate(), Ok(()), "{url}");
        }
        let ftp = WebhookSettings::new("ftp://desk.example/hook", Secret::new(SECRET));
        let err = ftp.validate().unwrap_err();
        assert_eq!(
            err,
            WebhookSettingsError::UnsupportedScheme("ftp".to_owned())
        );
        assert_eq!(
            err.to_string(),
            "`webhook.url` must use https:// or http://, got ftp://"
        );
    }

    #[test]
    fn ca_file_is_an_optional_path() {
        let text = format!(
            "url = \"https://desk.example/hook\"\nsecret = \"{SECRET}\"\nca_file = \"/etc/staffetta/desk-ca.pem\""
        );
        let settings = parse(&text).unwrap();
        assert_eq!(
            settings.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/staffetta/desk-ca.pem"))
        );
        let without = WebhookSettings::new("https://desk.example/hook", Secret::new(SECRET));
        assert_eq!(without.ca_file, None);
    }

    #[test]
    fn only_plain_http_to_a_host_off_loopback_sends_in_clear() {
        for (url, in_clear) in [
            ("http://desk.example/hook", true),
            ("http://10.0.0.7:9000/hook", true),
            ("http://[2001:db8::1]/hook", true),
            ("http://localhost.example/hook", true),
            ("https://desk.example/hook", false),
            ("http://127.0.0.1:9000/hook", false),
            ("http://127.8.0.1/hook", false),
            ("http://[::1]:9000/hook", false),
            ("http://localhost:9000/hook", false),
            ("http://LocalHost./hook", false),
            ("http://desk.localhost/hook", false),
            ("not a url", false),
        ] {
            let settings = WebhookSettings::new(url, Secret::new(SECRET));
            assert_eq!(settings.sends_in_clear_off_loopback(), in_clear, "{url}");
        }
    }

    #[test]
    fn relative_urls_and_short_secrets_are_refused() {
        let relative = WebhookSettings::new("/hook", Secret::new(SECRET));
        assert!(matches!(
            relative.validate(),
            Err(WebhookSettingsError::InvalidUrl(_))
        ));
        let short = WebhookSettings::new("http://a/hook", Secret::new("short"));
        assert_eq!(short.validate(), Err(WebhookSettingsError::ShortSecret));
    }

    #[test]
    fn numbers_outside_their_range_name_the_key() {
        let mut settings = WebhookSettings::new("http://a/hook", Secret::new(SECRET));
        settings.max_attempts = 0;
        assert_eq!(
            settings.validate().unwrap_err().to_string(),
            "`webhook.max_attempts` must be between 1 and 10"
        );
        settings.max_attempts = 3;
        settings.timeout_ms = 10;
        assert!(
            settings
                .validate()
                .unwrap_err()
                .to_string()
                .contains("timeout_ms")
        );
    }
}
