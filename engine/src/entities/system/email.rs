//! `sys_email`: e-mail addresses.
//!
//! Practical validation rather than full RFC 5322: an ASCII local part of letters, digits
//! and `.!#$%&'*+/=?^_`{|}~-` (1-64 bytes, no leading, trailing or doubled dot), `@`, and a
//! domain of at least two dot-separated labels (letters, digits, inner hyphens, 1-63 bytes
//! each, 253 at most) ending in an alphabetic top-level label of two or more letters. The
//! whole address is at most 254 bytes. Quoted local parts, IP-literal domains and
//! internationalized addresses are not recognized. The domain is lowercased; the local
//! part is kept as written. Trailing sentence punctuation is not part of the address.

use std::ops::Range;

use super::text::scan_window;

const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;
const MAX_ADDRESS: usize = 254;

/// The first e-mail address in `text`.
pub fn email(text: &str) -> Option<String> {
    find(scan_window(text))
        .into_iter()
        .next()
        .map(|(address, _)| address)
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-.".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// Every e-mail address in `text`, in order, with its byte span.
pub(super) fn find(text: &str) -> Vec<(String, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut floor = 0;
    for at in memchr_all(bytes, b'@') {
        if at < floor {
            continue;
        }
        let mut start = at;
        while start > floor && is_local_byte(bytes[start - 1]) && at - start <= MAX_LOCAL {
            start -= 1;
        }
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && is_domain_byte(bytes[end]) && end - at <= MAX_DOMAIN + 1 {
            end += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let (local, domain) = (&text[start..at], &text[at + 1..end]);
        if valid_local(local) && valid_domain(domain) && end - start <= MAX_ADDRESS {
            found.push((
                format!("{local}@{}", domain.to_ascii_lowercase()),
                start..end,
            ));
            floor = end;
        }
    }
    found
}

fn memchr_all(bytes: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(move |&(_, &b)| b == needle)
        .map(|(i, _)| i)
}

fn valid_local(local: &str) -> bool {
    (1..=MAX_LOCAL).contains(&local.len()) && !local.ends_with('.') && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len()) && !label.starts_with('-') && !label.ends_with('-')
    };
    let tld = labels.last().copied().unwrap_or_default();
    domain.len() <= MAX_DOMAIN
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_inside_sentences() {
        let cases = [
            ("mario.rossi@example.it", Some("mario.rossi@example.it")),
            (
                "write to Help.Desk+it@Shop.Example.COM.",
                Some("Help.Desk+it@shop.example.com"),
            ),
            ("<anna_b@mail.example.org>", Some("anna_b@mail.example.org")),
            ("email: x@y.co, thanks", Some("x@y.co")),
            ("first a@b.example then c@d.example", Some("a@b.example")),
            ("l'email è o'brien@example.ie", Some("o'brien@example.ie")),
        ];
        for (text, expected) in cases {
            assert_eq!(email(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn malformed_addresses_are_not_addresses() {
        for text in [
            "no address here",
            "@example.com",
            "user@",
            "user@localhost",
            "user@example.c",
            "user@example.123",
            "user@-example.com",
            "user@exa..mple.com",
            "a..b@example.com",
            "@@@",
            "user@.com",
        ] {
            assert_eq!(email(text), None, "{text:?}");
        }
    }

    #[test]
    fn leading_dots_are_trimmed_and_overlong_parts_are_refused() {
        assert_eq!(
            email("...user@example.com").as_deref(),
            Some("user@example.com")
        );
        let longest_local = format!("{}@example.com", "a".repeat(MAX_LOCAL));
        assert_eq!(email(&longest_local), Some(longest_local.clone()));
        let long_local = format!("{}@example.com", "a".repeat(MAX_LOCAL + 1));
        assert_eq!(email(&long_local), None);
        let long_label = format!("user@{}.com", "a".repeat(64));
        assert_eq!(email(&long_label), None);
    }

    #[test]
    fn every_address_is_found_with_its_span() {
        let text = "a@b.example, c@d.example";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[1].1.clone()], "c@d.example");
    }

    #[test]
    fn huge_inputs_are_bounded() {
        let text = format!("{} me@example.com", "@".repeat(1_000_000));
        assert_eq!(email(&text), None);
        assert_eq!(email(&"a@".repeat(100_000)), None);
    }
}
