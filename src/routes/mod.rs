//! HTTP routes of the edge, one file per area.

pub mod admin;
pub mod health;
pub mod openapi;
pub mod operators;
pub mod sessions;
pub mod visitor_ws;
