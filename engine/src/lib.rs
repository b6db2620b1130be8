//! The dialog engine: dialogs as data, stateful sessions, rich responses and NLU.
//!
//! The engine is sans-IO: [`step()`] takes the current time, a session, a dialog and an
//! input and returns the new session plus the outputs to show. It never reads the wall
//! clock, opens a socket or touches storage; the edge (the root `staffetta` crate) does.
//!
//! - A **dialog** ([`dialog::Dialog`]) is data: intents with examples, entities, typed
//!   variables and actions made of steps, in one TOML file or folder per dialog
//!   (docs/dialogs.md). [`dialog::load_dir`] checks it and trains its intent models.
//! - A **session** ([`Session`]) is one visitor's state: variables, the stack of running
//!   actions, what the bot waits for, misunderstandings and timestamps.
//! - A **step** ([`step()`]) is one turn: input in, new session and [`Output`]s out.
//! - An **output** ([`Output`]) is what the bot shows: text (markdown and safe HTML),
//!   options, a date picker, media, an iframe, a pause, a hand-off to an agent.
//! - **Timeouts** are pure functions of the session and the clock
//!   ([`Session::timeout_state`], [`Session::next_deadline`]); the edge feeds
//!   [`Input::Tick`] at the deadlines.
//!
//! # Layout
//! - [`dialog`]: the dialog format, loader, validator and the checked model;
//! - [`session`]: sessions, idle deadlines, public state and restore;
//! - [`step`](mod@step): the turn (input, understanding, answers, running steps, rendering);
//! - [`output`]: the output model;
//! - [`i18n`]: system texts from `locales/<lang>/engine.ftl` ([`i18n::Localizer`]);
//! - [`nlu`]: intent classification trained from a dialog's examples;
//! - [`entities`]: system entities (numbers, dates, …) and custom entities;
//! - [`markdown`]: markdown to sanitized HTML;
//! - [`language`]: the languages with built-in support;
//! - [`error`]: the error type for loading locales.

pub mod dialog;
pub mod entities;
pub mod error;
pub mod i18n;
pub mod language;
pub mod markdown;
pub mod nlu;
pub mod output;
pub mod session;
pub mod step;

pub use error::Error;
pub use language::Language;
pub use output::Output;
pub use session::Session;
pub use step::{Input, StepContext, step};
