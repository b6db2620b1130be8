//! Entities of the visitor's message, found lazily: a turn looks for an entity only when a
//! condition, a `set` or a `prefill` asks for it, so a message that needs none costs
//! nothing here. Results are cached for the rest of the turn.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;

use super::{Said, Turn};
use crate::dialog::Value;
use crate::entities::system::{self, SystemEntityKind, SystemValue};

/// The message entities are looked for in, with what was found so far.
#[derive(Debug, Default)]
pub(crate) struct MessageEntities {
    said: Option<Said>,
    system: OnceCell<BTreeMap<SystemEntityKind, Value>>,
    custom: RefCell<BTreeMap<String, Option<Value>>>,
}

impl MessageEntities {
    /// Entities of `said` (nothing is searched yet).
    pub(crate) fn of(said: &Said) -> MessageEntities {
        MessageEntities {
            said: Some(said.clone()),
            ..MessageEntities::default()
        }
    }
}

impl Turn<'_> {
    /// The value of entity `name` (`sys_date`, `product`) in the visitor's message.
    pub(crate) fn entity(&self, name: &str) -> Option<Value> {
        let said = self.entities.said.as_ref()?;
        if let Ok(kind) = name.parse::<SystemEntityKind>() {
            let found = self
                .entities
                .system
                .get_or_init(|| self.system_entities(said));
            return found.get(&kind).cloned();
        }
        if let Some(known) = self.entities.custom.borrow().get(name) {
            return known.clone();
        }
        let found = match said {
            Said::Text(text) | Said::Option(text) => self
                .dialog
                .entities
                .iter()
                .find(|entity| entity.name() == name)
                .and_then(|entity| entity.find(text, self.locale))
                .map(|found| Value::Text(found.value)),
            Said::Date(_) => None,
        };
        self.entities
            .custom
            .borrow_mut()
            .insert(name.to_owned(), found.clone());
        found
    }

    /// The first system entity of each kind in the message.
    fn system_entities(&self, said: &Said) -> BTreeMap<SystemEntityKind, Value> {
        let mut found = BTreeMap::new();
        match said {
            Said::Date(date) => {
                found.insert(SystemEntityKind::Date, Value::Date(*date));
            }
            Said::Text(text) | Said::Option(text) => {
                for entity in system::extract_all(text, self.language(), self.ctx.today) {
                    found
                        .entry(entity.kind)
                        .or_insert_with(|| system_value(&entity.value));
                }
            }
        }
        found
    }
}

/// A system entity's value as a dialog value (times as `HH:MM` text).
fn system_value(value: &SystemValue) -> Value {
    match value {
        SystemValue::Number(number) => Value::Number(*number),
        SystemValue::Date(date) => Value::Date(*date),
        SystemValue::Time(time) => Value::Text(format!("{:02}:{:02}", time.hour(), time.minute())),
        SystemValue::Email(text) | SystemValue::Phone(text) => Value::Text(text.clone()),
        SystemValue::YesNo(flag) => Value::Bool(*flag),
    }
}
