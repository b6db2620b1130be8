//! `sys_number`: numbers written with digits or words.
//!
//! Digits follow the language's separators: `1,234.5` in English, `1.234,5` in Italian,
//! German and Spanish, `1 234,5` or `1.234,5` in French. A single separator that cannot be
//! a thousands separator (not followed by exactly three digits) is read as the decimal
//! mark, so `1,5` in English and `1.5` in Italian are both 1.5. A leading `-` makes the
//! number negative. More than 32 digits are not a number. Digits glued to a preceding word
//! (`AB123`) are a code, not a number.
//!
//! Words cover zero to the millions in every language: units, teens, tens, hundreds,
//! thousands, compounds written as one word (`ventitré`, `dreiundzwanzig`, `veintiséis`,
//! `duemilacinquecento`) or with hyphens (`quatre-vingt-dix-sept`), and connectors (`one
//! hundred and five`, `vingt et un`, `treinta y uno`). Indefinite articles (`a`, `un`,
//! `una`, `eine`) count as one only before a multiplier (`a hundred`, `un milione`) or when
//! they are the whole answer. Ordinals and fractions in words are not understood.

mod words;

#[cfg(test)]
mod tests;

use std::ops::Range;

use super::text::{Token, TokenKind, is_single_term, scan_window, span_of, tokenize};
use crate::Language;
use words::{Numeral, segment};

/// Longer digit strings are identifiers, not quantities.
const MAX_DIGITS: usize = 32;

/// At most this many digit groups are read (`1.234.567.890.123.456` has six), which keeps
/// scanning `1.1.1.1…` linear.
const MAX_GROUPS: usize = 12;

/// The first number in `text` (see the module doc for what is understood).
pub fn number(text: &str, lang: Language) -> Option<f64> {
    find(&tokenize(scan_window(text)), lang)
        .first()
        .map(|(value, _)| *value)
}

/// Every number in `tokens`, in order, with its byte span.
pub(super) fn find(tokens: &[Token<'_>], lang: Language) -> Vec<(f64, Range<usize>)> {
    let alone = is_single_term(tokens);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let parsed = digits_at(tokens, i, lang)
            .or_else(|| words_at(tokens, i, lang, alone).map(|(v, end)| (v as f64, end)));
        match parsed {
            Some((value, end)) => {
                found.push((value, span_of(tokens, i, end)));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// A number written with digits starting at token `i` (sign included), and the index after.
pub(super) fn digits_at(tokens: &[Token<'_>], i: usize, lang: Language) -> Option<(f64, usize)> {
    let first = tokens.get(i)?;
    let (negative, start) = if (first.is_punct('-') || first.is_punct('\u{2212}'))
        && tokens
            .get(i + 1)
            .is_some_and(|t| t.kind == TokenKind::Digits && t.glued)
        && !(first.glued && i > 0 && tokens[i - 1].kind != TokenKind::Punct)
    {
        (true, i + 1)
    } else {
        (false, i)
    };
    let head = tokens.get(start)?;
    if head.kind != TokenKind::Digits
        || (head.glued && start > 0 && tokens[start - 1].kind == TokenKind::Word)
    {
        return None;
    }
    let mut groups = vec![head.raw];
    let mut separators = Vec::new();
    // group_ends[k] = the token index just after digit group k.
    let mut group_ends = vec![start + 1];
    while groups.len() < MAX_GROUPS {
        let end = group_ends[group_ends.len() - 1];
        match (tokens.get(end), tokens.get(end + 1)) {
            (Some(sep), Some(next))
                if (sep.is_punct(',') || sep.is_punct('.'))
                    && sep.glued
                    && next.glued
                    && next.kind == TokenKind::Digits =>
            {
                separators.push(if sep.is_punct(',') { ',' } else { '.' });
                groups.push(next.raw);
                group_ends.push(end + 2);
            }
            (Some(next), _)
                if lang == Language::Fr
                    && !next.glued
                    && next.kind == TokenKind::Digits
                    && next.raw.len() == 3
                    && separators.iter().all(|&s| s == ' ')
                    && groups[0].len() <= 3 =>
            {
                separators.push(' ');
                groups.push(next.raw);
                group_ends.push(end + 1);
            }
            _ => break,
        }
    }
    if groups.iter().map(|g| g.len()).sum::<usize>() > MAX_DIGITS {
        return None;
    }
    let (value, used) = interpret(&groups, &separators, lang);
    let value = if negative { -value } else { value };
    Some((value, group_ends[used]))
}

/// Reads digit groups and the separators between them; returns the value and how many
/// separators it used (fewer than given when the tail does not fit, as in `21.11.2026`).
fn interpret(groups: &[&str], separators: &[char], lang: Language) -> (f64, usize) {
    let (grouping, decimal) = match lang {
        Language::En => (',', '.'),
        Language::It | Language::De | Language::Fr | Language::Es => ('.', ','),
    };
    let is_grouping = |s: char| s == grouping || (lang == Language::Fr && s == ' ');
    let parse = |digits: &str| digits.parse::<f64>().unwrap_or(0.0);
    let (last_sep, body) = match separators.split_last() {
        None => return (parse(groups[0]), 0),
        Some((last, body)) => (*last, body),
    };
    let thousands_ok = |count: usize| {
        count == 0 || (groups[0].len() <= 3 && groups[1..=count].iter().all(|g| g.len() == 3))
    };
    let integer = |count: usize| groups[..=count].concat();
    // Strict reading: grouping separators, then maybe one decimal mark.
    if body.iter().all(|&s| is_grouping(s)) && thousands_ok(body.len()) {
        if last_sep == decimal {
            let text = format!("{}.{}", integer(body.len()), groups[body.len() + 1]);
            return (parse(&text), separators.len());
        }
        if is_grouping(last_sep) && thousands_ok(separators.len()) {
            return (parse(&integer(separators.len())), separators.len());
        }
    }
    // Lenient reading: one separator that cannot group thousands is the decimal mark.
    if separators.len() == 1 && last_sep != ' ' {
        return (parse(&format!("{}.{}", groups[0], groups[1])), 1);
    }
    (parse(groups[0]), 0)
}

/// A number written in words starting at token `i`, and the index after it.
/// `article_alone` lets a lone article (`una`) count as one.
pub(super) fn words_at(
    tokens: &[Token<'_>],
    i: usize,
    lang: Language,
    article_alone: bool,
) -> Option<(u64, usize)> {
    let mut total = Accumulator::default();
    let mut j = i;
    let mut end = None;
    while let Some(token) = tokens.get(j) {
        let mut k = j;
        if k > i && token.is_punct('-') && token.glued {
            k += 1;
        }
        let Some(word) = tokens.get(k).filter(|t| t.kind == TokenKind::Word) else {
            break;
        };
        let Some(parts) = segment(&word.norm, lang) else {
            break;
        };
        if parts == [Numeral::Connector] {
            if end != Some(j) {
                break; // nothing before it, or two connectors in a row
            }
            j = k + 1;
            continue;
        }
        let mut trial = total.clone();
        if !merge_german_units(&parts)
            .into_iter()
            .all(|p| trial.apply(p, lang))
        {
            break;
        }
        total = trial;
        j = k + 1;
        end = Some(j);
    }
    let end = end?;
    if total.article_only && !article_alone {
        return None;
    }
    Some((total.value(), end))
}

/// German writes units before tens: `drei und zwanzig` is 23.
fn merge_german_units(parts: &[Numeral]) -> Vec<Numeral> {
    let mut merged = Vec::with_capacity(parts.len());
    let mut k = 0;
    while k < parts.len() {
        let unit = match parts[k] {
            Numeral::Value(u) if u < 10 => Some(u),
            Numeral::Article => Some(1),
            _ => None,
        };
        if let (Some(unit), Some(Numeral::Connector), Some(Numeral::Value(tens))) =
            (unit, parts.get(k + 1), parts.get(k + 2))
            && *tens >= 20
            && tens % 10 == 0
        {
            merged.push(Numeral::Value(tens + unit));
            k += 3;
            continue;
        }
        merged.push(parts[k]);
        k += 1;
    }
    merged
}

/// The running value while number words are read.
#[derive(Debug, Clone, Default)]
struct Accumulator {
    /// Thousands and millions already closed.
    total: u64,
    /// The group below a thousand being built.
    group: u64,
    /// Anything was read.
    started: bool,
    /// Only an article was read so far.
    article_only: bool,
}

impl Accumulator {
    fn value(&self) -> u64 {
        self.total + self.group
    }

    /// Adds one numeral; false when it cannot follow what was read.
    fn apply(&mut self, numeral: Numeral, lang: Language) -> bool {
        let ok = match numeral {
            Numeral::Article if !self.started => {
                self.group = 1;
                self.article_only = true;
                true
            }
            Numeral::Value(_) | Numeral::Article | Numeral::Connector if self.article_only => false,
            Numeral::Value(v) => self.add(v, lang),
            Numeral::Article => self.add(1, lang),
            Numeral::Connector => false,
            Numeral::Hundred if self.group < 100 => {
                self.group = self.group.max(1) * 100;
                true
            }
            Numeral::Thousand if self.total.is_multiple_of(1_000_000) && self.group < 1000 => {
                self.total += self.group.max(1) * 1000;
                self.group = 0;
                true
            }
            Numeral::Million if self.total == 0 && self.group < 1000 => {
                self.total = self.group.max(1) * 1_000_000;
                self.group = 0;
                true
            }
            Numeral::Hundred | Numeral::Thousand | Numeral::Million => false,
        };
        if ok {
            if matches!(
                numeral,
                Numeral::Hundred | Numeral::Thousand | Numeral::Million
            ) {
                self.article_only = false;
            }
            self.started = true;
        }
        ok
    }

    /// Adds `v` to the group when it fills only lower places (`twenty` + `three`).
    fn add(&mut self, v: u64, lang: Language) -> bool {
        let g = self.group;
        let place = 10_u64.pow(v.checked_ilog10().unwrap_or(0) + 1);
        if lang == Language::Fr && g % 100 == 4 && v == 20 {
            self.group = g - 4 + 80; // quatre-vingt
            return true;
        }
        let soixante_dix = lang == Language::Fr && matches!(g % 100, 60 | 80) && v < 20;
        let allowed = g == 0 || soixante_dix || (g.is_multiple_of(place) && v < 1000);
        if allowed {
            self.group = g + v;
        }
        allowed
    }
}
