//! Operator accounts in the store: `operator:{site}:{login}` holds the JSON of a
//! [`Operator`] (with its Argon2id hash), the set `operators:{site}` lists the logins, and
//! `agent-site:{id}` names the site of an operator id (ids are unique across sites), so that
//! the site of an agent named by id is one read ([`site_of_agent`]).
//! Hashing and verifying run on the blocking pool: Argon2id is deliberately slow.
//! [`stand_in_hash`] gives logins that name nobody a hash of the same cost to check.

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use staffetta_handoff::AgentId;
use staffetta_handoff::operator::{Login, Operator};
use staffetta_handoff::password::{PasswordError, PasswordHash, PasswordPolicy};

use crate::store::{CasOutcome, RecordWrite, Store, StoreError};

/// Why an operator operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OperatorStoreError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored operator is not valid JSON (written by an incompatible version).
    #[error("stored operator `{0}` is unreadable: {1}")]
    Corrupt(String, serde_json::Error),
    /// An operator with this login exists already.
    #[error("the login is taken")]
    Exists,
    /// No operator with this login.
    #[error("no such operator")]
    NotFound,
    /// The password breaks the policy or hashing failed.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The blocking hash task did not finish.
    #[error("password hashing was interrupted")]
    Interrupted,
}

fn key(site: &str, login: &Login) -> String {
    format!("operator:{site}:{}", login.as_str())
}

fn set(site: &str) -> String {
    format!("operators:{site}")
}

fn site_key(agent: &AgentId) -> String {
    format!("agent-site:{}", agent.as_str())
}

/// The site of the operator with id `agent`, if it is recorded (operators created by
/// builds before the record get it when their console next connects: [`remember_site`]).
pub async fn site_of_agent(
    store: &dyn Store,
    agent: &AgentId,
) -> Result<Option<String>, OperatorStoreError> {
    let Some(record) = store.get(&site_key(agent)).await? else {
        return Ok(None);
    };
    Ok(String::from_utf8(record.value.to_vec()).ok())
}

/// Records the site of `operator`'s id unless it is recorded already (one read when it is).
pub async fn remember_site(store: &dyn Store, operator: &Operator) -> Result<(), StoreError> {
    if store.get(&site_key(&operator.id)).await?.is_some() {
        return Ok(());
    }
    write_site(store, operator).await
}

async fn write_site(store: &dyn Store, operator: &Operator) -> Result<(), StoreError> {
    let write = RecordWrite {
        key: site_key(&operator.id),
        expected_version: None,
        value: Bytes::copy_from_slice(operator.site.as_str().as_bytes()),
        ttl: None,
    };
    // A conflict is a record written meanwhile: ids are unique, so it names the same site.
    store.put(write).await.map(|_| ())
}

/// Hashes a new password on the blocking pool.
pub async fn hash_password(
    policy: PasswordPolicy,
    password: String,
) -> Result<PasswordHash, OperatorStoreError> {
    tokio::task::spawn_blocking(move || policy.hash(&password))
        .await
        .map_err(|_| OperatorStoreError::Interrupted)?
        .map_err(OperatorStoreError::from)
}

/// A hash made with `policy` of a random password nobody knows, made once per policy and
/// kept: a login for an unknown site or login is checked against it, so it costs what a
/// wrong password for a real operator costs.
pub async fn stand_in_hash(policy: PasswordPolicy) -> Result<PasswordHash, OperatorStoreError> {
    static MADE: Mutex<Vec<(PasswordPolicy, PasswordHash)>> = Mutex::new(Vec::new());
    let cached = |made: &[(PasswordPolicy, PasswordHash)]| {
        made.iter()
            .find(|(p, _)| *p == policy)
            .map(|(_, hash)| hash.clone())
    };
    if let Some(hash) = cached(&MADE.lock().unwrap_or_else(PoisonError::into_inner)) {
        return Ok(hash);
    }
    let unguessable = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let hash = hash_password(policy, unguessable).await?;
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    // Two first logins at once: keep one hash.
    Ok(cached(&made).unwrap_or_else(|| {
        made.push((policy, hash.clone()));
        hash
    }))
}

/// Whether `password` matches `hash`, checked on the blocking pool.
pub async fn password_matches(password: String, hash: PasswordHash) -> bool {
    tokio::task::spawn_blocking(move || PasswordPolicy::verify(&password, &hash).is_ok())
        .await
        .unwrap_or(false)
}

/// The operator with this login, and the record version.
pub async fn get(
    store: &dyn Store,
    site: &str,
    login: &Login,
) -> Result<Option<(Operator, u64)>, OperatorStoreError> {
    let key = key(site, login);
    let Some(record) = store.get(&key).await? else {
        return Ok(None);
    };
    let operator = serde_json::from_slice(&record.value)
        .map_err(|e| OperatorStoreError::Corrupt(key.clone(), e))?;
    Ok(Some((operator, record.version)))
}

/// Stores a new operator; fails with [`OperatorStoreError::Exists`] if the login is taken.
pub async fn create(store: &dyn Store, operator: &Operator) -> Result<(), OperatorStoreError> {
    let site = operator.site.as_str();
    let write = RecordWrite {
        key: key(site, &operator.login),
        expected_version: None,
        value: encode(operator),
        ttl: None,
    };
    match store.put(write).await? {
        CasOutcome::Written { .. } => {
            store.set_add(&set(site), operator.login.as_str()).await?;
            write_site(store, operator).await?;
            Ok(())
        }
        CasOutcome::Conflict { .. } => Err(OperatorStoreError::Exists),
    }
}

/// Replaces an operator's password hash.
pub async fn set_password(
    store: &dyn Store,
    site: &str,
    login: &Login,
    hash: PasswordHash,
) -> Result<(), OperatorStoreError> {
    loop {
        let (mut operator, version) = get(store, site, login)
            .await?
            .ok_or(OperatorStoreError::NotFound)?;
        operator.password_hash = hash.clone();
        let write = RecordWrite {
            key: key(site, login),
            expected_version: Some(version),
            value: encode(&operator),
            ttl: None,
        };
        if let CasOutcome::Written { .. } = store.put(write).await? {
            return Ok(());
        }
    }
}

/// Removes an operator.
pub async fn remove(
    store: &dyn Store,
    site: &str,
    login: &Login,
) -> Result<(), OperatorStoreError> {
    if let Some((operator, _)) = get(store, site, login).await? {
        store.delete(&site_key(&operator.id), None).await?;
    }
    let existed = store.delete(&key(site, login), None).await?;
    store.set_remove(&set(site), login.as_str()).await?;
    if existed {
        Ok(())
    } else {
        Err(OperatorStoreError::NotFound)
    }
}

/// Every operator of a site, by login.
pub async fn list(store: &dyn Store, site: &str) -> Result<Vec<Operator>, OperatorStoreError> {
    let mut logins = store.set_members(&set(site)).await?;
    logins.sort();
    let mut operators = Vec::with_capacity(logins.len());
    for login in logins {
        let Ok(login) = Login::parse(&login) else {
            continue;
        };
        if let Some((operator, _)) = get(store, site, &login).await? {
            operators.push(operator);
        }
    }
    Ok(operators)
}

fn encode(operator: &Operator) -> Bytes {
    Bytes::from(serde_json::to_vec(operator).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `$argon2id$v=19$m=...,t=...,p=...`: everything that decides a check's cost.
    fn cost(hash: &PasswordHash) -> String {
        hash.as_phc()
            .split('$')
            .take(4)
            .collect::<Vec<_>>()
            .join("$")
    }

    #[tokio::test]
    async fn logins_naming_nobody_are_checked_against_a_hash_of_the_same_cost() {
        for policy in [PasswordPolicy::test_cheap(), PasswordPolicy::recommended()] {
            let stand_in = stand_in_hash(policy).await.unwrap();
            let real = hash_password(policy, "a real password".to_owned())
                .await
                .unwrap();
            assert_eq!(cost(&stand_in), cost(&real));
            assert_eq!(stand_in_hash(policy).await.unwrap(), stand_in, "made once");
            assert!(!password_matches("a real password".to_owned(), stand_in).await);
        }
    }
}
