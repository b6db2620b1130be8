//! Idle timeout inside a turn: the warning on a tick, and expiry on a tick or on a late
//! message.

use super::Turn;
use crate::i18n::{Arg, MessageKey};
use crate::output::Output;
use crate::session::TimeoutState;

impl Turn<'_> {
    /// Handles a deadline from the edge: warn once, or expire.
    pub(crate) fn tick(&mut self) {
        if self.session.expired {
            return;
        }
        match self.session.timeout_state(self.now, &self.ctx.idle) {
            TimeoutState::Active => {}
            TimeoutState::Warn if self.session.warned => {}
            TimeoutState::Warn => {
                self.session.warned = true;
                let expires_at = self.session.idle_deadline(&self.ctx.idle);
                let seconds_left = expires_at.duration_since(self.now).as_secs().max(0);
                let minutes = (seconds_left + 59) / 60;
                let text = self.system(
                    MessageKey::SessionExpiring,
                    &[("minutes", Arg::Num(minutes.max(1) as f64))],
                );
                self.out.push(Output::SessionExpiring { expires_at, text });
            }
            TimeoutState::Expired => self.expire(),
        }
    }

    /// Expires the session if its deadline passed. Returns whether it is expired.
    pub(crate) fn expire_if_due(&mut self) -> bool {
        if self.session.expired {
            self.out.push(Output::SessionExpired {
                text: self.system(MessageKey::SessionExpired, &[]),
            });
            return true;
        }
        if self.session.timeout_state(self.now, &self.ctx.idle) == TimeoutState::Expired {
            self.expire();
            return true;
        }
        false
    }

    fn expire(&mut self) {
        self.session.expired = true;
        self.session.stack.clear();
        self.session.pending = None;
        let text = self.system(MessageKey::SessionExpired, &[]);
        self.out.push(Output::SessionExpired { text });
    }
}
