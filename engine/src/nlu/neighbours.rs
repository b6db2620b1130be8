//! Nearest-neighbour evidence: how closely a message matches the closest training example of
//! each intent, on the rare features they share.
//!
//! The linear model generalizes over all the examples of an intent, so a message that is
//! almost exactly one atypical example can still lose to a more typical rival. For each
//! class, [`NeighbourIndex::add_scores`] takes the largest dot product `s` between the
//! message vector and a training vector of that class, counting only features found in at
//! most [`NeighbourParams::max_document_frequency`] training examples, and adds
//! [`NeighbourParams::weight`] times `s²` to the class's logit. Squaring keeps weak
//! overlaps (one shared word, `s` ≈ 0.3) from adding more than a tenth of the weight:
//! near-duplicates count, chance overlaps barely do.
//!
//! Common features (`<wh`, `what`, `my`) say little about which example is nearest, and
//! skipping them bounds the work per message: at most `max_document_frequency` postings per
//! feature of the message. On the CLINC150 validation split the evidence added 0.1 to 0.3
//! points of top-1 accuracy, and about as much in-scope accuracy at a fixed out-of-scope
//! recall (an out-of-scope message has no near neighbour). Caps from 50 to 500 scored the
//! same there.

use super::features::{HashKeyed, SparseVector};

/// Shape of the nearest-neighbour evidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NeighbourParams {
    /// Logit added per unit of squared similarity: a message identical to a training example
    /// gets at most this much on that example's class. 0 turns the evidence off.
    pub(crate) weight: f32,
    /// Features found in more training examples than this are ignored.
    pub(crate) max_document_frequency: usize,
}

impl Default for NeighbourParams {
    fn default() -> Self {
        NeighbourParams {
            weight: 1.5,
            max_document_frequency: 100,
        }
    }
}

/// An inverted index of the training vectors over their rare features.
#[derive(Debug, Clone)]
pub(crate) struct NeighbourIndex {
    /// Postings of column `c`: `postings[starts[c]..starts[c + 1]]`, as (example, value).
    starts: Vec<u32>,
    postings: Vec<(u32, f32)>,
    /// Class of each training example.
    labels: Vec<u32>,
    classes: usize,
    weight: f32,
}

impl NeighbourIndex {
    /// Indexes `vectors` (labels in `0..classes`, columns in `0..features`).
    pub(crate) fn build(
        vectors: &[SparseVector],
        labels: &[usize],
        classes: usize,
        features: usize,
        params: &NeighbourParams,
    ) -> NeighbourIndex {
        let count = vectors.len().min(labels.len());
        let mut frequency = vec![0usize; features];
        for vector in &vectors[..count] {
            for &column in &vector.indices {
                if let Some(slot) = frequency.get_mut(column as usize) {
                    *slot += 1;
                }
            }
        }
        let mut starts = Vec::with_capacity(features + 1);
        let mut total = 0u32;
        starts.push(0);
        for df in &mut frequency {
            if *df > params.max_document_frequency {
                *df = 0;
            }
            total = total.saturating_add(u32::try_from(*df).unwrap_or(u32::MAX));
            starts.push(total);
        }
        let mut postings = vec![(0u32, 0.0f32); total as usize];
        let mut next: Vec<u32> = starts[..features].to_vec();
        for (example, vector) in vectors[..count].iter().enumerate() {
            let example = u32::try_from(example).unwrap_or(u32::MAX);
            for (&column, &value) in vector.indices.iter().zip(&vector.values) {
                let column = column as usize;
                if frequency.get(column).is_none_or(|&df| df == 0) {
                    continue;
                }
                let slot = &mut next[column];
                postings[*slot as usize] = (example, value);
                *slot += 1;
            }
        }
        NeighbourIndex {
            starts,
            postings,
            labels: labels[..count]
                .iter()
                .map(|&l| u32::try_from(l).unwrap_or(u32::MAX))
                .collect(),
            classes,
            weight: params.weight,
        }
    }

    /// Adds, for every class, `weight` times the squared best similarity of `x` to one of its
    /// training examples (over rare features) to `out`.
    pub(crate) fn add_scores(&self, x: &SparseVector, out: &mut [f32]) {
        if self.weight == 0.0 || self.labels.is_empty() {
            return;
        }
        let mut similarity = vec![0.0f32; self.labels.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (&column, &value) in x.indices.iter().zip(&x.values) {
            let column = column as usize;
            let (Some(&start), Some(&end)) = (self.starts.get(column), self.starts.get(column + 1))
            else {
                continue;
            };
            for &(example, stored) in &self.postings[start as usize..end as usize] {
                let slot = &mut similarity[example as usize];
                if *slot == 0.0 {
                    touched.push(example);
                }
                *slot += value * stored;
            }
        }
        let mut best = vec![0.0f32; self.classes];
        for example in touched {
            let label = self.labels[example as usize] as usize;
            if let Some(slot) = best.get_mut(label) {
                *slot = slot.max(similarity[example as usize]);
            }
        }
        for (o, b) in out.iter_mut().zip(best) {
            *o += self.weight * b * b;
        }
    }
}

/// Texts given as examples of several intents, by [`super::features::text_key`].
///
/// Such a text cannot tell its intents apart, yet the linear model, trained by shuffled
/// passes, always ends up preferring one of them by a hair. A message that is exactly such
/// an example gets the same logit, the best of theirs, for all of them: the ranking then
/// lists them in intent order, and the dialog can ask "did you mean".
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedExamples {
    classes: HashKeyed<Vec<usize>>,
}

impl SharedExamples {
    /// Collects `(text key, class)` pairs and keeps the texts found under two classes or more.
    pub(crate) fn build(pairs: impl IntoIterator<Item = (u64, usize)>) -> SharedExamples {
        let mut classes: HashKeyed<Vec<usize>> = HashKeyed::default();
        for (key, class) in pairs {
            let entry = classes.entry(key).or_default();
            if !entry.contains(&class) {
                entry.push(class);
            }
        }
        classes.retain(|_, shared| shared.len() > 1);
        SharedExamples { classes }
    }

    /// Raises the logits of the classes that share the text `key` to the best of them.
    pub(crate) fn tie(&self, key: u64, logits: &mut [f32]) {
        let Some(shared) = self.classes.get(&key) else {
            return;
        };
        let best = shared
            .iter()
            .filter_map(|&class| logits.get(class).copied())
            .fold(f32::NEG_INFINITY, f32::max);
        for &class in shared {
            if let Some(logit) = logits.get_mut(class) {
                *logit = best;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(entries: &[(u32, f32)]) -> SparseVector {
        SparseVector {
            indices: entries.iter().map(|e| e.0).collect(),
            values: entries.iter().map(|e| e.1).collect(),
        }
    }

    #[test]
    fn the_class_of_the_nearest_example_gets_the_most() {
        let vectors = [vector(&[(0, 1.0)]), vector(&[(1, 0.6), (2, 0.8)])];
        let index = NeighbourIndex::build(&vectors, &[0, 1], 2, 3, &NeighbourParams::default());
        let mut out = [0.0, 0.0];
        index.add_scores(&vector(&[(2, 1.0)]), &mut out);
        assert_eq!(out[0], 0.0);
        assert!((out[1] - 1.5 * 0.8 * 0.8).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn features_shared_by_too_many_examples_are_ignored() {
        let params = NeighbourParams {
            max_document_frequency: 1,
            ..NeighbourParams::default()
        };
        let vectors = [vector(&[(0, 1.0)]), vector(&[(0, 1.0)])];
        let index = NeighbourIndex::build(&vectors, &[0, 1], 2, 1, &params);
        let mut out = [0.0, 0.0];
        index.add_scores(&vector(&[(0, 1.0)]), &mut out);
        assert_eq!(out, [0.0, 0.0]);
    }

    #[test]
    fn a_text_shared_by_two_classes_ties_them() {
        let shared = SharedExamples::build([(7, 0), (7, 2), (8, 1), (8, 1)]);
        let mut logits = [0.3, 0.9, 0.5];
        shared.tie(7, &mut logits);
        assert_eq!(logits, [0.5, 0.9, 0.5]);
        // A text under one class only (even twice) changes nothing.
        shared.tie(8, &mut logits);
        assert_eq!(logits, [0.5, 0.9, 0.5]);
    }

    #[test]
    fn columns_outside_the_index_are_skipped() {
        let index = NeighbourIndex::build(
            &[vector(&[(0, 1.0)])],
            &[0],
            1,
            1,
            &NeighbourParams::default(),
        );
        let mut out = [0.5];
        index.add_scores(&vector(&[(7, 1.0)]), &mut out);
        assert_eq!(out, [0.5]);
    }
}
