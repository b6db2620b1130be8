//! Identifiers of the handoff domain as validated newtypes.
//!
//! | type | constraint |
//! |---|---|
//! | [`SiteId`], [`AgentId`], [`ConversationId`], [`ResourceId`] | 1 to 64 ASCII letters, digits, `-` or `_`; case-sensitive |
//! | [`Skill`] | 1 to 32 ASCII letters, digits, `-` or `_`; stored lowercase |
//! | [`OfferId`] | a positive decimal integer below 2^64, without sign or leading zeros |
//!
//! Every type parses with `parse` (or `FromStr`), serializes as a JSON string and refuses
//! invalid input when deserialized, so a stored desk can never hold a malformed id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The string is empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which identifier was parsed.
        kind: &'static str,
    },
    /// The string is longer than the identifier allows.
    #[error("{kind} is longer than {max} characters")]
    TooLong {
        /// Which identifier was parsed.
        kind: &'static str,
        /// The maximum length in characters.
        max: usize,
    },
    /// The string holds a character the identifier does not allow.
    #[error("{kind} contains the character {found:?}, which is not allowed")]
    InvalidCharacter {
        /// Which identifier was parsed.
        kind: &'static str,
        /// The first offending character.
        found: char,
    },
    /// An offer id is not a positive decimal number.
    #[error("offer id {0:?} is not a positive decimal number")]
    NotAnOfferNumber(String),
}

fn check_token(kind: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if let Some(found) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(IdError::InvalidCharacter { kind, found });
    }
    if value.len() > max {
        return Err(IdError::TooLong { kind, max });
    }
    Ok(())
}

macro_rules! token_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_LEN: usize = 64;

            /// Parses and validates an identifier (see the module docs for the rules).
            pub fn parse(value: &str) -> Result<Self, IdError> {
                check_token($kind, value, Self::MAX_LEN)?;
                Ok(Self(value.to_owned()))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                check_token($kind, &value, Self::MAX_LEN)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_id!(
    /// A site (tenant): one installation of the widget and its team of operators.
    SiteId,
    "site id"
);
token_id!(
    /// An operator of a site; the same id names them as an agent at the desk.
    AgentId,
    "agent id"
);
token_id!(
    /// A visitor conversation; the edge keeps its history under this id.
    ConversationId,
    "conversation id"
);
token_id!(
    /// A resource (queue) of a site, the target of the widget's `dispatch_to`.
    ResourceId,
    "resource id"
);

/// Operators and agents are the same people: an operator logged in at the desk is an agent.
pub type OperatorId = AgentId;

/// A skill an agent has and a resource requires, such as `billing` or `italian`.
///
/// 1 to 32 ASCII letters, digits, `-` or `_`; parsing lowercases it so `Billing` and
/// `billing` are the same skill.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Skill(String);

impl Skill {
    /// Longest accepted skill, in characters.
    pub const MAX_LEN: usize = 32;

    /// Parses, validates and lowercases a skill.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check_token("skill", value, Self::MAX_LEN)?;
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// The skill as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Skill {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

impl From<Skill> for String {
    fn from(skill: Skill) -> String {
        skill.0
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One offer of a conversation to one agent, and the AgentDesktop job that follows it
/// (the `id` field of job events).
///
/// Offer ids are positive and increase per desk, so a stale offer is never confused with a
/// new one. In JSON it is a decimal string such as `"7"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfferId(u64);

impl OfferId {
    /// The first offer id a desk hands out.
    pub const FIRST: OfferId = OfferId(1);

    /// Parses a positive decimal number without sign or leading zeros.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let invalid = || IdError::NotAnOfferNumber(value.chars().take(24).collect());
        if value.starts_with('0') || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        value.parse::<u64>().map(OfferId).map_err(|_| invalid())
    }

    /// The offer number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The id after this one, saturating at the largest id.
    pub(crate) fn next(self) -> OfferId {
        OfferId(self.0.saturating_add(1))
    }
}

impl FromStr for OfferId {
    type Err = IdError;
    fn from_str(value: &str) -> Result<Self, IdError> {
        Self::parse(value)
    }
}

impl TryFrom<String> for OfferId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

impl From<OfferId> for String {
    fn from(id: OfferId) -> String {
        id.0.to_string()
    }
}

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_accept_letters_digits_dash_and_underscore() {
        assert_eq!(
            ResourceId::parse("ca6j2572ogyuojxn1azfujog2")
                .unwrap()
                .as_str(),
            "ca6j2572ogyuojxn1azfujog2"
        );
        assert!(ConversationId::parse("0190a5c4-7d2e-7000-8000-000000000001").is_ok());
        assert!(SiteId::parse("acme_shop").is_ok());
    }

    #[test]
    fn token_ids_refuse_empty_long_and_foreign_characters() {
        assert_eq!(AgentId::parse(""), Err(IdError::Empty { kind: "agent id" }));
        assert_eq!(
            AgentId::parse(&"a".repeat(65)),
            Err(IdError::TooLong {
                kind: "agent id",
                max: 64
            })
        );
        assert_eq!(
            SiteId::parse("a b"),
            Err(IdError::InvalidCharacter {
                kind: "site id",
                found: ' '
            })
        );
        assert!(SiteId::parse("è").is_err());
        assert!(SiteId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn skills_are_lowercased() {
        assert_eq!(
            Skill::parse("Billing").unwrap(),
            Skill::parse("billing").unwrap()
        );
        assert!(Skill::parse(&"s".repeat(33)).is_err());
    }

    #[test]
    fn offer_ids_are_positive_decimals() {
        assert_eq!(OfferId::parse("7").unwrap().get(), 7);
        for bad in [
            "",
            "0",
            "07",
            "-1",
            "+1",
            "1.0",
            "x",
            "18446744073709551616",
        ] {
            assert!(OfferId::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(OfferId::FIRST.next().get(), 2);
    }

    #[test]
    fn ids_serialize_as_strings_and_refuse_invalid_json() {
        let id = OfferId::parse("42").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""42""#);
        assert_eq!(serde_json::from_str::<OfferId>(r#""42""#).unwrap(), id);
        assert!(serde_json::from_str::<OfferId>(r#""0""#).is_err());
        assert!(serde_json::from_str::<SiteId>(r#""a/b""#).is_err());
        let site: SiteId = serde_json::from_str(r#""demo""#).unwrap();
        assert_eq!(site.to_string(), "demo");
    }
}
