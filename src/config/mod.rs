//! Typed settings of a Staffetta node, layered as defaults, then a TOML file
//! (`--config` / `STAFFETTA_CONFIG`), then environment variables (`STAFFETTA__SECTION__KEY`).
//!
//! Unknown keys and wrong types are errors that name the file or variable, the key and what
//! was expected. Secrets are [`Secret`](crate::secret::Secret)s and never print.

mod agent;
mod connector;
mod limits;
mod load;
mod network;
mod origin;
mod relative;
mod site;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

pub use agent::{AgentSettings, LoginFailureSettings, PasswordHashing};
pub use connector::{MIN_WEBHOOK_SECRET_LEN, WebhookSettings, WebhookSettingsError};
pub use limits::{LONG_POLL_CEILING_S, LimitSettings};
pub use load::{ConfigError, ENV_PREFIX};
pub use network::{CidrError, GeoIpSettings, IpCidr, any_contains};
pub use origin::{OriginError, OriginPattern};
pub use site::{
    HandoffSettings, HomeScreenSettings, IdentityKey, IdentitySettings, LauncherSettings,
    LocalizedText, MauLimitBehaviour, OfficeHoursSettings, PauseReasonSettings, ResourceSettings,
    SiteSettings, Weekday,
};

use crate::secret::Secret;
use crate::store::StoreSettings;

/// The commented example configuration, embedded in the binary (`staffetta default-config`).
pub const EXAMPLE_CONFIG: &str = include_str!("../../config/staffetta.example.toml");

/// Everything a node needs to run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Listening socket and shutdown behaviour.
    pub server: ServerSettings,
    /// Where state lives: embedded sled (default) or Redis.
    pub store: StoreSettings,
    /// Data folders read at start.
    pub paths: PathSettings,
    /// Administration API access.
    pub admin: AdminSettings,
    /// Sites that embed the widget. Defaults to the built-in `demo` site.
    pub sites: Vec<SiteSettings>,
    /// Per-client bounds: message length, frame size, rates, connections (G7).
    pub limits: LimitSettings,
    /// Optional IP geolocation database for visitor metadata.
    pub geoip: GeoIpSettings,
    /// Agent sessions, passwords and failed-login limits.
    pub agent: AgentSettings,
    /// `GET /metrics` access.
    pub metrics: MetricsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::default(),
            store: StoreSettings::default(),
            paths: PathSettings::default(),
            admin: AdminSettings::default(),
            sites: vec![SiteSettings::demo()],
            limits: LimitSettings::default(),
            geoip: GeoIpSettings::default(),
            agent: AgentSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

impl Settings {
    /// The site with this id.
    pub fn site(&self, id: &str) -> Option<&SiteSettings> {
        self.sites.iter().find(|site| site.id == id)
    }
}

/// The HTTP listener.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to bind; `127.0.0.1:8080` by default.
    pub listen: SocketAddr,
    /// Seconds to drain connections on shutdown before closing them anyway.
    pub shutdown_grace_s: u64,
    /// Reverse proxies (CIDR blocks) whose `X-Forwarded-For` is believed; empty: none.
    pub trusted_proxies: Vec<IpCidr>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            shutdown_grace_s: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Data folders.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathSettings {
    /// Dialog definitions.
    pub dialogs: PathBuf,
    /// Fluent `.ftl` files, one folder per locale.
    pub locales: PathBuf,
}

impl Default for PathSettings {
    fn default() -> Self {
        Self {
            dialogs: PathBuf::from("./dialogs"),
            locales: PathBuf::from("./locales"),
        }
    }
}

/// Administration API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Bearer token for `/api/v1/admin`; empty disables the admin API.
    pub token: Secret,
}

/// The metrics endpoint.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Bearer token for `GET /metrics` (a scraper's, not the admin's); empty disables it.
    pub token: Secret,
}
