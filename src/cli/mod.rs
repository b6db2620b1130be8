//! The `staffetta` command line: `serve`, `config check`, `default-config` and the authoring
//! tools. Config errors exit with code 2, start-up failures with 1.

mod chat;
mod dialogs;
mod nlu;
mod operator;
mod output;
mod serve;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::telemetry::LogFormat;

/// Exit code for invalid configuration.
pub const EXIT_CONFIG: u8 = 2;

/// Staffetta: a chatbot-first assistant platform with live-agent handoff.
#[derive(Debug, Parser)]
#[command(name = "staffetta", version, about)]
pub struct Cli {
    /// Config file (TOML). Without one, built-in defaults and STAFFETTA__* variables apply.
    #[arg(long, global = true, env = "STAFFETTA_CONFIG")]
    config: Option<PathBuf>,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty, env = "STAFFETTA_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (demo site and agent console included).
    Serve(serve::ServeArgs),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the commented example configuration.
    DefaultConfig,
    /// Dialog authoring tools.
    #[command(subcommand)]
    Dialogs(DialogsCommand),
    /// Chat with a dialog in the terminal, using the real engine.
    Chat(chat::ChatArgs),
    /// Intent classification tools.
    #[command(subcommand)]
    Nlu(NluCommand),
    /// Manage operator accounts (agents, supervisors, admins) of a site.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
}

#[derive(Debug, Subcommand)]
enum NluCommand {
    /// Train on one JSON-lines file and report accuracy, OOS recall and timings on another.
    Eval(nlu::NluEvalArgs),
}

#[derive(Debug, Subcommand)]
enum DialogsCommand {
    /// Validate dialog files; prints `file:line:column: message` per problem, exits 1 on errors.
    Check(dialogs::DialogsCheckArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a config file (or the one from --config / STAFFETTA_CONFIG) plus the
    /// environment, and what it points to (dialogs, identity keys, geo database, desks,
    /// connectors), and print a summary of the effective settings.
    Check {
        /// The file to check.
        file: Option<PathBuf>,
        /// Print every effective setting (secrets redacted) instead of the summary.
        #[arg(long)]
        print_settings: bool,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(ref args) => serve::serve(&cli, args),
        Command::Config(ConfigCommand::Check {
            ref file,
            print_settings,
        }) => match load_settings(file.as_deref().or(cli.config.as_deref())) {
            Ok(settings) => match crate::server::Server::check_settings(&settings) {
                Ok(warnings) => {
                    for warning in warnings {
                        eprintln!("warning: {warning}");
                    }
                    let paths = describe_relative_paths(&settings);
                    output::print(&if print_settings {
                        format!("configuration is valid\n{paths}{settings:#?}\n")
                    } else {
                        format!(
                            "configuration is valid\n{}{paths}(every setting, secrets \
                                 redacted: `config check --print-settings`)\n",
                            summary::summary(&settings)
                        )
                    });
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: invalid configuration: {err}");
                    ExitCode::from(EXIT_CONFIG)
                }
            },
            Err(code) => code,
        },
        Command::Dialogs(DialogsCommand::Check(ref args)) => report_failure(dialogs::check(args)),
        Command::Chat(ref args) => report_failure(chat::chat(args)),
        Command::Nlu(NluCommand::Eval(ref args)) => report_failure(nlu::eval(args)),
        Command::Operator(ref command) => operator::run(&cli, command),
        Command::DefaultConfig => {
            output::print(crate::config::EXAMPLE_CONFIG);
            ExitCode::SUCCESS
        }
    }
}

/// Says which directory the relative paths of `settings` lead from: the working directory
/// (as for `serve`), not the config file's folder; one line per path, or nothing when no
/// path is relative.
fn describe_relative_paths(settings: &Settings) -> String {
    match std::env::current_dir() {
        Ok(dir) => {
            let lines = settings.describe_relative_paths(&dir);
            if lines.is_empty() {
                return String::new();
            }
            let mut text = format!(
                "relative paths are resolved against the working directory {} (as `serve` \
                 does), not the config file's folder:\n",
                dir.display()
            );
            for line in lines {
                text.push_str(&format!("  {line}\n"));
            }
            text
        }
        Err(err) => format!(
            "relative paths are resolved against the working directory, which cannot be \
             read: {err}\n"
        ),
    }
}

/// Loads settings from `file` and the process environment, printing errors to stderr.
fn load_settings(file: Option<&std::path::Path>) -> Result<Settings, ExitCode> {
    Settings::load(file, std::env::vars()).map_err(|err| {
        eprintln!("error: invalid configuration: {err}");
        ExitCode::from(EXIT_CONFIG)
    })
}

/// Prints the error of an authoring tool and exits with 1.
fn report_failure(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}
