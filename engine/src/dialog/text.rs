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
    /// The HTML of a placeholder-free markdown text, rendered once at load.
    pub(crate) prerendered_html: Option<String>,
}

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
        Ok(Template {
            parts,
            prerendered_html: None,
        })
    }

    /// The variables the template names, in order of appearance.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Whether the template has no placeholder.
    pub(crate) fn is_constant(&self) -> bool {
        self.variables().next().is_none()
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
    prerendered_html: None,
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
        assert!(!template.is_constant());
        assert!(Template::parse("plain").unwrap().is_constant());
    }
}
