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
                let left_ms = expires_at.duration_since(self.now).as_millis().max(0);
                let text = match time_left(left_ms) {
                    TimeLeft::Seconds(n) => self.system(
                        MessageKey::SessionExpiringSeconds,
                        &[("seconds", Arg::Num(n as f64))],
                    ),
                    TimeLeft::Minutes(n) => self.system(
                        MessageKey::SessionExpiring,
                        &[("minutes", Arg::Num(n as f64))],
                    ),
                };
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

/// The time left before an expiry, as the warning says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeLeft {
    /// Under a minute: whole seconds, at least 1.
    Seconds(i128),
    /// A minute or more: whole minutes.
    Minutes(i128),
}

/// Says `left_ms` in the unit a person would: seconds under a minute, minutes from there,
/// each rounded to the nearest (so a tick a few ms late still says the configured warning
/// time, and "one minute" is never said of 15 s).
fn time_left(left_ms: i128) -> TimeLeft {
    let seconds = (left_ms + 500) / 1000;
    if seconds < 60 {
        TimeLeft::Seconds(seconds.max(1))
    } else {
        TimeLeft::Minutes((seconds + 30) / 60)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::OnceLock;

    use jiff::{SignedDuration, Timestamp};

    use crate::dialog::{Dialog, LoadOptions, load_str};
    use crate::i18n::Localizer;
    use crate::output::Output;
    use crate::session::{IdleConfig, Session};
    use crate::step::{Input, StepContext, step};

    const ASKING: &str = r#"
id = "asking"
locales = ["en", "it", "de", "fr", "es"]
[settings]
welcome = "start"
[variables.answer]
type = "number"
[actions.start]
[[actions.start.steps]]
ask = "answer"
prompt = "A number?"
"#;

    fn localizer() -> &'static Localizer {
        static LOCALIZER: OnceLock<Localizer> = OnceLock::new();
        LOCALIZER.get_or_init(|| {
            Localizer::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales"))
                .expect("locales load")
        })
    }

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_772_442_000_000 + millis).expect("valid")
    }

    /// The warning text of a session idle for 300 s, warned `warning_s` before the expiry,
    /// when the tick comes `late_ms` after the warning point.
    fn warning(locale: &str, warning_s: i64, late_ms: i64) -> String {
        let dialog: Dialog =
            load_str("test.toml", ASKING, &LoadOptions::default()).expect("the dialog loads");
        let ctx = StepContext {
            locale,
            today: jiff::civil::date(2026, 3, 2),
            localizer: localizer(),
            iframe_hosts: &[],
            idle: IdleConfig {
                timeout: SignedDuration::from_secs(300),
                warning_before: SignedDuration::from_secs(warning_s),
            },
        };
        let (session, _) = step(
            at(0),
            Session::new(at(0), &dialog),
            &dialog,
            Input::Start,
            &ctx,
        );
        let tick = at((300 - warning_s) * 1000 + late_ms);
        let (_, outputs) = step(tick, session, &dialog, Input::Tick, &ctx);
        outputs
            .into_iter()
            .find_map(|o| match o {
                Output::SessionExpiring { text, .. } => Some(text),
                _ => None,
            })
            .expect("a warning")
    }

    #[test]
    fn a_warning_under_a_minute_before_the_expiry_says_the_seconds_left() {
        assert_eq!(
            warning("en", 15, 0),
            "Are you still there? This chat will close in 15 seconds unless you reply."
        );
        assert_eq!(
            warning("en", 1, 0),
            "Are you still there? This chat will close in one second unless you reply."
        );
        assert_eq!(
            warning("it", 15, 0),
            "Ci sei ancora? Questa chat si chiuderà tra 15 secondi se non rispondi."
        );
    }

    #[test]
    fn a_warning_a_minute_or_more_before_the_expiry_says_the_minutes_left() {
        assert_eq!(
            warning("en", 60, 0),
            "Are you still there? This chat will close in one minute unless you reply."
        );
        assert_eq!(
            warning("en", 120, 0),
            "Are you still there? This chat will close in 2 minutes unless you reply."
        );
    }

    #[test]
    fn a_late_tick_counts_the_time_left_to_the_nearest_unit() {
        // 119.7 s left is still "2 minutes", 14.6 s "15 seconds".
        assert!(warning("en", 120, 300).contains("2 minutes"));
        assert!(warning("en", 15, 400).contains("15 seconds"));
    }

    #[test]
    fn every_locale_says_seconds_under_a_minute() {
        for (locale, word) in [
            ("en", "30 seconds"),
            ("it", "30 secondi"),
            ("de", "30 Sekunden"),
            ("fr", "30 secondes"),
            ("es", "30 segundos"),
        ] {
            let text = warning(locale, 30, 0);
            assert!(text.contains(word), "{locale}: {text}");
        }
    }
}
