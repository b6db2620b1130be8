//! One full visitor turn on the demo dialog: clean the input, find entities, classify the
//! intent, run the action and render its texts to safe HTML.
//!
//! Run with `cargo bench -p staffetta-engine --bench turn`. Target: median <= 50 µs.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use staffetta_engine::dialog::{Dialog, LoadOptions, load_dir_with};
use staffetta_engine::i18n::Localizer;
use staffetta_engine::session::IdleConfig;
use staffetta_engine::{Input, Session, StepContext, step};

fn demo() -> (std::sync::Arc<Dialog>, Localizer) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let localizer = Localizer::load_dir(&root.join("locales")).expect("locales load");
    let set = load_dir_with(
        &root.join("dialogs/bottega-aurora"),
        &LoadOptions::default(),
    )
    .expect("the demo dialog loads");
    let dialog = set.get("bottega-aurora").expect("demo").clone();
    (dialog, localizer)
}

fn turns(c: &mut Criterion) {
    let (dialog, localizer) = demo();
    let now = Timestamp::from_second(1_772_442_000).expect("valid");
    let hosts = dialog.iframe_hosts().to_vec();
    let context = |locale| StepContext {
        locale,
        today: jiff::civil::date(2026, 3, 2),
        localizer: &localizer,
        iframe_hosts: &hosts,
        idle: dialog.idle_config(IdleConfig::default()),
    };
    let (en, it) = (context("en"), context("it"));
    let started = step(now, Session::new(now, &dialog), &dialog, Input::Start, &en).0;
    let cases: [(&str, &StepContext<'_>, &str); 3] = [
        (
            "en_opening_hours",
            &en,
            "what time do you open on saturday?",
        ),
        (
            "en_order_status_prefilled",
            &en,
            "where is my order AB-12345? it's late",
        ),
        ("it_fallback", &it, "che tempo fa a Bologna domani?"),
    ];
    let mut group = c.benchmark_group("turn");
    for (name, ctx, text) in cases {
        group.bench_function(name, |b| {
            b.iter_batched(
                || started.clone(),
                |session| {
                    let input = Input::Text(text.to_owned());
                    black_box(step(now, session, &dialog, input, ctx))
                },
                BatchSize::SmallInput,
            );
        });
    }
    let asking = step(
        now,
        started.clone(),
        &dialog,
        Input::Option("book_appointment".to_owned()),
        &it,
    )
    .0;
    group.bench_function("it_answer_date", |b| {
        b.iter_batched(
            || asking.clone(),
            |session| {
                let input = Input::Date(jiff::civil::date(2026, 3, 5));
                black_box(step(now, session, &dialog, input, &it))
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, turns);
criterion_main!(benches);
