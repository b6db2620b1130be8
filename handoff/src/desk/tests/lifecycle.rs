//! Named facts about ending, after-chat work, transfers, agents leaving and storage.

use super::*;
use crate::agent::AgentState;
use crate::desk::TransferTarget;
use crate::visitor_event::EndedBy;
use crate::wrap_up::{Disposition, WrapUp};

/// Ada online with `c1` (offer 1) at t2.
fn online_with_ada() -> Desk {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    desk.accept(t(2), &aid("ada"), OfferId::FIRST).unwrap();
    desk
}

fn solved() -> WrapUp {
    WrapUp::new(Disposition::parse("solved").unwrap(), "refund issued").unwrap()
}

#[test]
fn wrap_up_limit_finishes_the_job() {
    let mut desk = online_with_ada();
    let notices = desk.end_by_agent(t(30), &aid("ada"), &cid("c1")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["CONNECTIONCLEARED:agent", "JOBCHANGED"]
    );
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::ConversationEnded { by: EndedBy::Agent }]
    );
    assert_eq!(
        desk.next_deadline(),
        Some(t(150)),
        "wrap-up lasts 120 s by default"
    );
    assert_eq!(
        desk.agent(&aid("ada")).unwrap().jobs().len(),
        1,
        "wrap-up holds the slot"
    );

    let notices = desk.tick(t(150));
    assert_eq!(events_for(&notices, "ada"), ["JOBFINISHED:wrap_up_limit"]);
    let record = &records(&notices)[0];
    assert_eq!(record.outcome, JobOutcome::WrapUpLimit);
    assert_eq!(record.wrap_up, None);
    assert!(desk.agent(&aid("ada")).unwrap().jobs().is_empty());
    assert_eq!(desk.next_deadline(), None);
}

#[test]
fn a_submitted_wrap_up_finishes_the_job_and_frees_the_slot() {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 1, &[])).unwrap();
    ask(&mut desk, "c1", t(1));
    desk.accept(t(2), &aid("ada"), OfferId::FIRST).unwrap();
    desk.end_by_visitor(t(30), &cid("c1")).unwrap();
    let (outcome, _) = ask(&mut desk, "c2", t(31));
    assert!(
        matches!(outcome, RequestOutcome::Queued(_)),
        "the wrap-up holds the only slot"
    );
    let notices = desk
        .submit_wrap_up(t(40), &aid("ada"), OfferId::FIRST, solved())
        .unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:solved", "JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
    assert_eq!(records(&notices)[0].outcome, JobOutcome::WrappedUp);
}

#[test]
fn a_zero_wrap_up_limit_finishes_at_once() {
    let mut desk = online_with_ada();
    let mut support = desk.resource(&rid("support")).unwrap().clone();
    support.wrap_up_limit_s = 0;
    desk.upsert_resource(t(3), support).unwrap();
    let notices = desk.end_by_agent(t(4), &aid("ada"), &cid("c1")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        [
            "CONNECTIONCLEARED:agent",
            "JOBCHANGED",
            "JOBFINISHED:wrap_up_limit"
        ]
    );
}

#[test]
fn the_visitor_ends_and_the_agent_goes_to_wrap_up() {
    let mut desk = online_with_ada();
    let notices = desk.end_by_visitor(t(9), &cid("c1")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["CONNECTIONCLEARED:visitor", "JOBCHANGED"]
    );
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::ConversationEnded {
            by: EndedBy::Visitor
        }]
    );
    assert_eq!(
        desk.end_by_visitor(t(10), &cid("c1")),
        Err(DeskError::UnknownConversation(cid("c1")))
    );
}

#[test]
fn the_visitor_can_cancel_while_waiting_or_while_offered() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    pause(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    ask(&mut desk, "c2", t(2));
    let notices = desk.end_by_visitor(t(3), &cid("c1")).unwrap();
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::ConversationEnded {
            by: EndedBy::Visitor
        }]
    );
    assert_eq!(
        told(&notices, "c2"),
        [VisitorEvent::QueueUpdate {
            position: 1,
            estimated_wait_s: None
        }],
        "ada is paused: nobody could be offered c2 now, so there is no estimate"
    );

    ready(&mut desk, "ada", t(4));
    let notices = desk.end_by_visitor(t(5), &cid("c2")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:cancelled"],
        "the popup closes"
    );
    assert!(desk.agent(&aid("ada")).unwrap().jobs().is_empty());
}

#[test]
fn transfer_keeps_conversation() {
    let mut desk = online_with_ada();
    desk.login(t(3), profile("bob", 2, &["sales"])).unwrap();
    let notices = desk
        .transfer(
            t(10),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Resource(rid("sales")),
        )
        .unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["CONNECTIONCLEARED:transferred", "JOBCHANGED"]
    );
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::AgentLeft {
            display_name: "ADA".into()
        }]
    );
    let popup = event_for(&notices, "bob", EventName::Popup);
    assert_eq!(
        popup.uuid,
        Some(cid("c1")),
        "the same conversation, so the edge keeps its history"
    );
    assert_eq!(popup.queue, Some(rid("sales")));
    desk.accept(t(11), &aid("bob"), popup.id.unwrap()).unwrap();
    assert_eq!(desk.owner_of(&cid("c1")), Some(&aid("bob")));
    assert_eq!(desk.conversation(&cid("c1")).unwrap().requested_at(), t(1));
    // Ada still writes her notes for her part of the conversation.
    desk.submit_wrap_up(t(12), &aid("ada"), OfferId::FIRST, solved())
        .unwrap();
}

#[test]
fn a_transfer_to_a_named_agent_skips_the_skills() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask_for(&mut desk, "c1", Some("sales"), t(1));
    desk.accept(t(2), &aid("ada"), OfferId::FIRST).unwrap();
    desk.login(t(3), profile("bob", 2, &[])).unwrap();
    let notices = desk
        .transfer(
            t(10),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Agent(aid("bob")),
        )
        .unwrap();
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"],
        "bob lacks `sales`"
    );
    // When the named agent rejects, normal routing takes over, and ada handed it away:
    // c1 waits for carol (paused, with `sales`).
    login(&mut desk, "carol", t(4));
    pause(&mut desk, "carol", t(4));
    let notices = desk
        .reject(t(11), &aid("bob"), offer_of(&desk, "bob"))
        .unwrap();
    assert!(events_for(&notices, "ada").is_empty());
    let c1 = desk.conversation(&cid("c1")).unwrap();
    assert!(c1.is_waiting() && c1.target_agent().is_none() && c1.is_front());
}

#[test]
fn transfers_that_cannot_work_are_refused() {
    let mut desk = online_with_ada();
    let to = |target| TransferTarget::Agent(aid(target));
    assert_eq!(
        desk.transfer(t(5), &aid("ada"), &cid("c1"), to("ada")),
        Err(DeskError::TransferToSelf)
    );
    assert_eq!(
        desk.transfer(t(5), &aid("ada"), &cid("c1"), to("zed")),
        Err(DeskError::TransferTargetUnavailable(aid("zed")))
    );
    assert_eq!(
        desk.transfer(
            t(5),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Resource(rid("support"))
        ),
        Err(DeskError::NobodyToTransferTo(rid("support"))),
        "ada is the only one serving support"
    );
    assert_eq!(
        desk.transfer(
            t(5),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Resource(rid("nope"))
        ),
        Err(DeskError::UnknownResource(rid("nope")))
    );
}

#[test]
fn agent_disconnect_requeues_after_grace() {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 1, &[])).unwrap();
    desk.login(t(0), profile("bob", 1, &[])).unwrap();
    pause(&mut desk, "bob", t(0));
    // `older` is rejected by ada and waits; ada then takes `newer`.
    ask(&mut desk, "older", t(1));
    desk.reject(t(2), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    ask(&mut desk, "newer", t(3));
    desk.accept(t(4), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();

    let lost = desk.agent_disconnected(t(10), &aid("ada")).unwrap();
    assert!(events_for(&lost, "ada").is_empty());
    assert_eq!(
        told(&lost, "newer"),
        [VisitorEvent::AgentReconnecting {
            display_name: "ADA".into()
        }],
        "the visitor of ada's chat is told she is reconnecting"
    );
    assert!(told(&lost, "older").is_empty(), "not ada's chat");
    assert_eq!(desk.next_deadline(), Some(t(70)), "60 s of grace");
    let back = desk.agent_reconnected(t(20), &aid("ada")).unwrap();
    assert!(events_for(&back, "ada").is_empty());
    assert_eq!(
        told(&back, "newer"),
        [VisitorEvent::AgentReconnected {
            display_name: "ADA".into()
        }]
    );
    assert_eq!(desk.next_deadline(), None, "back in time: nothing happens");
    assert!(desk.tick(t(80)).is_empty());

    desk.agent_disconnected(t(100), &aid("ada")).unwrap();
    assert!(
        desk.agent_disconnected(t(101), &aid("ada"))
            .unwrap()
            .is_empty(),
        "lost once: the visitor is told once"
    );
    let notices = desk.tick(t(160));
    assert_eq!(
        events_for(&notices, "ada"),
        [
            "CONNECTIONCLEARED:agent_lost",
            "JOBFINISHED:agent_lost",
            "LOGGEDOUT"
        ]
    );
    assert_eq!(
        told(&notices, "newer"),
        [
            VisitorEvent::AgentLeft {
                display_name: "ADA".into()
            },
            VisitorEvent::QueueUpdate {
                position: 1,
                estimated_wait_s: None
            }
        ]
    );
    assert_eq!(
        told(&notices, "older"),
        [VisitorEvent::QueueUpdate {
            position: 2,
            estimated_wait_s: None
        }],
        "nobody ready: no estimate"
    );
    assert!(desk.agent(&aid("ada")).is_none());
    assert_eq!(records(&notices)[0].outcome, JobOutcome::AgentLost);
    // Bob comes back and gets the requeued conversation first.
    ready(&mut desk, "bob", t(170));
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("newer")));
}

#[test]
fn a_lost_connection_withdraws_the_pending_offer_at_once() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(2));
    let notices = desk.agent_disconnected(t(3), &aid("ada")).unwrap();
    assert_eq!(events_for(&notices, "ada"), ["JOBFINISHED:withdrawn"]);
    assert_eq!(offered_conversation(&desk, "bob"), Some(cid("c1")));
    assert_eq!(
        desk.agent(&aid("ada")).unwrap().state(),
        AgentState::Ready,
        "not forced"
    );
}

#[test]
fn logging_in_again_is_a_reconnect_without_agent_events_that_the_visitor_is_told() {
    let mut desk = online_with_ada();
    desk.agent_disconnected(t(5), &aid("ada")).unwrap();
    let notices = desk.login(t(6), profile("ada", 2, &[])).unwrap();
    assert!(events_for(&notices, "ada").is_empty());
    assert!(matches!(
        told(&notices, "c1").as_slice(),
        [VisitorEvent::AgentReconnected { .. }]
    ));
    assert!(
        desk.login(t(7), profile("ada", 2, &[])).unwrap().is_empty(),
        "a login of a connected agent tells nobody"
    );
    assert_eq!(desk.agent(&aid("ada")).unwrap().disconnected_at(), None);
    assert_eq!(desk.owner_of(&cid("c1")), Some(&aid("ada")));
}

#[test]
fn logout_is_refused_while_chatting() {
    let mut desk = online_with_ada();
    let before = desk.clone();
    let refused = desk.logout(t(5), &aid("ada")).unwrap_err();
    assert_eq!(refused.code(), "conversations_active");
    assert_eq!(desk, before);
    desk.end_by_agent(t(6), &aid("ada"), &cid("c1")).unwrap();
    let notices = desk.logout(t(7), &aid("ada")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:logout", "LOGGEDOUT"]
    );
    assert_eq!(records(&notices)[0].outcome, JobOutcome::LoggedOut);
    assert_eq!(
        desk.logout(t(8), &aid("ada")),
        Err(DeskError::NotLoggedIn(aid("ada")))
    );
}

#[test]
fn logout_hands_a_pending_offer_to_the_next_agent() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    login(&mut desk, "bob", t(1));
    ask(&mut desk, "c1", t(2));
    let notices = desk.logout(t(3), &aid("ada")).unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:withdrawn", "LOGGEDOUT"]
    );
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
}

#[test]
fn pausing_withdraws_the_offer_but_keeps_online_conversations() {
    let mut desk = online_with_ada();
    ask(&mut desk, "c2", t(3));
    assert_eq!(offered_conversation(&desk, "ada"), Some(cid("c2")));
    let notices = desk
        .set_state(
            t(4),
            &aid("ada"),
            AgentStateRequest::Pause {
                reason: Some(LUNCH),
            },
        )
        .unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["JOBFINISHED:withdrawn", "PAUSE", "PAUSESUBSTATE:1701"]
    );
    assert_eq!(desk.owner_of(&cid("c1")), Some(&aid("ada")));
    assert!(desk.conversation(&cid("c2")).unwrap().is_waiting());
    let unknown = AgentStateRequest::Pause {
        reason: Some(crate::agent::PauseCode(42)),
    };
    assert_eq!(
        desk.set_state(t(5), &aid("ada"), unknown)
            .unwrap_err()
            .code(),
        "unknown_pause_reason"
    );
}

#[test]
fn only_the_owner_may_write_or_type() {
    let mut desk = online_with_ada();
    login(&mut desk, "bob", t(3));
    assert_eq!(desk.check_may_write(&aid("ada"), &cid("c1")), Ok(()));
    assert_eq!(
        desk.check_may_write(&aid("bob"), &cid("c1")),
        Err(DeskError::NotYourConversation(cid("c1")))
    );
    let notices = desk.agent_typing(&aid("ada"), &cid("c1"), true).unwrap();
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::AgentTyping {
            display_name: "ADA".into(),
            typing: true,
        }]
    );
    let notices = desk.agent_typing(&aid("ada"), &cid("c1"), false).unwrap();
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::AgentTyping {
            display_name: "ADA".into(),
            typing: false,
        }]
    );
    assert!(desk.agent_typing(&aid("bob"), &cid("c1"), false).is_err());
}

#[test]
fn resources_in_use_cannot_be_removed() {
    let mut desk = online_with_ada();
    assert_eq!(
        desk.remove_resource(&rid("support")),
        Err(DeskError::ResourceInUse(rid("support")))
    );
    assert!(desk.remove_resource(&rid("sales")).is_ok());
    assert_eq!(
        desk.remove_resource(&rid("sales")),
        Err(DeskError::UnknownResource(rid("sales")))
    );
    let mut broken = Resource::new(rid("x"), "X");
    broken.offer_timeout_s = 0;
    assert_eq!(
        desk.upsert_resource(t(3), broken).unwrap_err().code(),
        "invalid_resource"
    );
}

#[test]
fn the_desk_round_trips_through_json_for_storage() {
    let mut desk = online_with_ada();
    login(&mut desk, "bob", t(3));
    pause(&mut desk, "bob", t(3));
    ask(&mut desk, "c2", t(4));
    desk.agent_disconnected(t(5), &aid("bob")).unwrap();
    let json = serde_json::to_string(&desk).unwrap();
    let back: Desk = serde_json::from_str(&json).unwrap();
    assert_eq!(back, desk);
    back.verify_invariants().unwrap();
}

#[test]
fn tick_fires_each_deadline_once() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    let due = desk.next_deadline().unwrap();
    assert!(!desk.tick(due).is_empty());
    assert!(
        desk.tick(due).is_empty(),
        "a second tick at the same instant does nothing"
    );
    assert!(desk.next_deadline().is_none_or(|next| next > due));
}
