//! System texts (retry prompts, "did you mean", fallback, …) from Fluent files.
//!
//! The engine names every text it shows by a [`MessageKey`]; the words live in
//! `locales/<lang>/engine.ftl`. A [`Localizer`] holds one concurrent Fluent bundle per
//! locale, built once at startup from the `.ftl` texts given to it
//! ([`Localizer::load_dir`] reads them from disk), and formats messages without IO.
//! Unicode isolation marks are off: the texts go into HTML and terminals, not into
//! bidirectional layouts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::error::Error;

/// The locale used when a text is missing in the requested one.
pub const FALLBACK_LOCALE: &str = "en";

macro_rules! message_keys {
    ($($variant:ident => $id:literal: $doc:literal,)*) => {
        /// A system text of the engine; its id is the Fluent message id in `engine.ftl`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MessageKey {
            $(#[doc = $doc] $variant,)*
        }

        impl MessageKey {
            /// Every key, for completeness checks.
            pub const ALL: &'static [MessageKey] = &[$(MessageKey::$variant,)*];

            /// The Fluent message id.
            pub fn id(self) -> &'static str {
                match self {
                    $(MessageKey::$variant => $id,)*
                }
            }
        }
    };
}

message_keys! {
    RetryText => "engine-retry-text": "A free-text answer was empty or unusable.",
    RetryPattern => "engine-retry-pattern": "A text answer does not have the expected format.",
    RetryNumber => "engine-retry-number": "The answer is not a number.",
    RetryNumberRange => "engine-retry-number-range": "The number is out of range (`$min`, `$max`).",
    RetryNumberMin => "engine-retry-number-min": "The number is below the minimum (`$min`).",
    RetryNumberMax => "engine-retry-number-max": "The number is above the maximum (`$max`).",
    RetryDate => "engine-retry-date": "The answer is not a valid date.",
    RetryDateRange => "engine-retry-date-range": "The date is out of range (`$first`, `$last`).",
    RetryDateFrom => "engine-retry-date-from": "The date is before the first allowed one (`$first`).",
    RetryDateUntil => "engine-retry-date-until": "The date is after the last allowed one (`$last`).",
    RetryDateWeekday => "engine-retry-date-weekday": "The date falls on a day that is not allowed (`$days`: the allowed days, as a list).",
    RetryOption => "engine-retry-option": "The answer is not one of the options.",
    RetryYesNo => "engine-retry-yes-no": "The answer is neither yes nor no.",
    RetryEmail => "engine-retry-email": "The answer is not an email address.",
    AskGaveUp => "engine-ask-gave-up": "A question got no valid answer after every retry.",
    DidYouMean => "engine-did-you-mean": "Title of the disambiguation options.",
    NoneOfThese => "engine-none-of-these": "The disambiguation option that rejects every candidate.",
    Fallback => "engine-fallback": "The bot did not understand the message.",
    OfferHuman => "engine-offer-human": "After repeated misunderstandings: talk to a person?",
    OfferHumanDeclined => "engine-offer-human-declined": "The visitor declined the offer of a person.",
    ConnectingToAgent => "engine-connecting-to-agent": "The visitor accepted the offer of a person.",
    HandoffReason => "engine-handoff-reason": "What the agent reads when the bot gave up (`$count`).",
    ReturnOffer => "engine-return-offer": "After a digression: go back to `$topic`?",
    ReturnDeclined => "engine-return-declined": "The visitor does not want to go back to `$topic`.",
    Yes => "engine-yes": "The label of a yes option.",
    No => "engine-no": "The label of a no option.",
    SessionExpiring => "engine-session-expiring": "Idle warning a minute or more before the expiry (`$minutes` left, to the nearest).",
    SessionExpiringSeconds => "engine-session-expiring-seconds": "Idle warning under a minute before the expiry (`$seconds` left, at least 1).",
    SessionExpired => "engine-session-expired": "The session expired for inactivity.",
    SessionRestored => "engine-session-restored": "A new session continues from an expired one.",
    MessageTooLong => "engine-message-too-long": "The message is over `$limit` characters.",
    EmptyMessage => "engine-empty-message": "The message has no text (only spaces or control characters).",
    DialogChanged => "engine-dialog-changed": "The session points at a step that no longer exists, or looped.",
    OpenLink => "engine-open-link": "Link text for an iframe the site does not allow (`$title`).",
    Date => "engine-date": "A date in a sentence (`$year`, `$month`, `$day`, `$weekday`).",
    Weekday => "engine-weekday": "The name of a day of the week in a list (`$weekday`, 1 = Monday).",
}

/// A value for a Fluent placeable.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    /// Text.
    Str(&'a str),
    /// A number (plural rules apply).
    Num(f64),
}

/// System texts for every locale found. Cheap to share: `Send + Sync`.
pub struct Localizer {
    bundles: BTreeMap<String, FluentBundle<FluentResource>>,
    ids: BTreeMap<String, BTreeSet<String>>,
}

impl fmt::Debug for Localizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Localizer")
            .field("locales", &self.bundles.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One `.ftl` text to load: its locale, where it came from (for errors) and the text.
#[derive(Clone, Debug)]
pub struct FtlSource {
    /// The locale tag (`en`, `it`).
    pub locale: String,
    /// The file it came from, for error messages.
    pub path: PathBuf,
    /// The Fluent source.
    pub text: String,
}

impl Localizer {
    /// Reads every `<dir>/<locale>/*.ftl`.
    pub fn load_dir(dir: &Path) -> Result<Localizer, Error> {
        let read_error = |path: &Path, error| Error::Read {
            path: path.to_path_buf(),
            error,
        };
        let mut sources = Vec::new();
        let mut locales: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| read_error(dir, e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect();
        locales.sort();
        for locale_dir in locales {
            let Some(locale) = locale_dir.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let locale = locale.to_owned();
            let mut files: Vec<PathBuf> = fs::read_dir(&locale_dir)
                .map_err(|e| read_error(&locale_dir, e))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "ftl"))
                .collect();
            files.sort();
            for path in files {
                let text = fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
                sources.push(FtlSource {
                    locale: locale.clone(),
                    path,
                    text,
                });
            }
        }
        if sources.is_empty() {
            return Err(Error::NoLocales {
                path: dir.to_path_buf(),
            });
        }
        Localizer::from_sources(sources)
    }

    /// Builds the bundles from Fluent texts.
    pub fn from_sources(sources: impl IntoIterator<Item = FtlSource>) -> Result<Localizer, Error> {
        let mut bundles: BTreeMap<String, FluentBundle<FluentResource>> = BTreeMap::new();
        let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for source in sources {
            let resource = FluentResource::try_new(source.text).map_err(|(_, errors)| {
                Error::FluentSyntax {
                    path: source.path.clone(),
                    message: errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                }
            })?;
            let locale_ids = ids.entry(source.locale.clone()).or_default();
            locale_ids.extend(message_ids(&resource));
            let bundle = match bundles.entry(source.locale.clone()) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => {
                    let langid: LanguageIdentifier =
                        source.locale.parse().map_err(|_| Error::InvalidLocale {
                            tag: source.locale.clone(),
                        })?;
                    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
                    bundle.set_use_isolating(false);
                    entry.insert(bundle)
                }
            };
            bundle
                .add_resource(resource)
                .map_err(|errors| Error::FluentSyntax {
                    path: source.path.clone(),
                    message: errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                })?;
        }
        Ok(Localizer { bundles, ids })
    }

    /// The locales with at least one text.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.bundles.keys().map(String::as_str)
    }

    /// The message ids defined for exactly `locale` (no fallback).
    pub fn message_ids(&self, locale: &str) -> Option<&BTreeSet<String>> {
        self.ids.get(locale)
    }

    /// Whether exactly `locale` (no fallback) defines message `id`.
    pub fn has_exact(&self, locale: &str, id: &str) -> bool {
        self.ids.get(locale).is_some_and(|ids| ids.contains(id))
    }

    /// The parsed pattern of message `id` for `locale`, with the fallbacks of
    /// [`Localizer::format_id`]: for clients that format texts themselves (the agent console
    /// gets its texts this way, placeables and plural variants included).
    pub fn pattern(&self, locale: &str, id: &str) -> Option<&fluent_syntax::ast::Pattern<&str>> {
        let primary = locale.split(['-', '_']).next().unwrap_or(locale);
        [locale, primary, FALLBACK_LOCALE]
            .into_iter()
            .filter(|tag| self.has_exact(tag, id))
            .find_map(|tag| self.bundles.get(tag))
            .and_then(|bundle| bundle.get_message(id))
            .and_then(|message| message.value())
    }

    /// Formats `key` for `locale`: the exact locale, then its primary language
    /// (`it-CH` -> `it`), then [`FALLBACK_LOCALE`]. A text missing everywhere comes back
    /// as its id, so a gap shows up instead of an empty bubble.
    pub fn format(&self, locale: &str, key: MessageKey, args: &[(&str, Arg<'_>)]) -> String {
        self.format_id(locale, key.id(), args)
    }

    /// Like [`Localizer::format`] for any message id (other crates' keys included).
    pub fn format_id(&self, locale: &str, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let primary = locale.split(['-', '_']).next().unwrap_or(locale);
        let bundle = [locale, primary, FALLBACK_LOCALE]
            .into_iter()
            .filter(|tag| self.has_exact(tag, id))
            .find_map(|tag| self.bundles.get(tag));
        let Some(bundle) = bundle else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(text) => fluent_args.set(*name, FluentValue::from(*text)),
                Arg::Num(number) => fluent_args.set(*name, FluentValue::from(*number)),
            }
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }
}

/// The message ids of a parsed Fluent resource (terms excluded).
pub fn message_ids(resource: &FluentResource) -> impl Iterator<Item = String> + '_ {
    resource.entries().filter_map(|entry| match entry {
        fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn localizer() -> Localizer {
        Localizer::from_sources([
            FtlSource {
                locale: "en".to_owned(),
                path: PathBuf::from("en/engine.ftl"),
                text: "engine-yes = Yes\nengine-return-offer = Shall we go back to { $topic }?\n"
                    .to_owned(),
            },
            FtlSource {
                locale: "it".to_owned(),
                path: PathBuf::from("it/engine.ftl"),
                text: "engine-yes = Sì\n".to_owned(),
            },
        ])
        .expect("valid ftl")
    }

    #[test]
    fn texts_fall_back_to_the_primary_language_then_english() {
        let localizer = localizer();
        assert_eq!(localizer.format("it-CH", MessageKey::Yes, &[]), "Sì");
        assert_eq!(
            localizer.format("it", MessageKey::ReturnOffer, &[("topic", Arg::Str("x"))]),
            "Shall we go back to x?"
        );
        assert_eq!(localizer.format("de", MessageKey::No, &[]), "engine-no");
    }

    #[test]
    fn arguments_are_not_wrapped_in_isolation_marks() {
        let text = localizer().format("en", MessageKey::ReturnOffer, &[("topic", Arg::Str("y"))]);
        assert!(!text.contains('\u{2068}'));
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let error = Localizer::from_sources([FtlSource {
            locale: "en".to_owned(),
            path: PathBuf::from("en/broken.ftl"),
            text: "= nothing\n".to_owned(),
        }])
        .unwrap_err();
        assert!(error.to_string().contains("en/broken.ftl"), "{error}");
    }

    #[test]
    fn message_keys_have_unique_engine_ids() {
        let ids: BTreeSet<&str> = MessageKey::ALL.iter().map(|k| k.id()).collect();
        assert_eq!(ids.len(), MessageKey::ALL.len());
        assert!(ids.iter().all(|id| id.starts_with("engine-")));
    }
}
