//! The logins of a site's operators by operator id: a contact centre names its agents by
//! login in its commands, and every delivery names the agent the same way (`agent`, with
//! the id beside it as `agent_id`).
//!
//! An operator's login never changes (it is the key of the operator's record) and ids are
//! drawn fresh for every operator, so a login once known stays true for that id. Logins are
//! remembered when a command names its agent ([`Logins::remember`]) and stored with the
//! items stored after; an entry without one (stored before, or for an operator whose
//! commands never came through the connector, such as a console agent's events) is looked
//! up in the store when it is sent ([`Logins::lookup`]). An id no operator has (the
//! operator was deleted) is remembered as such: the delivery names that agent by id.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use staffetta_handoff::AgentId;

use crate::store::Store;

/// Most ids remembered; past it the memory starts again (lookups fill it back).
const MAX_REMEMBERED: usize = 10_000;

/// The logins of one site's operators, by id.
#[derive(Debug)]
pub(crate) struct Logins {
    site: String,
    by_id: Mutex<HashMap<AgentId, Option<String>>>,
}

impl Logins {
    pub(crate) fn new(site: &str) -> Self {
        Self {
            site: site.to_owned(),
            by_id: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<AgentId, Option<String>>> {
        // Every critical section leaves the map consistent, even if it panicked.
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(map: &mut HashMap<AgentId, Option<String>>, id: AgentId, login: Option<String>) {
        if map.len() >= MAX_REMEMBERED && !map.contains_key(&id) {
            map.clear();
        }
        map.insert(id, login);
    }

    /// Remembers that `id` logs in as `login`.
    pub(crate) fn remember(&self, id: &AgentId, login: &str) {
        Self::insert(&mut self.map(), id.clone(), Some(login.to_owned()));
    }

    /// The login of `id`, if already known (no store read).
    pub(crate) fn known(&self, id: &AgentId) -> Option<String> {
        self.map().get(id).cloned().flatten()
    }

    /// The login of `id`, read from the site's operators when not known yet; `None` when no
    /// operator of the site has this id. Errs when the store cannot be read.
    pub(crate) async fn lookup(
        &self,
        store: &std::sync::Arc<dyn Store>,
        id: &AgentId,
    ) -> Result<Option<String>, String> {
        if let Some(known) = self.map().get(id) {
            return Ok(known.clone());
        }
        let operators = crate::agent::operators::list(store.as_ref(), &self.site)
            .await
            .map_err(|err| err.to_string())?;
        let mut map = self.map();
        let mut found = None;
        for operator in operators {
            let login = operator.login.as_str().to_owned();
            if &operator.id == id {
                found = Some(login.clone());
            }
            Self::insert(&mut map, operator.id, Some(login));
        }
        Self::insert(&mut map, id.clone(), found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn a_login_is_remembered_looked_up_once_and_a_missing_operator_is_named_by_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            crate::store::SledStore::open(&dir.path().join("store"), crate::store::Clock::system())
                .await
                .unwrap(),
        );
        let logins = Logins::new("demo");
        let ada = AgentId::parse("op-ada").unwrap();
        assert_eq!(logins.known(&ada), None);
        assert_eq!(logins.lookup(&store, &ada).await, Ok(None));
        logins.remember(&ada, "ada");
        assert_eq!(logins.known(&ada).as_deref(), Some("ada"));
        assert_eq!(
            logins.lookup(&store, &ada).await.unwrap().as_deref(),
            Some("ada")
        );
    }
}
