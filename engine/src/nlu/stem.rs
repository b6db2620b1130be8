//! Snowball stemming per [`Language`], so that "orders", "ordered" and "ordering" share a
//! feature. Backed by `rust-stemmers` (the Snowball algorithms, pure Rust).

use rust_stemmers::{Algorithm, Stemmer};

use crate::Language;

/// A stemmer for one language. Stems are returned with accents folded (see
/// [`super::text::fold_accents`]) so accented and unaccented spellings meet.
pub(crate) struct WordStemmer {
    stemmer: Stemmer,
}

impl WordStemmer {
    pub(crate) fn new(language: Language) -> WordStemmer {
        let algorithm = match language {
            Language::En => Algorithm::English,
            Language::It => Algorithm::Italian,
            Language::De => Algorithm::German,
            Language::Fr => Algorithm::French,
            Language::Es => Algorithm::Spanish,
        };
        WordStemmer {
            stemmer: Stemmer::create(algorithm),
        }
    }

    /// The folded stem of a lowercase word.
    pub(crate) fn stem(&self, word: &str) -> String {
        super::text::fold_accents(&self.stemmer.stem(word))
    }
}

impl std::fmt::Debug for WordStemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WordStemmer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(language: Language, words: &[&str]) -> Vec<String> {
        let stemmer = WordStemmer::new(language);
        words.iter().map(|w| stemmer.stem(w)).collect()
    }

    #[test]
    fn english_inflections_share_a_stem() {
        assert_eq!(
            stems(Language::En, &["orders", "ordered", "ordering"]),
            ["order", "order", "order"]
        );
    }

    #[test]
    fn italian_inflections_share_a_stem() {
        let s = stems(
            Language::It,
            &["ordine", "ordini", "prenotazione", "prenotazioni"],
        );
        assert_eq!(s[0], s[1]);
        assert_eq!(s[2], s[3]);
    }

    #[test]
    fn german_inflections_share_a_stem() {
        let s = stems(Language::De, &["bestellung", "bestellungen"]);
        assert_eq!(s[0], s[1]);
    }

    #[test]
    fn french_inflections_share_a_stem() {
        let s = stems(Language::Fr, &["commande", "commandes", "commandé"]);
        assert_eq!(s[0], s[1]);
        assert_eq!(s[1], s[2]);
    }

    #[test]
    fn spanish_inflections_share_a_stem() {
        let s = stems(Language::Es, &["pedido", "pedidos"]);
        assert_eq!(s[0], s[1]);
    }

    #[test]
    fn stems_come_out_without_accents() {
        assert!(stems(Language::It, &["perché"])[0].is_ascii());
        assert!(stems(Language::Es, &["está"])[0].is_ascii());
    }
}
