//! [`IntentModel`]: training from examples and classifying messages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::calibrate::{PRIOR_CENTER, fit_temperature};
use super::features::{self, FeatureParams, FeatureSpace, HashKeyed, RawFeatures, SparseVector};
use super::function_words::FunctionWords;
use super::linear::{LinearModel, LinearParams, softmax_in_place};
use super::neighbours::{NeighbourIndex, NeighbourParams, SharedExamples};
use super::stem::WordStemmer;
use super::text::{self, fold_accents};
use super::typo::TypoIndex;
use super::{
    Classification, IntentScore, MAX_INPUT_BYTES, MAX_RANKED, NluConfig, NluError,
    OUT_OF_SCOPE_INTENT, TrainingExample,
};
use crate::Language;

/// Words of a message beyond this count are ignored.
const MAX_WORDS: usize = 64;
/// Every n-th example of each class is held out to fit the temperature.
const CALIBRATION_STRIDE: usize = 5;
/// Classes need at least this many examples before any is held out.
const CALIBRATION_MIN_EXAMPLES: usize = 4;

/// A trained intent classifier. Immutable after training, cheap to share (`Send + Sync`).
pub struct IntentModel {
    language: Language,
    threshold: f32,
    /// Class names, sorted; may include [`OUT_OF_SCOPE_INTENT`].
    classes: Vec<Arc<str>>,
    out_of_scope_class: Option<usize>,
    analyzer: Analyzer,
    space: FeatureSpace,
    scorer: Scorer,
    shared: SharedExamples,
    /// The [`features::text_key`] of every training example.
    examples: HashKeyed<()>,
    temperature: f32,
}

impl IntentModel {
    /// Learns the intents of `examples`. Examples labelled [`OUT_OF_SCOPE_INTENT`] train a
    /// hidden "none of these" class. Deterministic: the same input gives the same model.
    pub fn train(
        examples: &[TrainingExample],
        config: &NluConfig,
    ) -> Result<IntentModel, NluError> {
        if !(0.0..=1.0).contains(&config.oos_threshold) {
            return Err(NluError::InvalidThreshold(config.oos_threshold));
        }
        let mut class_ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, example) in examples.iter().enumerate() {
            let intent = example.intent.trim();
            if intent.is_empty() {
                return Err(NluError::EmptyIntent { index });
            }
            class_ids.insert(intent, 0);
        }
        if class_ids.keys().all(|&name| name == OUT_OF_SCOPE_INTENT) {
            return Err(NluError::NoExamples);
        }
        for (id, slot) in class_ids.values_mut().enumerate() {
            *slot = id;
        }
        let classes: Vec<Arc<str>> = class_ids.keys().map(|&name| Arc::from(name)).collect();
        let out_of_scope_class = class_ids.get(OUT_OF_SCOPE_INTENT).copied();

        let stemmer = WordStemmer::new(config.language);
        let function_words = FunctionWords::new(config.language);
        let mut documents = Vec::with_capacity(examples.len());
        let mut labels = Vec::with_capacity(examples.len());
        let mut keys = Vec::with_capacity(examples.len());
        let mut vocabulary: Vec<(String, String)> = Vec::new();
        for example in examples {
            let words = text::words(&example.text, MAX_WORDS);
            if words.is_empty() {
                continue;
            }
            let analyzed = Analyzed::new(&stemmer, &function_words, words, None);
            documents.push(analyzed.features(&FeatureParams::default()));
            labels.push(class_ids[example.intent.trim()]);
            keys.push(features::text_key(&analyzed.stems));
            vocabulary.extend(analyzed.surfaces.into_iter().zip(analyzed.words));
        }
        if documents.is_empty() {
            return Err(NluError::NoUsableText);
        }
        let typo = TypoIndex::build(vocabulary.iter().map(|(f, w)| (f.as_str(), w.as_str())));
        let params = LinearParams::default();
        // The calibration model and the final model are independent: train them side by side.
        let (temperature, (space, scorer)) = std::thread::scope(|scope| {
            let calibration =
                scope.spawn(|| calibrate(&documents, &labels, classes.len(), &params));
            let fitted = fit(&documents, &labels, classes.len(), &params);
            let temperature = calibration
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (temperature, fitted)
        });
        Ok(IntentModel {
            language: config.language,
            threshold: config.oos_threshold,
            classes,
            out_of_scope_class,
            analyzer: Analyzer {
                stemmer,
                function_words,
                typo,
            },
            space,
            scorer,
            examples: keys.iter().map(|&key| (key, ())).collect(),
            shared: SharedExamples::build(keys.into_iter().zip(labels.iter().copied())),
            temperature,
        })
    }

    /// Ranks the intents for `text`. Never fails and never panics: empty, oversized
    /// (> [`MAX_INPUT_BYTES`]) or symbol-only input is out of scope with no candidates.
    pub fn classify(&self, text: &str) -> Classification {
        if text.len() > MAX_INPUT_BYTES {
            return Classification::out_of_scope();
        }
        let words = text::words(text, MAX_WORDS);
        if words.is_empty() {
            return Classification::out_of_scope();
        }
        let analyzer = &self.analyzer;
        let analyzed = Analyzed::new(
            &analyzer.stemmer,
            &analyzer.function_words,
            words,
            Some(&analyzer.typo),
        );
        let key = features::text_key(&analyzed.stems);
        // "do you have parking", "sì": nothing the examples speak of. Unless the message is
        // an example itself (one made of function words only), there is nothing to go on.
        if !self.examples.contains_key(&key) && !self.knows_a_content_word(&analyzed) {
            return Classification::out_of_scope();
        }
        let vector = self
            .space
            .vectorize(&analyzed.features(&FeatureParams::default()));
        if vector.indices.is_empty() {
            return Classification::out_of_scope();
        }
        let mut logits = vec![0.0f32; self.scorer.classes()];
        self.scorer.logits(&vector, &mut logits);
        self.shared.tie(key, &mut logits);
        // Rank on the logits: probabilities of unlikely classes can underflow to equal zeros.
        let mut order: Vec<usize> = (0..logits.len())
            .filter(|&class| Some(class) != self.out_of_scope_class)
            .collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
        let mut scores: Vec<f32> = logits.iter().map(|l| l / self.temperature).collect();
        softmax_in_place(&mut scores);
        let ranked: Vec<IntentScore> = order
            .into_iter()
            .take(MAX_RANKED)
            .map(|class| IntentScore {
                intent: Arc::clone(&self.classes[class]),
                confidence: scores[class].clamp(0.0, 1.0),
            })
            .collect();
        let in_scope = ranked
            .first()
            .is_some_and(|top| top.confidence >= self.threshold);
        Classification { ranked, in_scope }
    }

    /// Whether a word of `analyzed` is a content word (not a function word) seen in
    /// training, after typo correction.
    fn knows_a_content_word(&self, analyzed: &Analyzed) -> bool {
        analyzed
            .stems
            .iter()
            .zip(&analyzed.function)
            .any(|(stem, &function)| !function && self.space.contains(features::word_key(stem)))
    }

    /// The intents this model can return, sorted (the out-of-scope class excluded).
    pub fn intents(&self) -> impl Iterator<Item = &Arc<str>> {
        self.classes
            .iter()
            .enumerate()
            .filter(|&(class, _)| Some(class) != self.out_of_scope_class)
            .map(|(_, name)| name)
    }

    /// The language the model was trained for.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The out-of-scope threshold in use.
    pub fn oos_threshold(&self) -> f32 {
        self.threshold
    }

    /// The fitted softmax temperature (the calibration prior when there was too little data
    /// to fit it).
    pub fn temperature(&self) -> f32 {
        self.temperature
    }
}

impl fmt::Debug for IntentModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntentModel")
            .field("language", &self.language)
            .field("intents", &self.classes.len())
            .field("has_out_of_scope_class", &self.out_of_scope_class.is_some())
            .field("features", &self.space.len())
            .field("temperature", &self.temperature)
            .field("oos_threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// Turns text into features: the stemmer and the typo index of the training vocabulary.
#[derive(Debug)]
struct Analyzer {
    stemmer: WordStemmer,
    function_words: FunctionWords,
    typo: TypoIndex,
}

/// One message, word by word.
struct Analyzed {
    /// Lowercase words (after typo correction, used for stems).
    words: Vec<String>,
    /// Accent-folded words as typed (used for character n-grams).
    surfaces: Vec<String>,
    stems: Vec<String>,
    /// Whether each word (after typo correction) is a function word.
    function: Vec<bool>,
}

impl Analyzed {
    fn new(
        stemmer: &WordStemmer,
        function_words: &FunctionWords,
        words: Vec<String>,
        typo: Option<&TypoIndex>,
    ) -> Analyzed {
        let surfaces: Vec<String> = words.iter().map(|w| fold_accents(w)).collect();
        let mut stems = Vec::with_capacity(words.len());
        let mut function = Vec::with_capacity(words.len());
        for (word, surface) in words.iter().zip(&surfaces) {
            // A function word is never a typo: "there" is not a misspelt "where".
            let corrected = match typo {
                Some(index) if !index.is_known(surface) && !function_words.contains(surface) => {
                    index.correct(surface)
                }
                _ => None,
            };
            match corrected {
                Some(corrected) => {
                    stems.push(stemmer.stem(corrected));
                    function.push(function_words.contains(&fold_accents(corrected)));
                }
                None => {
                    stems.push(stemmer.stem(word));
                    function.push(function_words.contains(surface));
                }
            }
        }
        Analyzed {
            words,
            surfaces,
            stems,
            function,
        }
    }

    fn features(&self, params: &FeatureParams) -> RawFeatures {
        features::extract(&self.stems, &self.surfaces, &self.function, params)
    }
}

/// What turns a vector into logits: the linear model plus nearest-neighbour evidence.
#[derive(Debug)]
struct Scorer {
    linear: LinearModel,
    neighbours: NeighbourIndex,
}

impl Scorer {
    fn classes(&self) -> usize {
        self.linear.classes()
    }

    fn logits(&self, x: &SparseVector, out: &mut [f32]) {
        self.linear.logits(x, out);
        self.neighbours.add_scores(x, out);
    }
}

/// Builds the feature space of `documents` and trains the scorer on it.
fn fit(
    documents: &[RawFeatures],
    labels: &[usize],
    classes: usize,
    params: &LinearParams,
) -> (FeatureSpace, Scorer) {
    let space = FeatureSpace::fit(documents, FeatureParams::default());
    let vectors: Vec<_> = documents.iter().map(|d| space.vectorize(d)).collect();
    let linear = LinearModel::train(&vectors, labels, classes, space.len(), params);
    let neighbours = NeighbourIndex::build(
        &vectors,
        labels,
        classes,
        space.len(),
        &NeighbourParams::default(),
    );
    (space, Scorer { linear, neighbours })
}

/// Fits the softmax temperature on every [`CALIBRATION_STRIDE`]-th example of each class,
/// using a model trained on the others; [`PRIOR_CENTER`] when classes are too small to
/// spare examples.
fn calibrate(
    documents: &[RawFeatures],
    labels: &[usize],
    classes: usize,
    params: &LinearParams,
) -> f32 {
    let mut seen = vec![0usize; classes];
    let mut counts = vec![0usize; classes];
    labels.iter().for_each(|&l| counts[l] += 1);
    let (mut fit_docs, mut fit_labels, mut held_docs, mut held_labels) =
        (vec![], vec![], vec![], vec![]);
    for (document, &label) in documents.iter().zip(labels) {
        seen[label] += 1;
        let hold = counts[label] >= CALIBRATION_MIN_EXAMPLES
            && seen[label].is_multiple_of(CALIBRATION_STRIDE);
        if hold {
            held_docs.push(document);
            held_labels.push(label);
        } else {
            fit_docs.push(document.clone());
            fit_labels.push(label);
        }
    }
    if held_docs.is_empty() {
        return PRIOR_CENTER;
    }
    let (space, model) = fit(&fit_docs, &fit_labels, classes, params);
    let logits: Vec<Vec<f32>> = held_docs
        .iter()
        .map(|d| {
            let mut row = vec![0.0; classes];
            model.logits(&space.vectorize(d), &mut row);
            row
        })
        .collect();
    fit_temperature(&logits, &held_labels)
}
