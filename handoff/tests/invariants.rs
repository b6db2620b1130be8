//! Property test: random sequences of desk inputs (logins, pauses, requests, offers, accepts
//! and rejects with right and wrong ids, ends, wrap-ups, transfers, lost connections, visitors
//! found gone or back, and time passing) keep the desk's invariants:
//!
//! - no conversation is owned (offered or online) by two agents;
//! - no agent is ever over capacity or holds two pending offers;
//! - every offered conversation is in exactly one place;
//! - a conversation whose visitor was found gone is never waiting nor offered;
//! - a refused input changes nothing;
//! - after `tick(now)` nothing is due at or before `now`;
//! - the desk survives a JSON round trip.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use proptest::prelude::*;
use staffetta_handoff::agent::{AgentProfile, JobPhase, PauseCode, PauseReason};
use staffetta_handoff::desk::{AgentStateRequest, HandoffRequest, TransferTarget};
use staffetta_handoff::operator::DisplayName;
use staffetta_handoff::resource::Resource;
use staffetta_handoff::wrap_up::{Disposition, WrapUp};
use staffetta_handoff::{
    AgentId, ConversationId, Desk, DeskConfig, OfferId, ResourceId, SiteId, Skill,
};

const AGENTS: [&str; 3] = ["a0", "a1", "a2"];
const CONVERSATIONS: usize = 6;
const RESOURCES: [&str; 2] = ["support", "sales"];

#[derive(Debug, Clone)]
enum Op {
    Login(usize, u8),
    Logout(usize),
    Ready(usize),
    Pause(usize, bool),
    Disconnect(usize),
    Reconnect(usize),
    Request(usize, usize),
    EndByVisitor(usize),
    EndByAgent(usize, usize),
    /// An agent with a pending offer accepts it.
    AcceptPending(usize),
    AcceptAny(usize, u64),
    /// An agent with a pending offer rejects it.
    RejectPending(usize),
    RejectAny(usize, u64),
    /// An agent in after-chat work submits it.
    WrapUp(usize),
    TransferToResource(usize, usize, usize),
    TransferToAgent(usize, usize, usize),
    Summary(usize),
    Advance(u32),
    /// An agent who is online with a conversation ends it.
    EndOwn(usize),
    /// An agent who is online with a conversation transfers it to a resource.
    TransferOwnToResource(usize, usize),
    /// An agent who is online with a conversation transfers it to an agent.
    TransferOwnToAgent(usize, usize),
    /// The edge found the visitor gone for the grace.
    VisitorGone(usize),
    /// The visitor connected again.
    VisitorBack(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let agent = 0..AGENTS.len();
    let conversation = 0..CONVERSATIONS;
    prop_oneof![
        2 => (agent.clone(), 1u8..=3).prop_map(|(a, c)| Op::Login(a, c)),
        1 => agent.clone().prop_map(Op::Logout),
        2 => agent.clone().prop_map(Op::Ready),
        1 => (agent.clone(), any::<bool>()).prop_map(|(a, c)| Op::Pause(a, c)),
        1 => agent.clone().prop_map(Op::Disconnect),
        1 => agent.clone().prop_map(Op::Reconnect),
        4 => (conversation.clone(), 0..RESOURCES.len()).prop_map(|(c, r)| Op::Request(c, r)),
        1 => conversation.clone().prop_map(Op::EndByVisitor),
        1 => (agent.clone(), conversation.clone()).prop_map(|(a, c)| Op::EndByAgent(a, c)),
        5 => agent.clone().prop_map(Op::AcceptPending),
        1 => (agent.clone(), 1u64..30).prop_map(|(a, o)| Op::AcceptAny(a, o)),
        1 => agent.clone().prop_map(Op::RejectPending),
        1 => (agent.clone(), 1u64..30).prop_map(|(a, o)| Op::RejectAny(a, o)),
        2 => agent.clone().prop_map(Op::WrapUp),
        1 => (agent.clone(), conversation.clone(), 0..RESOURCES.len())
            .prop_map(|(a, c, r)| Op::TransferToResource(a, c, r)),
        1 => (agent.clone(), conversation.clone(), agent.clone())
            .prop_map(|(a, c, b)| Op::TransferToAgent(a, c, b)),
        1 => conversation.clone().prop_map(Op::Summary),
        3 => agent.clone().prop_map(Op::EndOwn),
        2 => (agent.clone(), 0..RESOURCES.len()).prop_map(|(a, r)| Op::TransferOwnToResource(a, r)),
        2 => (agent.clone(), agent.clone()).prop_map(|(a, b)| Op::TransferOwnToAgent(a, b)),
        2 => conversation.clone().prop_map(Op::VisitorGone),
        1 => conversation.prop_map(Op::VisitorBack),
        3 => prop_oneof![4 => 1u32..15, 1 => 15u32..250].prop_map(Op::Advance),
    ]
}

fn aid(index: usize) -> AgentId {
    AgentId::parse(AGENTS[index]).unwrap()
}

fn cid(index: usize) -> ConversationId {
    ConversationId::parse(&format!("c{index}")).unwrap()
}

fn rid(index: usize) -> ResourceId {
    ResourceId::parse(RESOURCES[index]).unwrap()
}

fn new_desk(start: Timestamp) -> Desk {
    let config = DeskConfig {
        default_resource: Some(rid(0)),
        pause_reasons: vec![PauseReason {
            code: PauseCode(1701),
            label: "lunch".into(),
        }],
        disconnect_grace_s: 45,
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(SiteId::parse("prop").unwrap(), config);
    desk.upsert_resource(start, Resource::new(rid(0), "Support"))
        .unwrap();
    let mut sales = Resource::new(rid(1), "Sales");
    sales.skills = [Skill::parse("sales").unwrap()].into();
    sales.max_wait_s = Some(200);
    sales.wrap_up_limit_s = 30;
    desk.upsert_resource(start, sales).unwrap();
    desk
}

fn profile(index: usize, capacity: u8) -> AgentProfile {
    let skills: BTreeSet<Skill> = if index == 0 {
        BTreeSet::new()
    } else {
        [Skill::parse("sales").unwrap()].into()
    };
    AgentProfile::new(
        aid(index),
        DisplayName::parse(AGENTS[index]).unwrap(),
        capacity,
        skills,
    )
    .unwrap()
}

/// The `n`-th (cyclically) agent for whom `has` finds something, with what it found, so
/// ops aimed at "an agent with an offer / a chat / a wrap-up" usually hit one.
fn choose<T>(desk: &Desk, n: usize, has: impl Fn(&Desk, usize) -> Option<T>) -> Option<(usize, T)> {
    let found: Vec<(usize, T)> = (0..AGENTS.len())
        .filter_map(|a| has(desk, a).map(|t| (a, t)))
        .collect();
    let len = found.len();
    found.into_iter().nth(n.checked_rem(len)?)
}

fn pending(desk: &Desk, agent: usize) -> Option<OfferId> {
    desk.agent(&aid(agent))?.pending_offer().map(|(id, _)| id)
}

fn online(desk: &Desk, agent: usize) -> Option<ConversationId> {
    desk.agent(&aid(agent))?
        .jobs()
        .values()
        .find(|job| job.phase == JobPhase::Online)
        .map(|job| job.conversation.clone())
}

fn in_wrap_up(desk: &Desk, agent: usize) -> Option<OfferId> {
    desk.agent(&aid(agent))?
        .jobs()
        .iter()
        .find(|(_, job)| matches!(job.phase, JobPhase::Offline { .. }))
        .map(|(id, _)| *id)
}

/// Applies one op; `Err` carries the desk error code.
fn apply(desk: &mut Desk, now: &mut Timestamp, op: &Op) -> Result<(), &'static str> {
    let at = *now;
    let result = match *op {
        Op::Login(a, capacity) => desk.login(at, profile(a, capacity)).map(drop),
        Op::Logout(a) => desk.logout(at, &aid(a)).map(drop),
        Op::Ready(a) => desk
            .set_state(at, &aid(a), AgentStateRequest::Ready)
            .map(drop),
        Op::Pause(a, with_code) => {
            let reason = with_code.then_some(PauseCode(1701));
            desk.set_state(at, &aid(a), AgentStateRequest::Pause { reason })
                .map(drop)
        }
        Op::Disconnect(a) => desk.agent_disconnected(at, &aid(a)).map(drop),
        Op::Reconnect(a) => desk.agent_reconnected(at, &aid(a)).map(drop),
        Op::Request(c, r) => {
            let request = HandoffRequest {
                conversation: cid(c),
                dispatch_to: Some(rid(r)),
                summary: "s".into(),
            };
            desk.request(at, request).map(drop)
        }
        Op::EndByVisitor(c) => desk.end_by_visitor(at, &cid(c)).map(drop),
        Op::EndByAgent(a, c) => desk.end_by_agent(at, &aid(a), &cid(c)).map(drop),
        Op::AcceptPending(n) => match choose(desk, n, pending) {
            Some((a, offer)) => desk.accept(at, &aid(a), offer).map(drop),
            None => Ok(()),
        },
        Op::AcceptAny(a, offer) => desk
            .accept(at, &aid(a), OfferId::parse(&offer.to_string()).unwrap())
            .map(drop),
        Op::RejectPending(n) => match choose(desk, n, pending) {
            Some((a, offer)) => desk.reject(at, &aid(a), offer).map(drop),
            None => Ok(()),
        },
        Op::RejectAny(a, offer) => desk
            .reject(at, &aid(a), OfferId::parse(&offer.to_string()).unwrap())
            .map(drop),
        Op::WrapUp(n) => match choose(desk, n, in_wrap_up) {
            Some((a, job)) => {
                let wrap_up = WrapUp::new(Disposition::parse("done").unwrap(), "").unwrap();
                desk.submit_wrap_up(at, &aid(a), job, wrap_up).map(drop)
            }
            None => Ok(()),
        },
        Op::TransferToResource(a, c, r) => desk
            .transfer(at, &aid(a), &cid(c), TransferTarget::Resource(rid(r)))
            .map(drop),
        Op::TransferToAgent(a, c, b) => desk
            .transfer(at, &aid(a), &cid(c), TransferTarget::Agent(aid(b)))
            .map(drop),
        Op::Summary(c) => desk.update_summary(&cid(c), "new summary").map(drop),
        Op::VisitorGone(c) => desk.visitor_gone(at, &cid(c)).map(drop),
        Op::VisitorBack(c) => {
            desk.visitor_back(&cid(c));
            Ok(())
        }
        Op::EndOwn(n) => match choose(desk, n, online) {
            Some((a, c)) => desk.end_by_agent(at, &aid(a), &c).map(drop),
            None => Ok(()),
        },
        Op::TransferOwnToResource(n, r) => match choose(desk, n, online) {
            Some((a, c)) => desk
                .transfer(at, &aid(a), &c, TransferTarget::Resource(rid(r)))
                .map(drop),
            None => Ok(()),
        },
        Op::TransferOwnToAgent(n, b) => match choose(desk, n, online) {
            Some((a, c)) => desk
                .transfer(at, &aid(a), &c, TransferTarget::Agent(aid(b)))
                .map(drop),
            None => Ok(()),
        },
        Op::Advance(seconds) => {
            *now = at
                .checked_add(jiff::SignedDuration::from_secs(i64::from(seconds)))
                .unwrap();
            desk.tick(*now);
            Ok(())
        }
    };
    result.map_err(|e| e.code())
}

/// The invariants, checked from the public API independently of `verify_invariants`.
fn check_from_outside(desk: &Desk) -> Result<(), String> {
    let mut holders: BTreeMap<ConversationId, Vec<(AgentId, OfferId)>> = BTreeMap::new();
    for agent in desk.agents() {
        let id = agent.profile().id();
        if agent.jobs().len() > usize::from(agent.profile().capacity()) {
            return Err(format!("{id} is over capacity"));
        }
        let pending = agent
            .jobs()
            .values()
            .filter(|j| matches!(j.phase, JobPhase::Setup { .. }))
            .count();
        if pending > 1 {
            return Err(format!("{id} holds {pending} pending offers"));
        }
        for (offer, job) in agent.jobs() {
            if !matches!(job.phase, JobPhase::Offline { .. }) {
                holders
                    .entry(job.conversation.clone())
                    .or_default()
                    .push((id.clone(), *offer));
            }
        }
    }
    for (conversation, with) in &holders {
        if with.len() != 1 {
            return Err(format!("{conversation} is held by {with:?}"));
        }
        let Some(entry) = desk.conversation(conversation) else {
            return Err(format!(
                "{conversation} is held by {with:?} but unknown to the desk"
            ));
        };
        if entry.agent() != Some(&with[0].0) {
            return Err(format!(
                "{conversation} is held by {with:?} but says {:?}",
                entry.status()
            ));
        }
    }
    for conversation in desk.conversations() {
        if conversation.is_visitor_gone() && desk.owner_of(conversation.id()).is_none() {
            return Err(format!(
                "{} waits although its visitor is gone",
                conversation.id()
            ));
        }
        if !conversation.is_waiting() && !holders.contains_key(conversation.id()) {
            return Err(format!(
                "{} is with an agent nobody holds",
                conversation.id()
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_inputs_keep_the_desk_invariants(ops in proptest::collection::vec(op(), 1..120)) {
        let mut now = Timestamp::from_second(1_800_000_000).unwrap();
        let mut desk = new_desk(now);
        for op in &ops {
            let before = desk.clone();
            let tick = matches!(op, Op::Advance(_));
            if apply(&mut desk, &mut now, op).is_err() {
                prop_assert_eq!(&desk, &before, "a refused {:?} changed the desk", op);
            }
            if let Err(violation) = desk.verify_invariants() {
                prop_assert!(false, "after {:?}: {}", op, violation);
            }
            if let Err(violation) = check_from_outside(&desk) {
                prop_assert!(false, "after {:?}: {}", op, violation);
            }
            if tick {
                prop_assert!(desk.next_deadline().is_none_or(|d| d > now), "a deadline was left behind");
            }
        }
        let json = serde_json::to_string(&desk).unwrap();
        let back: Desk = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, desk);
    }
}
