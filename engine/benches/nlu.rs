//! Intent classification latency: `IntentModel::classify` on a model trained from CLINC150
//! when the converted data is present (scripts/clinc150_to_jsonl.py writes it to
//! target/clinc150/, or set STAFFETTA_CLINC150_DIR), otherwise from a small built-in
//! fixture. Also times training on that fixture.
//!
//! Run with `cargo bench -p staffetta-engine --bench nlu`. Target: classify p99 <= 200 µs.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use staffetta_engine::Language;
use staffetta_engine::nlu::{IntentModel, NluConfig, TrainingExample};

/// A CLINC-like set written for this bench: short requests, several look-alike intents.
const FIXTURE: &[(&str, &str)] = &[
    ("what is my checking account balance", "balance"),
    ("how much money do i have in savings", "balance"),
    ("tell me the balance of my account", "balance"),
    ("how much is left in my bank account", "balance"),
    ("send 200 dollars from checking to savings", "transfer"),
    ("move money between my accounts", "transfer"),
    ("transfer 50 euros to my mother", "transfer"),
    ("i need to wire money to john", "transfer"),
    ("what's the weather like tomorrow", "weather"),
    ("will it rain in rome this weekend", "weather"),
    ("is it going to be sunny today", "weather"),
    ("how cold is it outside", "weather"),
    ("where is my package", "order_status"),
    ("has my order shipped yet", "order_status"),
    ("track the shoes i ordered last week", "order_status"),
    ("when will my delivery arrive", "order_status"),
    ("book a table for two at 8 pm", "restaurant_reservation"),
    (
        "reserve a spot at the italian place tonight",
        "restaurant_reservation",
    ),
    (
        "can you get me a dinner reservation for four",
        "restaurant_reservation",
    ),
    (
        "i want to book a restaurant for friday",
        "restaurant_reservation",
    ),
    ("set an alarm for 6 am", "alarm"),
    ("wake me up at seven tomorrow", "alarm"),
    ("please set my alarm for noon", "alarm"),
    ("i need an alarm at 5:30", "alarm"),
    ("how do you say thank you in french", "translate"),
    ("translate good morning to german", "translate"),
    ("what is the spanish word for cheese", "translate"),
    ("say hello in italian", "translate"),
    ("what is my credit limit", "credit_limit"),
    ("how high is the limit on my visa", "credit_limit"),
    ("tell me my credit card limit", "credit_limit"),
    ("what's the maximum i can spend on my card", "credit_limit"),
    ("i want to talk to a human", "human"),
    ("connect me with an agent please", "human"),
    ("let me speak to a real person", "human"),
    ("transfer me to customer service", "human"),
];

const FIXTURE_QUERIES: &[&str] = &[
    "what's my balance",
    "send money to my savings account",
    "is it raining in paris",
    "where's my ordr",
    "book dinner for 3 people",
    "wake me at 6",
    "how to say goodbye in spanish",
    "credit limit on my mastercard",
    "can i speak to someone",
    "what is the meaning of life",
];

fn read_jsonl(path: &PathBuf) -> Option<Vec<TrainingExample>> {
    #[derive(serde::Deserialize)]
    struct Line {
        text: String,
        intent: String,
    }
    let content = std::fs::read_to_string(path).ok()?;
    content
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Line>(line).ok())
        .map(|line| line.map(|l| TrainingExample::new(l.text, l.intent)))
        .collect()
}

/// CLINC150 train+val and test texts, when converted.
fn clinc150() -> Option<(Vec<TrainingExample>, Vec<String>)> {
    let dir = std::env::var_os("STAFFETTA_CLINC150_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/clinc150"),
        PathBuf::from,
    );
    let train = read_jsonl(&dir.join("trainval.jsonl"))?;
    let test = read_jsonl(&dir.join("test.jsonl"))?;
    Some((train, test.into_iter().map(|e| e.text).collect()))
}

fn fixture() -> Vec<TrainingExample> {
    FIXTURE
        .iter()
        .map(|&(text, intent)| TrainingExample::new(text, intent))
        .collect()
}

fn classify(c: &mut Criterion) {
    let (name, train, queries) = match clinc150() {
        Some((train, queries)) => ("clinc150", train, queries),
        None => {
            eprintln!("nlu bench: no converted CLINC150 data, using the built-in fixture");
            let queries = FIXTURE_QUERIES.iter().map(|q| (*q).to_owned()).collect();
            ("fixture", fixture(), queries)
        }
    };
    let model = IntentModel::train(&train, &NluConfig::new(Language::En)).expect("model trains");
    let mut next = queries.iter().cycle();
    c.bench_function(&format!("nlu/classify/{name}"), |b| {
        b.iter(|| {
            let query = next.next().map_or("", String::as_str);
            black_box(model.classify(black_box(query)))
        });
    });
    let huge = "where is my order ".repeat(60_000);
    c.bench_function(&format!("nlu/classify_1mb/{name}"), |b| {
        b.iter(|| black_box(model.classify(black_box(&huge))));
    });
}

fn train(c: &mut Criterion) {
    let examples = fixture();
    let config = NluConfig::new(Language::En);
    c.bench_function("nlu/train/fixture", |b| {
        b.iter(|| black_box(IntentModel::train(black_box(&examples), &config)));
    });
}

criterion_group!(benches, classify, train);
criterion_main!(benches);
