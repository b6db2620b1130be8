//! The linear classifier: one weight row per feature, one column per class.
//!
//! Training is the averaged perceptron with a margin, a stochastic solver of the multiclass
//! hinge loss (Crammer-Singer): when the right class does not beat the best wrong class by
//! a margin of 1, the right class gains the example's vector and that wrong class loses
//! it. The returned weights are the average of the weights after every step, which
//! regularizes much like an SVM and needs only a few passes. On CLINC150 this beat softmax
//! regression trained by SGD (91.0% top-1 on validation) by about two points, in a third of
//! the time.
//!
//! A single averaged perceptron still depends on the order it sees the examples in: on the
//! CLINC150 validation split, five shuffle seeds scored from 92.7% to 93.5% top-1. So
//! [`LinearModel::train`] trains several of them on differently shuffled passes and averages
//! their weights (an average of linear models is a linear model, so scoring costs the
//! same). On CLINC150, three members gained 0.4 points of validation top-1 over one on
//! average; members trained on fewer passes, or each on a different 80 % of the examples,
//! did worse.
//!
//! Weights are stored feature-major (`weights[feature * classes + class]`), so scoring a
//! sparse vector is a few contiguous row additions and an update touches two entries per
//! non-zero feature. Deterministic: examples are shuffled by a fixed-seed SplitMix64.

use super::features::SparseVector;

/// Hyperparameters of the training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinearParams {
    /// Passes over the training set, at least.
    pub(crate) epochs: usize,
    /// Small training sets get more passes, up to this many updates in total (or
    /// [`LinearParams::MAX_EPOCHS`]): a dialog with 40 examples needs more than 6 passes
    /// for its margins to settle, and costs nothing to train longer.
    pub(crate) min_steps: usize,
    /// Size of a weight update (relative to the margin of 1).
    pub(crate) learning_rate: f32,
    /// Size of a bias update relative to a weight update.
    pub(crate) bias_rate: f32,
    /// Seed of the shuffles of the first member; the others derive theirs from it.
    pub(crate) seed: u64,
    /// Averaged perceptrons trained (each on its own shuffles) and averaged together.
    pub(crate) members: usize,
}

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams {
            epochs: 6,
            min_steps: 20_000,
            learning_rate: 1.0,
            bias_rate: 0.1,
            seed: 0x5eed_0f57_affe_0077,
            members: 3,
        }
    }
}

/// A trained linear classifier: `logits = bias + x · weights`.
#[derive(Debug, Clone)]
pub(crate) struct LinearModel {
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl LinearParams {
    /// Upper bound on passes for tiny training sets.
    pub(crate) const MAX_EPOCHS: usize = 200;

    /// Passes to make over `examples` examples.
    pub(crate) fn epochs_for(&self, examples: usize) -> usize {
        let for_steps = self.min_steps.div_ceil(examples.max(1));
        self.epochs.max(for_steps.min(Self::MAX_EPOCHS))
    }
}

impl LinearModel {
    /// Trains on `vectors` with class labels in `0..classes`; `features` is the number of
    /// columns the vectors index into. The result averages [`LinearParams::members`]
    /// averaged perceptrons (at least one), each trained on its own shuffles.
    pub(crate) fn train(
        vectors: &[SparseVector],
        labels: &[usize],
        classes: usize,
        features: usize,
        params: &LinearParams,
    ) -> LinearModel {
        let members = params.members.max(1);
        let mut seeds = SplitMix64(params.seed);
        // The members reuse one set of buffers: on CLINC150 each is 40 MB, and clearing a
        // used buffer costs less than the page faults of a fresh one.
        let mut sums = vec![0.0f32; features * classes];
        let mut average = LinearModel::zeros(classes, features);
        average.train_member(vectors, labels, params, params.seed, &mut sums);
        if members > 1 {
            let mut member = LinearModel::zeros(classes, features);
            for _ in 1..members {
                member.weights.fill(0.0);
                member.bias.fill(0.0);
                sums.fill(0.0);
                member.train_member(vectors, labels, params, seeds.next_u64(), &mut sums);
                average
                    .weights
                    .iter_mut()
                    .zip(&member.weights)
                    .for_each(|(a, m)| *a += m);
                average
                    .bias
                    .iter_mut()
                    .zip(&member.bias)
                    .for_each(|(a, m)| *a += m);
            }
        }
        let scale = 1.0 / members as f32;
        average.weights.iter_mut().for_each(|w| *w *= scale);
        average.bias.iter_mut().for_each(|b| *b *= scale);
        average
    }

    /// A model with all weights at zero.
    fn zeros(classes: usize, features: usize) -> LinearModel {
        LinearModel {
            classes,
            weights: vec![0.0; features * classes],
            bias: vec![0.0; classes],
        }
    }

    /// Trains this model, whose weights start at zero, as one averaged perceptron shuffled
    /// by `seed`. `sums` (zeros, one per weight) is working space.
    fn train_member(
        &mut self,
        vectors: &[SparseVector],
        labels: &[usize],
        params: &LinearParams,
        seed: u64,
        sums: &mut [f32],
    ) {
        let classes = self.classes;
        // Each update is also added to the sums multiplied by the step number, so that the
        // average of all intermediate weights is `weights - sums / steps` (lazy averaging).
        let mut bias_sums = vec![0.0f32; classes];
        let mut order: Vec<usize> = (0..vectors.len().min(labels.len())).collect();
        let mut rng = SplitMix64(seed);
        let mut logits = vec![0.0f32; classes];
        let mut steps = 1.0f32;
        let rate = params.learning_rate;
        let bias_step = rate * params.bias_rate;
        for _ in 0..params.epochs_for(order.len()) {
            rng.shuffle(&mut order);
            for &i in &order {
                let (x, right) = (&vectors[i], labels[i]);
                self.logits(x, &mut logits);
                let right_score = logits[right];
                let mut wrong = None;
                let mut wrong_score = f32::NEG_INFINITY;
                for (class, &score) in logits.iter().enumerate() {
                    if class != right && score > wrong_score {
                        (wrong, wrong_score) = (Some(class), score);
                    }
                }
                if let Some(wrong) = wrong.filter(|_| right_score - wrong_score < 1.0) {
                    for (&column, &value) in x.indices.iter().zip(&x.values) {
                        let start = column as usize * classes;
                        let delta = rate * value;
                        self.weights[start + right] += delta;
                        self.weights[start + wrong] -= delta;
                        sums[start + right] += steps * delta;
                        sums[start + wrong] -= steps * delta;
                    }
                    self.bias[right] += bias_step;
                    self.bias[wrong] -= bias_step;
                    bias_sums[right] += steps * bias_step;
                    bias_sums[wrong] -= steps * bias_step;
                }
                steps += 1.0;
            }
        }
        for (w, s) in self.weights.iter_mut().zip(sums.iter()) {
            *w -= s / steps;
        }
        for (b, s) in self.bias.iter_mut().zip(&bias_sums) {
            *b -= s / steps;
        }
    }

    /// Number of classes.
    pub(crate) fn classes(&self) -> usize {
        self.classes
    }

    /// Raw scores (logits) of `x` for every class, written into `out`.
    pub(crate) fn logits(&self, x: &SparseVector, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for (&column, &value) in x.indices.iter().zip(&x.values) {
            let start = column as usize * self.classes;
            let Some(row) = self.weights.get(start..start + self.classes) else {
                continue;
            };
            for (o, w) in out.iter_mut().zip(row) {
                *o += value * w;
            }
        }
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
        let model = LinearModel::train(&vectors, &labels, 3, 3, &LinearParams::default());
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
