//! `output.generic[]` items: the engine's outputs as the widget renders them.

use serde::{Deserialize, Serialize};
use staffetta_engine::output::{Media, Output, Preference};

/// `{"generic": [...]}`: what the bot (or agent) answers in one turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutputBody {
    /// The response items, in display order.
    pub generic: Vec<GenericItem>,
}

impl OutputBody {
    /// What the visitor may see: the dialog's note for the agent (`message_to_agent`) is
    /// for the agent only and is left out. The log keeps it for the agent's transcript.
    #[must_use]
    pub fn for_visitor(mut self) -> Self {
        for item in &mut self.generic {
            if let GenericItem::ConnectToAgent {
                message_to_agent, ..
            } = item
            {
                message_to_agent.clear();
            }
        }
        self
    }
}

/// One response item, tagged by `response_type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response_type", rename_all = "snake_case")]
pub enum GenericItem {
    /// Markdown source plus the sanitized HTML to insert.
    Text {
        /// Markdown source.
        text: String,
        /// Safe HTML rendered by the server.
        html: String,
    },
    /// A choice; the widget sends back `{"option": value}`.
    Option {
        /// Heading above the options.
        title: String,
        /// The options.
        options: Vec<OptionItem>,
        /// `button` or `dropdown`.
        preference: String,
    },
    /// A date picker; the widget sends back `{"date": "YYYY-MM-DD"}`. `min` and `max`
    /// (`YYYY-MM-DD`, each only when the question limits it) are the first and last dates
    /// the question accepts, for the picker's bounds.
    Date {
        /// First date accepted.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<String>,
        /// Last date accepted.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<String>,
    },
    /// An image.
    Image(MediaItem),
    /// An audio clip.
    Audio(MediaItem),
    /// A video.
    Video(MediaItem),
    /// An embedded https:// page from an allowlisted host (render sandboxed; embed no other
    /// scheme).
    Iframe {
        /// Page URL: always https://, on an allowlisted host.
        source: String,
        /// Accessible title.
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// Wait before showing the next item.
    Pause {
        /// Milliseconds.
        time: u64,
        /// Show a typing indicator while waiting.
        typing: bool,
    },
    /// The bot hands the conversation to a human.
    ConnectToAgent {
        /// What the agent is told (agents only: absent in what visitors receive).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        message_to_agent: String,
        /// Resource (queue) requested by the dialog.
        #[serde(skip_serializing_if = "Option::is_none")]
        resource: Option<String>,
    },
    /// Custom JSON for a custom renderer.
    UserDefined {
        /// The dialog's JSON, untouched.
        user_defined: serde_json::Value,
    },
}

/// One option of an `option` item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionItem {
    /// What the visitor sees.
    pub label: String,
    /// What the widget sends back.
    pub value: String,
}

/// Image, audio or video.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    /// URL.
    pub source: String,
    /// Short title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Text alternative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

impl From<&Media> for MediaItem {
    fn from(media: &Media) -> Self {
        MediaItem {
            source: media.source.clone(),
            title: media.title.clone(),
            description: media.description.clone(),
            alt_text: media.alt_text.clone(),
        }
    }
}

impl GenericItem {
    /// The wire item for a displayable engine output; `None` for outputs that are events
    /// rather than items (idle notices, the end of the conversation).
    pub fn from_output(output: &Output) -> Option<GenericItem> {
        Some(match output {
            Output::Text { markdown, html } => GenericItem::Text {
                text: markdown.clone(),
                html: html.clone(),
            },
            Output::Option {
                title,
                options,
                preference,
            } => GenericItem::Option {
                title: title.clone(),
                options: options
                    .iter()
                    .map(|o| OptionItem {
                        label: o.label.clone(),
                        value: o.value.clone(),
                    })
                    .collect(),
                preference: match preference {
                    Preference::Button => "button",
                    Preference::Dropdown => "dropdown",
                }
                .to_owned(),
            },
            Output::Date { min, max } => GenericItem::Date {
                min: min.map(|d| d.to_string()),
                max: max.map(|d| d.to_string()),
            },
            Output::Image(media) => GenericItem::Image(media.into()),
            Output::Audio(media) => GenericItem::Audio(media.into()),
            Output::Video(media) => GenericItem::Video(media.into()),
            Output::Iframe { source, title } => GenericItem::Iframe {
                source: source.clone(),
                title: title.clone(),
            },
            Output::Pause { time_ms, typing } => GenericItem::Pause {
                time: *time_ms,
                typing: *typing,
            },
            Output::ConnectToAgent {
                message_to_agent,
                resource,
            } => GenericItem::ConnectToAgent {
                message_to_agent: message_to_agent.clone(),
                resource: resource.clone(),
            },
            Output::UserDefined { value } => GenericItem::UserDefined {
                user_defined: value.clone(),
            },
            Output::SessionExpiring { .. }
            | Output::SessionExpired { .. }
            | Output::ConversationEnded => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_item_carries_markdown_and_html() {
        let item = GenericItem::from_output(&Output::text("**hi**")).unwrap();
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["response_type"], "text");
        assert_eq!(json["text"], "**hi**");
        assert_eq!(json["html"], "<p><strong>hi</strong></p>\n");
    }

    #[test]
    fn pause_and_date_use_contract_names() {
        let pause = GenericItem::from_output(&Output::Pause {
            time_ms: 500,
            typing: true,
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&pause).unwrap(),
            serde_json::json!({"response_type": "pause", "time": 500, "typing": true})
        );
        let date = GenericItem::from_output(&Output::Date {
            min: None,
            max: None,
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&date).unwrap(),
            serde_json::json!({"response_type": "date"})
        );
        let limited = GenericItem::from_output(&Output::Date {
            min: Some("2026-03-03".parse().unwrap()),
            max: Some("2026-05-01".parse().unwrap()),
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(&limited).unwrap(),
            serde_json::json!({"response_type": "date", "min": "2026-03-03", "max": "2026-05-01"})
        );
    }

    #[test]
    fn idle_notices_are_not_items() {
        assert!(GenericItem::from_output(&Output::ConversationEnded).is_none());
    }
}
