//! The declarations of a dialog, read before any step: the header (`id`, `locales`,
//! `[settings]`), variables, entities and intents.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use toml::Spanned;

use super::diagnostic::Loc;
use super::lower::{
    DEFAULT_DISAMBIGUATION_MARGIN, DEFAULT_MISUNDERSTANDINGS_BEFORE_HUMAN, Lowerer, is_name,
    literal,
};
use super::model::{DialogLocale, Settings, VariableDef};
use super::raw::{RawFile, RawSettings, RawSynonyms};
use super::value::VarType;
use crate::Language;
use crate::entities::custom::{CustomEntity, EntityValue};

pub(crate) fn header(
    lowerer: &mut Lowerer<'_>,
    files: &[(usize, RawFile)],
    first_file: usize,
) -> Option<String> {
    let mut id = None;
    let mut locales_seen = false;
    let mut settings_seen = false;
    for (file, raw) in files {
        if let Some(raw_id) = &raw.id {
            if id.is_some() {
                lowerer.error(
                    *file,
                    raw_id.span(),
                    "`id` is already set in another file of this dialog",
                );
            } else if is_name(raw_id.get_ref()) {
                id = Some(raw_id.get_ref().clone());
            } else {
                lowerer.error(
                    *file,
                    raw_id.span(),
                    "`id` may only use a-z, 0-9, `-` and `_`",
                );
            }
        }
        if let Some(settings) = &raw.settings {
            if settings_seen {
                lowerer.error(
                    *file,
                    settings.span(),
                    "`[settings]` is already set in another file of this dialog",
                );
            }
            settings_seen = true;
        }
        let Some(locales) = &raw.locales else {
            continue;
        };
        if locales_seen {
            lowerer.error(
                *file,
                locales.span(),
                "`locales` is already set in another file of this dialog",
            );
            continue;
        }
        locales_seen = true;
        for tag in locales.get_ref() {
            let Some(language) = Language::from_tag(tag.get_ref()) else {
                lowerer.error(
                    *file,
                    tag.span(),
                    format!(
                        "locale `{}` has no built-in language support (en, it, de, fr, es)",
                        tag.get_ref()
                    ),
                );
                continue;
            };
            if lowerer.locales.iter().any(|l| l.tag == *tag.get_ref()) {
                lowerer.error(
                    *file,
                    tag.span(),
                    format!("locale `{}` is listed twice", tag.get_ref()),
                );
                continue;
            }
            lowerer.locales.push(DialogLocale {
                tag: tag.get_ref().clone(),
                language,
            });
        }
        if locales.get_ref().is_empty() {
            lowerer.error(
                *file,
                locales.span(),
                "`locales` must list at least one locale",
            );
        }
    }
    if id.is_none() && !files.iter().any(|(_, raw)| raw.id.is_some()) {
        lowerer.error(first_file, 0..0, "the dialog has no `id`");
    }
    if !locales_seen {
        lowerer.error(first_file, 0..0, "the dialog has no `locales` list");
    }
    id
}

pub(crate) fn declare_variables(lowerer: &mut Lowerer<'_>, files: &[(usize, RawFile)]) {
    for (file, raw) in files {
        for (name, variable) in &raw.variables {
            if !is_name(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!(
                        "variable name `{}` may only use a-z, 0-9, `-` and `_`",
                        name.get_ref()
                    ),
                );
                continue;
            }
            if lowerer.variables.contains_key(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!("variable `{}` is declared twice", name.get_ref()),
                );
                continue;
            }
            let variable = variable.get_ref();
            let Ok(ty) = variable.kind.get_ref().parse::<VarType>() else {
                lowerer.error(
                    *file,
                    variable.kind.span(),
                    format!(
                        "unknown type `{}` (text, number, date, option, yes_no, email)",
                        variable.kind.get_ref()
                    ),
                );
                continue;
            };
            let public = match variable.scope.as_ref().map(|s| s.get_ref().as_str()) {
                None | Some("private") => false,
                Some("public") => true,
                Some(other) => {
                    let span = variable.scope.as_ref().map_or(0..0, Spanned::span);
                    lowerer.error(
                        *file,
                        span,
                        format!("unknown scope `{other}` (public or private)"),
                    );
                    false
                }
            };
            let default = variable.default.as_ref().and_then(|raw_default| {
                match literal(raw_default.get_ref(), ty) {
                    Ok(value) => Some(value),
                    Err(message) => {
                        lowerer.error(*file, raw_default.span(), message);
                        None
                    }
                }
            });
            lowerer.variables.insert(
                name.get_ref().clone(),
                VariableDef {
                    ty,
                    public,
                    default,
                },
            );
        }
    }
}

pub(crate) fn declare_entities(
    lowerer: &mut Lowerer<'_>,
    files: &[(usize, RawFile)],
) -> Vec<CustomEntity> {
    let mut entities = Vec::new();
    for (file, raw) in files {
        for (name, entity) in &raw.entities {
            let loc = Loc {
                file: *file,
                span: name.span(),
            };
            if name.get_ref().starts_with("sys_") || !is_name(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!(
                        "entity name `{}` must use a-z, 0-9, `-`, `_` and not start with `sys_`",
                        name.get_ref()
                    ),
                );
                continue;
            }
            if lowerer.entities.contains_key(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!("entity `{}` is declared twice", name.get_ref()),
                );
                continue;
            }
            let entity = entity.get_ref();
            let mut values = Vec::new();
            for (value, synonyms) in &entity.values {
                let per_locale = match synonyms.get_ref() {
                    RawSynonyms::Same(all) => vec![all.clone(); lowerer.locales.len()],
                    RawSynonyms::PerLocale(map) => {
                        let tags: Vec<String> =
                            lowerer.locales.iter().map(|l| l.tag.clone()).collect();
                        for locale in map.keys().filter(|k| !tags.contains(k)) {
                            lowerer.error(
                                *file,
                                synonyms.span(),
                                format!("`{locale}` is not a locale of this dialog"),
                            );
                        }
                        tags.iter()
                            .map(|tag| {
                                map.get(tag).cloned().unwrap_or_else(|| {
                                    lowerer.error(
                                        *file,
                                        synonyms.span(),
                                        format!(
                                            "value `{}` has no `{tag}` synonyms",
                                            value.get_ref()
                                        ),
                                    );
                                    Vec::new()
                                })
                            })
                            .collect()
                    }
                };
                values.push(EntityValue {
                    name: value.get_ref().clone(),
                    synonyms: per_locale,
                });
            }
            if values.is_empty() && entity.patterns.is_empty() {
                lowerer.error(
                    *file,
                    name.span(),
                    format!(
                        "entity `{}` has neither values nor patterns",
                        name.get_ref()
                    ),
                );
            }
            let patterns: Vec<String> = entity
                .patterns
                .iter()
                .map(|p| p.get_ref().clone())
                .collect();
            match CustomEntity::new(name.get_ref().clone(), &values, &patterns) {
                Ok(compiled) => entities.push(compiled),
                Err(error) => lowerer.error(
                    *file,
                    name.span(),
                    format!("entity `{}`: {error}", name.get_ref()),
                ),
            }
            lowerer.entities.insert(name.get_ref().clone(), loc);
        }
    }
    entities
}

/// An intent with its training examples, per locale index.
pub(crate) struct IntentDecl {
    pub(crate) loc: Loc,
    pub(crate) examples: Vec<Vec<String>>,
}

pub(crate) fn declare_intents(
    lowerer: &mut Lowerer<'_>,
    files: &[(usize, RawFile)],
) -> BTreeMap<String, IntentDecl> {
    let mut intents = BTreeMap::new();
    for (file, raw) in files {
        for (name, intent) in &raw.intents {
            if !is_name(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!(
                        "intent name `{}` may only use a-z, 0-9, `-` and `_`",
                        name.get_ref()
                    ),
                );
                continue;
            }
            if intents.contains_key(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!("intent `{}` is declared twice", name.get_ref()),
                );
                continue;
            }
            let by_locale = intent.get_ref().examples.get_ref();
            for locale in by_locale.keys() {
                if !lowerer.locales.iter().any(|l| l.tag == *locale.get_ref()) {
                    lowerer.error(
                        *file,
                        locale.span(),
                        format!("`{}` is not a locale of this dialog", locale.get_ref()),
                    );
                }
            }
            let mut examples = Vec::new();
            for tag in lowerer
                .locales
                .iter()
                .map(|l| l.tag.clone())
                .collect::<Vec<_>>()
            {
                let list = by_locale
                    .iter()
                    .find(|(k, _)| *k.get_ref() == tag)
                    .map(|(_, v)| v);
                match list {
                    Some(list) if list.get_ref().iter().any(|e| !e.trim().is_empty()) => {
                        examples.push(list.get_ref().clone());
                    }
                    Some(list) => {
                        lowerer.error(
                            *file,
                            list.span(),
                            format!("intent `{}` has no `{tag}` examples", name.get_ref()),
                        );
                        examples.push(Vec::new());
                    }
                    None => {
                        lowerer.error(
                            *file,
                            intent.get_ref().examples.span(),
                            format!("intent `{}` has no `{tag}` examples", name.get_ref()),
                        );
                        examples.push(Vec::new());
                    }
                }
            }
            let loc = Loc {
                file: *file,
                span: name.span(),
            };
            intents.insert(name.get_ref().clone(), IntentDecl { loc, examples });
        }
    }
    intents
}

pub(crate) fn settings_hosts(
    lowerer: &mut Lowerer<'_>,
    raw: Option<(usize, &Spanned<RawSettings>)>,
) {
    let Some((file, settings)) = raw else { return };
    for host in &settings.get_ref().iframe_hosts {
        let text = host.get_ref();
        if text.is_empty() || text.contains(['/', ':', ' ', '@']) {
            lowerer.error(file, host.span(), format!("iframe host `{text}` must be a bare host name like `www.example.com` or `*.example.com`"));
        } else {
            lowerer.iframe_hosts.push(text.to_ascii_lowercase());
        }
    }
}

pub(crate) fn settings(
    lowerer: &mut Lowerer<'_>,
    raw: Option<(usize, &Spanned<RawSettings>)>,
) -> Settings {
    let mut settings = Settings {
        misunderstandings_before_human: DEFAULT_MISUNDERSTANDINGS_BEFORE_HUMAN,
        disambiguation_margin: DEFAULT_DISAMBIGUATION_MARGIN,
        idle_timeout: None,
        idle_warning: None,
        iframe_hosts: lowerer.iframe_hosts.clone(),
        welcome: None,
        fallback: None,
        human: None,
    };
    let Some((file, raw)) = raw else {
        return settings;
    };
    let raw = raw.get_ref();
    if let Some(count) = &raw.misunderstandings_before_human {
        settings.misunderstandings_before_human = *count.get_ref();
    }
    if let Some(margin) = &raw.disambiguation_margin {
        if (0.0..=1.0).contains(margin.get_ref()) {
            settings.disambiguation_margin = *margin.get_ref();
        } else {
            lowerer.error(
                file,
                margin.span(),
                "`disambiguation_margin` must be within 0.0..=1.0",
            );
        }
    }
    if let Some(threshold) = &raw.oos_threshold
        && !(0.0..=1.0).contains(threshold.get_ref())
    {
        lowerer.error(
            file,
            threshold.span(),
            "`oos_threshold` must be within 0.0..=1.0",
        );
    }
    if let Some(timeout) = &raw.idle_timeout_s {
        if *timeout.get_ref() == 0 {
            lowerer.error(file, timeout.span(), "`idle_timeout_s` must be at least 1");
        }
        settings.idle_timeout = Some(SignedDuration::from_secs(i64::from(*timeout.get_ref())));
    }
    if let Some(warning) = &raw.idle_warning_s {
        settings.idle_warning = Some(SignedDuration::from_secs(i64::from(*warning.get_ref())));
    }
    for (slot, name) in [
        (&mut settings.welcome, &raw.welcome),
        (&mut settings.fallback, &raw.fallback),
        (&mut settings.human, &raw.human),
    ] {
        let Some(name) = name else { continue };
        match lowerer.action_ids.get(name.get_ref()) {
            Some(&id) => {
                *slot = Some(id);
                lowerer.used_actions.insert(id);
            }
            None => lowerer.error(
                file,
                name.span(),
                format!("unknown action `{}`", name.get_ref()),
            ),
        }
    }
    settings
}
