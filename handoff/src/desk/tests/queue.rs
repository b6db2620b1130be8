//! Named facts about presence, closed queues and wait estimates.

use super::*;
use crate::office_hours::{OfficeHours, OpeningInterval, WeeklySchedule};
use crate::offline_request::{OfflineRequest, OfflineRequestForm};
use crate::visitor_event::ClosedReason;

#[test]
fn outside_office_hours_the_visitor_can_leave_a_request() {
    let mut desk = desk();
    let mut support = desk.resource(&rid("support")).unwrap().clone();
    let nine_to_five = OpeningInterval::parse("09:00-17:00").unwrap();
    support.office_hours = Some(
        OfficeHours::new(
            "Europe/Rome",
            WeeklySchedule::weekdays(&[nine_to_five]),
            Vec::new(),
        )
        .unwrap(),
    );
    desk.upsert_resource(t(0), support).unwrap();
    login(&mut desk, "ada", t(0));
    let saturday_noon: Timestamp = "2026-05-09T10:00:00Z".parse().unwrap();
    let (outcome, notices) = ask(&mut desk, "c1", saturday_noon);
    assert_eq!(
        outcome,
        RequestOutcome::Closed {
            reason: ClosedReason::OutsideHours,
            next_opening: Some("2026-05-11T07:00:00Z".parse().unwrap()),
        }
    );
    assert!(notices.is_empty());
    assert!(desk.conversation(&cid("c1")).is_none(), "nothing is queued");
    let presence = desk.presence(saturday_noon, None).unwrap();
    assert!(!presence.open && presence.someone_logged_in);

    let form = OfflineRequestForm {
        name: "Ugo".into(),
        email: "ugo@example.it".into(),
        text: "Please call me back on Monday.".into(),
    };
    let left =
        OfflineRequest::new(saturday_noon, &form, Some(rid("support")), Some(cid("c1"))).unwrap();
    assert_eq!(left.resource, Some(rid("support")));

    // Monday 10:00 in Rome it is open again.
    let (outcome, _) = ask(&mut desk, "c1", "2026-05-11T08:00:00Z".parse().unwrap());
    assert_eq!(outcome, RequestOutcome::Offered);
}

#[test]
fn nobody_logged_in_closes_the_queue() {
    let mut desk = desk();
    let (outcome, notices) = ask(&mut desk, "c1", t(1));
    assert_eq!(
        outcome,
        RequestOutcome::Closed {
            reason: ClosedReason::NobodyAvailable,
            next_opening: None
        }
    );
    assert!(notices.is_empty());
    let presence = desk.presence(t(1), None).unwrap();
    assert!(presence.open && !presence.someone_logged_in);

    // A paused agent counts as logged in: the visitor waits.
    login(&mut desk, "ada", t(2));
    pause(&mut desk, "ada", t(2));
    let (outcome, _) = ask(&mut desk, "c2", t(3));
    assert!(matches!(outcome, RequestOutcome::Queued(_)));
    // When the last agent logs out, waiting visitors are told nobody is available.
    let notices = desk.logout(t(4), &aid("ada")).unwrap();
    assert_eq!(events_for(&notices, "ada"), ["LOGGEDOUT"]);
    assert_eq!(
        told(&notices, "c2"),
        [VisitorEvent::QueueClosed {
            reason: ClosedReason::NobodyAvailable
        }]
    );
    assert!(desk.conversation(&cid("c2")).is_none());
}

#[test]
fn a_skill_nobody_logged_in_has_closes_that_queue_only() {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 2, &[])).unwrap();
    let (outcome, _) = ask_for(&mut desk, "c1", Some("sales"), t(1));
    assert_eq!(
        outcome,
        RequestOutcome::Closed {
            reason: ClosedReason::NobodyAvailable,
            next_opening: None
        }
    );
    assert_eq!(ask(&mut desk, "c2", t(1)).0, RequestOutcome::Offered);
}

#[test]
fn estimated_wait_uses_recent_handle_times() {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 1, &[])).unwrap();
    // Two conversations handled in 60 s and 120 s (accept to JOBFINISHED).
    for (name, start, handled) in [("h1", 10, 60), ("h2", 200, 120)] {
        ask(&mut desk, name, t(start));
        desk.accept(t(start), &aid("ada"), offer_of(&desk, "ada"))
            .unwrap();
        desk.end_by_agent(t(start + handled / 2), &aid("ada"), &cid(name))
            .unwrap();
        let wrap_up =
            crate::wrap_up::WrapUp::new(crate::wrap_up::Disposition::parse("ok").unwrap(), "")
                .unwrap();
        desk.submit_wrap_up(
            t(start + handled),
            &aid("ada"),
            offer_of_job(&desk, "ada"),
            wrap_up,
        )
        .unwrap();
    }
    assert_eq!(desk.average_handle_time_s(&rid("support")), 90);
    // Ada is busy with w1; w2 and w3 wait behind it with one ready slot.
    ask(&mut desk, "w1", t(1000));
    desk.accept(t(1000), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    let (outcome, _) = ask(&mut desk, "w2", t(1001));
    assert_eq!(
        outcome,
        RequestOutcome::Queued(crate::conversation::QueueStatus {
            position: 1,
            estimated_wait_s: Some(90)
        })
    );
    let (_, notices) = ask(&mut desk, "w3", t(1002));
    assert_eq!(
        told(&notices, "w3"),
        [VisitorEvent::QueueUpdate {
            position: 2,
            estimated_wait_s: Some(180)
        }]
    );
    assert!(
        told(&notices, "w2").is_empty(),
        "w2's position did not change"
    );
    // A second agent doubles the slots and halves the estimates.
    let notices = desk.login(t(1003), profile("bob", 1, &[])).unwrap();
    assert_eq!(
        events_for(&notices, "bob"),
        ["LOGGEDIN", "JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    assert_eq!(
        told(&notices, "w3"),
        [VisitorEvent::QueueUpdate {
            position: 1,
            estimated_wait_s: Some(45)
        }]
    );
}

/// The agent's job in after-chat work.
fn offer_of_job(desk: &Desk, agent: &str) -> OfferId {
    desk.agent(&aid(agent))
        .unwrap()
        .jobs()
        .iter()
        .find(|(_, j)| matches!(j.phase, crate::agent::JobPhase::Offline { .. }))
        .map(|(id, _)| *id)
        .unwrap()
}

#[test]
fn max_wait_closes_the_request_so_the_visitor_can_leave_one() {
    let mut desk = desk();
    let mut support = desk.resource(&rid("support")).unwrap().clone();
    support.max_wait_s = Some(600);
    desk.upsert_resource(t(0), support).unwrap();
    login(&mut desk, "ada", t(0));
    pause(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(10));
    assert_eq!(desk.next_deadline(), Some(t(610)));
    let notices = desk.tick(t(610));
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::QueueClosed {
            reason: ClosedReason::WaitTooLong
        }]
    );
    assert!(desk.conversation(&cid("c1")).is_none());
    assert_eq!(desk.next_deadline(), None);
}

#[test]
fn a_max_wait_that_falls_due_when_an_offer_times_out_fires_in_the_same_tick() {
    // Found by the property test: the offer timeout puts the conversation back under its
    // maximum wait, which had already passed.
    let mut desk = desk();
    let mut support = desk.resource(&rid("support")).unwrap().clone();
    support.max_wait_s = Some(30);
    desk.upsert_resource(t(0), support).unwrap();
    login(&mut desk, "ada", t(0));
    pause(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(0));
    ready(&mut desk, "ada", t(25));
    assert_eq!(offered_conversation(&desk, "ada"), Some(cid("c1")));
    let notices = desk.tick(t(45));
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:timeout", "FORCED"]
    );
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::QueueClosed {
            reason: ClosedReason::WaitTooLong
        }]
    );
    assert_eq!(desk.next_deadline(), None);
}

#[test]
fn the_estimate_counts_only_agents_who_could_still_be_offered_the_chat() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(10));
    desk.reject(t(11), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("c1")));
    // Bob lets the offer time out (FORCED): ada rejected it, so nobody can be offered it
    // now, and the visitor is not given a made-up wait.
    let notices = desk.tick(t(11 + 60));
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBFINISHED:timeout", "FORCED"]
    );
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::QueueUpdate {
            position: 1,
            estimated_wait_s: None
        }]
    );
    assert_eq!(
        desk.queue_status(&cid("c1")).unwrap().estimated_wait_s,
        None
    );
    // A second conversation ada did not reject gets her slots in its estimate.
    let (outcome, _) = ask(&mut desk, "c2", t(80));
    assert_eq!(outcome, RequestOutcome::Offered, "ada may take c2");
    // Bob is back: he did not reject c1, so he could be offered it.
    let notices = ready(&mut desk, "bob", t(90));
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("c1")));
    assert!(told(&notices, "c1").is_empty(), "offered, not re-estimated");
}
