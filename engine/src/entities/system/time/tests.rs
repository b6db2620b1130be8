//! Table-driven tests for `sys_time`, per language.

use jiff::civil::{Time, time as hms};

use super::time;
use crate::Language::{self, De, En, Es, Fr, It};

fn check(lang: Language, cases: &[(&str, Option<Time>)]) {
    for &(text, expected) in cases {
        assert_eq!(time(text, lang), expected, "{lang}: {text:?}");
    }
}

fn at(hour: i8, minute: i8) -> Option<Time> {
    Some(hms(hour, minute, 0, 0))
}

#[test]
fn digit_clocks_work_in_every_language() {
    for lang in Language::ALL {
        check(
            lang,
            &[
                ("14:30", at(14, 30)),
                ("9:05", at(9, 5)),
                ("23:59:30", Some(hms(23, 59, 30, 0))),
                ("14h30", at(14, 30)),
                ("14h", at(14, 0)),
                ("(14:30)", at(14, 30)),
                ("24:00", None),
                ("14:60", None),
                ("25h", None),
            ],
        );
    }
}

#[test]
fn english_times() {
    check(
        En,
        &[
            ("2pm", at(14, 0)),
            ("2 pm", at(14, 0)),
            ("2:30 pm", at(14, 30)),
            ("2:30PM", at(14, 30)),
            ("2 p.m.", at(14, 0)),
            ("12am", at(0, 0)),
            ("12 pm", at(12, 0)),
            ("11 a.m.", at(11, 0)),
            ("13pm", None),
            ("at 3", at(3, 0)),
            ("at three pm", at(15, 0)),
            ("3 o'clock", at(3, 0)),
            ("at 5 in the afternoon", at(17, 0)),
            ("half past 2", at(2, 30)),
            ("quarter to 3", at(2, 45)),
            ("noon", at(12, 0)),
            ("at midnight", at(0, 0)),
            ("15", at(15, 0)),
            ("I have 3 kids", None),
            ("1.5 kg", None),
        ],
    );
}

#[test]
fn italian_times() {
    check(
        It,
        &[
            ("alle 15", at(15, 0)),
            ("alle 15:30", at(15, 30)),
            ("alle 9.30", at(9, 30)),
            ("alle tre", at(3, 0)),
            ("alle 3 di pomeriggio", at(15, 0)),
            ("alle 3 e mezza", at(3, 30)),
            ("alle tre e un quarto", at(3, 15)),
            ("alle 4 meno un quarto", at(3, 45)),
            ("alle 4 meno 10", at(3, 50)),
            ("alle 3 e 20", at(3, 20)),
            ("all'una", at(1, 0)),
            ("ore 18", at(18, 0)),
            ("a mezzogiorno", at(12, 0)),
            ("mezzanotte", at(0, 0)),
            ("domani alle 10 del mattino", at(10, 0)),
            ("siamo in 3", None),
            ("tre", at(3, 0)),
        ],
    );
}

#[test]
fn german_times() {
    check(
        De,
        &[
            ("um 15 Uhr", at(15, 0)),
            ("15 Uhr 30", at(15, 30)),
            ("um 15", at(15, 0)),
            ("um 8 Uhr abends", at(20, 0)),
            ("halb drei", at(2, 30)),
            ("viertel nach drei", at(3, 15)),
            ("viertel vor drei", at(2, 45)),
            ("Mittag", at(12, 0)),
            ("um Mitternacht", at(0, 0)),
            ("14:30 Uhr", at(14, 30)),
            ("3 am Montag", None),
            ("drei Kinder", None),
        ],
    );
}

#[test]
fn french_times() {
    check(
        Fr,
        &[
            ("15h", at(15, 0)),
            ("à 15h30", at(15, 30)),
            ("15 heures", at(15, 0)),
            ("15 h 20", at(15, 20)),
            ("trois heures et demie", at(3, 30)),
            ("trois heures et quart", at(3, 15)),
            ("quatre heures moins le quart", at(3, 45)),
            ("vers 8 heures du soir", at(20, 0)),
            ("une heure", at(1, 0)),
            ("midi", at(12, 0)),
            ("minuit", at(0, 0)),
            ("il a 3 enfants", None),
        ],
    );
}

#[test]
fn spanish_times() {
    check(
        Es,
        &[
            ("a las 15", at(15, 0)),
            ("a las tres y media", at(3, 30)),
            ("a las 3 y cuarto", at(3, 15)),
            ("a las 4 menos cuarto", at(3, 45)),
            ("a la una", at(1, 0)),
            ("a las 5 de la tarde", at(17, 0)),
            ("a las 10 de la mañana", at(10, 0)),
            ("a las 3 y 20", at(3, 20)),
            ("15:00 horas", at(15, 0)),
            ("mediodía", at(12, 0)),
            ("medianoche", at(0, 0)),
            ("tengo 3 hijos", None),
        ],
    );
}

#[test]
fn hostile_inputs_are_bounded_and_never_panic() {
    let long = format!("{} 14:30", "x ".repeat(500_000));
    assert_eq!(time(&long, En), None, "only the first 4 KiB are scanned");
    assert_eq!(time("\u{0}14:30\u{7}", It), at(14, 30));
    for text in [
        "99:99", ":::", "h", "pm", "alle", "12:", "a.m.", "alle 99", "halb",
    ] {
        for lang in Language::ALL {
            let _ = time(text, lang);
        }
    }
}
