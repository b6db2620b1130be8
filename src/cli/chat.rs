//! `staffetta chat DIALOG [--locale it]`: a terminal REPL that runs a dialog with the real
//! engine, for authors. Options are numbered (type the number to pick one), a date picker
//! takes a typed `YYYY-MM-DD`, and `/state`, `/restart`, `/quit` help while writing.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jiff::Timestamp;
use jiff::civil::Date;
use staffetta_engine::dialog::{Dialog, LoadOptions, load_dir_with};
use staffetta_engine::i18n::Localizer;
use staffetta_engine::output::{Media, OptionItem, Output};
use staffetta_engine::session::IdleConfig;
use staffetta_engine::{Input, Session, StepContext, step};

/// Arguments of `staffetta chat`.
#[derive(clap::Args, Debug)]
pub(crate) struct ChatArgs {
    /// The dialog: a file, a dialog folder, or a directory holding exactly one dialog.
    pub(crate) dialog: PathBuf,
    /// The visitor's locale (the dialog uses its closest locale).
    #[arg(long, default_value = "en")]
    pub(crate) locale: String,
    /// The locales directory with the system texts.
    #[arg(long, value_name = "DIR", default_value = "locales")]
    pub(crate) locales: PathBuf,
    /// Also allow iframes from this host (repeatable); the dialog's own hosts are allowed.
    #[arg(long = "iframe-host", value_name = "HOST")]
    pub(crate) iframe_hosts: Vec<String>,
    /// Print what the NLU made of each typed message (best intents, confidences, whether
    /// the best reaches the threshold) and the session (what the bot waits for, the action
    /// stack, variables) after each turn.
    #[arg(long)]
    pub(crate) debug: bool,
}

/// Loads the dialog and runs the REPL on stdin/stdout.
pub(crate) fn chat(args: &ChatArgs) -> anyhow::Result<ExitCode> {
    let localizer = Arc::new(Localizer::load_dir(&args.locales).with_context(|| {
        format!(
            "cannot load the system texts from {} (use --locales DIR)",
            args.locales.display()
        )
    })?);
    let options = LoadOptions {
        iframe_hosts: args.iframe_hosts.clone(),
        localizer: Some(localizer.clone()),
    };
    let set = match load_dir_with(&args.dialog, &options) {
        Ok(set) => set,
        Err(diagnostics) => {
            for diagnostic in diagnostics {
                eprintln!("{diagnostic}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut dialogs = set.iter();
    let (Some(dialog), None) = (dialogs.next(), dialogs.next()) else {
        anyhow::bail!(
            "{} holds {} dialogs; name one file or dialog folder",
            args.dialog.display(),
            set.len()
        );
    };
    let mut hosts = dialog.iframe_hosts().to_vec();
    hosts.extend(args.iframe_hosts.iter().cloned());
    let mut repl = Repl {
        dialog,
        localizer: &localizer,
        locale: &args.locale,
        iframe_hosts: &hosts,
        debug: args.debug,
        options: Vec::new(),
        expects_date: false,
        session: Session::new(Timestamp::now(), dialog),
    };
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    repl.run(stdin, stdout, || {
        (Timestamp::now(), jiff::Zoned::now().date())
    })?;
    Ok(ExitCode::SUCCESS)
}

const HELP: &str = "Type a message. Pick an option by its number; type dates as YYYY-MM-DD.\n\
Commands: /state (show the session), /restart (start over), /help, /quit.";

/// The REPL state.
struct Repl<'a> {
    dialog: &'a Dialog,
    localizer: &'a Localizer,
    locale: &'a str,
    iframe_hosts: &'a [String],
    debug: bool,
    /// The options of the last option list, for picking by number.
    options: Vec<OptionItem>,
    /// Whether the last output was a date picker.
    expects_date: bool,
    session: Session,
}

impl Repl<'_> {
    /// Runs until `/quit`, end of input or the end of the conversation. `clock` gives the
    /// time and today's date for each turn.
    fn run(
        &mut self,
        input: impl BufRead,
        mut out: impl Write,
        mut clock: impl FnMut() -> (Timestamp, Date),
    ) -> std::io::Result<()> {
        writeln!(out, "{HELP}")?;
        if self.turn(Input::Start, clock(), &mut out)? {
            return Ok(());
        }
        for line in input.lines() {
            let line = line?;
            let line = line.trim();
            let input = match line {
                "" => continue,
                "/quit" | "/exit" => break,
                "/help" => {
                    writeln!(out, "{HELP}")?;
                    continue;
                }
                "/state" => {
                    writeln!(out, "{}", state(&self.session))?;
                    continue;
                }
                "/restart" => Input::Start,
                _ => self.input_of(line),
            };
            if self.turn(input, clock(), &mut out)? {
                break;
            }
        }
        Ok(())
    }

    /// Reads a line as an option number, a date (after a date picker) or text.
    fn input_of(&self, line: &str) -> Input {
        if let Some(option) = line
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|index| self.options.get(index))
        {
            return Input::Option(option.value.clone());
        }
        if self.expects_date
            && let Ok(date) = line.parse::<Date>()
        {
            return Input::Date(date);
        }
        Input::Text(line.to_owned())
    }

    /// Runs one turn and prints its outputs. Returns whether the conversation ended.
    fn turn(
        &mut self,
        input: Input,
        (now, today): (Timestamp, Date),
        out: &mut impl Write,
    ) -> std::io::Result<bool> {
        let ctx = StepContext {
            locale: self.locale,
            today,
            localizer: self.localizer,
            iframe_hosts: self.iframe_hosts,
            idle: self.dialog.idle_config(IdleConfig::default()),
        };
        if self.debug
            && let Input::Text(text) = &input
        {
            writeln!(out, "  [nlu] {}", self.understood(text))?;
        }
        let session = std::mem::replace(&mut self.session, Session::new(now, self.dialog));
        let (session, outputs) = step(now, session, self.dialog, input, &ctx);
        self.session = session;
        self.options.clear();
        self.expects_date = false;
        let mut ended = false;
        for output in &outputs {
            ended |= self.print(output, out)?;
        }
        if self.debug {
            writeln!(out, "  [{}]", state(&self.session))?;
        }
        Ok(ended)
    }

    /// What the NLU makes of a typed message: the best intents and whether the best one
    /// reaches the threshold.
    fn understood(&self, text: &str) -> String {
        let Some(model) = self.dialog.intent_model(self.locale) else {
            return "the dialog has no intents".to_owned();
        };
        let classification = model.classify(text);
        if classification.ranked.is_empty() {
            return "no intent: the examples share no content word with the message".to_owned();
        }
        let best: Vec<String> = classification
            .ranked
            .iter()
            .take(3)
            .map(|score| format!("{} {:.2}", score.intent, score.confidence))
            .collect();
        let verdict = if classification.in_scope {
            "understood"
        } else {
            "not understood"
        };
        format!(
            "{}: {verdict} (threshold {:.2})",
            best.join(", "),
            model.oos_threshold()
        )
    }

    /// Prints one output. Returns whether it ends the conversation.
    fn print(&mut self, output: &Output, out: &mut impl Write) -> std::io::Result<bool> {
        match output {
            Output::Text { markdown, .. } => {
                writeln!(out, "bot> {}", markdown.trim().replace('\n', "\n     "))?;
            }
            Output::Option { title, options, .. } => {
                writeln!(out, "bot> {title}")?;
                for (number, option) in options.iter().enumerate() {
                    writeln!(out, "     {}) {}", number + 1, option.label)?;
                }
                self.options = options.clone();
            }
            Output::Date { min, max } => {
                match (min, max) {
                    (Some(min), Some(max)) => {
                        writeln!(out, "     (type a date as YYYY-MM-DD, {min} to {max})")?;
                    }
                    (Some(min), None) => {
                        writeln!(out, "     (type a date as YYYY-MM-DD, {min} or later)")?;
                    }
                    (None, Some(max)) => {
                        writeln!(out, "     (type a date as YYYY-MM-DD, {max} or earlier)")?;
                    }
                    (None, None) => writeln!(out, "     (type a date as YYYY-MM-DD)")?,
                }
                self.expects_date = true;
            }
            Output::Image(media) => media_line("image", media, out)?,
            Output::Audio(media) => media_line("audio", media, out)?,
            Output::Video(media) => media_line("video", media, out)?,
            Output::Iframe { source, title } => {
                writeln!(
                    out,
                    "     [iframe] {} <{source}>",
                    title.as_deref().unwrap_or("")
                )?;
            }
            Output::Pause { time_ms, typing } => {
                let what = if *typing { "typing" } else { "pause" };
                writeln!(out, "     [{what} {time_ms} ms]")?;
            }
            Output::ConnectToAgent {
                message_to_agent,
                resource,
            } => {
                let resource = resource.as_deref().unwrap_or("default");
                writeln!(
                    out,
                    "     [hand-off to an agent of `{resource}`: {message_to_agent}]"
                )?;
            }
            Output::UserDefined { value } => writeln!(out, "     [user_defined] {value}")?,
            Output::SessionExpiring { text, .. } | Output::SessionExpired { text } => {
                writeln!(out, "bot> {text}")?;
            }
            Output::ConversationEnded => {
                writeln!(out, "     [conversation ended]")?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn media_line(kind: &str, media: &Media, out: &mut impl Write) -> std::io::Result<()> {
    let title = media.title.as_deref().unwrap_or("");
    let alt = media
        .alt_text
        .as_deref()
        .map(|alt| format!(" ({alt})"))
        .unwrap_or_default();
    writeln!(out, "     [{kind}] {title} <{}>{alt}", media.source)
}

fn state(session: &Session) -> String {
    serde_json::json!({
        "pending": session.pending,
        "stack": session.stack,
        "misunderstandings": session.misunderstandings,
        "variables": session.variables,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn play(locale: &str, lines: &str) -> String {
        play_with(locale, lines, false)
    }

    fn play_debug(locale: &str, lines: &str) -> String {
        play_with(locale, lines, true)
    }

    fn play_with(locale: &str, lines: &str, debug: bool) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let localizer = Localizer::load_dir(&root.join("locales")).unwrap();
        let set = load_dir_with(
            &root.join("dialogs/bottega-aurora"),
            &LoadOptions::default(),
        )
        .unwrap();
        let dialog = set.get("bottega-aurora").unwrap();
        let hosts = dialog.iframe_hosts().to_vec();
        let now = Timestamp::from_second(1_772_442_000).unwrap();
        let mut repl = Repl {
            dialog,
            localizer: &localizer,
            locale,
            iframe_hosts: &hosts,
            debug,
            options: Vec::new(),
            expects_date: false,
            session: Session::new(now, dialog),
        };
        let mut out = Vec::new();
        repl.run(lines.as_bytes(), &mut out, || {
            (now, jiff::civil::date(2026, 3, 2))
        })
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn options_are_numbered_and_picked_by_number() {
        let out = play("en", "3\n");
        assert!(out.contains("     3) Book an appointment"), "{out}");
        assert!(
            out.contains("(type a date as YYYY-MM-DD, 2026-03-03 to 2026-05-01)"),
            "{out}"
        );
    }

    #[test]
    fn typed_dates_answer_a_date_picker() {
        let out = play("it", "3\n2026-03-03\n");
        assert!(out.contains("bot> A che ora ti è comodo?"), "{out}");
    }

    #[test]
    fn debug_shows_what_the_nlu_made_of_each_typed_message() {
        let out = play_debug("en", "where is my parcel\ndo you have a swimming pool\n");
        assert!(out.contains("  [nlu] order_status 1.00, "), "{out}");
        assert!(out.contains(": understood (threshold 0.50)"), "{out}");
        assert!(
            out.contains("  [nlu] no intent: the examples share no content word with the message"),
            "{out}"
        );
    }

    #[test]
    fn the_conversation_ending_stops_the_repl() {
        let out = play("en", "goodbye\nhello\n");
        assert!(out.trim_end().ends_with("[conversation ended]"), "{out}");
    }
}
