//! Behaviour of [`IntentModel`] on a small hand-written shop fixture.

use super::*;

const SHOP: &[(&str, &str)] = &[
    ("where is my order", "order_status"),
    ("what is the status of my order", "order_status"),
    ("track my package", "order_status"),
    ("has my order shipped yet", "order_status"),
    ("when will my order arrive", "order_status"),
    ("i want to check my order status", "order_status"),
    ("order status please", "order_status"),
    ("where is my parcel", "order_status"),
    ("what time do you open", "opening_hours"),
    ("when are you open", "opening_hours"),
    ("what are your opening hours", "opening_hours"),
    ("are you open on sunday", "opening_hours"),
    ("when do you close today", "opening_hours"),
    ("what are the store hours", "opening_hours"),
    ("is the shop open now", "opening_hours"),
    ("until what time are you open", "opening_hours"),
    ("i want to return an item", "returns"),
    ("how do i send something back", "returns"),
    ("what is your return policy", "returns"),
    ("can i get a refund", "returns"),
    ("i need to return my shoes", "returns"),
    ("how many days do i have to return", "returns"),
    ("refund my purchase", "returns"),
    ("the item is broken and i want my money back", "returns"),
    ("i want to talk to a human", "human"),
    ("let me speak to an agent", "human"),
    ("connect me with a person", "human"),
    ("can i talk to someone real", "human"),
    ("i need a human operator", "human"),
    ("transfer me to customer service", "human"),
    ("get me a real person", "human"),
    ("speak to a representative", "human"),
];

fn shop_examples() -> Vec<TrainingExample> {
    SHOP.iter()
        .map(|&(text, intent)| TrainingExample::new(text, intent))
        .collect()
}

fn shop_model() -> IntentModel {
    IntentModel::train(&shop_examples(), &NluConfig::new(Language::En)).unwrap()
}

fn top(model: &IntentModel, text: &str) -> String {
    model
        .classify(text)
        .top()
        .map(|s| s.intent.to_string())
        .unwrap_or_default()
}

#[test]
fn paraphrases_hit_their_intent() {
    let model = shop_model();
    assert_eq!(top(&model, "where's my order?"), "order_status");
    assert_eq!(
        top(&model, "What are your hours on Saturday"),
        "opening_hours"
    );
    assert_eq!(top(&model, "I'd like a refund"), "returns");
    assert_eq!(top(&model, "can I speak to a person"), "human");
}

#[test]
fn clear_matches_clear_the_default_threshold() {
    let model = shop_model();
    for text in [
        "where is my order",
        "what are your opening hours",
        "i want a refund",
    ] {
        let result = model.classify(text);
        assert!(result.in_scope, "{text:?}: {result:?}");
    }
}

#[test]
fn a_typo_still_hits_the_intent() {
    let model = shop_model();
    assert_eq!(top(&model, "ordr status"), "order_status");
    assert_eq!(top(&model, "opneing hours"), "opening_hours");
}

#[test]
fn confidences_are_probabilities_ranked_best_first() {
    let model = shop_model();
    let result = model.classify("where is my order");
    assert!(result.ranked.len() <= MAX_RANKED);
    assert_eq!(result.ranked.len(), 4, "four intents, all ranked");
    assert!(
        result
            .ranked
            .iter()
            .all(|s| (0.0..=1.0).contains(&s.confidence))
    );
    assert!(
        result
            .ranked
            .windows(2)
            .all(|w| w[0].confidence >= w[1].confidence)
    );
    let sum: f32 = result.ranked.iter().map(|s| s.confidence).sum();
    assert!(
        (sum - 1.0).abs() < 1e-3,
        "no oos class: the four intents share all mass, got {sum}"
    );
    assert!(result.in_scope);
}

#[test]
fn gibberish_is_out_of_scope() {
    let model = shop_model();
    for text in ["qwxz vbnm plkj", "zzzzzz", "🙂🙂🙂", "?!?!"] {
        let result = model.classify(text);
        assert!(!result.in_scope, "{text:?} was in scope: {result:?}");
    }
}

#[test]
fn empty_huge_and_control_character_input_is_out_of_scope() {
    let model = shop_model();
    assert_eq!(model.classify(""), Classification::out_of_scope());
    assert_eq!(model.classify("   \t\n"), Classification::out_of_scope());
    let huge = "where is my order ".repeat(60_000);
    assert_eq!(model.classify(&huge), Classification::out_of_scope());
    assert!(!model.classify("\u{0}\u{1}\u{1b}[31m\u{7f}").in_scope);
    // Control characters between words are separators, not part of them.
    assert_eq!(
        top(&model, "where\u{0}is\u{7}my\u{1b}order"),
        "order_status"
    );
}

#[test]
fn training_is_deterministic() {
    let a = shop_model();
    let b = shop_model();
    for text in ["where is my order", "refund", "hello there", "ordr"] {
        assert_eq!(a.classify(text), b.classify(text));
    }
    assert_eq!(a.temperature(), b.temperature());
}

#[test]
fn out_of_scope_examples_train_a_hidden_class() {
    let mut examples = shop_examples();
    for text in [
        "what is the capital of france",
        "tell me a joke about cats",
        "who won the game",
    ] {
        examples.push(TrainingExample::new(text, OUT_OF_SCOPE_INTENT));
    }
    let model = IntentModel::train(&examples, &NluConfig::new(Language::En)).unwrap();
    assert_eq!(model.intents().count(), 4);
    let result = model.classify("what is the capital of spain");
    assert!(
        result
            .ranked
            .iter()
            .all(|s| &*s.intent != OUT_OF_SCOPE_INTENT)
    );
    assert!(!result.in_scope);
}

#[test]
fn italian_inflections_and_missing_accents_match() {
    let examples = [
        ("dov'è il mio ordine", "stato_ordine"),
        ("a che punto è il mio ordine", "stato_ordine"),
        ("voglio sapere lo stato dell'ordine", "stato_ordine"),
        ("quando arriva il pacco", "stato_ordine"),
        ("a che ora aprite", "orari"),
        ("quali sono gli orari di apertura", "orari"),
        ("siete aperti domenica", "orari"),
        ("quando chiude il negozio", "orari"),
    ]
    .map(|(t, i)| TrainingExample::new(t, i));
    let model = IntentModel::train(&examples, &NluConfig::new(Language::It)).unwrap();
    assert_eq!(top(&model, "lo stato dei miei ordini"), "stato_ordine");
    assert_eq!(
        top(&model, "perche non e arrivato il pacco"),
        "stato_ordine"
    );
    assert_eq!(top(&model, "orario di apertura"), "orari");
}

#[test]
fn bad_training_sets_are_refused() {
    let config = NluConfig::new(Language::En);
    assert_eq!(
        IntentModel::train(&[], &config).unwrap_err(),
        NluError::NoExamples
    );
    let only_oos = [TrainingExample::new("anything", OUT_OF_SCOPE_INTENT)];
    assert_eq!(
        IntentModel::train(&only_oos, &config).unwrap_err(),
        NluError::NoExamples
    );
    let blank = [TrainingExample::new("hello", " ")];
    assert_eq!(
        IntentModel::train(&blank, &config).unwrap_err(),
        NluError::EmptyIntent { index: 0 }
    );
    let symbols = [TrainingExample::new("?!", "greet")];
    assert_eq!(
        IntentModel::train(&symbols, &config).unwrap_err(),
        NluError::NoUsableText
    );
    let bad_threshold = config.with_oos_threshold(f32::NAN);
    let ok = [TrainingExample::new("hello", "greet")];
    assert!(matches!(
        IntentModel::train(&ok, &bad_threshold),
        Err(NluError::InvalidThreshold(_))
    ));
}

#[test]
fn a_single_intent_with_one_example_still_trains() {
    let one = [TrainingExample::new("hello there", "greet")];
    let model = IntentModel::train(&one, &NluConfig::new(Language::En)).unwrap();
    assert_eq!(top(&model, "hello"), "greet");
    assert!(model.temperature() > 0.0);
}

#[test]
fn the_model_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + std::fmt::Debug>() {}
    assert_send_sync::<IntentModel>();
}

#[test]
fn a_text_given_under_two_intents_ranks_them_even() {
    let mut examples = shop_examples();
    examples.push(TrainingExample::new("my card", "block_card"));
    examples.push(TrainingExample::new("block my card", "block_card"));
    examples.push(TrainingExample::new("my card", "replace_card"));
    examples.push(TrainingExample::new("replace my card", "replace_card"));
    let model = IntentModel::train(&examples, &NluConfig::new(Language::En)).expect("trains");
    let result = model.classify("My card");
    let [first, second, ..] = result.ranked.as_slice() else {
        panic!("two candidates expected: {result:?}");
    };
    assert_eq!(
        (&*first.intent, &*second.intent),
        ("block_card", "replace_card"),
        "a tie lists the intents in name order"
    );
    assert_eq!(first.confidence, second.confidence);
    assert_eq!(top(&model, "please block my card"), "block_card");
}

#[test]
fn a_message_whose_only_known_words_are_function_words_is_out_of_scope() {
    let model = shop_model();
    // "is", "there", "can", "i", "by" are in the examples, "parking" and "card" are not.
    for text in ["is there parking", "can i pay by card", "please", "yes"] {
        let result = model.classify(text);
        assert!(
            !result.in_scope && result.ranked.is_empty(),
            "{text:?}: {result:?}"
        );
    }
    // One known content word is enough to be classified.
    assert_eq!(
        top(&model, "is there parking near the shop"),
        "opening_hours"
    );
}

#[test]
fn an_example_made_of_function_words_only_still_matches_itself() {
    let mut examples = shop_examples();
    examples.push(TrainingExample::new("yes please", "affirm"));
    examples.push(TrainingExample::new("yes I would", "affirm"));
    let model = IntentModel::train(&examples, &NluConfig::new(Language::En)).unwrap();
    let result = model.classify("Yes, please!");
    assert!(result.in_scope, "{result:?}");
    assert_eq!(top(&model, "Yes, please!"), "affirm");
    // The same function words in another order are not an example.
    assert!(model.classify("please yes").ranked.is_empty());
}
