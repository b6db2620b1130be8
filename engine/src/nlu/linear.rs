//! Multinomial logistic regression over sparse vectors, trained by SGD.
//!
//! Weights are stored feature-major (`weights[feature * classes + class]`) so scoring a
//! sparse vector is a handful of contiguous row additions. L2 regularization uses the
//! scaled-weights trick (the true weights are `scale * weights`), which keeps each step
//! proportional to the non-zeros of the example. Training is deterministic: examples are
//! shuffled by a fixed-seed SplitMix64 generator.

use super::features::SparseVector;

/// Hyperparameters of the SGD training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinearParams {
    pub(crate) epochs: usize,
    pub(crate) learning_rate: f32,
    pub(crate) l2: f32,
    pub(crate) seed: u64,
}

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams {
            epochs: 12,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 0x5eed_0f57_affe_0077,
        }
    }
}

/// A trained softmax classifier.
#[derive(Debug, Clone)]
pub(crate) struct SoftmaxModel {
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// Gradients smaller than this are skipped: after a few epochs most classes have a
/// probability near zero for a given example, and skipping them is what keeps training fast.
const GRADIENT_FLOOR: f32 = 1e-4;
/// When the shared scale shrinks below this, it is folded back into the weights.
const SCALE_FLOOR: f32 = 1e-6;

impl SoftmaxModel {
    /// Trains on `vectors` with class labels in `0..classes`; `features` is the number of
    /// columns the vectors index into.
    pub(crate) fn train(
        vectors: &[SparseVector],
        labels: &[usize],
        classes: usize,
        features: usize,
        params: &LinearParams,
    ) -> SoftmaxModel {
        let mut model = SoftmaxModel {
            classes,
            weights: vec![0.0; features * classes],
            bias: vec![0.0; classes],
        };
        let mut order: Vec<usize> = (0..vectors.len().min(labels.len())).collect();
        let mut rng = SplitMix64(params.seed);
        let mut scale = 1.0f32;
        let mut logits = vec![0.0f32; classes];
        let mut active: Vec<(usize, f32)> = Vec::with_capacity(classes);
        for epoch in 0..params.epochs {
            rng.shuffle(&mut order);
            let rate = params.learning_rate / (1.0 + epoch as f32);
            for &i in &order {
                let (x, label) = (&vectors[i], labels[i]);
                model.logits_scaled(x, scale, &mut logits);
                softmax_in_place(&mut logits);
                active.clear();
                for (class, &p) in logits.iter().enumerate() {
                    let gradient = if class == label { p - 1.0 } else { p };
                    if gradient.abs() > GRADIENT_FLOOR {
                        active.push((class, gradient));
                    }
                }
                scale *= 1.0 - rate * params.l2;
                let step = rate / scale;
                for (&column, &value) in x.indices.iter().zip(&x.values) {
                    let row = model.row_mut(column as usize);
                    for &(class, gradient) in &active {
                        row[class] -= step * value * gradient;
                    }
                }
                for &(class, gradient) in &active {
                    model.bias[class] -= rate * gradient;
                }
                if scale < SCALE_FLOOR {
                    model.weights.iter_mut().for_each(|w| *w *= scale);
                    scale = 1.0;
                }
            }
        }
        model.weights.iter_mut().for_each(|w| *w *= scale);
        model
    }

    /// Number of classes.
    pub(crate) fn classes(&self) -> usize {
        self.classes
    }

    /// Raw scores (logits) of `x` for every class, written into `out`.
    pub(crate) fn logits(&self, x: &SparseVector, out: &mut [f32]) {
        self.logits_scaled(x, 1.0, out);
    }

    fn logits_scaled(&self, x: &SparseVector, scale: f32, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for (&column, &value) in x.indices.iter().zip(&x.values) {
            let start = column as usize * self.classes;
            let Some(row) = self.weights.get(start..start + self.classes) else {
                continue;
            };
            let factor = value * scale;
            for (o, w) in out.iter_mut().zip(row) {
                *o += factor * w;
            }
        }
    }

    fn row_mut(&mut self, column: usize) -> &mut [f32] {
        let start = column * self.classes;
        &mut self.weights[start..start + self.classes]
    }
}

/// Replaces logits by their softmax probabilities (numerically stable).
pub(crate) fn softmax_in_place(values: &mut [f32]) {
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    if sum > 0.0 {
        values.iter_mut().for_each(|v| *v /= sum);
    }
}

/// A tiny deterministic generator (SplitMix64) for shuffling.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher-Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(column: u32) -> SparseVector {
        SparseVector {
            indices: vec![column],
            values: vec![1.0],
        }
    }

    #[test]
    fn separable_classes_are_learned() {
        let vectors = [one_hot(0), one_hot(1), one_hot(2)];
        let labels = [0, 1, 2];
        let model = SoftmaxModel::train(&vectors, &labels, 3, 3, &LinearParams::default());
        let mut out = [0.0; 3];
        for (x, &label) in vectors.iter().zip(&labels) {
            model.logits(x, &mut out);
            let best = (0..3).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap();
            assert_eq!(best, label);
        }
    }

    #[test]
    fn softmax_sums_to_one_even_for_huge_logits() {
        let mut values = [1000.0, 0.0, -1000.0];
        softmax_in_place(&mut values);
        assert!((values.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(values[0] > 0.99);
    }

    #[test]
    fn shuffling_is_deterministic_for_a_seed() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix64(7).shuffle(&mut a);
        SplitMix64(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }
}
