//! The Fluent texts in `locales/<lang>/*.ftl` are complete and have no orphans:
//!
//! - every locale has the same files and the same message ids as English, no more, no less;
//! - every message id is used: it appears as a string literal in the sources of `engine/`,
//!   `src/`, `handoff/` or `widget/`, anywhere in a file under `dialogs/`, or in a message
//!   reference (`{ other-id }`) of another `.ftl` message. The agent console's texts
//!   (`console.ftl`) are served whole, by prefix, so only the console's own scripts and page
//!   (`widget/assets/console/`) count for them: `t('console-...')` or `data-i18n="console-..."`.
//!
//! The files are parsed with `fluent-syntax`, so a syntax error fails the test too.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

/// The locales the product ships complete.
const SUPPORTED: &[&str] = &["en", "it", "de", "fr", "es"];
/// The locale every other is compared with.
const REFERENCE: &str = "en";
/// Source folders whose string literals count as uses.
const CODE_DIRS: &[&str] = &["engine", "src", "handoff", "widget"];
/// Extensions of source files read in [`CODE_DIRS`].
const CODE_EXTENSIONS: &[&str] = &["rs", "js", "mjs", "ts", "html"];
/// Folders never read (build output, installed packages).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git"];
/// The Fluent file of the agent console and the folder whose files alone use its ids.
const CONSOLE_FTL: &str = "console.ftl";
const CONSOLE_DIR: &str = "widget/assets/console";
/// Files larger than this are data, not code, and are not read.
const MAX_SOURCE_BYTES: u64 = 2 * 1024 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One parsed `.ftl` file: its message ids and the message ids its patterns reference.
#[derive(Debug, Default)]
struct FtlFile {
    ids: BTreeSet<String>,
    references: BTreeSet<String>,
}

/// `locale -> file name -> contents`, failing on unreadable or invalid files.
fn load_locales() -> BTreeMap<String, BTreeMap<String, FtlFile>> {
    let locales_dir = root().join("locales");
    let mut locales = BTreeMap::new();
    let mut problems = Vec::new();
    for locale_dir in sorted_entries(&locales_dir)
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let locale = file_name(&locale_dir);
        let mut files = BTreeMap::new();
        for path in sorted_entries(&locale_dir) {
            if path.extension().is_none_or(|ext| ext != "ftl") {
                continue;
            }
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            match parse_ftl(&text) {
                Ok(file) => {
                    files.insert(file_name(&path), file);
                }
                Err(errors) => problems.push(format!("{}: {errors}", path.display())),
            }
        }
        locales.insert(locale, files);
    }
    assert!(
        problems.is_empty(),
        "invalid Fluent files:\n{}",
        problems.join("\n")
    );
    locales
}

fn parse_ftl(text: &str) -> Result<FtlFile, String> {
    let resource = fluent_syntax::parser::parse(text).map_err(|(_, errors)| {
        errors
            .iter()
            .map(|e| format!("{e:?}"))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let mut file = FtlFile::default();
    for entry in &resource.body {
        match entry {
            Entry::Message(message) => {
                file.ids.insert(message.id.name.to_owned());
                if let Some(value) = &message.value {
                    collect_references(value, &mut file.references);
                }
                for attribute in &message.attributes {
                    collect_references(&attribute.value, &mut file.references);
                }
            }
            Entry::Term(term) => collect_references(&term.value, &mut file.references),
            _ => {}
        }
    }
    Ok(file)
}

fn collect_references(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            collect_expression(expression, out);
        }
    }
}

fn collect_expression(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            collect_inline(selector, out);
            for variant in variants {
                collect_references(&variant.value, out);
            }
        }
        Expression::Inline(inline) => collect_inline(inline, out),
    }
}

fn collect_inline(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::MessageReference { id, .. } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                collect_inline(argument, out);
            }
            for argument in &arguments.named {
                collect_inline(&argument.value, out);
            }
        }
        InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for argument in &arguments.positional {
                collect_inline(argument, out);
            }
        }
        InlineExpression::Placeable { expression } => collect_expression(expression, out),
        _ => {}
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .expect("utf-8 file name")
        .to_owned()
}

/// Every file under `dir` (skipping build and package folders) accepted by `keep`.
fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&file_name(&path).as_str()) {
                walk(&path, keep, out);
            }
        } else if keep(&path) && entry.metadata().is_ok_and(|m| m.len() <= MAX_SOURCE_BYTES) {
            out.push(path);
        }
    }
}

fn read_all(paths: &[PathBuf]) -> Vec<(PathBuf, String)> {
    paths
        .iter()
        .filter_map(|path| Some((path.clone(), fs::read_to_string(path).ok()?)))
        .collect()
}

/// Whether `id` occurs in `text` as a whole identifier (not inside a longer id).
fn contains_identifier(text: &str, id: &str) -> bool {
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

/// Whether `id` appears as a string literal in a source file.
fn used_as_literal(sources: &[(PathBuf, String)], id: &str) -> bool {
    let double = format!("\"{id}\"");
    let single = format!("'{id}'");
    let template = format!("`{id}`");
    sources.iter().any(|(path, text)| {
        let script = path.extension().is_some_and(|ext| ext != "rs");
        text.contains(&double) || (script && (text.contains(&single) || text.contains(&template)))
    })
}

#[test]
fn every_supported_locale_has_texts() {
    let locales = load_locales();
    for locale in SUPPORTED {
        let files = locales.get(*locale);
        assert!(
            files.is_some_and(|f| !f.is_empty()),
            "locales/{locale}/ has no .ftl file"
        );
    }
}

#[test]
fn every_locale_has_exactly_the_keys_of_english() {
    let locales = load_locales();
    let reference = locales
        .get(REFERENCE)
        .unwrap_or_else(|| panic!("locales/{REFERENCE}/ is missing"));
    let mut problems = Vec::new();
    for (locale, files) in &locales {
        if locale == REFERENCE {
            continue;
        }
        for (name, english) in reference {
            let Some(translated) = files.get(name) else {
                problems.push(format!("locales/{locale}/{name}: file missing"));
                continue;
            };
            for id in english.ids.difference(&translated.ids) {
                problems.push(format!("locales/{locale}/{name}: missing `{id}`"));
            }
            for id in translated.ids.difference(&english.ids) {
                problems.push(format!(
                    "locales/{locale}/{name}: `{id}` is not in locales/{REFERENCE}/{name}"
                ));
            }
        }
        for name in files.keys().filter(|name| !reference.contains_key(*name)) {
            problems.push(format!(
                "locales/{locale}/{name}: no such file in locales/{REFERENCE}/"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "incomplete locales:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_key_is_used_by_code_dialogs_or_another_message() {
    let locales = load_locales();
    let root = root();
    let mut code_paths = Vec::new();
    let is_code = |path: &Path| {
        path.extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| CODE_EXTENSIONS.contains(&ext))
    };
    for dir in CODE_DIRS {
        walk(&root.join(dir), &is_code, &mut code_paths);
    }
    let code = read_all(&code_paths);
    assert!(
        !code.is_empty(),
        "no source files found under {CODE_DIRS:?}"
    );
    let mut dialog_paths = Vec::new();
    walk(&root.join("dialogs"), &|_| true, &mut dialog_paths);
    let dialogs = read_all(&dialog_paths);
    let mut console_paths = Vec::new();
    walk(&root.join(CONSOLE_DIR), &is_code, &mut console_paths);
    let console = read_all(&console_paths);
    assert!(
        console
            .iter()
            .any(|(path, _)| path.ends_with("console.html")),
        "the console's page is read from {CONSOLE_DIR}"
    );

    let referenced: BTreeSet<&String> = locales
        .values()
        .flat_map(|files| files.values())
        .flat_map(|file| &file.references)
        .collect();
    let mut unused = BTreeSet::new();
    for (locale, files) in &locales {
        for (name, file) in files {
            for id in &file.ids {
                let used = if name == CONSOLE_FTL {
                    used_as_literal(&console, id)
                } else {
                    referenced.contains(id)
                        || used_as_literal(&code, id)
                        || dialogs
                            .iter()
                            .any(|(_, text)| contains_identifier(text, id))
                };
                if !used {
                    unused.insert(format!("locales/{locale}/{name}: `{id}`"));
                }
            }
        }
    }
    assert!(
        unused.is_empty(),
        "keys used nowhere (not a string literal in {CODE_DIRS:?}, not in dialogs/, not \
         referenced by another message; for {CONSOLE_FTL}: not a string literal in \
         {CONSOLE_DIR}):\n{}",
        unused.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_checks_catch_missing_and_unused_keys() {
    let english =
        parse_ftl("greeting = Hi { name-ref }\nname-ref = you\nlonely = x\n").expect("valid");
    let italian = parse_ftl("greeting = Ciao\n").expect("valid");
    let missing: Vec<_> = english.ids.difference(&italian.ids).collect();
    assert_eq!(missing, ["lonely", "name-ref"]);
    assert!(english.references.contains("name-ref"));
    let code = vec![(PathBuf::from("x.rs"), "format(\"greeting\")".to_owned())];
    assert!(used_as_literal(&code, "greeting"));
    assert!(!used_as_literal(&code, "lonely"));
    assert!(contains_identifier("text = \"lonely\"", "lonely"));
    assert!(!contains_identifier("lonely-heart", "lonely"));
    assert!(parse_ftl("= broken\n").is_err());
}
