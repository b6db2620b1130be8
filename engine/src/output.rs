//! What the bot shows: the engine's output model.
//!
//! Response kinds follow ARCHITECTURE.md "Wire contract v1" (`text`, `option`, `date`,
//! `image`, `audio`, `video`, `iframe`, `pause`, `connect_to_agent`, `user_defined`) plus
//! the idle-timeout notices and the end of a conversation. This is not the wire type: the
//! edge maps it to `output.generic[]` and to visitor events. It derives `Serialize` only
//! so that conversation tests can snapshot it.

use jiff::Timestamp;
use serde::Serialize;

pub use crate::dialog::Preference;

/// One thing the bot shows or does, in order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "response_type", rename_all = "snake_case")]
pub enum Output {
    /// A message: its markdown source and the sanitized HTML rendered from it.
    Text {
        /// The markdown source (for clients that render markdown themselves).
        markdown: String,
        /// Safe HTML (pulldown-cmark then ammonia).
        html: String,
    },
    /// A choice among options; the client sends the chosen `value` back as
    /// [`crate::Input::Option`].
    Option {
        /// The question or heading above the options.
        title: String,
        /// The options, in order.
        options: Vec<OptionItem>,
        /// Buttons or a drop-down list.
        preference: Preference,
    },
    /// A date picker; the client sends the date back as [`crate::Input::Date`].
    Date {
        /// The first date the question accepts (today plus its `min_days`), if limited.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<jiff::civil::Date>,
        /// The last date the question accepts (today plus its `max_days`), if limited.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<jiff::civil::Date>,
    },
    /// An image.
    Image(Media),
    /// An audio clip.
    Audio(Media),
    /// A video.
    Video(Media),
    /// An embedded page from an allowlisted host.
    Iframe {
        /// The page URL (https, allowlisted host).
        source: String,
        /// A title for the frame (also its accessible name).
        title: Option<String>,
    },
    /// A pause before the next output.
    Pause {
        /// How long, in milliseconds.
        time_ms: u64,
        /// Whether to show a typing indicator meanwhile.
        typing: bool,
    },
    /// Hand the conversation over to a human agent.
    ConnectToAgent {
        /// What the agent sees about the request.
        message_to_agent: String,
        /// The resource (queue, team) to dispatch to, when the dialog names one.
        resource: Option<String>,
    },
    /// JSON from the dialog passed through untouched, for custom widget renderers.
    UserDefined {
        /// The dialog's `user_defined` table as JSON.
        value: serde_json::Value,
    },
    /// The session is about to expire for inactivity.
    SessionExpiring {
        /// When it will expire.
        expires_at: Timestamp,
        /// The localized notice.
        text: String,
    },
    /// The session expired; a new one must be started (or restored).
    SessionExpired {
        /// The localized notice.
        text: String,
    },
    /// The dialog ended the conversation (`end = "conversation"`).
    ConversationEnded,
}

/// One option of an [`Output::Option`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionItem {
    /// What the visitor sees.
    pub label: String,
    /// What the client sends back when it is chosen.
    pub value: String,
}

/// An image, audio clip or video.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Media {
    /// The URL (https or a path on the Staffetta server).
    pub source: String,
    /// A short title.
    pub title: Option<String>,
    /// A longer description.
    pub description: Option<String>,
    /// Text for screen readers.
    pub alt_text: Option<String>,
}

impl Output {
    /// A text output from markdown, rendered to safe HTML. Markdown the renderer refuses
    /// (too large, too deeply nested) is shown as escaped plain text instead.
    pub fn text(markdown: impl Into<String>) -> Output {
        let markdown = markdown.into();
        let html = crate::markdown::render(&markdown)
            .unwrap_or_else(|_| format!("<p>{}</p>", escape_html(&markdown)));
        Output::Text { markdown, html }
    }

    /// The `response_type` name of the output.
    pub fn response_type(&self) -> &'static str {
        match self {
            Output::Text { .. } => "text",
            Output::Option { .. } => "option",
            Output::Date { .. } => "date",
            Output::Image(_) => "image",
            Output::Audio(_) => "audio",
            Output::Video(_) => "video",
            Output::Iframe { .. } => "iframe",
            Output::Pause { .. } => "pause",
            Output::ConnectToAgent { .. } => "connect_to_agent",
            Output::UserDefined { .. } => "user_defined",
            Output::SessionExpiring { .. } => "session_expiring",
            Output::SessionExpired { .. } => "session_expired",
            Output::ConversationEnded => "conversation_ended",
        }
    }
}

/// Escapes the five HTML special characters.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outputs_carry_sanitized_html() {
        let Output::Text { html, .. } = Output::text("**hi** <script>x</script>") else {
            panic!("text expected");
        };
        assert!(html.contains("<strong>hi</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn markdown_the_renderer_refuses_becomes_escaped_text() {
        let huge = "<b>".repeat(crate::markdown::MAX_SOURCE_BYTES);
        let Output::Text { html, .. } = Output::text(huge) else {
            panic!("text expected");
        };
        assert!(html.starts_with("<p>&lt;b&gt;"));
    }

    #[test]
    fn outputs_serialize_with_their_response_type() {
        let json = serde_json::to_value(Output::Pause {
            time_ms: 500,
            typing: true,
        })
        .unwrap();
        assert_eq!(json["response_type"], "pause");
        let date = Output::Date {
            min: None,
            max: None,
        };
        assert_eq!(
            date.response_type(),
            serde_json::to_value(&date).unwrap()["response_type"]
        );
    }
}
