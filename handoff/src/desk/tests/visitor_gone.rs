//! Named facts about a visitor found gone: a waiting chat is cancelled, a live one goes on
//! but never waits for an agent again.

use super::*;
use crate::desk::{TransferTarget, VisitorGoneOutcome};
use crate::visitor_event::EndedBy;

/// Ada has `c1` online; Bob is Ready beside her.
fn live_with_bob_ready() -> Desk {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    desk.accept(t(2), &aid("ada"), offer_of(&desk, "ada"))
        .unwrap();
    login(&mut desk, "bob", t(3));
    desk
}

#[test]
fn a_waiting_visitor_found_gone_is_taken_out_of_the_queue_and_the_offer_withdrawn() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    ask(&mut desk, "c1", t(1));
    let VisitorGoneOutcome::Cancelled(notices) = desk.visitor_gone(t(90), &cid("c1")).unwrap()
    else {
        panic!("a waiting chat is cancelled");
    };
    assert_eq!(events_for(&notices, "ada"), ["JOBFINISHED:cancelled"]);
    assert_eq!(
        told(&notices, "c1"),
        [VisitorEvent::ConversationEnded {
            by: EndedBy::Visitor
        }]
    );
    assert!(desk.conversation(&cid("c1")).is_none());
}

#[test]
fn a_live_chat_whose_visitor_left_goes_on_but_a_transfer_cancels_it_instead_of_offering_it() {
    let mut desk = live_with_bob_ready();
    assert_eq!(
        desk.visitor_gone(t(90), &cid("c1")).unwrap(),
        VisitorGoneOutcome::Marked
    );
    assert_eq!(
        desk.owner_of(&cid("c1")),
        Some(&aid("ada")),
        "the chat goes on"
    );
    let notices = desk
        .transfer(
            t(100),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Agent(aid("bob")),
        )
        .unwrap();
    assert_eq!(
        events_for(&notices, "ada"),
        ["CONNECTIONCLEARED:transferred", "JOBCHANGED"]
    );
    assert!(
        events_for(&notices, "bob").is_empty(),
        "Bob is not offered it"
    );
    assert_eq!(
        told(&notices, "c1"),
        [
            VisitorEvent::AgentLeft {
                display_name: "ADA".into()
            },
            VisitorEvent::VisitorGone
        ]
    );
    assert!(desk.conversation(&cid("c1")).is_none());
}

#[test]
fn a_visitor_who_came_back_is_transferred_as_usual() {
    let mut desk = live_with_bob_ready();
    desk.visitor_gone(t(90), &cid("c1")).unwrap();
    assert!(desk.visitor_back(&cid("c1")));
    assert!(!desk.visitor_back(&cid("c1")), "cleared once");
    let notices = desk
        .transfer(
            t(100),
            &aid("ada"),
            &cid("c1"),
            TransferTarget::Agent(aid("bob")),
        )
        .unwrap();
    assert_eq!(
        events_for(&notices, "bob"),
        ["JOBSCHEDULED", "JOBCHANGED", "POPUP"]
    );
}

#[test]
fn a_chat_whose_visitor_left_is_not_requeued_when_the_agent_is_lost() {
    let mut desk = live_with_bob_ready();
    desk.visitor_gone(t(90), &cid("c1")).unwrap();
    desk.agent_disconnected(t(100), &aid("ada")).unwrap();
    let notices = desk.tick(t(100 + 60));
    assert_eq!(
        events_for(&notices, "ada"),
        [
            "CONNECTIONCLEARED:agent_lost",
            "JOBFINISHED:agent_lost",
            "LOGGEDOUT"
        ]
    );
    assert!(
        events_for(&notices, "bob").is_empty(),
        "Bob is not offered it"
    );
    assert_eq!(
        told(&notices, "c1"),
        [
            VisitorEvent::AgentLeft {
                display_name: "ADA".into()
            },
            VisitorEvent::VisitorGone
        ]
    );
    assert!(desk.conversation(&cid("c1")).is_none());
}
