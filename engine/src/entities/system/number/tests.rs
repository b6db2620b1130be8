//! Table-driven tests for `sys_number`, per language.

use super::number;
use crate::Language::{self, De, En, Es, Fr, It};

fn check(lang: Language, cases: &[(&str, Option<f64>)]) {
    for &(text, expected) in cases {
        assert_eq!(number(text, lang), expected, "{lang}: {text:?}");
    }
}

#[test]
fn english_digits_use_comma_grouping_and_point_decimals() {
    check(
        En,
        &[
            ("42", Some(42.0)),
            ("I need 3 tickets", Some(3.0)),
            ("1,234.5", Some(1234.5)),
            ("1,234,567", Some(1_234_567.0)),
            ("1.5 kg", Some(1.5)),
            ("1,5", Some(1.5)),
            ("-7 degrees", Some(-7.0)),
            ("costs −12", Some(-12.0)),
            ("12345.67", Some(12345.67)),
            ("order AB123", None),
            ("no digits here", None),
            ("", None),
        ],
    );
}

#[test]
fn english_words_cover_units_teens_tens_hundreds_and_thousands() {
    check(
        En,
        &[
            ("zero", Some(0.0)),
            ("seven", Some(7.0)),
            ("thirteen people", Some(13.0)),
            ("twenty one", Some(21.0)),
            ("twenty-one", Some(21.0)),
            ("ninety nine", Some(99.0)),
            ("a hundred", Some(100.0)),
            ("one hundred and five", Some(105.0)),
            ("two thousand twenty six", Some(2026.0)),
            ("three million", Some(3_000_000.0)),
            ("Twelve", Some(12.0)),
            ("I want a pizza", None),
            ("a", Some(1.0)),
        ],
    );
}

#[test]
fn english_number_words_do_not_merge_out_of_order() {
    check(En, &[("one two", Some(1.0)), ("three twenty", Some(3.0))]);
}

#[test]
fn italian_digits_use_point_grouping_and_comma_decimals() {
    check(
        It,
        &[
            ("1.234,5", Some(1234.5)),
            ("1.234", Some(1234.0)),
            ("2,75 euro", Some(2.75)),
            ("1.5", Some(1.5)),
            ("1.234.567", Some(1_234_567.0)),
            ("-3", Some(-3.0)),
            ("il 21.11.2026", Some(21.0)),
        ],
    );
}

#[test]
fn italian_words_cover_compounds_and_elisions() {
    check(
        It,
        &[
            ("tre", Some(3.0)),
            ("diciassette", Some(17.0)),
            ("ventitré", Some(23.0)),
            ("ventuno", Some(21.0)),
            ("trentotto", Some(38.0)),
            ("cento", Some(100.0)),
            ("centottanta", Some(180.0)),
            ("duecentocinquanta", Some(250.0)),
            ("mille", Some(1000.0)),
            ("duemilaventisei", Some(2026.0)),
            ("un milione", Some(1_000_000.0)),
            ("siamo in quattro", Some(4.0)),
            ("una", Some(1.0)),
            ("voglio una pizza", None),
            ("tremendo", None),
        ],
    );
}

#[test]
fn german_digits_and_words_put_units_before_tens() {
    check(
        De,
        &[
            ("1.234,5", Some(1234.5)),
            ("3,5 Stunden", Some(3.5)),
            ("drei", Some(3.0)),
            ("zwölf", Some(12.0)),
            ("dreiundzwanzig", Some(23.0)),
            ("einundzwanzig", Some(21.0)),
            ("Fünfzig", Some(50.0)),
            ("dreißig", Some(30.0)),
            ("zweihundertdreiundzwanzig", Some(223.0)),
            ("hundert", Some(100.0)),
            ("zweitausend", Some(2000.0)),
            ("eine Million", Some(1_000_000.0)),
            ("eine", Some(1.0)),
            ("ich habe eine Frage", None),
        ],
    );
}

#[test]
fn french_digits_group_with_spaces_and_words_count_in_twenties() {
    check(
        Fr,
        &[
            ("1 234,5", Some(1234.5)),
            ("2 500 euros", Some(2500.0)),
            ("1.234,5", Some(1234.5)),
            ("3,25", Some(3.25)),
            ("vingt et un", Some(21.0)),
            ("vingt-trois", Some(23.0)),
            ("dix-sept", Some(17.0)),
            ("soixante-dix", Some(70.0)),
            ("soixante et onze", Some(71.0)),
            ("quatre-vingts", Some(80.0)),
            ("quatre-vingt-dix-sept", Some(97.0)),
            ("septante", Some(70.0)),
            ("deux cents", Some(200.0)),
            ("mille deux cent", Some(1200.0)),
            ("un million", Some(1_000_000.0)),
            ("une", Some(1.0)),
            ("un rendez-vous", None),
        ],
    );
}

#[test]
fn spanish_digits_and_words_cover_veinti_compounds_and_hundreds() {
    check(
        Es,
        &[
            ("1.234,5", Some(1234.5)),
            ("0,5", Some(0.5)),
            ("dieciséis", Some(16.0)),
            ("veintitrés", Some(23.0)),
            ("veintiún", Some(21.0)),
            ("treinta y uno", Some(31.0)),
            ("cien", Some(100.0)),
            ("ciento cinco", Some(105.0)),
            ("quinientos", Some(500.0)),
            ("dos mil veintiséis", Some(2026.0)),
            ("un millón", Some(1_000_000.0)),
            ("una", Some(1.0)),
            ("quiero una mesa", None),
        ],
    );
}

#[test]
fn huge_or_hostile_inputs_are_bounded_and_never_panic() {
    let long = format!("{} 5", "x".repeat(1_000_000));
    assert_eq!(number(&long, En), None, "only the first 4 KiB are scanned");
    assert_eq!(number("\u{0}\u{7}12\u{1b}", En), Some(12.0));
    assert_eq!(number(&"9".repeat(5000), En), None);
    assert_eq!(number(&"9".repeat(32), En), Some(1e32 - 1.0));
    assert_eq!(number(&",".repeat(5000), It), None);
    assert_eq!(number(&"1.".repeat(2000), It), Some(1.0));
    assert!(number(&"vent".repeat(100), It).is_none());
}
