//! `staffetta nlu eval`: trains the intent model on one JSON lines file and scores it on
//! another, the way the CLINC150 paper does (in-scope accuracy, out-of-scope recall), plus
//! training time and classify latency. scripts/clinc150_to_jsonl.py makes the files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use staffetta_engine::Language;
use staffetta_engine::nlu::{Evaluation, IntentModel, NluConfig, TrainingExample};

/// Flags of `staffetta nlu eval`.
#[derive(clap::Args, Debug)]
pub(crate) struct NluEvalArgs {
    /// Training examples: JSON lines `{"text": "...", "intent": "..."}` (`oos` = out of scope).
    #[arg(long)]
    train: PathBuf,
    /// Test examples, same format.
    #[arg(long)]
    test: PathBuf,
    /// Out-of-scope threshold on the calibrated confidence (default: the engine's).
    #[arg(long)]
    threshold: Option<f32>,
    /// Language of the examples (en, it, de, fr, es).
    #[arg(long, default_value = "en")]
    language: String,
}

#[derive(serde::Deserialize)]
struct Line {
    text: String,
    intent: String,
}

/// Runs the evaluation and prints the report.
pub(crate) fn eval(args: &NluEvalArgs) -> anyhow::Result<ExitCode> {
    let Some(language) = Language::from_tag(&args.language) else {
        bail!(
            "unsupported language {:?} (en, it, de, fr, es)",
            args.language
        );
    };
    let train = read_examples(&args.train)?;
    let test = read_examples(&args.test)?;
    let mut config = NluConfig::new(language);
    if let Some(threshold) = args.threshold {
        config.oos_threshold = threshold;
    }
    let started = Instant::now();
    let model = IntentModel::train(&train, &config).context("training failed")?;
    let training_time = started.elapsed();

    let mut evaluation = Evaluation::default();
    let mut latencies = Vec::with_capacity(test.len());
    for example in &test {
        let started = Instant::now();
        let result = model.classify(&example.text);
        latencies.push(started.elapsed());
        evaluation.record(&example.intent, &result);
    }
    latencies.sort_unstable();

    super::output::print(&format!(
        "train examples:    {}\n\
         training time:     {:.2} s\n\
         test examples:     {} in scope, {} out of scope\n\
         threshold:         {:.2}\n\
         in-scope accuracy: {:.2} %\n\
         OOS recall:        {:.2} %\n\
         OOS precision:     {:.2} %\n\
         OOS F1:            {:.2} %\n\
         classify p50:      {:.1} µs\n\
         classify p99:      {:.1} µs\n",
        train.len(),
        training_time.as_secs_f64(),
        evaluation.in_scope_total,
        evaluation.out_of_scope_total,
        model.oos_threshold(),
        percent(evaluation.in_scope_accuracy()),
        percent(evaluation.oos_recall()),
        percent(evaluation.oos_precision()),
        percent(evaluation.oos_f1()),
        micros(percentile(&latencies, 0.50)),
        micros(percentile(&latencies, 0.99)),
    ));
    Ok(ExitCode::SUCCESS)
}

fn read_examples(path: &Path) -> anyhow::Result<Vec<TrainingExample>> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut examples = Vec::new();
    for (index, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a {{\"text\", \"intent\"}} object",
                path.display(),
                index + 1
            )
        })?;
        examples.push(TrainingExample::new(parsed.text, parsed.intent));
    }
    if examples.is_empty() {
        bail!("{} has no examples", path.display());
    }
    Ok(examples)
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    let Some(last) = sorted.len().checked_sub(1) else {
        return Duration::ZERO;
    };
    let rank = (last as f64 * quantile).round() as usize;
    sorted[rank.min(last)]
}

fn percent(ratio: f64) -> f64 {
    ratio * 100.0
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_nothing_is_zero() {
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }

    #[test]
    fn percentile_picks_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(&sorted, 0.50), Duration::from_micros(51));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_micros(99));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(
            &path,
            "{\"text\": \"hi\", \"intent\": \"greet\"}\nnot json\n",
        )
        .unwrap();
        let err = read_examples(&path).unwrap_err();
        assert!(format!("{err:#}").contains("bad.jsonl:2"), "{err:#}");
    }
}
