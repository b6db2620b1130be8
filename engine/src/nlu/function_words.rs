//! Function words per [`Language`]: articles, pronouns, auxiliaries, prepositions, request
//! wrappers ("do you have", "per favore", "I'd like"), which say how a request is phrased,
//! not what it is about.
//!
//! In a dialog of thirty examples, IDF cannot learn that "have" or "favore" are common: a
//! word in one example looks as rare as "pizzeria". The lists (`function_words/*.txt`,
//! written for this project) are prior knowledge the examples cannot give. Question words
//! are not function words: "where are you" is about the address because of "where".
//! See docs/nlu.md, "Function words".

use std::collections::HashSet;

use super::text::fold_accents;
use crate::Language;

/// The function words of one language, lowercase and accent-folded.
#[derive(Debug, Clone)]
pub(crate) struct FunctionWords {
    words: HashSet<String>,
}

impl FunctionWords {
    /// The list of `language`.
    pub(crate) fn new(language: Language) -> FunctionWords {
        let list = match language {
            Language::En => include_str!("function_words/en.txt"),
            Language::It => include_str!("function_words/it.txt"),
            Language::De => include_str!("function_words/de.txt"),
            Language::Fr => include_str!("function_words/fr.txt"),
            Language::Es => include_str!("function_words/es.txt"),
        };
        FunctionWords { words: parse(list) }
    }

    /// Whether the accent-folded lowercase `word` is a function word.
    pub(crate) fn contains(&self, folded: &str) -> bool {
        self.words.contains(folded)
    }
}

/// Words of a list: whitespace-separated, `#` to the end of the line is a comment.
fn parse(list: &str) -> HashSet<String> {
    list.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(str::split_whitespace)
        .map(|word| fold_accents(&word.to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_a_list_and_comments_are_not_words() {
        for language in Language::ALL {
            let words = FunctionWords::new(language);
            assert!(
                words.words.len() > 50,
                "{language:?}: {}",
                words.words.len()
            );
            assert!(!words.contains("#"), "{language:?}");
            assert!(!words.contains("written"), "{language:?}");
        }
    }

    #[test]
    fn accents_are_folded_and_question_words_are_content() {
        let italian = FunctionWords::new(Language::It);
        assert!(italian.contains("si"));
        assert!(italian.contains("puo"));
        assert!(!italian.contains("dove"));
        let english = FunctionWords::new(Language::En);
        assert!(english.contains("have"));
        assert!(!english.contains("where"));
        assert!(!english.contains("parking"));
        assert!(FunctionWords::new(Language::De).contains("mochte"));
    }
}
