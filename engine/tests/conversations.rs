//! Data-driven conversation tests: each `tests/conversations/*.toml` script names a dialog
//! and a list of inputs; the runner plays them through `step` and compares the transcript
//! with the `.snap` file beside the script. Run with `UPDATE_SNAPSHOTS=1` to rewrite the
//! snapshots after an intended change, then review the diff.

#[path = "support/transcript.rs"]
mod transcript;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use staffetta_engine::dialog::{Dialog, LoadOptions, load_dir_with};
use staffetta_engine::i18n::Localizer;
use staffetta_engine::session::IdleConfig;
use staffetta_engine::{Input, Session, StepContext, step};

/// One script.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    /// What the script shows, for the reader.
    #[allow(dead_code, reason = "documentation for the reader of the script")]
    about: String,
    /// The dialog (file or folder), relative to the script.
    dialog: String,
    locale: String,
    /// Today in the site's zone.
    today: toml::value::Datetime,
    /// The clock at the first turn.
    start: toml::value::Datetime,
    /// The site's iframe allowlist; the dialog's own list when absent.
    iframe_hosts: Option<Vec<String>>,
    /// The site's idle timeout in seconds (default 300, warning 60 s before).
    idle_timeout_s: Option<i64>,
    turns: Vec<Turn>,
}

/// One input. Exactly one of the input keys is set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Turn {
    /// Seconds to advance the clock before this input.
    #[serde(default)]
    after_s: i64,
    start: Option<bool>,
    text: Option<String>,
    /// `text` repeated this many times (for huge messages).
    repeat: Option<usize>,
    option: Option<String>,
    date: Option<toml::value::Datetime>,
    tick: Option<bool>,
    /// Restore: a new session seeded from the current session's public state.
    restore: Option<bool>,
    /// Also print the HTML of text outputs.
    #[serde(default)]
    show_html: bool,
}

#[test]
fn conversations_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conversations");
    let localizer = Arc::new(
        Localizer::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales"))
            .expect("locales load"),
    );
    let mut scripts: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/conversations exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts in {}", root.display());
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut dialogs: BTreeMap<PathBuf, Arc<Dialog>> = BTreeMap::new();
    let mut failures = Vec::new();
    for script_path in &scripts {
        let text = fs::read_to_string(script_path).expect("script readable");
        let script: Script =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", script_path.display()));
        let dialog_path = script_path
            .parent()
            .expect("scripts live in a folder")
            .join(&script.dialog);
        let dialog = dialogs
            .entry(dialog_path.clone())
            .or_insert_with(|| load(&dialog_path, &localizer))
            .clone();
        let actual = play(&script, &dialog, &localizer);
        let snapshot = script_path.with_extension("snap");
        let expected = fs::read_to_string(&snapshot).unwrap_or_default();
        if actual != expected {
            if update {
                fs::write(&snapshot, &actual).expect("snapshot writable");
            } else {
                failures.push(format!(
                    "{}:\n{}",
                    snapshot.display(),
                    transcript::diff(&expected, &actual)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} transcript(s) differ (UPDATE_SNAPSHOTS=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn load(path: &Path, localizer: &Arc<Localizer>) -> Arc<Dialog> {
    let options = LoadOptions {
        iframe_hosts: Vec::new(),
        localizer: Some(localizer.clone()),
    };
    let set = load_dir_with(path, &options).unwrap_or_else(|diagnostics| {
        let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        panic!("{} does not load:\n{}", path.display(), lines.join("\n"))
    });
    set.iter().next().expect("one dialog").clone()
}

fn play(script: &Script, dialog: &Dialog, localizer: &Localizer) -> String {
    let today: jiff::civil::Date = script.today.to_string().parse().expect("today is a date");
    let mut now: Timestamp = script
        .start
        .to_string()
        .parse()
        .expect("start is a timestamp");
    let site = IdleConfig {
        timeout: SignedDuration::from_secs(script.idle_timeout_s.unwrap_or(300)),
        ..IdleConfig::default()
    };
    let iframe_hosts = script
        .iframe_hosts
        .clone()
        .unwrap_or_else(|| dialog.iframe_hosts().to_vec());
    let ctx = StepContext {
        locale: &script.locale,
        today,
        localizer,
        iframe_hosts: &iframe_hosts,
        idle: dialog.idle_config(site),
    };
    let mut session = Session::new(now, dialog);
    let mut out = String::new();
    for turn in &script.turns {
        now = now
            .checked_add(SignedDuration::from_secs(turn.after_s))
            .expect("clock stays in range");
        let input = input_of(turn, &session, dialog);
        out.push_str(&transcript::input_line(&input, turn.after_s));
        let (next, outputs) = step(now, session, dialog, input, &ctx);
        session = next;
        for output in &outputs {
            out.push_str(&transcript::output_lines(output, turn.show_html));
        }
        out.push_str(&transcript::state_line(&session));
    }
    out
}

fn input_of(turn: &Turn, session: &Session, dialog: &Dialog) -> Input {
    if turn.start == Some(true) {
        Input::Start
    } else if turn.tick == Some(true) {
        Input::Tick
    } else if turn.restore == Some(true) {
        Input::Restore(session.public_state(dialog))
    } else if let Some(text) = &turn.text {
        Input::Text(text.repeat(turn.repeat.unwrap_or(1)))
    } else if let Some(value) = &turn.option {
        Input::Option(value.clone())
    } else if let Some(date) = &turn.date {
        Input::Date(date.to_string().parse().expect("a date"))
    } else {
        panic!("a turn needs one of start, text, option, date, tick, restore: {turn:?}")
    }
}
