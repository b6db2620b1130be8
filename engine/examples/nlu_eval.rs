//! Evaluates the NLU on JSON lines data (CLINC150 converted by scripts/clinc150_to_jsonl.py).
//!
//! Run with:
//! `cargo run --release -p staffetta-engine --example nlu_eval -- --train target/clinc150/trainval.jsonl --test target/clinc150/test.jsonl`
//!
//! Options: `--threshold X` (default: the model's), `--language en`, and `--sweep`, which
//! also prints accuracy and recall for a range of thresholds (use it on the validation
//! split to choose one, never on the test split).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use staffetta_engine::Language;
use staffetta_engine::nlu::{Classification, Evaluation, IntentModel, NluConfig, TrainingExample};

#[derive(serde::Deserialize)]
struct Line {
    text: String,
    intent: String,
}

struct Options {
    train: String,
    test: String,
    threshold: Option<f32>,
    language: Language,
    sweep: bool,
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nlu_eval: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut train, mut test, mut threshold, mut sweep) = (None, None, None, false);
    let mut language = Language::En;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--train" => train = args.next(),
            "--test" => test = args.next(),
            "--sweep" => sweep = true,
            "--threshold" => {
                let value = args.next().unwrap_or_default();
                threshold = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad threshold {value:?}"))?,
                );
            }
            "--language" => {
                let tag = args.next().unwrap_or_default();
                language =
                    Language::from_tag(&tag).ok_or(format!("unsupported language {tag:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Options {
        train: train.ok_or("--train FILE is required")?,
        test: test.ok_or("--test FILE is required")?,
        threshold,
        language,
        sweep,
    })
}

fn read_examples(path: &str) -> Result<Vec<TrainingExample>, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut examples = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", number + 1))?;
        examples.push(TrainingExample::new(parsed.text, parsed.intent));
    }
    Ok(examples)
}

fn run(options: &Options) -> Result<(), String> {
    let train = read_examples(&options.train)?;
    let test = read_examples(&options.test)?;
    let mut config = NluConfig::new(options.language);
    if let Some(threshold) = options.threshold {
        config.oos_threshold = threshold;
    }
    let started = Instant::now();
    let model = IntentModel::train(&train, &config).map_err(|e| e.to_string())?;
    let training_time = started.elapsed();

    let mut evaluation = Evaluation::default();
    let mut latencies = Vec::with_capacity(test.len());
    let mut answers = Vec::with_capacity(test.len());
    for example in &test {
        let started = Instant::now();
        let result = model.classify(&example.text);
        latencies.push(started.elapsed());
        evaluation.record(&example.intent, &result);
        answers.push((example.intent.as_str(), result));
    }
    latencies.sort_unstable();
    println!("model: {model:?}");
    println!("train examples:    {}", train.len());
    println!("training time:     {:.2} s", training_time.as_secs_f64());
    println!(
        "test examples:     {} ({} out of scope)",
        test.len(),
        evaluation.out_of_scope_total
    );
    println!("threshold:         {:.3}", model.oos_threshold());
    print_metrics(&evaluation);
    println!(
        "classify p50:      {} µs",
        micros(percentile(&latencies, 0.50))
    );
    println!(
        "classify p99:      {} µs",
        micros(percentile(&latencies, 0.99))
    );
    if options.sweep {
        println!("\nthreshold  accuracy  top1  oos-recall  oos-f1");
        for step in 1..=19 {
            let threshold = step as f32 * 0.05;
            let mut at = Evaluation::default();
            for (expected, result) in &answers {
                let in_scope = result.top().is_some_and(|top| top.confidence >= threshold);
                at.record(
                    expected,
                    &Classification {
                        ranked: result.ranked.clone(),
                        in_scope,
                    },
                );
            }
            println!(
                "{threshold:9.2}  {:8.2}  {:4.1}  {:10.2}  {:6.2}",
                at.in_scope_accuracy() * 100.0,
                at.top1_accuracy() * 100.0,
                at.oos_recall() * 100.0,
                at.oos_f1() * 100.0
            );
        }
    }
    Ok(())
}

fn print_metrics(evaluation: &Evaluation) {
    println!(
        "in-scope accuracy: {:.2} %",
        evaluation.in_scope_accuracy() * 100.0
    );
    println!(
        "top-1 accuracy:    {:.2} % (ignoring the threshold)",
        evaluation.top1_accuracy() * 100.0
    );
    println!(
        "OOS recall:        {:.2} %",
        evaluation.oos_recall() * 100.0
    );
    println!(
        "OOS precision:     {:.2} %",
        evaluation.oos_precision() * 100.0
    );
    println!("OOS F1:            {:.2} %", evaluation.oos_f1() * 100.0);
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn micros(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e6)
}
