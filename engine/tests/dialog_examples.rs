//! Every example of the demo dialog (dialogs/bottega-aurora) and of the small pizzeria
//! (tests/fixtures/small-dialogs/pizzeria.toml) is understood as its own intent, above the
//! default out-of-scope threshold: whatever the NLU does with function words and unknown
//! words, a visitor who types an example gets its answer.

use std::path::Path;

use staffetta_engine::Language;
use staffetta_engine::nlu::{IntentModel, NluConfig, OUT_OF_SCOPE_INTENT, TrainingExample};

/// The examples of `locale` in the `[intents]` tables of `files`, as the dialog loader
/// trains them.
fn examples(files: &[&str], locale: &str) -> Vec<TrainingExample> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut examples = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).expect("dialog file readable");
        let table: toml::Table = toml::from_str(&text).expect("dialog file is TOML");
        let Some(intents) = table.get("intents").and_then(toml::Value::as_table) else {
            continue;
        };
        for (intent, body) in intents {
            let list = body
                .get("examples")
                .and_then(|examples| examples.get(locale))
                .and_then(toml::Value::as_array)
                .expect("every intent has examples in every locale");
            for example in list {
                let text = example.as_str().expect("examples are strings");
                examples.push(TrainingExample::new(text, intent.as_str()));
            }
        }
    }
    examples
}

fn assert_every_example_reaches_its_intent(files: &[&str]) {
    for (locale, language) in [("en", Language::En), ("it", Language::It)] {
        let examples = examples(files, locale);
        let model = IntentModel::train(&examples, &NluConfig::new(language)).expect("trains");
        for example in examples.iter().filter(|e| e.intent != OUT_OF_SCOPE_INTENT) {
            let result = model.classify(&example.text);
            let top = result.top().map(|score| &*score.intent);
            assert!(
                result.in_scope && top == Some(example.intent.as_str()),
                "{files:?} {locale} {:?} should be {}: {result:?}",
                example.text,
                example.intent
            );
        }
    }
}

#[test]
fn every_example_of_the_demo_dialog_reaches_its_own_intent() {
    assert_every_example_reaches_its_intent(&[
        "dialogs/bottega-aurora/intents.toml",
        "dialogs/bottega-aurora/dialog.toml",
    ]);
}

#[test]
fn every_example_of_the_small_pizzeria_reaches_its_own_intent() {
    assert_every_example_reaches_its_intent(&["tests/fixtures/small-dialogs/pizzeria.toml"]);
}
