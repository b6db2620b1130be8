//! Dialogs as data: the TOML format (see docs/dialogs.md), its loader and validator, and
//! the checked model that [`crate::step()`] runs.
//!
//! `load_dir` reads a directory of dialogs, reports every problem as a [`Diagnostic`]
//! (`file:line:column: message`) and returns a [`DialogSet`] only when there is no error.
//! Loading trains one intent model per locale, so a loaded [`Dialog`] is ready to run.
//!
//! # Layout
//! - `raw`: the file as written (serde structs with spans);
//! - `declare`, `lower`, `lower_step`, `lower_ask`, `lower_flow`: checks and conversion
//!   into the model;
//! - `validate`: whole-dialog checks (reachability, unused things) and NLU training;
//! - `load`: files and folders on disk;
//! - `model`, `text`, `condition`, `value`: the runtime model;
//! - `diagnostic`, `url`: locations and URL/host checks.

mod condition;
mod declare;
mod diagnostic;
mod load;
mod lower;
mod lower_ask;
mod lower_flow;
mod lower_step;
mod model;
mod raw;
mod text;
mod url;
mod validate;
mod value;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{
    FOLDER_DIALOG_MARKER, LoadOptions, MAX_FILE_BYTES, load_dir, load_dir_with, load_str,
};
pub use model::{Dialog, DialogLocale, DialogSet, Preference, VariableDef};
pub use value::{MAX_TEXT_VALUE_CHARS, Value, VarType};

pub(crate) use condition::Scope;
pub(crate) use model::{Ask, Choice, EndScope, MediaKind, SetValue, Step};
pub(crate) use text::{Localized, push_markdown_escaped};
pub(crate) use url::host_allowed;
pub(crate) use value::format_number;
