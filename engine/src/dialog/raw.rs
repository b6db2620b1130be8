//! The dialog file as written: serde structs with spans, before any checking.
//!
//! Every struct denies unknown fields, so a typo is an error at its line and column.
//! `lower` turns these into the checked model.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// A name with the place it was written.
pub(crate) type Name = Spanned<String>;

/// One file of a dialog. In a folder dialog, `id`, `locales` and `settings` appear in
/// exactly one file; the tables merge.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub(crate) id: Option<Name>,
    pub(crate) locales: Option<Spanned<Vec<Name>>>,
    pub(crate) settings: Option<Spanned<RawSettings>>,
    #[serde(default)]
    pub(crate) variables: BTreeMap<Name, Spanned<RawVariable>>,
    #[serde(default)]
    pub(crate) intents: BTreeMap<Name, Spanned<RawIntent>>,
    #[serde(default)]
    pub(crate) entities: BTreeMap<Name, Spanned<RawEntity>>,
    #[serde(default)]
    pub(crate) actions: BTreeMap<Name, Spanned<RawAction>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSettings {
    pub(crate) misunderstandings_before_human: Option<Spanned<u32>>,
    pub(crate) disambiguation_margin: Option<Spanned<f32>>,
    pub(crate) oos_threshold: Option<Spanned<f32>>,
    pub(crate) idle_timeout_s: Option<Spanned<u32>>,
    pub(crate) idle_warning_s: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) iframe_hosts: Vec<Name>,
    pub(crate) welcome: Option<Name>,
    pub(crate) fallback: Option<Name>,
    pub(crate) human: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariable {
    #[serde(rename = "type")]
    pub(crate) kind: Name,
    pub(crate) scope: Option<Name>,
    pub(crate) default: Option<Spanned<toml::Value>>,
    #[allow(
        dead_code,
        reason = "documentation for authors, not read by the engine"
    )]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIntent {
    pub(crate) examples: Spanned<BTreeMap<Name, Spanned<Vec<String>>>>,
    #[allow(
        dead_code,
        reason = "documentation for authors, not read by the engine"
    )]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntity {
    #[serde(default)]
    pub(crate) values: BTreeMap<Name, Spanned<RawSynonyms>>,
    #[serde(default)]
    pub(crate) patterns: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    pub(crate) intent: Option<Name>,
    pub(crate) title: Option<Spanned<RawText>>,
    pub(crate) digressions: Option<bool>,
    #[serde(default)]
    pub(crate) steps: Vec<Spanned<RawStep>>,
}

/// One step: exactly one of the kind keys (`say`, `option`, `image`, `audio`, `video`,
/// `iframe`, `pause`, `user_defined`, `ask`, `branch`, `set`, `call`, `jump`, `end`,
/// `connect_to_agent`) plus the keys that kind takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub(crate) label: Option<Name>,
    pub(crate) say: Option<Spanned<RawText>>,
    pub(crate) option: Option<Spanned<RawOption>>,
    pub(crate) image: Option<Spanned<RawMedia>>,
    pub(crate) audio: Option<Spanned<RawMedia>>,
    pub(crate) video: Option<Spanned<RawMedia>>,
    pub(crate) iframe: Option<Spanned<RawIframe>>,
    pub(crate) pause: Option<Spanned<RawPause>>,
    pub(crate) user_defined: Option<Spanned<toml::Value>>,
    pub(crate) ask: Option<Name>,
    pub(crate) branch: Option<Spanned<Vec<Spanned<RawCase>>>>,
    pub(crate) set: Option<Spanned<BTreeMap<Name, Spanned<toml::Value>>>>,
    pub(crate) call: Option<Name>,
    pub(crate) jump: Option<Name>,
    pub(crate) end: Option<Name>,
    pub(crate) connect_to_agent: Option<Spanned<RawConnect>>,
    // `ask` keys
    pub(crate) prompt: Option<Spanned<RawText>>,
    pub(crate) retry: Option<Spanned<RawText>>,
    pub(crate) max_retries: Option<Spanned<u32>>,
    pub(crate) on_failure: Option<Name>,
    pub(crate) options: Option<Spanned<Vec<Spanned<RawChoice>>>>,
    pub(crate) preference: Option<Name>,
    pub(crate) pattern: Option<Name>,
    pub(crate) min: Option<Spanned<f64>>,
    pub(crate) max: Option<Spanned<f64>>,
    pub(crate) min_days: Option<Spanned<i64>>,
    pub(crate) max_days: Option<Spanned<i64>>,
    pub(crate) weekdays: Option<Spanned<Vec<Name>>>,
    pub(crate) prefill: Option<Name>,
    pub(crate) skip_if_set: Option<Spanned<bool>>,
    // `branch` key
    #[serde(rename = "else")]
    pub(crate) otherwise: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOption {
    pub(crate) title: Option<Spanned<RawText>>,
    pub(crate) options: Spanned<Vec<Spanned<RawChoice>>>,
    pub(crate) preference: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChoice {
    pub(crate) label: Spanned<RawText>,
    pub(crate) value: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMedia {
    pub(crate) source: Name,
    pub(crate) title: Option<Spanned<RawText>>,
    pub(crate) description: Option<Spanned<RawText>>,
    pub(crate) alt_text: Option<Spanned<RawText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIframe {
    pub(crate) source: Name,
    pub(crate) title: Option<Spanned<RawText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPause {
    pub(crate) time: Spanned<u64>,
    #[serde(default)]
    pub(crate) typing: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    pub(crate) when: Name,
    pub(crate) goto: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnect {
    pub(crate) message_to_agent: Spanned<RawText>,
    pub(crate) resource: Option<Name>,
    pub(crate) say: Option<Spanned<RawText>>,
}

/// A text: one string for every locale, or a table `{ en = "…", it = "…" }`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawText {
    Same(String),
    PerLocale(BTreeMap<String, String>),
}

/// Synonyms of an entity value: one list for every locale, or a table of lists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawSynonyms {
    Same(Vec<String>),
    PerLocale(BTreeMap<String, Vec<String>>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<RawText, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = RawText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a table of strings by locale ({ en = \"…\" })")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawText, E> {
                Ok(RawText::Same(text.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawText, A::Error> {
                let mut texts = BTreeMap::new();
                while let Some((locale, text)) = map.next_entry::<String, String>()? {
                    texts.insert(locale, text);
                }
                Ok(RawText::PerLocale(texts))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl<'de> Deserialize<'de> for RawSynonyms {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<RawSynonyms, D::Error> {
        struct SynonymsVisitor;
        impl<'de> Visitor<'de> for SynonymsVisitor {
            type Value = RawSynonyms;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of synonyms or a table of lists by locale")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawSynonyms, A::Error> {
                let mut all = Vec::new();
                while let Some(word) = seq.next_element::<String>()? {
                    all.push(word);
                }
                Ok(RawSynonyms::Same(all))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSynonyms, A::Error> {
                let mut per_locale = BTreeMap::new();
                while let Some((locale, words)) = map.next_entry::<String, Vec<String>>()? {
                    per_locale.insert(locale, words);
                }
                Ok(RawSynonyms::PerLocale(per_locale))
            }
        }
        deserializer.deserialize_any(SynonymsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_a_string_or_a_table_by_locale() {
        #[derive(Deserialize)]
        struct Holder {
            a: RawText,
            b: Spanned<RawText>,
        }
        let holder: Holder =
            toml::from_str("a = \"hi\"\nb = { en = \"hi\", it = \"ciao\" }\n").expect("parses");
        assert_eq!(holder.a, RawText::Same("hi".to_owned()));
        assert!(matches!(holder.b.get_ref(), RawText::PerLocale(map) if map["it"] == "ciao"));
        assert_eq!(holder.b.span().start, 13);
    }

    #[test]
    fn unknown_step_keys_are_errors_with_a_span() {
        let error = toml::from_str::<RawFile>("[actions.a]\n[[actions.a.steps]]\nsya = \"x\"\n")
            .expect_err("typo");
        assert!(error.message().contains("sya"), "{}", error.message());
        assert!(error.span().is_some());
    }
}
