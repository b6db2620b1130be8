//! Date vocabulary per language: months, weekdays, relative days, "next"/"last", offsets.
//! Every entry is folded (lowercase, no accents); multi-word entries are space separated.

use jiff::civil::Weekday;

use crate::Language;

/// A calendar unit for "in 3 days" and "2 weeks ago".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
}

/// The date words of one language.
#[derive(Debug)]
pub(super) struct DateWords {
    /// Month names and abbreviations with their number.
    pub(super) months: &'static [(&'static str, i8)],
    /// Weekday names.
    pub(super) weekdays: &'static [(&'static str, Weekday)],
    /// Words for a day relative to today, with the offset in days.
    pub(super) relative: &'static [(&'static str, i32)],
    /// Relative words that mean something else after one of these words
    /// (`por la mañana` is "in the morning", `guten Morgen` is "good morning").
    pub(super) relative_not_after: &'static [(&'static str, &'static [&'static str])],
    /// Before a weekday: the next one (`next`, `il prossimo`, `nächsten`, `el`).
    pub(super) next_before: &'static [&'static str],
    /// After a weekday: the next one (`prossimo`, `prochain`, `que viene`).
    pub(super) next_after: &'static [&'static str],
    /// Before a weekday: the previous one (`last`, `letzten`).
    pub(super) last_before: &'static [&'static str],
    /// After a weekday: the previous one (`scorso`, `dernier`, `pasado`).
    pub(super) last_after: &'static [&'static str],
    /// Before a count: in the future (`in`, `tra`, `dans`, `dentro de`).
    pub(super) future_before: &'static [&'static str],
    /// After a count and unit: in the future (`from now`).
    pub(super) future_after: &'static [&'static str],
    /// Before a count: in the past (`vor`, `il y a`, `hace`).
    pub(super) past_before: &'static [&'static str],
    /// After a count and unit: in the past (`ago`, `fa`).
    pub(super) past_after: &'static [&'static str],
    /// Units for offsets.
    pub(super) units: &'static [(&'static str, Unit)],
    /// Words allowed between day, month and year (`21st of November`, `21 de noviembre de 2026`).
    pub(super) connectors: &'static [&'static str],
    /// Words for the first day of a month (`first`, `primo`, `premier`).
    pub(super) first_day: &'static [&'static str],
    /// Ordinal endings glued to a day number (`21st`, `1er`, `1º`).
    pub(super) ordinal_suffixes: &'static [&'static str],
}

use Weekday::{Friday, Monday, Saturday, Sunday, Thursday, Tuesday, Wednesday};

#[rustfmt::skip]
const EN: DateWords = DateWords {
    months: &[
        ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3),
        ("april", 4), ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7),
        ("august", 8), ("aug", 8), ("september", 9), ("sep", 9), ("sept", 9), ("october", 10),
        ("oct", 10), ("november", 11), ("nov", 11), ("december", 12), ("dec", 12),
    ],
    weekdays: &[
        ("monday", Monday), ("mon", Monday), ("tuesday", Tuesday), ("tue", Tuesday),
        ("tues", Tuesday), ("wednesday", Wednesday), ("wed", Wednesday),
        ("thursday", Thursday), ("thu", Thursday), ("thur", Thursday), ("thurs", Thursday),
        ("friday", Friday), ("fri", Friday), ("saturday", Saturday), ("sunday", Sunday),
    ],
    relative: &[
        ("today", 0), ("tonight", 0), ("tomorrow", 1), ("day after tomorrow", 2),
        ("the day after tomorrow", 2), ("yesterday", -1), ("day before yesterday", -2),
        ("the day before yesterday", -2),
    ],
    relative_not_after: &[],
    next_before: &["next", "this", "coming", "this coming", "on", "on next", "on this"],
    next_after: &[],
    last_before: &["last", "on last", "this past", "past"],
    last_after: &[],
    future_before: &["in", "within"],
    future_after: &["from now", "from today", "later"],
    past_before: &[],
    past_after: &["ago"],
    units: &[
        ("day", Unit::Day), ("days", Unit::Day), ("week", Unit::Week), ("weeks", Unit::Week),
        ("month", Unit::Month), ("months", Unit::Month),
    ],
    connectors: &["of"],
    first_day: &["first"],
    ordinal_suffixes: &["st", "nd", "rd", "th"],
};

#[rustfmt::skip]
const IT: DateWords = DateWords {
    months: &[
        ("gennaio", 1), ("gen", 1), ("febbraio", 2), ("feb", 2), ("marzo", 3), ("mar", 3),
        ("aprile", 4), ("apr", 4), ("maggio", 5), ("mag", 5), ("giugno", 6), ("giu", 6),
        ("luglio", 7), ("lug", 7), ("agosto", 8), ("ago", 8), ("settembre", 9), ("set", 9),
        ("sett", 9), ("ottobre", 10), ("ott", 10), ("novembre", 11), ("nov", 11),
        ("dicembre", 12), ("dic", 12),
    ],
    weekdays: &[
        ("lunedi", Monday), ("martedi", Tuesday), ("mercoledi", Wednesday),
        ("giovedi", Thursday), ("venerdi", Friday), ("sabato", Saturday), ("domenica", Sunday),
    ],
    relative: &[
        ("oggi", 0), ("stasera", 0), ("stamattina", 0), ("stanotte", 0), ("domani", 1),
        ("dopodomani", 2), ("dopo domani", 2), ("ieri", -1), ("l'altro ieri", -2),
        ("altro ieri", -2), ("l'altroieri", -2), ("avantieri", -2), ("ieri l'altro", -2),
    ],
    relative_not_after: &[],
    next_before: &[
        "prossimo", "prossima", "il prossimo", "la prossima", "questo", "questa",
    ],
    next_after: &["prossimo", "prossima", "che viene"],
    last_before: &["scorso", "scorsa", "lo scorso", "la scorsa"],
    last_after: &["scorso", "scorsa", "passato", "passata"],
    future_before: &["tra", "fra", "entro"],
    future_after: &["da oggi"],
    past_before: &[],
    past_after: &["fa"],
    units: &[
        ("giorno", Unit::Day), ("giorni", Unit::Day), ("settimana", Unit::Week),
        ("settimane", Unit::Week), ("mese", Unit::Month), ("mesi", Unit::Month),
    ],
    connectors: &[],
    first_day: &["primo"],
    ordinal_suffixes: &["o", "º"],
};

#[rustfmt::skip]
const DE: DateWords = DateWords {
    months: &[
        ("januar", 1), ("jan", 1), ("janner", 1), ("februar", 2), ("feb", 2), ("marz", 3),
        ("maerz", 3), ("mar", 3), ("april", 4), ("apr", 4), ("mai", 5), ("juni", 6),
        ("jun", 6), ("juli", 7), ("jul", 7), ("august", 8), ("aug", 8), ("september", 9),
        ("sep", 9), ("sept", 9), ("oktober", 10), ("okt", 10), ("november", 11), ("nov", 11),
        ("dezember", 12), ("dez", 12),
    ],
    weekdays: &[
        ("montag", Monday), ("dienstag", Tuesday), ("mittwoch", Wednesday),
        ("donnerstag", Thursday), ("freitag", Friday), ("samstag", Saturday),
        ("sonnabend", Saturday), ("sonntag", Sunday),
    ],
    relative: &[
        ("heute", 0), ("morgen", 1), ("ubermorgen", 2), ("uebermorgen", 2), ("gestern", -1),
        ("vorgestern", -2),
    ],
    relative_not_after: &[("morgen", &["guten", "am", "jeden", "heute", "gestern", "den"])],
    next_before: &[
        "nachsten", "nachster", "nachste", "naechsten", "kommenden", "kommender", "diesen",
        "dieser", "am", "am nachsten", "am kommenden", "am naechsten", "diese",
    ],
    next_after: &[],
    last_before: &["letzten", "letzter", "vergangenen", "am letzten", "am vergangenen"],
    last_after: &[],
    future_before: &["in"],
    future_after: &[],
    past_before: &["vor"],
    past_after: &[],
    units: &[
        ("tag", Unit::Day), ("tage", Unit::Day), ("tagen", Unit::Day), ("woche", Unit::Week),
        ("wochen", Unit::Week), ("monat", Unit::Month), ("monate", Unit::Month),
        ("monaten", Unit::Month),
    ],
    connectors: &[],
    first_day: &["erste", "ersten", "erster"],
    ordinal_suffixes: &[],
};

#[rustfmt::skip]
const FR: DateWords = DateWords {
    months: &[
        ("janvier", 1), ("janv", 1), ("fevrier", 2), ("fevr", 2), ("fev", 2), ("mars", 3),
        ("avril", 4), ("avr", 4), ("mai", 5), ("juin", 6), ("juillet", 7), ("juil", 7),
        ("aout", 8), ("septembre", 9), ("octobre", 10), ("oct", 10), ("novembre", 11),
        ("nov", 11), ("decembre", 12), ("dec", 12),
    ],
    weekdays: &[
        ("lundi", Monday), ("mardi", Tuesday), ("mercredi", Wednesday), ("jeudi", Thursday),
        ("vendredi", Friday), ("samedi", Saturday), ("dimanche", Sunday),
    ],
    relative: &[
        ("aujourd'hui", 0), ("aujourdhui", 0), ("ce soir", 0), ("demain", 1),
        ("apres demain", 2), ("hier", -1), ("avant hier", -2),
    ],
    relative_not_after: &[],
    next_before: &["ce"],
    next_after: &["prochain", "prochaine", "qui vient"],
    last_before: &[],
    last_after: &["dernier", "derniere"],
    future_before: &["dans", "d'ici"],
    future_after: &[],
    past_before: &["il y a"],
    past_after: &[],
    units: &[
        ("jour", Unit::Day), ("jours", Unit::Day), ("semaine", Unit::Week),
        ("semaines", Unit::Week), ("mois", Unit::Month),
    ],
    connectors: &[],
    first_day: &["premier"],
    ordinal_suffixes: &["er", "re", "e"],
};

#[rustfmt::skip]
const ES: DateWords = DateWords {
    months: &[
        ("enero", 1), ("ene", 1), ("febrero", 2), ("feb", 2), ("marzo", 3), ("mar", 3),
        ("abril", 4), ("abr", 4), ("mayo", 5), ("may", 5), ("junio", 6), ("jun", 6),
        ("julio", 7), ("jul", 7), ("agosto", 8), ("ago", 8), ("septiembre", 9),
        ("setiembre", 9), ("sep", 9), ("sept", 9), ("octubre", 10), ("oct", 10),
        ("noviembre", 11), ("nov", 11), ("diciembre", 12), ("dic", 12),
    ],
    weekdays: &[
        ("lunes", Monday), ("martes", Tuesday), ("miercoles", Wednesday), ("jueves", Thursday),
        ("viernes", Friday), ("sabado", Saturday), ("domingo", Sunday),
    ],
    relative: &[
        ("hoy", 0), ("esta noche", 0), ("manana", 1), ("pasado manana", 2), ("ayer", -1),
        ("anteayer", -2), ("antier", -2), ("antes de ayer", -2),
    ],
    relative_not_after: &[("manana", &["la", "las", "esta", "cada", "una", "toda"])],
    next_before: &["el", "este", "el proximo", "proximo", "el este", "la proxima"],
    next_after: &["proximo", "que viene", "que entra"],
    last_before: &["el pasado"],
    last_after: &["pasado", "anterior"],
    future_before: &["en", "dentro de"],
    future_after: &[],
    past_before: &["hace"],
    past_after: &[],
    units: &[
        ("dia", Unit::Day), ("dias", Unit::Day), ("semana", Unit::Week),
        ("semanas", Unit::Week), ("mes", Unit::Month), ("meses", Unit::Month),
    ],
    connectors: &["de", "del"],
    first_day: &["primero"],
    ordinal_suffixes: &["o", "º"],
};

/// The date words of `lang`.
pub(super) fn date_words(lang: Language) -> &'static DateWords {
    match lang {
        Language::En => &EN,
        Language::It => &IT,
        Language::De => &DE,
        Language::Fr => &FR,
        Language::Es => &ES,
    }
}
