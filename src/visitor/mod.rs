//! The visitor channel: who a visitor is, their sessions and messages, and how they are
//! counted.
//!
//! - [`identity`]: anonymous ids, asserted user ids and verified identity tokens (RS256 JWT).
//! - [`mau`]: exact monthly active users per site, with an optional monthly limit.

pub mod identity;
pub mod mau;
