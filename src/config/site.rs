//! Per-site settings: who may embed the widget, which dialog answers, texts, identity keys,
//! resources (queues) and office hours.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::origin::OriginPattern;

/// A text in several locales, keyed by BCP 47 tag: `{ en = "Hi!", it = "Ciao!" }`.
pub type LocalizedText = BTreeMap<String, String>;

/// One site that embeds the widget.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    /// Identifier used in URLs and the embed snippet: 1-64 of `[a-z0-9_-]`.
    pub id: String,
    /// Origins allowed to embed the widget and open websockets (exact scheme, host, port).
    pub allowed_origins: Vec<OriginPattern>,
    /// The dialog (its id in the dialogs dir) that answers on this site.
    #[serde(default = "default_dialog")]
    pub dialog: String,
    /// Locale used when neither the widget nor Accept-Language picks a supported one.
    #[serde(default = "default_locale")]
    pub default_locale: String,
    /// IANA time zone of the site: relative dates ("tomorrow") are computed in it.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Seconds of visitor inactivity after which the bot session expires.
    #[serde(default = "default_idle_timeout_s")]
    pub idle_timeout_s: u64,
    /// Seconds before expiry at which the visitor is warned (`session_expiring`).
    #[serde(default = "default_idle_warning_s")]
    pub idle_warning_s: u64,
    /// Hosts iframes in bot responses may load from (exact host names).
    #[serde(default)]
    pub iframe_hosts: Vec<String>,
    /// Launcher texts and timings.
    #[serde(default)]
    pub launcher: LauncherSettings,
    /// Home screen shown when the chat window first opens.
    #[serde(default)]
    pub home_screen: HomeScreenSettings,
    /// Identity verification of visitors (signed JWTs).
    #[serde(default)]
    pub identity: IdentitySettings,
    /// Resources (queues) agents are assigned to.
    #[serde(default)]
    pub resources: Vec<ResourceSettings>,
    /// Live-agent desk settings: pause reasons, reconnection grace.
    #[serde(default)]
    pub handoff: HandoffSettings,
    /// Most unique visitors per calendar month (UTC) this site may have; absent means no limit.
    #[serde(default)]
    pub mau_limit: Option<u64>,
    /// What happens to a new visitor once `mau_limit` is reached: `warn` (default) or `refuse`.
    #[serde(default)]
    pub mau_limit_behaviour: MauLimitBehaviour,
    /// Days an ended or expired conversation is kept after its last activity, then deleted
    /// with everything that belongs to it (docs/retention.md); absent: kept until erased.
    /// 1-36500.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Signed webhooks to an external contact centre (docs/connectors.md); absent: agents
    /// use the built-in console only.
    #[serde(default)]
    pub webhook: Option<super::connector::WebhookSettings>,
}

/// What the server does with a visitor who would exceed the site's monthly limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MauLimitBehaviour {
    /// Serve them and log a warning (no personal data in it).
    #[default]
    Warn,
    /// Refuse new visitors with 403 `mau_limit_reached`; visitors already counted this month
    /// keep working.
    Refuse,
}

/// Launcher behaviour; timings follow the product seed (15 s expand, 10 s mobile collapse,
/// bounces at 15 s and 60 s).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LauncherSettings {
    /// Whether the launcher is shown at all (an inline widget may hide it).
    pub show: bool,
    /// Greeting shown when the launcher expands.
    pub greeting: LocalizedText,
    /// Seconds after page load before the launcher expands.
    pub expand_after_s: u64,
    /// Seconds an expanded launcher stays open on mobile before collapsing.
    pub mobile_collapse_after_s: u64,
    /// Bounces of a never-clicked launcher: seconds after page load of the first bounce,
    /// then seconds after the first of the second one (seed 001: 15 s, then 60 s later).
    pub bounce_at_s: Vec<u64>,
}

impl Default for LauncherSettings {
    fn default() -> Self {
        Self {
            show: true,
            greeting: LocalizedText::new(),
            expand_after_s: 15,
            mobile_collapse_after_s: 10,
            bounce_at_s: vec![15, 60],
        }
    }
}

/// The home screen: a welcome text and suggestion chips.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HomeScreenSettings {
    /// Welcome text (markdown).
    pub greeting: LocalizedText,
    /// Suggestions the visitor can click to start.
    pub suggestions: Vec<LocalizedText>,
}

/// Visitor identity verification.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentitySettings {
    /// When true, anonymous sessions are refused with `identity_required`.
    pub required: bool,
    /// Expected `iss` claim.
    pub issuer: Option<String>,
    /// Expected `aud` claim; defaults to the site id.
    pub audience: Option<String>,
    /// RS256 public keys, selected by the token's `kid`.
    pub keys: Vec<IdentityKey>,
}

/// One registered RS256 public key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityKey {
    /// Key id the token header must name.
    pub kid: String,
    /// PEM-encoded public key (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
}

/// A resource (queue) conversations can be dispatched to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSettings {
    /// Identifier used by the widget's `dispatchTo`: 1-64 of `[a-z0-9_-]`.
    pub id: String,
    /// Name shown to agents.
    #[serde(default)]
    pub name: String,
    /// Skills an agent needs to be offered this resource's conversations.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Seconds an agent has to accept an offer before being forced to pause.
    #[serde(default = "default_offer_timeout_s")]
    pub offer_timeout_s: u64,
    /// Maximum seconds of after-chat work before the job finishes by itself.
    #[serde(default = "default_wrap_up_limit_s")]
    pub wrap_up_limit_s: u64,
    /// Seconds a visitor may wait before being offered to leave a request; absent waits
    /// indefinitely.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
    /// Office hours; absent means always open.
    pub office_hours: Option<OfficeHoursSettings>,
}

/// The site's live-agent desk.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HandoffSettings {
    /// The resource used when neither the widget nor the dialog names one; defaults to the
    /// first resource.
    pub default_resource: Option<String>,
    /// Pause reasons agents choose from in the console's state switcher.
    pub pause_reasons: Vec<PauseReasonSettings>,
    /// Seconds an agent whose console lost its connection keeps their conversations.
    pub disconnect_grace_s: u32,
    /// Seconds a visitor waiting for an agent keeps their place in the queue after their
    /// last tab (websocket or long-poll, on any node) went away; then the wait is cancelled
    /// as if they had stopped waiting. 10-3600.
    pub visitor_gone_s: u32,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            default_resource: None,
            pause_reasons: vec![
                PauseReasonSettings {
                    code: 1701,
                    label: "Break".to_owned(),
                },
                PauseReasonSettings {
                    code: 1702,
                    label: "Training".to_owned(),
                },
            ],
            disconnect_grace_s: 60,
            visitor_gone_s: 60,
        }
    }
}

/// One pause sub-state (AgentDesktop PAUSESUBSTATE code).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseReasonSettings {
    /// The numeric code sent as `reason` (1-65535).
    pub code: u16,
    /// The label agents see.
    pub label: String,
}

/// Weekly opening hours in a time zone, plus closed dates.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursSettings {
    /// IANA time zone, e.g. `Europe/Rome`.
    pub time_zone: String,
    /// Day name (`monday` .. `sunday`) to ranges like `"09:00-13:00"`.
    #[serde(default)]
    pub weekly: BTreeMap<Weekday, Vec<String>>,
    /// Closed dates, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// A day of the week, as written in config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

fn default_dialog() -> String {
    "bottega-aurora".to_owned()
}
fn default_time_zone() -> String {
    "UTC".to_owned()
}
fn default_locale() -> String {
    "en".to_owned()
}
fn default_idle_timeout_s() -> u64 {
    300
}
fn default_idle_warning_s() -> u64 {
    60
}
fn default_offer_timeout_s() -> u64 {
    20
}
fn default_wrap_up_limit_s() -> u64 {
    120
}

/// The idle timeout of the built-in `demo` site: the one its dialog, `bottega-aurora`, sets in
/// its own `[settings]` (and `config/staffetta.example.toml` repeats). A dialog's own idle
/// times win over the site's and a difference is warned about at start, so the site agrees
/// with its dialog and a server without a configuration starts without a warning. A
/// `[[sites]]` table without the keys gets 300 s and 60 s.
pub(crate) const DEMO_IDLE_TIMEOUT_S: u64 = 600;
/// The idle warning of the built-in `demo` site, as its dialog sets it
/// ([`DEMO_IDLE_TIMEOUT_S`]).
pub(crate) const DEMO_IDLE_WARNING_S: u64 = 60;

impl SiteSettings {
    /// The built-in `demo` site: any port on localhost and 127.0.0.1, English default, the
    /// demo dialog and its idle times ([`DEMO_IDLE_TIMEOUT_S`], [`DEMO_IDLE_WARNING_S`]).
    pub fn demo() -> Self {
        let origin = |s: &str| s.parse().expect("built-in demo origin is valid");
        Self {
            id: "demo".to_owned(),
            allowed_origins: vec![origin("http://localhost:*"), origin("http://127.0.0.1:*")],
            dialog: default_dialog(),
            default_locale: default_locale(),
            time_zone: default_time_zone(),
            idle_timeout_s: DEMO_IDLE_TIMEOUT_S,
            idle_warning_s: DEMO_IDLE_WARNING_S,
            iframe_hosts: vec!["www.openstreetmap.org".to_owned()],
            launcher: LauncherSettings::default(),
            home_screen: HomeScreenSettings::default(),
            identity: IdentitySettings::default(),
            resources: vec![ResourceSettings {
                id: "customer-care".to_owned(),
                name: "Customer care".to_owned(),
                skills: Vec::new(),
                offer_timeout_s: default_offer_timeout_s(),
                wrap_up_limit_s: default_wrap_up_limit_s(),
                max_wait_s: None,
                office_hours: None,
            }],
            handoff: HandoffSettings::default(),
            mau_limit: None,
            mau_limit_behaviour: MauLimitBehaviour::Warn,
            retention_days: None,
            webhook: None,
        }
    }
}
