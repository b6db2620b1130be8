//! Live-agent handoff: operators, agent states, queues and routing, offers under a
//! deadline, after-chat work and the `Connector` contract.
//!
//! The crate is sans-IO: every transition takes the current time and the current state and
//! returns the new state plus the events to emit. Sockets, timers and storage live at the
//! edge. Nothing here reads the clock; hashing a new password reads the OS random source
//! for its salt.
//!
//! # Layout
//!
//! - [`ids`]: validated identifiers (`SiteId`, `AgentId`, `ConversationId`, `ResourceId`,
//!   `OfferId`, `Skill`).
//! - [`operator`]: operator accounts, roles and permission checks; [`password`]: Argon2id
//!   hashing under a [`PasswordPolicy`](password::PasswordPolicy); [`login_guard`]:
//!   failed-login counting and IP/account blocks.
//! - [`agent`]: one agent's AgentDesktop state machine (LoggedOut, Ready, Paused, Forced),
//!   profile and jobs.
//! - [`event`]: AgentDesktop events with the exact JSON names of seed 002;
//!   [`visitor_event`]: what the widget is told (`queue_update`, `agent_joined`, ...).
//! - [`resource`] and [`office_hours`]: queues with skills, timeouts and DST-correct office
//!   hours in IANA zones.
//! - [`conversation`]: a conversation waiting or with an agent; [`routing`]: queue order,
//!   agent choice and the wait estimate.
//! - [`desk`]: [`Desk`], the serializable state of one site and every
//!   transition (request, accept, reject, end, wrap-up, transfer, login, pause, lost
//!   connection, visitor gone or back, `tick`), returning [`Notice`]s, and the supervisors'
//!   read-only overview of the queues (waiting, live, after-chat work).
//! - [`wrap_up`]: dispositions and notes; [`offline_request`]: "leave a request".
//! - [`connector`]: the `Connector` trait, `MemoryConnector`, agent commands, webhook
//!   signatures and the conformance story every connector runs.

pub mod agent;
pub mod connector;
pub mod conversation;
pub mod desk;
pub mod event;
pub mod ids;
pub mod login_guard;
pub mod office_hours;
pub mod offline_request;
pub mod operator;
pub mod password;
pub mod resource;
pub mod routing;
pub mod visitor_event;
pub mod wrap_up;

mod time;

pub use desk::{Desk, DeskConfig, DeskError, Notice};
pub use ids::{AgentId, ConversationId, OfferId, OperatorId, ResourceId, SiteId, Skill};
