//! Every conversation state x every desk input, as one table.
//!
//! Setup: `ada` serves `support`, `bob` (paused) serves `sales`. Conversation `c1` asks
//! for `support` at t1. States: Waiting (ada paused too), Offered (to ada), Online (ada
//! accepted at t2), WrapUp (ada ended at t3; `c1` is gone).

use super::*;
use crate::desk::TransferTarget;
use crate::wrap_up::{Disposition, WrapUp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Offered,
    Online,
    WrapUp,
}

/// Where things are after the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Waiting,
    Offered,
    Online,
    WrapUp,
    Gone,
    /// Ada is in wrap-up while `c1` waits in another queue (transfer).
    WrapUpAndWaiting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    AcceptByAda,
    AcceptByBob,
    RejectByAda,
    EndByAda,
    EndByVisitor,
    TransferToSales,
    WrapUpByAda,
    TickAtOfferDeadline,
    TickAtWrapUpLimit,
}

const STATES: [State; 4] = [State::Waiting, State::Offered, State::Online, State::WrapUp];
const INPUTS: [Input; 9] = [
    Input::AcceptByAda,
    Input::AcceptByBob,
    Input::RejectByAda,
    Input::EndByAda,
    Input::EndByVisitor,
    Input::TransferToSales,
    Input::WrapUpByAda,
    Input::TickAtOfferDeadline,
    Input::TickAtWrapUpLimit,
];

fn setup(state: State) -> Desk {
    let mut desk = desk();
    desk.login(t(0), profile("ada", 2, &[])).unwrap();
    desk.login(t(0), profile("bob", 2, &["sales"])).unwrap();
    pause(&mut desk, "bob", t(0));
    if state == State::Waiting {
        pause(&mut desk, "ada", t(0));
    }
    ask(&mut desk, "c1", t(1));
    if matches!(state, State::Online | State::WrapUp) {
        desk.accept(t(2), &aid("ada"), OfferId::FIRST).unwrap();
    }
    if state == State::WrapUp {
        desk.end_by_agent(t(3), &aid("ada"), &cid("c1")).unwrap();
    }
    desk
}

fn apply(desk: &mut Desk, input: Input) -> Result<Vec<Notice>, DeskError> {
    let (ada, bob, c1, job) = (aid("ada"), aid("bob"), cid("c1"), OfferId::FIRST);
    let now = t(10);
    match input {
        Input::AcceptByAda => desk.accept(now, &ada, job),
        Input::AcceptByBob => desk.accept(now, &bob, job),
        Input::RejectByAda => desk.reject(now, &ada, job),
        Input::EndByAda => desk.end_by_agent(now, &ada, &c1),
        Input::EndByVisitor => desk.end_by_visitor(now, &c1),
        Input::TransferToSales => {
            desk.transfer(now, &ada, &c1, TransferTarget::Resource(rid("sales")))
        }
        Input::WrapUpByAda => {
            let wrap_up = WrapUp::new(Disposition::parse("solved").unwrap(), "").unwrap();
            desk.submit_wrap_up(now, &ada, job, wrap_up)
        }
        Input::TickAtOfferDeadline => Ok(desk.tick(t(21))),
        Input::TickAtWrapUpLimit => Ok(desk.tick(t(200))),
    }
}

fn observe(desk: &Desk) -> After {
    let ada_jobs: Vec<_> = desk
        .agent(&aid("ada"))
        .map(|a| a.jobs().values().map(|j| j.phase).collect())
        .unwrap_or_default();
    let in_wrap_up = ada_jobs
        .iter()
        .any(|p| matches!(p, crate::agent::JobPhase::Offline { .. }));
    match (desk.conversation(&cid("c1")), in_wrap_up) {
        (None, true) => After::WrapUp,
        (None, false) => After::Gone,
        (Some(c), true) if c.is_waiting() => After::WrapUpAndWaiting,
        (Some(c), false) if c.is_waiting() => After::Waiting,
        (Some(_), false) if desk.owner_of(&cid("c1")).is_some() => After::Online,
        (Some(_), false) => After::Offered,
        (Some(c), true) => panic!("c1 is {:?} while ada is in wrap-up", c.status()),
    }
}

type Expected = Result<(After, &'static [&'static str]), &'static str>;

fn expected(state: State, input: Input) -> Expected {
    use After as A;
    use Input as I;
    use State as S;
    match (state, input) {
        (S::Waiting, I::AcceptByAda | I::AcceptByBob | I::RejectByAda) => Err("unknown_offer"),
        (S::Offered, I::AcceptByAda) => Ok((A::Online, &["ESTABLISHED", "JOBSTARTED"])),
        (S::Offered, I::AcceptByBob) => Err("offer_not_yours"),
        (S::Offered, I::RejectByAda) => Ok((A::Waiting, &["JOBFINISHED:rejected"])),
        (S::Online | S::WrapUp, I::AcceptByAda | I::AcceptByBob | I::RejectByAda) => {
            Err("already_taken")
        }
        (S::Waiting | S::Offered, I::EndByAda | I::TransferToSales) => Err("not_your_conversation"),
        (S::Online, I::EndByAda) => Ok((A::WrapUp, &["CONNECTIONCLEARED:agent", "JOBCHANGED"])),
        (S::Online, I::TransferToSales) => Ok((
            A::WrapUpAndWaiting,
            &["CONNECTIONCLEARED:transferred", "JOBCHANGED"],
        )),
        (S::WrapUp, I::EndByAda | I::EndByVisitor | I::TransferToSales) => {
            Err("unknown_conversation")
        }
        (S::Waiting, I::EndByVisitor) => Ok((A::Gone, &[])),
        (S::Offered, I::EndByVisitor) => Ok((A::Gone, &["JOBFINISHED:cancelled"])),
        (S::Online, I::EndByVisitor) => {
            Ok((A::WrapUp, &["CONNECTIONCLEARED:visitor", "JOBCHANGED"]))
        }
        (S::Waiting, I::WrapUpByAda) => Err("unknown_job"),
        (S::Offered | S::Online, I::WrapUpByAda) => Err("not_in_wrap_up"),
        (S::WrapUp, I::WrapUpByAda) => Ok((A::Gone, &["JOBFINISHED:solved"])),
        (S::Waiting, I::TickAtOfferDeadline | I::TickAtWrapUpLimit) => Ok((A::Waiting, &[])),
        (S::Offered, I::TickAtOfferDeadline | I::TickAtWrapUpLimit) => {
            Ok((A::Waiting, &["JOBFINISHED:timeout", "FORCED"]))
        }
        (S::Online, I::TickAtOfferDeadline | I::TickAtWrapUpLimit) => Ok((A::Online, &[])),
        (S::WrapUp, I::TickAtOfferDeadline) => Ok((A::WrapUp, &[])),
        (S::WrapUp, I::TickAtWrapUpLimit) => Ok((A::Gone, &["JOBFINISHED:wrap_up_limit"])),
    }
}

#[test]
fn every_conversation_state_and_input_follows_the_table() {
    for state in STATES {
        for input in INPUTS {
            let mut desk = setup(state);
            assert_eq!(
                observe(&desk),
                match state {
                    State::Waiting => After::Waiting,
                    State::Offered => After::Offered,
                    State::Online => After::Online,
                    State::WrapUp => After::WrapUp,
                }
            );
            let before = desk.clone();
            let label = format!("{state:?} x {input:?}");
            match (apply(&mut desk, input), expected(state, input)) {
                (Ok(notices), Ok((after, events))) => {
                    assert_eq!(events_for(&notices, "ada"), *events, "{label}");
                    assert_eq!(observe(&desk), after, "{label}");
                    assert!(
                        events_for(&notices, "bob").is_empty(),
                        "{label}: bob is paused"
                    );
                }
                (Err(error), Err(code)) => {
                    assert_eq!(error.code(), code, "{label}");
                    assert_eq!(desk, before, "{label}: a refusal changes nothing");
                }
                (got, want) => panic!("{label}: got {got:?}, want {want:?}"),
            }
            desk.verify_invariants()
                .unwrap_or_else(|e| panic!("{label}: {e}"));
        }
    }
}
