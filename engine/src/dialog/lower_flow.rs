//! Checks and lowers the control-flow steps: `branch`, `set`, `call`, `end` and
//! `connect_to_agent`.

use super::condition::{Condition, Operand};
use super::lower::literal;
use super::lower_step::StepScope;
use super::model::{EndScope, SetValue, Step};
use super::raw::RawStep;

impl StepScope<'_, '_> {
    pub(super) fn branch(&mut self, raw: &RawStep) -> Option<Step> {
        let cases_raw = raw.branch.as_ref()?;
        if cases_raw.get_ref().is_empty() {
            self.error(cases_raw.span(), "a `branch` needs at least one case");
        }
        let mut cases = Vec::new();
        for case in cases_raw.get_ref() {
            let case = case.get_ref();
            let target = self.label(&case.goto);
            match Condition::parse(case.when.get_ref()) {
                Ok(condition) => {
                    for operand in condition.operands() {
                        match operand {
                            Operand::Variable(name) => {
                                self.lowerer.variable_ref(self.file, case.when.span(), name);
                            }
                            Operand::Entity(name) => {
                                self.lowerer.entity_ref(self.file, case.when.span(), name);
                            }
                            Operand::Literal(_) | Operand::Today => {}
                        }
                    }
                    if let Some(target) = target {
                        cases.push((condition, target));
                    }
                }
                Err(message) => {
                    self.error(case.when.span(), format!("invalid condition: {message}"))
                }
            }
        }
        let otherwise = raw.otherwise.as_ref().and_then(|t| self.label(t));
        Some(Step::Branch { cases, otherwise })
    }

    pub(super) fn set(&mut self, raw: &RawStep) -> Option<Step> {
        let assignments = raw.set.as_ref()?;
        let mut lowered = Vec::new();
        for (name, value) in assignments.get_ref() {
            let Some(def) = self
                .lowerer
                .variable_ref(self.file, name.span(), name.get_ref())
            else {
                continue;
            };
            let set_value = match value.get_ref() {
                toml::Value::Table(table) => {
                    match (table.get("from"), table.get("clear"), table.len()) {
                        (Some(toml::Value::String(from)), None, 1) => {
                            match from.strip_prefix('@') {
                                Some(entity) => self
                                    .lowerer
                                    .entity_ref(self.file, value.span(), entity)
                                    .map(SetValue::Entity),
                                None => {
                                    match self.lowerer.variable_ref(self.file, value.span(), from) {
                                        Some(source) if source.ty == def.ty => {
                                            Some(SetValue::Variable(from.clone()))
                                        }
                                        Some(source) => {
                                            self.error(
                                                value.span(),
                                                format!(
                                                    "cannot copy a `{}` variable into a `{}` one",
                                                    source.ty, def.ty
                                                ),
                                            );
                                            None
                                        }
                                        None => None,
                                    }
                                }
                            }
                        }
                        (None, Some(toml::Value::Boolean(true)), 1) => Some(SetValue::Clear),
                        _ => {
                            self.error(value.span(), "a `set` table is `{ from = \"variable\" }`, `{ from = \"@entity\" }` or `{ clear = true }`");
                            None
                        }
                    }
                }
                other => match literal(other, def.ty) {
                    Ok(literal) => Some(SetValue::Literal(literal)),
                    Err(message) => {
                        self.error(value.span(), message);
                        None
                    }
                },
            };
            if let Some(set_value) = set_value {
                lowered.push((name.get_ref().clone(), set_value));
            }
        }
        Some(Step::Set(lowered))
    }

    pub(super) fn call(&mut self, raw: &RawStep) -> Option<Step> {
        let target = raw.call.as_ref()?;
        let Some(&id) = self.lowerer.action_ids.get(target.get_ref()) else {
            self.error(
                target.span(),
                format!("unknown action `{}`", target.get_ref()),
            );
            return None;
        };
        self.lowerer.used_actions.insert(id);
        Some(Step::Call(id))
    }

    pub(super) fn end(&mut self, raw: &RawStep) -> Option<Step> {
        let scope = raw.end.as_ref()?;
        match scope.get_ref().as_str() {
            "action" => Some(Step::End(EndScope::Action)),
            "conversation" => Some(Step::End(EndScope::Conversation)),
            other => {
                self.error(
                    scope.span(),
                    format!("`end` is \"action\" or \"conversation\", not `{other}`"),
                );
                None
            }
        }
    }

    pub(super) fn connect(&mut self, raw: &RawStep) -> Option<Step> {
        let connect = raw.connect_to_agent.as_ref()?.get_ref();
        let message_to_agent = self.lowerer.text(
            self.file,
            &connect.message_to_agent,
            "message_to_agent",
            false,
        );
        let say = connect
            .say
            .as_ref()
            .and_then(|t| self.lowerer.text(self.file, t, "say", true));
        if let Some(resource) = &connect.resource
            && resource.get_ref().trim().is_empty()
        {
            self.error(resource.span(), "`resource` cannot be empty");
        }
        Some(Step::ConnectToAgent {
            message_to_agent: message_to_agent?,
            resource: connect.resource.as_ref().map(|r| r.get_ref().clone()),
            say,
        })
    }
}
