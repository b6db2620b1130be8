//! The summary `config check` prints after "configuration is valid": what an admin looks at
//! (where the node listens and stores, which APIs are on, each site with its dialog, origins
//! and desk, the limits that differ from the defaults), in a screenful. The whole settings,
//! secrets redacted, are behind `config check --print-settings`.

use std::fmt::Write as _;

use crate::config::{LimitSettings, MauLimitBehaviour, Settings, SiteSettings};

/// The summary of valid `settings`, one fact per line.
pub(crate) fn summary(settings: &Settings) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "listen: {}", settings.server.listen);
    let store = &settings.store;
    let _ = match &store.url {
        Some(url) => writeln!(text, "store: redis {url}"),
        None => writeln!(text, "store: sled in {}", store.path.display()),
    };
    let _ = writeln!(
        text,
        "dialogs: {}; locales: {}",
        settings.paths.dialogs.display(),
        settings.paths.locales.display()
    );
    let on_off = |is_on: bool| if is_on { "on" } else { "off" };
    let _ = writeln!(
        text,
        "admin API: {}; GET /metrics: {}; demo operators: {}",
        on_off(!settings.admin.token.is_empty()),
        on_off(!settings.metrics.token.is_empty()),
        on_off(settings.agent.demo_operators)
    );
    let _ = writeln!(text, "sites ({}):", settings.sites.len());
    for site in &settings.sites {
        describe_site(&mut text, site);
    }
    let changed = changed_limits(&settings.limits);
    if changed.is_empty() {
        text.push_str("limits: the defaults\n");
    } else {
        text.push_str("limits that differ from the defaults:\n");
        for line in changed {
            let _ = writeln!(text, "  {line}");
        }
    }
    text
}

/// A site in two to four lines: dialog and locale, origins, then its desk and its other
/// optional parts when set.
fn describe_site(text: &mut String, site: &SiteSettings) {
    let _ = writeln!(
        text,
        "  {}: dialog {}, default locale {}, time zone {}, idle {} s (warning {} s before)",
        site.id,
        site.dialog,
        site.default_locale,
        site.time_zone,
        site.idle_timeout_s,
        site.idle_warning_s
    );
    let origins: Vec<String> = site
        .allowed_origins
        .iter()
        .map(ToString::to_string)
        .collect();
    let _ = writeln!(text, "    origins: {}", origins.join(", "));
    if !site.resources.is_empty() {
        let queues: Vec<&str> = site.resources.iter().map(|r| r.id.as_str()).collect();
        let webhook = site.webhook.as_ref().map_or_else(
            || "the built-in console".to_owned(),
            |webhook| {
                let host = url::Url::parse(&webhook.url)
                    .ok()
                    .and_then(|url| url.host_str().map(ToOwned::to_owned))
                    .unwrap_or_else(|| "?".to_owned());
                format!("a webhook to {host}")
            },
        );
        let _ = writeln!(
            text,
            "    queues: {}; agents use {webhook}",
            queues.join(", ")
        );
    }
    let mut other = Vec::new();
    if !site.iframe_hosts.is_empty() {
        other.push(format!("iframe hosts {}", site.iframe_hosts.join(", ")));
    }
    if let Some(limit) = site.mau_limit {
        let behaviour = match site.mau_limit_behaviour {
            MauLimitBehaviour::Warn => "warn",
            MauLimitBehaviour::Refuse => "refuse",
        };
        other.push(format!("MAU limit {limit} ({behaviour})"));
    }
    if let Some(days) = site.retention_days {
        other.push(format!("retention {days} days"));
    }
    if site.identity.required {
        other.push("identity required".to_owned());
    } else if !site.identity.keys.is_empty() {
        other.push("identity tokens accepted".to_owned());
    }
    if !other.is_empty() {
        let _ = writeln!(text, "    {}", other.join("; "));
    }
}

/// `limits.KEY = value (default D)` for every limit that is not the default.
fn changed_limits(limits: &LimitSettings) -> Vec<String> {
    let defaults = LimitSettings::default();
    let pairs: [(&str, u64, u64); 6] = [
        (
            "max_message_chars",
            limits.max_message_chars.into(),
            defaults.max_message_chars.into(),
        ),
        (
            "max_frame_bytes",
            limits.max_frame_bytes.into(),
            defaults.max_frame_bytes.into(),
        ),
        (
            "messages_per_minute",
            limits.messages_per_minute.into(),
            defaults.messages_per_minute.into(),
        ),
        (
            "new_sessions_per_minute",
            limits.new_sessions_per_minute.into(),
            defaults.new_sessions_per_minute.into(),
        ),
        (
            "max_websockets_per_ip",
            limits.max_websockets_per_ip.into(),
            defaults.max_websockets_per_ip.into(),
        ),
        (
            "long_poll_max_wait_s",
            limits.long_poll_max_wait_s,
            defaults.long_poll_max_wait_s,
        ),
    ];
    pairs
        .iter()
        .filter(|(_, value, default)| value != default)
        .map(|(key, value, default)| format!("limits.{key} = {value} (default {default})"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_limits_that_differ_from_the_defaults_are_listed() {
        let mut limits = LimitSettings::default();
        assert!(changed_limits(&limits).is_empty());
        limits.messages_per_minute += 1;
        let defaults = LimitSettings::default();
        assert_eq!(
            changed_limits(&limits),
            vec![format!(
                "limits.messages_per_minute = {} (default {})",
                limits.messages_per_minute, defaults.messages_per_minute
            )]
        );
    }
}
