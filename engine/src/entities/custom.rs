//! Custom entities declared by a dialog: values with synonyms per locale, and patterns.
//!
//! A value matches when all the words of one of its synonyms (or of the value's own name)
//! appear in a row in the message, compared lowercase and without accents ("Lampade"
//! matches the synonym "lampade", "caffe" matches "caffè"). A pattern is a regular
//! expression ([`regex`] syntax) and the entity's value is the text it matched.

use std::ops::Range;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Messages longer than this many bytes are only searched in their first part.
pub const MAX_SEARCH_BYTES: usize = 4096;

/// One value of a custom entity with its synonyms, per locale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityValue {
    /// The value conditions and variables see (`lamp`).
    pub name: String,
    /// Synonyms for each locale of the dialog, in the dialog's locale order.
    pub synonyms: Vec<Vec<String>>,
}

/// A custom entity ready to search messages.
#[derive(Clone, Debug)]
pub struct CustomEntity {
    name: String,
    /// Per value: its name and, per locale, each synonym as normalized words.
    values: Vec<(String, Vec<Vec<Vec<String>>>)>,
    patterns: Vec<Regex>,
}

/// Where an entity was found and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomMatch {
    /// The value's name, or the text a pattern matched.
    pub value: String,
    /// Byte range in the searched message.
    pub span: Range<usize>,
}

/// Why a custom entity cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CustomEntityError {
    /// A pattern is not a valid regular expression.
    #[error("pattern `{pattern}` is not a valid regular expression: {reason}")]
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// What the regex parser said.
        reason: String,
    },
    /// A value or synonym has no word in it (empty or only punctuation).
    #[error("synonym `{0}` has no letters or digits")]
    EmptySynonym(String),
}

impl CustomEntity {
    /// Builds an entity from its values and patterns.
    pub fn new(
        name: impl Into<String>,
        values: &[EntityValue],
        patterns: &[String],
    ) -> Result<CustomEntity, CustomEntityError> {
        let mut compiled_values = Vec::with_capacity(values.len());
        for value in values {
            let own = words_of(&value.name);
            let mut per_locale = Vec::with_capacity(value.synonyms.len().max(1));
            for synonyms in &value.synonyms {
                let mut phrases = vec![own.clone()];
                for synonym in synonyms {
                    let phrase = words_of(synonym);
                    if phrase.is_empty() {
                        return Err(CustomEntityError::EmptySynonym(synonym.clone()));
                    }
                    phrases.push(phrase);
                }
                phrases.retain(|phrase| !phrase.is_empty());
                per_locale.push(phrases);
            }
            compiled_values.push((value.name.clone(), per_locale));
        }
        let patterns = patterns
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|error| CustomEntityError::Pattern {
                    pattern: pattern.clone(),
                    reason: regex_error_reason(&error),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CustomEntity {
            name: name.into(),
            values: compiled_values,
            patterns,
        })
    }

    /// The entity's name (`product`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of its values.
    pub fn value_names(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|(name, _)| name.as_str())
    }

    /// The first (leftmost, then longest) mention of the entity in `text`, using the
    /// synonyms of the locale at `locale_index`.
    pub fn find(&self, text: &str, locale_index: usize) -> Option<CustomMatch> {
        let text = bounded(text);
        let tokens = tokenize(text);
        let mut best: Option<CustomMatch> = None;
        let mut consider = |candidate: CustomMatch| {
            let better = match &best {
                None => true,
                Some(current) => {
                    candidate.span.start < current.span.start
                        || (candidate.span.start == current.span.start
                            && candidate.span.len() > current.span.len())
                }
            };
            if better {
                best = Some(candidate);
            }
        };
        for (name, per_locale) in &self.values {
            let Some(phrases) = per_locale.get(locale_index).or_else(|| per_locale.first()) else {
                continue;
            };
            for phrase in phrases {
                if let Some(span) = find_phrase(&tokens, phrase) {
                    consider(CustomMatch {
                        value: name.clone(),
                        span,
                    });
                }
            }
        }
        for pattern in &self.patterns {
            if let Some(found) = pattern.find(text) {
                consider(CustomMatch {
                    value: found.as_str().to_owned(),
                    span: found.range(),
                });
            }
        }
        best
    }
}

/// The one-line reason of a regex syntax error (`unclosed group`), without the excerpt
/// the regex crate prints above it.
pub(crate) fn regex_error_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text.lines().last().unwrap_or_default().trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

fn bounded(text: &str) -> &str {
    if text.len() <= MAX_SEARCH_BYTES {
        return text;
    }
    let mut end = MAX_SEARCH_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A word of the message: its byte range and its normalized form.
struct Token {
    range: Range<usize>,
    normalized: String,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                tokens.push(Token {
                    range: from..at,
                    normalized: normalize(&text[from..at]),
                });
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

fn words_of(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|t| t.normalized).collect()
}

/// Lowercase without accents.
fn normalize(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn find_phrase(tokens: &[Token], phrase: &[String]) -> Option<Range<usize>> {
    if phrase.is_empty() || phrase.len() > tokens.len() {
        return None;
    }
    tokens.windows(phrase.len()).find_map(|window| {
        let matches = window
            .iter()
            .zip(phrase)
            .all(|(token, word)| token.normalized == *word);
        let first = window.first()?;
        let last = window.last()?;
        matches.then_some(first.range.start..last.range.end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn products() -> CustomEntity {
        CustomEntity::new(
            "product",
            &[
                EntityValue {
                    name: "lamp".to_owned(),
                    synonyms: vec![
                        vec!["lamps".to_owned(), "table light".to_owned()],
                        vec!["lampada".to_owned(), "lampade".to_owned()],
                    ],
                },
                EntityValue {
                    name: "coffee cup".to_owned(),
                    synonyms: vec![vec!["mug".to_owned()], vec!["tazzina da caffè".to_owned()]],
                },
            ],
            &[r"\b[A-Z]{2}-\d{5}\b".to_owned()],
        )
        .expect("valid entity")
    }

    #[test]
    fn synonyms_match_whole_words_of_the_locale() {
        let entity = products();
        let found = entity.find("Do you sell Table Lights? A table light!", 0);
        assert_eq!(
            found,
            Some(CustomMatch {
                value: "lamp".to_owned(),
                span: 28..39
            })
        );
        assert_eq!(entity.find("lampshade", 0), None);
        assert_eq!(entity.find("vorrei due lampade", 1).unwrap().value, "lamp");
        assert_eq!(entity.find("vorrei due lampade", 0), None);
    }

    #[test]
    fn accents_and_case_do_not_matter() {
        let entity = products();
        assert_eq!(
            entity.find("una TAZZINA da caffe", 1).unwrap().value,
            "coffee cup"
        );
        assert_eq!(entity.find("a coffee cup", 1).unwrap().value, "coffee cup");
    }

    #[test]
    fn patterns_yield_the_matched_text() {
        let found = products().find("my order AB-12345 is late", 0).unwrap();
        assert_eq!(found.value, "AB-12345");
        assert_eq!(found.span, 9..17);
    }

    #[test]
    fn bad_patterns_and_empty_synonyms_are_errors() {
        assert!(matches!(
            CustomEntity::new("x", &[], &["(".to_owned()]),
            Err(CustomEntityError::Pattern { .. })
        ));
        let empty = EntityValue {
            name: "x".to_owned(),
            synonyms: vec![vec!["!!".to_owned()]],
        };
        assert_eq!(
            CustomEntity::new("x", &[empty], &[]).unwrap_err(),
            CustomEntityError::EmptySynonym("!!".to_owned())
        );
    }

    #[test]
    fn huge_messages_are_searched_only_in_their_first_part() {
        let mut text = "é".repeat(MAX_SEARCH_BYTES);
        text.push_str(" lamp");
        assert_eq!(products().find(&text, 0), None);
    }
}
