//! The visitor wire contract v1 (ARCHITECTURE.md "Wire contract v1"): request and response
//! bodies of `/api/v1/sites/{site}/sessions...`, websocket frames and visitor events.
//!
//! Names follow IBM watsonx web chat where one exists (`output.generic[]`,
//! `response_type`). Engine outputs become wire items in [`output`]; the engine's own types
//! never reach the wire.

pub mod event;
pub mod frame;
pub mod output;
pub mod session;

pub use event::{Event, EventKind, Sender};
pub use frame::{ClientFrame, ServerFrame};
pub use output::{GenericItem, OutputBody};
pub use session::{
    IdentityRequest, MessageInput, MessageRequest, MessageResponse, SessionStarted, StartSession,
};
