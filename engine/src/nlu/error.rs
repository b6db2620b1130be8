//! Why training an intent model can fail.

/// A training set the NLU cannot learn from. Classification itself never fails: bad input
/// (empty, huge, control characters) is simply out of scope.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NluError {
    /// The training set is empty, or every example is out of scope, so there is no intent
    /// to learn.
    #[error("no training examples for any intent")]
    NoExamples,
    /// An example has an empty (or blank) intent name.
    #[error("training example {index} has an empty intent name")]
    EmptyIntent {
        /// Position of the example in the training slice.
        index: usize,
    },
    /// No example yields a single word or character feature (only punctuation, emoji
    /// or whitespace), so nothing can be learned.
    #[error("the training examples contain no usable words")]
    NoUsableText,
    /// The out-of-scope threshold is not a number in `0.0..=1.0`.
    #[error("out-of-scope threshold {0} is not within 0.0..=1.0")]
    InvalidThreshold(f32),
}
