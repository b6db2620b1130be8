//! Property tests: whatever markdown comes in, the rendered HTML is inert.
//!
//! The output is parsed with a small tag reader (enough for ammonia's serializer, which
//! always quotes attribute values with `"` and escapes `<` in text) and checked for:
//! no element outside the allowlist (so no `<script>`, `<svg>`, `<iframe>`, `<style>`), no
//! `on*` or `style` attribute, and no `href`/`src` whose entity-decoded, lowercased,
//! blank-stripped value starts with `javascript:`, `vbscript:` or `data:`; in fact every
//! URL must use `http`, `https`, `mailto` or `tel`.

use proptest::prelude::*;
use staffetta_engine::markdown::{MarkdownError, render};

const ALLOWED_TAGS: &[&str] = &[
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

const HOSTILE: &[&str] = &[
    "<script>",
    "</script>",
    "<script src=//x.example/a.js></script>",
    "<img src=x onerror=alert(1)>",
    "javascript:",
    "JaVaScRiPt:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "jav&#x09;ascript:",
    "java\u{0}script:",
    "vbscript:",
    "VBScript:",
    "data:text/html;base64,PHNjcmlwdD4=",
    "data:",
    "[x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n",
    "[x]",
    "<a href=javascript:alert(1)>",
    "<a href=\"data:x\">",
    "</a>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>",
    "style=",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "&colon;",
    "&amp;",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "\"",
    "'",
    " onmouseover=alert(1) ",
    "\n",
    "\n\n",
    "    ",
    "`",
    "```",
    ">",
    "*",
    "_",
    "~~",
    "|",
    "| a | b |\n|---|---|\n",
    "(",
    ")",
    "[",
    "]",
    "!",
    "<",
    "/",
    "www.",
    "https://",
    "http://x.example/",
    "mailto:",
    "a@b.example",
    "&",
    "#",
    "- ",
    "1. ",
    "\t",
    "\u{202e}",
];

/// One `<tag attr="value" ...>` as read from the output.
struct ParsedTag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// Reads every tag in serialized HTML. Returns an error when the markup is not the
/// well-formed, double-quoted shape ammonia writes, which is itself a failure.
fn parse_tags(html: &str) -> Result<Vec<ParsedTag>, String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let closing = rest.starts_with('/');
        let body_start = usize::from(closing);
        let name_len = rest[body_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .ok_or("unterminated tag")?;
        let name = rest[body_start..body_start + name_len].to_ascii_lowercase();
        rest = &rest[body_start + name_len..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            let attr_len = rest.find(['=', ' ', '>']).ok_or("unterminated attribute")?;
            let attr = rest[..attr_len].to_ascii_lowercase();
            rest = &rest[attr_len..];
            let value = if let Some(after) = rest.strip_prefix("=\"") {
                let end = after.find('"').ok_or("unterminated attribute value")?;
                rest = &after[end + 1..];
                after[..end].to_owned()
            } else {
                String::new()
            };
            attributes.push((attr, value));
        }
        if name.is_empty() {
            return Err(format!("a bare '<' in the output: {html}"));
        }
        tags.push(ParsedTag { name, attributes });
    }
    Ok(tags)
}

/// Decodes the character references a browser would decode in an attribute value.
fn decode_entities(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp + 1..];
        let end = rest.find(';').unwrap_or(rest.len());
        let entity = &rest[..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "colon" => Some(':'),
            "tab" => Some('\t'),
            "newline" => Some('\n'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = rest.get(end + 1..).unwrap_or_default();
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    out
}

fn assert_inert(source: &str) -> Result<(), TestCaseError> {
    match render(source) {
        Ok(html) => check_html(&html).map_err(TestCaseError::fail),
        Err(MarkdownError::TooLarge { .. } | MarkdownError::TooDeep { .. }) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("unexpected error {other}"))),
    }
}

/// Checks rendered HTML against the properties in the module doc.
fn check_html(html: &str) -> Result<(), String> {
    if html.to_ascii_lowercase().contains("<script") {
        return Err(format!("script in {html}"));
    }
    for tag in parse_tags(html)? {
        if !ALLOWED_TAGS.contains(&tag.name.as_str()) {
            return Err(format!("tag {} in {html}", tag.name));
        }
        for (name, value) in &tag.attributes {
            if name.starts_with("on") || name == "style" {
                return Err(format!("attribute {name} in {html}"));
            }
            if name == "href" || name == "src" {
                let url = decode_entities(value)
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if ["javascript:", "vbscript:", "data:"]
                    .iter()
                    .any(|bad| url.starts_with(bad))
                {
                    return Err(format!("dangerous URL {url} in {html}"));
                }
                if !["http:", "https:", "mailto:", "tel:"]
                    .iter()
                    .any(|ok| url.starts_with(ok))
                {
                    return Err(format!("URL {url} outside the allowlist in {html}"));
                }
            }
        }
    }
    Ok(())
}

fn hostile_markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(HOSTILE), 0..48).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_renders_to_inert_html(source in any::<String>()) {
        assert_inert(&source)?;
    }

    #[test]
    fn hostile_fragments_render_to_inert_html(source in hostile_markdown()) {
        assert_inert(&source)?;
    }

    #[test]
    fn hostile_fragments_mixed_with_text_render_to_inert_html(
        parts in prop::collection::vec((hostile_markdown(), "[a-zA-Z0-9 :/.]{0,12}"), 0..8)
    ) {
        let source: String = parts.into_iter().map(|(hostile, text)| hostile + &text).collect();
        assert_inert(&source)?;
    }
}

#[test]
fn the_checker_rejects_each_kind_of_dangerous_output() {
    assert_eq!(
        check_html(r#"<p><a href="https://a.example" target="_blank">a</a></p>"#),
        Ok(())
    );
    for bad in [
        "<p><ScRiPt>x</script></p>",
        "<svg></svg>",
        r#"<img src="https://a.example" onerror="x">"#,
        r#"<p style="color:red">x</p>"#,
        r#"<a href="&#106;avascript:x">x</a>"#,
        r#"<a href=" java&#x09;script:x">x</a>"#,
        r#"<a href="VBSCRIPT:x">x</a>"#,
        r#"<img src="data:image/png;base64,AAAA">"#,
        r#"<a href="/relative">x</a>"#,
        "a < b",
    ] {
        assert!(check_html(bad).is_err(), "{bad}");
    }
}
