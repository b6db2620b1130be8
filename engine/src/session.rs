//! A visitor's conversation state with the bot, and the idle timeout as pure functions.
//!
//! A [`Session`] holds the variables, the stack of running actions (calls and
//! digressions), the question the bot is waiting on, the count of consecutive
//! misunderstandings and two timestamps. It is plain data (serde) so the edge can store
//! it; every change goes through [`crate::step()`].
//!
//! Idle timeout: a session is *active* until `last_activity + timeout - warning_before`,
//! then *warned* until `last_activity + timeout`, then *expired*. The edge keeps one
//! timer per deadline and feeds [`crate::Input::Tick`] back. After expiry a new session
//! is seeded from the public variables the widget kept: [`Session::restore`].

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::dialog::{Dialog, Value};

/// Public variables as JSON, the shape the widget keeps and sends back on restore.
pub type PublicState = BTreeMap<String, serde_json::Value>;

/// The idle timeout of a site (or of a dialog that overrides it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleConfig {
    /// How long a session may stay silent before it expires.
    pub timeout: SignedDuration,
    /// How long before expiry the visitor is warned.
    pub warning_before: SignedDuration,
}

impl IdleConfig {
    /// The default timeout: 300 s.
    pub const DEFAULT_TIMEOUT: SignedDuration = SignedDuration::from_secs(300);
    /// The default warning point: 60 s before expiry.
    pub const DEFAULT_WARNING_BEFORE: SignedDuration = SignedDuration::from_secs(60);
}

impl Default for IdleConfig {
    fn default() -> IdleConfig {
        IdleConfig {
            timeout: IdleConfig::DEFAULT_TIMEOUT,
            warning_before: IdleConfig::DEFAULT_WARNING_BEFORE,
        }
    }
}

/// Where a session stands with respect to its idle timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutState {
    /// Before the warning point.
    Active,
    /// Between the warning point and expiry.
    Warn,
    /// At or after expiry.
    Expired,
}

/// How an action came to run, which decides what happens when it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Triggered by an intent (or the welcome) with nothing running.
    Root,
    /// Called by the action below it: that action continues after the call.
    Call,
    /// Triggered mid-question: the bot then offers to return to the action below.
    Digression,
}

/// One running action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// The action's name.
    pub action: String,
    /// The index of the step to run next (or the `ask` being answered).
    pub step: usize,
    /// How the action started.
    pub entry: Entry,
}

/// What the bot is waiting for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Pending {
    /// An answer to the `ask` step the top frame points at.
    Answer {
        /// Invalid answers so far.
        retries: u32,
    },
    /// Yes/no: go back to the suspended action under the top of the stack?
    ReturnOffer,
    /// A pick among intents that scored too close to tell apart.
    Disambiguation {
        /// The candidate intents, best first.
        intents: Vec<String>,
    },
    /// Yes/no: connect to a human after repeated misunderstandings?
    HumanOffer,
}

/// A conversation's state. Create it with [`Session::new`] or [`Session::restore`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// When the session started.
    pub created_at: Timestamp,
    /// When the visitor last sent something (ticks do not count).
    pub last_activity: Timestamp,
    /// Variables with a value, public and private.
    pub variables: BTreeMap<String, Value>,
    /// Running actions, innermost last.
    pub stack: Vec<Frame>,
    /// What the bot waits for, if anything.
    pub pending: Option<Pending>,
    /// Consecutive messages the bot did not understand.
    pub misunderstandings: u32,
    /// Whether the idle warning was already shown since the last activity.
    pub warned: bool,
    /// Whether the session expired; an expired session only answers that it expired.
    pub expired: bool,
}

impl Session {
    /// A fresh session started at `now`, with the dialog's default values.
    pub fn new(now: Timestamp, dialog: &Dialog) -> Session {
        let variables = dialog
            .variables()
            .iter()
            .filter_map(|(name, def)| def.default.clone().map(|value| (name.clone(), value)))
            .collect();
        Session {
            created_at: now,
            last_activity: now,
            variables,
            stack: Vec::new(),
            pending: None,
            misunderstandings: 0,
            warned: false,
            expired: false,
        }
    }

    /// A new session seeded from the public state of an expired one. Only variables the
    /// dialog declares public, with a value of the declared type, are kept: private
    /// variables and anything else the client sends are dropped.
    pub fn restore(now: Timestamp, dialog: &Dialog, public_state: &PublicState) -> Session {
        let mut session = Session::new(now, dialog);
        session.apply_public_state(dialog, public_state);
        session
    }

    /// Copies the declared public variables of `public_state` into the session.
    pub(crate) fn apply_public_state(&mut self, dialog: &Dialog, public_state: &PublicState) {
        for (name, json) in public_state {
            let Some(def) = dialog.variables().get(name) else {
                continue;
            };
            if let (true, Some(value)) = (def.public, def.ty.value_from_json(json)) {
                self.variables.insert(name.clone(), value);
            }
        }
    }

    /// The public variables, for the widget (`context`) and for a later restore.
    pub fn public_state(&self, dialog: &Dialog) -> PublicState {
        self.variables
            .iter()
            .filter(|(name, _)| dialog.variables().get(*name).is_some_and(|d| d.public))
            .map(|(name, value)| (name.clone(), value.to_json()))
            .collect()
    }

    /// When the session expires if nothing happens.
    pub fn idle_deadline(&self, config: &IdleConfig) -> Timestamp {
        self.last_activity
            .saturating_add(config.timeout)
            .unwrap_or(Timestamp::MAX)
    }

    /// When the visitor is warned that the session is about to expire.
    pub fn warning_deadline(&self, config: &IdleConfig) -> Timestamp {
        let before = config.warning_before.min(config.timeout);
        self.idle_deadline(config)
            .saturating_sub(before)
            .unwrap_or(Timestamp::MIN)
    }

    /// The next deadline the edge should wake this session at, if any.
    pub fn next_deadline(&self, config: &IdleConfig) -> Option<Timestamp> {
        if self.expired {
            None
        } else if self.warned {
            Some(self.idle_deadline(config))
        } else {
            Some(self.warning_deadline(config))
        }
    }

    /// Where the session stands at `now`.
    pub fn timeout_state(&self, now: Timestamp, config: &IdleConfig) -> TimeoutState {
        if self.expired || now >= self.idle_deadline(config) {
            TimeoutState::Expired
        } else if now >= self.warning_deadline(config) {
            TimeoutState::Warn
        } else {
            TimeoutState::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn dialog() -> Dialog {
        crate::dialog::load_str(
            "t.toml",
            r#"
id = "t"
locales = ["en"]
[variables.name]
type = "text"
scope = "public"
[variables.token]
type = "text"
default = "secret"
[variables.age]
type = "number"
scope = "public"
[actions.hello]
steps = [{ say = "hi {name} {token} {age}" }]
[settings]
welcome = "hello"
"#,
            &crate::dialog::LoadOptions::default(),
        )
        .expect("valid dialog")
    }

    #[test]
    fn sessions_round_trip_through_json_for_storage() {
        let dialog = dialog();
        let mut session = Session::new(at(0), &dialog);
        session.stack.push(Frame {
            action: "hello".to_owned(),
            step: 0,
            entry: Entry::Digression,
        });
        session.pending = Some(Pending::Disambiguation {
            intents: vec!["a".to_owned(), "b".to_owned()],
        });
        session
            .variables
            .insert("age".to_owned(), Value::Number(3.5));
        let json = serde_json::to_string(&session).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), session);
    }

    #[test]
    fn dialogs_localizers_and_sessions_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Dialog>();
        shareable::<crate::i18n::Localizer>();
        shareable::<Session>();
    }

    #[test]
    fn the_state_moves_from_active_to_warn_to_expired() {
        let dialog = dialog();
        let session = Session::new(at(0), &dialog);
        let config = IdleConfig::default();
        assert_eq!(session.warning_deadline(&config), at(240));
        assert_eq!(session.idle_deadline(&config), at(300));
        assert_eq!(
            session.timeout_state(at(239), &config),
            TimeoutState::Active
        );
        assert_eq!(session.timeout_state(at(240), &config), TimeoutState::Warn);
        assert_eq!(
            session.timeout_state(at(300), &config),
            TimeoutState::Expired
        );
    }

    #[test]
    fn a_warning_longer_than_the_timeout_starts_at_the_last_activity() {
        let dialog = dialog();
        let session = Session::new(at(0), &dialog);
        let config = IdleConfig {
            timeout: SignedDuration::from_secs(30),
            warning_before: SignedDuration::from_secs(600),
        };
        assert_eq!(session.warning_deadline(&config), at(0));
    }

    #[test]
    fn restore_keeps_only_declared_public_variables_of_the_right_type() {
        let dialog = dialog();
        let state: PublicState = serde_json::from_value(serde_json::json!({
            "name": "Ada",
            "token": "forged",
            "age": "not a number",
            "unknown": 1
        }))
        .unwrap();
        let session = Session::restore(at(5), &dialog, &state);
        assert_eq!(
            session.variables.get("name"),
            Some(&Value::Text("Ada".to_owned()))
        );
        assert_eq!(
            session.variables.get("token"),
            Some(&Value::Text("secret".to_owned()))
        );
        assert_eq!(session.variables.get("age"), None);
        assert_eq!(session.variables.get("unknown"), None);
        assert_eq!(
            session.public_state(&dialog),
            serde_json::from_value::<PublicState>(serde_json::json!({"name": "Ada"})).unwrap()
        );
    }
}
