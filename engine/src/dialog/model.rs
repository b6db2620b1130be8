//! The checked, ready-to-run dialog: what `load` produces and `step` reads.
//!
//! Every reference is resolved at load (actions by index, labels by step index), texts are
//! parsed templates, patterns are compiled and the intent models are trained, so a turn
//! does no lookups by name beyond the session's own frames.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use jiff::SignedDuration;
use jiff::civil::Weekday;
use regex::Regex;

use super::condition::Condition;
use super::diagnostic::Diagnostic;
use super::text::Localized;
use super::value::{Value, VarType};
use crate::Language;
use crate::entities::custom::CustomEntity;
use crate::nlu::IntentModel;
use crate::session::IdleConfig;

/// Index of an action in [`Dialog::actions`].
pub(crate) type ActionId = usize;

/// A loaded dialog: settings, variables, entities, actions and one intent model per
/// locale. Immutable and `Send + Sync`; share it in an `Arc`.
pub struct Dialog {
    pub(crate) id: String,
    pub(crate) locales: Vec<DialogLocale>,
    pub(crate) settings: Settings,
    pub(crate) variables: BTreeMap<String, VariableDef>,
    pub(crate) entities: Vec<CustomEntity>,
    pub(crate) actions: Vec<Action>,
    pub(crate) action_ids: HashMap<String, ActionId>,
    pub(crate) intent_actions: HashMap<String, ActionId>,
    pub(crate) nlu: Vec<IntentModel>,
}

impl fmt::Debug for Dialog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dialog")
            .field("id", &self.id)
            .field("locales", &self.locales)
            .field("variables", &self.variables.len())
            .field("entities", &self.entities.len())
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

/// A locale of a dialog and the NLU language it maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogLocale {
    /// The tag as written in the dialog (`en`, `it-IT`).
    pub tag: String,
    /// The language used for NLU and system entities.
    pub language: Language,
}

/// Dialog-wide behaviour, from `[settings]`.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) misunderstandings_before_human: u32,
    pub(crate) disambiguation_margin: f32,
    pub(crate) idle_timeout: Option<SignedDuration>,
    pub(crate) idle_warning: Option<SignedDuration>,
    pub(crate) iframe_hosts: Vec<String>,
    pub(crate) welcome: Option<ActionId>,
    pub(crate) fallback: Option<ActionId>,
    pub(crate) human: Option<ActionId>,
}

/// A declared variable.
#[derive(Clone, Debug, PartialEq)]
pub struct VariableDef {
    /// What values it holds.
    pub ty: VarType,
    /// Public variables are visible to the widget and survive session expiry.
    pub public: bool,
    /// The value a new session starts with.
    pub default: Option<Value>,
}

/// An action: steps run in order, triggered by an intent or by another action.
#[derive(Clone, Debug)]
pub(crate) struct Action {
    pub(crate) id: String,
    pub(crate) title: Option<Localized>,
    pub(crate) digressions: bool,
    pub(crate) steps: Vec<Step>,
}

/// One step of an action.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    Say(Localized),
    Option(OptionList),
    Media {
        kind: MediaKind,
        source: String,
        title: Option<Localized>,
        description: Option<Localized>,
        alt_text: Option<Localized>,
    },
    Iframe {
        source: String,
        host: Option<String>,
        title: Option<Localized>,
    },
    Pause {
        time_ms: u64,
        typing: bool,
    },
    UserDefined(serde_json::Value),
    Ask(Box<Ask>),
    Branch {
        cases: Vec<(Condition, usize)>,
        otherwise: Option<usize>,
    },
    Set(Vec<(String, SetValue)>),
    Call(ActionId),
    Jump(usize),
    End(EndScope),
    ConnectToAgent {
        message_to_agent: Localized,
        resource: Option<String>,
        say: Option<Localized>,
    },
}

/// Which media an image/audio/video step shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Image,
    Audio,
    Video,
}

/// How a list of options is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// Buttons: the default for fewer than five options.
    Button,
    /// A drop-down list: the default for five or more.
    Dropdown,
}

impl Preference {
    /// The default for `count` options.
    pub fn for_count(count: usize) -> Preference {
        if count < 5 {
            Preference::Button
        } else {
            Preference::Dropdown
        }
    }
}

/// An option list (in an `option` step or an `ask` for an option variable).
#[derive(Clone, Debug)]
pub(crate) struct OptionList {
    pub(crate) title: Option<Localized>,
    pub(crate) choices: Vec<Choice>,
    pub(crate) preference: Preference,
}

/// One option.
#[derive(Clone, Debug)]
pub(crate) struct Choice {
    pub(crate) label: Localized,
    pub(crate) value: String,
}

/// A question that fills a variable.
#[derive(Clone, Debug)]
pub(crate) struct Ask {
    pub(crate) variable: String,
    pub(crate) ty: VarType,
    pub(crate) prompt: Localized,
    pub(crate) retry: Option<Localized>,
    pub(crate) max_retries: u32,
    pub(crate) on_failure: Option<usize>,
    pub(crate) choices: Vec<Choice>,
    pub(crate) preference: Preference,
    pub(crate) pattern: Option<Regex>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) min_days: Option<i64>,
    pub(crate) max_days: Option<i64>,
    pub(crate) weekdays: Option<Vec<Weekday>>,
    pub(crate) prefill: Option<String>,
    pub(crate) skip_if_set: bool,
}

/// The default number of re-prompts before an `ask` gives up.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;

/// What a `set` step stores.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SetValue {
    Literal(Value),
    Variable(String),
    Entity(String),
    Clear,
}

/// What an `end` step ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndScope {
    /// This action: a caller continues, a digression offers to return.
    Action,
    /// Every action on the stack; the conversation is over.
    Conversation,
}

impl Dialog {
    /// The dialog's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The locales, the default (first) one first.
    pub fn locales(&self) -> &[DialogLocale] {
        &self.locales
    }

    /// The tag of the default locale.
    pub fn default_locale(&self) -> &str {
        self.locales.first().map_or("en", |l| l.tag.as_str())
    }

    /// The index of the locale that serves `tag`: an exact match, then the same primary
    /// language (`it-CH` -> `it`), then the default locale (index 0).
    pub fn locale_index(&self, tag: &str) -> usize {
        if let Some(at) = self
            .locales
            .iter()
            .position(|l| l.tag.eq_ignore_ascii_case(tag))
        {
            return at;
        }
        Language::from_tag(tag)
            .and_then(|lang| self.locales.iter().position(|l| l.language == lang))
            .unwrap_or(0)
    }

    /// The iframe hosts the dialog declares in `settings.iframe_hosts`.
    pub fn iframe_hosts(&self) -> &[String] {
        &self.settings.iframe_hosts
    }

    /// The idle timeouts for this dialog: its own `idle_timeout_s` / `idle_warning_s`
    /// when set, else the site's.
    pub fn idle_config(&self, site: IdleConfig) -> IdleConfig {
        let timeout = self.settings.idle_timeout.unwrap_or(site.timeout);
        let warning_before = self
            .settings
            .idle_warning
            .unwrap_or(site.warning_before)
            .min(timeout);
        IdleConfig {
            timeout,
            warning_before,
        }
    }

    /// Declared variables by name.
    pub fn variables(&self) -> &BTreeMap<String, VariableDef> {
        &self.variables
    }

    /// The intents that trigger an action, sorted.
    pub fn intent_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.intent_actions.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The actions, in declaration order.
    pub fn action_names(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|a| a.id.as_str())
    }

    /// The intent model of the locale serving `tag` (see [`Dialog::locale_index`]), which
    /// classifies free messages, for tools such as `staffetta chat --debug`; `None` when the
    /// dialog has no intents.
    pub fn intent_model(&self, tag: &str) -> Option<&IntentModel> {
        self.nlu(self.locale_index(tag))
    }

    /// The intent model of the locale at `index`.
    pub(crate) fn nlu(&self, index: usize) -> Option<&IntentModel> {
        self.nlu.get(index).or_else(|| self.nlu.first())
    }

    /// An action by name.
    pub(crate) fn action(&self, name: &str) -> Option<(ActionId, &Action)> {
        let id = *self.action_ids.get(name)?;
        Some((id, self.actions.get(id)?))
    }
}

/// Every dialog loaded from a directory, by id.
#[derive(Debug, Default)]
pub struct DialogSet {
    pub(crate) dialogs: BTreeMap<String, Arc<Dialog>>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl DialogSet {
    /// A dialog by id.
    pub fn get(&self, id: &str) -> Option<&Arc<Dialog>> {
        self.dialogs.get(id)
    }

    /// Every dialog, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Dialog>> {
        self.dialogs.values()
    }

    /// How many dialogs there are.
    pub fn len(&self) -> usize {
        self.dialogs.len()
    }

    /// Whether no dialog was found.
    pub fn is_empty(&self) -> bool {
        self.dialogs.is_empty()
    }

    /// Problems that did not stop loading (unused variables, entities).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}
