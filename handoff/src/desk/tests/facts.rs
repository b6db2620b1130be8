//! Named facts about routing and offers.

use super::*;
use crate::visitor_event::ClosedReason;

#[test]
fn offer_times_out_and_agent_is_forced_to_pause() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    let (outcome, notices) = ask(&mut desk, "c1", t(1));
    assert_eq!(outcome, RequestOutcome::Offered);
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    assert_eq!(
        desk.next_deadline(),
        Some(t(21)),
        "offers last 20 s by default"
    );

    assert!(desk.tick(t(20)).is_empty(), "nothing is due a second early");
    let notices = desk.tick(t(21));
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:timeout", "FORCED"]
    );
    assert_eq!(
        desk.agent(&aid("ada")).unwrap().state(),
        crate::agent::AgentState::Forced
    );
    assert!(desk.conversation(&cid("c1")).unwrap().is_waiting());
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::QueueUpdate {
            position: 1,
            estimated_wait_s: None
        }],
        "ada was the only one and is FORCED: no estimate"
    );

    // Back to ready: the conversation is offered again.
    let notices = ready(&mut desk, "ada", t(30));
    assert_eq!(
        events_for(&notices, "ada"),
        ["LOGGEDIN", "JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
}

#[test]
fn a_timed_out_offer_goes_to_the_next_agent() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(2));
    let notices = desk.tick(t(22));
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:timeout", "FORCED"]
    );
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("c1")));
}

#[test]
fn oldest_waiting_conversation_is_offered_first() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    pause(&mut desk, "ada", t(0));
    ask(&mut desk, "zz-older", t(1));
    ask(&mut desk, "aa-newer", t(2));
    assert_eq!(desk.queue_status(&cid("zz-older")).unwrap().position, 1);
    assert_eq!(desk.queue_status(&cid("aa-newer")).unwrap().position, 2);
    ready(&mut desk, "ada", t(3));
    assert_eq!(offered_conversation(&desk, "ada"), Some(cid("zz-older")));
}

#[test]
fn longest_available_agent_gets_the_offer() {
    let mut desk = desk();
    login(&mut desk, "bob", t(0));
    login(&mut desk, "ada", t(1));
    ask(&mut desk, "c1", t(2));
    assert_eq!(
        offered_conversation(&desk, "bob"),
        Some(cid("c1")),
        "bob waited longer"
    );
    ask(&mut desk, "c2", t(3));
    assert_eq!(
        offered_conversation(&desk, "ada"),
        Some(cid("c2")),
        "bob has an offer pending"
    );
    desk.accept(t(4), &aid("bob"), offer_of(&desk, "bob"))
        .unwrap();
    desk.accept(t(5), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    ask(&mut desk, "c3", t(6));
    assert_eq!(
        offered_conversation(&desk, "bob"),
        Some(cid("c3")),
        "bob's last offer (t2) is older than ada's (t3)"
    );
}

#[test]
fn an_agent_without_the_skill_is_skipped() {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 2, &[])).unwrap();
    desk.login(t(1), profile("bob", 2, &["sales"])).unwrap();
    ask_for(&mut desk, "c1", Some("sales"), t(2));
    assert_eq!(offered_conversation(&desk, "ada"), None);
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("c1")));
}

#[test]
fn second_accept_loses() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(2));
    let first = offer_of(&desk, "ada");
    desk.tick(t(22));
    let second = offer_of(&desk, "bob");
    assert_ne!(first, second);

    assert_eq!(
        desk.accept(t(23), &aid("ada"), first),
        Err(DeskError::AlreadyTaken(first))
    );
    assert_eq!(
        desk.accept(t(23), &aid("ada"), second),
        Err(DeskError::OfferNotYours(second))
    );
    let notices = desk.accept(t(23), &aid("bob"), second).unwrap();
    assert_eq!(events_for(&notices, "bob"), ["ESTABLISHED", "JOBSTARTED"]);
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::AgentJoined {
            display_name: "BOB".into()
        }]
    );
    assert_eq!(
        desk.accept(t(24), &aid("bob"), second),
        Err(DeskError::AlreadyTaken(second))
    );
    assert_eq!(
        desk.accept(t(24), &aid("ada"), second),
        Err(DeskError::AlreadyTaken(second))
    );
    let never = OfferId::parse("99").unwrap();
    assert_eq!(
        desk.accept(t(24), &aid("ada"), never),
        Err(DeskError::UnknownOffer(never))
    );
    assert_eq!(desk.owner_of(&cid("c1")), Some(&aid("bob")));
}

#[test]
fn an_offer_cannot_be_accepted_at_its_deadline() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    let offer = offer_of(&desk, "ada");
    assert_eq!(
        desk.accept(t(21), &aid("ada"), offer),
        Err(DeskError::AlreadyTaken(offer))
    );
    assert!(desk.accept(t(20), &aid("ada"), offer).is_ok());
}

#[test]
fn reject_moves_offer_to_next_agent() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(2));
    let notices = desk
        .reject(t(3), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    assert_eq!(events_for(&notices, "ada"), ["JOBFINISHED:rejected"]);
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    assert_eq!(
        desk.agent(&aid("ada")).unwrap().state(),
        crate::agent::AgentState::Ready
    );

    // Carol logs in paused: she has not declined c1, so it waits for her.
    login(&mut desk, "carol", t(3));
    pause(&mut desk, "carol", t(3));
    let notices = desk
        .reject(t(4), &aid("bob"), offer_of(&desk, "bob"))
        .unwrap();
    assert!(
        events_for(&notices, "ada").is_empty(),
        "ada is not offered c1 again"
    );
    assert!(desk.conversation(&cid("c1")).unwrap().is_waiting());
    assert_eq!(
        desk.conversation(&cid("c1")).unwrap().declined_by().len(),
        2
    );
}

#[test]
fn a_conversation_every_logged_in_agent_rejected_tells_the_visitor_nobody_is_available() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    // Ada is the only agent: once she rejects, nobody would ever be offered c1 again.
    let notices = desk
        .reject(t(2), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    assert_eq!(events_for(&notices, "ada"), ["JOBFINISHED:rejected"]);
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::QueueClosed {
            reason: ClosedReason::NobodyAvailable
        }],
        "the visitor can leave a request instead of waiting for ever"
    );
    assert!(desk.conversation(&cid("c1")).is_none());
    // Asking again is a new request: ada may take it this time.
    assert_eq!(ask(&mut desk, "c1", t(3)).0, RequestOutcome::Offered);
}

#[test]
fn an_agent_receives_one_offer_at_a_time_and_never_beyond_capacity() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    ask(&mut desk, "c2", t(2));
    ask(&mut desk, "c3", t(3));
    assert_eq!(offered_conversation(&desk, "ada"), Some(cid("c1")));
    let notices = desk
        .accept(t(4), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    assert_eq!(
        events_for(&notices, "ada")[2..],
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    desk.accept(t(5), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    assert_eq!(desk.agent(&aid("ada")).unwrap().jobs().len(), 2);
    assert_eq!(
        offered_conversation(&desk, "ada"),
        None,
        "capacity 2 reached"
    );
    assert_eq!(desk.queue_status(&cid("c3")).unwrap().position, 1);
}

#[test]
fn a_repeated_request_for_a_conversation_is_refused() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    let again = HandoffRequest {
        conversation: cid("c1"),
        dispatch_to: None,
        summary: String::new(),
    };
    assert_eq!(
        desk.request(t(2), again),
        Err(DeskError::ConversationExists(cid("c1")))
    );
    let unknown = HandoffRequest {
        conversation: cid("c2"),
        dispatch_to: Some(rid("nope")),
        summary: String::new(),
    };
    assert_eq!(
        desk.request(t(2), unknown),
        Err(DeskError::UnknownResource(rid("nope")))
    );
}

#[test]
fn the_summary_is_bounded_and_changes_reach_the_agent() {
    let mut desk = desk();
    desk.set_config(DeskConfig {
        summary_max_chars: 5,
        ..desk.config().clone()
    });
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    assert_eq!(desk.conversation(&cid("c1")).unwrap().summary(), "bot t");
    let notices = desk
        .update_summary(&cid("c1"), "visitor opened /pricing")
        .unwrap();
    assert_eq!(events_for(&notices, "ada"), ["DATACHANGED"]);
    assert_eq!(
        desk.update_summary(&cid("zz"), "x"),
        Err(DeskError::UnknownConversation(cid("zz")))
    );
}

#[test]
fn job_events_carry_the_agentdesktop_fields() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    let (_, notices) = ask(&mut desk, "c1", t(1));
    let scheduled = event_for(&notices, "ada", EventName::JobScheduled);
    assert_eq!(
        serde_json::to_value(&scheduled).unwrap(),
        serde_json::json!({
            "event": "JOBSCHEDULED", "id": "1", "uuid": "c1", "chat_id": "c1", "type": "inbound",
            "media_type": "chat", "job_type": "inbound", "queue": "support", "isACD": true
        })
    );
    let notices = desk.accept(t(2), &aid("ada"), OfferId::FIRST).unwrap();
    let started = event_for(&notices, "ada", EventName::JobStarted);
    assert_eq!(started.start_time, Some(t(2).as_millisecond()));
    let notices = desk.end_by_visitor(t(5), &cid("c1")).unwrap();
    let offline = event_for(&notices, "ada", EventName::JobChanged);
    assert_eq!(offline.job_state, Some(crate::event::JobState::Offline));
    assert_eq!(offline.end_time, Some(t(5).as_millisecond()));
    assert_eq!(offline.offline_start_time, Some(t(5).as_millisecond()));
    let wrap_up =
        crate::wrap_up::WrapUp::new(crate::wrap_up::Disposition::parse("solved").unwrap(), "n")
            .unwrap();
    let notices = desk
        .submit_wrap_up(t(9), &aid("ada"), OfferId::FIRST, wrap_up.clone())
        .unwrap();
    let finished = event_for(&notices, "ada", EventName::JobFinished);
    assert_eq!(
        (
            finished.start_time,
            finished.end_time,
            finished.offline_start_time,
            finished.offline_end_time
        ),
        (
            Some(t(2).as_millisecond()),
            Some(t(5).as_millisecond()),
            Some(t(5).as_millisecond()),
            Some(t(9).as_millisecond())
        )
    );
    let record = &records(&notices)[0];
    assert_eq!(
        (record.started_at, record.ended_at, record.finished_at),
        (t(2), t(5), t(9))
    );
    assert_eq!(record.wrap_up, Some(wrap_up));
    assert_eq!(record.outcome, JobOutcome::WrappedUp);
}
