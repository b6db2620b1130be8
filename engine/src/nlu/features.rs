//! From words to a sparse, L2-normalized TF-IDF vector.
//!
//! Two feature groups, each hashed to 64 bits (FNV-1a with a group prefix, so no strings
//! are allocated per feature):
//! - word features: stem unigrams and stem bigrams (with sentence start/end markers);
//! - character features: 3- to 5-grams of each accent-folded word padded with `<` `>`,
//!   which carry most of the typo tolerance ("ordr" shares `<or`, `ord` with "order").
//!
//! Each group gets sublinear TF (`1 + ln tf`) times IDF (damped to its square root for
//! character n-grams, see [`FeatureParams::char_idf_power`]) and is L2-normalized on its
//! own, then weighted, so long and short texts compare. Features that come from function
//! words only (the unigram of "have", the bigram "do you", the n-grams of "per") are scaled
//! down before normalizing, the more so the fewer the training examples
//! ([`FeatureParams::function_weight`]). Features never seen in training count in
//! the norm but are dropped from the vector: a message made mostly of unknown words gets a
//! short vector, low logits and so a low confidence, which is what out-of-scope detection
//! needs.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const WORD_GROUP: u8 = 1;
const BIGRAM_GROUP: u8 = 2;
const CHAR_GROUP: u8 = 3;
const TEXT_GROUP: u8 = 4;
const SENTENCE_EDGE: &str = "\u{2}";

/// Shape of the feature space: n-gram sizes and the weight of each group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FeatureParams {
    pub(crate) char_min: usize,
    pub(crate) char_max: usize,
    pub(crate) word_weight: f32,
    pub(crate) char_weight: f32,
    /// The IDF of word features is raised to this power (1: plain IDF). Damping it too
    /// gained another 0.2 points on CLINC150 validation, but small dialogs need full IDF to
    /// learn that "my" or "is" say nothing about the intent: with it damped, "my email is
    /// ..." went to the demo shop's order status intent, above the default 0.5 threshold.
    pub(crate) word_idf_power: f32,
    /// The IDF of character n-grams is raised to this power. Plain IDF lets n-grams seen in
    /// a handful of examples dominate a vector; its square root gained 0.2 points of top-1 on
    /// the CLINC150 validation split (powers from 0.25 to 0.75 did about as well).
    pub(crate) char_idf_power: f32,
    /// Factor on the values of function-word features (see [`super::function_words`]) in
    /// a tiny training set. It rises towards 1 as examples grow, see
    /// [`FeatureParams::function_prior_examples`].
    pub(crate) function_weight: f32,
    /// How many training examples weigh as much as the function-word list: with `n`
    /// examples the factor is `w + (1 - w) · n / (n + function_prior_examples)`. A dialog of
    /// 30 examples, whose IDF cannot tell "have" from "pizzeria", gets 0.29; the demo (about
    /// 130 per locale) 0.41; CLINC150 (15 000), whose IDF knows common words, 0.98.
    pub(crate) function_prior_examples: f32,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            char_min: 3,
            char_max: 5,
            word_weight: 1.0,
            char_weight: 1.0,
            word_idf_power: 1.0,
            char_idf_power: 0.5,
            function_weight: 0.25,
            function_prior_examples: 500.0,
        }
    }
}

/// Hashed features of one text, split by group (duplicates kept: they are term counts).
#[derive(Debug, Default, Clone)]
pub(crate) struct RawFeatures {
    /// (feature, whether it comes from function words only).
    pub(crate) words: Vec<(u64, bool)>,
    pub(crate) chars: Vec<(u64, bool)>,
}

/// Extracts raw features from stems (for word features) and folded surface words (for
/// character n-grams). Both slices describe the same words, in order.
pub(crate) fn extract(
    stems: &[String],
    surfaces: &[String],
    function: &[bool],
    params: &FeatureParams,
) -> RawFeatures {
    let mut raw = RawFeatures::default();
    let is_function = |i: usize| function.get(i).copied().unwrap_or(false);
    for (i, stem) in stems.iter().enumerate() {
        raw.words
            .push((hash_parts(WORD_GROUP, &[stem]), is_function(i)));
    }
    if !stems.is_empty() {
        let edge = SENTENCE_EDGE.to_owned();
        let padded: Vec<(&String, bool)> = std::iter::once((&edge, true))
            .chain(stems.iter().enumerate().map(|(i, s)| (s, is_function(i))))
            .chain(std::iter::once((&edge, true)))
            .collect();
        for pair in padded.windows(2) {
            raw.words.push((
                hash_parts(BIGRAM_GROUP, &[pair[0].0, pair[1].0]),
                pair[0].1 && pair[1].1,
            ));
        }
    }
    let mut boundaries = Vec::new();
    for (i, surface) in surfaces.iter().enumerate() {
        let function = is_function(i);
        let padded = format!("<{surface}>");
        boundaries.clear();
        boundaries.extend(padded.char_indices().map(|(i, _)| i));
        boundaries.push(padded.len());
        let char_count = boundaries.len() - 1;
        for n in params.char_min..=params.char_max {
            if n > char_count {
                break;
            }
            for start in 0..=(char_count - n) {
                let gram = &padded[boundaries[start]..boundaries[start + n]];
                raw.chars.push((hash_parts(CHAR_GROUP, &[gram]), function));
            }
        }
    }
    raw
}

/// The feature of a stem as a unigram, for [`FeatureSpace::contains`].
pub(crate) fn word_key(stem: &str) -> u64 {
    hash_parts(WORD_GROUP, &[stem])
}

/// A key for a whole text: the hash of its stems, in order. Texts that stem alike share it.
pub(crate) fn text_key(stems: &[String]) -> u64 {
    let parts: Vec<&str> = stems.iter().map(String::as_str).collect();
    hash_parts(TEXT_GROUP, &parts)
}

/// FNV-1a over a group tag and the parts, with a separator between parts.
fn hash_parts(group: u8, parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    };
    feed(group);
    for part in parts {
        part.bytes().for_each(&mut feed);
        feed(0xff);
    }
    hash
}

/// A hasher for keys that already are good 64-bit hashes.
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A map keyed by feature hashes.
pub(crate) type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<PassThroughHasher>>;

/// A sparse vector: parallel feature indices and values, indices ascending.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SparseVector {
    pub(crate) indices: Vec<u32>,
    pub(crate) values: Vec<f32>,
}

/// The features seen in training, their column index and IDF weight.
#[derive(Debug, Clone)]
pub(crate) struct FeatureSpace {
    columns: HashKeyed<u32>,
    idf: Vec<f32>,
    /// The IDF a word feature absent from training would have (document frequency 0).
    unseen_word_idf: f32,
    /// The same for a character n-gram.
    unseen_char_idf: f32,
    /// What the values of function-word features are multiplied by.
    function_factor: f32,
    params: FeatureParams,
}

impl FeatureSpace {
    /// Builds the space from the training documents (document frequency -> IDF).
    pub(crate) fn fit(documents: &[RawFeatures], params: FeatureParams) -> FeatureSpace {
        let mut columns: HashKeyed<u32> = HashKeyed::default();
        // Per column: document frequency and the IDF power of its group.
        let mut document_frequency: Vec<(u32, f32)> = Vec::new();
        let mut unique = Vec::new();
        for document in documents {
            let groups = [
                (&document.words, params.word_idf_power),
                (&document.chars, params.char_idf_power),
            ];
            for (features, power) in groups {
                unique.clear();
                unique.extend(features.iter().map(|&(feature, _)| feature));
                unique.sort_unstable();
                unique.dedup();
                for &feature in &unique {
                    let next = u32::try_from(document_frequency.len()).unwrap_or(u32::MAX);
                    let column = *columns.entry(feature).or_insert(next);
                    if column == next {
                        document_frequency.push((0, power));
                    }
                    if let Some((df, _)) = document_frequency.get_mut(column as usize) {
                        *df += 1;
                    }
                }
            }
        }
        let n = documents.len() as f32;
        let idf = |df: u32, power: f32| (((1.0 + n) / (1.0 + df as f32)).ln() + 1.0).powf(power);
        FeatureSpace {
            columns,
            idf: document_frequency
                .iter()
                .map(|&(df, power)| idf(df, power))
                .collect(),
            unseen_word_idf: idf(0, params.word_idf_power),
            unseen_char_idf: idf(0, params.char_idf_power),
            function_factor: params.function_weight
                + (1.0 - params.function_weight) * n / (n + params.function_prior_examples),
            params,
        }
    }

    /// Whether `feature` was seen in training.
    pub(crate) fn contains(&self, feature: u64) -> bool {
        self.columns.contains_key(&feature)
    }

    /// Number of columns (distinct training features).
    pub(crate) fn len(&self) -> usize {
        self.idf.len()
    }

    /// The normalized TF-IDF vector of a document; unknown features are dropped.
    pub(crate) fn vectorize(&self, raw: &RawFeatures) -> SparseVector {
        let mut entries = Vec::with_capacity(raw.words.len() + raw.chars.len());
        let (words, chars) = (&raw.words, &raw.chars);
        self.add_group(
            words,
            self.params.word_weight,
            self.unseen_word_idf,
            &mut entries,
        );
        self.add_group(
            chars,
            self.params.char_weight,
            self.unseen_char_idf,
            &mut entries,
        );
        entries.sort_unstable_by_key(|&(column, _)| column);
        let mut vector = SparseVector::default();
        for (column, value) in entries {
            if vector.indices.last() == Some(&column) {
                if let Some(last) = vector.values.last_mut() {
                    *last += value;
                }
            } else {
                vector.indices.push(column);
                vector.values.push(value);
            }
        }
        // A text whose features are all known has unit length.
        let total_weight = self.params.word_weight.hypot(self.params.char_weight);
        if total_weight > 0.0 {
            vector.values.iter_mut().for_each(|v| *v /= total_weight);
        }
        vector
    }

    fn add_group(
        &self,
        features: &[(u64, bool)],
        weight: f32,
        unseen_idf: f32,
        out: &mut Vec<(u32, f32)>,
    ) {
        let mut sorted: Vec<(u64, bool)> = features.to_vec();
        sorted.sort_unstable();
        let start = out.len();
        let mut squares = 0.0f32;
        let damp = self.function_factor;
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i + 1;
            while j < sorted.len() && sorted[j].0 == sorted[i].0 {
                j += 1;
            }
            let tf = 1.0 + ((j - i) as f32).ln();
            // `false` sorts before `true`: the feature comes from function words only when
            // its first occurrence does.
            let factor = if sorted[i].1 { damp } else { 1.0 };
            match self.columns.get(&sorted[i].0) {
                Some(&column) => {
                    let value = factor * tf * self.idf[column as usize];
                    out.push((column, value));
                    squares += value * value;
                }
                None => squares += (factor * tf * unseen_idf).powi(2),
            }
            i = j;
        }
        // Unknown features still count in the norm: a message that is mostly unseen words
        // keeps a weak vector instead of being inflated to full strength by normalization.
        let norm = squares.sqrt();
        if norm > 0.0 {
            out[start..]
                .iter_mut()
                .for_each(|(_, v)| *v *= weight / norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn character_ngrams_are_padded_per_word() {
        let params = FeatureParams {
            char_min: 3,
            char_max: 3,
            ..FeatureParams::default()
        };
        let raw = extract(&strings(&["ab"]), &strings(&["ab"]), &[], &params);
        // "<ab>" has the trigrams "<ab" and "ab>".
        assert_eq!(raw.chars.len(), 2);
        // one unigram plus two edge bigrams.
        assert_eq!(raw.words.len(), 3);
    }

    #[test]
    fn unknown_features_dilute_the_vector() {
        let params = FeatureParams::default();
        let train = extract(&strings(&["order"]), &strings(&["order"]), &[], &params);
        let space = FeatureSpace::fit(std::slice::from_ref(&train), params);
        let mixed = extract(
            &strings(&["order", "qwxz"]),
            &strings(&["order", "qwxz"]),
            &[],
            &params,
        );
        let norm: f32 = space.vectorize(&mixed).values.iter().map(|v| v * v).sum();
        assert!(norm > 0.0 && norm < 0.9, "norm {norm}");
    }

    #[test]
    fn vectors_are_unit_length_and_unknown_features_vanish() {
        let params = FeatureParams::default();
        let train = extract(
            &strings(&["order", "status"]),
            &strings(&["order", "status"]),
            &[],
            &params,
        );
        let space = FeatureSpace::fit(std::slice::from_ref(&train), params);
        let vector = space.vectorize(&train);
        let norm: f32 = vector.values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let unseen = extract(&strings(&["zzz"]), &strings(&["zzz"]), &[], &params);
        let unseen_vector = space.vectorize(&unseen);
        assert!(unseen_vector.indices.is_empty());
    }

    #[test]
    fn function_words_weigh_less_the_fewer_the_examples() {
        let params = FeatureParams::default();
        let stems = strings(&["do", "you", "have", "music"]);
        let document = extract(&stems, &stems, &[true, true, true, false], &params);
        let music = extract(&stems[3..], &stems[3..], &[], &params).words[0].0;
        // The value of the unigram "music" in "do you have music", with the document
        // given `examples` times (every feature then has the same IDF).
        let weight_of_music = |examples: usize| {
            let space = FeatureSpace::fit(&vec![document.clone(); examples], params);
            let column = space.columns[&music];
            let vector = space.vectorize(&document);
            let position = vector.indices.iter().position(|&c| c == column).unwrap();
            vector.values[position]
        };
        let (small, large) = (weight_of_music(30), weight_of_music(20_000));
        assert!(small > 1.4 * large, "30 examples: {small}, 20 000: {large}");
    }

    #[test]
    fn multibyte_words_produce_ngrams_on_char_boundaries() {
        let params = FeatureParams::default();
        let raw = extract(&strings(&["größe"]), &strings(&["größe"]), &[], &params);
        assert!(!raw.chars.is_empty());
    }
}
