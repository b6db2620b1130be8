//! Unicode-aware tokenization: lowercase words, numbers collapsed, accents folded on demand.
//!
//! A word is a maximal run of alphanumeric characters (any script) plus combining marks, so
//! apostrophes split elisions (`l'ordine` -> `l`, `ordine`) and punctuation, emoji and control
//! characters are separators. Every run of digits becomes the single token [`NUMBER_TOKEN`]:
//! "order 12345" and "order 987" mean the same thing to an intent classifier.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The token every all-digit word is replaced by.
pub(crate) const NUMBER_TOKEN: &str = "0";

/// Longest word kept, in characters; longer runs (URLs glued together, base64, keyboard
/// mashing) are cut so that per-word work stays bounded.
pub(crate) const MAX_WORD_CHARS: usize = 32;

/// Splits `text` into lowercase words (accents kept, they matter to the stemmers), at most
/// `max_words` of them.
pub(crate) fn words(text: &str, max_words: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0usize;
    for ch in text.chars() {
        if ch.is_alphanumeric() || (is_combining_mark(ch) && !current.is_empty()) {
            if current_chars < MAX_WORD_CHARS {
                current.extend(ch.to_lowercase());
                current_chars += 1;
            }
        } else if !current.is_empty() {
            push_word(&mut words, std::mem::take(&mut current));
            current_chars = 0;
            if words.len() >= max_words {
                return words;
            }
        }
    }
    if !current.is_empty() && words.len() < max_words {
        push_word(&mut words, current);
    }
    words
}

fn push_word(words: &mut Vec<String>, word: String) {
    if word.chars().all(|c| c.is_ascii_digit()) {
        words.push(NUMBER_TOKEN.to_owned());
    } else {
        words.push(word);
    }
}

/// Removes diacritics (`perché` -> `perche`, `größe` -> `grosse`, `niño` -> `nino`) so that
/// visitors who type without accents still match. Ligature-like letters without a
/// decomposition are spelled out.
pub(crate) fn fold_accents(word: &str) -> String {
    if word.is_ascii() {
        return word.to_owned();
    }
    let mut folded = String::with_capacity(word.len());
    for ch in word.nfd() {
        match ch {
            c if is_combining_mark(c) => {}
            'ß' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            'ø' => folded.push('o'),
            'ł' => folded.push('l'),
            'đ' => folded.push('d'),
            c => folded.push(c),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_lowercased_and_punctuation_splits() {
        assert_eq!(
            words("What's my ORDER status?!", 64),
            ["what", "s", "my", "order", "status"]
        );
    }

    #[test]
    fn italian_and_french_elisions_split_at_the_apostrophe() {
        assert_eq!(words("Dov'è l'ordine?", 64), ["dov", "è", "l", "ordine"]);
        assert_eq!(words("J'aime l'été", 64), ["j", "aime", "l", "été"]);
    }

    #[test]
    fn german_umlauts_and_eszett_survive_tokenization() {
        assert_eq!(
            words("Größe der BESTELLUNG", 64),
            ["größe", "der", "bestellung"]
        );
    }

    #[test]
    fn spanish_inverted_punctuation_is_a_separator() {
        assert_eq!(
            words("¿Dónde está mi pedido?", 64),
            ["dónde", "está", "mi", "pedido"]
        );
    }

    #[test]
    fn digit_runs_become_one_number_token() {
        assert_eq!(words("order 12345 or 7", 64), ["order", "0", "or", "0"]);
        assert_eq!(words("a4 paper", 64), ["a4", "paper"]);
    }

    #[test]
    fn control_characters_and_emoji_are_separators() {
        assert_eq!(
            words("hi\u{0}\u{7}there🙂\u{200b}now", 64),
            ["hi", "there", "now"]
        );
    }

    #[test]
    fn word_count_and_word_length_are_bounded() {
        assert_eq!(words("a b c d e", 3).len(), 3);
        let long = "x".repeat(10_000);
        assert_eq!(words(&long, 64)[0].chars().count(), MAX_WORD_CHARS);
    }

    #[test]
    fn decomposed_accents_stay_inside_the_word() {
        // "e" followed by U+0301 COMBINING ACUTE ACCENT.
        assert_eq!(words("cafe\u{301} noir", 64), ["cafe\u{301}", "noir"]);
    }

    #[test]
    fn folding_strips_accents_in_every_supported_language() {
        assert_eq!(fold_accents("perché"), "perche");
        assert_eq!(fold_accents("größe"), "grosse");
        assert_eq!(fold_accents("niño"), "nino");
        assert_eq!(fold_accents("été"), "ete");
        assert_eq!(fold_accents("cœur"), "coeur");
        assert_eq!(fold_accents("plain"), "plain");
    }
}
