//! Finds bare URLs (`https://…`, `http://…`, `www.…`) and e-mail addresses in plain text.
//!
//! CommonMark only links `<https://…>`; chat authors and agents type bare addresses, so the
//! renderer runs this over text events (never inside code or existing links). The scan is
//! a single forward pass: every byte is looked at a bounded number of times.

use std::ops::Range;

/// A link found in plain text: where it is and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundLink {
    /// Byte range of the visible text.
    pub(crate) span: Range<usize>,
    /// The destination, with a scheme (`https://` is added to `www.` addresses).
    pub(crate) href: String,
}

/// Characters that may end a URL in prose but are rarely part of it.
const TRAILING_PUNCTUATION: &[char] = &['.', ',', ':', ';', '!', '?', '\'', '"', '*', '_', '~'];

/// Every bare link in `text`, in order, non-overlapping.
pub(crate) fn find_links(text: &str) -> Vec<FoundLink> {
    let bytes = text.as_bytes();
    let mut links = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        if at_word_start && let Some(link) = url_at(text, i) {
            i = link.span.end;
            links.push(link);
            continue;
        }
        if bytes[i] == b'@'
            && let Some(link) = email_around(text, i, links.last().map_or(0, |l| l.span.end))
        {
            i = link.span.end;
            links.push(link);
            continue;
        }
        i += 1;
    }
    links
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// A URL starting exactly at `start`, if one does.
fn url_at(text: &str, start: usize) -> Option<FoundLink> {
    let rest = &text[start..];
    let prefix_len = ["https://", "http://", "www."]
        .iter()
        .find(|p| starts_with_ignore_case(rest, p))
        .map(|p| p.len())?;
    let body_end = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .map_or(rest.len(), |(i, _)| i);
    let url = trim_url_end(&rest[..body_end]);
    let host = url.get(prefix_len..).unwrap_or_default();
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || (prefix_len == 4 && !host.contains('.')) {
        return None;
    }
    let href = if prefix_len == 4 {
        format!("https://{url}")
    } else {
        url.to_owned()
    };
    Some(FoundLink {
        span: start..start + url.len(),
        href,
    })
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Drops trailing prose punctuation and closing parentheses that have no opening partner
/// inside the URL (`(see https://x.org/a)` keeps `https://x.org/a`).
fn trim_url_end(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let unbalanced_paren = last == ')' && url.matches(')').count() > url.matches('(').count();
        if TRAILING_PUNCTUATION.contains(&last) || unbalanced_paren {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

/// An e-mail address whose `@` is at `at`, not reaching back before `floor`.
fn email_around(text: &str, at: usize, floor: usize) -> Option<FoundLink> {
    let bytes = text.as_bytes();
    let is_local =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let is_domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut start = at;
    while start > floor && at - start < 64 && is_local(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = at + 1;
    while end < bytes.len() && end - at <= 253 && is_domain(bytes[end]) {
        end += 1;
    }
    while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    while start < at && bytes[start] == b'.' {
        start += 1;
    }
    let local = &text[start..at];
    let domain = &text[at + 1..end];
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let valid = !local.is_empty()
        && !local.contains("..")
        && !local.ends_with('.')
        && domain.contains('.')
        && !domain.contains("..")
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic());
    valid.then(|| FoundLink {
        span: start..end,
        href: format!("mailto:{local}@{domain}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(text: &str) -> Vec<(String, String)> {
        find_links(text)
            .into_iter()
            .map(|l| (text[l.span].to_owned(), l.href))
            .collect()
    }

    fn pair(visible: &str, href: &str) -> (String, String) {
        (visible.to_owned(), href.to_owned())
    }

    #[test]
    fn https_and_www_addresses_are_found_with_a_scheme() {
        assert_eq!(
            hrefs("see https://shop.example/returns and www.example.com/help today"),
            vec![
                pair(
                    "https://shop.example/returns",
                    "https://shop.example/returns"
                ),
                pair("www.example.com/help", "https://www.example.com/help"),
            ]
        );
    }

    #[test]
    fn sentence_punctuation_and_unbalanced_parentheses_stay_outside() {
        assert_eq!(
            hrefs("(see http://a.example/x_(y)), then stop."),
            vec![pair("http://a.example/x_(y)", "http://a.example/x_(y)")]
        );
        assert_eq!(
            hrefs("Go to https://a.example."),
            vec![pair("https://a.example", "https://a.example")]
        );
    }

    #[test]
    fn email_addresses_become_mailto_links() {
        assert_eq!(
            hrefs("write to help.desk+it@shop.example."),
            vec![pair(
                "help.desk+it@shop.example",
                "mailto:help.desk+it@shop.example"
            )]
        );
    }

    #[test]
    fn words_that_merely_contain_a_scheme_are_not_links() {
        assert!(hrefs("xhttps://a.example").is_empty());
        assert!(hrefs("www.nodot").is_empty());
        assert!(hrefs("https://").is_empty());
        assert!(hrefs("me@localhost and @handle").is_empty());
    }
}
