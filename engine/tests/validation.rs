//! The validator: each kind of mistake in a dialog file is reported at its
//! `file:line:column`, the demo dialogs are clean, and a directory is split into dialogs
//! the documented way.

use std::path::Path;
use std::sync::Arc;

use staffetta_engine::dialog::{LoadOptions, Severity, load_dir, load_dir_with, load_str};
use staffetta_engine::i18n::{FtlSource, Localizer};

const HEAD: &str = "id = \"t\"\nlocales = [\"en\", \"it\"]\n[settings]\nwelcome = \"w\"\n";

/// The diagnostics of `body` (appended to a valid header) as `line:col: message` strings.
fn problems(body: &str) -> Vec<String> {
    problems_with(body, &LoadOptions::default())
}

fn problems_with(body: &str, options: &LoadOptions) -> Vec<String> {
    let source = format!("{HEAD}{body}");
    match load_str("t.toml", &source, options) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect(),
    }
}

fn assert_reports(body: &str, expected: &str) {
    let found = problems(body);
    assert!(
        found.iter().any(|p| p == expected),
        "expected `{expected}` among {found:#?}"
    );
}

const WELCOME: &str = "[actions.w]\n[[actions.w.steps]]\n";

#[test]
fn a_syntax_error_is_located() {
    assert_reports("[actions.w\n", "5:11: unclosed table, expected `]`");
}

#[test]
fn a_misspelled_key_is_located() {
    let found = problems(&format!("{WELCOME}sya = \"hi\"\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("7:1: unknown field `sya`"),
        "{found:?}"
    );
}

#[test]
fn unknown_variables_actions_entities_and_labels_are_reported() {
    assert_reports(
        &format!("{WELCOME}ask = \"nope\"\nprompt = \"?\"\n"),
        "7:7: unknown variable `nope`",
    );
    assert_reports(
        &format!("{WELCOME}call = \"missing\"\n"),
        "7:8: unknown action `missing`",
    );
    assert_reports(
        &format!(
            "{WELCOME}branch = [{{ when = \"@colour == 'red'\", goto = \"x\" }}]\n[[actions.w.steps]]\nlabel = \"x\"\nsay = \"x\"\n"
        ),
        "7:20: unknown entity `@colour`",
    );
    assert_reports(
        &format!("{WELCOME}jump = \"nowhere\"\n"),
        "7:8: unknown step label `nowhere` in action `w`",
    );
    assert_reports(
        &format!("{WELCOME}say = \"Hi {{who}}\"\n"),
        "7:7: say: unknown variable `who` in a placeholder",
    );
}

#[test]
fn unreachable_steps_are_reported() {
    assert_reports(
        &format!("{WELCOME}end = \"action\"\n[[actions.w.steps]]\nsay = \"never\"\n"),
        "8:1: step 2 of action `w` can never run (nothing jumps to it and the step before does not continue)",
    );
}

#[test]
fn missing_locale_texts_are_reported() {
    assert_reports(
        &format!("{WELCOME}say = {{ en = \"Hi\" }}\n"),
        "7:7: say: missing the `it` text",
    );
    assert_reports(
        "[intents.hi]\nexamples.en = [\"hi\"]\n[actions.w]\nintent = \"hi\"\ntitle = \"Hi\"\nsteps = [{ say = \"hi\" }]\n",
        "6:1: intent `hi` has no `it` examples",
    );
}

#[test]
fn iframe_hosts_must_be_allowlisted_by_the_dialog_or_the_options() {
    let body = format!("{WELCOME}iframe.source = \"https://maps.example.org/embed\"\n");
    assert_reports(
        &body,
        "7:17: iframe host `maps.example.org` is not allowlisted (add it to `settings.iframe_hosts` or pass `--iframe-host maps.example.org`)",
    );
    let options = LoadOptions {
        iframe_hosts: vec!["maps.example.org".to_owned()],
        localizer: None,
    };
    assert_eq!(problems_with(&body, &options), Vec::<String>::new());
    assert_reports(
        &format!("{WELCOME}iframe.source = \"javascript:alert(1)\"\n"),
        "7:17: `javascript:alert(1)` must be an https:// or http:// URL or a path starting with `/`",
    );
}

#[test]
fn iframe_sources_must_be_https_even_on_an_allowlisted_or_loopback_host() {
    // Browsers block an http:// frame on an https:// page (mixed content), and a plain-http
    // frame can be rewritten on the way; the catalogue allows https only, with no
    // development exception for loopback.
    let options = LoadOptions {
        iframe_hosts: vec![
            "maps.example.org".to_owned(),
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ],
        localizer: None,
    };
    for source in [
        "http://maps.example.org/embed",
        "HTTP://maps.example.org/embed",
        "http://localhost:8080/embed",
        "http://127.0.0.1/embed",
        "/demo/media/map.svg",
    ] {
        let body = format!("{WELCOME}iframe.source = \"{source}\"\n");
        assert_eq!(
            problems_with(&body, &options),
            vec![format!(
                "7:17: iframe source `{source}` must be an https:// URL"
            )],
        );
    }
    let https = format!("{WELCOME}iframe.source = \"https://localhost/embed\"\n");
    assert_eq!(problems_with(&https, &options), Vec::<String>::new());
}

#[test]
fn a_backslash_cannot_hide_an_iframes_real_host_behind_an_allowlisted_one() {
    // Browsers read `\` as `/` in http(s) URLs: this frame would load evil.example.
    let options = LoadOptions {
        iframe_hosts: vec!["maps.example.org".to_owned()],
        localizer: None,
    };
    let source = r"https://evil.example\@maps.example.org/embed";
    let body = format!("{WELCOME}iframe.source = '{source}'\n");
    assert_eq!(
        problems_with(&body, &options),
        vec![format!(
            "7:17: `{source}` contains spaces, quotes, angle brackets, backslashes or control characters"
        )],
    );
}

#[test]
fn unused_actions_and_intents_without_actions_are_errors() {
    let found = problems(&format!(
        "{WELCOME}say = \"hi\"\n[actions.lonely]\nsteps = [{{ say = \"x\" }}]\n[intents.orphan]\nexamples = {{ en = [\"a\"], it = [\"b\"] }}\n"
    ));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("8:10: action `lonely` is never used")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("10:10: intent `orphan` triggers no action")),
        "{found:#?}"
    );
}

#[test]
fn actions_that_call_themselves_are_reported() {
    let found = problems(&format!(
        "{WELCOME}call = \"a\"\n[actions.a]\nsteps = [{{ call = \"b\" }}]\n[actions.b]\nsteps = [{{ call = \"a\" }}]\n"
    ));
    assert!(
        found.contains(
            &"8:10: action `a` calls itself (directly or through other actions)".to_owned()
        ),
        "{found:#?}"
    );
    assert!(
        found.contains(
            &"10:10: action `b` calls itself (directly or through other actions)".to_owned()
        ),
        "{found:#?}"
    );
}

#[test]
fn a_step_has_exactly_one_kind() {
    assert_reports(
        &format!("{WELCOME}say = \"a\"\ncall = \"w\"\n"),
        "8:8: a step has one kind, found `say` and `call` (split it into two steps)",
    );
    assert_reports(
        &format!("{WELCOME}say = \"a\"\nprompt = \"b\"\n"),
        "8:10: `prompt` only applies to `ask` steps",
    );
}

#[test]
fn values_and_patterns_are_checked_against_types() {
    let vars =
        "[variables.n]\ntype = \"number\"\ndefault = \"ten\"\n[variables.s]\ntype = \"text\"\n";
    assert_reports(vars, "7:11: a `number` variable cannot hold a text");
    assert_reports(
        &format!("{vars}{WELCOME}ask = \"s\"\nprompt = \"?\"\npattern = \"(\"\n"),
        "14:11: `pattern` is not a valid regular expression: unclosed group",
    );
    assert_reports(
        &format!("{vars}{WELCOME}ask = \"s\"\nprompt = \"?\"\nmin = 3\n"),
        "14:7: `min` only applies when asking for a number variable",
    );
}

#[test]
fn unsupported_locales_and_missing_system_texts_are_reported() {
    let found = problems_with("", &LoadOptions::default());
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("4:11: unknown action `w`")),
        "{found:#?}"
    );
    let source = "id = \"x\"\nlocales = [\"ja\"]\n";
    let diagnostics = load_str("x.toml", source, &LoadOptions::default()).unwrap_err();
    assert_eq!(
        diagnostics[0].to_string(),
        "x.toml:2:12: locale `ja` has no built-in language support (en, it, de, fr, es)"
    );
    let localizer = Localizer::from_sources([FtlSource {
        locale: "en".to_owned(),
        path: "en/engine.ftl".into(),
        text: "engine-yes = Yes\n".to_owned(),
    }])
    .unwrap();
    let options = LoadOptions {
        iframe_hosts: Vec::new(),
        localizer: Some(Arc::new(localizer)),
    };
    let found = problems_with(&format!("{WELCOME}say = \"hi\"\n"), &options);
    assert!(
        found.iter().any(|p| p.starts_with(
            "1:1: locale `it` lacks system texts in locales/it/engine.ftl: engine-retry-text"
        )),
        "{found:#?}"
    );
}

#[test]
fn the_demo_dialogs_load_without_errors_or_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let localizer = Localizer::load_dir(&root.join("locales")).expect("locales load");
    let options = LoadOptions {
        iframe_hosts: Vec::new(),
        localizer: Some(Arc::new(localizer)),
    };
    let set = load_dir_with(&root.join("dialogs"), &options).unwrap_or_else(|diagnostics| {
        panic!(
            "{}",
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(set.warnings().is_empty(), "{:#?}", set.warnings());
    let demo = set.get("bottega-aurora").expect("the demo dialog");
    assert_eq!(demo.locales().len(), 2);
}

#[test]
fn a_directory_holds_file_dialogs_and_folder_dialogs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = "id = \"one\"\nlocales = [\"en\"]\n[settings]\nwelcome = \"w\"\n[actions.w]\nsteps = [{ say = \"1\" }]\n";
    std::fs::write(dir.path().join("one.toml"), one).unwrap();
    std::fs::create_dir(dir.path().join("two")).unwrap();
    std::fs::write(
        dir.path().join("two/dialog.toml"),
        "id = \"two\"\nlocales = [\"en\"]\n[settings]\nwelcome = \"w\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("two/actions.toml"),
        "[actions.w]\nsteps = [{ say = \"2\" }]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "not a dialog").unwrap();
    let set = load_dir(dir.path()).expect("both load");
    assert_eq!(
        set.iter().map(|d| d.id()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    let folder = load_dir(dir.path().join("two")).expect("a folder dialog loads alone");
    assert_eq!(folder.len(), 1);
    std::fs::write(dir.path().join("three.toml"), one).unwrap();
    let diagnostics = load_dir(dir.path()).unwrap_err();
    assert!(
        diagnostics
            .iter()
            .any(|d| d.message == "another dialog already has the id `one`"),
        "{diagnostics:#?}"
    );
}

#[test]
fn an_empty_directory_is_an_error_not_an_empty_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let diagnostics = load_dir(dir.path()).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.starts_with("no dialog found"));
}
