//! The supervisor's overview of the queues: waiting (offered first, then in serving order)
//! and live conversations and after-chat work per resource.

use super::*;

#[test]
fn the_overview_lists_waiting_chats_in_serving_order_then_the_offered_one_then_the_live_one() {
    let mut desk = desk();
    login(&mut desk, "ada", t(0));
    pause(&mut desk, "ada", t(1));
    ask(&mut desk, "c1", t(10));
    ask(&mut desk, "c2", t(20));
    ask_for(&mut desk, "c3", Some("sales"), t(30));

    let overview = desk.overview();
    let ids: Vec<&str> = overview.iter().map(|q| q.resource.as_str()).collect();
    assert_eq!(ids, ["sales", "support"], "every resource, in id order");
    let support = &overview[1];
    assert_eq!(support.name.as_deref(), Some("Support"));
    assert_eq!(
        support.waiting,
        [
            WaitingChat {
                conversation: cid("c1"),
                waiting_since: t(10),
                position: Some(1),
                offered_to: None,
            },
            WaitingChat {
                conversation: cid("c2"),
                waiting_since: t(20),
                position: Some(2),
                offered_to: None,
            },
        ]
    );
    assert_eq!(
        overview[0].waiting[0].position,
        Some(1),
        "positions are per queue"
    );

    // Ready again: the oldest is offered to Ada, the next one is first in line.
    ready(&mut desk, "ada", t(40));
    let support = desk.overview().remove(1);
    assert_eq!(
        support
            .waiting
            .iter()
            .map(|w| (w.conversation.as_str(), w.position, w.offered_to.clone()))
            .collect::<Vec<_>>(),
        [("c1", None, Some(aid("ada"))), ("c2", Some(1), None)]
    );
    assert_eq!(
        support.waiting[0].waiting_since,
        t(10),
        "an offer keeps the wait"
    );

    let offer = offer_of(&desk, "ada");
    desk.accept(t(45), &aid("ada"), offer).unwrap();
    let support = desk.overview().remove(1);
    assert_eq!(
        support.live,
        [LiveChat {
            conversation: cid("c1"),
            agent: aid("ada"),
            since: t(45),
        }]
    );
    // Ada has capacity 2: the next one is offered to her at once.
    assert_eq!(support.waiting[0].offered_to, Some(aid("ada")));

    // An ended chat is no longer live: it is listed under Ada's after-chat work.
    desk.end_by_agent(t(50), &aid("ada"), &cid("c1")).unwrap();
    let support = desk.overview().remove(1);
    assert!(support.live.is_empty());
    assert_eq!(
        support.wrap_up,
        [WrapUpChat {
            conversation: cid("c1"),
            agent: aid("ada"),
            since: t(50),
        }]
    );
    // Her wrap-up done, it is gone.
    let job = desk
        .agent(&aid("ada"))
        .unwrap()
        .jobs()
        .iter()
        .find(|(_, j)| matches!(j.phase, crate::agent::JobPhase::Offline { .. }))
        .map(|(id, _)| *id)
        .unwrap();
    let wrap_up =
        crate::wrap_up::WrapUp::new(crate::wrap_up::Disposition::parse("ok").unwrap(), "").unwrap();
    desk.submit_wrap_up(t(60), &aid("ada"), job, wrap_up)
        .unwrap();
    assert!(desk.overview()[1].wrap_up.is_empty());
}
