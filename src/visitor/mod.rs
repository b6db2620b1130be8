//! The visitor channel: who a visitor is, their sessions and messages, and how they are
//! counted.
//!
//! - [`identity`]: anonymous ids, asserted user ids and verified identity tokens (RS256 JWT).
//! - [`mau`]: exact monthly active users per site, with an optional monthly limit.
//! - [`bot`]: dialogs, system texts and per-site bot settings loaded at start.
//! - [`start`]: what is decided before a conversation starts; the public site config.
//! - [`start_id`]: `client_start_id`, which makes a repeated session start answer the same
//!   session.
//! - [`opening`]: a new conversation's writes, in the order that lets an erasure find it.
//! - [`conversation`]: message, end, tick: one engine turn, one durable write.
//! - [`turn`]: visitor input -> engine input, engine outputs -> log entries.
//! - [`record`]: the stored session and its keys; the opaque restore state.
//! - [`session_token`]: the bearer token every call on a session presents.
//! - [`bus`]: fan-out of conversation activity to this node's subscribers.
//! - [`timer`]: idle deadlines (the next one of a session) and the one task applying them.
//! - [`origin`]: origin checks and CORS; [`refused_pages`]: the log line a refused page gets.
//! - [`identity_expiry`]: `identity_expired` events and fresh tokens mid-conversation.
//! - [`keep_alive`]: "Continue" on the idle warning, activity without a message.
//! - [`metadata`]: what agents see about a visitor (address, page, device, location).
//! - [`locale`]: the visitor's locale from the widget, `Accept-Language` and the site.

pub mod bot;
pub mod bus;
pub mod conversation;
pub mod identity;
pub mod identity_expiry;
pub mod keep_alive;
pub mod locale;
pub mod mau;
pub mod metadata;
pub mod opening;
pub mod origin;
pub mod record;
pub mod refused_pages;
pub mod session_token;
pub mod start;
pub mod start_id;
pub mod timer;
pub mod turn;
