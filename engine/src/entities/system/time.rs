//! `sys_time`: times of day.
//!
//! Understood: `14:30`, `14:30:15`, `9.30` after a cue word, `14h30`, `14h`, `2pm`,
//! `2:30 pm`, `2 p.m.` (12 am is midnight, 12 pm noon), `3 o'clock`, `15 Uhr 30`,
//! `15 heures`; an hour after a cue word (`at 3`, `alle 15`, `um 15 Uhr`, `a las tres`,
//! `all'una`), with halves, quarters and minutes (`alle 3 e mezza`, `a las 3 y cuarto`,
//! `alle 4 meno un quarto`, `trois heures et demie`, `half past 2`, `halb drei` = 2:30,
//! `viertel vor drei`); noon and midnight (`mezzogiorno`, `Mitternacht`, `midi`,
//! `medianoche`); and parts of the day that move 1-11 to the afternoon (`alle 3 di
//! pomeriggio`, `a las 5 de la tarde`, `um 8 Uhr abends`).
//!
//! Hours are taken as written: `at 3` is 03:00; there is no guessing of am/pm. A bare
//! number is not a time inside a sentence, but [`time`] accepts an answer that is only an
//! hour (`15`, `tre`) since it answers a question about time. `24:00` and minutes above 59
//! are not times. French `à` is not a cue because, without its accent, it is the verb `a`.

mod words;

#[cfg(test)]
mod tests;

use std::ops::Range;

use jiff::civil::Time;

use super::number::words_at;
use super::text::{Token, TokenKind, is_single_term, match_any, scan_window, span_of, tokenize};
use crate::Language;
use words::{TimeWords, time_words};

/// The first time of day in `text`; an answer that is only an hour (`15`) counts too.
pub fn time(text: &str, lang: Language) -> Option<Time> {
    let tokens = tokenize(scan_window(text));
    if let Some((time, _)) = find(&tokens, lang).into_iter().next() {
        return Some(time);
    }
    if !is_single_term(&tokens) {
        return None;
    }
    let first = tokens.iter().position(|t| t.kind != TokenKind::Punct)?;
    let (hour, _, _) = hour_at(&tokens, first, lang)?;
    Time::new(i8::try_from(hour).ok()?, 0, 0, 0).ok()
}

/// Every time in `tokens`, in order, with its byte span.
pub(super) fn find(tokens: &[Token<'_>], lang: Language) -> Vec<(Time, Range<usize>)> {
    let words = time_words(lang);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind == TokenKind::Punct {
            i += 1;
            continue;
        }
        let candidates = [
            cued_at(tokens, i, lang, words),
            clock_at(tokens, i, lang, words, false),
            before_hour_at(tokens, i, lang, words),
            named_at(tokens, i, words),
        ];
        match candidates.into_iter().flatten().max_by_key(|&(_, end)| end) {
            Some((time, end)) => {
                found.push((time, span_of(tokens, i, end)));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// An hour written with one or two digits or in words, up to 24; the bool says digits.
fn hour_at(tokens: &[Token<'_>], i: usize, lang: Language) -> Option<(i32, usize, bool)> {
    let token = tokens.get(i)?;
    if token.kind == TokenKind::Digits {
        let glued_to_code = token.glued && i > 0 && !tokens[i - 1].is_punct('(');
        let hour = token.digits(2).filter(|h| *h <= 24 && !glued_to_code)?;
        return Some((i32::try_from(hour).ok()?, i + 1, true));
    }
    let (hour, end) = words_at(tokens, i, lang, true)?;
    Some((i32::try_from(hour).ok().filter(|h| *h <= 24)?, end, false))
}

/// Minutes written with one or two digits or in words, up to 59.
fn minutes_at(tokens: &[Token<'_>], i: usize, lang: Language) -> Option<(i32, usize)> {
    let token = tokens.get(i)?;
    let (minutes, end) = match token.digits(2) {
        Some(m) => (i32::try_from(m).ok()?, i + 1),
        None => {
            let (m, end) = words_at(tokens, i, lang, false)?;
            (i32::try_from(m).ok()?, end)
        }
    };
    (minutes <= 59).then_some((minutes, end))
}

/// A cue word and the time after it: `alle 15`, `um 15 Uhr`, `a las tres y media`.
fn cued_at(
    tokens: &[Token<'_>],
    i: usize,
    lang: Language,
    words: &TimeWords,
) -> Option<(Time, usize)> {
    if let Some((_, end)) = match_any(tokens, i, words.one_oclock.iter().copied()) {
        let tail = clock_tail(tokens, end, lang, words, 1, true);
        return tail.or_else(|| Some((Time::new(1, 0, 0, 0).ok()?, end)));
    }
    let (_, start) = match_any(tokens, i, words.cues.iter().copied())?;
    named_at(tokens, start, words).or_else(|| clock_at(tokens, start, lang, words, true))
}

/// A clock time at `i`. Unless `cued`, it needs a mark that makes it a time (`:`, `h`,
/// `pm`, `Uhr`, `o'clock`, a half or a quarter).
fn clock_at(
    tokens: &[Token<'_>],
    i: usize,
    lang: Language,
    words: &TimeWords,
    cued: bool,
) -> Option<(Time, usize)> {
    let (hour, j, digits) = hour_at(tokens, i, lang)?;
    let glued = |k: usize| tokens.get(k).filter(|t| t.glued);
    let two_digits = |k: usize| glued(k).filter(|t| t.raw.len() == 2)?.digits(2);
    let mut minute = 0;
    let mut second = 0;
    let mut j = j;
    let mut explicit = false;
    if digits && glued(j).is_some_and(|t| t.is_punct(':')) {
        minute = i32::try_from(two_digits(j + 1)?).ok()?;
        j += 2;
        explicit = true;
        if glued(j).is_some_and(|t| t.is_punct(':'))
            && let Some(s) = two_digits(j + 1)
        {
            second = i32::try_from(s).ok()?;
            j += 2;
        }
    } else if digits && glued(j).is_some_and(|t| t.is_word("h")) {
        j += 1;
        explicit = true;
        if let Some(m) = two_digits(j) {
            minute = i32::try_from(m).ok()?;
            j += 1;
        }
    } else if cued
        && digits
        && glued(j).is_some_and(|t| t.is_punct('.'))
        && let Some(m) = two_digits(j + 1)
    {
        minute = i32::try_from(m).ok()?;
        j += 2;
        explicit = true;
    }
    if explicit {
        if let Some((_, end)) = match_any(tokens, j, suffix_words(words)) {
            j = end;
        }
        let (time, end) = finish(tokens, j, lang, words, hour, minute, second)?;
        return Some((time, end));
    }
    match clock_tail(tokens, j, lang, words, hour, cued) {
        Some(found) => Some(found),
        None if cued => finish(tokens, j, lang, words, hour, 0, 0),
        None => None,
    }
}

fn suffix_words(words: &TimeWords) -> impl Iterator<Item = &'static str> {
    words.suffixes.iter().map(|(w, _)| *w)
}

/// What may follow a bare hour: a suffix with minutes, a half, a quarter, minutes after a
/// connector (only when `cued`), or am/pm. None when nothing marks it as a time.
fn clock_tail(
    tokens: &[Token<'_>],
    j: usize,
    lang: Language,
    words: &TimeWords,
    hour: i32,
    cued: bool,
) -> Option<(Time, usize)> {
    let mut hour = hour;
    let mut minute = 0;
    let mut j = j;
    let mut explicit = false;
    if let Some((suffix, end)) = match_any(tokens, j, suffix_words(words)) {
        explicit = true;
        j = end;
        let takes_minutes = words.suffixes.iter().any(|&(w, m)| w == suffix && m);
        if takes_minutes && let Some((m, end)) = minutes_at(tokens, j, lang) {
            minute = m;
            j = end;
        }
    }
    if let Some((_, end)) = match_any(tokens, j, words.half_after.iter().copied()) {
        (minute, j, explicit) = (30, end, true);
    } else if let Some((_, end)) = match_any(tokens, j, words.quarter_after.iter().copied()) {
        (minute, j, explicit) = (15, end, true);
    } else if let Some((_, end)) = match_any(tokens, j, words.quarter_to.iter().copied()) {
        (hour, minute, j, explicit) = ((hour + 23) % 24, 45, end, true);
    } else if cued && !explicit {
        if let Some((m, end)) = match_any(tokens, j, words.plus_minutes.iter().copied())
            .and_then(|(_, k)| minutes_at(tokens, k, lang))
        {
            (minute, j, explicit) = (m, end, true);
        } else if let Some((m, end)) = match_any(tokens, j, words.minus_minutes.iter().copied())
            .and_then(|(_, k)| minutes_at(tokens, k, lang))
            .filter(|&(m, _)| m > 0)
        {
            (hour, minute, j, explicit) = ((hour + 23) % 24, 60 - m, end, true);
        }
    }
    if !explicit && meridiem_at(tokens, j, lang).is_none() {
        return None;
    }
    finish(tokens, j, lang, words, hour, minute, 0)
}

/// Applies am/pm and parts of the day after a time, then builds it.
fn finish(
    tokens: &[Token<'_>],
    j: usize,
    lang: Language,
    words: &TimeWords,
    hour: i32,
    minute: i32,
    second: i32,
) -> Option<(Time, usize)> {
    let mut hour = hour;
    let mut j = j;
    if let Some((pm, end)) = meridiem_at(tokens, j, lang) {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        j = end;
    } else if let Some((_, end)) = match_any(tokens, j, words.pm_after.iter().copied()) {
        if (1..=11).contains(&hour) {
            hour += 12;
        }
        j = end;
    } else if let Some((_, end)) = match_any(tokens, j, words.am_after.iter().copied()) {
        if hour == 12 {
            hour = 0;
        }
        j = end;
    }
    let time = Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()?;
    Some((time, j))
}

/// `am`, `pm`, `a.m.`, `p.m.`; German `am` is "on the", so it is not a meridiem there.
fn meridiem_at(tokens: &[Token<'_>], j: usize, lang: Language) -> Option<(bool, usize)> {
    let token = tokens.get(j)?;
    if token.is_word("pm") || (token.is_word("am") && lang != Language::De) {
        return Some((token.is_word("pm"), j + 1));
    }
    let letter = (token.is_word("a") || token.is_word("p")).then_some(token.is_word("p"))?;
    let dot = tokens.get(j + 1).filter(|t| t.glued && t.is_punct('.'))?;
    let m = tokens
        .get(j + 2)
        .filter(|t| t.glued && t.is_word("m") && dot.glued)?;
    let closing = tokens
        .get(j + 3)
        .is_some_and(|t| t.glued && t.is_punct('.') && m.glued);
    Some((letter, if closing { j + 4 } else { j + 3 }))
}

/// `half past 2`, `quarter to 3`, `halb drei`, `viertel nach drei`.
fn before_hour_at(
    tokens: &[Token<'_>],
    i: usize,
    lang: Language,
    words: &TimeWords,
) -> Option<(Time, usize)> {
    let (phrase, k) = match_any(tokens, i, words.before_hour.iter().map(|(p, _)| *p))?;
    let &(_, offset) = words.before_hour.iter().find(|(p, _)| *p == phrase)?;
    let (hour, mut end, _) = hour_at(tokens, k, lang)?;
    if let Some((_, after)) = match_any(tokens, end, suffix_words(words)) {
        end = after;
    }
    let minutes = (hour * 60 + offset).rem_euclid(24 * 60);
    finish(tokens, end, lang, words, minutes / 60, minutes % 60, 0)
}

/// Noon and midnight.
fn named_at(tokens: &[Token<'_>], i: usize, words: &TimeWords) -> Option<(Time, usize)> {
    if let Some((_, end)) = match_any(tokens, i, words.noon.iter().copied()) {
        return Some((Time::new(12, 0, 0, 0).ok()?, end));
    }
    let (_, end) = match_any(tokens, i, words.midnight.iter().copied())?;
    Some((Time::midnight(), end))
}
