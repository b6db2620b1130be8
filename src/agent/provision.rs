//! Creating operators (admin API, CLI, demo install): validation, id, hashing; and the demo
//! operators a fresh install gets.

use serde::Deserialize;
use staffetta_handoff::operator::{DisplayName, Login, Operator, Role};
use staffetta_handoff::password::PasswordPolicy;
use staffetta_handoff::{AgentId, SiteId, Skill};

use super::operators::{self, OperatorStoreError};
use crate::store::Store;

/// What an admin sends to create an operator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOperator {
    /// Login, unique within the site.
    pub login: String,
    /// Initial password.
    pub password: String,
    /// Name shown to visitors; the login when absent.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Role; `agent` when absent.
    #[serde(default = "default_role")]
    pub role: Role,
    /// Whether the operator sees (and may ban) visitor IPs.
    #[serde(default)]
    pub can_see_ip: bool,
    /// Concurrent conversations (1..=20); 3 when absent.
    #[serde(default)]
    pub capacity: Option<u8>,
    /// Routing skills.
    #[serde(default)]
    pub skills: Vec<String>,
}

fn default_role() -> Role {
    Role::Agent
}

/// Why an operator could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// A field is invalid; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// Storing or hashing failed, or the login is taken.
    #[error(transparent)]
    Store(#[from] OperatorStoreError),
}

/// Validates, hashes and stores a new operator of `site`.
pub async fn create_operator(
    store: &dyn Store,
    policy: PasswordPolicy,
    site: &str,
    new: NewOperator,
) -> Result<Operator, ProvisionError> {
    let invalid = |m: String| ProvisionError::Invalid(m);
    let site_id = SiteId::parse(site).map_err(|e| invalid(e.to_string()))?;
    let login = Login::parse(&new.login).map_err(|e| invalid(e.to_string()))?;
    let display_name = DisplayName::parse(new.display_name.as_deref().unwrap_or(&new.login))
        .map_err(|e| invalid(e.to_string()))?;
    let capacity = new.capacity.unwrap_or(3);
    if !(1..=20).contains(&capacity) {
        return Err(invalid("capacity must be 1-20".into()));
    }
    let skills = new
        .skills
        .iter()
        .map(|s| Skill::parse(s).map_err(|e| invalid(e.to_string())))
        .collect::<Result<_, _>>()?;
    policy
        .check(&new.password)
        .map_err(|e| invalid(e.to_string()))?;
    let id = AgentId::parse(&format!("op-{}", uuid::Uuid::new_v4().simple()))
        .map_err(|e| invalid(e.to_string()))?;
    let password_hash = operators::hash_password(policy, new.password).await?;
    let operator = Operator {
        id,
        site: site_id,
        login,
        display_name,
        role: new.role,
        can_see_ip: new.can_see_ip,
        password_hash,
        capacity,
        skills,
    };
    operators::create(store, &operator).await?;
    Ok(operator)
}

/// A random password of 24 hex digits (96 random bits from the OS source via UUID v4;
/// the fixed version and variant digits are left out).
pub fn random_password() -> String {
    let raw = uuid::Uuid::new_v4().simple().to_string();
    raw.char_indices()
        .filter(|(i, _)| *i != 12 && *i != 16)
        .map(|(_, c)| c)
        .take(24)
        .collect()
}

/// Credentials of a demo operator created at start, to print once.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    /// The login.
    pub login: String,
    /// The password, shown once and never logged.
    pub password: String,
}

/// On a site named `demo` with no operators, creates `demo-admin` and `demo-agent` with
/// random passwords and returns them; otherwise returns nothing.
pub async fn seed_demo_operators(
    store: &dyn Store,
    policy: PasswordPolicy,
    site: &str,
) -> Result<Vec<DemoCredentials>, ProvisionError> {
    if !operators::list(store, site).await?.is_empty() {
        return Ok(Vec::new());
    }
    let mut created = Vec::new();
    for (login, role, name) in [
        ("demo-admin", Role::Admin, "Demo Admin"),
        ("demo-agent", Role::Agent, "Demo Agent"),
    ] {
        let password = random_password();
        let new = NewOperator {
            login: login.to_owned(),
            password: password.clone(),
            display_name: Some(name.to_owned()),
            role,
            can_see_ip: role == Role::Admin,
            capacity: None,
            skills: Vec::new(),
        };
        match create_operator(store, policy, site, new).await {
            Ok(_) => created.push(DemoCredentials {
                login: login.to_owned(),
                password,
            }),
            // Another node seeded it at the same moment: its output printed the password.
            Err(ProvisionError::Store(OperatorStoreError::Exists)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(created)
}
