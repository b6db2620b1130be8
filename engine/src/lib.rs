//! The dialog engine: dialogs as data, stateful sessions, rich responses and NLU.
//!
//! The engine is sans-IO: [`step`] takes the current time, a session, a dialog and an
//! input and returns the new session plus the outputs to show. It never reads the wall
//! clock, opens a socket or touches storage; the edge (the root `staffetta` crate) does.

pub mod entities;
pub mod language;
pub mod markdown;
pub mod nlu;

pub use language::Language;
