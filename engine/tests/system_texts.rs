//! Every system text the engine uses exists in every shipped locale, no locale has a text
//! the engine does not use, and every text formats with the engine's arguments.

use std::collections::BTreeSet;
use std::path::Path;

use staffetta_engine::i18n::{Arg, FtlSource, Localizer, MessageKey};

const LOCALES: [&str; 5] = ["en", "it", "de", "fr", "es"];

fn engine_ftl(locale: &str) -> FtlSource {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../locales")
        .join(locale)
        .join("engine.ftl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    FtlSource {
        locale: locale.to_owned(),
        path,
        text,
    }
}

#[test]
fn every_locale_defines_exactly_the_keys_the_engine_uses() {
    let used: BTreeSet<String> = MessageKey::ALL.iter().map(|k| k.id().to_owned()).collect();
    let localizer = Localizer::from_sources(LOCALES.map(engine_ftl)).expect("every file parses");
    for locale in LOCALES {
        let defined = localizer.message_ids(locale).cloned().unwrap_or_default();
        let missing: Vec<_> = used.difference(&defined).collect();
        let unused: Vec<_> = defined.difference(&used).collect();
        assert!(
            missing.is_empty(),
            "locales/{locale}/engine.ftl lacks {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "locales/{locale}/engine.ftl has unused {unused:?}"
        );
    }
}

#[test]
fn every_text_formats_without_missing_arguments() {
    let localizer = Localizer::from_sources(LOCALES.map(engine_ftl)).expect("every file parses");
    let args = [
        ("min", Arg::Str("1")),
        ("max", Arg::Str("4")),
        ("first", Arg::Str("A")),
        ("last", Arg::Str("B")),
        ("count", Arg::Num(2.0)),
        ("topic", Arg::Str("T")),
        ("minutes", Arg::Num(1.0)),
        ("seconds", Arg::Num(15.0)),
        ("limit", Arg::Num(2000.0)),
        ("title", Arg::Str("Map")),
        ("year", Arg::Num(2026.0)),
        ("month", Arg::Num(3.0)),
        ("day", Arg::Num(9.0)),
        ("weekday", Arg::Num(1.0)),
        ("days", Arg::Str("Monday, Tuesday")),
    ];
    for locale in LOCALES {
        for key in MessageKey::ALL {
            let text = localizer.format(locale, *key, &args);
            assert!(
                !text.contains('{') && !text.contains('}') && !text.is_empty(),
                "{locale} {}: {text:?}",
                key.id()
            );
        }
    }
}

#[test]
fn dates_read_naturally_in_each_language() {
    let localizer = Localizer::from_sources(LOCALES.map(engine_ftl)).expect("every file parses");
    let date = |locale| {
        localizer.format(
            locale,
            MessageKey::Date,
            &[
                ("year", Arg::Num(2026.0)),
                ("month", Arg::Num(3.0)),
                ("day", Arg::Num(9.0)),
                ("weekday", Arg::Num(1.0)),
            ],
        )
    };
    assert_eq!(date("en"), "Monday, March 9, 2026");
    assert_eq!(date("it"), "lunedì 9 marzo 2026");
    assert_eq!(date("de"), "Montag, 9. März 2026");
    assert_eq!(date("fr"), "lundi 9 mars 2026");
    assert_eq!(date("es"), "lunes, 9 de marzo de 2026");
}
