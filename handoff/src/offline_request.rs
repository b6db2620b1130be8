//! "Leave a request": what a visitor fills in when the resource is closed or nobody is
//! logged in (seed 003). The edge stores it, lists it for agents and notifies them.
//!
//! Limits: name 1 to 100 characters, e-mail address up to 254 characters with a local part
//! and a dotted domain, text 1 to 4000 characters. Surrounding whitespace is trimmed and
//! control characters other than line breaks and tabs are refused. Every invalid field is
//! reported at once so the form can mark them all.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ConversationId, ResourceId};

/// One invalid field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OfflineRequestError {
    /// The name is empty.
    #[error("the name is missing")]
    NameMissing,
    /// The name is longer than 100 characters or holds control characters.
    #[error("the name must have at most 100 printable characters")]
    NameInvalid,
    /// The e-mail address is not plausible.
    #[error("the e-mail address is not valid")]
    EmailInvalid,
    /// The text is empty.
    #[error("the text is missing")]
    TextMissing,
    /// The text is longer than 4000 characters or holds control characters.
    #[error("the text must have at most 4000 characters")]
    TextInvalid,
}

/// Every invalid field of a form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request has {} invalid field(s)", .0.len())]
pub struct OfflineRequestErrors(pub Vec<OfflineRequestError>);

/// What the visitor typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineRequestForm {
    /// The visitor's name.
    pub name: String,
    /// Where to answer.
    pub email: String,
    /// The question.
    pub text: String,
}

/// A validated offline request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineRequest {
    /// The visitor's name, trimmed.
    pub name: String,
    /// The e-mail address, trimmed.
    pub email: String,
    /// The question, trimmed.
    pub text: String,
    /// The resource the visitor wanted, if known.
    pub resource: Option<ResourceId>,
    /// The conversation it came from, so agents can read the bot transcript.
    pub conversation: Option<ConversationId>,
    /// When it was left.
    pub created_at: Timestamp,
}

impl OfflineRequest {
    /// Longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 100;
    /// Longest text, in characters.
    pub const MAX_TEXT_CHARS: usize = 4000;

    /// Validates a form.
    pub fn new(
        now: Timestamp,
        form: &OfflineRequestForm,
        resource: Option<ResourceId>,
        conversation: Option<ConversationId>,
    ) -> Result<Self, OfflineRequestErrors> {
        let mut errors = Vec::new();
        let name = form.name.trim();
        if name.is_empty() {
            errors.push(OfflineRequestError::NameMissing);
        } else if name.chars().count() > Self::MAX_NAME_CHARS || name.chars().any(char::is_control)
        {
            errors.push(OfflineRequestError::NameInvalid);
        }
        let email = form.email.trim();
        if !is_plausible_email(email) {
            errors.push(OfflineRequestError::EmailInvalid);
        }
        let text = form.text.trim();
        let bad_control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
        if text.is_empty() {
            errors.push(OfflineRequestError::TextMissing);
        } else if text.chars().count() > Self::MAX_TEXT_CHARS || text.chars().any(bad_control) {
            errors.push(OfflineRequestError::TextInvalid);
        }
        if !errors.is_empty() {
            return Err(OfflineRequestErrors(errors));
        }
        Ok(Self {
            name: name.to_owned(),
            email: email.to_owned(),
            text: text.to_owned(),
            resource,
            conversation,
            created_at: now,
        })
    }
}

/// A deliberately simple address check: `local@domain.tld`, no spaces or angle brackets,
/// domain labels of letters, digits and inner hyphens, a top-level label of 2+ letters.
fn is_plausible_email(address: &str) -> bool {
    if address.len() > 254 {
        return false;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !"<>()[]\\,;:\"@".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn form(name: &str, email: &str, text: &str) -> OfflineRequestForm {
        OfflineRequestForm {
            name: name.into(),
            email: email.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_complete_form_becomes_a_trimmed_request() {
        let resource = ResourceId::parse("support").ok();
        let request = OfflineRequest::new(
            now(),
            &form(" Ada ", " ada@example.it ", " Hi\nthere "),
            resource.clone(),
            None,
        )
        .unwrap();
        assert_eq!(request.name, "Ada");
        assert_eq!(request.email, "ada@example.it");
        assert_eq!(request.text, "Hi\nthere");
        assert_eq!(request.resource, resource);
        assert_eq!(request.created_at, now());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let errors = OfflineRequest::new(now(), &form(" ", "nope", ""), None, None).unwrap_err();
        assert_eq!(
            errors.0,
            vec![
                OfflineRequestError::NameMissing,
                OfflineRequestError::EmailInvalid,
                OfflineRequestError::TextMissing
            ]
        );
    }

    #[test]
    fn long_fields_are_refused() {
        let errors = OfflineRequest::new(
            now(),
            &form(&"n".repeat(101), "a@b.it", &"t".repeat(4001)),
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(
            errors.0,
            vec![
                OfflineRequestError::NameInvalid,
                OfflineRequestError::TextInvalid
            ]
        );
        assert!(
            OfflineRequest::new(now(), &form("A", "a@b.it", &"t".repeat(4000)), None, None).is_ok()
        );
    }

    #[test]
    fn plausible_addresses_pass_and_broken_ones_do_not() {
        for good in [
            "a@b.it",
            "first.last+tag@mail.example.com",
            "ugo@città.it",
            "x_y@sub-domain.co.uk",
        ] {
            assert!(is_plausible_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "@b.it",
            "a@",
            "a@b",
            "a@b.c",
            "a b@c.it",
            "a@b..it",
            "a@-b.it",
            "a@b-.it",
            ".a@b.it",
            "a..b@c.it",
            "<a>@b.it",
            "a@b.i1",
            "a@b.it\n",
        ] {
            assert!(!is_plausible_email(bad), "{bad:?}");
        }
        assert!(!is_plausible_email(&format!("{}@b.it", "a".repeat(65))));
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_are_fine() {
        let errors = OfflineRequest::new(now(), &form("A\u{1b}", "a@b.it", "x\u{0}y"), None, None)
            .unwrap_err();
        assert_eq!(
            errors.0,
            vec![
                OfflineRequestError::NameInvalid,
                OfflineRequestError::TextInvalid
            ]
        );
    }

    #[test]
    fn errors_have_snake_case_codes() {
        assert_eq!(
            serde_json::to_value(OfflineRequestError::EmailInvalid).unwrap(),
            "email_invalid"
        );
    }
}
