//! The wire format of one fan-out message on the Redis channel.
//!
//! A message is one line of compact JSON naming the sending node, the kind and the key,
//! then `\n`, then the payload verbatim:
//!
//! ```text
//! {"k":"appended","n":"<node>","c":"<conversation>","h":12}\n
//! {"k":"ephemeral","n":"<node>","c":"<conversation>"}\n<the Event as JSON>
//! {"k":"erased","n":"<node>","c":"<conversation>"}\n
//! {"k":"agent","n":"<node>","s":"<site>","a":"<agent>"}\n<the console frame>
//! {"k":"site","n":"<node>","s":"<site>"}\n<the console frame>
//! {"k":"queue_watchers","n":"<node>","s":"<site>"}\n<the console frame>
//! ```
//!
//! The header never holds a raw newline (compact JSON escapes it inside strings), so the
//! first `\n` ends it. Console frames travel as the text the sender already serialised, so
//! they are neither escaped nor parsed again on the way. Unknown header fields are ignored,
//! so a later version may add some; an incompatible change takes a new channel name.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use staffetta_widget::protocol::Event;

use crate::visitor::bus::Notice;

/// A random id for this node's process, so it can skip its own messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(String);

impl NodeId {
    /// A fresh id: 16 lowercase hex digits (64 random bits).
    pub fn random() -> Self {
        let (high, _) = uuid::Uuid::new_v4().as_u64_pair();
        Self(format!("{high:016x}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one node tells the others.
#[derive(Clone, Debug)]
pub enum Message {
    /// A conversation notice for the [`Bus`](crate::visitor::bus::Bus) subscribers.
    Notice {
        /// The conversation id.
        conversation: String,
        /// What happened.
        notice: Notice,
    },
    /// A console frame for every socket of one agent.
    Agent {
        /// The site.
        site: String,
        /// The agent id.
        agent: String,
        /// The frame's JSON text.
        frame: Arc<str>,
    },
    /// A console frame for every console of a site.
    Site {
        /// The site.
        site: String,
        /// The frame's JSON text.
        frame: Arc<str>,
    },
    /// A console frame for the consoles of a site's queue watchers (supervisors, admins).
    QueueWatchers {
        /// The site.
        site: String,
        /// The frame's JSON text.
        frame: Arc<str>,
    },
}

/// A message with the node that sent it.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// The sender.
    pub node: NodeId,
    /// The content.
    pub message: Message,
}

/// Why bytes from the channel are not a fan-out message. Such messages are counted and
/// skipped; they never stop the subscriber.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// There is no `\n` after the header.
    #[error("no header line")]
    NoHeader,
    /// The header is not a known kind with its fields.
    #[error("bad header: {0}")]
    Header(#[from] serde_json::Error),
    /// The ephemeral event after the header is not an event.
    #[error("bad ephemeral event: {0}")]
    Event(serde_json::Error),
    /// The console frame after the header is not UTF-8.
    #[error("the console frame is not UTF-8")]
    FrameNotUtf8,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
enum Header {
    Appended { n: String, c: String, h: u64 },
    Ephemeral { n: String, c: String },
    Erased { n: String, c: String },
    Agent { n: String, s: String, a: String },
    Site { n: String, s: String },
    QueueWatchers { n: String, s: String },
}

/// Encodes `message` as sent by `node`.
pub fn encode(node: &NodeId, message: &Message) -> Vec<u8> {
    let n = node.0.clone();
    let (header, payload): (Header, Vec<u8>) = match message {
        Message::Notice {
            conversation,
            notice: Notice::Appended { head },
        } => (
            Header::Appended {
                n,
                c: conversation.clone(),
                h: *head,
            },
            Vec::new(),
        ),
        Message::Notice {
            conversation,
            notice: Notice::Ephemeral(event),
        } => (
            Header::Ephemeral {
                n,
                c: conversation.clone(),
            },
            // An Event is plain data: serialising it cannot fail.
            serde_json::to_vec(event).unwrap_or_default(),
        ),
        Message::Notice {
            conversation,
            notice: Notice::Erased,
        } => (
            Header::Erased {
                n,
                c: conversation.clone(),
            },
            Vec::new(),
        ),
        Message::Agent { site, agent, frame } => (
            Header::Agent {
                n,
                s: site.clone(),
                a: agent.clone(),
            },
            frame.as_bytes().to_vec(),
        ),
        Message::Site { site, frame } => (
            Header::Site { n, s: site.clone() },
            frame.as_bytes().to_vec(),
        ),
        Message::QueueWatchers { site, frame } => (
            Header::QueueWatchers { n, s: site.clone() },
            frame.as_bytes().to_vec(),
        ),
    };
    let mut bytes = serde_json::to_vec(&header).unwrap_or_default();
    bytes.push(b'\n');
    bytes.extend_from_slice(&payload);
    bytes
}

/// Decodes bytes received from the channel.
pub fn decode(bytes: &[u8]) -> Result<Envelope, DecodeError> {
    let split = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(DecodeError::NoHeader)?;
    let (header, payload) = (&bytes[..split], &bytes[split + 1..]);
    let frame = |payload: &[u8]| {
        std::str::from_utf8(payload)
            .map(Arc::from)
            .map_err(|_| DecodeError::FrameNotUtf8)
    };
    let (node, message) = match serde_json::from_slice::<Header>(header)? {
        Header::Appended { n, c, h } => (
            n,
            Message::Notice {
                conversation: c,
                notice: Notice::Appended { head: h },
            },
        ),
        Header::Ephemeral { n, c } => {
            let event: Event = serde_json::from_slice(payload).map_err(DecodeError::Event)?;
            (
                n,
                Message::Notice {
                    conversation: c,
                    notice: Notice::Ephemeral(Box::new(event)),
                },
            )
        }
        Header::Erased { n, c } => (
            n,
            Message::Notice {
                conversation: c,
                notice: Notice::Erased,
            },
        ),
        Header::Agent { n, s, a } => (
            n,
            Message::Agent {
                site: s,
                agent: a,
                frame: frame(payload)?,
            },
        ),
        Header::Site { n, s } => (
            n,
            Message::Site {
                site: s,
                frame: frame(payload)?,
            },
        ),
        Header::QueueWatchers { n, s } => (
            n,
            Message::QueueWatchers {
                site: s,
                frame: frame(payload)?,
            },
        ),
    };
    Ok(Envelope {
        node: NodeId(node),
        message,
    })
}

#[cfg(test)]
mod tests {
    use staffetta_widget::protocol::{EventKind, Sender};

    use super::*;

    fn node() -> NodeId {
        NodeId("0123456789abcdef".to_owned())
    }

    fn round_trip(message: &Message) -> Envelope {
        decode(&encode(&node(), message)).unwrap()
    }

    #[test]
    fn an_appended_notice_is_one_header_line_and_round_trips() {
        let message = Message::Notice {
            conversation: "c-1".to_owned(),
            notice: Notice::Appended { head: 12 },
        };
        assert_eq!(
            String::from_utf8(encode(&node(), &message)).unwrap(),
            "{\"k\":\"appended\",\"n\":\"0123456789abcdef\",\"c\":\"c-1\",\"h\":12}\n"
        );
        let envelope = round_trip(&message);
        assert_eq!(envelope.node, node());
        assert!(matches!(
            envelope.message,
            Message::Notice { ref conversation, notice: Notice::Appended { head: 12 } }
                if conversation == "c-1"
        ));
    }

    #[test]
    fn a_typing_event_round_trips_as_the_payload() {
        let typing = Event {
            seq: None,
            kind: EventKind::Typing {
                from: Sender::Visitor,
                typing: true,
                agent_name: None,
            },
        };
        let message = Message::Notice {
            conversation: "c-1".to_owned(),
            notice: Notice::Ephemeral(Box::new(typing.clone())),
        };
        match round_trip(&message).message {
            Message::Notice {
                notice: Notice::Ephemeral(event),
                ..
            } => assert_eq!(*event, typing),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_erased_notice_is_one_header_line_and_round_trips() {
        let message = Message::Notice {
            conversation: "c-1".to_owned(),
            notice: Notice::Erased,
        };
        assert_eq!(
            String::from_utf8(encode(&node(), &message)).unwrap(),
            "{\"k\":\"erased\",\"n\":\"0123456789abcdef\",\"c\":\"c-1\"}\n"
        );
        assert!(matches!(
            round_trip(&message).message,
            Message::Notice { ref conversation, notice: Notice::Erased } if conversation == "c-1"
        ));
    }

    #[test]
    fn a_console_frame_travels_verbatim_even_with_newlines() {
        let frame: Arc<str> = Arc::from("{\"event\":\"MESSAGE\",\"text\":\"a\\nb\"}\n");
        let message = Message::Agent {
            site: "demo".to_owned(),
            agent: "ag-\n1".to_owned(),
            frame: Arc::clone(&frame),
        };
        match round_trip(&message).message {
            Message::Agent {
                site,
                agent,
                frame: got,
            } => {
                assert_eq!((site.as_str(), agent.as_str()), ("demo", "ag-\n1"));
                assert_eq!(got, frame);
            }
            other => panic!("unexpected {other:?}"),
        }
        let site = Message::Site {
            site: "demo".to_owned(),
            frame: Arc::clone(&frame),
        };
        assert!(matches!(
            round_trip(&site).message,
            Message::Site { ref site, frame: ref got } if site == "demo" && *got == frame
        ));
        let watchers = Message::QueueWatchers {
            site: "demo".to_owned(),
            frame: Arc::clone(&frame),
        };
        assert!(
            String::from_utf8_lossy(&encode(&node(), &watchers)).starts_with(
                "{\"k\":\"queue_watchers\",\"n\":\"0123456789abcdef\",\"s\":\"demo\"}\n"
            )
        );
        assert!(matches!(
            round_trip(&watchers).message,
            Message::QueueWatchers { ref site, frame: ref got } if site == "demo" && *got == frame
        ));
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(matches!(decode(b""), Err(DecodeError::NoHeader)));
        assert!(matches!(decode(b"hello"), Err(DecodeError::NoHeader)));
        assert!(matches!(
            decode(b"{\"k\":\"reboot\",\"n\":\"x\"}\n"),
            Err(DecodeError::Header(_))
        ));
        assert!(matches!(
            decode(b"{\"k\":\"appended\",\"n\":\"x\"}\n"),
            Err(DecodeError::Header(_))
        ));
        assert!(matches!(
            decode(b"{\"k\":\"ephemeral\",\"n\":\"x\",\"c\":\"c\"}\nnot json"),
            Err(DecodeError::Event(_))
        ));
        assert!(matches!(
            decode(b"{\"k\":\"site\",\"n\":\"x\",\"s\":\"demo\"}\n\xff\xfe"),
            Err(DecodeError::FrameNotUtf8)
        ));
    }

    #[test]
    fn unknown_header_fields_are_ignored_for_later_versions() {
        let envelope =
            decode(b"{\"k\":\"appended\",\"n\":\"x\",\"c\":\"c\",\"h\":3,\"trace\":\"t\"}\n")
                .unwrap();
        assert!(matches!(
            envelope.message,
            Message::Notice {
                notice: Notice::Appended { head: 3 },
                ..
            }
        ));
    }

    #[test]
    fn node_ids_are_sixteen_hex_digits_and_differ() {
        let (a, b) = (NodeId::random(), NodeId::random());
        assert_eq!(a.as_str().len(), 16);
        assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
