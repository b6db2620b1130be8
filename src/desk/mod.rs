//! The live-agent desk at the edge: the sans-IO [`staffetta_handoff::Desk`] of each site,
//! stored under compare-and-set, driven by visitor requests, console commands and the
//! timer, with its notices delivered to consoles, external desks and conversation logs.
//!
//! - [`site_desk`]: config -> desk settings and resources; `update` (transition + deadline).
//! - [`deliver`]: notices -> console frames, external desks, the visitor's log, job records
//!   ([`jobs`]: finished jobs, deletable per conversation and by age).
//! - [`visitor_side`]: ask for a human, leave; [`visitor_message`]: visitor messages and
//!   typing during handoff; [`conversation_log`]: the session link and the handoff entries
//!   of the conversation log.
//! - [`commands`]: agent commands (console and external), agent messages into the log;
//!   [`audit`]: the audit line of a refusal that named another site's data.
//! - [`guarded_append`]: chat messages (visitor's and agent's) written only while the desk
//!   is as read (who has the conversation), tried again when it changed.
//! - [`agent_ws`]: the console websocket (SNAPSHOT, events, commands); [`socket_token`]: its
//!   access token's expiry, the warning before it and the in-band renewal; [`cleared_chats`]:
//!   the visitor's frames of a chat the socket was told it lost are dropped.
//! - [`connections`]: console sockets open on this node; [`external`]: external desks
//!   ([`external_commands`]: their commands checked, applied and refusals reported;
//!   [`external_transcript`]: the conversation before the handoff sent with an offer).
//! - [`offline`]: "leave a request"; with [`jobs`] a [`record_log`] (records deletable one
//!   by one behind a site log); [`bans`]: visitor IP bans; [`timer`]: desk deadlines;
//!   [`presence`]: which console sockets are open on any node; [`visitor_presence`]:
//!   waiting visitors who went away leave the queue.
//! - [`routes`]: the HTTP routes of all of the above.

pub mod agent_ws;
pub mod audit;
pub mod bans;
pub mod cleared_chats;
pub mod commands;
pub mod connections;
pub mod conversation_log;
pub mod deliver;
pub mod external;
pub mod external_commands;
pub mod external_transcript;
pub mod guarded_append;
pub mod jobs;
pub mod offline;
pub mod presence;
pub mod record_log;
pub mod routes;
pub mod site_desk;
pub mod socket_token;
pub mod timer;
pub mod visitor_message;
pub mod visitor_presence;
pub mod visitor_side;
