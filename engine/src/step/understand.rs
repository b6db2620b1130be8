//! What a free message means: entities, the intent (or a pick among close ones), and what
//! to do when the bot does not understand (fallback, then the offer of a human).

use super::render::NONE_OF_THESE;
use super::{Said, Turn};
use crate::i18n::{Arg, MessageKey};
use crate::output::{OptionItem, Output, Preference};
use crate::session::{Entry, Pending};

/// At most this many intents are offered in a "did you mean".
pub(crate) const MAX_CANDIDATES: usize = 3;

/// How many times more likely than any intent left out each intent of a "did you mean"
/// must be.
const STAND_OUT: f32 = 2.0;

/// The intents of `close` (within the margin of the best, best first) to offer in a "did
/// you mean", if any. Two or more are ambiguous when together they are as likely as an
/// in-scope answer, even if none alone reaches the threshold, and when they stand out
/// together from the rest: each is at least [`STAND_OUT`] times as likely as the best
/// intent left out. Without the second rule a message the model knows nothing about,
/// whose probability is spread evenly, would be "ambiguous" in a dialog of a handful of
/// intents (three of six hold half of it). The weakest candidate is dropped until the
/// rest qualify.
fn ambiguous(
    close: &mut Vec<(&str, f32)>,
    ranked: &[crate::nlu::IntentScore],
    model: &crate::nlu::IntentModel,
) -> Option<Vec<String>> {
    while close.len() >= 2 {
        let together: f32 = close.iter().map(|(_, confidence)| confidence).sum();
        let weakest = close.last().map_or(0.0, |(_, confidence)| *confidence);
        let best_left_out = ranked
            .iter()
            .filter(|score| !close.iter().any(|(intent, _)| *intent == &*score.intent))
            .map(|score| score.confidence)
            .fold(0.0_f32, f32::max);
        if together >= model.oos_threshold() && weakest >= STAND_OUT * best_left_out {
            return Some(
                close
                    .iter()
                    .map(|(intent, _)| (*intent).to_owned())
                    .collect(),
            );
        }
        close.pop();
    }
    None
}

/// What the NLU made of a message.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Meaning {
    /// One intent, clearly: its action.
    Action(usize),
    /// Several intents too close to call, best first.
    Ambiguous(Vec<String>),
    /// Out of scope.
    Unknown,
}

impl Turn<'_> {
    /// Classifies a message.
    pub(crate) fn meaning(&self, said: &Said) -> Meaning {
        if let Said::Option(value) = said
            && let Some(&action) = self.dialog.intent_actions.get(value)
        {
            return Meaning::Action(action);
        }
        let Some(model) = self.dialog.nlu(self.locale) else {
            return Meaning::Unknown;
        };
        let classification = model.classify(&said.text());
        let Some(top) = classification.ranked.first() else {
            return Meaning::Unknown;
        };
        let margin = self.dialog.settings.disambiguation_margin;
        let mut close: Vec<(&str, f32)> = classification
            .ranked
            .iter()
            .filter(|score| top.confidence - score.confidence <= margin)
            .filter(|score| self.dialog.intent_actions.contains_key(&*score.intent))
            .take(MAX_CANDIDATES)
            .map(|score| (&*score.intent, score.confidence))
            .collect();
        if let Some(candidates) = ambiguous(&mut close, &classification.ranked, model) {
            return Meaning::Ambiguous(candidates);
        }
        match close.first() {
            Some((intent, _)) if classification.in_scope && *intent == &*top.intent => self
                .dialog
                .intent_actions
                .get(*intent)
                .map_or(Meaning::Unknown, |&action| Meaning::Action(action)),
            _ => Meaning::Unknown,
        }
    }

    /// The action of a message that clearly asks for something else (for digressions).
    pub(crate) fn confident_intent_action(&self, said: &Said) -> Option<usize> {
        match self.meaning(said) {
            Meaning::Action(action) => Some(action),
            Meaning::Ambiguous(_) | Meaning::Unknown => None,
        }
    }

    /// Handles a message when the bot waits for nothing in particular.
    pub(crate) fn understand(&mut self, said: &Said) {
        self.session.stack.clear();
        match self.meaning(said) {
            Meaning::Action(action) => {
                self.session.misunderstandings = 0;
                self.push_action(action, Entry::Root);
                self.run();
            }
            Meaning::Ambiguous(intents) => {
                self.show_disambiguation(&intents);
            }
            Meaning::Unknown => self.count_misunderstanding(true),
        }
    }

    /// Shows "did you mean" with the candidates' titles and "none of these".
    pub(crate) fn show_disambiguation(&mut self, intents: &[String]) {
        let mut options: Vec<OptionItem> = intents
            .iter()
            .filter_map(|intent| {
                let &action = self.dialog.intent_actions.get(intent)?;
                let title = self.dialog.actions.get(action)?.title.as_ref()?;
                Some(OptionItem {
                    label: self.plain(title),
                    value: intent.clone(),
                })
            })
            .collect();
        options.push(OptionItem {
            label: self.system(MessageKey::NoneOfThese, &[]),
            value: NONE_OF_THESE.to_owned(),
        });
        let title = self.system(MessageKey::DidYouMean, &[]);
        self.out.push(Output::Option {
            title,
            options,
            preference: Preference::Button,
        });
        self.session.pending = Some(Pending::Disambiguation {
            intents: intents.to_vec(),
        });
    }

    /// Handles the pick after "did you mean".
    pub(crate) fn disambiguation(&mut self, said: &Said, intents: &[String]) {
        let picked = match said {
            Said::Option(value) if value == NONE_OF_THESE => {
                self.count_misunderstanding(true);
                return;
            }
            Said::Option(value) => intents.iter().find(|i| *i == value),
            Said::Text(text) => {
                let wanted = text.trim().to_lowercase();
                intents.iter().find(|intent| {
                    self.dialog
                        .intent_actions
                        .get(*intent)
                        .and_then(|&a| self.dialog.actions.get(a))
                        .and_then(|a| a.title.as_ref())
                        .is_some_and(|title| self.plain(title).to_lowercase() == wanted)
                })
            }
            Said::Date(_) => None,
        };
        match picked.and_then(|intent| self.dialog.intent_actions.get(intent)) {
            Some(&action) => {
                self.session.misunderstandings = 0;
                self.session.stack.clear();
                self.push_action(action, Entry::Root);
                self.run();
            }
            None => self.understand(said),
        }
    }

    /// Counts a misunderstanding; at the dialog's limit offers a human, otherwise runs
    /// the fallback (when `with_fallback`).
    pub(crate) fn count_misunderstanding(&mut self, with_fallback: bool) {
        self.session.misunderstandings = self.session.misunderstandings.saturating_add(1);
        let limit = self.dialog.settings.misunderstandings_before_human;
        if limit > 0 && self.session.misunderstandings >= limit {
            self.session.stack.clear();
            let title = self.system(MessageKey::OfferHuman, &[]);
            self.yes_no_question(title);
            self.session.pending = Some(Pending::HumanOffer);
            return;
        }
        if !with_fallback {
            return;
        }
        match self.dialog.settings.fallback {
            Some(fallback) => {
                self.session.stack.clear();
                self.push_action(fallback, Entry::Root);
                self.run();
            }
            None => self.system_text(MessageKey::Fallback, &[]),
        }
    }

    /// Handles the answer to "would you like to talk to a person?".
    pub(crate) fn human_offer(&mut self, said: &Said) {
        match self.yes_no(said) {
            Some(true) => self.connect_human(),
            Some(false) => {
                self.session.misunderstandings = 0;
                self.system_text(MessageKey::OfferHumanDeclined, &[]);
            }
            None => self.understand(said),
        }
    }

    /// Hands over to a human: the dialog's `human` action, or a system handoff.
    fn connect_human(&mut self) {
        let count = f64::from(self.session.misunderstandings);
        self.session.misunderstandings = 0;
        self.session.stack.clear();
        if let Some(human) = self.dialog.settings.human {
            self.push_action(human, Entry::Root);
            self.run();
            return;
        }
        self.system_text(MessageKey::ConnectingToAgent, &[]);
        let message_to_agent =
            self.system(MessageKey::HandoffReason, &[("count", Arg::Num(count))]);
        self.out.push(Output::ConnectToAgent {
            message_to_agent,
            resource: None,
        });
    }

    /// Handles the answer to "shall we go back to …?".
    pub(crate) fn return_offer(&mut self, said: &Said) {
        match self.yes_no(said) {
            Some(true) => self.run(),
            Some(false) => {
                let topic = self.topic();
                self.system_text(MessageKey::ReturnDeclined, &[("topic", Arg::Str(&topic))]);
                while let Some(frame) = self.session.stack.pop() {
                    if frame.entry == Entry::Digression {
                        if !self.session.stack.is_empty() {
                            self.offer_return();
                        }
                        return;
                    }
                    if frame.entry == Entry::Root {
                        return;
                    }
                }
            }
            None => self.understand(said),
        }
    }
}
