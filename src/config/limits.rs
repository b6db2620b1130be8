//! `[limits]`: the per-client bounds of guarantee G7 (message length, frame size, message
//! rate, new sessions per address, websockets per address, long-poll wait).
//!
//! Values are checked when the file is read: every limit is at least 1, the long-poll wait is
//! at most the contract's 25 s, and a frame always has room for a message of the longest
//! allowed length, so a visitor who stays within `max_message_chars` never hits the frame
//! limit instead.

use std::time::Duration;

use serde::Deserialize;

/// The contract's ceiling for `wait` on `GET .../events` (long-poll).
pub const LONG_POLL_CEILING_S: u64 = 25;

/// Bytes a frame needs besides the message text (JSON keys, ids, quotes).
const FRAME_ENVELOPE_BYTES: u32 = 1024;

/// Per-client limits. See `docs/configuration.md#limits`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "UncheckedLimits")]
pub struct LimitSettings {
    /// Longest visitor message, in Unicode scalar values (characters). Longer: 413
    /// `message_too_long`.
    pub max_message_chars: u32,
    /// Largest websocket frame and `POST .../message` body, in bytes. Larger: websocket close
    /// 1009, or 413 `payload_too_large` over HTTP.
    pub max_frame_bytes: u32,
    /// Messages one session may send per minute (websocket and HTTP together). More: 429
    /// `rate_limited` with `Retry-After`.
    pub messages_per_minute: u32,
    /// Sessions one client address may start per minute. More: 429 `rate_limited`.
    pub new_sessions_per_minute: u32,
    /// Websockets one client address may hold open on one node. More: 429
    /// `too_many_connections` before the upgrade.
    pub max_websockets_per_ip: u32,
    /// Longest wait of one long-poll request, in seconds (at most 25); larger `wait`
    /// parameters are lowered to it.
    pub long_poll_max_wait_s: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_message_chars: 4000,
            max_frame_bytes: 32 * 1024,
            messages_per_minute: 30,
            new_sessions_per_minute: 10,
            max_websockets_per_ip: 20,
            long_poll_max_wait_s: LONG_POLL_CEILING_S,
        }
    }
}

impl LimitSettings {
    /// The wait of a long-poll request that asked for `requested_s` seconds (none: the
    /// maximum), capped at `long_poll_max_wait_s`.
    pub fn long_poll_wait(&self, requested_s: Option<u64>) -> Duration {
        let seconds = requested_s.map_or(self.long_poll_max_wait_s, |requested| {
            requested.min(self.long_poll_max_wait_s)
        });
        Duration::from_secs(seconds)
    }

    /// The largest frame or body, as a `usize` for size-limit layers.
    pub fn max_frame_len(&self) -> usize {
        usize::try_from(self.max_frame_bytes).unwrap_or(usize::MAX)
    }
}

/// The shape of `[limits]` as written, before the checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct UncheckedLimits {
    max_message_chars: u32,
    max_frame_bytes: u32,
    messages_per_minute: u32,
    new_sessions_per_minute: u32,
    max_websockets_per_ip: u32,
    long_poll_max_wait_s: u64,
}

impl Default for UncheckedLimits {
    fn default() -> Self {
        let defaults = LimitSettings::default();
        Self {
            max_message_chars: defaults.max_message_chars,
            max_frame_bytes: defaults.max_frame_bytes,
            messages_per_minute: defaults.messages_per_minute,
            new_sessions_per_minute: defaults.new_sessions_per_minute,
            max_websockets_per_ip: defaults.max_websockets_per_ip,
            long_poll_max_wait_s: defaults.long_poll_max_wait_s,
        }
    }
}

impl TryFrom<UncheckedLimits> for LimitSettings {
    type Error = String;

    fn try_from(raw: UncheckedLimits) -> Result<Self, Self::Error> {
        let at_least_one = [
            ("max_message_chars", raw.max_message_chars),
            ("max_frame_bytes", raw.max_frame_bytes),
            ("messages_per_minute", raw.messages_per_minute),
            ("new_sessions_per_minute", raw.new_sessions_per_minute),
            ("max_websockets_per_ip", raw.max_websockets_per_ip),
        ];
        for (key, value) in at_least_one {
            if value == 0 {
                return Err(format!("`limits.{key}` must be at least 1"));
            }
        }
        if !(1..=LONG_POLL_CEILING_S).contains(&raw.long_poll_max_wait_s) {
            return Err(format!(
                "`limits.long_poll_max_wait_s` must be between 1 and {LONG_POLL_CEILING_S}"
            ));
        }
        // A character is at most 4 bytes of UTF-8.
        let needed = u64::from(raw.max_message_chars) * 4 + u64::from(FRAME_ENVELOPE_BYTES);
        if u64::from(raw.max_frame_bytes) < needed {
            return Err(format!(
                "`limits.max_frame_bytes` must be at least {needed} (4 bytes per character of \
                 `max_message_chars` plus {FRAME_ENVELOPE_BYTES})"
            ));
        }
        Ok(Self {
            max_message_chars: raw.max_message_chars,
            max_frame_bytes: raw.max_frame_bytes,
            messages_per_minute: raw.messages_per_minute,
            new_sessions_per_minute: raw.new_sessions_per_minute,
            max_websockets_per_ip: raw.max_websockets_per_ip,
            long_poll_max_wait_s: raw.long_poll_max_wait_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<LimitSettings, String> {
        toml::from_str::<LimitSettings>(toml_text).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_section_gives_the_defaults() {
        assert_eq!(parse("").unwrap(), LimitSettings::default());
    }

    #[test]
    fn the_defaults_pass_their_own_checks() {
        let defaults = LimitSettings::default();
        let raw = UncheckedLimits::default();
        assert_eq!(LimitSettings::try_from(raw).unwrap(), defaults);
    }

    #[test]
    fn zero_limits_are_refused_naming_the_key() {
        let error = parse("messages_per_minute = 0").unwrap_err();
        assert!(
            error.contains("`limits.messages_per_minute` must be at least 1"),
            "{error}"
        );
    }

    #[test]
    fn a_long_poll_wait_over_the_contract_ceiling_is_refused() {
        let error = parse("long_poll_max_wait_s = 26").unwrap_err();
        assert!(error.contains("long_poll_max_wait_s"), "{error}");
        assert_eq!(
            parse("long_poll_max_wait_s = 5")
                .unwrap()
                .long_poll_max_wait_s,
            5
        );
    }

    #[test]
    fn a_frame_too_small_for_the_longest_message_is_refused() {
        let error = parse("max_message_chars = 4000\nmax_frame_bytes = 16384").unwrap_err();
        assert!(error.contains("at least 17024"), "{error}");
        assert!(parse("max_message_chars = 1000\nmax_frame_bytes = 16384").is_ok());
    }

    #[test]
    fn the_example_config_shows_the_defaults() {
        let example: toml::Table = toml::from_str(crate::config::EXAMPLE_CONFIG).unwrap();
        let limits: LimitSettings = example["limits"].clone().try_into().unwrap();
        assert_eq!(limits, LimitSettings::default());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = parse("max_messages = 3").unwrap_err();
        assert!(error.contains("max_messages"), "{error}");
    }

    #[test]
    fn long_poll_waits_are_capped_and_default_to_the_maximum() {
        let limits = LimitSettings {
            long_poll_max_wait_s: 20,
            ..LimitSettings::default()
        };
        assert_eq!(limits.long_poll_wait(Some(5)), Duration::from_secs(5));
        assert_eq!(limits.long_poll_wait(Some(600)), Duration::from_secs(20));
        assert_eq!(limits.long_poll_wait(None), Duration::from_secs(20));
        assert_eq!(limits.long_poll_wait(Some(0)), Duration::ZERO);
    }
}
