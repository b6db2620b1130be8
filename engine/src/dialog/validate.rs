//! Whole-dialog checks that need every action lowered: unreachable steps, unused
//! actions, intents, variables and entities, system texts for every locale, and the
//! training of one intent model per locale.

use std::collections::{BTreeMap, HashMap};

use super::declare::IntentDecl;
use super::diagnostic::Loc;
use super::lower::{Lowerer, oos_threshold};
use super::model::{Action, ActionId, Settings, Step};
use super::raw::RawFile;
use crate::i18n::MessageKey;
use crate::nlu::{IntentModel, NluConfig, OUT_OF_SCOPE_INTENT, TrainingExample};

/// The steps that can run right after step `index` (`len` means "the action ends").
pub(crate) fn successors(steps: &[Step], index: usize) -> Vec<usize> {
    let next = index + 1;
    match steps.get(index) {
        None | Some(Step::End(_) | Step::ConnectToAgent { .. }) => Vec::new(),
        Some(Step::Jump(target)) => vec![*target],
        Some(Step::Ask(ask)) => {
            let mut all = vec![next];
            all.extend(ask.on_failure);
            all
        }
        Some(Step::Branch { cases, otherwise }) => {
            let mut all: Vec<usize> = cases.iter().map(|(_, target)| *target).collect();
            all.push(otherwise.unwrap_or(next));
            all
        }
        Some(_) => vec![next],
    }
}

/// Reports steps that no path from the first step reaches (once per unreachable run).
pub(crate) fn unreachable_steps(
    lowerer: &mut Lowerer<'_>,
    action: &str,
    steps: &[Step],
    locs: &[Loc],
) {
    let mut reached = vec![false; steps.len()];
    let mut todo = vec![0];
    while let Some(index) = todo.pop() {
        match reached.get_mut(index) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        todo.extend(successors(steps, index));
    }
    for (index, loc) in locs.iter().enumerate() {
        let previous_unreached = index > 0 && !reached[index - 1];
        if !reached[index] && !previous_unreached {
            let message = format!(
                "step {} of action `{action}` can never run (nothing jumps to it and the step before does not continue)",
                index + 1
            );
            lowerer.error(loc.file, loc.span.clone(), message);
        }
    }
}

/// What [`finish`] checks.
pub(crate) struct Finish<'a> {
    pub(crate) files: &'a [(usize, RawFile)],
    pub(crate) first_file: usize,
    pub(crate) actions: &'a [Action],
    pub(crate) intents: &'a BTreeMap<String, IntentDecl>,
    pub(crate) intent_actions: &'a HashMap<String, ActionId>,
    pub(crate) settings: &'a Settings,
}

/// Runs the whole-dialog checks and trains the intent models. Returns the models (one
/// per locale) unless training failed.
pub(crate) fn finish(lowerer: &mut Lowerer<'_>, finish: &Finish<'_>) -> Option<Vec<IntentModel>> {
    unused_actions(lowerer, finish);
    call_cycles(lowerer, finish);
    for (name, intent) in finish.intents {
        if name != OUT_OF_SCOPE_INTENT && !finish.intent_actions.contains_key(name) {
            let message = format!(
                "intent `{name}` triggers no action (add `intent = \"{name}\"` to an action)"
            );
            lowerer.error(intent.loc.file, intent.loc.span.clone(), message);
        }
    }
    unused_declarations(lowerer, finish.files);
    system_texts(lowerer, finish.first_file);
    if finish.settings.welcome.is_none() {
        let loc = Loc {
            file: finish.first_file,
            span: 0..0,
        };
        lowerer.warning(
            &loc,
            "no `settings.welcome` action: the bot says nothing when a chat starts",
        );
    }
    train(lowerer, finish)
}

fn unused_actions(lowerer: &mut Lowerer<'_>, finish: &Finish<'_>) {
    for (file, raw) in finish.files {
        for name in raw.actions.keys() {
            let Some(&id) = lowerer.action_ids.get(name.get_ref()) else {
                continue;
            };
            let declared_here = finish
                .actions
                .get(id)
                .is_some_and(|a| a.id == *name.get_ref());
            if declared_here && !lowerer.used_actions.contains(&id) {
                let message = format!(
                    "action `{}` is never used: no intent triggers it, no step calls it and no setting names it",
                    name.get_ref()
                );
                lowerer.error(*file, name.span(), message);
            }
        }
    }
}

/// Reports actions that call themselves, directly or through other actions: such a call
/// could only stop at the stack limit.
fn call_cycles(lowerer: &mut Lowerer<'_>, finish: &Finish<'_>) {
    let calls: Vec<Vec<ActionId>> = finish
        .actions
        .iter()
        .map(|action| {
            action
                .steps
                .iter()
                .filter_map(|step| match step {
                    Step::Call(target) => Some(*target),
                    _ => None,
                })
                .collect()
        })
        .collect();
    for start in 0..calls.len() {
        let mut seen = vec![false; calls.len()];
        let mut todo: Vec<ActionId> = calls[start].clone();
        while let Some(next) = todo.pop() {
            if next == start {
                report_cycle(lowerer, finish, start);
                break;
            }
            if let Some(slot) = seen.get_mut(next)
                && !*slot
            {
                *slot = true;
                todo.extend(calls.get(next).into_iter().flatten());
            }
        }
    }
}

fn report_cycle(lowerer: &mut Lowerer<'_>, finish: &Finish<'_>, action: ActionId) {
    let Some(name) = finish.actions.get(action).map(|a| a.id.clone()) else {
        return;
    };
    for (file, raw) in finish.files {
        if let Some((key, _)) = raw.actions.iter().find(|(key, _)| *key.get_ref() == name) {
            let message =
                format!("action `{name}` calls itself (directly or through other actions)");
            lowerer.error(*file, key.span(), message);
            return;
        }
    }
}

fn unused_declarations(lowerer: &mut Lowerer<'_>, files: &[(usize, RawFile)]) {
    for (file, raw) in files {
        for name in raw.variables.keys() {
            if !lowerer.used_variables.contains(name.get_ref()) {
                let loc = Loc {
                    file: *file,
                    span: name.span(),
                };
                lowerer.warning(&loc, format!("variable `{}` is never used", name.get_ref()));
            }
        }
        for name in raw.entities.keys() {
            if !lowerer.used_entities.contains(name.get_ref()) {
                let loc = Loc {
                    file: *file,
                    span: name.span(),
                };
                lowerer.warning(
                    &loc,
                    format!(
                        "entity `@{}` is never used in a condition, `set` or `prefill`",
                        name.get_ref()
                    ),
                );
            }
        }
    }
}

fn system_texts(lowerer: &mut Lowerer<'_>, first_file: usize) {
    let Some(localizer) = lowerer.options.localizer.clone() else {
        return;
    };
    let tags: Vec<String> = lowerer.locales.iter().map(|l| l.tag.clone()).collect();
    for tag in tags {
        let missing: Vec<&str> = MessageKey::ALL
            .iter()
            .map(|key| key.id())
            .filter(|id| !localizer.has_exact(&tag, id))
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "locale `{tag}` lacks system texts in locales/{tag}/engine.ftl: {}",
                missing.join(", ")
            );
            lowerer.error(first_file, 0..0, message);
        }
    }
}

fn train(lowerer: &mut Lowerer<'_>, finish: &Finish<'_>) -> Option<Vec<IntentModel>> {
    if lowerer.diagnostics.iter().any(super::Diagnostic::is_error) {
        return None;
    }
    if finish
        .intents
        .keys()
        .all(|name| name == OUT_OF_SCOPE_INTENT)
    {
        return Some(Vec::new());
    }
    let threshold = oos_threshold(finish.files);
    let mut models = Vec::with_capacity(lowerer.locales.len());
    for (index, locale) in lowerer.locales.clone().iter().enumerate() {
        let examples: Vec<TrainingExample> = finish
            .intents
            .iter()
            .flat_map(|(name, intent)| {
                intent
                    .examples
                    .get(index)
                    .into_iter()
                    .flatten()
                    .map(move |text| TrainingExample::new(text.as_str(), name.as_str()))
            })
            .collect();
        let mut config = NluConfig::new(locale.language);
        if let Some(threshold) = threshold {
            config = config.with_oos_threshold(threshold);
        }
        match IntentModel::train(&examples, &config) {
            Ok(model) => models.push(model),
            Err(error) => {
                let message = format!("cannot train the `{}` intent model: {error}", locale.tag);
                lowerer.error(finish.first_file, 0..0, message);
                return None;
            }
        }
    }
    Some(models)
}
