//! Tests of office hours, including both daylight-saving changes of 2026 in Europe/Rome
//! (29 March: 02:00 CET -> 03:00 CEST; 25 October: 03:00 CEST -> 02:00 CET).

use super::*;

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn interval(text: &str) -> OpeningInterval {
    OpeningInterval::parse(text).unwrap()
}

fn rome_nine_to_five(holidays: Vec<Holiday>) -> OfficeHours {
    OfficeHours::new(
        "Europe/Rome",
        WeeklySchedule::weekdays(&[interval("09:00-17:00")]),
        holidays,
    )
    .unwrap()
}

fn sundays(periods: &[&str]) -> OfficeHours {
    let weekly = WeeklySchedule {
        sunday: periods.iter().map(|p| interval(p)).collect(),
        ..WeeklySchedule::default()
    };
    OfficeHours::new("Europe/Rome", weekly, Vec::new()).unwrap()
}

#[test]
fn nine_o_clock_stays_nine_o_clock_across_the_spring_change() {
    let hours = rome_nine_to_five(Vec::new());
    // Monday before the change: 09:00 CET is 08:00 UTC.
    assert!(!hours.is_open(utc("2026-03-23T07:59:00Z")));
    assert!(hours.is_open(utc("2026-03-23T08:00:00Z")));
    // Monday after the change: 09:00 CEST is 07:00 UTC.
    assert!(hours.is_open(utc("2026-03-30T07:30:00Z")));
    assert!(!hours.is_open(utc("2026-03-30T15:00:00Z")));
}

#[test]
fn next_opening_after_friday_evening_is_monday_morning_in_summer_time() {
    let hours = rome_nine_to_five(Vec::new());
    let friday_evening = utc("2026-03-27T16:30:00Z");
    assert!(!hours.is_open(friday_evening));
    assert_eq!(
        hours.next_opening(friday_evening),
        Some(utc("2026-03-30T07:00:00Z"))
    );
}

#[test]
fn next_opening_across_the_autumn_change_uses_winter_time() {
    let hours = rome_nine_to_five(Vec::new());
    assert_eq!(
        hours.next_opening(utc("2026-10-23T16:00:00Z")),
        Some(utc("2026-10-26T08:00:00Z"))
    );
}

#[test]
fn a_period_starting_in_the_skipped_hour_opens_when_the_clocks_jump() {
    let hours = sundays(&["02:30-04:00"]);
    assert!(!hours.is_open(utc("2026-03-29T00:59:59Z")));
    assert!(hours.is_open(utc("2026-03-29T01:00:00Z")));
    assert_eq!(
        hours.next_opening(utc("2026-03-28T12:00:00Z")),
        Some(utc("2026-03-29T01:00:00Z"))
    );
}

#[test]
fn a_period_inside_the_skipped_hour_never_opens_that_day() {
    let hours = sundays(&["02:10-02:50"]);
    // The next Sunday opening is a week later, in summer time (02:10 CEST = 00:10 UTC).
    assert_eq!(
        hours.next_opening(utc("2026-03-28T12:00:00Z")),
        Some(utc("2026-04-05T00:10:00Z"))
    );
}

#[test]
fn the_repeated_hour_opens_twice_in_autumn() {
    let hours = sundays(&["02:00-02:30"]);
    assert!(hours.is_open(utc("2026-10-25T00:15:00Z"))); // 02:15 CEST
    assert!(!hours.is_open(utc("2026-10-25T00:45:00Z"))); // 02:45 CEST
    assert!(hours.is_open(utc("2026-10-25T01:15:00Z"))); // 02:15 CET
    assert_eq!(
        hours.next_opening(utc("2026-10-25T00:40:00Z")),
        Some(utc("2026-10-25T01:00:00Z"))
    );
    assert_eq!(
        hours.next_opening(utc("2026-10-24T12:00:00Z")),
        Some(utc("2026-10-25T00:00:00Z"))
    );
}

#[test]
fn a_holiday_closes_the_whole_day() {
    let christmas = Holiday {
        date: "2026-12-25".parse().unwrap(),
        hours: Vec::new(),
    };
    let hours = rome_nine_to_five(vec![christmas]);
    assert!(!hours.is_open(utc("2026-12-25T10:00:00Z")));
    assert!(hours.is_open(utc("2026-12-24T10:00:00Z")));
    // Thursday evening -> Friday is a holiday, then the weekend -> Monday 09:00 CET.
    assert_eq!(
        hours.next_opening(utc("2026-12-24T17:00:00Z")),
        Some(utc("2026-12-28T08:00:00Z"))
    );
}

#[test]
fn a_partial_holiday_replaces_the_weekly_hours() {
    let eve = Holiday {
        date: "2026-12-24".parse().unwrap(),
        hours: vec![interval("09:00-13:00")],
    };
    let hours = rome_nine_to_five(vec![eve]);
    assert!(hours.is_open(utc("2026-12-24T11:30:00Z"))); // 12:30 local
    assert!(!hours.is_open(utc("2026-12-24T12:30:00Z"))); // 13:30 local
    assert!(hours.is_open(utc("2026-12-23T12:30:00Z")));
}

#[test]
fn next_opening_is_now_while_open() {
    let hours = rome_nine_to_five(Vec::new());
    let now = utc("2026-05-05T10:00:00Z");
    assert_eq!(hours.next_opening(now), Some(now));
}

#[test]
fn a_schedule_without_hours_never_opens() {
    let hours = OfficeHours::new("Europe/Rome", WeeklySchedule::default(), Vec::new()).unwrap();
    assert!(!hours.is_open(utc("2026-05-05T10:00:00Z")));
    assert_eq!(hours.next_opening(utc("2026-05-05T10:00:00Z")), None);
}

#[test]
fn midnight_can_end_a_period() {
    let hours = OfficeHours::new(
        "UTC",
        WeeklySchedule {
            tuesday: vec![interval("22:00-24:00")],
            ..WeeklySchedule::default()
        },
        Vec::new(),
    )
    .unwrap();
    assert!(hours.is_open(utc("2026-05-05T23:59:59Z")));
    assert!(!hours.is_open(utc("2026-05-06T00:00:00Z")));
    assert_eq!(
        hours.next_opening(utc("2026-05-06T00:00:00Z")),
        Some(utc("2026-05-12T22:00:00Z"))
    );
}

#[test]
fn intervals_are_validated() {
    for bad in [
        "",
        "9:00-17:00",
        "09:00",
        "17:00-09:00",
        "09:00-09:00",
        "25:00-26:00",
        "09:60-10:00",
        "24:00-24:30",
        "aa:bb-cc:dd",
    ] {
        assert!(
            OpeningInterval::parse(bad).is_err(),
            "{bad:?} should be refused"
        );
    }
    assert_eq!(interval("00:00-24:00").to_string(), "00:00-24:00");
    assert_eq!(interval(" 08:30 - 12:15 ").to_string(), "08:30-12:15");
}

#[test]
fn unknown_zones_and_duplicate_holidays_are_refused() {
    assert_eq!(
        OfficeHours::new("Mars/Olympus", WeeklySchedule::default(), Vec::new()),
        Err(OfficeHoursError::UnknownTimeZone("Mars/Olympus".into()))
    );
    let day = Holiday {
        date: "2026-01-01".parse().unwrap(),
        hours: Vec::new(),
    };
    assert!(matches!(
        OfficeHours::new("UTC", WeeklySchedule::default(), vec![day.clone(), day]),
        Err(OfficeHoursError::DuplicateHoliday(_))
    ));
}

#[test]
fn office_hours_round_trip_through_json() {
    let json = serde_json::json!({
        "time_zone": "Europe/Rome",
        "weekly": { "monday": ["09:00-13:00", "14:00-18:00"] },
        "holidays": [{ "date": "2026-12-25" }, { "date": "2026-12-24", "hours": ["09:00-12:00"] }]
    });
    let hours: OfficeHours = serde_json::from_value(json).unwrap();
    assert_eq!(hours.time_zone(), "Europe/Rome");
    let back: OfficeHours = serde_json::from_value(serde_json::to_value(&hours).unwrap()).unwrap();
    assert_eq!(back, hours);
    assert!(
        serde_json::from_value::<OfficeHours>(serde_json::json!({ "time_zone": "Nowhere/City" }))
            .is_err()
    );
}
