//! Cleans what the visitor sent before anything reads it: control characters and bidi
//! overrides go, line breaks become spaces, and an over-long message is refused with a
//! clear message instead of being analysed.

use super::{Input, Said, Turn};
use crate::i18n::{Arg, MessageKey};

/// The longest message, in characters, the bot reads.
pub const MAX_INPUT_CHARS: usize = 2000;

/// Why an input is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    TooLong,
    Empty,
}

/// Removes control characters and bidirectional overrides, turns whitespace runs into
/// single spaces and trims. Refuses texts over [`MAX_INPUT_CHARS`] characters.
pub(crate) fn clean_text(text: &str) -> Result<String, Refusal> {
    if text.len() > MAX_INPUT_CHARS * 4 || text.chars().count() > MAX_INPUT_CHARS {
        return Err(Refusal::TooLong);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if c.is_control() || is_bidi_control(c) {
            continue;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    if out.is_empty() {
        Err(Refusal::Empty)
    } else {
        Ok(out)
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl Turn<'_> {
    /// Cleans an input, or says why it cannot be used (and repeats the pending question).
    pub(crate) fn clean(&mut self, input: Input) -> Option<Said> {
        let cleaned = match input {
            Input::Text(text) => clean_text(&text).map(Said::Text),
            Input::Option(value) => clean_text(&value).map(Said::Option),
            Input::Date(date) => Ok(Said::Date(date)),
            Input::Start | Input::Restore(_) | Input::Tick | Input::KeepAlive => return None,
        };
        match cleaned {
            Ok(said) => Some(said),
            Err(refusal) => {
                match refusal {
                    Refusal::TooLong => {
                        let limit = MAX_INPUT_CHARS as f64;
                        self.system_text(MessageKey::MessageTooLong, &[("limit", Arg::Num(limit))]);
                    }
                    Refusal::Empty => self.system_text(MessageKey::EmptyMessage, &[]),
                }
                self.repeat_pending_question();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_are_removed() {
        assert_eq!(
            clean_text("  hi\u{0}\u{7}\u{202E}\n\tthere\r\n").as_deref(),
            Ok("hi there")
        );
    }

    #[test]
    fn blank_or_control_only_input_is_empty() {
        assert_eq!(clean_text(" \u{1}\u{1b}\n"), Err(Refusal::Empty));
    }

    #[test]
    fn a_megabyte_is_too_long() {
        assert_eq!(clean_text(&"a".repeat(1 << 20)), Err(Refusal::TooLong));
        assert!(clean_text(&"é".repeat(MAX_INPUT_CHARS)).is_ok());
        assert_eq!(
            clean_text(&"é".repeat(MAX_INPUT_CHARS + 1)),
            Err(Refusal::TooLong)
        );
    }
}
