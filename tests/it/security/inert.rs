//! What "inert" means for HTML the server sends to a widget or a console: only the tags the
//! markdown renderer produces, only their few attributes (never `on*`, `style` or `srcdoc`),
//! every attribute value double-quoted, and every URL `http(s)` (links also `mailto`/`tel`)
//! once character references are decoded. Text never holds a raw `<`.

use serde_json::Value;

/// Tags and the attributes each may carry.
const ALLOWED: &[(&str, &[&str])] = &[
    ("p", &[]),
    ("br", &[]),
    ("hr", &[]),
    ("h1", &[]),
    ("h2", &[]),
    ("h3", &[]),
    ("h4", &[]),
    ("h5", &[]),
    ("h6", &[]),
    ("blockquote", &[]),
    ("ul", &[]),
    ("ol", &["start"]),
    ("li", &[]),
    ("strong", &[]),
    ("em", &[]),
    ("del", &[]),
    ("code", &[]),
    ("pre", &[]),
    ("a", &["href", "title", "target", "rel"]),
    ("img", &["src", "alt", "title"]),
    ("table", &[]),
    ("thead", &[]),
    ("tbody", &[]),
    ("tr", &[]),
    ("th", &[]),
    ("td", &[]),
];

/// Panics with the offending markup unless `html` is inert.
pub fn assert_inert(html: &str) {
    if let Err(problem) = check(html) {
        panic!("not inert ({problem}): {html}");
    }
}

/// Checks every string under a key named `html` anywhere in `value`.
pub fn assert_all_html_inert(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "html"
                    && let Value::String(html) = inner
                {
                    assert_inert(html);
                }
                assert_all_html_inert(inner);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_all_html_inert),
        _ => {}
    }
}

/// Whether `value` holds a key named `html` anywhere.
pub fn has_html(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| k == "html" || has_html(v)),
        Value::Array(items) => items.iter().any(has_html),
        _ => false,
    }
}

fn check(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = tag_end(after).ok_or("a `<` that does not open a well-formed tag")?;
        check_tag(&after[..end])?;
        rest = &after[end + 1..];
    }
    Ok(())
}

/// The index of the `>` closing a tag, skipping `>` inside double-quoted values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn check_tag(tag: &str) -> Result<(), String> {
    let closing = tag.starts_with('/');
    let body = tag.trim_start_matches('/');
    let name_len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    let name = &body[..name_len];
    let Some((_, attributes)) = ALLOWED.iter().find(|(allowed, _)| *allowed == name) else {
        return Err(format!("tag `{name}`"));
    };
    if closing {
        return Ok(());
    }
    let mut rest = body[name_len..].trim_start();
    while !rest.is_empty() && rest != "/" {
        let name_end = rest.find(['=', ' ', '/']).unwrap_or(rest.len());
        let attribute = &rest[..name_end];
        if !attributes.contains(&attribute) {
            return Err(format!("attribute `{attribute}` on `{name}`"));
        }
        let value_part = rest[name_end..]
            .strip_prefix("=\"")
            .ok_or_else(|| format!("unquoted value of `{attribute}`"))?;
        let close = value_part
            .find('"')
            .ok_or_else(|| format!("unterminated value of `{attribute}`"))?;
        check_url(name, attribute, &value_part[..close])?;
        rest = value_part[close + 1..].trim_start();
    }
    Ok(())
}

fn check_url(tag: &str, attribute: &str, value: &str) -> Result<(), String> {
    let schemes: &[&str] = match (tag, attribute) {
        ("a", "href") => &["http:", "https:", "mailto:", "tel:"],
        ("img", "src") => &["http:", "https:"],
        _ => return Ok(()),
    };
    let decoded: String = decode_references(value)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if schemes.iter().any(|scheme| decoded.starts_with(scheme)) {
        Ok(())
    } else {
        Err(format!("{attribute}=\"{value}\""))
    }
}

/// Decodes the character references a browser decodes in an attribute value.
fn decode_references(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').unwrap_or(after.len());
        let reference = &after[..end];
        let decoded = match reference {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "colon" => Some(':'),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            _ => reference
                .strip_prefix("#x")
                .or_else(|| reference.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| reference.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = after.get(end + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_inert_checker_refuses_each_kind_of_active_markup() {
    assert_eq!(
        check(
            r#"<p><a href="https://a.example" target="_blank" rel="noopener noreferrer">a</a> &lt;b&gt;</p>"#
        ),
        Ok(())
    );
    for active in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        r#"<img src="https://a.example" onerror="x">"#,
        r#"<p style="color:red">x</p>"#,
        r#"<a href="&#106;avascript:x">x</a>"#,
        r#"<a href=" java&#x09;script:x">x</a>"#,
        r#"<a href="data:text/html,x">x</a>"#,
        r#"<img src="mailto:a@b.example">"#,
        "<svg/onload=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "a < b",
    ] {
        assert!(check(active).is_err(), "{active}");
    }
}
