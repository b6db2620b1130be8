//! Problems found while loading dialogs, located as `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors stop a dialog from loading, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something that works but is probably a mistake (an unused variable).
    Warning,
    /// The dialog cannot be used.
    Error,
}

/// One problem in a dialog file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// The file, as it was found under the loaded path.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in lowercase prose.
    pub message: String,
}

impl Diagnostic {
    /// An error at the start of `file` (for problems that have no better place).
    pub fn file_error(file: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// Whether this diagnostic stops the dialog from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The files of one dialog with their text, so byte spans become lines and columns.
#[derive(Debug, Default)]
pub(crate) struct SourceMap {
    files: Vec<(PathBuf, String)>,
}

/// Where something is: a file of the [`SourceMap`] and a byte range in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Loc {
    pub(crate) file: usize,
    pub(crate) span: Range<usize>,
}

impl SourceMap {
    /// Adds a file and returns its index.
    pub(crate) fn add(&mut self, path: PathBuf, text: String) -> usize {
        self.files.push((path, text));
        self.files.len() - 1
    }

    /// The text of a file.
    pub(crate) fn text(&self, file: usize) -> &str {
        self.files.get(file).map_or("", |(_, text)| text.as_str())
    }

    /// A diagnostic at `loc`.
    pub(crate) fn diagnostic(
        &self,
        loc: &Loc,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (path, text) = self
            .files
            .get(loc.file)
            .map_or((Path::new(""), ""), |(p, t)| (p.as_path(), t.as_str()));
        let (line, column) = line_column(text, loc.span.start);
        Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            severity,
            message: message.into(),
        }
    }
}

/// The 1-based line and character column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let text = "a = 1\nè = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 10_000), (3, 1));
    }

    #[test]
    fn display_is_file_line_column_message() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("dialogs/shop.toml"),
            line: 3,
            column: 7,
            severity: Severity::Error,
            message: "unknown action `x`".to_owned(),
        };
        assert_eq!(
            diagnostic.to_string(),
            "dialogs/shop.toml:3:7: unknown action `x`"
        );
        let warning = Diagnostic {
            severity: Severity::Warning,
            ..diagnostic
        };
        assert_eq!(
            warning.to_string(),
            "dialogs/shop.toml:3:7: warning: unknown action `x`"
        );
    }
}
