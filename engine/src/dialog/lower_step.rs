//! Checks and lowers actions and their steps: one kind per step, known references,
//! complete texts, valid URLs and allowlisted iframe hosts.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use toml::Spanned;

use super::declare::IntentDecl;
use super::diagnostic::Loc;
use super::lower::{Lowerer, is_name};
use super::model::{Action, ActionId, Choice, MediaKind, OptionList, Preference, Step};
use super::raw::{RawAction, RawChoice, RawFile, RawMedia, RawStep};
use super::url::{check_source, host_allowed};

/// The longest pause a dialog may ask for, in milliseconds.
pub(crate) const MAX_PAUSE_MS: u64 = 10_000;

/// Lowers every action of the dialog. Returns the actions (indexed like
/// `lowerer.action_ids`) and the intent -> action map.
pub(crate) fn lower_actions(
    lowerer: &mut Lowerer<'_>,
    files: &[(usize, RawFile)],
    intents: &BTreeMap<String, IntentDecl>,
) -> (Vec<Action>, HashMap<String, ActionId>) {
    let mut declared: Vec<(usize, &Spanned<String>, &RawAction)> = Vec::new();
    for (file, raw) in files {
        for (name, action) in &raw.actions {
            if !is_name(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!(
                        "action name `{}` may only use a-z, 0-9, `-` and `_`",
                        name.get_ref()
                    ),
                );
                continue;
            }
            if lowerer.action_ids.contains_key(name.get_ref()) {
                lowerer.error(
                    *file,
                    name.span(),
                    format!("action `{}` is declared twice", name.get_ref()),
                );
                continue;
            }
            lowerer
                .action_ids
                .insert(name.get_ref().clone(), declared.len());
            declared.push((*file, name, action.get_ref()));
        }
    }
    let mut intent_actions = HashMap::new();
    let mut actions = Vec::with_capacity(declared.len());
    for (id, (file, name, raw)) in declared.into_iter().enumerate() {
        if let Some(intent) = &raw.intent {
            if !intents.contains_key(intent.get_ref()) {
                lowerer.error(
                    file,
                    intent.span(),
                    format!("unknown intent `{}`", intent.get_ref()),
                );
            } else if intent_actions
                .insert(intent.get_ref().clone(), id)
                .is_some()
            {
                lowerer.error(
                    file,
                    intent.span(),
                    format!(
                        "intent `{}` already triggers another action",
                        intent.get_ref()
                    ),
                );
            } else {
                lowerer.used_actions.insert(id);
            }
            if raw.title.is_none() {
                lowerer.error(file, name.span(), format!("action `{}` is triggered by an intent, so it needs a `title` (shown in \"did you mean\" and \"shall we go back to\")", name.get_ref()));
            }
        }
        let title = raw
            .title
            .as_ref()
            .and_then(|t| lowerer.text(file, t, "title", false));
        let steps = lower_steps(lowerer, file, name, raw);
        actions.push(Action {
            id: name.get_ref().clone(),
            title,
            digressions: raw.digressions.unwrap_or(true),
            steps,
        });
    }
    (actions, intent_actions)
}

fn lower_steps(
    lowerer: &mut Lowerer<'_>,
    file: usize,
    name: &Spanned<String>,
    raw: &RawAction,
) -> Vec<Step> {
    if raw.steps.is_empty() {
        lowerer.error(
            file,
            name.span(),
            format!("action `{}` has no steps", name.get_ref()),
        );
    }
    let mut labels = HashMap::new();
    for (index, step) in raw.steps.iter().enumerate() {
        if let Some(label) = &step.get_ref().label
            && labels.insert(label.get_ref().clone(), index).is_some()
        {
            lowerer.error(
                file,
                label.span(),
                format!(
                    "label `{}` is used twice in action `{}`",
                    label.get_ref(),
                    name.get_ref()
                ),
            );
        }
    }
    let mut steps = Vec::with_capacity(raw.steps.len());
    for step in &raw.steps {
        let mut scope = StepScope {
            lowerer: &mut *lowerer,
            file,
            labels: &labels,
            action: name.get_ref(),
            span: step.span(),
        };
        if let Some(lowered) = scope.step(step.get_ref()) {
            steps.push(lowered);
        }
    }
    if steps.len() == raw.steps.len() {
        let locs: Vec<Loc> = raw
            .steps
            .iter()
            .map(|s| Loc {
                file,
                span: s.span(),
            })
            .collect();
        super::validate::unreachable_steps(lowerer, name.get_ref(), &steps, &locs);
    }
    steps
}

pub(super) struct StepScope<'l, 'a> {
    pub(super) lowerer: &'l mut Lowerer<'a>,
    pub(super) file: usize,
    pub(super) labels: &'l HashMap<String, usize>,
    pub(super) action: &'l str,
    pub(super) span: Range<usize>,
}

const KINDS: &str = "say, option, image, audio, video, iframe, pause, user_defined, ask, branch, set, call, jump, end, connect_to_agent";

impl StepScope<'_, '_> {
    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.lowerer.error(self.file, span, message);
    }

    pub(super) fn label(&mut self, target: &Spanned<String>) -> Option<usize> {
        let found = self.labels.get(target.get_ref()).copied();
        if found.is_none() {
            let message = format!(
                "unknown step label `{}` in action `{}`",
                target.get_ref(),
                self.action
            );
            self.error(target.span(), message);
        }
        found
    }

    fn step(&mut self, raw: &RawStep) -> Option<Step> {
        let kinds: Vec<(&str, Range<usize>)> = [
            ("say", raw.say.as_ref().map(Spanned::span)),
            ("option", raw.option.as_ref().map(Spanned::span)),
            ("image", raw.image.as_ref().map(Spanned::span)),
            ("audio", raw.audio.as_ref().map(Spanned::span)),
            ("video", raw.video.as_ref().map(Spanned::span)),
            ("iframe", raw.iframe.as_ref().map(Spanned::span)),
            ("pause", raw.pause.as_ref().map(Spanned::span)),
            ("user_defined", raw.user_defined.as_ref().map(Spanned::span)),
            ("ask", raw.ask.as_ref().map(Spanned::span)),
            ("branch", raw.branch.as_ref().map(Spanned::span)),
            ("set", raw.set.as_ref().map(Spanned::span)),
            ("call", raw.call.as_ref().map(Spanned::span)),
            ("jump", raw.jump.as_ref().map(Spanned::span)),
            ("end", raw.end.as_ref().map(Spanned::span)),
            (
                "connect_to_agent",
                raw.connect_to_agent.as_ref().map(Spanned::span),
            ),
        ]
        .into_iter()
        .filter_map(|(kind, span)| span.map(|span| (kind, span)))
        .collect();
        let kind = match kinds.as_slice() {
            [] => {
                self.error(
                    self.span.clone(),
                    format!("a step needs exactly one of: {KINDS}"),
                );
                return None;
            }
            [(kind, _)] => *kind,
            [(first, _), (second, span), ..] => {
                let message = format!(
                    "a step has one kind, found `{first}` and `{second}` (split it into two steps)"
                );
                self.error(span.clone(), message);
                return None;
            }
        };
        self.stray_keys(raw, kind);
        match kind {
            "say" => raw
                .say
                .as_ref()
                .and_then(|t| self.lowerer.text(self.file, t, "say", true))
                .map(Step::Say),
            "option" => self.option(raw),
            "image" => self.media(raw.image.as_ref(), MediaKind::Image),
            "audio" => self.media(raw.audio.as_ref(), MediaKind::Audio),
            "video" => self.media(raw.video.as_ref(), MediaKind::Video),
            "iframe" => self.iframe(raw),
            "pause" => self.pause(raw),
            "user_defined" => raw
                .user_defined
                .as_ref()
                .map(|v| Step::UserDefined(toml_to_json(v.get_ref()))),
            "ask" => self.ask(raw).map(|ask| Step::Ask(Box::new(ask))),
            "branch" => self.branch(raw),
            "set" => self.set(raw),
            "call" => self.call(raw),
            "jump" => raw
                .jump
                .as_ref()
                .and_then(|t| self.label(t))
                .map(Step::Jump),
            "end" => self.end(raw),
            _ => self.connect(raw),
        }
    }

    fn stray_keys(&mut self, raw: &RawStep, kind: &str) {
        let ask_keys = [
            ("prompt", raw.prompt.as_ref().map(Spanned::span)),
            ("retry", raw.retry.as_ref().map(Spanned::span)),
            ("max_retries", raw.max_retries.as_ref().map(Spanned::span)),
            ("on_failure", raw.on_failure.as_ref().map(Spanned::span)),
            ("options", raw.options.as_ref().map(Spanned::span)),
            ("preference", raw.preference.as_ref().map(Spanned::span)),
            ("pattern", raw.pattern.as_ref().map(Spanned::span)),
            ("min", raw.min.as_ref().map(Spanned::span)),
            ("max", raw.max.as_ref().map(Spanned::span)),
            ("min_days", raw.min_days.as_ref().map(Spanned::span)),
            ("max_days", raw.max_days.as_ref().map(Spanned::span)),
            ("weekdays", raw.weekdays.as_ref().map(Spanned::span)),
            ("prefill", raw.prefill.as_ref().map(Spanned::span)),
            ("skip_if_set", raw.skip_if_set.as_ref().map(Spanned::span)),
        ];
        if kind != "ask" {
            for (key, span) in ask_keys {
                if let Some(span) = span {
                    self.error(span, format!("`{key}` only applies to `ask` steps"));
                }
            }
        }
        if kind != "branch"
            && let Some(otherwise) = &raw.otherwise
        {
            self.error(otherwise.span(), "`else` only applies to `branch` steps");
        }
    }

    pub(super) fn choices(&mut self, raw: &[Spanned<RawChoice>]) -> Vec<Choice> {
        let mut choices: Vec<Choice> = Vec::with_capacity(raw.len());
        for choice in raw {
            let value = choice.get_ref().value.get_ref();
            if value.trim().is_empty() {
                self.error(
                    choice.get_ref().value.span(),
                    "an option value cannot be empty",
                );
            }
            if choices.iter().any(|c| c.value == *value) {
                self.error(
                    choice.get_ref().value.span(),
                    format!("option value `{value}` is listed twice"),
                );
            }
            if let Some(label) =
                self.lowerer
                    .text(self.file, &choice.get_ref().label, "option label", false)
            {
                choices.push(Choice {
                    label,
                    value: value.clone(),
                });
            }
        }
        choices
    }

    pub(super) fn preference(&mut self, raw: Option<&Spanned<String>>, count: usize) -> Preference {
        match raw.map(|p| (p.get_ref().as_str(), p.span())) {
            None => Preference::for_count(count),
            Some(("button", _)) => Preference::Button,
            Some(("dropdown", _)) => Preference::Dropdown,
            Some((other, span)) => {
                self.error(
                    span,
                    format!("unknown preference `{other}` (button or dropdown)"),
                );
                Preference::for_count(count)
            }
        }
    }

    fn option(&mut self, raw: &RawStep) -> Option<Step> {
        let option = raw.option.as_ref()?.get_ref();
        if option.options.get_ref().is_empty() {
            self.error(
                option.options.span(),
                "an option list needs at least one option",
            );
        }
        let title = option
            .title
            .as_ref()
            .and_then(|t| self.lowerer.text(self.file, t, "option title", false));
        let choices = self.choices(option.options.get_ref());
        let preference = self.preference(option.preference.as_ref(), choices.len());
        Some(Step::Option(OptionList {
            title,
            choices,
            preference,
        }))
    }

    fn media(&mut self, raw: Option<&Spanned<RawMedia>>, kind: MediaKind) -> Option<Step> {
        let media = raw?.get_ref();
        if let Err(problem) = check_source(media.source.get_ref()) {
            self.error(media.source.span(), problem.message(media.source.get_ref()));
        }
        let file = self.file;
        let title = media
            .title
            .as_ref()
            .and_then(|t| self.lowerer.text(file, t, "title", false));
        let description = media
            .description
            .as_ref()
            .and_then(|t| self.lowerer.text(file, t, "description", false));
        let alt_text = media
            .alt_text
            .as_ref()
            .and_then(|t| self.lowerer.text(file, t, "alt_text", false));
        if kind == MediaKind::Image && media.alt_text.is_none() {
            self.error(
                media.source.span(),
                "an image needs an `alt_text` for screen readers",
            );
        }
        Some(Step::Media {
            kind,
            source: media.source.get_ref().clone(),
            title,
            description,
            alt_text,
        })
    }

    fn iframe(&mut self, raw: &RawStep) -> Option<Step> {
        let iframe = raw.iframe.as_ref()?.get_ref();
        let source = iframe.source.get_ref();
        let host = match check_source(source) {
            Ok(Some(host)) if source.to_ascii_lowercase().starts_with("https://") => Some(host),
            Ok(_) => {
                self.error(
                    iframe.source.span(),
                    format!("iframe source `{source}` must be an https:// URL"),
                );
                None
            }
            Err(problem) => {
                self.error(iframe.source.span(), problem.message(source));
                None
            }
        };
        if let Some(host) = &host
            && !host_allowed(host, &self.lowerer.iframe_hosts)
        {
            let message = format!(
                "iframe host `{host}` is not allowlisted (add it to `settings.iframe_hosts` or pass `--iframe-host {host}`)"
            );
            self.error(iframe.source.span(), message);
        }
        let title = iframe
            .title
            .as_ref()
            .and_then(|t| self.lowerer.text(self.file, t, "iframe title", false));
        Some(Step::Iframe {
            source: source.clone(),
            host,
            title,
        })
    }

    fn pause(&mut self, raw: &RawStep) -> Option<Step> {
        let pause = raw.pause.as_ref()?.get_ref();
        if *pause.time.get_ref() > MAX_PAUSE_MS {
            self.error(
                pause.time.span(),
                format!("a pause lasts at most {MAX_PAUSE_MS} ms"),
            );
        }
        Some(Step::Pause {
            time_ms: (*pause.time.get_ref()).min(MAX_PAUSE_MS),
            typing: pause.typing,
        })
    }
}

/// Converts a TOML value to JSON (datetimes become their TOML text).
pub(crate) fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(text) => serde_json::Value::String(text.clone()),
        toml::Value::Integer(number) => serde_json::Value::from(*number),
        toml::Value::Float(number) => serde_json::Number::from_f64(*number)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        toml::Value::Boolean(flag) => serde_json::Value::Bool(*flag),
        toml::Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
        toml::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(toml_to_json).collect())
        }
        toml::Value::Table(table) => serde_json::Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}
