//! Texts to outputs: dialog templates filled with variables, system texts from the
//! localizer, and values formatted for the visitor's locale.

use super::Turn;
use crate::dialog::{Choice, Localized, Value, format_number};
use crate::i18n::{Arg, MessageKey};
use crate::output::{OptionItem, Output, Preference};

/// The option values of system yes/no questions.
pub(crate) const YES: &str = "yes";
pub(crate) const NO: &str = "no";
/// The option value of "none of these" in a disambiguation.
pub(crate) const NONE_OF_THESE: &str = "none_of_these";

impl Turn<'_> {
    /// The locale tag of the turn (the dialog locale that serves the visitor).
    pub(crate) fn locale_tag(&self) -> &str {
        self.dialog
            .locales()
            .get(self.locale)
            .map_or(self.ctx.locale, |l| l.tag.as_str())
    }

    /// A system text, formatted.
    pub(crate) fn system(&self, key: MessageKey, args: &[(&str, Arg<'_>)]) -> String {
        self.ctx.localizer.format(self.locale_tag(), key, args)
    }

    /// Shows a system text.
    pub(crate) fn system_text(&mut self, key: MessageKey, args: &[(&str, Arg<'_>)]) {
        let text = self.system(key, args);
        self.out.push(Output::text(text));
    }

    /// A value as the visitor reads it.
    pub(crate) fn format_value(&self, value: &Value) -> String {
        match value {
            Value::Text(text) => text.clone(),
            Value::Number(number) => format_number(*number),
            Value::Bool(true) => self.system(MessageKey::Yes, &[]),
            Value::Bool(false) => self.system(MessageKey::No, &[]),
            Value::Date(date) => {
                let weekday = date.weekday().to_monday_one_offset();
                self.system(
                    MessageKey::Date,
                    &[
                        ("year", Arg::Num(f64::from(date.year()))),
                        ("month", Arg::Num(f64::from(date.month()))),
                        ("day", Arg::Num(f64::from(date.day()))),
                        ("weekday", Arg::Num(f64::from(weekday))),
                    ],
                )
            }
        }
    }

    /// A dialog text filled with variables, as plain text (titles, labels).
    pub(crate) fn plain(&self, text: &Localized) -> String {
        text.get(self.locale)
            .fill(
                |name| {
                    self.session
                        .variables
                        .get(name)
                        .map(|v| self.format_value(v))
                },
                false,
            )
            .into_owned()
    }

    /// Shows a markdown dialog text; substituted values are escaped.
    pub(crate) fn say(&mut self, text: &Localized) {
        let template = text.get(self.locale);
        let lookup = |name: &str| {
            self.session
                .variables
                .get(name)
                .map(|v| self.format_value(v))
        };
        let markdown = template.fill(lookup, true).into_owned();
        let output = match template.html(lookup) {
            Some(html) => Output::Text { markdown, html },
            None => Output::text(markdown),
        };
        self.out.push(output);
    }

    /// The options of a dialog option list.
    pub(crate) fn choices(&self, choices: &[Choice]) -> Vec<OptionItem> {
        choices
            .iter()
            .map(|choice| OptionItem {
                label: self.plain(&choice.label),
                value: choice.value.clone(),
            })
            .collect()
    }

    /// Shows a yes/no question with system labels.
    pub(crate) fn yes_no_question(&mut self, title: String) {
        let options = vec![
            OptionItem {
                label: self.system(MessageKey::Yes, &[]),
                value: YES.to_owned(),
            },
            OptionItem {
                label: self.system(MessageKey::No, &[]),
                value: NO.to_owned(),
            },
        ];
        self.out.push(Output::Option {
            title,
            options,
            preference: Preference::Button,
        });
    }
}
