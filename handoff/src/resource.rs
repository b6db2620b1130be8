//! Resources (queues) of a site: what skills they need, how long offers and wrap-up last,
//! how long a visitor may wait and when the resource is open.
//!
//! The widget's `dispatch_to` (seed 003 `data-dispatch-to`) names a resource; without it
//! the desk's default resource is used.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ResourceId, Skill};
use crate::office_hours::OfficeHours;

/// Why a resource definition is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The offer timeout is zero.
    #[error("the offer timeout must be at least one second")]
    ZeroOfferTimeout,
    /// The maximum wait is zero.
    #[error("the maximum wait must be at least one second when set")]
    ZeroMaxWait,
}

/// A queue of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The id used by `dispatch_to`.
    pub id: ResourceId,
    /// Name shown to agents (for example in the transfer menu).
    pub name: String,
    /// Skills an agent needs to be offered this resource's conversations.
    #[serde(default)]
    pub skills: BTreeSet<Skill>,
    /// Seconds an agent has to accept an offer (default 20).
    #[serde(default = "default_offer_timeout_s")]
    pub offer_timeout_s: u32,
    /// Seconds a visitor may wait before the request is closed; `None` waits indefinitely.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
    /// Seconds of after-chat work before the job finishes by itself (default 120; 0 finishes
    /// the job as soon as the conversation ends).
    #[serde(default = "default_wrap_up_limit_s")]
    pub wrap_up_limit_s: u32,
    /// Office hours; `None` means always open.
    #[serde(default)]
    pub office_hours: Option<OfficeHours>,
}

fn default_offer_timeout_s() -> u32 {
    Resource::DEFAULT_OFFER_TIMEOUT_S
}

fn default_wrap_up_limit_s() -> u32 {
    Resource::DEFAULT_WRAP_UP_LIMIT_S
}

impl Resource {
    /// Default seconds to accept an offer.
    pub const DEFAULT_OFFER_TIMEOUT_S: u32 = 20;
    /// Default seconds of after-chat work.
    pub const DEFAULT_WRAP_UP_LIMIT_S: u32 = 120;

    /// A resource with the defaults: no skills, always open, no maximum wait.
    pub fn new(id: ResourceId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            skills: BTreeSet::new(),
            offer_timeout_s: Self::DEFAULT_OFFER_TIMEOUT_S,
            max_wait_s: None,
            wrap_up_limit_s: Self::DEFAULT_WRAP_UP_LIMIT_S,
            office_hours: None,
        }
    }

    /// Checks the limits.
    pub fn validate(&self) -> Result<(), ResourceError> {
        if self.offer_timeout_s == 0 {
            return Err(ResourceError::ZeroOfferTimeout);
        }
        if self.max_wait_s == Some(0) {
            return Err(ResourceError::ZeroMaxWait);
        }
        Ok(())
    }

    /// Whether the resource takes requests at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.office_hours
            .as_ref()
            .is_none_or(|hours| hours.is_open(now))
    }

    /// When the resource opens next (`now` if open).
    pub fn next_opening(&self, now: Timestamp) -> Option<Timestamp> {
        match &self.office_hours {
            None => Some(now),
            Some(hours) => hours.next_opening(now),
        }
    }

    /// Whether an agent with `skills` may take this resource's conversations.
    pub fn served_by(&self, skills: &BTreeSet<Skill>) -> bool {
        self.skills.is_subset(skills)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office_hours::{OpeningInterval, WeeklySchedule};

    fn support() -> Resource {
        Resource::new(ResourceId::parse("support").unwrap(), "Support")
    }

    #[test]
    fn defaults_are_twenty_seconds_to_accept_and_always_open() {
        let resource: Resource =
            serde_json::from_value(serde_json::json!({ "id": "support", "name": "Support" }))
                .unwrap();
        assert_eq!(resource, support());
        assert_eq!(resource.offer_timeout_s, 20);
        let now = Timestamp::from_second(0).unwrap();
        assert!(resource.is_open(now));
        assert_eq!(resource.next_opening(now), Some(now));
    }

    #[test]
    fn zero_limits_are_refused() {
        let mut resource = support();
        resource.offer_timeout_s = 0;
        assert_eq!(resource.validate(), Err(ResourceError::ZeroOfferTimeout));
        let mut resource = support();
        resource.max_wait_s = Some(0);
        assert_eq!(resource.validate(), Err(ResourceError::ZeroMaxWait));
        assert_eq!(support().validate(), Ok(()));
    }

    #[test]
    fn an_agent_needs_every_skill_of_the_resource() {
        let mut resource = support();
        resource.skills = [Skill::parse("billing").unwrap()].into();
        let none = BTreeSet::new();
        let both: BTreeSet<Skill> = [
            Skill::parse("billing").unwrap(),
            Skill::parse("italian").unwrap(),
        ]
        .into();
        assert!(!resource.served_by(&none));
        assert!(resource.served_by(&both));
        assert!(support().served_by(&none));
    }

    #[test]
    fn office_hours_close_the_resource() {
        let mut resource = support();
        resource.office_hours = Some(
            OfficeHours::new(
                "UTC",
                WeeklySchedule::weekdays(&[OpeningInterval::parse("09:00-17:00").unwrap()]),
                Vec::new(),
            )
            .unwrap(),
        );
        let saturday: Timestamp = "2026-05-09T10:00:00Z".parse().unwrap();
        assert!(!resource.is_open(saturday));
        assert_eq!(
            resource.next_opening(saturday),
            Some("2026-05-11T09:00:00Z".parse().unwrap())
        );
    }
}
