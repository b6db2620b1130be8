//! Turns the parsed files of one dialog into the checked [`Dialog`], collecting every
//! problem as a [`Diagnostic`] instead of stopping at the first.
//!
//! Declarations (`declare`: header, variables, entities, intents) are read first so that
//! steps can be checked against them in one pass; `lower_step`, `lower_ask` and
//! `lower_flow` check the steps and `validate` runs the whole-dialog checks
//! (reachability, unused things, NLU training).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use toml::Spanned;

use super::diagnostic::{Diagnostic, Loc, Severity, SourceMap};
use super::load::LoadOptions;
use super::model::{Dialog, DialogLocale, VariableDef};
use super::raw::{RawFile, RawText};
use super::text::{Localized, Template};
use super::value::{Value, VarType};
use super::{declare, lower_step, validate};
use crate::entities::system::SystemEntityKind;

/// The default number of consecutive misunderstandings before the bot offers a human.
pub(crate) const DEFAULT_MISUNDERSTANDINGS_BEFORE_HUMAN: u32 = 2;
/// The default confidence gap under which the two best intents are "too close".
pub(crate) const DEFAULT_DISAMBIGUATION_MARGIN: f32 = 0.15;

/// State shared while lowering one dialog.
pub(crate) struct Lowerer<'a> {
    pub(crate) sources: &'a SourceMap,
    pub(crate) options: &'a LoadOptions,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) locales: Vec<DialogLocale>,
    pub(crate) variables: BTreeMap<String, VariableDef>,
    pub(crate) entities: BTreeMap<String, Loc>,
    pub(crate) action_ids: HashMap<String, usize>,
    pub(crate) iframe_hosts: Vec<String>,
    pub(crate) used_variables: BTreeSet<String>,
    pub(crate) used_entities: BTreeSet<String>,
    pub(crate) used_actions: BTreeSet<usize>,
}

impl Lowerer<'_> {
    pub(crate) fn error(&mut self, file: usize, span: Range<usize>, message: impl Into<String>) {
        let loc = Loc { file, span };
        let diagnostic = self.sources.diagnostic(&loc, Severity::Error, message);
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn warning(&mut self, loc: &Loc, message: impl Into<String>) {
        let diagnostic = self.sources.diagnostic(loc, Severity::Warning, message);
        self.diagnostics.push(diagnostic);
    }

    /// Lowers a localized text, checking that every locale has it and that its
    /// placeholders name declared variables. Markdown texts without placeholders are
    /// rendered to HTML once, here.
    pub(crate) fn text(
        &mut self,
        file: usize,
        raw: &Spanned<RawText>,
        what: &str,
        markdown: bool,
    ) -> Option<Localized> {
        let span = raw.span();
        let sources: Vec<String> = match raw.get_ref() {
            RawText::Same(text) => vec![text.clone(); self.locales.len()],
            RawText::PerLocale(map) => {
                for locale in map.keys() {
                    if !self.locales.iter().any(|l| &l.tag == locale) {
                        self.error(
                            file,
                            span.clone(),
                            format!("{what}: `{locale}` is not a locale of this dialog"),
                        );
                    }
                }
                let mut texts = Vec::with_capacity(self.locales.len());
                let mut complete = true;
                for tag in self
                    .locales
                    .iter()
                    .map(|l| l.tag.clone())
                    .collect::<Vec<_>>()
                {
                    match map.get(&tag) {
                        Some(text) => texts.push(text.clone()),
                        None => {
                            complete = false;
                            self.error(
                                file,
                                span.clone(),
                                format!("{what}: missing the `{tag}` text"),
                            );
                        }
                    }
                }
                if !complete {
                    return None;
                }
                texts
            }
        };
        let mut per_locale = Vec::with_capacity(sources.len());
        for source in &sources {
            match Template::parse(source) {
                Ok(mut template) => {
                    for name in template.variables().map(str::to_owned).collect::<Vec<_>>() {
                        if self.variables.contains_key(&name) {
                            self.used_variables.insert(name);
                        } else {
                            self.error(
                                file,
                                span.clone(),
                                format!("{what}: unknown variable `{name}` in a placeholder"),
                            );
                        }
                    }
                    if markdown && let Err(error) = template.prerender() {
                        self.error(file, span.clone(), format!("{what}: {error}"));
                    }
                    per_locale.push(template);
                }
                Err(message) => self.error(file, span.clone(), format!("{what}: {message}")),
            }
        }
        (per_locale.len() == self.locales.len()).then_some(Localized { per_locale })
    }

    /// Checks an entity reference (`@name` or `name`), marking it used. Returns the
    /// name without `@`.
    pub(crate) fn entity_ref(
        &mut self,
        file: usize,
        span: Range<usize>,
        reference: &str,
    ) -> Option<String> {
        let name = reference.strip_prefix('@').unwrap_or(reference);
        if name.parse::<SystemEntityKind>().is_ok() || self.entities.contains_key(name) {
            self.used_entities.insert(name.to_owned());
            Some(name.to_owned())
        } else {
            self.error(file, span, format!("unknown entity `@{name}`"));
            None
        }
    }

    /// Checks a variable reference, marking it used.
    pub(crate) fn variable_ref(
        &mut self,
        file: usize,
        span: Range<usize>,
        name: &str,
    ) -> Option<VariableDef> {
        if let Some(def) = self.variables.get(name) {
            self.used_variables.insert(name.to_owned());
            Some(def.clone())
        } else {
            self.error(file, span, format!("unknown variable `{name}`"));
            None
        }
    }
}

/// Lowers the files of one dialog. Returns the dialog when there was no error, and every
/// diagnostic (errors and warnings).
pub(crate) fn lower(
    files: &[(usize, RawFile)],
    sources: &SourceMap,
    options: &LoadOptions,
) -> (Option<Dialog>, Vec<Diagnostic>) {
    let mut lowerer = Lowerer {
        sources,
        options,
        diagnostics: Vec::new(),
        locales: Vec::new(),
        variables: BTreeMap::new(),
        entities: BTreeMap::new(),
        action_ids: HashMap::new(),
        iframe_hosts: options.iframe_hosts.clone(),
        used_variables: BTreeSet::new(),
        used_entities: BTreeSet::new(),
        used_actions: BTreeSet::new(),
    };
    let first_file = files.first().map_or(0, |(file, _)| *file);
    let id = declare::header(&mut lowerer, files, first_file);
    if lowerer.locales.is_empty() {
        return (None, lowerer.diagnostics);
    }
    declare::declare_variables(&mut lowerer, files);
    let entities = declare::declare_entities(&mut lowerer, files);
    let intents = declare::declare_intents(&mut lowerer, files);
    let settings_raw = files
        .iter()
        .find_map(|(file, raw)| raw.settings.as_ref().map(|s| (*file, s)));
    declare::settings_hosts(&mut lowerer, settings_raw);
    let (actions, intent_actions) = lower_step::lower_actions(&mut lowerer, files, &intents);
    let settings = declare::settings(&mut lowerer, settings_raw);
    let nlu = validate::finish(
        &mut lowerer,
        &validate::Finish {
            files,
            first_file,
            actions: &actions,
            intents: &intents,
            intent_actions: &intent_actions,
            settings: &settings,
        },
    );
    let has_errors = lowerer.diagnostics.iter().any(Diagnostic::is_error);
    let (Some(id), Some(nlu), false) = (id, nlu, has_errors) else {
        return (None, lowerer.diagnostics);
    };
    let action_ids = lowerer.action_ids.clone();
    let dialog = Dialog {
        id,
        locales: lowerer.locales.clone(),
        settings,
        variables: lowerer.variables.clone(),
        entities,
        actions,
        action_ids,
        intent_actions,
        nlu,
    };
    (Some(dialog), lowerer.diagnostics)
}

/// The out-of-scope threshold override of the dialog, if any.
pub(crate) fn oos_threshold(files: &[(usize, RawFile)]) -> Option<f32> {
    files.iter().find_map(|(_, raw)| {
        raw.settings
            .as_ref()
            .and_then(|s| s.get_ref().oos_threshold.as_ref())
            .map(|t| *t.get_ref())
            .filter(|t| (0.0..=1.0).contains(t))
    })
}

/// Whether `name` is a valid id for a dialog, variable, intent, entity or action.
pub(crate) fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Reads a TOML literal as a value of type `ty`.
pub(crate) fn literal(raw: &toml::Value, ty: VarType) -> Result<Value, String> {
    let value = match raw {
        toml::Value::String(text) => match ty {
            VarType::Date => text
                .parse()
                .map(Value::Date)
                .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))?,
            _ => Value::Text(text.clone()),
        },
        toml::Value::Integer(number) => Value::Number(*number as f64),
        toml::Value::Float(number) if number.is_finite() => Value::Number(*number),
        toml::Value::Boolean(flag) => Value::Bool(*flag),
        toml::Value::Datetime(datetime) => match (datetime.date, datetime.time) {
            (Some(date), None) => jiff::civil::Date::new(
                i16::try_from(date.year).unwrap_or(i16::MAX),
                i8::try_from(date.month).unwrap_or(0),
                i8::try_from(date.day).unwrap_or(0),
            )
            .map(Value::Date)
            .map_err(|error| format!("invalid date: {error}"))?,
            _ => return Err("only plain dates (YYYY-MM-DD) are supported".to_owned()),
        },
        _ => return Err(format!("a `{ty}` variable cannot hold this value")),
    };
    if ty.accepts(&value) {
        Ok(value)
    } else {
        Err(format!(
            "a `{ty}` variable cannot hold a {}",
            value.kind_name()
        ))
    }
}
