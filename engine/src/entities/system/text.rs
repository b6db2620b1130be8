//! Tokens shared by the system-entity scanners: words, digit runs and punctuation, each with
//! its byte span in the original text, a folded form for matching, and whether whitespace
//! separates it from the previous token.
//!
//! Folding lowercases and strips the diacritics of Latin letters (`Lunedì` -> `lunedi`,
//! `Übermorgen` -> `ubermorgen`, `ß` -> `ss`), so users who skip accents are understood.

use std::ops::Range;

/// Only this many leading bytes of a message are scanned for entities: a chat answer that
/// carries a date, a number or a yes/no says it early, and it bounds the work on 1 MB inputs.
pub const SCAN_LIMIT_BYTES: usize = 4096;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// Letters, possibly with inner apostrophes (`aujourd'hui`).
    Word,
    /// ASCII digits.
    Digits,
    /// One character that is neither a letter, a digit nor whitespace.
    Punct,
}

/// One token of the scanned text.
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    /// What the token is made of.
    pub(super) kind: TokenKind,
    /// The token as written.
    pub(super) raw: &'a str,
    /// Folded form of a word; the raw text of digits and punctuation.
    pub(super) norm: String,
    /// Byte range in the scanned text.
    pub(super) span: Range<usize>,
    /// No whitespace between this token and the previous one.
    pub(super) glued: bool,
}

impl Token<'_> {
    /// Whether this is the word `word` (folded).
    pub(super) fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.norm == word
    }

    /// Whether this is the punctuation character `c`.
    pub(super) fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct && self.raw.starts_with(c)
    }

    /// The value of a digit run of at most `max_len` digits.
    pub(super) fn digits(&self, max_len: usize) -> Option<u32> {
        if self.kind != TokenKind::Digits || self.raw.len() > max_len {
            return None;
        }
        self.raw.parse().ok()
    }
}

/// The prefix of `text` that is scanned: at most [`SCAN_LIMIT_BYTES`], cut at a char boundary.
pub(super) fn scan_window(text: &str) -> &str {
    if text.len() <= SCAN_LIMIT_BYTES {
        return text;
    }
    let mut end = SCAN_LIMIT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Splits `text` into tokens. Whitespace and control characters separate tokens.
pub(super) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut glued = false;
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() || c.is_control() {
            glued = false;
            continue;
        }
        let mut end = start + c.len_utf8();
        let kind = if c.is_alphabetic() {
            while let Some(&(i, next)) = chars.peek() {
                let inner_apostrophe = is_apostrophe(next)
                    && text[i + next.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphabetic);
                if !next.is_alphabetic() && !inner_apostrophe {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            TokenKind::Word
        } else if c.is_ascii_digit() {
            while let Some(&(i, next)) = chars.peek() {
                if !next.is_ascii_digit() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            TokenKind::Digits
        } else {
            TokenKind::Punct
        };
        let raw = &text[start..end];
        let norm = if kind == TokenKind::Word {
            fold(raw)
        } else {
            raw.to_owned()
        };
        tokens.push(Token {
            kind,
            raw,
            norm,
            span: start..end,
            glued,
        });
        glued = true;
    }
    tokens
}

/// Lowercases `word` and strips Latin diacritics; typographic apostrophes become `'`.
pub(super) fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2019}' => out.push('\''),
            other => out.push(other),
        }
    }
    out
}

/// If the space-separated folded words of `phrase` start at token `i` (hyphens between
/// them allowed, as in `après-demain`), the index just after the phrase.
pub(super) fn match_phrase(tokens: &[Token<'_>], i: usize, phrase: &str) -> Option<usize> {
    let mut j = i;
    for (n, word) in phrase.split(' ').enumerate() {
        if n > 0 && tokens.get(j).is_some_and(|t| t.is_punct('-') && t.glued) {
            j += 1;
        }
        if !tokens.get(j)?.is_word(word) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// The first phrase of `phrases` that matches at `i`, longest first, with its end index.
/// Every phrase starts with a word, so other tokens are rejected at once, and a phrase is
/// only walked when its first word is the token (the hot path is one byte comparison).
pub(super) fn match_any<'p>(
    tokens: &[Token<'_>],
    i: usize,
    phrases: impl IntoIterator<Item = &'p str>,
) -> Option<(&'p str, usize)> {
    let first = tokens
        .get(i)
        .filter(|t| t.kind == TokenKind::Word)?
        .norm
        .as_str();
    phrases
        .into_iter()
        .filter(|p| {
            p.starts_with(first) && p.as_bytes().get(first.len()).is_none_or(|&b| b == b' ')
        })
        .filter_map(|p| match_phrase(tokens, i, p).map(|end| (p, end)))
        .max_by_key(|&(_, end)| end)
}

/// The byte span from token `from` to token `to` (exclusive).
pub(super) fn span_of(tokens: &[Token<'_>], from: usize, to: usize) -> Range<usize> {
    let start = tokens.get(from).map_or(0, |t| t.span.start);
    let end = tokens
        .get(to.saturating_sub(1))
        .map_or(start, |t| t.span.end);
    start..end.max(start)
}

/// Whether `tokens` hold exactly one non-punctuation token.
pub(super) fn is_single_term(tokens: &[Token<'_>]) -> bool {
    tokens.iter().filter(|t| t.kind != TokenKind::Punct).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, String, bool)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.kind, t.norm, t.glued))
            .collect()
    }

    #[test]
    fn digits_letters_and_punctuation_split_and_remember_gluing() {
        use TokenKind::{Digits, Punct, Word};
        assert_eq!(
            kinds("14h30, Lunedì"),
            vec![
                (Digits, "14".to_owned(), false),
                (Word, "h".to_owned(), true),
                (Digits, "30".to_owned(), true),
                (Punct, ",".to_owned(), true),
                (Word, "lunedi".to_owned(), false),
            ]
        );
    }

    #[test]
    fn inner_apostrophes_stay_in_the_word() {
        let tokens = tokenize("Aujourd’hui l'11 d'accord");
        let words: Vec<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, ["aujourd'hui", "l", "'", "11", "d'accord"]);
    }

    #[test]
    fn the_scan_window_is_cut_at_a_char_boundary() {
        let text = format!("{}é", "a".repeat(SCAN_LIMIT_BYTES - 1));
        assert_eq!(scan_window(&text).len(), SCAN_LIMIT_BYTES - 1);
        assert_eq!(scan_window("short"), "short");
    }

    #[test]
    fn phrases_match_across_hyphens_longest_first() {
        let tokens = tokenize("après-demain");
        assert_eq!(match_phrase(&tokens, 0, "apres demain"), Some(3));
        assert_eq!(
            match_any(&tokens, 0, ["apres", "apres demain"]),
            Some(("apres demain", 3))
        );
    }
}
