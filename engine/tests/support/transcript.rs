//! How a conversation is written in a snapshot: one line per input (`>`), output (`<`) and
//! session state (`=`), readable in a diff.

use staffetta_engine::Input;
use staffetta_engine::output::{Media, Output};
use staffetta_engine::session::{Pending, Session};

/// The line of an input.
pub(crate) fn input_line(input: &Input, after_s: i64) -> String {
    let clock = if after_s == 0 {
        String::new()
    } else {
        format!("(+{after_s}s) ")
    };
    let what = match input {
        Input::Start => "start".to_owned(),
        Input::Text(text) if text.chars().count() > 80 => {
            format!(
                "text: {:?}… ({} chars)",
                text.chars().take(20).collect::<String>(),
                text.chars().count()
            )
        }
        Input::Text(text) => format!("text: {text:?}"),
        Input::Option(value) => format!("option: {value:?}"),
        Input::Date(date) => format!("date: {date}"),
        Input::Restore(state) => format!(
            "restore: {}",
            serde_json::to_string(state).unwrap_or_default()
        ),
        Input::Tick => "tick".to_owned(),
        Input::KeepAlive => "keep-alive".to_owned(),
    };
    format!("> {clock}{what}\n")
}

fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n    ")
}

fn media(kind: &str, media: &Media) -> String {
    let mut line = format!("< {kind}: {}", media.source);
    for (name, value) in [
        ("title", &media.title),
        ("description", &media.description),
        ("alt", &media.alt_text),
    ] {
        if let Some(value) = value {
            line.push_str(&format!(" | {name}: {value}"));
        }
    }
    line.push('\n');
    line
}

/// The lines of an output.
pub(crate) fn output_lines(output: &Output, show_html: bool) -> String {
    match output {
        Output::Text { markdown, html } => {
            let mut lines = format!("< text: {}\n", indent(markdown));
            if show_html {
                lines.push_str(&format!("  html: {}\n", indent(html)));
            }
            lines
        }
        Output::Option {
            title,
            options,
            preference,
        } => {
            let list: Vec<String> = options
                .iter()
                .map(|o| format!("{} = {}", o.label, o.value))
                .collect();
            format!(
                "< option ({preference:?}) {title:?}: {}\n",
                list.join(" | ")
            )
        }
        Output::Date { min, max } => match (min, max) {
            (None, None) => "< date picker\n".to_owned(),
            (min, max) => format!(
                "< date picker: {} to {}\n",
                min.map_or("-".to_owned(), |d| d.to_string()),
                max.map_or("-".to_owned(), |d| d.to_string())
            ),
        },
        Output::Image(m) => media("image", m),
        Output::Audio(m) => media("audio", m),
        Output::Video(m) => media("video", m),
        Output::Iframe { source, title } => format!(
            "< iframe: {source} | title: {}\n",
            title.as_deref().unwrap_or("-")
        ),
        Output::Pause { time_ms, typing } => format!("< pause: {time_ms} ms, typing: {typing}\n"),
        Output::ConnectToAgent {
            message_to_agent,
            resource,
        } => format!(
            "< connect_to_agent: {message_to_agent:?} | resource: {}\n",
            resource.as_deref().unwrap_or("-")
        ),
        Output::UserDefined { value } => format!("< user_defined: {value}\n"),
        Output::SessionExpiring { expires_at, text } => {
            format!("< session_expiring at {expires_at}: {text}\n")
        }
        Output::SessionExpired { text } => format!("< session_expired: {text}\n"),
        Output::ConversationEnded => "< conversation_ended\n".to_owned(),
    }
}

/// The session after a turn: what the bot waits for, the action stack, the count of
/// misunderstandings and the variables.
pub(crate) fn state_line(session: &Session) -> String {
    let pending = match &session.pending {
        None => "-".to_owned(),
        Some(Pending::Answer { retries }) => format!("answer (retries {retries})"),
        Some(Pending::ReturnOffer) => "return offer".to_owned(),
        Some(Pending::Disambiguation { intents }) => format!("pick among {}", intents.join(", ")),
        Some(Pending::HumanOffer) => "human offer".to_owned(),
    };
    let stack: Vec<String> = session
        .stack
        .iter()
        .map(|f| format!("{}#{}({:?})", f.action, f.step + 1, f.entry))
        .collect();
    let variables: Vec<String> = session
        .variables
        .iter()
        .map(|(name, value)| format!("{name}={}", value.to_json()))
        .collect();
    let mut line = format!(
        "= waits: {pending}; stack: [{}]; misunderstood: {}; vars: {{{}}}",
        stack.join(", "),
        session.misunderstandings,
        variables.join(", ")
    );
    if session.expired {
        line.push_str("; expired");
    }
    line.push('\n');
    line
}

/// A readable difference between two transcripts: the first differing line and both
/// versions from there.
pub(crate) fn diff(expected: &str, actual: &str) -> String {
    let expected_lines: Vec<&str> = expected.lines().collect();
    let actual_lines: Vec<&str> = actual.lines().collect();
    let first = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    let show = |lines: &[&str]| {
        lines
            .iter()
            .skip(first)
            .take(8)
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "  first difference at line {}\n  expected:\n{}\n  actual:\n{}",
        first + 1,
        show(&expected_lines),
        show(&actual_lines)
    )
}
