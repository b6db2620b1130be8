//! Reads dialogs from disk (or from a string) and reports every problem with its
//! `file:line:column`. Loading happens once at startup; `step` never does IO.
//!
//! A directory holding a `dialog.toml` is one dialog split over the `*.toml` files inside
//! it (recursively). Any other directory holds dialogs: every `*.toml` file directly in it
//! is one dialog, and every sub-directory is one split dialog. Other files (a README,
//! media) are ignored, as are names starting with `.`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, SourceMap};
use super::lower::lower;
use super::model::{Dialog, DialogSet};
use super::raw::RawFile;
use crate::i18n::Localizer;

/// A directory holding this file is one dialog split over its `*.toml` files, not a
/// directory of dialogs.
pub const FOLDER_DIALOG_MARKER: &str = "dialog.toml";

/// A dialog file larger than this is refused.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What the loader checks beyond the dialog files themselves.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Iframe hosts allowed for every dialog, on top of each dialog's own
    /// `settings.iframe_hosts` (`staffetta dialogs check --iframe-host`). `*.example.com`
    /// allows the subdomains of example.com.
    pub iframe_hosts: Vec<String>,
    /// When set, every locale of every dialog must have all the engine's system texts.
    pub localizer: Option<Arc<Localizer>>,
}

/// Loads every dialog under `path` (a directory or a single file) with default options.
/// On error, returns every diagnostic (warnings included), sorted by file and position.
pub fn load_dir(path: impl AsRef<Path>) -> Result<DialogSet, Vec<Diagnostic>> {
    load_dir_with(path.as_ref(), &LoadOptions::default())
}

/// Loads every dialog under `path` (a directory or a single file).
pub fn load_dir_with(path: &Path, options: &LoadOptions) -> Result<DialogSet, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let units = match dialog_units(path) {
        Ok(units) => units,
        Err(diagnostic) => return Err(vec![diagnostic]),
    };
    if units.is_empty() {
        return Err(vec![Diagnostic::file_error(
            path,
            "no dialog found (expected *.toml files or folders of them)",
        )]);
    }
    let mut dialogs: BTreeMap<String, Arc<Dialog>> = BTreeMap::new();
    for unit in units {
        let mut texts = Vec::new();
        for file in &unit {
            match read_file(file) {
                Ok(text) => texts.push((file.clone(), text)),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        if texts.len() != unit.len() {
            continue;
        }
        match load_texts(texts, options) {
            (Some(dialog), found) => {
                diagnostics.extend(found);
                let first = unit.first().cloned().unwrap_or_default();
                if dialogs.contains_key(dialog.id()) {
                    diagnostics.push(Diagnostic::file_error(
                        &first,
                        format!("another dialog already has the id `{}`", dialog.id()),
                    ));
                } else {
                    dialogs.insert(dialog.id().to_owned(), Arc::new(dialog));
                }
            }
            (None, found) => diagnostics.extend(found),
        }
    }
    diagnostics.sort();
    diagnostics.dedup();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(DialogSet {
        dialogs,
        warnings: diagnostics,
    })
}

/// Loads one dialog from TOML text; `name` is the file name diagnostics show.
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Result<Dialog, Vec<Diagnostic>> {
    match load_texts(vec![(PathBuf::from(name), text.to_owned())], options) {
        (Some(dialog), diagnostics) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(dialog),
        (_, mut diagnostics) => {
            diagnostics.sort();
            Err(diagnostics)
        }
    }
}

/// Parses and lowers the files of one dialog.
fn load_texts(
    texts: Vec<(PathBuf, String)>,
    options: &LoadOptions,
) -> (Option<Dialog>, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let mut parsed = Vec::new();
    let mut diagnostics = Vec::new();
    for (path, text) in texts {
        let file = sources.add(path, text);
        match toml::from_str::<RawFile>(sources.text(file)) {
            Ok(raw) => parsed.push((file, raw)),
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let loc = super::diagnostic::Loc { file, span };
                let message = error.message().trim().to_owned();
                diagnostics.push(sources.diagnostic(&loc, super::Severity::Error, message));
            }
        }
    }
    if !diagnostics.is_empty() {
        return (None, diagnostics);
    }
    lower(&parsed, &sources, options)
}

fn read_file(path: &Path) -> Result<String, Diagnostic> {
    let metadata = fs::metadata(path)
        .map_err(|e| Diagnostic::file_error(path, format!("cannot read: {e}")))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::file_error(
            path,
            format!("file is larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    fs::read_to_string(path).map_err(|e| Diagnostic::file_error(path, format!("cannot read: {e}")))
}

/// The dialogs under `path`: each is the list of its files, sorted.
fn dialog_units(path: &Path) -> Result<Vec<Vec<PathBuf>>, Diagnostic> {
    let metadata = fs::metadata(path)
        .map_err(|e| Diagnostic::file_error(path, format!("cannot read: {e}")))?;
    if metadata.is_file() {
        return Ok(vec![vec![path.to_path_buf()]]);
    }
    if path.join(FOLDER_DIALOG_MARKER).is_file() {
        let mut files = Vec::new();
        collect_toml(path, &mut files, 0)?;
        return Ok(vec![files]);
    }
    let mut units = Vec::new();
    for entry in sorted_entries(path)? {
        if entry.is_dir() {
            let mut files = Vec::new();
            collect_toml(&entry, &mut files, 0)?;
            if !files.is_empty() {
                units.push(files);
            }
        } else if is_toml(&entry) {
            units.push(vec![entry]);
        }
    }
    Ok(units)
}

fn collect_toml(dir: &Path, files: &mut Vec<PathBuf>, depth: usize) -> Result<(), Diagnostic> {
    if depth > 8 {
        return Err(Diagnostic::file_error(dir, "folders nest too deeply"));
    }
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            collect_toml(&entry, files, depth + 1)?;
        } else if is_toml(&entry) {
            files.push(entry);
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let reader =
        fs::read_dir(dir).map_err(|e| Diagnostic::file_error(dir, format!("cannot read: {e}")))?;
    let mut entries: Vec<PathBuf> = reader
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| !name.starts_with('.'))
        })
        .collect();
    entries.sort();
    Ok(entries)
}

fn is_toml(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "toml")
}
