//! Scoring a model against labelled test data, the way the CLINC150 paper does:
//! in-scope accuracy counts an in-scope example as right only when it is classified in
//! scope with the right intent; out-of-scope recall is the share of out-of-scope examples
//! classified out of scope. Timing is the caller's business (the engine has no clock).

use super::{Classification, OUT_OF_SCOPE_INTENT};

/// Running counts for one evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// In-scope examples seen.
    pub in_scope_total: usize,
    /// In-scope examples classified in scope with the expected intent.
    pub in_scope_correct: usize,
    /// In-scope examples whose best intent was right, whatever the threshold said.
    pub in_scope_top1: usize,
    /// Out-of-scope examples seen.
    pub out_of_scope_total: usize,
    /// Out-of-scope examples classified out of scope.
    pub out_of_scope_detected: usize,
    /// In-scope examples wrongly classified out of scope.
    pub false_out_of_scope: usize,
}

impl Evaluation {
    /// Records the model's answer for an example labelled `expected`
    /// ([`OUT_OF_SCOPE_INTENT`] for out-of-scope examples).
    pub fn record(&mut self, expected: &str, result: &Classification) {
        if expected == OUT_OF_SCOPE_INTENT {
            self.out_of_scope_total += 1;
            if !result.in_scope {
                self.out_of_scope_detected += 1;
            }
            return;
        }
        self.in_scope_total += 1;
        let top_is_right = result.top().is_some_and(|top| &*top.intent == expected);
        if top_is_right {
            self.in_scope_top1 += 1;
        }
        if !result.in_scope {
            self.false_out_of_scope += 1;
        } else if top_is_right {
            self.in_scope_correct += 1;
        }
    }

    /// Share of in-scope examples answered in scope with the right intent.
    pub fn in_scope_accuracy(&self) -> f64 {
        ratio(self.in_scope_correct, self.in_scope_total)
    }

    /// Share of in-scope examples whose best intent is right, ignoring the threshold.
    pub fn top1_accuracy(&self) -> f64 {
        ratio(self.in_scope_top1, self.in_scope_total)
    }

    /// Share of out-of-scope examples detected as such.
    pub fn oos_recall(&self) -> f64 {
        ratio(self.out_of_scope_detected, self.out_of_scope_total)
    }

    /// Share of "out of scope" answers that really were out of scope.
    pub fn oos_precision(&self) -> f64 {
        ratio(
            self.out_of_scope_detected,
            self.out_of_scope_detected + self.false_out_of_scope,
        )
    }

    /// Harmonic mean of out-of-scope precision and recall.
    pub fn oos_f1(&self) -> f64 {
        let (p, r) = (self.oos_precision(), self.oos_recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::nlu::IntentScore;

    fn answer(intent: &str, in_scope: bool) -> Classification {
        Classification {
            ranked: vec![IntentScore {
                intent: Arc::from(intent),
                confidence: 0.9,
            }],
            in_scope,
        }
    }

    #[test]
    fn a_right_intent_below_threshold_is_not_accurate_but_is_top1() {
        let mut eval = Evaluation::default();
        eval.record("balance", &answer("balance", false));
        assert_eq!(eval.in_scope_accuracy(), 0.0);
        assert_eq!(eval.top1_accuracy(), 1.0);
        assert_eq!(eval.false_out_of_scope, 1);
    }

    #[test]
    fn out_of_scope_metrics_follow_their_definitions() {
        let mut eval = Evaluation::default();
        eval.record(OUT_OF_SCOPE_INTENT, &answer("balance", false));
        eval.record(OUT_OF_SCOPE_INTENT, &answer("balance", true));
        eval.record("balance", &answer("balance", false));
        eval.record("balance", &answer("balance", true));
        assert_eq!(eval.oos_recall(), 0.5);
        assert_eq!(eval.oos_precision(), 0.5);
        assert_eq!(eval.oos_f1(), 0.5);
        assert_eq!(eval.in_scope_accuracy(), 0.5);
    }

    #[test]
    fn empty_evaluation_reports_zeros() {
        let eval = Evaluation::default();
        assert_eq!(eval.in_scope_accuracy(), 0.0);
        assert_eq!(eval.oos_f1(), 0.0);
    }
}
