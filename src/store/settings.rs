//! The `[store]` config section, and a Redis URL whose password never prints.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Where state lives. Without `url` the node uses the embedded sled store under `path`;
/// with `url = "redis://..."` it uses Redis and ignores `path`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// Folder of the embedded sled store. Default `./data`.
    pub path: PathBuf,
    /// Redis URL (`redis://[user:password@]host[:port][/db]` or `redis+unix:///path?pass=...`).
    /// When set, Redis is the store. Its password is redacted in `Debug` and in errors.
    pub url: Option<RedisUrl>,
    /// How long to wait for Redis to answer when connecting, in milliseconds. Default 3000.
    pub connect_timeout_ms: u64,
    /// How long to wait for Redis to answer one command, in milliseconds. Default 5000.
    pub response_timeout_ms: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("./data"),
            url: None,
            connect_timeout_ms: 3_000,
            response_timeout_ms: 5_000,
        }
    }
}

impl StoreSettings {
    /// [`Self::connect_timeout_ms`] as a duration.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms.max(1))
    }

    /// [`Self::response_timeout_ms`] as a duration.
    pub fn response_timeout(&self) -> Duration {
        Duration::from_millis(self.response_timeout_ms.max(1))
    }
}

/// A Redis connection URL. `Debug` and `Display` show it with the password (and any
/// `pass=` query value) replaced by `***`; [`RedisUrl::expose`] gives the real one.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

/// Why a Redis URL was rejected. The message shows the URL redacted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{redacted}` is not a usable Redis URL: {reason}")]
pub struct RedisUrlError {
    redacted: String,
    reason: String,
}

impl RedisUrl {
    /// Checks that `url` is a Redis URL this build can connect to (`redis://`,
    /// `redis+unix://` or `unix://`; TLS is not compiled in).
    pub fn parse(url: impl Into<String>) -> Result<Self, RedisUrlError> {
        let url = url.into();
        let error = |reason: String| RedisUrlError {
            redacted: redact(&url),
            reason,
        };
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("redis" | "redis+unix" | "unix")) {
            return Err(error(
                "expected a URL starting with redis://, redis+unix:// or unix://".to_owned(),
            ));
        }
        redis::Client::open(url.as_str()).map_err(|err| error(err.to_string()))?;
        Ok(Self(url))
    }

    /// The URL with its credentials, for connecting. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with credentials replaced by `***`, for messages.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({})", self.redacted())
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for RedisUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let url = String::deserialize(deserializer)?;
        RedisUrl::parse(url).map_err(serde::de::Error::custom)
    }
}

/// Replaces the password of `user:password@`, a bare `secret@`, and the value of any query
/// parameter whose name contains `pass` with `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("***@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.to_ascii_lowercase().contains("pass") => {
                        format!("{name}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", pairs.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_but_user_host_and_db_stay() {
        let url = RedisUrl::parse("redis://app:hunter2@10.0.0.5:6380/2").unwrap();
        assert_eq!(url.to_string(), "redis://app:***@10.0.0.5:6380/2");
        assert_eq!(
            format!("{url:?}"),
            "RedisUrl(redis://app:***@10.0.0.5:6380/2)"
        );
        assert_eq!(url.expose(), "redis://app:hunter2@10.0.0.5:6380/2");
    }

    #[test]
    fn password_only_and_bare_userinfo_are_redacted() {
        assert_eq!(redact("redis://:hunter2@host"), "redis://:***@host");
        assert_eq!(redact("redis://hunter2@host/0"), "redis://***@host/0");
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
    }

    #[test]
    fn unix_socket_pass_parameter_is_redacted() {
        assert_eq!(
            redact("redis+unix:///run/redis.sock?db=1&pass=hunter2"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
    }

    #[test]
    fn settings_debug_never_shows_the_password() {
        let settings: StoreSettings =
            toml::from_str("url = \"redis://:hunter2@127.0.0.1:6390\"").unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("127.0.0.1:6390"), "{debug}");
    }

    #[test]
    fn defaults_use_sled_under_data() {
        let settings: StoreSettings = toml::from_str("").unwrap();
        assert_eq!(settings.path, PathBuf::from("./data"));
        assert!(settings.url.is_none());
        assert_eq!(settings.connect_timeout(), Duration::from_secs(3));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<StoreSettings>("pth = \"x\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `pth`"), "{err}");
    }

    #[test]
    fn non_redis_urls_are_rejected_without_leaking_the_password() {
        // (A TOML parse error also quotes the offending source line; that is the config
        // loader's output, so only our own message is checked here.)
        let err = RedisUrl::parse("http://u:hunter2@example.com")
            .unwrap_err()
            .to_string();
        assert!(err.contains("redis://"), "{err}");
        assert!(err.contains("http://u:***@example.com"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = RedisUrl::parse("rediss://u:hunter2@example.com")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = toml::from_str::<StoreSettings>("url = \"http://example.com\"").unwrap_err();
        assert!(
            err.to_string().contains("is not a usable Redis URL"),
            "{err}"
        );
    }
}
