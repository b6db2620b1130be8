//! The visitor channel: who a visitor is, their sessions and messages, and how they are
//! counted.
//!
//! - [`identity`]: anonymous ids, asserted user ids and verified identity tokens (RS256 JWT).
//! - [`mau`]: exact monthly active users per site, with an optional monthly limit.
//! - [`metadata`]: what agents see about a visitor (address, page, device, location).
//! - [`locale`]: the visitor's locale from the widget, `Accept-Language` and the site.

pub mod identity;
pub mod locale;
pub mod mau;
pub mod metadata;
