//! One turn of the conversation: `step(now, session, dialog, input, ctx) -> (session, outputs)`.
//!
//! Pure and synchronous: no clock, no IO. The turn reads the visitor's input, decides what
//! it means given what the bot was waiting for (an answer, a yes/no, a pick among close
//! intents) and runs actions until the bot needs input again.
//!
//! # Layout
//! - `input`: cleaning and bounding what the visitor sent;
//! - `understand`: intents, disambiguation, fallback and the offer of a human;
//! - `entities`: entities of the message, found on demand;
//! - `answer`: reading and validating an answer to an `ask`;
//! - `run`: executing steps (the action stack, calls, digressions, returns);
//! - `render`: texts to outputs, system texts, value formatting;
//! - `timeout`: idle warnings and expiry;
//! - `keep_alive`: the visitor's "continue" on the idle warning.

mod answer;
mod entities;
mod input;
mod keep_alive;
mod render;
mod run;
mod timeout;
mod understand;

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::dialog::Dialog;
use crate::i18n::Localizer;
use crate::output::Output;
use crate::session::{IdleConfig, PublicState, Session};

pub use input::MAX_INPUT_CHARS;

/// What the visitor (or the edge) sends into a turn.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The chat opened: runs the dialog's welcome action.
    Start,
    /// A typed message.
    Text(String),
    /// The value of an option the visitor clicked.
    Option(String),
    /// A date picked in a date picker.
    Date(Date),
    /// Continue an expired session: the session is replaced by one seeded from the
    /// public state the widget kept (see [`Session::restore`]).
    Restore(PublicState),
    /// A deadline passed (the edge's timer): shows the idle warning or expires the
    /// session. Does not count as visitor activity.
    Tick,
    /// The visitor asked to keep the session ("Continue" on the idle warning): counts as
    /// activity and answers nothing. Too late (the deadline passed) it expires the session
    /// like a late message; an expired session stays as it is.
    KeepAlive,
}

/// What a turn needs to know besides the session and the dialog.
#[derive(Clone, Copy, Debug)]
pub struct StepContext<'a> {
    /// The visitor's locale (`it`, `en-GB`); the dialog picks its closest locale.
    pub locale: &'a str,
    /// Today's date in the site's time zone (relative dates, date limits).
    pub today: Date,
    /// System texts.
    pub localizer: &'a Localizer,
    /// Iframe hosts the site allows; an iframe from another host is shown as a link.
    pub iframe_hosts: &'a [String],
    /// The idle timeout in force (see [`Dialog::idle_config`]).
    pub idle: IdleConfig,
}

/// Runs one turn. Never panics and never fails: bad input gets a re-prompt or a clear
/// message, and a session that no longer fits the dialog (an edited dialog) is reset.
pub fn step(
    now: Timestamp,
    session: Session,
    dialog: &Dialog,
    input: Input,
    ctx: &StepContext<'_>,
) -> (Session, Vec<Output>) {
    let mut turn = Turn {
        now,
        dialog,
        ctx,
        locale: dialog.locale_index(ctx.locale),
        session,
        out: Vec::new(),
        budget: run::STEP_BUDGET,
        entities: entities::MessageEntities::default(),
    };
    match input {
        Input::Tick => turn.tick(),
        Input::KeepAlive => turn.keep_alive(),
        Input::Start => {
            turn.session.expired = false;
            turn.touch();
            turn.start();
        }
        Input::Restore(public_state) => {
            turn.session = Session::restore(now, dialog, &public_state);
            turn.system_text(crate::i18n::MessageKey::SessionRestored, &[]);
        }
        Input::Text(_) | Input::Option(_) | Input::Date(_) => {
            if turn.expire_if_due() {
                return (turn.session, turn.out);
            }
            turn.touch();
            if let Some(said) = turn.clean(input) {
                turn.visitor(&said);
            }
        }
    }
    (turn.session, turn.out)
}

/// A visitor input after cleaning.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Said {
    Text(String),
    Option(String),
    Date(Date),
}

impl Said {
    /// The input as text, for NLU and text answers.
    pub(crate) fn text(&self) -> String {
        match self {
            Said::Text(text) | Said::Option(text) => text.clone(),
            Said::Date(date) => date.to_string(),
        }
    }
}

/// The state of one turn.
pub(crate) struct Turn<'a> {
    pub(crate) now: Timestamp,
    pub(crate) dialog: &'a Dialog,
    pub(crate) ctx: &'a StepContext<'a>,
    pub(crate) locale: usize,
    pub(crate) session: Session,
    pub(crate) out: Vec<Output>,
    pub(crate) budget: u32,
    /// Entities of the visitor's message, found on demand.
    pub(crate) entities: entities::MessageEntities,
}

impl Turn<'_> {
    fn touch(&mut self) {
        self.session.last_activity = self.now;
        self.session.warned = false;
    }

    fn start(&mut self) {
        self.session.stack.clear();
        self.session.pending = None;
        self.session.misunderstandings = 0;
        if let Some(welcome) = self.dialog.settings.welcome {
            self.push_action(welcome, crate::session::Entry::Root);
            self.run();
        }
    }

    /// Dispatches a visitor input on what the bot was waiting for.
    fn visitor(&mut self, said: &Said) {
        self.entities = entities::MessageEntities::of(said);
        match self.session.pending.take() {
            Some(crate::session::Pending::Answer { retries }) => self.answer(said, retries),
            Some(crate::session::Pending::ReturnOffer) => self.return_offer(said),
            Some(crate::session::Pending::Disambiguation { intents }) => {
                self.disambiguation(said, &intents);
            }
            Some(crate::session::Pending::HumanOffer) => self.human_offer(said),
            None => self.understand(said),
        }
    }
}
