//! The published contract: docs/openapi.json and docs/ws-frames.schema.json are served as
//! written, describe exactly the routes of the router, are valid JSON Schema, and accept
//! what the real server sends and their own examples.

pub(crate) mod contract;
mod coverage;
mod frames;
mod methods;
mod responses;
