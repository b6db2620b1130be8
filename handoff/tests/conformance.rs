//! The connector conformance story, run against the in-memory reference connector.
//!
//! Other connectors run the same `handoff_story` from their own harness (the root crate's
//! integration tests for the console and webhook connectors).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use staffetta_handoff::connector::conformance::{AGENT_TEXT, VISITOR_TEXT, handoff_story};
use staffetta_handoff::connector::{Author, Connector, MemoryConnector, Outbound};
use staffetta_handoff::desk::JobOutcome;
use staffetta_handoff::visitor_event::VisitorEvent;

/// Wakes the test thread that is blocked on a future.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor: the handoff crate has no runtime, and the story needs none.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut context = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        thread::park();
    }
}

#[test]
fn the_memory_connector_passes_the_handoff_story() {
    let connector = MemoryConnector::new();
    let mut remote = connector.remote();
    let report = block_on(handoff_story(&connector, &mut remote)).unwrap();

    assert_eq!(report.record.outcome, JobOutcome::WrappedUp);
    assert_eq!(
        report
            .record
            .wrap_up
            .as_ref()
            .unwrap()
            .disposition()
            .as_str(),
        "solved"
    );
    assert!(report.received.iter().any(|(_, item)| matches!(
        item,
        Outbound::Message(m) if m.text == VISITOR_TEXT && m.from == Author::Visitor
    )));
    assert!(matches!(
        report.visitor_events.first(),
        Some(VisitorEvent::AgentJoined { .. })
    ));
    assert_eq!(connector.delivered().len(), report.received.len());
    assert!(!AGENT_TEXT.is_empty());
}

#[test]
fn a_closed_memory_connector_ends_the_command_stream() {
    let connector = MemoryConnector::new();
    connector.close();
    assert_eq!(block_on(connector.next_command()), Ok(None));
    let mut remote = connector.remote();
    assert!(block_on(handoff_story(&connector, &mut remote)).is_err());
}

#[test]
fn a_command_sent_later_wakes_a_waiting_receiver() {
    use staffetta_handoff::connector::{AgentCommand, Inbound};
    let connector = MemoryConnector::new();
    let remote = connector.remote();
    let sender = thread::spawn(move || {
        let inbound = Inbound {
            agent: staffetta_handoff::AgentId::parse("ada").unwrap(),
            command: AgentCommand::Logout,
        };
        remote.push(inbound).unwrap();
    });
    let received = block_on(connector.next_command()).unwrap().unwrap();
    assert_eq!(received.command, AgentCommand::Logout);
    sender.join().unwrap();
}
