//! Typed values of dialog variables and entities, and the types a variable can declare.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The type of a dialog variable; it decides how an `ask` step reads the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarType {
    /// Free text, optionally checked against a pattern.
    Text,
    /// A number ("42", "3.5", "twelve" where the language parser knows it).
    Number,
    /// A calendar date (absolute or relative: "tomorrow", "domani", "next Monday").
    Date,
    /// One value out of the options the `ask` step lists.
    Option,
    /// Yes or no.
    YesNo,
    /// An email address.
    Email,
}

impl VarType {
    /// Every type, in the order the documentation lists them.
    pub const ALL: [VarType; 6] = [
        VarType::Text,
        VarType::Number,
        VarType::Date,
        VarType::Option,
        VarType::YesNo,
        VarType::Email,
    ];

    /// The name used in dialog files.
    pub fn name(self) -> &'static str {
        match self {
            VarType::Text => "text",
            VarType::Number => "number",
            VarType::Date => "date",
            VarType::Option => "option",
            VarType::YesNo => "yes_no",
            VarType::Email => "email",
        }
    }

    /// Whether a value has the shape this type stores (options and emails are text).
    pub fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (
                VarType::Text | VarType::Option | VarType::Email,
                Value::Text(_)
            ) | (VarType::Number, Value::Number(_))
                | (VarType::Date, Value::Date(_))
                | (VarType::YesNo, Value::Bool(_))
        )
    }

    /// Reads a value of this type from JSON (public state kept by the widget). Returns
    /// `None` when the JSON does not have this type's shape.
    pub fn value_from_json(self, json: &serde_json::Value) -> Option<Value> {
        match (self, json) {
            (VarType::Text | VarType::Option | VarType::Email, serde_json::Value::String(s)) => {
                Some(Value::Text(s.chars().take(MAX_TEXT_VALUE_CHARS).collect()))
            }
            (VarType::Number, serde_json::Value::Number(n)) => {
                n.as_f64().filter(|f| f.is_finite()).map(Value::Number)
            }
            (VarType::Date, serde_json::Value::String(s)) => s.parse().ok().map(Value::Date),
            (VarType::YesNo, serde_json::Value::Bool(b)) => Some(Value::Bool(*b)),
            _ => None,
        }
    }
}

impl FromStr for VarType {
    type Err = ();

    fn from_str(s: &str) -> Result<VarType, ()> {
        VarType::ALL.into_iter().find(|ty| ty.name() == s).ok_or(())
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text values (answers, restored state) are cut to this many characters.
pub const MAX_TEXT_VALUE_CHARS: usize = 500;

/// The value of a variable or an entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// Text (also option values and emails).
    Text(String),
    /// A finite number.
    Number(f64),
    /// A yes/no answer or a boolean flag.
    Bool(bool),
    /// A calendar date.
    Date(Date),
}

impl Value {
    /// The JSON form used for public state: strings, numbers, booleans, ISO dates.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(text) => serde_json::Value::String(text.clone()),
            Value::Number(number) if number.fract() == 0.0 && number.abs() < 9e15 => {
                serde_json::Value::from(*number as i64)
            }
            Value::Number(number) => serde_json::Number::from_f64(*number)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Date(date) => serde_json::Value::String(date.to_string()),
        }
    }

    /// Whether the value counts as "true" in a condition: a set flag, a non-empty text,
    /// a non-zero number; dates are always true.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Text(text) => !text.is_empty(),
            Value::Number(number) => *number != 0.0,
            Value::Bool(flag) => *flag,
            Value::Date(_) => true,
        }
    }

    /// A short name of the value's kind, for diagnostics.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Text(_) => "text",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Date(_) => "date",
        }
    }
}

/// Formats a number without a trailing `.0` when it is whole.
pub(crate) fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for ty in VarType::ALL {
            assert_eq!(ty.name().parse::<VarType>(), Ok(ty));
        }
        assert!("string".parse::<VarType>().is_err());
    }

    #[test]
    fn json_of_the_wrong_shape_is_rejected_for_a_type() {
        assert_eq!(
            VarType::Number.value_from_json(&serde_json::json!("12")),
            None
        );
        assert_eq!(
            VarType::Date.value_from_json(&serde_json::json!("2026-02-30")),
            None
        );
        assert_eq!(
            VarType::Date.value_from_json(&serde_json::json!("2026-02-28")),
            Some(Value::Date(jiff::civil::date(2026, 2, 28)))
        );
    }

    #[test]
    fn restored_text_is_bounded() {
        let long = "x".repeat(10_000);
        let Some(Value::Text(text)) = VarType::Text.value_from_json(&serde_json::json!(long))
        else {
            panic!("text expected");
        };
        assert_eq!(text.chars().count(), MAX_TEXT_VALUE_CHARS);
    }

    #[test]
    fn whole_numbers_print_without_decimals() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(2.5), "2.5");
    }
}
