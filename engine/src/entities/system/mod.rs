//! System entities: numbers, dates, times, e-mail addresses, phone numbers and yes/no,
//! recognized in what a visitor types, in English, Italian, German, French and Spanish.
//!
//! Every function is pure: the text, the [`Language`] and, for relative dates, `today`
//! come in; nothing reads the clock. Each kind has its own function returning the first
//! value found ([`number`], [`date`], [`time`], [`email`], [`phone`], [`yes_no`]), and
//! [`extract_all`] returns every entity with its byte span. The module doc of each kind
//! lists what it understands.
//!
//! Bounded work: only the first [`SCAN_LIMIT_BYTES`] of a message are scanned, every
//! scanner is a forward pass over tokens with fixed look-ahead (no backtracking regular
//! expressions), and control characters are treated as spaces. No input panics.

mod date;
mod email;
mod number;
mod phone;
mod text;
mod time;
mod yes_no;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::Language;

pub use date::date;
pub use email::email;
pub use number::number;
pub use phone::phone;
pub use text::SCAN_LIMIT_BYTES;
pub use time::time;
pub use yes_no::yes_no;

/// A kind of system entity, named in dialog files as `sys_number`, `sys_date`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemEntityKind {
    /// `sys_number`: a number in digits or words.
    Number,
    /// `sys_date`: a calendar date, absolute or relative to today.
    Date,
    /// `sys_time`: a time of day.
    Time,
    /// `sys_email`: an e-mail address.
    Email,
    /// `sys_phone`: a telephone number.
    Phone,
    /// `sys_yes_no`: agreement or refusal.
    YesNo,
}

impl SystemEntityKind {
    /// Every kind, in a stable order.
    pub const ALL: [SystemEntityKind; 6] = [
        SystemEntityKind::Number,
        SystemEntityKind::Date,
        SystemEntityKind::Time,
        SystemEntityKind::Email,
        SystemEntityKind::Phone,
        SystemEntityKind::YesNo,
    ];

    /// The name used in dialog files (`sys_number`).
    pub fn name(self) -> &'static str {
        match self {
            SystemEntityKind::Number => "sys_number",
            SystemEntityKind::Date => "sys_date",
            SystemEntityKind::Time => "sys_time",
            SystemEntityKind::Email => "sys_email",
            SystemEntityKind::Phone => "sys_phone",
            SystemEntityKind::YesNo => "sys_yes_no",
        }
    }
}

impl fmt::Display for SystemEntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a system entity kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{name}` is not a system entity (expected sys_number, sys_date, sys_time, sys_email, \
     sys_phone or sys_yes_no)"
)]
pub struct UnknownSystemEntity {
    /// The name that was given.
    pub name: String,
}

impl FromStr for SystemEntityKind {
    type Err = UnknownSystemEntity;

    /// Parses the snake_case dialog-file name, exactly (`sys_yes_no`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        SystemEntityKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| UnknownSystemEntity {
                name: name.to_owned(),
            })
    }
}

/// The value of a recognized system entity.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemValue {
    /// A number.
    Number(f64),
    /// A calendar date.
    Date(jiff::civil::Date),
    /// A time of day.
    Time(jiff::civil::Time),
    /// An e-mail address, domain lowercased.
    Email(String),
    /// A phone number: `+` and digits with a country code, else the national digits.
    Phone(String),
    /// Yes (`true`) or no (`false`).
    YesNo(bool),
}

impl SystemValue {
    /// The kind of entity this value belongs to.
    pub fn kind(&self) -> SystemEntityKind {
        match self {
            SystemValue::Number(_) => SystemEntityKind::Number,
            SystemValue::Date(_) => SystemEntityKind::Date,
            SystemValue::Time(_) => SystemEntityKind::Time,
            SystemValue::Email(_) => SystemEntityKind::Email,
            SystemValue::Phone(_) => SystemEntityKind::Phone,
            SystemValue::YesNo(_) => SystemEntityKind::YesNo,
        }
    }
}

/// A system entity found in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemEntity {
    /// What kind of entity it is.
    pub kind: SystemEntityKind,
    /// Its value.
    pub value: SystemValue,
    /// Its byte range in the message (always within the first [`SCAN_LIMIT_BYTES`]).
    pub span: Range<usize>,
}

/// Every system entity in `text`, ordered by position.
///
/// Entities do not overlap: where two would, the one earlier in this order wins: e-mail,
/// date, time, phone, number, yes/no. So `21/11/2026` is one date, not three numbers, and
/// `in 3 days` is a date. The one exception: a digit run that is both a phone number and
/// a number (`12345678`) is reported as both, with the same span. Yes/no appears at most
/// once, spanning the word that decided it. Unlike [`time`], a bare hour is not a time here.
pub fn extract_all(text: &str, lang: Language, today: jiff::civil::Date) -> Vec<SystemEntity> {
    let window = text::scan_window(text);
    let tokens = text::tokenize(window);
    let entity = |value: SystemValue, span: Range<usize>| SystemEntity {
        kind: value.kind(),
        value,
        span,
    };
    let mut candidates: Vec<SystemEntity> = Vec::new();
    candidates.extend(
        email::find(window)
            .into_iter()
            .map(|(v, s)| entity(SystemValue::Email(v), s)),
    );
    candidates.extend(
        date::find(&tokens, lang, today)
            .into_iter()
            .map(|(v, s)| entity(SystemValue::Date(v), s)),
    );
    candidates.extend(
        time::find(&tokens, lang)
            .into_iter()
            .map(|(v, s)| entity(SystemValue::Time(v), s)),
    );
    candidates.extend(
        phone::find(window)
            .into_iter()
            .map(|(v, s)| entity(SystemValue::Phone(v), s)),
    );
    candidates.extend(
        number::find(&tokens, lang)
            .into_iter()
            .map(|(v, s)| entity(SystemValue::Number(v), s)),
    );
    candidates.extend(yes_no::find(&tokens, lang).map(|(v, s)| entity(SystemValue::YesNo(v), s)));
    // Kept spans by start, with their kind; kept spans never overlap each other, so only
    // the one starting last before the candidate's end can overlap it.
    let mut taken: BTreeMap<usize, (usize, SystemEntityKind)> = BTreeMap::new();
    let mut kept: Vec<SystemEntity> = Vec::new();
    for candidate in candidates {
        let (start, end) = (candidate.span.start, candidate.span.end);
        let before_end = taken.range(..end.max(start + 1)).next_back();
        let overlaps = before_end.is_some_and(|(_, &(e, _))| e > start);
        let same_digits_as_phone = candidate.kind == SystemEntityKind::Number
            && before_end == Some((&start, &(end, SystemEntityKind::Phone)));
        if overlaps && !same_digits_as_phone {
            continue;
        }
        taken.entry(start).or_insert((end, candidate.kind));
        kept.push(candidate);
    }
    kept.sort_by_key(|e| (e.span.start, e.kind));
    kept
}
