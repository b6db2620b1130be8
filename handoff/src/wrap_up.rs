//! After-chat work submitted by an agent: a disposition (the outcome code, sent as the
//! `reason` of JOBFINISHED) and free notes.

use serde::{Deserialize, Serialize};

/// Why a wrap-up is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WrapUpError {
    /// The disposition is empty, longer than 64 characters or holds control characters.
    #[error("a disposition has 1 to 64 printable characters")]
    InvalidDisposition,
    /// The notes are longer than [`WrapUp::MAX_NOTES_CHARS`].
    #[error("the notes are longer than {max} characters")]
    NotesTooLong {
        /// The limit.
        max: usize,
    },
}

/// The outcome code of a conversation, such as `solved` or `callback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Disposition(String);

impl Disposition {
    /// Parses a disposition, trimming surrounding whitespace.
    pub fn parse(value: &str) -> Result<Self, WrapUpError> {
        let trimmed = value.trim();
        let length = trimmed.chars().count();
        if length == 0 || length > 64 || trimmed.chars().any(char::is_control) {
            return Err(WrapUpError::InvalidDisposition);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The disposition as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Disposition {
    type Error = WrapUpError;
    fn try_from(value: String) -> Result<Self, WrapUpError> {
        Self::parse(&value)
    }
}

impl From<Disposition> for String {
    fn from(d: Disposition) -> String {
        d.0
    }
}

/// What the agent submits to finish after-chat work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WrapUpRecord", into = "WrapUpRecord")]
pub struct WrapUp {
    disposition: Disposition,
    notes: String,
}

#[derive(Serialize, Deserialize)]
struct WrapUpRecord {
    disposition: Disposition,
    #[serde(default)]
    notes: String,
}

impl WrapUp {
    /// Longest accepted notes, in characters.
    pub const MAX_NOTES_CHARS: usize = 4000;

    /// A wrap-up with a disposition and notes (possibly empty).
    pub fn new(disposition: Disposition, notes: &str) -> Result<Self, WrapUpError> {
        if notes.chars().count() > Self::MAX_NOTES_CHARS {
            return Err(WrapUpError::NotesTooLong {
                max: Self::MAX_NOTES_CHARS,
            });
        }
        Ok(Self {
            disposition,
            notes: notes.to_owned(),
        })
    }

    /// The disposition.
    pub fn disposition(&self) -> &Disposition {
        &self.disposition
    }

    /// The notes.
    pub fn notes(&self) -> &str {
        &self.notes
    }
}

impl TryFrom<WrapUpRecord> for WrapUp {
    type Error = WrapUpError;
    fn try_from(r: WrapUpRecord) -> Result<Self, WrapUpError> {
        Self::new(r.disposition, &r.notes)
    }
}

impl From<WrapUp> for WrapUpRecord {
    fn from(w: WrapUp) -> Self {
        Self {
            disposition: w.disposition,
            notes: w.notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_trimmed_and_bounded() {
        assert_eq!(Disposition::parse(" solved ").unwrap().as_str(), "solved");
        assert!(Disposition::parse("").is_err());
        assert!(Disposition::parse(&"d".repeat(65)).is_err());
        assert!(Disposition::parse("a\nb").is_err());
    }

    #[test]
    fn notes_are_bounded() {
        let solved = Disposition::parse("solved").unwrap();
        assert!(WrapUp::new(solved.clone(), &"n".repeat(4000)).is_ok());
        assert_eq!(
            WrapUp::new(solved, &"n".repeat(4001)),
            Err(WrapUpError::NotesTooLong { max: 4000 })
        );
    }

    #[test]
    fn a_wrap_up_deserializes_without_notes() {
        let wrap_up: WrapUp = serde_json::from_str(r#"{"disposition":"callback"}"#).unwrap();
        assert_eq!(wrap_up.disposition().as_str(), "callback");
        assert_eq!(wrap_up.notes(), "");
    }
}
