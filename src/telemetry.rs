//! The global tracing subscriber. Only the binary installs it; tests stay silent unless
//! `TEST_LOG` is set.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Output format of log lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Installs the global subscriber writing to `writer`. The filter comes from `RUST_LOG`, with
/// `info` as the default. Message bodies and secrets are never logged at info level.
/// Pretty lines are coloured only when `writer` is a terminal (`is_terminal`), so a log file
/// or journald gets plain text.
pub fn init<W>(format: LogFormat, writer: W, is_terminal: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(is_terminal)
        .with_target(false);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
