//! Black-box security tests of the visitor side, one file per threat family, named after the
//! test IDs of the security catalogue; `docs/security.md` maps every ID to its tests.
//!
//! Everything runs against the real server on loopback with bounded counts and times; the
//! server's limits are lowered through its settings instead of waiting for real windows.

mod inert;
mod raw_http;
mod raw_ws;
mod supply_chain;
pub(crate) mod support;
mod visitor_authz;
mod visitor_cors;
mod visitor_dos;
mod visitor_headers;
mod visitor_identity;
mod visitor_input_types;
mod visitor_long_poll;
mod visitor_websocket;
mod visitor_xss;
