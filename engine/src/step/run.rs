//! Executes steps until the bot needs input: the action stack with calls, jumps,
//! branches, digressions and the offer to return after one.

use super::Turn;
use crate::dialog::{
    Ask, EndScope, MediaKind, Scope, SetValue, Step, Value, VarType, host_allowed,
};
use crate::i18n::{Arg, MessageKey};
use crate::output::{Media, Output};
use crate::session::{Entry, Frame, Pending};

/// Steps one turn may execute; a dialog looping without asking anything stops here.
pub(crate) const STEP_BUDGET: u32 = 256;
/// How deep calls and digressions may nest.
pub(crate) const MAX_STACK: usize = 32;

/// Conditions read the session's variables and entities.
struct SessionScope<'s> {
    turn: &'s Turn<'s>,
}

impl Scope for SessionScope<'_> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.turn.session.variables.get(name)
    }
    fn entity(&self, name: &str) -> Option<Value> {
        self.turn.entity(name)
    }
    fn today(&self) -> jiff::civil::Date {
        self.turn.ctx.today
    }
}

impl<'a> Turn<'a> {
    /// Starts an action on top of the stack.
    pub(crate) fn push_action(&mut self, action: usize, entry: Entry) {
        let Some(name) = self.dialog.actions.get(action).map(|a| a.id.clone()) else {
            return;
        };
        if self.session.stack.len() >= MAX_STACK {
            self.reset_broken();
            return;
        }
        self.session.stack.push(Frame {
            action: name,
            step: 0,
            entry,
        });
    }

    /// Forgets every action after a state that no longer fits the dialog.
    pub(crate) fn reset_broken(&mut self) {
        self.session.stack.clear();
        self.session.pending = None;
        self.system_text(MessageKey::DialogChanged, &[]);
    }

    /// The step the top frame points at.
    pub(crate) fn current_step(&self) -> Option<&'a Step> {
        let frame = self.session.stack.last()?;
        let (_, action) = self.dialog.action(&frame.action)?;
        action.steps.get(frame.step)
    }

    fn advance(&mut self, to: Option<usize>) {
        if let Some(frame) = self.session.stack.last_mut() {
            frame.step = to.unwrap_or(frame.step + 1);
        }
    }

    /// Runs steps until the bot waits for input or nothing is left to run.
    pub(crate) fn run(&mut self) {
        loop {
            if self.budget == 0 {
                self.reset_broken();
                return;
            }
            self.budget -= 1;
            let Some(frame) = self.session.stack.last() else {
                return;
            };
            let Some((_, action)) = self.dialog.action(&frame.action) else {
                self.reset_broken();
                return;
            };
            let Some(step) = action.steps.get(frame.step) else {
                if self.finish_frame() {
                    continue;
                }
                return;
            };
            if !self.execute(step) {
                return;
            }
        }
    }

    /// Runs one step; returns whether to go on.
    fn execute(&mut self, step: &'a Step) -> bool {
        match step {
            Step::Say(text) => self.say(text),
            Step::Option(list) => {
                let title = list
                    .title
                    .as_ref()
                    .map(|t| self.plain(t))
                    .unwrap_or_default();
                let options = self.choices(&list.choices);
                self.out.push(Output::Option {
                    title,
                    options,
                    preference: list.preference,
                });
            }
            Step::Media {
                kind,
                source,
                title,
                description,
                alt_text,
            } => {
                let media = Media {
                    source: source.clone(),
                    title: title.as_ref().map(|t| self.plain(t)),
                    description: description.as_ref().map(|t| self.plain(t)),
                    alt_text: alt_text.as_ref().map(|t| self.plain(t)),
                };
                self.out.push(match kind {
                    MediaKind::Image => Output::Image(media),
                    MediaKind::Audio => Output::Audio(media),
                    MediaKind::Video => Output::Video(media),
                });
            }
            Step::Iframe {
                source,
                host,
                title,
            } => self.iframe(source, host.as_deref(), title.as_ref()),
            Step::Pause { time_ms, typing } => {
                self.out.push(Output::Pause {
                    time_ms: *time_ms,
                    typing: *typing,
                });
            }
            Step::UserDefined(value) => self.out.push(Output::UserDefined {
                value: value.clone(),
            }),
            Step::Ask(ask) => return self.ask(ask),
            Step::Branch { cases, otherwise } => {
                let scope = SessionScope { turn: self };
                let target = cases
                    .iter()
                    .find(|(condition, _)| condition.eval(&scope))
                    .map(|(_, target)| *target)
                    .or(*otherwise);
                self.advance(target);
                return true;
            }
            Step::Set(assignments) => self.set(assignments),
            Step::Call(action) => {
                self.advance(None);
                self.push_action(*action, Entry::Call);
                return true;
            }
            Step::Jump(target) => {
                self.advance(Some(*target));
                return true;
            }
            Step::End(EndScope::Action) => return self.finish_frame(),
            Step::End(EndScope::Conversation) => {
                self.session.stack.clear();
                self.out.push(Output::ConversationEnded);
                return false;
            }
            Step::ConnectToAgent {
                message_to_agent,
                resource,
                say,
            } => {
                if let Some(say) = say {
                    self.say(say);
                }
                let message_to_agent = self.plain(message_to_agent);
                self.out.push(Output::ConnectToAgent {
                    message_to_agent,
                    resource: resource.clone(),
                });
                self.session.stack.clear();
                return false;
            }
        }
        self.advance(None);
        true
    }

    fn iframe(
        &mut self,
        source: &str,
        host: Option<&str>,
        title: Option<&crate::dialog::Localized>,
    ) {
        let title = title.map(|t| self.plain(t));
        if host.is_some_and(|host| host_allowed(host, self.ctx.iframe_hosts)) {
            self.out.push(Output::Iframe {
                source: source.to_owned(),
                title,
            });
            return;
        }
        let label = title.unwrap_or_else(|| source.to_owned());
        let text = self.system(MessageKey::OpenLink, &[("title", Arg::Str(&label))]);
        let mut markdown = String::from("[");
        crate::dialog::push_markdown_escaped(&mut markdown, &text);
        markdown.push_str("](<");
        markdown.push_str(source);
        markdown.push_str(">)");
        self.out.push(Output::text(markdown));
    }

    fn set(&mut self, assignments: &[(String, SetValue)]) {
        for (name, value) in assignments {
            let new_value = match value {
                SetValue::Literal(value) => Some(value.clone()),
                SetValue::Variable(source) => self.session.variables.get(source).cloned(),
                SetValue::Entity(entity) => match self.entity(entity) {
                    Some(value) => Some(value),
                    None => continue,
                },
                SetValue::Clear => None,
            };
            let fits = |value: &Value| {
                self.dialog
                    .variables()
                    .get(name)
                    .is_some_and(|def| def.ty.accepts(value))
            };
            match new_value {
                Some(value) if fits(&value) => {
                    self.session.variables.insert(name.clone(), value);
                }
                Some(_) => {}
                None => {
                    self.session.variables.remove(name);
                }
            }
        }
    }

    /// Shows a question (unless it can be skipped) and waits for the answer.
    fn ask(&mut self, ask: &'a Ask) -> bool {
        if ask.skip_if_set && self.session.variables.contains_key(&ask.variable) {
            self.advance(None);
            return true;
        }
        if let Some(entity) = &ask.prefill
            && let Some(value) = self.entity(entity)
            && let Ok(value) = self.check_answer(ask, value)
        {
            self.session.variables.insert(ask.variable.clone(), value);
            self.advance(None);
            return true;
        }
        self.prompt(ask);
        self.session.pending = Some(Pending::Answer { retries: 0 });
        false
    }

    /// Shows the question of an `ask` with the input it needs (options, date picker).
    pub(crate) fn prompt(&mut self, ask: &Ask) {
        self.prompt_with(ask, &ask.prompt);
    }

    /// Shows `text` as the question of an `ask` (its prompt, or its custom retry text)
    /// with the input the answer needs.
    pub(crate) fn prompt_with(&mut self, ask: &Ask, text: &crate::dialog::Localized) {
        match ask.ty {
            VarType::Option => {
                let title = self.plain(text);
                let options = self.choices(&ask.choices);
                self.out.push(Output::Option {
                    title,
                    options,
                    preference: ask.preference,
                });
            }
            VarType::YesNo => {
                let title = self.plain(text);
                self.yes_no_question(title);
            }
            VarType::Date => {
                self.say(text);
                let day = |days: Option<i64>| {
                    let span = jiff::Span::new().try_days(days?).ok()?;
                    self.ctx.today.checked_add(span).ok()
                };
                self.out.push(Output::Date {
                    min: day(ask.min_days),
                    max: day(ask.max_days),
                });
            }
            VarType::Text | VarType::Number | VarType::Email => self.say(text),
        }
    }

    /// Shows again what the bot is waiting for, after an input it could not use.
    pub(crate) fn repeat_pending_question(&mut self) {
        match self.session.pending.clone() {
            Some(Pending::Answer { .. }) => {
                if let Some(Step::Ask(ask)) = self.current_step() {
                    self.prompt(ask);
                }
            }
            Some(Pending::ReturnOffer) => self.offer_return(),
            Some(Pending::HumanOffer) => {
                let title = self.system(MessageKey::OfferHuman, &[]);
                self.yes_no_question(title);
            }
            Some(Pending::Disambiguation { intents }) => self.show_disambiguation(&intents),
            None => {}
        }
    }

    /// Ends the top action. Returns whether to go on running: a caller continues, a
    /// finished digression stops to offer the way back.
    pub(crate) fn finish_frame(&mut self) -> bool {
        let Some(frame) = self.session.stack.pop() else {
            return false;
        };
        if frame.entry == Entry::Digression && !self.session.stack.is_empty() {
            self.offer_return();
            return false;
        }
        true
    }

    /// Asks whether to go back to the suspended action on top of the stack.
    pub(crate) fn offer_return(&mut self) {
        let topic = self.topic();
        let title = self.system(MessageKey::ReturnOffer, &[("topic", Arg::Str(&topic))]);
        self.yes_no_question(title);
        self.session.pending = Some(Pending::ReturnOffer);
    }

    /// The title of the suspended work: the nearest titled action from the top.
    pub(crate) fn topic(&self) -> String {
        self.session
            .stack
            .iter()
            .rev()
            .filter_map(|frame| self.dialog.action(&frame.action))
            .find_map(|(_, action)| action.title.as_ref())
            .map(|title| self.plain(title))
            .unwrap_or_default()
    }
}
