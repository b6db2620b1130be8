//! The one ammonia configuration every rendered message goes through.
//!
//! An allowlist: only the tags CommonMark + tables + strikethrough produce, no generic
//! attributes (so no `style`, no `on*`), URLs only with `http`, `https`, `mailto` or `tel`
//! (relative URLs are dropped because the widget runs inside someone else's page), images
//! only from `http(s)`, and every link opens in a new tab with `rel="noopener noreferrer"`.
//! `rel` is never an allowed attribute: ammonia panics when it is combined with `link_rel`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// URL schemes a link may use.
pub(crate) const LINK_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// URL schemes an image may be loaded from.
pub(crate) const IMAGE_SCHEMES: [&str; 2] = ["http", "https"];

/// Tags the renderer can produce; everything else is stripped (its text kept).
const TAGS: [&str; 26] = [
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

/// Builds the sanitizer. Called once per [`super::MarkdownRenderer`].
pub(crate) fn build() -> ammonia::Builder<'static> {
    let tag_attributes: HashMap<&'static str, HashSet<&'static str>> = [
        ("a", HashSet::from(["href", "title"])),
        ("img", HashSet::from(["src", "alt", "title"])),
        ("ol", HashSet::from(["start"])),
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(TAGS.into_iter().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(LINK_SCHEMES.into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
}

/// Keeps an image source only when it is an absolute `http(s)` URL.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    if element == "img" && attribute == "src" && !has_scheme(value, &IMAGE_SCHEMES) {
        return None;
    }
    Some(Cow::Borrowed(value))
}

/// Whether `url` starts with `scheme:` for one of `schemes`, ignoring case and the leading
/// whitespace and control characters browsers skip. Relative URLs have no scheme.
pub(crate) fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    let url = url.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let is_scheme = scheme
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    is_scheme && schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_matched_case_insensitively_after_leading_blanks() {
        assert!(has_scheme("HTTPS://a.example", &LINK_SCHEMES));
        assert!(has_scheme(" \t mailto:a@b.example", &LINK_SCHEMES));
        assert!(!has_scheme("javascript:alert(1)", &LINK_SCHEMES));
        assert!(!has_scheme("/relative/path:x", &LINK_SCHEMES));
        assert!(!has_scheme("tel:+39", &IMAGE_SCHEMES));
    }

    #[test]
    fn the_builder_does_not_panic_and_keeps_link_attributes() {
        let html = build()
            .clean(r#"<a href="https://a.example" rel="opener" onclick="x()">a</a>"#)
            .to_string();
        assert_eq!(
            html,
            r#"<a href="https://a.example" target="_blank" rel="noopener noreferrer">a</a>"#
        );
    }
}
