//! Checks and lowers `ask` steps: the variable, the prompt and retry texts, and the
//! limits that fit the variable's type.

use std::ops::Range;

use jiff::civil::Weekday;
use regex::Regex;
use toml::Spanned;

use super::lower_step::StepScope;
use super::model::{Ask, DEFAULT_MAX_RETRIES};
use super::raw::RawStep;
use super::value::VarType;

impl StepScope<'_, '_> {
    pub(super) fn ask(&mut self, raw: &RawStep) -> Option<Ask> {
        let variable = raw.ask.as_ref()?;
        let def = self
            .lowerer
            .variable_ref(self.file, variable.span(), variable.get_ref());
        let ty = def.as_ref().map_or(VarType::Text, |d| d.ty);
        let Some(prompt_raw) = &raw.prompt else {
            self.error(variable.span(), "an `ask` step needs a `prompt`");
            return None;
        };
        let prompt = self.lowerer.text(self.file, prompt_raw, "prompt", true);
        let retry = raw
            .retry
            .as_ref()
            .and_then(|t| self.lowerer.text(self.file, t, "retry", true));
        let on_failure = raw.on_failure.as_ref().and_then(|t| self.label(t));
        let only_for =
            |key: &str, present: Option<Range<usize>>, wanted: &[VarType], scope: &mut Self| {
                if let Some(span) = present
                    && !wanted.contains(&ty)
                {
                    let names: Vec<&str> = wanted.iter().map(|t| t.name()).collect();
                    scope.error(
                        span,
                        format!(
                            "`{key}` only applies when asking for a {} variable",
                            names.join(" or ")
                        ),
                    );
                }
            };
        only_for(
            "options",
            raw.options.as_ref().map(Spanned::span),
            &[VarType::Option],
            self,
        );
        only_for(
            "preference",
            raw.preference.as_ref().map(Spanned::span),
            &[VarType::Option],
            self,
        );
        only_for(
            "pattern",
            raw.pattern.as_ref().map(Spanned::span),
            &[VarType::Text],
            self,
        );
        only_for(
            "min",
            raw.min.as_ref().map(Spanned::span),
            &[VarType::Number],
            self,
        );
        only_for(
            "max",
            raw.max.as_ref().map(Spanned::span),
            &[VarType::Number],
            self,
        );
        only_for(
            "min_days",
            raw.min_days.as_ref().map(Spanned::span),
            &[VarType::Date],
            self,
        );
        only_for(
            "max_days",
            raw.max_days.as_ref().map(Spanned::span),
            &[VarType::Date],
            self,
        );
        only_for(
            "weekdays",
            raw.weekdays.as_ref().map(Spanned::span),
            &[VarType::Date],
            self,
        );
        let choices = raw
            .options
            .as_ref()
            .map(|o| self.choices(o.get_ref()))
            .unwrap_or_default();
        if ty == VarType::Option && choices.is_empty() {
            self.error(
                variable.span(),
                "asking for an option variable needs a non-empty `options` list",
            );
        }
        let preference = self.preference(raw.preference.as_ref(), choices.len());
        let pattern = raw
            .pattern
            .as_ref()
            .and_then(|p| match Regex::new(p.get_ref()) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    self.error(
                        p.span(),
                        format!(
                            "`pattern` is not a valid regular expression: {}",
                            crate::entities::custom::regex_error_reason(&error)
                        ),
                    );
                    None
                }
            });
        let (min, max) = (
            raw.min.as_ref().map(|m| *m.get_ref()),
            raw.max.as_ref().map(|m| *m.get_ref()),
        );
        if let (Some(low), Some(high), Some(span)) = (min, max, raw.max.as_ref().map(Spanned::span))
            && low > high
        {
            self.error(span, "`max` is smaller than `min`");
        }
        let (min_days, max_days) = (
            raw.min_days.as_ref().map(|d| *d.get_ref()),
            raw.max_days.as_ref().map(|d| *d.get_ref()),
        );
        if let (Some(low), Some(high), Some(span)) =
            (min_days, max_days, raw.max_days.as_ref().map(Spanned::span))
            && low > high
        {
            self.error(span, "`max_days` is smaller than `min_days`");
        }
        let weekdays = raw.weekdays.as_ref().map(|list| {
            list.get_ref()
                .iter()
                .filter_map(|day| {
                    let parsed = parse_weekday(day.get_ref());
                    if parsed.is_none() {
                        self.error(
                            day.span(),
                            format!("unknown weekday `{}` (monday … sunday)", day.get_ref()),
                        );
                    }
                    parsed
                })
                .collect::<Vec<_>>()
        });
        let prefill = raw
            .prefill
            .as_ref()
            .and_then(|p| self.lowerer.entity_ref(self.file, p.span(), p.get_ref()));
        let (Some(_), Some(prompt)) = (def, prompt) else {
            return None;
        };
        Some(Ask {
            variable: variable.get_ref().clone(),
            ty,
            prompt,
            retry,
            max_retries: raw
                .max_retries
                .as_ref()
                .map_or(DEFAULT_MAX_RETRIES, |m| *m.get_ref()),
            on_failure,
            choices,
            preference,
            pattern,
            min,
            max,
            min_days,
            max_days,
            weekdays,
            prefill,
            skip_if_set: raw.skip_if_set.as_ref().is_some_and(|s| *s.get_ref()),
        })
    }
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    let lower = name.to_ascii_lowercase();
    let day = match lower.get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    };
    let full = format!("{day:?}").to_ascii_lowercase();
    (lower.len() == 3 || lower == full).then_some(day)
}
