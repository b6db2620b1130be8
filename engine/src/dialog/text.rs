//! Texts of a dialog: one template per locale, with `{variable}` placeholders.
//!
//! A template is parsed once at load. `{name}` is replaced by the variable's value when the
//! text is shown; `{{` and `}}` stand for literal braces. Markdown texts (what `say` shows)
//! escape the substituted values, so a visitor's answer can never inject a link or markup.

use std::borrow::Cow;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text shown as written.
    Literal(String),
    /// A placeholder naming a variable.
    Variable(String),
}

/// A text with placeholders, parsed from the dialog file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// The sanitized HTML of a markdown text, rendered once at load with a marker where
    /// each placeholder goes: literal parts are HTML, variable parts are filled with the
    /// HTML-escaped value at run time. `None` when not pre-rendered.
    html: Option<Vec<Part>>,
}

/// The first private-use character: placeholder `i` is rendered as `SENTINEL_BASE + i`.
const SENTINEL_BASE: u32 = 0xE000;
/// How many placeholders a template may pre-render (the private-use area's size).
const MAX_SENTINELS: usize = 0x1900;

impl Template {
    /// Parses `source`. The error says what is wrong, for a diagnostic.
    pub(crate) fn parse(source: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &source[at + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err(
                            "`{` opens a placeholder that is never closed (write `{{` for a brace)"
                                .to_owned(),
                        );
                    };
                    let name = rest[..end].trim();
                    if !is_identifier(name) {
                        return Err(format!(
                            "`{{{name}}}` is not a variable placeholder (write `{{{{` for a brace)"
                        ));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Variable(name.to_owned()));
                    for _ in 0..rest[..=end].chars().count() {
                        chars.next();
                    }
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts, html: None })
    }

    /// Renders the markdown once, at load. Placeholders become private-use characters
    /// that pass through markdown and the sanitizer as plain text; if one ends up inside
    /// a tag (a link target) or the text itself uses those characters, the template is
    /// left to be rendered at run time instead.
    pub(crate) fn prerender(&mut self) -> Result<(), crate::markdown::MarkdownError> {
        let is_sentinel =
            |c: char| (SENTINEL_BASE..SENTINEL_BASE + MAX_SENTINELS as u32).contains(&u32::from(c));
        let mut source = String::new();
        let mut names = Vec::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) if text.chars().any(is_sentinel) => return Ok(()),
                Part::Literal(text) => source.push_str(text),
                Part::Variable(name) => {
                    let Some(marker) = u32::try_from(names.len())
                        .ok()
                        .filter(|&i| (i as usize) < MAX_SENTINELS)
                        .and_then(|i| char::from_u32(SENTINEL_BASE + i))
                    else {
                        return Ok(());
                    };
                    source.push(marker);
                    names.push(name.clone());
                }
            }
        }
        let html = crate::markdown::render(&source)?;
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut in_tag = false;
        let mut seen = 0;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ => {}
            }
            if !is_sentinel(c) {
                literal.push(c);
                continue;
            }
            let index = (u32::from(c) - SENTINEL_BASE) as usize;
            let Some(name) = names.get(index).filter(|_| !in_tag) else {
                return Ok(());
            };
            seen += 1;
            parts.push(Part::Literal(std::mem::take(&mut literal)));
            parts.push(Part::Variable(name.clone()));
        }
        parts.push(Part::Literal(literal));
        if seen == names.len() {
            self.html = Some(parts);
        }
        Ok(())
    }

    /// The pre-rendered HTML with values filled in (HTML-escaped), if pre-rendered.
    pub(crate) fn html<F>(&self, lookup: F) -> Option<String>
    where
        F: Fn(&str) -> Option<String>,
    {
        let parts = self.html.as_ref()?;
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Literal(html) => out.push_str(html),
                Part::Variable(name) => {
                    out.push_str(&crate::output::escape_html(
                        &lookup(name).unwrap_or_default(),
                    ));
                }
            }
        }
        Some(out)
    }

    /// The variables the template names, in order of appearance.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The text with every placeholder replaced by `lookup(name)` (empty when unset).
    /// With `escape_markdown`, substituted values are escaped for markdown.
    pub(crate) fn fill<'a, F>(&'a self, lookup: F, escape_markdown: bool) -> Cow<'a, str>
    where
        F: Fn(&str) -> Option<String>,
    {
        if let [Part::Literal(only)] = self.parts.as_slice() {
            return Cow::Borrowed(only);
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable(name) => {
                    let value = lookup(name).unwrap_or_default();
                    if escape_markdown {
                        push_markdown_escaped(&mut out, &value);
                    } else {
                        out.push_str(&value);
                    }
                }
            }
        }
        Cow::Owned(out)
    }
}

/// A text in every locale of a dialog, indexed like the dialog's locale list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Localized {
    pub(crate) per_locale: Vec<Template>,
}

impl Localized {
    /// The template for the locale at `index`, falling back to the dialog's first locale.
    pub(crate) fn get(&self, index: usize) -> &Template {
        self.per_locale
            .get(index)
            .or_else(|| self.per_locale.first())
            .unwrap_or(&EMPTY)
    }
}

static EMPTY: Template = Template {
    parts: Vec::new(),
    html: None,
};

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Appends `value` with every character that markdown could read as syntax escaped.
pub(crate) fn push_markdown_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '>'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
                | '&'
                | ':'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(source: &str, escape: bool) -> String {
        Template::parse(source)
            .unwrap()
            .fill(
                |name| (name == "who").then(|| "[x](javascript:y)".to_owned()),
                escape,
            )
            .into_owned()
    }

    #[test]
    fn placeholders_are_replaced_and_double_braces_are_literal() {
        assert_eq!(fill("hi {who}!", false), "hi [x](javascript:y)!");
        assert_eq!(fill("{{who}}", false), "{who}");
        assert_eq!(fill("{ who }", false), "[x](javascript:y)");
    }

    #[test]
    fn substituted_values_are_escaped_in_markdown() {
        assert_eq!(fill("{who}", true), r"\[x\]\(javascript\:y\)");
    }

    #[test]
    fn unset_variables_become_empty() {
        assert_eq!(fill("a{other}b", false), "ab");
    }

    #[test]
    fn broken_placeholders_are_reported() {
        assert!(Template::parse("open { brace").is_err());
        assert!(Template::parse("{not a name}").is_err());
        assert!(Template::parse("{}").is_err());
    }

    #[test]
    fn variables_are_listed() {
        let template = Template::parse("{a} and {b}").unwrap();
        assert_eq!(template.variables().collect::<Vec<_>>(), ["a", "b"]);
    }

    fn prerendered(source: &str) -> Option<String> {
        let mut template = Template::parse(source).unwrap();
        template.prerender().unwrap();
        template.html(|name| (name == "who").then(|| "<b>Ada</b> & *co*".to_owned()))
    }

    #[test]
    fn placeholders_in_text_are_filled_into_prerendered_html_escaped() {
        assert_eq!(
            prerendered("Hi **{who}**!").as_deref(),
            Some("<p>Hi <strong>&lt;b&gt;Ada&lt;/b&gt; &amp; *co*</strong>!</p>\n")
        );
    }

    #[test]
    fn a_placeholder_inside_a_link_target_is_rendered_at_run_time() {
        assert_eq!(prerendered("[site]({who})"), None);
        assert_eq!(
            prerendered("[{who}](https://example.org)")
                .map(|h| h.contains("href=\"https://example.org\"")),
            Some(true)
        );
    }
}
