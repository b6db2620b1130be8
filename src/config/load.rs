//! Layering (defaults -> file -> environment) and validation, with errors that name the file or
//! variable, the key and what was expected.

use std::fmt;
use std::path::Path;

use super::{Settings, SiteSettings};

/// Environment variables starting with this prefix override config keys:
/// `STAFFETTA__SERVER__LISTEN=0.0.0.0:8080`, `STAFFETTA__SITES__0__IDLE_TIMEOUT_S=600`.
pub const ENV_PREFIX: &str = "STAFFETTA__";

/// A configuration problem; the CLI prints it and exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    /// The file or environment variable the bad value came from.
    origin: String,
    /// What is wrong, naming the key and what was expected.
    message: String,
}

impl ConfigError {
    fn new(origin: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self {
            origin: origin.to_string(),
            message: message.to_string(),
        }
    }
}

impl Settings {
    /// Loads settings from defaults, an optional TOML file and `STAFFETTA__*` variables taken
    /// from `env`, then validates them.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut table = toml::Table::new();
        let origin = file.map_or_else(|| "defaults".to_owned(), |p| p.display().to_string());
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|err| ConfigError::new(path.display(), format!("cannot read: {err}")))?;
            // The typed parse gives line, column and the key for unknown keys and wrong types.
            toml::from_str::<Settings>(&text)
                .map_err(|err| ConfigError::new(path.display(), err.to_string().trim_end()))?;
            table = toml::from_str(&text)
                .map_err(|err| ConfigError::new(path.display(), err.to_string().trim_end()))?;
        }

        let mut overrides = Vec::new();
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            if path.iter().any(String::is_empty) {
                return Err(ConfigError::new(&name, "empty key segment"));
            }
            insert(&mut table, &path, parse_env_value(&raw))
                .map_err(|m| ConfigError::new(&name, m))?;
            overrides.push((name, path.join(".")));
        }

        let settings: Settings = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|err| {
                let key = err.path().to_string();
                let source = overrides
                    .iter()
                    .find(|(_, path)| key.starts_with(path.as_str()) || path.starts_with(&key))
                    .map_or(origin.clone(), |(name, _)| name.clone());
                ConfigError::new(source, format!("key `{key}`: {}", err.inner()))
            })?;
        settings
            .validate()
            .map_err(|message| ConfigError::new(&origin, message))?;
        Ok(settings)
    }

    /// Semantic checks serde cannot express. Returns a message naming the key.
    fn validate(&self) -> Result<(), String> {
        if self.server.shutdown_grace_s > 3600 {
            return Err("key `server.shutdown_grace_s`: expected at most 3600 seconds".to_owned());
        }
        self.agent.login_failures.validate()?;
        let admin_token = self.admin.token.expose();
        if !admin_token.is_empty() && admin_token.len() < MIN_ADMIN_TOKEN_LEN {
            return Err(format!(
                "key `admin.token`: at least {MIN_ADMIN_TOKEN_LEN} bytes (it guards operators and \
                 erasure; e.g. `openssl rand -hex 24`), or empty to disable the admin API"
            ));
        }
        let metrics_token = self.metrics.token.expose();
        if !metrics_token.is_empty() && metrics_token.len() < MIN_ADMIN_TOKEN_LEN {
            return Err(format!(
                "key `metrics.token`: at least {MIN_ADMIN_TOKEN_LEN} bytes (e.g. `openssl rand \
                 -hex 24`), or empty to disable `GET /metrics`"
            ));
        }
        if self.sites.is_empty() {
            return Err("key `sites`: at least one site is required".to_owned());
        }
        for (index, site) in self.sites.iter().enumerate() {
            validate_site(site)
                .map_err(|m| format!("key `sites[{index}]` (id `{}`): {m}", site.id))?;
            if self.sites[..index].iter().any(|other| other.id == site.id) {
                return Err(format!(
                    "key `sites[{index}].id`: duplicate site id `{}`",
                    site.id
                ));
            }
        }
        Ok(())
    }
}

/// Shortest admin token accepted: the admin API creates operators and erases visitors.
const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// Longest `retention_days`: a hundred years (leave the key out to keep conversations
/// longer).
const MAX_RETENTION_DAYS: u32 = 36_500;

/// Whether `id` is a valid site or resource id: 1-64 of `[a-z0-9_-]`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn validate_site(site: &SiteSettings) -> Result<(), String> {
    if !is_valid_id(&site.id) {
        return Err("`id` must be 1-64 characters of a-z, 0-9, `-` and `_`".to_owned());
    }
    if site.allowed_origins.is_empty() {
        return Err("`allowed_origins` must list at least one origin".to_owned());
    }
    let locale_ok = (2..=35).contains(&site.default_locale.len())
        && site
            .default_locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !locale_ok {
        return Err(format!(
            "`default_locale` `{}` is not a BCP 47 tag",
            site.default_locale
        ));
    }
    if jiff::tz::TimeZone::get(&site.time_zone).is_err() {
        return Err(format!(
            "`time_zone` `{}` is not an IANA time zone",
            site.time_zone
        ));
    }
    if !(10..=86_400).contains(&site.idle_timeout_s) {
        return Err("`idle_timeout_s` must be between 10 and 86400".to_owned());
    }
    if site.idle_warning_s >= site.idle_timeout_s {
        return Err("`idle_warning_s` must be smaller than `idle_timeout_s`".to_owned());
    }
    for key in &site.identity.keys {
        if !key
            .public_key_pem
            .trim_start()
            .starts_with("-----BEGIN PUBLIC KEY-----")
        {
            return Err(format!(
                "`identity.keys` kid `{}`: expected a PEM public key (-----BEGIN PUBLIC KEY-----)",
                key.kid
            ));
        }
    }
    if site.mau_limit == Some(0) {
        return Err("`mau_limit` must be at least 1 (leave it out for no limit)".to_owned());
    }
    if site
        .retention_days
        .is_some_and(|days| !(1..=MAX_RETENTION_DAYS).contains(&days))
    {
        return Err(format!(
            "`retention_days` must be between 1 and {MAX_RETENTION_DAYS} (leave it out to keep conversations until they are erased)"
        ));
    }
    if site.identity.required && site.identity.keys.is_empty() {
        return Err("`identity.required` needs at least one key in `identity.keys`".to_owned());
    }
    for (index, resource) in site.resources.iter().enumerate() {
        if !is_valid_id(&resource.id) {
            return Err(format!(
                "`resources[{index}].id` must be 1-64 of a-z, 0-9, `-`, `_`"
            ));
        }
        if site.resources[..index].iter().any(|r| r.id == resource.id) {
            return Err(format!(
                "`resources[{index}].id`: duplicate resource `{}`",
                resource.id
            ));
        }
        if !(1..=600).contains(&resource.offer_timeout_s) {
            return Err(format!(
                "`resources[{index}].offer_timeout_s` must be 1-600"
            ));
        }
        if let Some(hours) = &resource.office_hours {
            validate_office_hours(hours)
                .map_err(|m| format!("`resources[{index}].office_hours`: {m}"))?;
        }
    }
    // The desk is built from the same settings at startup; building it here reports
    // what the desk would refuse (pause reasons, default resource) as a config error.
    crate::desk::site_desk::site_desk(site)?;
    if let Some(webhook) = &site.webhook {
        webhook.validate().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn validate_office_hours(hours: &super::OfficeHoursSettings) -> Result<(), String> {
    jiff::tz::TimeZone::get(&hours.time_zone)
        .map_err(|_| format!("`time_zone` `{}` is not an IANA time zone", hours.time_zone))?;
    for (day, ranges) in &hours.weekly {
        for range in ranges {
            let parsed = range.split_once('-').and_then(|(start, end)| {
                let start: jiff::civil::Time = start.trim().parse().ok()?;
                let end: jiff::civil::Time = end.trim().parse().ok()?;
                (start < end).then_some(())
            });
            if parsed.is_none() {
                return Err(format!(
                    "{day:?}: `{range}` is not a range like \"09:00-13:00\""
                ));
            }
        }
    }
    for date in &hours.holidays {
        date.parse::<jiff::civil::Date>()
            .map_err(|_| format!("holiday `{date}` is not a YYYY-MM-DD date"))?;
    }
    Ok(())
}

/// An environment value is read as a TOML value when it parses as one (numbers, booleans,
/// arrays, inline tables, quoted strings) and as a plain string otherwise.
fn parse_env_value(raw: &str) -> toml::Value {
    let wrapped = format!("value = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => table.remove("value").unwrap_or_else(|| raw.into()),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (first, rest) = path.split_first().ok_or("empty key")?;
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return Ok(());
    }
    let child = table
        .entry(first.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    insert_value(child, rest, value)
}

fn insert_value(node: &mut toml::Value, path: &[String], value: toml::Value) -> Result<(), String> {
    match node {
        toml::Value::Table(table) => insert(table, path, value),
        toml::Value::Array(items) => {
            let (first, rest) = path.split_first().ok_or("empty key")?;
            let index: usize = first
                .parse()
                .map_err(|_| format!("`{first}` must be an array index"))?;
            if index == items.len() {
                items.push(toml::Value::Table(toml::Table::new()));
            }
            let len = items.len();
            let item = items
                .get_mut(index)
                .ok_or_else(|| format!("array index {index} is past the end ({len})"))?;
            if rest.is_empty() {
                *item = value;
                Ok(())
            } else {
                insert_value(item, rest, value)
            }
        }
        _ => Err("cannot set a key inside a plain value".to_owned()),
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
