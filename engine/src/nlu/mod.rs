//! Intent classification in pure Rust, trained from a dialog's examples at load time.
//!
//! No model download and no external service: [`IntentModel::train`] builds a TF-IDF
//! feature space (Snowball stems, stem bigrams and accent-folded character n-grams) and a
//! linear multiclass classifier (three averaged perceptrons on the hinge loss, averaged)
//! from [`TrainingExample`]s, adds nearest-neighbour evidence from the closest training
//! example of each intent, then turns the scores into confidences with a softmax whose
//! temperature is fitted on a held-out slice of those examples.
//! [`IntentModel::classify`] returns the best intents with calibrated confidences and
//! whether the best one clears the out-of-scope threshold.
//!
//! # Layout
//! - `text`: Unicode tokenization, lowercasing, numbers, accent folding;
//! - `stem`: Snowball stemmers for [`Language`];
//! - `function_words`: the function words of each [`Language`];
//! - `typo`: edit-distance-1 correction of unknown words against the training vocabulary;
//! - `features`: hashed word and character features, TF-IDF, sparse vectors;
//! - `linear`: the linear classifier and its deterministic training;
//! - `neighbours`: nearest-neighbour evidence over rare features, and ties for texts that
//!   are examples of several intents;
//! - `calibrate`: temperature scaling;
//! - `model`: [`IntentModel`], which ties them together;
//! - `evaluation`: [`Evaluation`], the CLINC150 paper's metrics for a test set.
//!
//! Function words ("do you have", "per favore", "sì"; see `function_words`) weigh less the
//! fewer the examples, and a message with no content word the examples know is out of
//! scope: in a dialog of thirty examples, IDF cannot tell phrasing from a topic.
//!
//! Examples labelled [`OUT_OF_SCOPE_INTENT`] (`oos`) are optional: when present they train
//! an extra "none of these" class that absorbs probability, and that class is never reported.
//! See docs/nlu.md for the design and the CLINC150 figures.

mod calibrate;
mod error;
mod evaluation;
mod features;
mod function_words;
mod linear;
mod model;
mod neighbours;
mod stem;
mod text;
mod typo;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::Language;

pub use error::NluError;
pub use evaluation::Evaluation;
pub use model::IntentModel;

/// The intent name that marks out-of-scope training examples.
pub const OUT_OF_SCOPE_INTENT: &str = "oos";

/// How many intents a [`Classification`] ranks at most.
pub const MAX_RANKED: usize = 5;

/// Texts longer than this many bytes are out of scope without being analyzed: an intent is
/// a short request, and the bound keeps a 1 MB paste as cheap as "hi".
pub const MAX_INPUT_BYTES: usize = 4096;

/// One labelled utterance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingExample {
    /// What a visitor might type.
    pub text: String,
    /// The intent it expresses, or [`OUT_OF_SCOPE_INTENT`].
    pub intent: String,
}

impl TrainingExample {
    /// A training example from anything string-like.
    pub fn new(text: impl Into<String>, intent: impl Into<String>) -> TrainingExample {
        TrainingExample {
            text: text.into(),
            intent: intent.into(),
        }
    }
}

/// Settings for training and classifying.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NluConfig {
    /// Language of the examples and of the visitor's messages (tokenization, stemming).
    pub language: Language,
    /// Minimum calibrated confidence of the best intent for a message to be in scope,
    /// within `0.0..=1.0`.
    pub oos_threshold: f32,
}

impl NluConfig {
    /// The default out-of-scope threshold: answer when the best intent is at least as
    /// likely right as wrong. Large intent sets with look-alike intents trade accuracy for
    /// out-of-scope recall differently; CLINC150 (150 intents) uses 0.2, chosen on its
    /// validation split (docs/nlu.md).
    pub const DEFAULT_OOS_THRESHOLD: f32 = 0.5;

    /// The configuration for `language` with the default threshold.
    pub fn new(language: Language) -> NluConfig {
        NluConfig {
            language,
            oos_threshold: Self::DEFAULT_OOS_THRESHOLD,
        }
    }

    /// The same configuration with another out-of-scope threshold.
    #[must_use]
    pub fn with_oos_threshold(self, oos_threshold: f32) -> NluConfig {
        NluConfig {
            oos_threshold,
            ..self
        }
    }
}

/// The result of classifying one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    /// The most likely intents, best first, at most [`MAX_RANKED`]; empty when the message
    /// has nothing to classify (empty, too long, only symbols, no content word the examples
    /// know, unless it is an example itself).
    pub ranked: Vec<IntentScore>,
    /// Whether the best intent's confidence reaches the out-of-scope threshold.
    pub in_scope: bool,
}

impl Classification {
    /// A classification with no candidate at all.
    pub fn out_of_scope() -> Classification {
        Classification {
            ranked: Vec::new(),
            in_scope: false,
        }
    }

    /// The best intent, if any (in scope or not).
    pub fn top(&self) -> Option<&IntentScore> {
        self.ranked.first()
    }
}

/// One candidate intent and how sure the model is.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentScore {
    /// The intent name, as in the training examples.
    pub intent: Arc<str>,
    /// Calibrated probability in `0.0..=1.0` that this is the visitor's intent. The
    /// confidences of all intents (plus the out-of-scope class, when trained) sum to 1.
    pub confidence: f32,
}
