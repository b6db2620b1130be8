//! Live-agent handoff: operators, agent states, queues and routing, offers under a
//! deadline, after-chat work and the `Connector` contract.
//!
//! The crate is sans-IO: every transition takes the current time and the current state and
//! returns the new state plus the events to emit. Sockets, timers and storage live at the edge.
