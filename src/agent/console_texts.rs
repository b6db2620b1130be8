//! `GET /api/v1/agent/texts`: the agent console's texts (`locales/<lang>/console.ftl`, every
//! message whose id starts with `console-`) in the operator's language, negotiated like the
//! visitor's: `?locale=` first, then the browser's `Accept-Language`, then English, matched
//! with `fluent-langneg` against the locales that have console texts.
//!
//! The console formats texts itself, so each message is sent in a form it can fill in
//! ([`client_text`]): a string whose `{$name}` placeables it replaces, or, for a message that
//! is one select expression on a variable (plurals), the variants by key for it to pick with
//! `Intl.PluralRules`. Public (the sign-in page needs its texts before anyone signs in); the
//! texts are the same for everybody.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fluent_syntax::ast::{Expression, InlineExpression, Pattern, PatternElement, VariantKey};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use staffetta_engine::i18n::{FALLBACK_LOCALE, Localizer};

use crate::app::AppState;
use crate::error::ApiError;

/// Prefix of the console's message ids.
pub const PREFIX: &str = "console-";

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/agent/texts", get(texts))
}

/// Query of `GET /api/v1/agent/texts`.
#[derive(Debug, Deserialize)]
struct TextsQuery {
    /// A locale the console asks for explicitly (wins over `Accept-Language`).
    #[serde(default)]
    locale: Option<String>,
}

async fn texts(
    State(state): State<AppState>,
    query: Result<Query<TextsQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|err| ApiError::bad_request("invalid_query", err.body_text()))?;
    let localizer = state.bots.localizer();
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let locale = console_locale(localizer, query.locale.as_deref(), accept);
    let body = json!({"locale": locale, "texts": console_texts(localizer, &locale)});
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The locale to answer in, among those with console texts.
pub fn console_locale(
    localizer: &Localizer,
    requested: Option<&str>,
    accept: Option<&str>,
) -> String {
    let available: Vec<&str> = localizer
        .locales()
        .filter(|locale| {
            localizer
                .message_ids(locale)
                .is_some_and(|ids| ids.iter().any(|id| id.starts_with(PREFIX)))
        })
        .collect();
    crate::visitor::locale::negotiate(requested, accept, &available, FALLBACK_LOCALE)
}

/// Every console message (the ids of English, the reference) in `locale`, English where a
/// locale lacks one.
pub fn console_texts(localizer: &Localizer, locale: &str) -> Map<String, Value> {
    let Some(ids) = localizer.message_ids(FALLBACK_LOCALE) else {
        return Map::new();
    };
    ids.iter()
        .filter(|id| id.starts_with(PREFIX))
        .map(|id| {
            let text = localizer
                .pattern(locale, id)
                .and_then(|pattern| client_text(pattern).ok())
                // A form the console cannot fill in: the text formatted here, without values.
                .unwrap_or_else(|| localizer.format_id(locale, id, &[]).into());
            (id.clone(), text)
        })
        .collect()
}

/// A Fluent construct the console does not format (message and term references, functions,
/// a select that is not the whole message, nested selects).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the console cannot format this Fluent construct: {0}")]
pub struct Unsupported(&'static str);

/// A message as the console formats it: a string with `{$name}` placeables, or, when the
/// whole message is one select expression on a variable,
/// `{"select": name, "variants": {key: string}, "default": key}`.
pub fn client_text(pattern: &Pattern<&str>) -> Result<Value, Unsupported> {
    if let [PatternElement::Placeable { expression }] = pattern.elements.as_slice()
        && let Expression::Select { selector, variants } = expression
    {
        let InlineExpression::VariableReference { id } = selector else {
            return Err(Unsupported("a select on something other than a variable"));
        };
        let mut by_key = Map::new();
        let mut default = None;
        for variant in variants {
            let key = match &variant.key {
                VariantKey::Identifier { name } => (*name).to_owned(),
                VariantKey::NumberLiteral { value } => (*value).to_owned(),
            };
            if variant.default {
                default = Some(key.clone());
            }
            by_key.insert(key, flat(&variant.value)?.into());
        }
        return Ok(json!({"select": id.name, "variants": by_key, "default": default}));
    }
    flat(pattern).map(Value::from)
}

/// A pattern without selects as a string with `{$name}` placeables.
fn flat(pattern: &Pattern<&str>) -> Result<String, Unsupported> {
    let mut out = String::new();
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => out.push_str(value),
            PatternElement::Placeable { expression } => match expression {
                Expression::Inline(inline) => inline_text(inline, &mut out)?,
                Expression::Select { .. } => {
                    return Err(Unsupported("a select inside a text or a variant"));
                }
            },
        }
    }
    Ok(out)
}

fn inline_text(inline: &InlineExpression<&str>, out: &mut String) -> Result<(), Unsupported> {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.push_str("{$");
            out.push_str(id.name);
            out.push('}');
        }
        InlineExpression::StringLiteral { value } | InlineExpression::NumberLiteral { value } => {
            out.push_str(value);
        }
        InlineExpression::Placeable { expression } => match expression.as_ref() {
            Expression::Inline(inner) => inline_text(inner, out)?,
            Expression::Select { .. } => return Err(Unsupported("a nested select")),
        },
        _ => return Err(Unsupported("a reference or a function")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use staffetta_engine::i18n::FtlSource;

    fn parsed(text: &str) -> fluent_syntax::ast::Resource<&str> {
        fluent_syntax::parser::parse(text).expect("valid Fluent")
    }

    fn first_pattern<'a>(
        resource: &'a fluent_syntax::ast::Resource<&'a str>,
    ) -> &'a Pattern<&'a str> {
        match &resource.body[0] {
            fluent_syntax::ast::Entry::Message(message) => message.value.as_ref().expect("value"),
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn a_text_keeps_its_placeables_for_the_console_to_fill_in() {
        let resource = parsed("m = Chat { $n } for { $queue }{ \"!\" }\n");
        assert_eq!(
            client_text(first_pattern(&resource)),
            Ok(Value::from("Chat {$n} for {$queue}!"))
        );
    }

    #[test]
    fn a_plural_comes_as_its_variants_by_key() {
        let resource = parsed(
            "m = { $count ->\n    [0] none\n    [one] one line\n   *[other] { $count } lines\n}\n",
        );
        assert_eq!(
            client_text(first_pattern(&resource)),
            Ok(json!({
                "select": "count",
                "variants": {"0": "none", "one": "one line", "other": "{$count} lines"},
                "default": "other",
            }))
        );
    }

    #[test]
    fn references_and_selects_inside_a_text_are_refused() {
        for text in [
            "m = see { other }\n",
            "m = { NUMBER($n) }\n",
            "m = You have { $n ->\n   *[other] many\n}\n",
        ] {
            let resource = parsed(text);
            assert!(client_text(first_pattern(&resource)).is_err(), "{text}");
        }
    }

    /// The shipped console.ftl files, every message of every locale in a form the console
    /// formats (so a translator's select or reference fails here, not in an operator's face).
    #[test]
    fn every_shipped_console_text_is_in_a_form_the_console_formats() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let localizer = Localizer::load_dir(&dir).expect("locales load");
        let mut problems = Vec::new();
        let mut count = 0;
        for locale in localizer.locales() {
            for id in localizer.message_ids(locale).into_iter().flatten() {
                if !id.starts_with(PREFIX) {
                    continue;
                }
                count += 1;
                let pattern = localizer.pattern(locale, id).expect("has a value");
                if let Err(err) = client_text(pattern) {
                    problems.push(format!("{locale}/{id}: {err}"));
                }
            }
        }
        assert!(count > 100, "console texts were read ({count})");
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn the_locale_is_negotiated_among_those_with_console_texts() {
        let source = |locale: &str, text: &str| FtlSource {
            locale: locale.to_owned(),
            path: format!("{locale}.ftl").into(),
            text: text.to_owned(),
        };
        let localizer = Localizer::from_sources([
            source("en", "console-x = Hi\n"),
            source("it", "console-x = Ciao\n"),
            source("de", "engine-only = Hallo\n"),
        ])
        .expect("valid");
        assert_eq!(
            console_locale(&localizer, None, Some("it-IT,it;q=0.9")),
            "it"
        );
        assert_eq!(console_locale(&localizer, None, Some("de-DE")), "en");
        assert_eq!(console_locale(&localizer, Some("it"), Some("en")), "it");
        let texts = console_texts(&localizer, "it");
        assert_eq!(texts.get("console-x"), Some(&Value::from("Ciao")));
        assert_eq!(texts.len(), 1);
    }
}
