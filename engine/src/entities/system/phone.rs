//! `sys_phone`: telephone numbers, normalized toward E.164.
//!
//! A phone number is 7 to 15 digits, optionally starting with `+` or `00` (an
//! international prefix), grouped with spaces, `-`, `.`, `/` or parentheses
//! (`+39 06 1234 5678`, `(555) 123-4567`, `030/1234567`, `0039 06 12345678`). The result
//! is `+` and the digits when a country code was given (`00` becomes `+`, and a trunk
//! `(0)` after it is dropped: `+44 (0)20 7946 0018` -> `+442079460018`), otherwise the
//! national digits alone (`06 1234 5678` -> `0612345678`), since the country is unknown.
//! Dates (`21/11/2026`, `2026-11-21`) and grouped amounts (`1.234.567`) are not phones.

use std::ops::Range;

use super::text::scan_window;

const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

/// The first phone number in `text`, normalized.
pub fn phone(text: &str) -> Option<String> {
    find(scan_window(text))
        .into_iter()
        .next()
        .map(|(number, _)| number)
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}')
}

/// Every phone number in `text`, in order, with its byte span.
pub(super) fn find(text: &str) -> Vec<(String, Range<usize>)> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut previous: Option<char> = None;
    while let Some((start, c)) = chars.next() {
        let starts_number = (c == '+' || c == '(' || c.is_ascii_digit())
            && !previous.is_some_and(|p| p.is_alphanumeric() || p == '+');
        previous = Some(c);
        if !starts_number {
            continue;
        }
        let rest = &text[start..];
        let Some((candidate_len, digits)) = candidate(rest) else {
            continue;
        };
        let raw = &rest[..candidate_len];
        if let Some(number) = normalize(raw, &digits) {
            found.push((number, start..start + candidate_len));
        }
        // Skip the whole candidate, valid or not, so its digits are not read again.
        while chars
            .peek()
            .is_some_and(|&(i, _)| i < start + candidate_len)
        {
            previous = chars.next().map(|(_, c)| c);
        }
    }
    found
}

/// The length of the phone-shaped run at the start of `rest` (ending on a digit or `)`),
/// and its digits. Runs of more than three separators in a row end it; a run with too many
/// digits is still read whole, so no phone is carved out of its tail.
fn candidate(rest: &str) -> Option<(usize, String)> {
    let mut digits = String::new();
    let mut end = 0;
    let mut separators_in_a_row = 0;
    for (i, c) in rest.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
            separators_in_a_row = 0;
            end = i + 1;
        } else if (c == '+' && i == 0) || (is_separator(c) && separators_in_a_row < 3) {
            separators_in_a_row += 1;
            if c == ')' {
                end = i + 1;
            }
        } else {
            break;
        }
    }
    let raw = rest[..end].trim_end_matches([' ', '-', '.', '/', '(', '\u{a0}']);
    let raw = if raw.ends_with(')') && raw.matches('(').count() < raw.matches(')').count() {
        &raw[..raw.len() - 1]
    } else {
        raw
    };
    (!digits.is_empty()).then_some((raw.len(), digits))
}

fn normalize(raw: &str, digits: &str) -> Option<String> {
    let international = raw.starts_with('+') || digits.starts_with("00");
    if !international && (looks_like_date(raw) || looks_like_amount(raw)) {
        return None;
    }
    let digits = if raw.starts_with('+') {
        digits
    } else {
        digits.strip_prefix("00").unwrap_or(digits)
    };
    let digits = if international && let Some(trunk) = raw.find("(0)") {
        let before = raw[..trunk].chars().filter(char::is_ascii_digit).count();
        format!("{}{}", &digits[..before], &digits[before + 1..])
    } else {
        digits.to_owned()
    };
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return None;
    }
    Some(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

fn groups(raw: &str) -> Vec<&str> {
    raw.split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect()
}

/// `21/11/2026`, `21.11.26`, `2026-11-21`: three groups shaped like a date.
fn looks_like_date(raw: &str) -> bool {
    let sizes: Vec<usize> = groups(raw).iter().map(|g| g.len()).collect();
    let short = |n: usize| (1..=2).contains(&n);
    match sizes.as_slice() {
        [d, m, y] => {
            (short(*d) && short(*m) && matches!(y, 2 | 4)) || (*d == 4 && short(*m) && short(*y))
        }
        _ => false,
    }
}

/// `1.234.567` or `1,234,567`: thousands groups, an amount rather than a phone.
fn looks_like_amount(raw: &str) -> bool {
    let groups = groups(raw);
    raw.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && groups.len() > 1
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalized_toward_e164() {
        let cases = [
            ("+39 06 1234 5678", Some("+390612345678")),
            (
                "call me at +39-06-1234-5678 tomorrow",
                Some("+390612345678"),
            ),
            ("0039 06 12345678", Some("+390612345678")),
            ("+44 (0)20 7946 0018", Some("+442079460018")),
            ("(555) 123-4567", Some("5551234567")),
            ("06 1234 5678", Some("0612345678")),
            ("030/1234567", Some("0301234567")),
            ("+1.555.123.4567", Some("+15551234567")),
            ("+49 30 901820", Some("+4930901820")),
            ("tel: 3331234567.", Some("3331234567")),
        ];
        for (text, expected) in cases {
            assert_eq!(phone(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn too_short_too_long_dates_and_amounts_are_not_phones() {
        for text in [
            "123456",
            "1234567890123456",
            "21/11/2026",
            "2026-11-21",
            "1.234.567",
            "order AB12345678",
            "no digits",
            "+",
            "()",
            "++--..//",
        ] {
            assert_eq!(phone(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_number_is_found_with_its_span() {
        let text = "home 06 1234 5678, mobile +39 333 123 4567";
        let found = find(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(&text[found[0].1.clone()], "06 1234 5678");
        assert_eq!(&text[found[1].1.clone()], "+39 333 123 4567");
    }

    #[test]
    fn huge_inputs_are_bounded() {
        assert_eq!(phone(&"1 ".repeat(1_000_000)), None);
        assert_eq!(
            phone(&format!("{} +39 06 1234 5678", "x".repeat(1_000_000))),
            None
        );
        assert_eq!(
            phone("\u{0}+39\u{7}0612345678").as_deref(),
            Some("0612345678")
        );
    }
}
