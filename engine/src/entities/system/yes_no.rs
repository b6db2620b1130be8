//! `sys_yes_no`: agreement or refusal.
//!
//! Each language has yes words (`yes, yeah, sure, ok`, `sì, certo, va bene`, `ja, genau,
//! klar`, `oui, d'accord, bien sûr`, `sí, claro, vale`), no words (`no, nope, not, never`,
//! `no, non, mai`, `nein, nicht, nö`, `non, pas, jamais`, `no, nunca, para nada`) and
//! phrases that look like one but mean the other or neither: `no problem`, `why not`,
//! `warum nicht`, `pourquoi pas`, `nessun problema` are yes; `not sure`, `non lo so`,
//! `keine Ahnung`, `je ne sais pas`, `no sé`, `maybe` are neither. Longer phrases win over
//! the words inside them. 👍 is yes and 👎 is no. When an answer holds both a yes and a
//! no (`yes, no wait`, `sì ma non oggi`), the no wins: refusing wrongly is cheaper than
//! agreeing wrongly.

use std::ops::Range;

use super::text::{Token, match_any, scan_window, tokenize};
use crate::Language;

/// The phrases of one language.
struct YesNoWords {
    yes: &'static [&'static str],
    no: &'static [&'static str],
    neither: &'static [&'static str],
}

#[rustfmt::skip]
const EN: YesNoWords = YesNoWords {
    yes: &[
        "yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "of course", "absolutely",
        "definitely", "correct", "affirmative", "certainly", "indeed", "alright", "all right",
        "sounds good", "why not", "no problem", "go ahead", "please do", "that's right",
    ],
    no: &[
        "no", "nope", "nah", "not", "never", "negative", "no way", "don't", "dont",
        "no thanks", "no thank you",
    ],
    neither: &[
        "not sure", "don't know", "dont know", "no idea", "maybe", "perhaps", "not yet sure",
    ],
};

#[rustfmt::skip]
const IT: YesNoWords = YesNoWords {
    yes: &[
        "si", "certo", "certamente", "va bene", "ok", "okay", "esatto", "esattamente",
        "giusto", "d'accordo", "daccordo", "volentieri", "assolutamente", "perche no",
        "nessun problema", "come no", "confermo", "sicuro", "senz'altro",
    ],
    no: &["no", "non", "mai", "per niente", "neanche", "nemmeno", "affatto", "no grazie"],
    neither: &["non so", "non lo so", "forse", "boh", "non saprei", "chissa"],
};

#[rustfmt::skip]
const DE: YesNoWords = YesNoWords {
    yes: &[
        "ja", "jawohl", "jap", "jo", "genau", "klar", "na klar", "sicher", "gerne", "gern",
        "ok", "okay", "in ordnung", "richtig", "stimmt", "einverstanden", "kein problem",
        "warum nicht", "auf jeden fall", "naturlich", "selbstverstandlich", "passt",
    ],
    no: &[
        "nein", "nee", "no", "nicht", "niemals", "nie", "auf keinen fall", "keinesfalls",
        "lieber nicht", "nein danke",
    ],
    neither: &["weiss nicht", "weiss ich nicht", "vielleicht", "keine ahnung", "mal sehen"],
};

#[rustfmt::skip]
const FR: YesNoWords = YesNoWords {
    yes: &[
        "oui", "ouais", "bien sur", "d'accord", "daccord", "ok", "okay", "exactement",
        "tout a fait", "certainement", "volontiers", "pas de probleme", "pourquoi pas",
        "absolument", "avec plaisir", "ca marche", "c'est bon", "bien entendu", "evidemment",
    ],
    no: &[
        "non", "pas", "jamais", "pas du tout", "absolument pas", "non merci", "nan",
        "surtout pas",
    ],
    neither: &[
        "je ne sais pas", "je sais pas", "sais pas", "peut etre", "aucune idee", "bof",
    ],
};

#[rustfmt::skip]
const ES: YesNoWords = YesNoWords {
    yes: &[
        "si", "claro", "claro que si", "vale", "ok", "okay", "de acuerdo", "por supuesto",
        "correcto", "exacto", "cierto", "perfecto", "por que no", "sin problema",
        "no hay problema", "ningun problema", "desde luego", "como no", "con gusto", "dale",
    ],
    no: &[
        "no", "nunca", "jamas", "para nada", "de ninguna manera", "claro que no",
        "no gracias", "tampoco", "en absoluto",
    ],
    neither: &["no se", "no lo se", "quizas", "quiza", "tal vez", "a lo mejor", "ni idea"],
};

fn words(lang: Language) -> &'static YesNoWords {
    match lang {
        Language::En => &EN,
        Language::It => &IT,
        Language::De => &DE,
        Language::Fr => &FR,
        Language::Es => &ES,
    }
}

/// Whether `text` agrees (`Some(true)`), refuses (`Some(false)`) or neither (`None`).
pub fn yes_no(text: &str, lang: Language) -> Option<bool> {
    find(&tokenize(scan_window(text)), lang).map(|(answer, _)| answer)
}

/// The answer in `tokens` with the span of the word that decided it.
pub(super) fn find(tokens: &[Token<'_>], lang: Language) -> Option<(bool, Range<usize>)> {
    let words = words(lang);
    let mut first_yes = None;
    let mut first_no = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if token.raw.starts_with('\u{1F44D}') {
            first_yes = first_yes.or(Some(token.span.clone()));
        } else if token.raw.starts_with('\u{1F44E}') {
            first_no = first_no.or(Some(token.span.clone()));
        }
        let longest = [
            (Some(true), match_any(tokens, i, words.yes.iter().copied())),
            (Some(false), match_any(tokens, i, words.no.iter().copied())),
            (None, match_any(tokens, i, words.neither.iter().copied())),
        ]
        .into_iter()
        .filter_map(|(answer, found)| found.map(|(_, end)| (answer, end)))
        .max_by_key(|&(answer, end)| (end, answer.is_none()));
        let Some((answer, end)) = longest else {
            i += 1;
            continue;
        };
        let span = token.span.start..tokens[end - 1].span.end;
        match answer {
            Some(true) => first_yes = first_yes.or(Some(span)),
            Some(false) => first_no = first_no.or(Some(span)),
            None => {}
        }
        i = end;
    }
    first_no
        .map(|span| (false, span))
        .or_else(|| first_yes.map(|span| (true, span)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language::{De, En, Es, Fr, It};

    fn check(lang: Language, cases: &[(&str, Option<bool>)]) {
        for &(text, expected) in cases {
            assert_eq!(yes_no(text, lang), expected, "{lang}: {text:?}");
        }
    }

    #[test]
    fn english_answers() {
        check(
            En,
            &[
                ("yes", Some(true)),
                ("Yeah sure!", Some(true)),
                ("ok", Some(true)),
                ("of course", Some(true)),
                ("no problem", Some(true)),
                ("why not", Some(true)),
                ("no", Some(false)),
                ("nope", Some(false)),
                ("I don't want it", Some(false)),
                ("yes, no wait", Some(false)),
                ("not sure", None),
                ("maybe", None),
                ("what time is it", None),
                ("👍", Some(true)),
                ("👎", Some(false)),
            ],
        );
    }

    #[test]
    fn italian_answers() {
        check(
            It,
            &[
                ("sì", Some(true)),
                ("si", Some(true)),
                ("certo", Some(true)),
                ("va bene", Some(true)),
                ("d'accordo", Some(true)),
                ("nessun problema", Some(true)),
                ("perché no", Some(true)),
                ("no", Some(false)),
                ("no grazie", Some(false)),
                ("sì ma non oggi", Some(false)),
                ("assolutamente no", Some(false)),
                ("non lo so", None),
                ("forse", None),
                ("ciao", None),
            ],
        );
    }

    #[test]
    fn german_answers() {
        check(
            De,
            &[
                ("ja", Some(true)),
                ("Genau", Some(true)),
                ("na klar", Some(true)),
                ("kein Problem", Some(true)),
                ("warum nicht", Some(true)),
                ("nein", Some(false)),
                ("nö", Some(false)),
                ("auf keinen Fall", Some(false)),
                ("ja, aber nicht heute", Some(false)),
                ("keine Ahnung", None),
                ("vielleicht", None),
            ],
        );
    }

    #[test]
    fn french_answers() {
        check(
            Fr,
            &[
                ("oui", Some(true)),
                ("d'accord", Some(true)),
                ("D’accord", Some(true)),
                ("bien sûr", Some(true)),
                ("pourquoi pas", Some(true)),
                ("pas de problème", Some(true)),
                ("non", Some(false)),
                ("pas du tout", Some(false)),
                ("non merci", Some(false)),
                ("je ne sais pas", None),
                ("peut-être", None),
            ],
        );
    }

    #[test]
    fn spanish_answers() {
        check(
            Es,
            &[
                ("sí", Some(true)),
                ("claro", Some(true)),
                ("vale", Some(true)),
                ("de acuerdo", Some(true)),
                ("claro que sí", Some(true)),
                ("no hay problema", Some(true)),
                ("no", Some(false)),
                ("claro que no", Some(false)),
                ("para nada", Some(false)),
                ("no sé", None),
                ("tal vez", None),
            ],
        );
    }

    #[test]
    fn the_deciding_phrase_is_the_span() {
        let tokens = tokenize("well, yes but no thanks");
        let (answer, span) = find(&tokens, En).unwrap();
        assert!(!answer);
        assert_eq!(span, 14..23);
    }

    #[test]
    fn huge_and_control_inputs_are_bounded() {
        assert_eq!(yes_no(&format!("{} no", "x ".repeat(500_000)), En), None);
        assert_eq!(yes_no("\u{0}ja\u{7}", De), Some(true));
    }
}
