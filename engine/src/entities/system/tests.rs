//! Tests for the combined extraction and the entity kind names.

use jiff::civil::{Date, date as ymd, time as hms};

use super::*;
use crate::Language::{De, En, Es, Fr, It};

const TODAY: Date = ymd(2026, 11, 21);

/// The kinds, the spanned texts and the values of every entity in `text`.
fn extract(text: &str, lang: Language) -> Vec<(SystemEntityKind, &str, SystemValue)> {
    extract_all(text, lang, TODAY)
        .into_iter()
        .map(|e| (e.kind, &text[e.span], e.value))
        .collect()
}

#[test]
fn kinds_parse_from_their_dialog_names_and_display_them() {
    for kind in SystemEntityKind::ALL {
        assert_eq!(kind.name().parse::<SystemEntityKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    assert_eq!("sys_yes_no".parse(), Ok(SystemEntityKind::YesNo));
    let error = "sys_colour".parse::<SystemEntityKind>().unwrap_err();
    assert_eq!(error.name, "sys_colour");
    assert!("SYS_DATE".parse::<SystemEntityKind>().is_err());
    assert!("number".parse::<SystemEntityKind>().is_err());
}

#[test]
fn a_booking_request_yields_a_number_a_date_and_a_time() {
    use SystemEntityKind::{Date, Number, Time};
    assert_eq!(
        extract("a table for 4 tomorrow at 8pm", En),
        vec![
            (Number, "4", SystemValue::Number(4.0)),
            (Date, "tomorrow", SystemValue::Date(ymd(2026, 11, 22))),
            (Time, "at 8pm", SystemValue::Time(hms(20, 0, 0, 0))),
        ]
    );
}

#[test]
fn numbers_inside_dates_times_and_offsets_are_not_reported_again() {
    use SystemEntityKind::{Date, Time};
    assert_eq!(
        extract("il 21/11/2026 alle 14:30", It),
        vec![
            (Date, "21/11/2026", SystemValue::Date(ymd(2026, 11, 21))),
            (Time, "alle 14:30", SystemValue::Time(hms(14, 30, 0, 0))),
        ]
    );
    assert_eq!(
        extract("tra 3 giorni", It),
        vec![(Date, "tra 3 giorni", SystemValue::Date(ymd(2026, 11, 24)))]
    );
}

#[test]
fn contact_details_are_found_in_one_message() {
    use SystemEntityKind::{Email, Phone};
    assert_eq!(
        extract(
            "Sí, escribe a ana@example.es o llama al +34 612 345 678",
            Es
        ),
        vec![
            (SystemEntityKind::YesNo, "Sí", SystemValue::YesNo(true)),
            (
                Email,
                "ana@example.es",
                SystemValue::Email("ana@example.es".to_owned())
            ),
            (
                Phone,
                "+34 612 345 678",
                SystemValue::Phone("+34612345678".to_owned())
            ),
        ]
    );
}

#[test]
fn a_weekday_before_a_written_date_is_part_of_that_date() {
    assert_eq!(
        extract(
            "el viernes 27 de noviembre a las cinco y media de la tarde",
            Es
        ),
        vec![
            (
                SystemEntityKind::Date,
                "el viernes 27 de noviembre",
                SystemValue::Date(ymd(2026, 11, 27))
            ),
            (
                SystemEntityKind::Time,
                "a las cinco y media de la tarde",
                SystemValue::Time(hms(17, 30, 0, 0))
            ),
        ]
    );
}

#[test]
fn a_plain_digit_run_is_both_a_phone_and_a_number() {
    let found = extract("12345678", De);
    let kinds: Vec<SystemEntityKind> = found.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(kinds, [SystemEntityKind::Number, SystemEntityKind::Phone]);
}

#[test]
fn yes_no_is_reported_once_with_negation_winning() {
    assert_eq!(
        extract("oui, enfin non", Fr),
        vec![(SystemEntityKind::YesNo, "non", SystemValue::YesNo(false))]
    );
}

#[test]
fn a_bare_hour_is_a_number_not_a_time_in_a_sentence() {
    assert_eq!(
        extract("3", En),
        vec![(SystemEntityKind::Number, "3", SystemValue::Number(3.0))]
    );
    assert_eq!(time("3", En), Some(hms(3, 0, 0, 0)));
}

#[test]
fn values_report_their_kind() {
    assert_eq!(SystemValue::Number(1.0).kind(), SystemEntityKind::Number);
    assert_eq!(SystemValue::YesNo(true).kind(), SystemEntityKind::YesNo);
    assert_eq!(
        SystemValue::Phone(String::new()).kind(),
        SystemEntityKind::Phone
    );
}

#[test]
fn megabyte_and_control_character_messages_are_scanned_only_at_their_start() {
    let mut text = String::from("domani\u{0}\u{1b} alle 15 ");
    text.push_str(&"\u{7}x@y ".repeat(250_000));
    let found = extract_all(&text, It, TODAY);
    assert!(found.iter().all(|e| e.span.end <= SCAN_LIMIT_BYTES));
    assert_eq!(found[0].value, SystemValue::Date(ymd(2026, 11, 22)));
    assert_eq!(found[1].value, SystemValue::Time(hms(15, 0, 0, 0)));
}

#[test]
fn every_language_survives_hostile_fragments() {
    let fragments = [
        "", "\u{0}", "-", "--1", "1..2", "::", "@@", "++", "º", "' ' '", "é",
    ];
    for lang in Language::ALL {
        for a in fragments {
            for b in fragments {
                let text = format!("{a}{b}1{a}2{b}");
                let _ = extract_all(&text, lang, TODAY);
            }
        }
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&str] = &[
        "1",
        "21",
        "2026",
        "/",
        ".",
        ",",
        "-",
        ":",
        "h",
        "pm",
        "am",
        " ",
        "\u{0}",
        "é",
        "@",
        "+",
        "(",
        ")",
        "tomorrow",
        "domani",
        "morgen",
        "lunedì",
        "next",
        "in",
        "3",
        "days",
        "alle",
        "um",
        "Uhr",
        "a las",
        "y media",
        "e",
        "und",
        "zwanzig",
        "vingt",
        "et",
        "un",
        "no",
        "sì",
        "x@y.example",
        "+39",
        "'",
        "’",
        "º",
        "°",
        "\u{202f}",
    ];

    fn pieces() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
    }

    fn check_spans(text: &str) -> Result<(), TestCaseError> {
        for lang in Language::ALL {
            let found = extract_all(text, lang, TODAY);
            for pair in found.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                let same_digits = a.span == b.span
                    && a.kind == SystemEntityKind::Number
                    && b.kind == SystemEntityKind::Phone;
                prop_assert!(a.span.end <= b.span.start || same_digits, "{found:?}");
            }
            for entity in &found {
                prop_assert!(text.get(entity.span.clone()).is_some(), "{entity:?}");
                prop_assert_eq!(entity.kind, entity.value.kind());
            }
            let _ = (
                number(text, lang),
                date(text, lang, TODAY),
                time(text, lang),
            );
            let _ = (email(text), phone(text), yes_no(text, lang));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn entities_never_overlap_and_spans_are_char_boundaries(text in any::<String>()) {
            check_spans(&text)?;
        }

        #[test]
        fn entity_shaped_fragments_never_overlap_or_panic(text in pieces()) {
            check_spans(&text)?;
        }
    }
}
