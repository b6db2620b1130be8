//! The bot's runtime data, loaded once at start: every dialog, the system texts and each
//! site's time zone and idle timeout. A malformed dialog or a site naming a missing dialog
//! stops the start with the same messages as `staffetta dialogs check`. A dialog whose own
//! idle timeout or warning wins over its site's is an [`IdleOverride`], which the start log
//! (WARN) and `config check` report.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use staffetta_engine::dialog::{Diagnostic, Dialog, DialogSet, LoadOptions, load_dir_with};
use staffetta_engine::i18n::Localizer;
use staffetta_engine::session::IdleConfig;

use crate::config::{Settings, SiteSettings};

/// Why the bot data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BotLoadError {
    /// One or more dialog files are invalid (each line is `file:line:col: message`).
    #[error("invalid dialogs in {dir}:\n{diagnostics}")]
    Dialogs {
        /// The dialogs folder.
        dir: String,
        /// The diagnostics, one per line.
        diagnostics: String,
    },
    /// A site names a dialog that does not exist.
    #[error("site `{site}` uses dialog `{dialog}`, which is not in {dir}")]
    UnknownDialog {
        /// The site id.
        site: String,
        /// The missing dialog id.
        dialog: String,
        /// The dialogs folder.
        dir: String,
    },
    /// The locales folder could not be read.
    #[error("cannot load system texts from {dir}: {message}")]
    Locales {
        /// The locales folder.
        dir: String,
        /// What went wrong.
        message: String,
    },
    /// A site's default locale has no system texts (a typo would give visitors another
    /// language's widget).
    #[error(
        "site `{site}`: `default_locale` `{locale}` has no texts in {dir} (available: {available})"
    )]
    DefaultLocale {
        /// The site id.
        site: String,
        /// The configured locale.
        locale: String,
        /// The locales folder.
        dir: String,
        /// The locales that have texts, comma separated.
        available: String,
    },
    /// A site's time zone is unknown.
    #[error("site `{site}`: `{time_zone}` is not an IANA time zone")]
    TimeZone {
        /// The site id.
        site: String,
        /// The configured zone.
        time_zone: String,
    },
}

/// Per-site facts the bot needs on every turn.
#[derive(Clone, Debug)]
struct SiteBot {
    dialog: Arc<Dialog>,
    time_zone: TimeZone,
    idle: IdleConfig,
}

/// Dialogs, system texts and per-site bot settings.
#[derive(Debug)]
pub struct Bots {
    localizer: Arc<Localizer>,
    sites: HashMap<String, SiteBot>,
    dialogs: DialogSet,
    idle_overrides: Vec<IdleOverride>,
}

/// A site whose dialog's own `idle_timeout_s` / `idle_warning_s` (its `[settings]`) give
/// other idle times than the site's keys: the dialog's win, so a change of the site's keys
/// changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdleOverride {
    /// The site id.
    pub site: String,
    /// The dialog answering on it.
    pub dialog: String,
    /// The site's `idle_timeout_s` and `idle_warning_s`.
    pub site_s: (i64, i64),
    /// The idle timeout and warning in force (the dialog's).
    pub in_force_s: (i64, i64),
}

impl std::fmt::Display for IdleOverride {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut differences = Vec::new();
        for (key, site, in_force) in [
            ("idle_timeout_s", self.site_s.0, self.in_force_s.0),
            ("idle_warning_s", self.site_s.1, self.in_force_s.1),
        ] {
            if site != in_force {
                differences.push(format!("`{key}` is {in_force} (the site sets {site})"));
            }
        }
        write!(
            f,
            "site `{}`: its dialog `{}` sets its own idle times, which win over the site's: {}; \
             change them in the dialog's `[settings]`, or remove them there to use the site's",
            self.site,
            self.dialog,
            differences.join(", ")
        )
    }
}

/// A diagnostic as `serve` and `config check` say it: the engine's undeclared-iframe-host
/// message offers `dialogs check --iframe-host`, a flag neither of them has, so its remedy
/// is given for a configured server instead: the dialog declares the host, and the site's
/// `iframe_hosts` lets visitors see the frame (docs/configuration.md, "Sites").
fn for_the_server(mut diagnostic: Diagnostic) -> Diagnostic {
    let message = &diagnostic.message;
    let undeclared_host = message
        .strip_prefix("iframe host `")
        .and_then(|rest| rest.split_once('`'))
        .filter(|(_, rest)| rest.contains("--iframe-host"))
        .map(|(host, _)| host.to_owned());
    if let Some(host) = undeclared_host {
        diagnostic.message = format!(
            "iframe host `{host}` is not declared by the dialog: add it to the dialog's \
             `[settings] iframe_hosts` (a site's `iframe_hosts` in the configuration does not \
             declare it; it only lets the site's visitors see frames the dialog declares)"
        );
    }
    diagnostic
}

impl Bots {
    /// Loads the dialogs and locales named by `settings` and checks every site's dialog.
    pub fn load(settings: &Settings) -> Result<Bots, BotLoadError> {
        let dir = settings.paths.dialogs.display().to_string();
        let localizer =
            Localizer::load_dir(&settings.paths.locales).map_err(|err| BotLoadError::Locales {
                dir: settings.paths.locales.display().to_string(),
                message: err.to_string(),
            })?;
        let localizer = Arc::new(localizer);
        // The same checks as `staffetta dialogs check`, including that every locale of
        // every dialog has the engine's system texts.
        let options = LoadOptions {
            iframe_hosts: Vec::new(),
            localizer: Some(Arc::clone(&localizer)),
        };
        let dialogs = load_dir_with(&settings.paths.dialogs, &options).map_err(|diagnostics| {
            BotLoadError::Dialogs {
                dir: dir.clone(),
                diagnostics: diagnostics
                    .iter()
                    .map(|diagnostic| for_the_server(diagnostic.clone()).to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        })?;
        let mut sites = HashMap::new();
        let mut idle_overrides = Vec::new();
        let available: Vec<&str> = localizer.locales().collect();
        for site in &settings.sites {
            if super::locale::matching(&site.default_locale, &available).is_none() {
                return Err(BotLoadError::DefaultLocale {
                    site: site.id.clone(),
                    locale: site.default_locale.clone(),
                    dir: settings.paths.locales.display().to_string(),
                    available: available.join(", "),
                });
            }
            let dialog = dialogs
                .get(&site.dialog)
                .ok_or_else(|| BotLoadError::UnknownDialog {
                    site: site.id.clone(),
                    dialog: site.dialog.clone(),
                    dir: dir.clone(),
                })?
                .clone();
            let time_zone = TimeZone::get(&site.time_zone).map_err(|_| BotLoadError::TimeZone {
                site: site.id.clone(),
                time_zone: site.time_zone.clone(),
            })?;
            let idle = dialog.idle_config(site_idle(site));
            let seconds =
                |idle: IdleConfig| (idle.timeout.as_secs(), idle.warning_before.as_secs());
            if idle != site_idle(site) {
                idle_overrides.push(IdleOverride {
                    site: site.id.clone(),
                    dialog: dialog.id().to_owned(),
                    site_s: seconds(site_idle(site)),
                    in_force_s: seconds(idle),
                });
            }
            sites.insert(
                site.id.clone(),
                SiteBot {
                    dialog,
                    time_zone,
                    idle,
                },
            );
        }
        Ok(Bots {
            localizer,
            sites,
            dialogs,
            idle_overrides,
        })
    }

    /// The sites whose dialog's own idle times win over the site's, in the order of the
    /// settings.
    pub fn idle_overrides(&self) -> &[IdleOverride] {
        &self.idle_overrides
    }

    /// The system texts.
    pub fn localizer(&self) -> &Localizer {
        &self.localizer
    }

    /// Every loaded dialog.
    pub fn dialogs(&self) -> &DialogSet {
        &self.dialogs
    }

    /// The dialog answering on `site`.
    pub fn dialog(&self, site: &str) -> Option<&Arc<Dialog>> {
        self.sites.get(site).map(|bot| &bot.dialog)
    }

    /// The idle timeout in force on `site` (the dialog may override the site's).
    pub fn idle(&self, site: &str) -> IdleConfig {
        self.sites
            .get(site)
            .map_or_else(IdleConfig::default, |bot| bot.idle)
    }

    /// Today's date in the site's time zone.
    pub fn today(&self, site: &str, now: Timestamp) -> jiff::civil::Date {
        let zone = self
            .sites
            .get(site)
            .map_or(TimeZone::UTC, |bot| bot.time_zone.clone());
        now.to_zoned(zone).date()
    }
}

fn site_idle(site: &SiteSettings) -> IdleConfig {
    IdleConfig {
        timeout: SignedDuration::from_secs(i64::try_from(site.idle_timeout_s).unwrap_or(i64::MAX)),
        warning_before: SignedDuration::from_secs(
            i64::try_from(site.idle_warning_s).unwrap_or(i64::MAX),
        ),
    }
}
