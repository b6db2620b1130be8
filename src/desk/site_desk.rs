//! The desk of one site as the edge runs it. The resources, office hours and pause reasons
//! come from config; they are applied to the stored [`Desk`] before every transition, so a
//! config change reaches the desk on the next event without a migration. After the write
//! the desk's next deadline goes to the store's `desk` schedule for the timer.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use staffetta_handoff::agent::{PauseCode, PauseReason};
use staffetta_handoff::office_hours::{Holiday, OfficeHours, OpeningInterval, WeeklySchedule};
use staffetta_handoff::resource::Resource;
use staffetta_handoff::{Desk, DeskConfig, DeskError, Notice, ResourceId, SiteId, Skill};

use crate::agent::desk_store;
use crate::app::AppState;
use crate::config::{OfficeHoursSettings, Settings, SiteSettings, Weekday};
use crate::error::ApiError;
use crate::store::VersionGuard;

/// The store schedule of desk deadlines (member = site id), written with each desk.
pub const DESK_SCHEDULE: &str = desk_store::SCHEDULE;

/// What config says about one site's desk.
#[derive(Clone, Debug)]
pub struct SiteDesk {
    /// The site.
    pub site: SiteId,
    /// Desk-wide settings.
    pub config: DeskConfig,
    /// The resources, in config order.
    pub resources: Vec<Resource>,
    /// This node's copy of the site's stored desk ([`desk_store::DeskCache`]).
    pub cache: Arc<desk_store::DeskCache>,
}

/// Every site's desk settings, built once at startup.
#[derive(Clone, Debug, Default)]
pub struct SiteDesks {
    by_site: BTreeMap<String, SiteDesk>,
}

impl SiteDesks {
    /// Builds the desks of every configured site.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let mut by_site = BTreeMap::new();
        for site in &settings.sites {
            let desk = site_desk(site).map_err(|m| format!("site `{}`: {m}", site.id))?;
            by_site.insert(site.id.clone(), desk);
        }
        Ok(Self { by_site })
    }

    /// The desk settings of a site.
    pub fn get(&self, site: &str) -> Option<&SiteDesk> {
        self.by_site.get(site)
    }

    /// Every site with a desk.
    pub fn sites(&self) -> impl Iterator<Item = &SiteDesk> {
        self.by_site.values()
    }
}

/// The desk settings of one site, validated.
pub fn site_desk(site: &SiteSettings) -> Result<SiteDesk, String> {
    let site_id = SiteId::parse(&site.id).map_err(|e| format!("`id`: {e}"))?;
    let resources = site
        .resources
        .iter()
        .enumerate()
        .map(|(index, r)| resource(r).map_err(|m| format!("`resources[{index}]`: {m}")))
        .collect::<Result<Vec<_>, _>>()?;
    let default_resource = match &site.handoff.default_resource {
        Some(id) => {
            let id =
                ResourceId::parse(id).map_err(|e| format!("`handoff.default_resource`: {e}"))?;
            if !resources.iter().any(|r| r.id == id) {
                return Err(format!(
                    "`handoff.default_resource`: no resource `{}`",
                    id.as_str()
                ));
            }
            Some(id)
        }
        None => resources.first().map(|r| r.id.clone()),
    };
    let mut codes = BTreeSet::new();
    let mut pause_reasons = Vec::new();
    for (index, reason) in site.handoff.pause_reasons.iter().enumerate() {
        let label = reason.label.trim();
        if reason.code == 0 || label.is_empty() || label.chars().count() > 64 {
            return Err(format!(
                "`handoff.pause_reasons[{index}]`: the code must be 1-65535 and the label 1-64 characters"
            ));
        }
        if !codes.insert(reason.code) {
            return Err(format!(
                "`handoff.pause_reasons[{index}]`: duplicate code {}",
                reason.code
            ));
        }
        pause_reasons.push(PauseReason {
            code: PauseCode(reason.code),
            label: label.to_owned(),
        });
    }
    if site.handoff.disconnect_grace_s > 3600 {
        return Err("`handoff.disconnect_grace_s` must be at most 3600".to_owned());
    }
    if !(10..=3600).contains(&site.handoff.visitor_gone_s) {
        return Err(format!(
            "`handoff.visitor_gone_s` must be between 10 and 3600 (it is {}): a visitor who \
             reloads the page needs a few seconds to reconnect",
            site.handoff.visitor_gone_s
        ));
    }
    let config = DeskConfig {
        default_resource,
        pause_reasons,
        disconnect_grace_s: site.handoff.disconnect_grace_s,
        ..DeskConfig::default()
    };
    Ok(SiteDesk {
        site: site_id,
        config,
        resources,
        cache: Arc::default(),
    })
}

fn resource(settings: &crate::config::ResourceSettings) -> Result<Resource, String> {
    let id = ResourceId::parse(&settings.id).map_err(|e| format!("`id`: {e}"))?;
    let mut resource = Resource::new(id, settings.name.clone());
    resource.skills = settings
        .skills
        .iter()
        .map(|s| Skill::parse(s).map_err(|e| format!("skill `{s}`: {e}")))
        .collect::<Result<_, _>>()?;
    resource.offer_timeout_s = u32::try_from(settings.offer_timeout_s)
        .map_err(|_| "`offer_timeout_s` is too large".to_owned())?;
    resource.wrap_up_limit_s = u32::try_from(settings.wrap_up_limit_s)
        .map_err(|_| "`wrap_up_limit_s` is too large".to_owned())?;
    resource.max_wait_s = settings.max_wait_s;
    resource.office_hours = settings
        .office_hours
        .as_ref()
        .map(office_hours)
        .transpose()
        .map_err(|m| format!("`office_hours`: {m}"))?;
    resource.validate().map_err(|e| e.to_string())?;
    Ok(resource)
}

fn office_hours(settings: &OfficeHoursSettings) -> Result<OfficeHours, String> {
    let mut weekly = WeeklySchedule::default();
    for (day, ranges) in &settings.weekly {
        let periods = ranges
            .iter()
            .map(|r| OpeningInterval::parse(r).map_err(|e| format!("{day:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let slot = match day {
            Weekday::Monday => &mut weekly.monday,
            Weekday::Tuesday => &mut weekly.tuesday,
            Weekday::Wednesday => &mut weekly.wednesday,
            Weekday::Thursday => &mut weekly.thursday,
            Weekday::Friday => &mut weekly.friday,
            Weekday::Saturday => &mut weekly.saturday,
            Weekday::Sunday => &mut weekly.sunday,
        };
        *slot = periods;
    }
    let holidays = settings
        .holidays
        .iter()
        .map(|d| {
            d.parse()
                .map(|date| Holiday {
                    date,
                    hours: Vec::new(),
                })
                .map_err(|_| format!("holiday `{d}` is not a YYYY-MM-DD date"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    OfficeHours::new(&settings.time_zone, weekly, holidays).map_err(|e| e.to_string())
}

/// Brings a stored desk in line with config: settings, new or changed resources, and
/// resources no longer configured (removed once no conversation uses them).
fn sync(desk: &mut Desk, now: Timestamp, wanted: &SiteDesk) -> Vec<Notice> {
    if desk.config() != &wanted.config {
        desk.set_config(wanted.config.clone());
    }
    let mut notices = Vec::new();
    for resource in &wanted.resources {
        if desk.resource(&resource.id) != Some(resource)
            && let Ok(more) = desk.upsert_resource(now, resource.clone())
        {
            notices.extend(more);
        }
    }
    let stale: Vec<ResourceId> = desk
        .resources()
        .filter(|r| !wanted.resources.iter().any(|w| w.id == r.id))
        .map(|r| r.id.clone())
        .collect();
    for id in stale {
        // Still used by a conversation: kept until it is not.
        let _ = desk.remove_resource(&id);
    }
    notices
}

/// Applies `transition` to the site's stored desk (config applied first) and schedules the
/// desk's next deadline. Returns the transition's value and the notices to deliver, in
/// order; a refused transition leaves the desk untouched. On a site with an external desk
/// the agent events among the notices are appended to its outbox in the desk's own write
/// (see [`crate::desk::external`]; an offer with the chat's transcript before the handoff and
/// its summary, taken from the desk the transition left): [`super::deliver::deliver`] sends
/// them to the consoles only.
pub async fn update<T>(
    state: &AppState,
    site: &str,
    mut transition: impl FnMut(&mut Desk, Timestamp) -> Result<(T, Vec<Notice>), DeskError>,
) -> Result<Result<(T, Vec<Notice>), DeskError>, ApiError> {
    let wanted = state
        .agents
        .desks
        .get(site)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))?;
    let now = crate::visitor::conversation::now(state);
    let mut next_deadline = None;
    let external = &state.agents.external;
    let outcome = desk_store::update_with_log(
        state.store.as_ref(),
        &wanted.cache,
        &wanted.site,
        &wanted.config,
        |desk| {
            let mut notices = sync(desk, now, wanted);
            let (value, more) = transition(desk, now)?;
            notices.extend(more);
            next_deadline = desk.next_deadline();
            let offers = external.offers_in(site, desk, &notices);
            Ok::<_, DeskError>((value, notices, offers))
        },
        |(_, notices, offers)| {
            if !external.has(site) {
                return Box::pin(std::future::ready(Ok(None)));
            }
            let (notices, offers) = (notices.clone(), offers.clone());
            Box::pin(async move {
                external
                    .events_to_store(state, site, &notices, &offers)
                    .await
            })
        },
    )
    .await
    .map(|outcome| outcome.map(|(value, notices, _)| (value, notices)))
    .map_err(|e| match e {
        desk_store::DeskStoreError::Store(err) => ApiError::from(err),
        desk_store::DeskStoreError::Busy(_) => ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "The desk is busy; please retry.",
        ),
        other => ApiError::internal(&other),
    })?;
    if let Ok((_, notices)) = &outcome
        && notices.iter().any(|n| matches!(n, Notice::Agent { .. }))
    {
        external.wake(site);
    }
    // The desk's write put its next deadline in the schedule; the timer looks again.
    if outcome.is_ok() && next_deadline.is_some() {
        state.timer.notify_one();
    }
    Ok(outcome)
}

/// Reads the site's desk without changing it (config applied to the copy).
pub async fn read(state: &AppState, site: &str) -> Result<Desk, ApiError> {
    read_guarded(state, site).await.map(|(desk, _)| desk)
}

/// [`read`], with the guard of the desk as read ([`desk_store::guard`]): the `guard` of a
/// write that must only land while the desk is still the one read, e.g. a visitor message
/// passed to the agent read here.
pub async fn read_guarded(state: &AppState, site: &str) -> Result<(Desk, VersionGuard), ApiError> {
    let wanted = state
        .agents
        .desks
        .get(site)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))?;
    let (mut desk, version) = desk_store::load(
        state.store.as_ref(),
        &wanted.cache,
        &wanted.site,
        &wanted.config,
    )
    .await
    .map_err(|e| match e {
        desk_store::DeskStoreError::Store(err) => ApiError::from(err),
        other => ApiError::internal(&other),
    })?;
    let now = crate::visitor::conversation::now(state);
    let _ = sync(&mut desk, now, wanted);
    Ok((desk, desk_store::guard(&wanted.site, version)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{HandoffSettings, PauseReasonSettings, ResourceSettings};

    fn site() -> SiteSettings {
        SiteSettings::demo()
    }

    #[test]
    fn the_first_resource_is_the_default_and_pause_reasons_come_from_config() {
        let desk = site_desk(&site()).unwrap();
        assert_eq!(
            desk.config.default_resource.unwrap().as_str(),
            "customer-care"
        );
        assert_eq!(desk.config.pause_reasons.len(), 2);
        assert_eq!(desk.config.pause_reasons[0].code, PauseCode(1701));
    }

    #[test]
    fn office_hours_and_holidays_are_built_in_the_resource_zone() {
        let mut site = site();
        let mut weekly = BTreeMap::new();
        weekly.insert(Weekday::Monday, vec!["09:00-13:00".to_owned()]);
        site.resources[0].office_hours = Some(OfficeHoursSettings {
            time_zone: "Europe/Rome".to_owned(),
            weekly,
            holidays: vec!["2026-12-25".to_owned()],
        });
        let desk = site_desk(&site).unwrap();
        let hours = desk.resources[0].office_hours.as_ref().unwrap();
        assert_eq!(hours.time_zone(), "Europe/Rome");
        // Monday 2026-11-23 10:00 in Rome is 09:00 UTC.
        assert!(hours.is_open("2026-11-23T09:00:00Z".parse().unwrap()));
        assert!(!hours.is_open("2026-11-24T09:00:00Z".parse().unwrap()));
    }

    #[test]
    fn bad_desk_settings_name_the_key() {
        let mut unknown_default = site();
        unknown_default.handoff = HandoffSettings {
            default_resource: Some("nope".to_owned()),
            ..HandoffSettings::default()
        };
        assert!(
            site_desk(&unknown_default)
                .unwrap_err()
                .contains("handoff.default_resource")
        );
        let mut duplicate = site();
        duplicate.handoff.pause_reasons.push(PauseReasonSettings {
            code: 1701,
            label: "Again".to_owned(),
        });
        assert!(
            site_desk(&duplicate)
                .unwrap_err()
                .contains("duplicate code")
        );
        let mut bad_range = site();
        let mut weekly = BTreeMap::new();
        weekly.insert(Weekday::Friday, vec!["18:00-09:00".to_owned()]);
        bad_range.resources = vec![ResourceSettings {
            office_hours: Some(OfficeHoursSettings {
                time_zone: "UTC".to_owned(),
                weekly,
                holidays: Vec::new(),
            }),
            ..bad_range.resources[0].clone()
        }];
        assert!(site_desk(&bad_range).unwrap_err().contains("resources[0]"));
    }

    #[test]
    fn a_visitor_gone_grace_outside_10_to_3600_seconds_is_refused() {
        let mut site = site();
        assert_eq!(site.handoff.visitor_gone_s, 60);
        for (seconds, ok) in [
            (0, false),
            (9, false),
            (10, true),
            (3600, true),
            (3601, false),
        ] {
            site.handoff.visitor_gone_s = seconds;
            match site_desk(&site) {
                Ok(_) => assert!(ok, "{seconds} accepted"),
                Err(message) => {
                    assert!(!ok, "{seconds} refused");
                    assert!(message.contains("handoff.visitor_gone_s"), "{message}");
                }
            }
        }
    }

    #[test]
    fn sync_adds_changed_resources_and_drops_unused_ones() {
        let wanted = site_desk(&site()).unwrap();
        let now = Timestamp::UNIX_EPOCH;
        let mut desk = Desk::new(wanted.site.clone(), DeskConfig::default());
        desk.upsert_resource(now, Resource::new(ResourceId::parse("old").unwrap(), "Old"))
            .unwrap();
        sync(&mut desk, now, &wanted);
        let ids: Vec<_> = desk.resources().map(|r| r.id.as_str().to_owned()).collect();
        assert_eq!(ids, ["customer-care"]);
        assert_eq!(desk.config(), &wanted.config);
    }
}
