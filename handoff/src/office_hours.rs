//! Office hours of a resource: a weekly schedule in the resource's IANA time zone plus
//! special days (holidays closed all day, or with their own shorter hours).
//!
//! Hours are wall-clock times in the zone, so 09:00-17:00 stays 09:00-17:00 across a
//! daylight-saving change. On the spring-forward day a period that starts inside the
//! skipped hour opens when the clocks jump; on the fall-back day the repeated hour is open
//! (or closed) both times it occurs. Intervals are written `"HH:MM-HH:MM"`, end exclusive,
//! `"24:00"` meaning the end of the day.
//!
//! The zone database is bundled with jiff, so results do not depend on the host.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::time::after;

/// How far ahead [`OfficeHours::next_opening`] looks before answering `None`.
const HORIZON_DAYS: u32 = 800;

/// Why office hours are invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfficeHoursError {
    /// The time zone is not an IANA name known to the bundled database.
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    /// An interval is not `HH:MM-HH:MM` with the start before the end.
    #[error("invalid opening interval {0:?}: expected HH:MM-HH:MM with start before end")]
    InvalidInterval(String),
    /// The same date appears twice among the special days.
    #[error("the date {0} is listed twice among the holidays")]
    DuplicateHoliday(Date),
}

/// A daily opening period `[start, end)` in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpeningInterval {
    start_minute: u16,
    end_minute: u16,
}

impl OpeningInterval {
    /// Parses `"HH:MM-HH:MM"`; the end may be `"24:00"`.
    pub fn parse(text: &str) -> Result<Self, OfficeHoursError> {
        let invalid = || OfficeHoursError::InvalidInterval(text.chars().take(32).collect());
        let (start, end) = text.split_once('-').ok_or_else(invalid)?;
        let minute = |part: &str| -> Option<u16> {
            let (hours, minutes) = part.trim().split_once(':')?;
            if hours.len() != 2 || minutes.len() != 2 {
                return None;
            }
            let hours: u16 = hours.parse().ok()?;
            let minutes: u16 = minutes.parse().ok()?;
            (hours <= 24 && minutes < 60).then_some(hours * 60 + minutes)
        };
        let start_minute = minute(start).ok_or_else(invalid)?;
        let end_minute = minute(end).ok_or_else(invalid)?;
        if start_minute >= end_minute || end_minute > 24 * 60 {
            return Err(invalid());
        }
        Ok(Self {
            start_minute,
            end_minute,
        })
    }

    fn contains(self, second_of_day: u32) -> bool {
        (u32::from(self.start_minute) * 60..u32::from(self.end_minute) * 60)
            .contains(&second_of_day)
    }

    fn start_time(self) -> Option<Time> {
        let hour = i8::try_from(self.start_minute / 60).ok()?;
        let minute = i8::try_from(self.start_minute % 60).ok()?;
        Time::new(hour, minute, 0, 0).ok()
    }
}

impl TryFrom<String> for OpeningInterval {
    type Error = OfficeHoursError;
    fn try_from(text: String) -> Result<Self, OfficeHoursError> {
        Self::parse(&text)
    }
}

impl From<OpeningInterval> for String {
    fn from(interval: OpeningInterval) -> String {
        interval.to_string()
    }
}

impl fmt::Display for OpeningInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, e) = (self.start_minute, self.end_minute);
        write!(f, "{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)
    }
}

/// Opening periods per weekday; a day without periods is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct WeeklySchedule {
    pub monday: Vec<OpeningInterval>,
    pub tuesday: Vec<OpeningInterval>,
    pub wednesday: Vec<OpeningInterval>,
    pub thursday: Vec<OpeningInterval>,
    pub friday: Vec<OpeningInterval>,
    pub saturday: Vec<OpeningInterval>,
    pub sunday: Vec<OpeningInterval>,
}

impl WeeklySchedule {
    /// The same periods Monday to Friday, closed at the weekend.
    pub fn weekdays(periods: &[OpeningInterval]) -> Self {
        Self {
            monday: periods.to_vec(),
            tuesday: periods.to_vec(),
            wednesday: periods.to_vec(),
            thursday: periods.to_vec(),
            friday: periods.to_vec(),
            ..Self::default()
        }
    }

    /// The periods of one weekday.
    pub fn on(&self, day: Weekday) -> &[OpeningInterval] {
        match day {
            Weekday::Monday => &self.monday,
            Weekday::Tuesday => &self.tuesday,
            Weekday::Wednesday => &self.wednesday,
            Weekday::Thursday => &self.thursday,
            Weekday::Friday => &self.friday,
            Weekday::Saturday => &self.saturday,
            Weekday::Sunday => &self.sunday,
        }
    }
}

/// A special day: its `hours` replace the weekly schedule; empty means closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The local date.
    pub date: Date,
    /// Opening periods that day (a partial day), or none.
    #[serde(default)]
    pub hours: Vec<OpeningInterval>,
}

/// The stored form of [`OfficeHours`].
#[derive(Serialize, Deserialize)]
struct OfficeHoursRecord {
    time_zone: String,
    #[serde(default)]
    weekly: WeeklySchedule,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

/// When a resource answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "OfficeHoursRecord", into = "OfficeHoursRecord")]
pub struct OfficeHours {
    zone_name: String,
    zone: TimeZone,
    weekly: WeeklySchedule,
    holidays: BTreeMap<Date, Vec<OpeningInterval>>,
}

impl OfficeHours {
    /// Builds office hours in an IANA zone such as `Europe/Rome`.
    pub fn new(
        time_zone: &str,
        weekly: WeeklySchedule,
        holidays: Vec<Holiday>,
    ) -> Result<Self, OfficeHoursError> {
        let zone = TimeZone::get(time_zone)
            .map_err(|_| OfficeHoursError::UnknownTimeZone(time_zone.chars().take(64).collect()))?;
        let mut by_date = BTreeMap::new();
        for holiday in holidays {
            if by_date.insert(holiday.date, holiday.hours).is_some() {
                return Err(OfficeHoursError::DuplicateHoliday(holiday.date));
            }
        }
        Ok(Self {
            zone_name: time_zone.to_owned(),
            zone,
            weekly,
            holidays: by_date,
        })
    }

    /// The IANA name of the zone.
    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    fn hours_on(&self, date: Date) -> &[OpeningInterval] {
        self.holidays
            .get(&date)
            .map_or_else(|| self.weekly.on(date.weekday()), Vec::as_slice)
    }

    /// Whether the resource is open at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let local = now.to_zoned(self.zone.clone());
        let second_of_day = u32::from(local.hour().unsigned_abs()) * 3600
            + u32::from(local.minute().unsigned_abs()) * 60
            + u32::from(local.second().unsigned_abs());
        self.hours_on(local.date())
            .iter()
            .any(|i| i.contains(second_of_day))
    }

    /// The first instant at or after `now` when the resource is open: `now` itself when open,
    /// `None` when it does not open within about two years.
    pub fn next_opening(&self, now: Timestamp) -> Option<Timestamp> {
        if self.is_open(now) {
            return Some(now);
        }
        let today = now.to_zoned(self.zone.clone()).date();
        let mut best: Option<Timestamp> = None;
        for offset in 0..=i64::from(HORIZON_DAYS) {
            let Ok(date) = today.checked_add(offset.days()) else {
                break;
            };
            for interval in self.hours_on(date) {
                for start in self.instants_of(date, *interval) {
                    if start > now && self.is_open(start) && best.is_none_or(|b| start < b) {
                        best = Some(start);
                    }
                }
            }
            if best.is_some() {
                break;
            }
        }
        // A clock change can open the resource by itself: the jump over a skipped hour lands
        // inside a period, or the repeated hour re-enters one.
        let limit = best.unwrap_or_else(|| after(now, HORIZON_DAYS * 86_400));
        let by_transition = self
            .zone
            .following(now)
            .map(|transition| transition.timestamp())
            .take_while(|at| *at < limit)
            .find(|at| self.is_open(*at));
        by_transition.or(best)
    }

    /// The instants at which local `date` reaches the start of `interval`: one normally, two
    /// in a repeated hour, none in a skipped hour (the transition covers that case).
    fn instants_of(&self, date: Date, interval: OpeningInterval) -> Vec<Timestamp> {
        let Some(start) = interval.start_time() else {
            return Vec::new();
        };
        let ambiguous = self.zone.to_ambiguous_timestamp(date.to_datetime(start));
        match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => ambiguous.compatible().into_iter().collect(),
            AmbiguousOffset::Fold { .. } => [ambiguous.earlier(), ambiguous.later()]
                .into_iter()
                .flatten()
                .collect(),
            AmbiguousOffset::Gap { .. } => Vec::new(),
        }
    }
}

impl TryFrom<OfficeHoursRecord> for OfficeHours {
    type Error = OfficeHoursError;
    fn try_from(record: OfficeHoursRecord) -> Result<Self, OfficeHoursError> {
        Self::new(&record.time_zone, record.weekly, record.holidays)
    }
}

impl From<OfficeHours> for OfficeHoursRecord {
    fn from(hours: OfficeHours) -> Self {
        Self {
            time_zone: hours.zone_name,
            weekly: hours.weekly,
            holidays: hours
                .holidays
                .into_iter()
                .map(|(date, hours)| Holiday { date, hours })
                .collect(),
        }
    }
}

#[cfg(test)]
#[path = "office_hours_tests.rs"]
mod tests;
