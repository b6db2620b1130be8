//! The engine's error type for startup work (reading locales). Dialog problems are
//! [`crate::dialog::Diagnostic`]s; a turn ([`crate::step()`]) cannot fail.

use std::path::PathBuf;

/// Something that stops the engine's data from loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The IO error, in the message (not a `source()`, so that a report of the whole
        /// chain does not say it twice).
        error: std::io::Error,
    },
    /// A locales directory holds no `<locale>/*.ftl` file.
    #[error("no <locale>/*.ftl files in {}", path.display())]
    NoLocales {
        /// The directory.
        path: PathBuf,
    },
    /// A Fluent file does not parse, or redefines a message of its locale.
    #[error("{}: {message}", path.display())]
    FluentSyntax {
        /// The file.
        path: PathBuf,
        /// What Fluent reported.
        message: String,
    },
    /// A locale directory's name is not a language tag.
    #[error("`{tag}` is not a valid locale tag")]
    InvalidLocale {
        /// The directory name.
        tag: String,
    },
}
