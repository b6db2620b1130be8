//! "Continue" on the idle warning: the visitor says they are still there without writing a
//! message. It counts as activity (the idle deadline moves to `now + timeout` and the
//! warning may come again later) and changes nothing else: the pending question, the
//! action stack and the variables stay as they were, and nothing is shown.

use super::Turn;

impl Turn<'_> {
    /// Refreshes the session's last activity. A session whose deadline has already passed
    /// is expired instead (the keep-alive came too late); an expired session stays expired
    /// and silent, since the edge refuses it before the turn.
    pub(crate) fn keep_alive(&mut self) {
        if self.session.expired || self.expire_if_due() {
            return;
        }
        self.touch();
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
    use crate::session::{IdleConfig, Pending, Session, TimeoutState};
    use crate::step::{Input, StepContext, step};

    const ASKING: &str = r#"
id = "asking"
locales = ["en"]
[settings]
welcome = "start"
[variables.answer]
type = "number"
[actions.start]
[[actions.start.steps]]
ask = "answer"
prompt = "A number?"
[[actions.start.steps]]
say = "Got {answer}."
"#;

    fn localizer() -> &'static Localizer {
        static LOCALIZER: OnceLock<Localizer> = OnceLock::new();
        LOCALIZER.get_or_init(|| {
            Localizer::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales"))
                .expect("locales load")
        })
    }

    fn dialog() -> Dialog {
        load_str("test.toml", ASKING, &LoadOptions::default()).expect("the test dialog loads")
    }

    /// 300 s of silence expire a session; the warning comes 60 s before.
    fn idle() -> IdleConfig {
        IdleConfig {
            timeout: SignedDuration::from_secs(300),
            warning_before: SignedDuration::from_secs(60),
        }
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_772_442_000 + seconds).expect("valid")
    }

    fn run(
        now: Timestamp,
        session: Session,
        dialog: &Dialog,
        input: Input,
    ) -> (Session, Vec<Output>) {
        let ctx = StepContext {
            locale: "en",
            today: jiff::civil::date(2026, 3, 2),
            localizer: localizer(),
            iframe_hosts: &[],
            idle: idle(),
        };
        step(now, session, dialog, input, &ctx)
    }

    /// A session started at 0 that was warned at 240 s.
    fn warned_session(dialog: &Dialog) -> Session {
        let (session, _) = run(at(0), Session::new(at(0), dialog), dialog, Input::Start);
        let (session, outputs) = run(at(240), session, dialog, Input::Tick);
        assert!(
            outputs
                .iter()
                .any(|o| matches!(o, Output::SessionExpiring { .. })),
            "{outputs:?}"
        );
        session
    }

    #[test]
    fn keep_alive_after_the_warning_pushes_the_expiry_back_by_the_idle_timeout() {
        let dialog = dialog();
        let session = warned_session(&dialog);
        let (session, outputs) = run(at(250), session, &dialog, Input::KeepAlive);
        assert!(outputs.is_empty(), "{outputs:?}");
        assert_eq!(session.last_activity, at(250));
        assert_eq!(session.idle_deadline(&idle()), at(550));
        assert!(!session.warned, "the warning may come again");
        assert_eq!(session.next_deadline(&idle()), Some(at(490)));
        assert_eq!(
            session.timeout_state(at(301), &idle()),
            TimeoutState::Active
        );
    }

    #[test]
    fn keep_alive_leaves_the_pending_question_and_the_stack_alone() {
        let dialog = dialog();
        let session = warned_session(&dialog);
        let stack = session.stack.clone();
        let (session, _) = run(at(250), session, &dialog, Input::KeepAlive);
        assert_eq!(session.pending, Some(Pending::Answer { retries: 0 }));
        assert_eq!(session.stack, stack);
        let (_, outputs) = run(at(260), session, &dialog, Input::Text("4".to_owned()));
        assert!(
            outputs
                .iter()
                .any(|o| matches!(o, Output::Text { markdown, .. } if markdown == "Got 4.")),
            "{outputs:?}"
        );
    }

    #[test]
    fn keep_alive_after_the_deadline_expires_the_session_instead() {
        let dialog = dialog();
        let session = warned_session(&dialog);
        let (session, outputs) = run(at(300), session, &dialog, Input::KeepAlive);
        assert!(session.expired);
        assert!(
            matches!(outputs.as_slice(), [Output::SessionExpired { .. }]),
            "{outputs:?}"
        );
        assert_eq!(session.last_activity, at(0));
    }

    #[test]
    fn keep_alive_on_an_expired_session_changes_nothing_and_says_nothing() {
        let dialog = dialog();
        let session = warned_session(&dialog);
        let (expired, _) = run(at(300), session, &dialog, Input::Tick);
        assert!(expired.expired);
        let (after, outputs) = run(at(310), expired.clone(), &dialog, Input::KeepAlive);
        assert!(outputs.is_empty(), "{outputs:?}");
        assert_eq!(after, expired);
    }
}
