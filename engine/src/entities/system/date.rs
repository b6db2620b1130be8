//! `sys_date`: calendar dates, absolute or relative to `today` (passed in, never read).
//!
//! Understood, in every language with its own words (see `date/words.rs`):
//! - ISO `2026-11-21` (or `2026/11/21`);
//! - numeric `21/11/2026`, `21.11.2026`, `21-11-2026`, `21/11/26`, `21/11`, `21.11.`: day
//!   first in every language, including English; when the first number cannot be a month
//!   but the second cannot be a day (`11/21/2026`), the US order is used instead. A dotted
//!   date needs a year or a closing dot and a dashed date needs a year, so `1.5` and `3-4`
//!   stay numbers. Two-digit years are 20yy up to 50 years ahead of today, else 19yy;
//! - written `21 November 2026`, `November 21st, 2026`, `the 21st of November`,
//!   `lunedì 23 novembre`, `21. November`, `le 1er décembre`, `21 de noviembre de 2026`,
//!   month names and common abbreviations in all five languages;
//! - relative days: today, tomorrow, the day after tomorrow, yesterday and the day before
//!   (`oggi, domani, dopodomani, ieri`, `heute, morgen, übermorgen`, `aujourd'hui, demain,
//!   après-demain`, `hoy, mañana, pasado mañana`); `mañana` after `la`/`esta` and `Morgen`
//!   after `guten`/`am` mean "morning" and are skipped;
//! - weekdays: a weekday alone, or with "next"/"this" (`next Monday`, `lunedì prossimo`,
//!   `nächsten Montag`, `lundi prochain`, `el próximo lunes`) is the next such day after
//!   today (1 to 7 days ahead, so on a Saturday "Saturday" is a week later); with "last"
//!   (`lunedì scorso`, `letzten Montag`) the previous one;
//! - offsets: `in 3 days`, `tra 2 settimane`, `in einer Woche`, `dans 3 jours`,
//!   `dentro de 2 meses`, `3 days ago`, `vor 2 Tagen`, `il y a 3 jours`, `hace 2 días`.
//!
//! A date without a year is the next such date on or after today. Impossible dates
//! (`31/02/2026`) are not dates. Only the first [`super::SCAN_LIMIT_BYTES`] are scanned.

mod words;

#[cfg(test)]
mod tests;

use std::ops::Range;

use jiff::Span;
use jiff::civil::Date;

use super::number::words_at;
use super::text::{Token, TokenKind, match_any, scan_window, span_of, tokenize};
use crate::Language;
use words::{DateWords, Unit, date_words};

/// The first date in `text`, resolved against `today`.
pub fn date(text: &str, lang: Language, today: Date) -> Option<Date> {
    find(&tokenize(scan_window(text)), lang, today)
        .first()
        .map(|(date, _)| *date)
}

/// Every date in `tokens`, in order, with its byte span.
pub(super) fn find(tokens: &[Token<'_>], lang: Language, today: Date) -> Vec<(Date, Range<usize>)> {
    let words = date_words(lang);
    let parsers: [&dyn Fn(usize) -> Option<(Date, usize)>; 6] = [
        &|i| iso_at(tokens, i),
        &|i| numeric_at(tokens, i, today),
        &|i| written_at(tokens, i, words, today),
        &|i| relative_at(tokens, i, words, today),
        &|i| weekday_at(tokens, i, words, today),
        &|i| offset_at(tokens, i, lang, words, today),
    ];
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind == TokenKind::Punct {
            i += 1;
            continue;
        }
        let longest = parsers
            .iter()
            .filter_map(|parse| parse(i))
            .max_by_key(|&(_, end)| end);
        match longest {
            Some((date, end)) => {
                found.push((date, span_of(tokens, i, end)));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

fn is_date_separator(token: &Token<'_>) -> bool {
    token.glued && (token.is_punct('/') || token.is_punct('.') || token.is_punct('-'))
}

/// Whether a glued separator and digits follow `end`: the match is part of a longer code
/// such as an IP address or a version number.
fn continues_as_code(tokens: &[Token<'_>], end: usize) -> bool {
    tokens.get(end).is_some_and(is_date_separator)
        && tokens
            .get(end + 1)
            .is_some_and(|t| t.glued && t.kind == TokenKind::Digits)
}

/// Whether the token at `i` is glued to a separator after digits (inside a longer code).
fn inside_code(tokens: &[Token<'_>], i: usize) -> bool {
    i >= 2
        && tokens[i].glued
        && is_date_separator(&tokens[i - 1])
        && tokens[i - 2].kind == TokenKind::Digits
}

/// `2026-11-21` or `2026/11/21`.
fn iso_at(tokens: &[Token<'_>], i: usize) -> Option<(Date, usize)> {
    let year = tokens.get(i).filter(|t| t.raw.len() == 4)?.digits(4)?;
    let sep = tokens
        .get(i + 1)
        .filter(|t| is_date_separator(t) && !t.is_punct('.'))?;
    let month = tokens.get(i + 2).filter(|t| t.glued)?.digits(2)?;
    let sep2 = tokens.get(i + 3).filter(|t| t.glued && t.raw == sep.raw)?;
    let day = tokens
        .get(i + 4)
        .filter(|t| t.glued && sep2.glued)?
        .digits(2)?;
    if inside_code(tokens, i) || continues_as_code(tokens, i + 5) {
        return None;
    }
    Some((ymd(i64::from(year), month, day)?, i + 5))
}

/// `21/11/2026`, `21.11.2026`, `21-11-26`, `21/11`, `21.11.`.
fn numeric_at(tokens: &[Token<'_>], i: usize, today: Date) -> Option<(Date, usize)> {
    let first = tokens.get(i)?.digits(2)?;
    let sep = tokens.get(i + 1).filter(|t| is_date_separator(t))?;
    let second = tokens.get(i + 2).filter(|t| t.glued)?.digits(2)?;
    if inside_code(tokens, i) {
        return None;
    }
    let year_token = tokens
        .get(i + 3)
        .filter(|t| t.glued && t.raw == sep.raw)
        .and(tokens.get(i + 4))
        .filter(|t| t.glued && t.kind == TokenKind::Digits && matches!(t.raw.len(), 2 | 4));
    let (year, end) = match year_token {
        Some(token) => {
            let year = i64::from(token.digits(4)?);
            let year = if token.raw.len() == 2 {
                expand_two_digit_year(year, today)
            } else {
                year
            };
            (Some(year), i + 5)
        }
        None if sep.is_punct('.') => {
            tokens.get(i + 3).filter(|t| t.glued && t.is_punct('.'))?;
            if tokens
                .get(i + 4)
                .is_some_and(|t| t.glued && t.kind == TokenKind::Digits)
            {
                return None;
            }
            (None, i + 4)
        }
        None if sep.is_punct('-') => return None,
        None => (None, i + 3),
    };
    if continues_as_code(tokens, end) {
        return None;
    }
    let day_first = resolve(year, second, first, today);
    let date = day_first.or_else(|| resolve(year, first, second, today))?;
    Some((date, end))
}

/// Two-digit years: 20yy when that is at most 50 years after today, else 19yy.
fn expand_two_digit_year(yy: i64, today: Date) -> i64 {
    let year = 2000 + yy;
    if year <= i64::from(today.year()) + 50 {
        year
    } else {
        1900 + yy
    }
}

/// `21 November 2026`, `November 21st, 2026`, `the 21st of November`, `lunedì 23 novembre`,
/// `el viernes 27 de noviembre`: a weekday before the day is skipped, not checked.
fn written_at(
    tokens: &[Token<'_>],
    i: usize,
    words: &DateWords,
    today: Date,
) -> Option<(Date, usize)> {
    let mut j = i;
    if let Some((_, k)) = match_any(tokens, i, words.next_before.iter().copied())
        && tokens
            .get(k)
            .is_some_and(|t| weekday_of(t, words).is_some())
    {
        j = k; // `el viernes 27 de noviembre`, `am Montag, 23. November`
    }
    if weekday_of(tokens.get(j)?, words).is_some() {
        j += 1;
        if tokens.get(j).is_some_and(|t| t.is_punct(',')) {
            j += 1;
        }
    }
    let (day, month, mut end) = if let Some((day, k)) = day_at(tokens, j, words) {
        let k = skip_connector(tokens, k, words);
        let (month, k) = month_at(tokens, k, words)?;
        (day, month, k)
    } else {
        let (month, k) = month_at(tokens, j, words)?;
        let (day, k) = day_at(tokens, k, words)?;
        (day, month, k)
    };
    let mut year = None;
    let mut k = end;
    if tokens.get(k).is_some_and(|t| t.is_punct(',')) {
        k += 1;
    }
    let k = skip_connector(tokens, k, words);
    if let Some(token) = tokens.get(k).filter(|t| t.raw.len() == 4)
        && let Some(y) = token.digits(4)
    {
        year = Some(i64::from(y));
        end = k + 1;
    }
    Some((resolve(year, month, day, today)?, end))
}

fn skip_connector(tokens: &[Token<'_>], k: usize, words: &DateWords) -> usize {
    match_any(tokens, k, words.connectors.iter().copied()).map_or(k, |(_, end)| end)
}

/// A day of the month: `21`, `21st`, `1er`, `1º`, `1°`, `21.` or `first`/`primo`.
fn day_at(tokens: &[Token<'_>], j: usize, words: &DateWords) -> Option<(i8, usize)> {
    let token = tokens.get(j)?;
    if let Some((_, end)) = match_any(tokens, j, words.first_day.iter().copied()) {
        return Some((1, end));
    }
    let day = i8::try_from(token.digits(2)?).ok()?;
    let next = tokens.get(j + 1).filter(|t| t.glued);
    let suffix = next.is_some_and(|t| {
        (t.kind == TokenKind::Word && words.ordinal_suffixes.contains(&t.norm.as_str()))
            || t.is_punct('°')
            || t.is_punct('.')
    });
    Some((day, if suffix { j + 2 } else { j + 1 }))
}

/// A month name or abbreviation, with an optional abbreviation dot.
fn month_at(tokens: &[Token<'_>], k: usize, words: &DateWords) -> Option<(i8, usize)> {
    let token = tokens.get(k).filter(|t| t.kind == TokenKind::Word)?;
    let &(name, month) = words.months.iter().find(|(name, _)| *name == token.norm)?;
    let dotted = tokens
        .get(k + 1)
        .is_some_and(|t| t.glued && t.is_punct('.'));
    let abbreviated = name.len() <= 4;
    Some((month, if dotted && abbreviated { k + 2 } else { k + 1 }))
}

fn weekday_of(token: &Token<'_>, words: &DateWords) -> Option<jiff::civil::Weekday> {
    words
        .weekdays
        .iter()
        .find(|(name, _)| *name == token.norm)
        .map(|&(_, day)| day)
}

/// `today`, `domani`, `übermorgen`, `après-demain`, `pasado mañana`.
fn relative_at(
    tokens: &[Token<'_>],
    i: usize,
    words: &DateWords,
    today: Date,
) -> Option<(Date, usize)> {
    let (phrase, end) = match_any(tokens, i, words.relative.iter().map(|(p, _)| *p))?;
    let previous = i
        .checked_sub(1)
        .and_then(|p| tokens.get(p))
        .map(|t| t.norm.as_str());
    let blocked = words
        .relative_not_after
        .iter()
        .any(|(word, before)| *word == phrase && previous.is_some_and(|p| before.contains(&p)));
    if blocked {
        return None;
    }
    let &(_, days) = words.relative.iter().find(|(p, _)| *p == phrase)?;
    Some((today.checked_add(Span::new().days(days)).ok()?, end))
}

/// `Monday`, `next Monday`, `lunedì prossimo`, `el lunes pasado`.
fn weekday_at(
    tokens: &[Token<'_>],
    i: usize,
    words: &DateWords,
    today: Date,
) -> Option<(Date, usize)> {
    let (mut backwards, at) =
        if let Some((_, k)) = match_any(tokens, i, words.last_before.iter().copied()) {
            (true, k)
        } else if let Some((_, k)) = match_any(tokens, i, words.next_before.iter().copied()) {
            (false, k)
        } else {
            (false, i)
        };
    let (weekday, mut end) = match tokens.get(at).and_then(|t| weekday_of(t, words)) {
        Some(day) => (day, at + 1),
        None => {
            backwards = false;
            (weekday_of(tokens.get(i)?, words)?, i + 1)
        }
    };
    if let Some((_, k)) = match_any(tokens, end, words.last_after.iter().copied()) {
        backwards = true;
        end = k;
    } else if let Some((_, k)) = match_any(tokens, end, words.next_after.iter().copied()) {
        end = k;
    }
    let today_index = i32::from(today.weekday().to_monday_zero_offset());
    let target = i32::from(weekday.to_monday_zero_offset());
    let days = if backwards {
        -((today_index - target + 6).rem_euclid(7) + 1)
    } else {
        (target - today_index + 6).rem_euclid(7) + 1
    };
    Some((today.checked_add(Span::new().days(days)).ok()?, end))
}

/// `in 3 days`, `tra due settimane`, `vor 2 Tagen`, `3 days ago`, `in a week`.
fn offset_at(
    tokens: &[Token<'_>],
    i: usize,
    lang: Language,
    words: &DateWords,
    today: Date,
) -> Option<(Date, usize)> {
    let (sign, count_at) =
        if let Some((_, k)) = match_any(tokens, i, words.future_before.iter().copied()) {
            (Some(1), k)
        } else if let Some((_, k)) = match_any(tokens, i, words.past_before.iter().copied()) {
            (Some(-1), k)
        } else {
            (None, i)
        };
    let (count, k) = match tokens.get(count_at)?.digits(4) {
        Some(n) => (i64::from(n), count_at + 1),
        None => {
            let (n, k) = words_at(tokens, count_at, lang, true)?;
            (i64::try_from(n).ok()?, k)
        }
    };
    let unit_token = tokens.get(k).filter(|t| t.kind == TokenKind::Word)?;
    let &(_, unit) = words
        .units
        .iter()
        .find(|(name, _)| *name == unit_token.norm)?;
    let (sign, end) = match sign {
        Some(sign) => (sign, k + 1),
        None => {
            if let Some((_, end)) = match_any(tokens, k + 1, words.past_after.iter().copied()) {
                (-1, end)
            } else {
                (
                    1,
                    match_any(tokens, k + 1, words.future_after.iter().copied())?.1,
                )
            }
        }
    };
    let amount = sign * count;
    let span = match unit {
        Unit::Day => Span::new().try_days(amount),
        Unit::Week => Span::new().try_weeks(amount),
        Unit::Month => Span::new().try_months(amount),
    }
    .ok()?;
    Some((today.checked_add(span).ok()?, end))
}

fn ymd(year: i64, month: u32, day: u32) -> Option<Date> {
    let year = i16::try_from(year)
        .ok()
        .filter(|y| (1000..=9999).contains(y))?;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The date with `month` and `day` in `year`, or, without a year, the next one on or
/// after `today` (looking up to eight years ahead for 29 February).
fn resolve(
    year: Option<i64>,
    month: impl Into<i64>,
    day: impl Into<i64>,
    today: Date,
) -> Option<Date> {
    let month = u32::try_from(month.into()).ok()?;
    let day = u32::try_from(day.into()).ok()?;
    if let Some(year) = year {
        return ymd(year, month, day);
    }
    let this_year = i64::from(today.year());
    (this_year..this_year + 9).find_map(|y| ymd(y, month, day).filter(|d| *d >= today))
}
