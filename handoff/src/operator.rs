//! Operators: the people of a site who log in to the agent console, with their role and
//! permissions.
//!
//! An operator is identified by site id + login (seed 000: "ID-sito, login e password").
//! Only a site admin creates operators and sets their credentials. Permission rules:
//!
//! | action | admin | supervisor | agent |
//! |---|---|---|---|
//! | manage operators and resources | yes | no | no |
//! | see visitor IPs, ban IPs | yes | if `can_see_ip` | if `can_see_ip` |
//! | transfer their own conversation | yes | yes | yes |
//! | transfer anyone's conversation | yes | yes | no |
//! | take conversations, list offline requests | yes | yes | yes |
//!
//! Every check also requires the operator to belong to the site the action is about.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::agent::AgentProfile;
use crate::ids::{AgentId, SiteId, Skill};
use crate::password::PasswordHash;

/// Why an operator field is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// The login is empty, too long or has characters outside `A-Z a-z 0-9 . _ @ + -`.
    #[error("a login has 1 to 64 characters among letters, digits and . _ @ + -")]
    InvalidLogin,
    /// The display name is empty after trimming, too long, or holds control characters.
    #[error("a display name has 1 to 80 printable characters")]
    InvalidDisplayName,
    /// The capacity is outside 1..=20 concurrent conversations.
    #[error("an agent handles between 1 and 20 conversations at once")]
    InvalidCapacity,
}

/// A refused action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionError {
    /// The operator belongs to another site.
    #[error("the operator belongs to another site")]
    WrongSite,
    /// The operator's role or permissions do not allow the action.
    #[error("the operator may not {0:?}")]
    Denied(Action),
}

/// A login name, unique within a site. Parsing lowercases it, so logins compare
/// case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    /// Parses a login: 1 to 64 characters among ASCII letters, digits and `. _ @ + -`.
    pub fn parse(value: &str) -> Result<Self, OperatorError> {
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-');
        if value.is_empty() || value.len() > 64 || !value.chars().all(allowed) {
            return Err(OperatorError::InvalidLogin);
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// The login as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Login {
    type Error = OperatorError;
    fn try_from(value: String) -> Result<Self, OperatorError> {
        Self::parse(&value)
    }
}

impl From<Login> for String {
    fn from(login: Login) -> String {
        login.0
    }
}

/// The name visitors see in `agent_joined`: 1 to 80 characters after trimming, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name, trimming surrounding whitespace.
    pub fn parse(value: &str) -> Result<Self, OperatorError> {
        let trimmed = value.trim();
        let length = trimmed.chars().count();
        if length == 0 || length > 80 || trimmed.chars().any(char::is_control) {
            return Err(OperatorError::InvalidDisplayName);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = OperatorError;
    fn try_from(value: String) -> Result<Self, OperatorError> {
        Self::parse(&value)
    }
}

impl From<DisplayName> for String {
    fn from(name: DisplayName) -> String {
        name.0
    }
}

/// What an operator is allowed to do, beyond their own conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages operators, resources and settings of the site; everything else too.
    Admin,
    /// Watches the team: transfers anyone's conversation.
    Supervisor,
    /// Takes conversations.
    Agent,
}

/// An action that needs a permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create, change or remove operators and set or reset their credentials.
    ManageOperators,
    /// Create, change or remove resources (queues), office hours and pause reasons.
    ManageResources,
    /// See the IP address of a visitor.
    SeeVisitorIp,
    /// Ban a visitor's IP address, with or without expiry.
    BanIp,
    /// Transfer a conversation the operator is handling.
    TransferOwnConversation,
    /// Transfer a conversation another operator is handling.
    TransferAnyConversation,
    /// Log in to the desk and take conversations.
    TakeConversations,
    /// List the offline requests ("leave a request") of the site.
    ListOfflineRequests,
    /// See the site's queues: who waits, for how long, and which agent has which chat.
    SeeQueues,
}

/// An operator account of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Stable id; also the agent id at the desk.
    pub id: AgentId,
    /// The site the operator belongs to.
    pub site: SiteId,
    /// Login name, unique within the site.
    pub login: Login,
    /// Name shown to visitors.
    pub display_name: DisplayName,
    /// Role within the site.
    pub role: Role,
    /// Whether the operator may see (and therefore ban) visitor IPs.
    pub can_see_ip: bool,
    /// Argon2id hash of the password.
    pub password_hash: PasswordHash,
    /// How many conversations the operator handles at once (1..=20), wrap-ups included.
    #[serde(default = "default_capacity")]
    pub capacity: u8,
    /// Skills used to route conversations of resources that require them.
    #[serde(default)]
    pub skills: BTreeSet<Skill>,
}

fn default_capacity() -> u8 {
    3
}

impl Operator {
    /// Whether the operator may perform `action` on `site`.
    pub fn permits(&self, site: &SiteId, action: Action) -> Result<(), PermissionError> {
        if &self.site != site {
            return Err(PermissionError::WrongSite);
        }
        let admin = self.role == Role::Admin;
        let allowed = match action {
            Action::ManageOperators | Action::ManageResources => admin,
            Action::SeeVisitorIp | Action::BanIp => admin || self.can_see_ip,
            Action::TransferAnyConversation | Action::SeeQueues => {
                matches!(self.role, Role::Admin | Role::Supervisor)
            }
            Action::TransferOwnConversation
            | Action::TakeConversations
            | Action::ListOfflineRequests => true,
        };
        if allowed {
            Ok(())
        } else {
            Err(PermissionError::Denied(action))
        }
    }

    /// The desk profile used when the operator logs in as an agent.
    pub fn agent_profile(&self) -> Result<AgentProfile, OperatorError> {
        AgentProfile::new(
            self.id.clone(),
            self.display_name.clone(),
            self.capacity,
            self.skills.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::PasswordPolicy;

    fn operator(role: Role, can_see_ip: bool) -> Operator {
        Operator {
            id: AgentId::parse("op-1").unwrap(),
            site: SiteId::parse("acme").unwrap(),
            login: Login::parse("Ada").unwrap(),
            display_name: DisplayName::parse(" Ada L. ").unwrap(),
            role,
            can_see_ip,
            password_hash: PasswordPolicy::test_cheap().hash("abcd").unwrap(),
            capacity: 2,
            skills: BTreeSet::new(),
        }
    }

    const ALL: [Action; 9] = [
        Action::ManageOperators,
        Action::ManageResources,
        Action::SeeVisitorIp,
        Action::BanIp,
        Action::TransferOwnConversation,
        Action::TransferAnyConversation,
        Action::TakeConversations,
        Action::ListOfflineRequests,
        Action::SeeQueues,
    ];

    fn allowed(op: &Operator) -> Vec<Action> {
        let site = SiteId::parse("acme").unwrap();
        ALL.into_iter()
            .filter(|a| op.permits(&site, *a).is_ok())
            .collect()
    }

    #[test]
    fn only_an_admin_manages_operators() {
        assert_eq!(allowed(&operator(Role::Admin, false)), ALL.to_vec());
        assert!(!allowed(&operator(Role::Supervisor, true)).contains(&Action::ManageOperators));
        assert!(!allowed(&operator(Role::Agent, true)).contains(&Action::ManageOperators));
    }

    #[test]
    fn seeing_and_banning_ips_needs_the_ip_permission() {
        assert_eq!(
            allowed(&operator(Role::Agent, false)),
            vec![
                Action::TransferOwnConversation,
                Action::TakeConversations,
                Action::ListOfflineRequests
            ]
        );
        let agent = allowed(&operator(Role::Agent, true));
        assert!(agent.contains(&Action::SeeVisitorIp) && agent.contains(&Action::BanIp));
        assert!(!agent.contains(&Action::TransferAnyConversation));
    }

    #[test]
    fn a_supervisor_transfers_anyones_conversation_and_sees_the_queues() {
        let supervisor = allowed(&operator(Role::Supervisor, false));
        assert!(supervisor.contains(&Action::TransferAnyConversation));
        assert!(supervisor.contains(&Action::SeeQueues));
        assert!(!supervisor.contains(&Action::BanIp));
    }

    #[test]
    fn no_permission_crosses_sites() {
        let other = SiteId::parse("other").unwrap();
        assert_eq!(
            operator(Role::Admin, true).permits(&other, Action::TakeConversations),
            Err(PermissionError::WrongSite)
        );
    }

    #[test]
    fn logins_are_case_insensitive_and_display_names_trimmed() {
        let op = operator(Role::Agent, false);
        assert_eq!(op.login.as_str(), "ada");
        assert_eq!(op.display_name.as_str(), "Ada L.");
        assert!(Login::parse("a b").is_err());
        assert!(Login::parse("").is_err());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
    }

    #[test]
    fn operators_round_trip_through_json_with_defaults() {
        let op = operator(Role::Supervisor, true);
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["role"], "supervisor");
        let back: Operator = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, op);
        let mut minimal = json;
        minimal.as_object_mut().unwrap().remove("capacity");
        let back: Operator = serde_json::from_value(minimal).unwrap();
        assert_eq!(back.capacity, 3);
    }

    #[test]
    fn the_agent_profile_carries_capacity_and_name() {
        let profile = operator(Role::Agent, false).agent_profile().unwrap();
        assert_eq!(profile.capacity(), 2);
        assert_eq!(profile.display_name().as_str(), "Ada L.");
    }
}
