//! Exhaustive table of the agent state machine: every state x every input, with and
//! without open jobs.

use super::*;
use AgentError::{ConversationsActive, JobsOpen, NotLoggedIn, NotReady, UnknownPauseReason};
use AgentInput as I;
use AgentState as S;

const C1: PauseCode = PauseCode(1701);
const C2: PauseCode = PauseCode(1702);
const UNKNOWN: PauseCode = PauseCode(9999);

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap()
}

fn reasons() -> Vec<PauseReason> {
    vec![
        PauseReason {
            code: C1,
            label: "lunch".into(),
        },
        PauseReason {
            code: C2,
            label: "training".into(),
        },
    ]
}

fn profile() -> AgentProfile {
    AgentProfile::new(
        AgentId::parse("ada").unwrap(),
        DisplayName::parse("Ada").unwrap(),
        2,
        BTreeSet::new(),
    )
    .unwrap()
}

fn agent_in(state: AgentState, phase: Option<JobPhase>) -> Agent {
    let mut agent = Agent::logged_out(profile());
    agent.state = state;
    agent.available_since = (state == S::Ready).then_some(now());
    if let Some(phase) = phase {
        agent.jobs.insert(
            OfferId::FIRST,
            Job {
                conversation: ConversationId::parse("c1").unwrap(),
                queue: ResourceId::parse("support").unwrap(),
                phase,
                offered_at: now(),
                started_at: Some(now()),
                ended_at: None,
            },
        );
    }
    agent
}

fn all_states() -> [AgentState; 5] {
    [
        S::LoggedOut,
        S::Ready,
        S::Paused { reason: None },
        S::Paused { reason: Some(C1) },
        S::Forced,
    ]
}

fn all_inputs() -> [AgentInput; 8] {
    [
        I::Login,
        I::Logout,
        I::Ready,
        I::Pause(None),
        I::Pause(Some(C1)),
        I::Pause(Some(C2)),
        I::Pause(Some(UNKNOWN)),
        I::OfferTimedOut,
    ]
}

type Expected = Result<(AgentState, &'static [&'static str]), AgentError>;

/// The whole machine for an agent without jobs.
fn table() -> Vec<(AgentState, AgentInput, Expected)> {
    let p0 = S::Paused { reason: None };
    let p1 = S::Paused { reason: Some(C1) };
    let p2 = S::Paused { reason: Some(C2) };
    let mut rows: Vec<(AgentState, AgentInput, Expected)> = vec![
        (S::LoggedOut, I::Login, Ok((S::Ready, &["LOGGEDIN"]))),
        (S::Ready, I::Login, Ok((S::Ready, &[]))),
        (S::Ready, I::Logout, Ok((S::LoggedOut, &["LOGGEDOUT"]))),
        (S::Ready, I::Ready, Ok((S::Ready, &[]))),
        (S::Ready, I::Pause(None), Ok((p0, &["PAUSE"]))),
        (
            S::Ready,
            I::Pause(Some(C1)),
            Ok((p1, &["PAUSE", "PAUSESUBSTATE:1701"])),
        ),
        (
            S::Ready,
            I::Pause(Some(C2)),
            Ok((p2, &["PAUSE", "PAUSESUBSTATE:1702"])),
        ),
        (S::Ready, I::OfferTimedOut, Ok((S::Forced, &["FORCED"]))),
        (p0, I::Login, Ok((p0, &[]))),
        (p0, I::Logout, Ok((S::LoggedOut, &["LOGGEDOUT"]))),
        (p0, I::Ready, Ok((S::Ready, &["LOGGEDIN"]))),
        (p0, I::Pause(None), Ok((p0, &[]))),
        (p0, I::Pause(Some(C1)), Ok((p1, &["PAUSESUBSTATE:1701"]))),
        (p0, I::Pause(Some(C2)), Ok((p2, &["PAUSESUBSTATE:1702"]))),
        (p0, I::OfferTimedOut, Err(NotReady)),
        (p1, I::Login, Ok((p1, &[]))),
        (p1, I::Logout, Ok((S::LoggedOut, &["LOGGEDOUT"]))),
        (p1, I::Ready, Ok((S::Ready, &["LOGGEDIN"]))),
        (p1, I::Pause(None), Ok((p0, &["PAUSE"]))),
        (p1, I::Pause(Some(C1)), Ok((p1, &[]))),
        (p1, I::Pause(Some(C2)), Ok((p2, &["PAUSESUBSTATE:1702"]))),
        (p1, I::OfferTimedOut, Err(NotReady)),
        (S::Forced, I::Login, Ok((S::Forced, &[]))),
        (S::Forced, I::Logout, Ok((S::LoggedOut, &["LOGGEDOUT"]))),
        (S::Forced, I::Ready, Ok((S::Ready, &["LOGGEDIN"]))),
        (S::Forced, I::Pause(None), Ok((p0, &["PAUSE"]))),
        (
            S::Forced,
            I::Pause(Some(C1)),
            Ok((p1, &["PAUSE", "PAUSESUBSTATE:1701"])),
        ),
        (
            S::Forced,
            I::Pause(Some(C2)),
            Ok((p2, &["PAUSE", "PAUSESUBSTATE:1702"])),
        ),
        (S::Forced, I::OfferTimedOut, Err(NotReady)),
    ];
    for input in all_inputs().into_iter().filter(|i| *i != I::Login) {
        rows.push((S::LoggedOut, input, Err(NotLoggedIn)));
    }
    for state in all_states().into_iter().filter(|s| *s != S::LoggedOut) {
        rows.push((
            state,
            I::Pause(Some(UNKNOWN)),
            Err(UnknownPauseReason(UNKNOWN)),
        ));
    }
    rows
}

fn names(events: &[AgentEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let name = serde_json::to_value(e.event)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            match &e.reason {
                Some(reason) => format!("{name}:{reason}"),
                None => name,
            }
        })
        .collect()
}

fn check(mut agent: Agent, input: AgentInput, expected: &Expected) {
    let before = agent.clone();
    let label = format!("{:?} x {input:?}", before.state);
    match (agent.apply(now(), input, &reasons()), expected) {
        (Ok(events), Ok((next, expected_events))) => {
            assert_eq!(agent.state(), *next, "{label}");
            assert_eq!(names(&events), *expected_events, "{label}");
            assert_eq!(agent.jobs(), before.jobs(), "{label}: jobs never change");
        }
        (Err(error), Err(expected_error)) => {
            assert_eq!(&error, expected_error, "{label}");
            assert_eq!(agent, before, "{label}: a refusal changes nothing");
        }
        (got, want) => panic!("{label}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn the_table_covers_every_state_and_input_exactly_once() {
    let table = table();
    for state in all_states() {
        for input in all_inputs() {
            let rows = table
                .iter()
                .filter(|(s, i, _)| *s == state && *i == input)
                .count();
            assert_eq!(rows, 1, "{state:?} x {input:?}");
        }
    }
    assert_eq!(table.len(), all_states().len() * all_inputs().len());
}

#[test]
fn every_state_and_input_without_jobs_follows_the_table() {
    for (state, input, expected) in table() {
        check(agent_in(state, None), input, &expected);
    }
}

#[test]
fn every_state_and_input_with_an_online_conversation_follows_the_table_except_logout() {
    for (state, input, expected) in table().into_iter().filter(|(s, ..)| *s != S::LoggedOut) {
        let expected = if input == I::Logout {
            Err(ConversationsActive { count: 1 })
        } else {
            expected
        };
        check(agent_in(state, Some(JobPhase::Online)), input, &expected);
    }
}

#[test]
fn every_state_and_input_with_after_chat_work_follows_the_table_except_logout() {
    let wrap_up = JobPhase::Offline { deadline: now() };
    for (state, input, expected) in table().into_iter().filter(|(s, ..)| *s != S::LoggedOut) {
        let expected = if input == I::Logout {
            Err(JobsOpen { count: 1 })
        } else {
            expected
        };
        check(agent_in(state, Some(wrap_up)), input, &expected);
    }
}

#[test]
fn becoming_ready_starts_the_available_clock_and_pausing_stops_it() {
    let mut agent = agent_in(S::Paused { reason: None }, None);
    assert_eq!(agent.available_since(), None);
    agent.apply(now(), I::Ready, &reasons()).unwrap();
    assert_eq!(agent.available_since(), Some(now()));
    agent.apply(now(), I::Pause(Some(C1)), &reasons()).unwrap();
    assert_eq!(agent.available_since(), None);
}

#[test]
fn logging_in_again_cancels_a_lost_connection() {
    let mut agent = agent_in(S::Ready, None);
    agent.mark_disconnected(now());
    assert!(!agent.can_take_offer());
    assert_eq!(agent.apply(now(), I::Login, &reasons()), Ok(Vec::new()));
    assert_eq!(agent.disconnected_at(), None);
    assert!(agent.can_take_offer());
}

#[test]
fn an_agent_takes_offers_only_when_ready_with_a_free_slot() {
    assert!(agent_in(S::Ready, None).can_take_offer());
    assert!(agent_in(S::Ready, Some(JobPhase::Online)).can_take_offer());
    assert!(!agent_in(S::Ready, Some(JobPhase::Setup { deadline: now() })).can_take_offer());
    assert!(!agent_in(S::Forced, None).can_take_offer());
    let mut full = agent_in(S::Ready, Some(JobPhase::Online));
    let mut second = full.jobs[&OfferId::FIRST].clone();
    second.phase = JobPhase::Offline { deadline: now() };
    full.jobs.insert(OfferId::FIRST.next(), second);
    assert!(
        !full.can_take_offer(),
        "capacity 2 reached by online + wrap-up"
    );
}

#[test]
fn agent_state_serializes_with_a_state_tag() {
    let json = serde_json::to_value(S::Paused { reason: Some(C1) }).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "state": "paused", "reason": 1701 })
    );
    assert!(
        AgentProfile::new(
            profile().id().clone(),
            profile().display_name().clone(),
            0,
            BTreeSet::new()
        )
        .is_err()
    );
}
