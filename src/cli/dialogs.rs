//! `staffetta dialogs check [PATH]`: validates dialog files the way the server does at
//! start-up and prints every problem as `file:line:column: message`. Exit code 0 when
//! there is no error (warnings allowed), 1 otherwise.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use staffetta_engine::dialog::{Diagnostic, DialogSet, LoadOptions, load_dir_with};
use staffetta_engine::i18n::Localizer;

/// Arguments of `staffetta dialogs check`.
#[derive(clap::Args, Debug)]
pub(crate) struct DialogsCheckArgs {
    /// A dialog file, a dialog folder (one holding `dialog.toml`) or a directory of dialogs.
    #[arg(default_value = "dialogs")]
    pub(crate) path: PathBuf,
    /// Allow iframes from this host in every dialog, besides each dialog's own
    /// `settings.iframe_hosts` (repeatable; `*.example.com` allows subdomains).
    #[arg(long = "iframe-host", value_name = "HOST")]
    pub(crate) iframe_hosts: Vec<String>,
    /// The locales directory; every dialog locale must have all engine system texts in
    /// `<dir>/<locale>/engine.ftl`.
    #[arg(long, value_name = "DIR", default_value = "locales")]
    pub(crate) locales: PathBuf,
}

/// Runs the check, printing diagnostics to stderr and a summary to stdout.
pub(crate) fn check(args: &DialogsCheckArgs) -> anyhow::Result<ExitCode> {
    let localizer = Localizer::load_dir(&args.locales).with_context(|| {
        format!(
            "cannot load the system texts from {} (use --locales DIR)",
            args.locales.display()
        )
    })?;
    let options = LoadOptions {
        iframe_hosts: args.iframe_hosts.clone(),
        localizer: Some(Arc::new(localizer)),
    };
    let result = load_dir_with(&args.path, &options);
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    report(&result, &mut stdout, &mut stderr)?;
    Ok(if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Writes the diagnostics and the summary of a load.
pub(crate) fn report(
    result: &Result<DialogSet, Vec<Diagnostic>>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<()> {
    match result {
        Ok(set) => {
            for warning in set.warnings() {
                writeln!(err, "{warning}")?;
            }
            for dialog in set.iter() {
                let locales: Vec<&str> = dialog.locales().iter().map(|l| l.tag.as_str()).collect();
                writeln!(
                    out,
                    "ok: {} ({}; {} intents, {} actions)",
                    dialog.id(),
                    locales.join(", "),
                    dialog.intent_names().len(),
                    dialog.action_names().count()
                )?;
            }
            let warnings = set.warnings().len();
            writeln!(
                out,
                "{} dialog(s) valid{}",
                set.len(),
                if warnings == 0 {
                    String::new()
                } else {
                    format!(", {warnings} warning(s)")
                }
            )
        }
        Err(diagnostics) => {
            for diagnostic in diagnostics {
                writeln!(err, "{diagnostic}")?;
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            writeln!(out, "{errors} error(s): the dialogs cannot be used")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn run(path: &Path, hosts: &[&str]) -> (ExitCode, String, String) {
        let localizer =
            Localizer::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap();
        let options = LoadOptions {
            iframe_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            localizer: Some(Arc::new(localizer)),
        };
        let result = load_dir_with(path, &options);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        report(&result, &mut out, &mut err).unwrap();
        let code = if result.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn the_demo_dialogs_are_clean() {
        let (code, out, err) = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs"), &[]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        assert_eq!(err, "");
        assert!(out.contains("ok: bottega-aurora (en, it;"), "{out}");
    }

    #[test]
    fn errors_are_reported_as_file_line_column_and_fail() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("broken.toml");
        std::fs::write(
            &file,
            "id = \"broken\"\nlocales = [\"en\"]\n[actions.a]\nsteps = [{ jump = \"nowhere\" }]\n",
        )
        .unwrap();
        let (code, out, err) = run(&file, &[]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            err.contains(&format!(
                "{}:4:19: unknown step label `nowhere`",
                file.display()
            )),
            "{err}"
        );
        assert!(out.contains("error(s)"), "{out}");
    }

    #[test]
    fn an_iframe_host_given_on_the_command_line_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("map.toml");
        std::fs::write(
            &file,
            "id = \"map\"\nlocales = [\"en\"]\n[settings]\nwelcome = \"a\"\n[actions.a]\nsteps = [{ iframe = { source = \"https://maps.example.org/x\" } }]\n",
        )
        .unwrap();
        let (code, _, err) = run(&file, &[]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(
            err.contains("iframe host `maps.example.org` is not allowlisted"),
            "{err}"
        );
        let (code, _, err) = run(&file, &["*.example.org"]);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
    }
}
