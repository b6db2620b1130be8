//! Typo tolerance by dictionary lookup: a word the model never saw is replaced, for its word
//! features, by the most frequent training word at edit distance 1 (insertion, deletion,
//! substitution or transposition of adjacent letters): "ordr" -> "order".
//!
//! Candidates come from a deletion index (every training word and its one-letter
//! deletions, keyed by hash), so a lookup costs a few hash probes per letter of the query
//! instead of a scan of the vocabulary. Each candidate is verified with the real distance.

use super::features::HashKeyed;

/// Words shorter than this (in characters) are never corrected: too many short words are
/// one edit away from each other.
const MIN_QUERY_CHARS: usize = 4;
/// Words longer than this are neither indexed nor corrected (bounded work per word).
const MAX_WORD_CHARS: usize = 24;

/// The training vocabulary, searchable by edit distance 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypoIndex {
    /// Accent-folded training word -> (its lowercase spelling, frequency).
    words: Vec<(Vec<char>, String, u32)>,
    known: HashKeyed<u32>,
    deletions: HashKeyed<Vec<u32>>,
}

impl TypoIndex {
    /// Indexes `(folded, lowercase)` word pairs; repeated words raise their frequency.
    pub(crate) fn build<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> TypoIndex {
        let mut index = TypoIndex::default();
        for (folded, lowercase) in pairs {
            let key = hash_chars(folded.chars());
            if let Some(&id) = index.known.get(&key) {
                index.words[id as usize].2 += 1;
                continue;
            }
            let chars: Vec<char> = folded.chars().collect();
            let id = u32::try_from(index.words.len()).unwrap_or(u32::MAX);
            index.known.insert(key, id);
            if (MIN_QUERY_CHARS - 1..=MAX_WORD_CHARS).contains(&chars.len()) {
                for skip in 0..chars.len() {
                    let deletion = hash_chars(without(&chars, skip));
                    let ids = index.deletions.entry(deletion).or_default();
                    if ids.last() != Some(&id) {
                        ids.push(id);
                    }
                }
            }
            index.words.push((chars, lowercase.to_owned(), 1));
        }
        index
    }

    /// Whether the folded word occurs in training.
    pub(crate) fn is_known(&self, folded: &str) -> bool {
        self.known.contains_key(&hash_chars(folded.chars()))
    }

    /// The lowercase training word closest to an unknown folded word, if one is at edit
    /// distance 1. Ties go to the more frequent word, then to the earlier one.
    pub(crate) fn correct(&self, folded: &str) -> Option<&str> {
        let query: Vec<char> = folded.chars().collect();
        if !(MIN_QUERY_CHARS..=MAX_WORD_CHARS).contains(&query.len()) {
            return None;
        }
        let mut best: Option<u32> = None;
        let mut consider = |id: u32| {
            let Some((chars, _, frequency)) = self.words.get(id as usize) else {
                return;
            };
            if !within_one_edit(&query, chars) {
                return;
            }
            let better = match best {
                None => true,
                Some(current) => {
                    let current_frequency = self.words[current as usize].2;
                    *frequency > current_frequency
                        || (*frequency == current_frequency && id < current)
                }
            };
            if better {
                best = Some(id);
            }
        };
        // The query is a training word missing one letter, or a training word with one
        // letter changed / two letters swapped (both lose one letter to meet).
        let whole = hash_chars(query.iter().copied());
        self.deletions
            .get(&whole)
            .into_iter()
            .flatten()
            .for_each(|&id| consider(id));
        for skip in 0..query.len() {
            let deletion = hash_chars(without(&query, skip));
            // The query has one extra letter.
            if let Some(&id) = self.known.get(&deletion) {
                consider(id);
            }
            self.deletions
                .get(&deletion)
                .into_iter()
                .flatten()
                .for_each(|&id| consider(id));
        }
        best.map(|id| self.words[id as usize].1.as_str())
    }
}

fn without(chars: &[char], skip: usize) -> impl Iterator<Item = char> + '_ {
    chars
        .iter()
        .enumerate()
        .filter(move |&(i, _)| i != skip)
        .map(|(_, &c)| c)
}

fn hash_chars(chars: impl Iterator<Item = char>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        hash ^= u64::from(u32::from(c));
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Optimal-string-alignment distance of at most 1 (the words differ).
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..short.len()).filter(|&i| short[i] != long[i]).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && short[*i] == long[*j] && short[*j] == long[*i],
                _ => false,
            }
        }
        1 => {
            let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[prefix..] == long[prefix + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(words: &[&str]) -> TypoIndex {
        TypoIndex::build(words.iter().map(|w| (*w, *w)))
    }

    #[test]
    fn a_missing_letter_is_restored() {
        assert_eq!(index(&["order", "status"]).correct("ordr"), Some("order"));
    }

    #[test]
    fn an_extra_letter_is_removed() {
        assert_eq!(index(&["order"]).correct("orderr"), Some("order"));
    }

    #[test]
    fn a_substituted_letter_is_fixed() {
        assert_eq!(index(&["balance"]).correct("balanse"), Some("balance"));
    }

    #[test]
    fn swapped_adjacent_letters_are_fixed() {
        assert_eq!(index(&["weather"]).correct("waether"), Some("weather"));
    }

    #[test]
    fn two_edits_away_is_not_a_match() {
        assert_eq!(index(&["order"]).correct("odrr"), None);
        assert_eq!(index(&["transfer"]).correct("trnsfr"), None);
    }

    #[test]
    fn short_words_are_never_corrected() {
        assert_eq!(index(&["the"]).correct("teh"), None);
    }

    #[test]
    fn the_more_frequent_candidate_wins() {
        let idx = index(&["card", "cart", "cart"]);
        assert_eq!(idx.correct("carx"), Some("cart"));
    }

    #[test]
    fn known_words_are_recognized() {
        let idx = index(&["order"]);
        assert!(idx.is_known("order"));
        assert!(!idx.is_known("ordr"));
    }
}
