//! Table-driven tests for `sys_date`, per language, with today fixed to Saturday 2026-11-21.

use jiff::civil::{Date, date as ymd};

use super::date;
use crate::Language::{self, De, En, Es, Fr, It};

const TODAY: Date = ymd(2026, 11, 21);

fn check(lang: Language, cases: &[(&str, Option<Date>)]) {
    for &(text, expected) in cases {
        assert_eq!(date(text, lang, TODAY), expected, "{lang}: {text:?}");
    }
}

fn nov(day: i8) -> Option<Date> {
    Some(ymd(2026, 11, day))
}

fn dec(day: i8) -> Option<Date> {
    Some(ymd(2026, 12, day))
}

#[test]
fn today_is_a_saturday() {
    assert_eq!(TODAY.weekday(), jiff::civil::Weekday::Saturday);
}

#[test]
fn english_numeric_dates_are_day_first_unless_only_the_us_order_fits() {
    check(
        En,
        &[
            ("2026-11-21", nov(21)),
            ("on 2026/12/01 please", dec(1)),
            ("21/11/2026", nov(21)),
            ("11/21/2026", nov(21)),
            ("03/04/2027", Some(ymd(2027, 4, 3))),
            ("21/12", dec(21)),
            ("21/11", nov(21)),
            ("20/11", Some(ymd(2027, 11, 20))),
            ("1/2", Some(ymd(2027, 2, 1))),
            ("21/11/26", nov(21)),
            ("21-11-2026", nov(21)),
            ("31/02/2026", None),
            ("32/01/2026", None),
            ("2026-02-30", None),
            ("29/02", Some(ymd(2028, 2, 29))),
        ],
    );
}

#[test]
fn english_numbers_that_are_not_dates_stay_undated() {
    check(
        En,
        &[
            ("1.5 kg", None),
            ("version 1.2.3", None),
            ("ping 10.0.0.1", None),
            ("3-4 people", None),
            ("I may come", None),
            ("", None),
        ],
    );
}

#[test]
fn english_written_relative_and_weekday_dates() {
    check(
        En,
        &[
            ("21 November 2026", nov(21)),
            ("November 21st, 2026", nov(21)),
            ("the 1st of December", dec(1)),
            ("Dec. 25", dec(25)),
            ("first of march", Some(ymd(2027, 3, 1))),
            ("today", nov(21)),
            ("Tomorrow at 3", nov(22)),
            ("the day after tomorrow", nov(23)),
            ("yesterday", nov(20)),
            ("next Monday", nov(23)),
            ("Monday", nov(23)),
            ("on Friday", nov(27)),
            ("Saturday", nov(28)),
            ("last Monday", nov(16)),
            ("in 3 days", nov(24)),
            ("in a week", nov(28)),
            ("in two weeks", dec(5)),
            ("3 days ago", nov(18)),
            ("in 1 month", dec(21)),
            ("2 days from now", nov(23)),
        ],
    );
}

#[test]
fn italian_dates() {
    check(
        It,
        &[
            ("21/11/2026", nov(21)),
            ("il 21.11.2026", nov(21)),
            ("21 novembre 2026", nov(21)),
            ("21 novembre", nov(21)),
            ("1° dicembre", dec(1)),
            ("il primo dicembre", dec(1)),
            ("lunedì 23 novembre", nov(23)),
            ("25 dic.", dec(25)),
            ("oggi", nov(21)),
            ("domani", nov(22)),
            ("dopodomani", nov(23)),
            ("dopo domani", nov(23)),
            ("ieri", nov(20)),
            ("l'altro ieri", nov(19)),
            ("lunedì prossimo", nov(23)),
            ("il prossimo lunedì", nov(23)),
            ("lunedi", nov(23)),
            ("venerdì scorso", nov(20)),
            ("tra 3 giorni", nov(24)),
            ("fra una settimana", nov(28)),
            ("tra due mesi", Some(ymd(2027, 1, 21))),
            ("3 giorni fa", nov(18)),
            ("31/02/2026", None),
            ("30 febbraio", None),
            ("costa 1.5 euro", None),
        ],
    );
}

#[test]
fn german_dates() {
    check(
        De,
        &[
            ("21.11.2026", nov(21)),
            ("am 21.11.", nov(21)),
            ("21. November 2026", nov(21)),
            ("1. Dezember", dec(1)),
            ("am Montag, 30. November", nov(30)),
            ("3. März", Some(ymd(2027, 3, 3))),
            ("heute", nov(21)),
            ("morgen", nov(22)),
            ("übermorgen", nov(23)),
            ("uebermorgen", nov(23)),
            ("gestern", nov(20)),
            ("vorgestern", nov(19)),
            ("nächsten Montag", nov(23)),
            ("am Montag", nov(23)),
            ("Montag", nov(23)),
            ("letzten Freitag", nov(20)),
            ("in 3 Tagen", nov(24)),
            ("in einer Woche", nov(28)),
            ("vor 2 Tagen", nov(19)),
            ("Guten Morgen", None),
            ("morgen früh", nov(22)),
            ("31.04.2027", None),
        ],
    );
}

#[test]
fn french_dates() {
    check(
        Fr,
        &[
            ("21/11/2026", nov(21)),
            ("21 novembre 2026", nov(21)),
            ("le 1er décembre", dec(1)),
            ("le premier décembre", dec(1)),
            ("aujourd'hui", nov(21)),
            ("aujourd’hui", nov(21)),
            ("demain", nov(22)),
            ("après-demain", nov(23)),
            ("apres demain", nov(23)),
            ("hier", nov(20)),
            ("avant-hier", nov(19)),
            ("lundi prochain", nov(23)),
            ("lundi", nov(23)),
            ("vendredi dernier", nov(20)),
            ("dans 3 jours", nov(24)),
            ("dans une semaine", nov(28)),
            ("il y a 2 jours", nov(19)),
            ("30 février 2027", None),
        ],
    );
}

#[test]
fn spanish_dates() {
    check(
        Es,
        &[
            ("21/11/2026", nov(21)),
            ("21 de noviembre de 2026", nov(21)),
            ("1 de diciembre", dec(1)),
            ("primero de diciembre", dec(1)),
            ("el viernes 27 de noviembre", nov(27)),
            ("hoy", nov(21)),
            ("mañana", nov(22)),
            ("manana", nov(22)),
            ("pasado mañana", nov(23)),
            ("ayer", nov(20)),
            ("anteayer", nov(19)),
            ("el próximo lunes", nov(23)),
            ("el lunes que viene", nov(23)),
            ("lunes", nov(23)),
            ("el viernes pasado", nov(20)),
            ("en 3 días", nov(24)),
            ("dentro de 2 semanas", dec(5)),
            ("hace 3 días", nov(18)),
            ("por la mañana", None),
            ("mañana por la mañana", nov(22)),
        ],
    );
}

#[test]
fn hostile_inputs_are_bounded_and_never_panic() {
    let long = format!("{} tomorrow", "x ".repeat(500_000));
    assert_eq!(
        date(&long, En, TODAY),
        None,
        "only the first 4 KiB are scanned"
    );
    assert_eq!(date("\u{0}domani\u{7}", It, TODAY), nov(22));
    for text in [
        "9999999/99/99",
        "0/0/0",
        "00/00",
        "99.99.",
        "in 9999 months",
        "9999 days ago",
    ] {
        for lang in Language::ALL {
            let _ = date(text, lang, TODAY);
        }
    }
    assert_eq!(date("in 9999 months", En, TODAY), Some(ymd(2860, 2, 21)));
    assert_eq!(
        date("9999-12-31", En, ymd(9999, 12, 31)),
        Some(ymd(9999, 12, 31))
    );
    assert_eq!(date("tomorrow", En, ymd(9999, 12, 31)), None);
    assert_eq!(
        date("31/12", En, ymd(9999, 12, 31)),
        Some(ymd(9999, 12, 31))
    );
}
