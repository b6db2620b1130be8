//! The languages the engine understands natively (tokenization, stemming, system entities).

use std::fmt;

/// A language with built-in NLU support. Dialog locales map onto one of these by their
/// primary language subtag (`it-IT` -> [`Language::It`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// English.
    En,
    /// Italian.
    It,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
}

impl Language {
    /// Every supported language, in a stable order.
    pub const ALL: [Language; 5] = [
        Language::En,
        Language::It,
        Language::De,
        Language::Fr,
        Language::Es,
    ];

    /// Maps a BCP 47 tag (`en`, `it-IT`, `de_CH`) to a supported language by its primary
    /// subtag, case-insensitively. Returns `None` for languages without built-in support.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Language::En),
            "it" => Some(Language::It),
            "de" => Some(Language::De),
            "fr" => Some(Language::Fr),
            "es" => Some(Language::Es),
            _ => None,
        }
    }

    /// The two-letter ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
            Language::De => "de",
            Language::Fr => "fr",
            Language::Es => "es",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_and_case_do_not_matter_for_the_primary_subtag() {
        assert_eq!(Language::from_tag("it-IT"), Some(Language::It));
        assert_eq!(Language::from_tag("DE_ch"), Some(Language::De));
        assert_eq!(Language::from_tag("en"), Some(Language::En));
    }

    #[test]
    fn unsupported_or_empty_tags_are_none() {
        assert_eq!(Language::from_tag("ar"), None);
        assert_eq!(Language::from_tag(""), None);
    }

    #[test]
    fn code_round_trips_through_from_tag() {
        for lang in Language::ALL {
            assert_eq!(Language::from_tag(lang.code()), Some(lang));
        }
    }
}
