//! Unit tests of the turn that are easier to state in code than as conversation scripts:
//! guards against broken state and hostile input.

use std::path::Path;
use std::sync::OnceLock;

use jiff::Timestamp;
use proptest::prelude::*;

use super::{Input, StepContext, step};
use crate::dialog::{Dialog, LoadOptions, load_str};
use crate::i18n::Localizer;
use crate::output::Output;
use crate::session::{Entry, Frame, IdleConfig, Pending, Session};

fn localizer() -> &'static Localizer {
    static LOCALIZER: OnceLock<Localizer> = OnceLock::new();
    LOCALIZER.get_or_init(|| {
        Localizer::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales"))
            .expect("locales load")
    })
}

fn dialog(source: &str) -> Dialog {
    load_str("test.toml", source, &LoadOptions::default()).unwrap_or_else(|diagnostics| {
        panic!(
            "{}",
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn ctx(hosts: &[String]) -> StepContext<'_> {
    StepContext {
        locale: "en",
        today: jiff::civil::date(2026, 3, 2),
        localizer: localizer(),
        iframe_hosts: hosts,
        idle: IdleConfig::default(),
    }
}

fn now() -> Timestamp {
    Timestamp::from_second(1_772_442_000).expect("valid")
}

fn texts(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Text { markdown, .. } => Some(markdown.clone()),
            _ => None,
        })
        .collect()
}

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

#[test]
fn a_dialog_that_loops_without_asking_stops_with_a_message() {
    let dialog = dialog(
        r#"
id = "loop"
locales = ["en"]
[settings]
welcome = "spin"
[actions.spin]
[[actions.spin.steps]]
label = "top"
jump = "top"
"#,
    );
    let (session, outputs) = step(
        now(),
        Session::new(now(), &dialog),
        &dialog,
        Input::Start,
        &ctx(&[]),
    );
    assert!(session.stack.is_empty());
    assert_eq!(
        texts(&outputs),
        [localizer().format("en", crate::i18n::MessageKey::DialogChanged, &[])]
    );
}

#[test]
fn a_session_pointing_at_a_removed_action_is_reset() {
    let dialog = dialog(ASKING);
    let mut session = Session::new(now(), &dialog);
    session.stack.push(Frame {
        action: "gone".to_owned(),
        step: 3,
        entry: Entry::Root,
    });
    session.pending = Some(Pending::Answer { retries: 0 });
    let (session, outputs) = step(
        now(),
        session,
        &dialog,
        Input::Text("4".to_owned()),
        &ctx(&[]),
    );
    assert!(session.stack.is_empty());
    assert!(session.pending.is_none());
    assert_eq!(outputs.len(), 1);
}

#[test]
fn an_over_long_answer_is_refused_and_the_question_repeated() {
    let dialog = dialog(ASKING);
    let (session, _) = step(
        now(),
        Session::new(now(), &dialog),
        &dialog,
        Input::Start,
        &ctx(&[]),
    );
    let huge = "9".repeat(1 << 20);
    let (session, outputs) = step(now(), session, &dialog, Input::Text(huge), &ctx(&[]));
    assert_eq!(session.pending, Some(Pending::Answer { retries: 0 }));
    let shown = texts(&outputs);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].contains("2000"), "{shown:?}");
    assert_eq!(shown[1], "A number?");
}

#[test]
fn an_iframe_from_a_host_the_site_does_not_allow_becomes_a_link() {
    let dialog = dialog(
        r#"
id = "frames"
locales = ["en"]
[settings]
welcome = "map"
iframe_hosts = ["maps.example.org"]
[actions.map]
[[actions.map.steps]]
iframe = { source = "https://maps.example.org/embed", title = "Map" }
"#,
    );
    let allowed = vec!["maps.example.org".to_owned()];
    let (_, outputs) = step(
        now(),
        Session::new(now(), &dialog),
        &dialog,
        Input::Start,
        &ctx(&allowed),
    );
    assert!(
        matches!(outputs.as_slice(), [Output::Iframe { .. }]),
        "{outputs:?}"
    );
    let (_, outputs) = step(
        now(),
        Session::new(now(), &dialog),
        &dialog,
        Input::Start,
        &ctx(&[]),
    );
    let [Output::Text { html, .. }] = outputs.as_slice() else {
        panic!("a link expected: {outputs:?}");
    };
    assert!(
        html.contains(r#"href="https://maps.example.org/embed""#),
        "{html}"
    );
    assert!(html.contains("Open Map"), "{html}");
}

fn asked_session(dialog: &Dialog) -> Session {
    step(
        now(),
        Session::new(now(), dialog),
        dialog,
        Input::Start,
        &ctx(&[]),
    )
    .0
}

const ECHO: &str = r#"
id = "echo"
locales = ["en"]
[settings]
welcome = "start"
[variables.name]
type = "text"
[actions.start]
[[actions.start.steps]]
ask = "name"
prompt = "Name?"
[[actions.start.steps]]
say = "Hi **{name}**! [{name}](https://example.org) and [link]({name}) and {name}"
"#;

/// Whether a tag of `html` runs script: a script element, an event-handler attribute, or
/// a link or source with a script or data URL.
fn scripted_tag(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    for tag in lower
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
    {
        if tag.starts_with("script") || tag.starts_with("iframe") || tag.starts_with("img") {
            return Some(tag.to_owned());
        }
        for attribute in tag.split_whitespace().skip(1) {
            let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            let value = value.trim_matches(['"', '\'']);
            if name.starts_with("on")
                || (matches!(name, "href" | "src")
                    && ["javascript:", "vbscript:", "data:"]
                        .iter()
                        .any(|s| value.starts_with(s)))
            {
                return Some(tag.to_owned());
            }
        }
    }
    None
}

#[test]
fn the_script_detector_catches_what_it_looks_for() {
    assert!(scripted_tag(r#"<p><a href="javascript:x">y</a></p>"#).is_some());
    assert!(scripted_tag("<p onclick=x>y</p>").is_some());
    assert!(scripted_tag("<script>x</script>").is_some());
    assert_eq!(scripted_tag("<p>javascript:alert(1) onclick=</p>"), None);
}

fn hostile_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("<script>alert(1)</script>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("[x](javascript:alert(1))".to_owned()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        Just("data:text/html,<b>x</b>".to_owned()),
        Just("**".to_owned()),
        Just("](".to_owned()),
        Just("\"' onmouseover=".to_owned()),
        Just("https://example.org/?q=<x>".to_owned()),
        "\\PC{0,12}",
    ];
    proptest::collection::vec(fragment, 1..6).prop_map(|parts| parts.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn no_answer_yields_a_script_an_event_handler_or_a_script_url(name in hostile_text()) {
        let dialog = dialog(ECHO);
        let (_, outputs) = step(now(), asked_session(&dialog), &dialog, Input::Text(name), &ctx(&[]));
        for output in &outputs {
            if let Output::Text { html, .. } = output {
                prop_assert_eq!(scripted_tag(html), None, "{}", html);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_input_to_a_pending_question_is_answered_without_panicking(text in "\\PC{0,64}|[\\x00-\\x1f]{0,8}", option in ".{0,16}") {
        let dialog = dialog(ASKING);
        for input in [Input::Text(text.clone()), Input::Option(option.clone())] {
            let (session, outputs) = step(now(), asked_session(&dialog), &dialog, input, &ctx(&[]));
            prop_assert!(!outputs.is_empty());
            for output in &outputs {
                if let Output::Text { html, .. } = output {
                    prop_assert!(!html.contains("<script"));
                }
            }
            prop_assert!(session.pending.is_some() || session.stack.is_empty());
        }
    }
}
