//! The visitor's locale: the widget's choice first, then the browser's `Accept-Language`,
//! then the site's default, each matched against the locales that have texts.
//!
//! Matching is `fluent-langneg`'s (the version `fluent-bundle` already builds on, so the
//! language identifiers are the engine's `unic-langid` ones): `it-CH` finds `it`, `en` finds
//! `en-GB` when only that exists. `Accept-Language` is parsed here, with its `q` weights
//! (`fluent-langneg`'s own parser ignores them) and within fixed bounds.

use std::path::{Path, PathBuf};

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// Most `Accept-Language` bytes read; the rest is ignored.
const MAX_ACCEPT_LANGUAGE_BYTES: usize = 1024;
/// Most language ranges read from `Accept-Language`.
const MAX_ACCEPT_LANGUAGE_RANGES: usize = 16;
/// Longest locale tag considered (BCP 47 tags in practice stay far below this).
const MAX_TAG_BYTES: usize = 35;

/// The locales folder could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot list locales in {}: {source}", path.display())]
pub struct LocaleDirError {
    /// The folder that failed.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

/// The locale to answer in: the best match of `requested` (the widget's locale), else of
/// `accept_language` (the header, by `q` weight), else `default` when it is available, else
/// the first available locale, else `default` as given. Returns an entry of `available`
/// (or `default`).
pub fn negotiate<S: AsRef<str>>(
    requested: Option<&str>,
    accept_language: Option<&str>,
    available: &[S],
    default: &str,
) -> String {
    let available_ids = parsed(available);
    if let Some(found) = requested
        .and_then(parse_tag)
        .and_then(|id| best(&[id], &available_ids))
    {
        return found;
    }
    if let Some(found) =
        accept_language.and_then(|header| best(&parse_accept_language(header), &available_ids))
    {
        return found;
    }
    if let Some(found) = parse_tag(default).and_then(|id| best(&[id], &available_ids)) {
        return found;
    }
    available
        .first()
        .map_or_else(|| default.to_owned(), |tag| tag.as_ref().to_owned())
}

/// The entry of `available` that serves `tag` (`it-CH` finds `it`), with the same matching
/// as [`negotiate`]; `None` when none does (or `tag` is not a locale tag).
pub fn matching<S: AsRef<str>>(tag: &str, available: &[S]) -> Option<String> {
    best(&[parse_tag(tag)?], &parsed(available))
}

/// The available tags that parse, with their identifiers.
fn parsed<S: AsRef<str>>(available: &[S]) -> Vec<(LanguageIdentifier, &str)> {
    available
        .iter()
        .filter_map(|tag| {
            let tag = tag.as_ref();
            parse_tag(tag).map(|id| (id, tag))
        })
        .collect()
}

/// The available tag that best serves `wanted` (in preference order), if any.
fn best(wanted: &[LanguageIdentifier], available: &[(LanguageIdentifier, &str)]) -> Option<String> {
    let ids: Vec<&LanguageIdentifier> = available.iter().map(|(id, _)| id).collect();
    let found = negotiate_languages(wanted, &ids, None, NegotiationStrategy::Lookup);
    let id = found.first()?;
    available
        .iter()
        .find(|(candidate, _)| candidate == **id)
        .map(|(_, tag)| (*tag).to_owned())
}

/// The language ranges of an `Accept-Language` header, best first (by `q`, then by
/// position). Ranges with `q=0`, `*` and malformed entries are skipped; at most
/// [`MAX_ACCEPT_LANGUAGE_RANGES`] ranges from the first [`MAX_ACCEPT_LANGUAGE_BYTES`] bytes.
pub fn parse_accept_language(header: &str) -> Vec<LanguageIdentifier> {
    let mut end = header.len().min(MAX_ACCEPT_LANGUAGE_BYTES);
    while !header.is_char_boundary(end) {
        end -= 1;
    }
    let mut ranges: Vec<(u16, LanguageIdentifier)> = header[..end]
        .split(',')
        .take(MAX_ACCEPT_LANGUAGE_RANGES)
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let mut weight = 1000;
            for parameter in parts {
                let (name, value) = parameter.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    weight = parse_quality(value.trim())?;
                }
            }
            if weight == 0 || tag == "*" {
                return None;
            }
            Some((weight, parse_tag(tag)?))
        })
        .collect();
    // Stable: equal weights keep the order the browser gave.
    ranges.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
    ranges.into_iter().map(|(_, id)| id).collect()
}

/// A `q` value (`0`, `0.5`, `1.000`) in thousandths; malformed values are `None`.
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{fraction:0<3}");
    let thousandths: u16 = digits.parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A language identifier from a tag of sane length (`_` accepted for `-`).
fn parse_tag(tag: &str) -> Option<LanguageIdentifier> {
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > MAX_TAG_BYTES {
        return None;
    }
    tag.replace('_', "-").parse().ok()
}

/// The locales with texts: the sub-folders of `locales_dir` that are valid locale tags and
/// hold at least one `.ftl` file, sorted.
pub fn available_locales(locales_dir: &Path) -> Result<Vec<String>, LocaleDirError> {
    let list_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LocaleDirError { path, source }
    };
    let mut locales = Vec::new();
    for entry in std::fs::read_dir(locales_dir).map_err(list_error(locales_dir))? {
        let entry = entry.map_err(list_error(locales_dir))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let Some(tag) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if parse_tag(tag).is_none() {
            continue;
        }
        let has_ftl = std::fs::read_dir(&path)
            .map_err(list_error(&path))?
            .filter_map(Result::ok)
            .any(|file| file.path().extension().is_some_and(|ext| ext == "ftl"));
        if has_ftl {
            locales.push(tag.to_owned());
        }
    }
    locales.sort();
    Ok(locales)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUPPORTED: &[&str] = &["de", "en", "es", "fr", "it"];

    fn pick(requested: Option<&str>, accept: Option<&str>) -> String {
        negotiate(requested, accept, SUPPORTED, "en")
    }

    #[test]
    fn the_widget_locale_comes_first() {
        assert_eq!(pick(Some("it"), Some("de-DE,de;q=0.9")), "it");
    }

    #[test]
    fn a_regional_widget_locale_finds_its_language() {
        assert_eq!(pick(Some("it-CH"), None), "it");
        assert_eq!(pick(Some("fr_CA"), None), "fr");
    }

    #[test]
    fn an_unsupported_widget_locale_falls_back_to_accept_language() {
        assert_eq!(pick(Some("pt-BR"), Some("es-ES,es;q=0.9,en;q=0.8")), "es");
        assert_eq!(pick(Some("not a tag!"), Some("de")), "de");
    }

    #[test]
    fn a_locale_matches_its_own_or_its_language_and_nothing_else() {
        assert_eq!(matching("it-CH", SUPPORTED).as_deref(), Some("it"));
        assert_eq!(matching("en", SUPPORTED).as_deref(), Some("en"));
        assert_eq!(matching("xx", SUPPORTED), None);
        assert_eq!(matching("not a tag!", SUPPORTED), None);
    }

    #[test]
    fn accept_language_is_read_by_weight_not_by_position() {
        assert_eq!(pick(None, Some("en;q=0.2, fr;q=0.9, de;q=0.5")), "fr");
        assert_eq!(pick(None, Some("pt-BR, it;q=0.3, en;q=0.1")), "it");
    }

    #[test]
    fn zero_weight_and_wildcards_are_never_chosen() {
        assert_eq!(pick(None, Some("de;q=0, *;q=0.5")), "en");
        assert_eq!(pick(None, Some("de;q=0.000")), "en");
    }

    #[test]
    fn without_any_match_the_site_default_is_used() {
        assert_eq!(negotiate(None, Some("ja, zh"), SUPPORTED, "it"), "it");
        assert_eq!(negotiate(None, None, SUPPORTED, "de-AT"), "de");
    }

    #[test]
    fn an_unavailable_default_gives_the_first_available_locale() {
        assert_eq!(negotiate(None, None, SUPPORTED, "pt"), "de");
        let none: &[&str] = &[];
        assert_eq!(negotiate(Some("it"), None, none, "en"), "en");
    }

    #[test]
    fn regional_available_locales_are_found_from_a_bare_language() {
        assert_eq!(negotiate(Some("en"), None, &["en-GB", "it"], "it"), "en-GB");
    }

    #[test]
    fn malformed_accept_language_entries_are_skipped() {
        let parsed = parse_accept_language("de;q=2, fr;q=abc, ;q=0.5, es;q=0.5;level=1, it");
        let tags: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(tags, ["it", "es"]);
    }

    #[test]
    fn accept_language_parsing_is_bounded() {
        let many = vec!["xx"; 1000].join(",") + ",it";
        assert!(parse_accept_language(&many).len() <= MAX_ACCEPT_LANGUAGE_RANGES);
        assert_eq!(
            pick(None, Some(&many)),
            "en",
            "the `it` past the bound is not read"
        );
        let long = format!("{}, it", "é".repeat(2000));
        assert!(parse_accept_language(&long).is_empty());
    }

    #[test]
    fn quality_values_follow_the_rfc_grammar() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.8"), Some(800));
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("-0.5"), None);
    }

    #[test]
    fn available_locales_are_the_folders_with_ftl_files() {
        let dir = tempfile::tempdir().unwrap();
        for (folder, file) in [("en", "a.ftl"), ("it", "b.ftl"), ("empty", "notes.txt")] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
            std::fs::write(dir.path().join(folder).join(file), "k = v\n").unwrap();
        }
        std::fs::create_dir(dir.path().join("not a tag")).unwrap();
        std::fs::write(dir.path().join("not a tag/c.ftl"), "k = v\n").unwrap();
        std::fs::write(dir.path().join("README.ftl"), "k = v\n").unwrap();
        assert_eq!(available_locales(dir.path()).unwrap(), ["en", "it"]);
    }

    #[test]
    fn a_missing_locales_folder_is_an_error_naming_it() {
        let error = available_locales(Path::new("/nonexistent/locales")).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent/locales"),
            "{error}"
        );
    }

    #[test]
    fn the_project_locales_are_available() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let found = available_locales(&dir).unwrap();
        for locale in SUPPORTED {
            assert!(
                found.iter().any(|l| l == locale),
                "{locale} missing in {found:?}"
            );
        }
    }
}
