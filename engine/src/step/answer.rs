//! Reading the answer to an `ask`: parse it for the variable's type, validate it, re-prompt
//! with a precise reason, and give up after the allowed retries.

use jiff::civil::Date;

use super::render::{NO, YES};
use super::{Said, Turn};
use crate::dialog::{Ask, MAX_TEXT_VALUE_CHARS, Step, Value, VarType, format_number};
use crate::entities::system;
use crate::i18n::{Arg, MessageKey};
use crate::session::{Entry, Pending};

/// Why an answer is not accepted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rejection {
    /// Nothing of the expected type was found.
    Unreadable,
    /// A text answer does not match the step's pattern.
    Pattern,
    /// A number outside `min..=max`.
    NumberRange,
    /// A date outside `min_days..=max_days` from today.
    DateRange,
    /// A date on a weekday the step does not allow.
    Weekday,
    /// An option value or label that is not in the list.
    UnknownOption,
}

impl Turn<'_> {
    /// Handles the visitor's answer to the pending `ask`.
    pub(crate) fn answer(&mut self, said: &Said, retries: u32) {
        let Some(Step::Ask(ask)) = self.current_step() else {
            self.reset_broken();
            return;
        };
        let free_text = ask.ty == VarType::Text && ask.pattern.is_none();
        if free_text && self.digress(said) {
            return;
        }
        match self.read_answer(ask, said) {
            Ok(value) => {
                self.session.variables.insert(ask.variable.clone(), value);
                self.session.misunderstandings = 0;
                if let Some(frame) = self.session.stack.last_mut() {
                    frame.step += 1;
                }
                self.run();
            }
            Err(rejection) => {
                if !free_text && self.digress(said) {
                    return;
                }
                self.retry(ask, retries + 1, &rejection);
            }
        }
    }

    /// Starts a digression when the answer is rather another request the bot
    /// understands. Returns whether it did.
    fn digress(&mut self, said: &Said) -> bool {
        let Some(frame) = self.session.stack.last() else {
            return false;
        };
        let allowed = self
            .dialog
            .action(&frame.action)
            .is_some_and(|(_, action)| action.digressions);
        if !allowed || matches!(said, Said::Date(_)) {
            return false;
        }
        let Some(target) = self.confident_intent_action(said) else {
            return false;
        };
        let target_name = self.dialog.actions.get(target).map(|a| a.id.as_str());
        if self
            .session
            .stack
            .iter()
            .any(|f| Some(f.action.as_str()) == target_name)
        {
            return false;
        }
        self.session.misunderstandings = 0;
        self.push_action(target, Entry::Digression);
        self.run();
        true
    }

    /// Re-prompts, or gives up after `max_retries` re-prompts.
    fn retry(&mut self, ask: &Ask, retries: u32, rejection: &Rejection) {
        if retries > ask.max_retries {
            self.give_up(ask);
            return;
        }
        match &ask.retry {
            Some(text) => self.prompt_with(ask, text),
            None => {
                let (key, args) = self.rejection_text(ask, rejection);
                let args: Vec<(&str, Arg<'_>)> = args
                    .iter()
                    .map(|(k, v)| (*k, Arg::Str(v.as_str())))
                    .collect();
                self.system_text(key, &args);
                self.prompt(ask);
            }
        }
        self.session.pending = Some(Pending::Answer { retries });
    }

    fn give_up(&mut self, ask: &Ask) {
        if let Some(target) = ask.on_failure {
            if let Some(frame) = self.session.stack.last_mut() {
                frame.step = target;
            }
            self.run();
            return;
        }
        self.system_text(MessageKey::AskGaveUp, &[]);
        self.session.stack.clear();
        self.count_misunderstanding(false);
    }

    fn rejection_text(
        &self,
        ask: &Ask,
        rejection: &Rejection,
    ) -> (MessageKey, Vec<(&'static str, String)>) {
        let key = match (rejection, ask.ty) {
            (Rejection::Pattern, _) => MessageKey::RetryPattern,
            (Rejection::NumberRange, _) => {
                let min = ask.min.map(|min| ("min", format_number(min)));
                let max = ask.max.map(|max| ("max", format_number(max)));
                let key = match (&min, &max) {
                    (Some(_), Some(_)) => MessageKey::RetryNumberRange,
                    (Some(_), None) => MessageKey::RetryNumberMin,
                    _ => MessageKey::RetryNumberMax,
                };
                return (key, min.into_iter().chain(max).collect());
            }
            (Rejection::DateRange, _) => {
                let first = self.day_offset(ask.min_days).map(|d| ("first", d));
                let last = self.day_offset(ask.max_days).map(|d| ("last", d));
                let key = match (&first, &last) {
                    (Some(_), Some(_)) => MessageKey::RetryDateRange,
                    (Some(_), None) => MessageKey::RetryDateFrom,
                    _ => MessageKey::RetryDateUntil,
                };
                return (key, first.into_iter().chain(last).collect());
            }
            (Rejection::Weekday, _) => {
                let mut days: Vec<jiff::civil::Weekday> = ask.weekdays.clone().unwrap_or_default();
                days.sort_by_key(|day| day.to_monday_one_offset());
                days.dedup();
                let names: Vec<String> = days
                    .iter()
                    .map(|day| {
                        let weekday = f64::from(day.to_monday_one_offset());
                        self.system(MessageKey::Weekday, &[("weekday", Arg::Num(weekday))])
                    })
                    .collect();
                return (
                    MessageKey::RetryDateWeekday,
                    vec![("days", names.join(", "))],
                );
            }
            (Rejection::UnknownOption, _) | (Rejection::Unreadable, VarType::Option) => {
                MessageKey::RetryOption
            }
            (Rejection::Unreadable, VarType::Text) => MessageKey::RetryText,
            (Rejection::Unreadable, VarType::Number) => MessageKey::RetryNumber,
            (Rejection::Unreadable, VarType::Date) => MessageKey::RetryDate,
            (Rejection::Unreadable, VarType::YesNo) => MessageKey::RetryYesNo,
            (Rejection::Unreadable, VarType::Email) => MessageKey::RetryEmail,
        };
        (key, Vec::new())
    }

    /// Today plus `days`, formatted for the visitor.
    fn day_offset(&self, days: Option<i64>) -> Option<String> {
        let date = self
            .ctx
            .today
            .checked_add(jiff::Span::new().try_days(days?).ok()?)
            .ok()?;
        Some(self.format_value(&Value::Date(date)))
    }

    /// Parses and validates an answer.
    pub(crate) fn read_answer(&self, ask: &Ask, said: &Said) -> Result<Value, Rejection> {
        let language = self.language();
        let value = match (ask.ty, said) {
            (VarType::Date, Said::Date(date)) => Value::Date(*date),
            (VarType::Date, Said::Option(text)) => {
                Value::Date(text.parse().map_err(|_| Rejection::Unreadable)?)
            }
            (VarType::Date, Said::Text(text)) => Value::Date(
                system::date(text, language, self.ctx.today).ok_or(Rejection::Unreadable)?,
            ),
            (VarType::Option, Said::Option(value)) => {
                let choice = ask
                    .choices
                    .iter()
                    .find(|c| c.value == *value)
                    .ok_or(Rejection::UnknownOption)?;
                Value::Text(choice.value.clone())
            }
            (VarType::Option, said) => Value::Text(self.option_by_text(ask, &said.text())?),
            (VarType::YesNo, said) => Value::Bool(self.yes_no(said).ok_or(Rejection::Unreadable)?),
            (VarType::Number, said) => {
                Value::Number(system::number(&said.text(), language).ok_or(Rejection::Unreadable)?)
            }
            (VarType::Email, said) => {
                Value::Text(system::email(&said.text()).ok_or(Rejection::Unreadable)?)
            }
            (VarType::Text, said) => {
                let text = said.text();
                match &ask.pattern {
                    Some(pattern) => Value::Text(
                        pattern
                            .find(&text)
                            .ok_or(Rejection::Pattern)?
                            .as_str()
                            .to_owned(),
                    ),
                    None => Value::Text(text.chars().take(MAX_TEXT_VALUE_CHARS).collect()),
                }
            }
        };
        self.check_answer(ask, value)
    }

    /// Validates a value against the step's limits (also used for prefilled entities).
    pub(crate) fn check_answer(&self, ask: &Ask, value: Value) -> Result<Value, Rejection> {
        if !ask.ty.accepts(&value) {
            return Err(Rejection::Unreadable);
        }
        match &value {
            Value::Number(number) => {
                let low = ask.min.is_some_and(|min| *number < min);
                let high = ask.max.is_some_and(|max| *number > max);
                if low || high {
                    return Err(Rejection::NumberRange);
                }
            }
            Value::Date(date) => self.check_date(ask, *date)?,
            Value::Text(text)
                if ask.ty == VarType::Option && !ask.choices.iter().any(|c| c.value == *text) =>
            {
                return Err(Rejection::UnknownOption);
            }
            Value::Text(text) if ask.ty == VarType::Text => {
                if let Some(pattern) = &ask.pattern
                    && !pattern.is_match(text)
                {
                    return Err(Rejection::Pattern);
                }
            }
            _ => {}
        }
        Ok(value)
    }

    fn check_date(&self, ask: &Ask, date: Date) -> Result<(), Rejection> {
        let offset = (date - self.ctx.today).get_days();
        let days = i64::from(offset);
        let too_early = ask.min_days.is_some_and(|min| days < min);
        let too_late = ask.max_days.is_some_and(|max| days > max);
        if too_early || too_late {
            return Err(Rejection::DateRange);
        }
        if let Some(weekdays) = &ask.weekdays
            && !weekdays.contains(&date.weekday())
        {
            return Err(Rejection::Weekday);
        }
        Ok(())
    }

    /// An option picked by typing its label, its value or its number in the list.
    fn option_by_text(&self, ask: &Ask, text: &str) -> Result<String, Rejection> {
        let wanted = text.trim().to_lowercase();
        if let Some(choice) = ask.choices.iter().find(|c| {
            c.value.to_lowercase() == wanted || self.plain(&c.label).to_lowercase() == wanted
        }) {
            return Ok(choice.value.clone());
        }
        wanted
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|index| ask.choices.get(index))
            .map(|choice| choice.value.clone())
            .ok_or(Rejection::UnknownOption)
    }

    /// A yes/no answer from an option value or typed text.
    pub(crate) fn yes_no(&self, said: &Said) -> Option<bool> {
        match said {
            Said::Option(value) if value == YES => Some(true),
            Said::Option(value) if value == NO => Some(false),
            Said::Date(_) => None,
            Said::Option(text) | Said::Text(text) => system::yes_no(text, self.language()),
        }
    }

    /// The NLU language of the turn's locale.
    pub(crate) fn language(&self) -> crate::Language {
        self.dialog
            .locales()
            .get(self.locale)
            .map_or(crate::Language::En, |l| l.language)
    }
}
