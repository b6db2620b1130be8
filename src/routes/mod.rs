//! HTTP routes of the edge, one file per area.

pub mod health;
