//! Time vocabulary per language: cues before an hour, suffixes, halves and quarters,
//! parts of the day, noon and midnight. Entries are folded and space separated.

use crate::Language;

/// The time words of one language.
#[derive(Debug)]
pub(super) struct TimeWords {
    /// Before an hour, making a bare hour a time (`at 3`, `alle 15`, `um 15`, `a las 3`).
    pub(super) cues: &'static [&'static str],
    /// Words that are "one o'clock" on their own (`all'una`).
    pub(super) one_oclock: &'static [&'static str],
    /// After an hour; `true` when minutes may follow (`15 Uhr 30`, `15 h 30`).
    pub(super) suffixes: &'static [(&'static str, bool)],
    /// After an hour: half past (`e mezza`, `et demie`, `y media`).
    pub(super) half_after: &'static [&'static str],
    /// After an hour: quarter past (`e un quarto`, `et quart`, `y cuarto`).
    pub(super) quarter_after: &'static [&'static str],
    /// After an hour: quarter to (`meno un quarto`, `moins le quart`, `menos cuarto`).
    pub(super) quarter_to: &'static [&'static str],
    /// After a cued hour, before minutes (`alle 3 e 20`, `a las 3 y 20`).
    pub(super) plus_minutes: &'static [&'static str],
    /// After a cued hour, before minutes to subtract (`alle 4 meno 10`).
    pub(super) minus_minutes: &'static [&'static str],
    /// Before an hour, with the minutes they add (`half past 2`, `halb drei` = 2:30).
    pub(super) before_hour: &'static [(&'static str, i32)],
    /// After a time: afternoon or evening, so 1-11 become 13-23.
    pub(super) pm_after: &'static [&'static str],
    /// After a time: morning, so 12 becomes 0.
    pub(super) am_after: &'static [&'static str],
    /// Words for 12:00.
    pub(super) noon: &'static [&'static str],
    /// Words for 00:00.
    pub(super) midnight: &'static [&'static str],
}

#[rustfmt::skip]
const EN: TimeWords = TimeWords {
    cues: &["at", "around", "at around", "about", "by", "from", "until", "till"],
    one_oclock: &[],
    suffixes: &[("o'clock", false), ("oclock", false)],
    half_after: &[],
    quarter_after: &[],
    quarter_to: &[],
    plus_minutes: &[],
    minus_minutes: &[],
    before_hour: &[
        ("half past", 30), ("quarter past", 15), ("a quarter past", 15), ("quarter to", -15),
        ("a quarter to", -15),
    ],
    pm_after: &[
        "in the afternoon", "in the evening", "at night", "tonight", "this afternoon",
        "this evening",
    ],
    am_after: &["in the morning", "this morning"],
    noon: &["noon", "midday"],
    midnight: &["midnight"],
};

#[rustfmt::skip]
const IT: TimeWords = TimeWords {
    cues: &["alle", "ore", "alle ore", "verso le", "dalle", "per le", "entro le", "dopo le"],
    one_oclock: &["all'una", "l'una"],
    suffixes: &[("in punto", false)],
    half_after: &["e mezza", "e mezzo"],
    quarter_after: &["e un quarto", "e quarto"],
    quarter_to: &["meno un quarto", "meno quarto"],
    plus_minutes: &["e"],
    minus_minutes: &["meno"],
    before_hour: &[],
    pm_after: &[
        "di pomeriggio", "del pomeriggio", "di sera", "della sera", "pomeriggio", "stasera",
    ],
    am_after: &["di mattina", "del mattino", "della mattina", "stamattina"],
    noon: &["mezzogiorno", "mezzodi"],
    midnight: &["mezzanotte"],
};

#[rustfmt::skip]
const DE: TimeWords = TimeWords {
    cues: &["um", "gegen", "ab", "bis", "um ca"],
    one_oclock: &[],
    suffixes: &[("uhr", true)],
    half_after: &[],
    quarter_after: &[],
    quarter_to: &[],
    plus_minutes: &[],
    minus_minutes: &[],
    before_hour: &[
        ("halb", -30), ("viertel nach", 15), ("viertel vor", -15), ("dreiviertel", -15),
    ],
    pm_after: &["nachmittags", "abends", "am nachmittag", "am abend", "heute abend"],
    am_after: &["morgens", "vormittags", "am morgen", "am vormittag", "fruh"],
    noon: &["mittag", "mittags"],
    midnight: &["mitternacht"],
};

#[rustfmt::skip]
const FR: TimeWords = TimeWords {
    cues: &["vers", "des", "a partir de", "jusqu'a"],
    one_oclock: &[],
    suffixes: &[("h", true), ("heure", true), ("heures", true)],
    half_after: &["et demie", "et demi"],
    quarter_after: &["et quart"],
    quarter_to: &["moins le quart", "moins quart"],
    plus_minutes: &[],
    minus_minutes: &["moins"],
    before_hour: &[],
    pm_after: &["de l'apres midi", "l'apres midi", "du soir", "ce soir"],
    am_after: &["du matin", "ce matin"],
    noon: &["midi"],
    midnight: &["minuit"],
};

#[rustfmt::skip]
const ES: TimeWords = TimeWords {
    cues: &["a las", "a la", "sobre las", "hacia las", "desde las", "hasta las", "para las"],
    one_oclock: &[],
    suffixes: &[("en punto", false), ("horas", true), ("h", true)],
    half_after: &["y media"],
    quarter_after: &["y cuarto"],
    quarter_to: &["menos cuarto", "menos un cuarto"],
    plus_minutes: &["y"],
    minus_minutes: &["menos"],
    before_hour: &[],
    pm_after: &[
        "de la tarde", "de la noche", "por la tarde", "por la noche", "esta tarde",
        "esta noche",
    ],
    am_after: &["de la manana", "por la manana", "de la madrugada"],
    noon: &["mediodia"],
    midnight: &["medianoche"],
};

/// The time words of `lang`.
pub(super) fn time_words(lang: Language) -> &'static TimeWords {
    match lang {
        Language::En => &EN,
        Language::It => &IT,
        Language::De => &DE,
        Language::Fr => &FR,
        Language::Es => &ES,
    }
}
