//! One [`Desk`] per site in the store under `desk:{site}`, updated by compare-and-set:
//! load, apply a transition, write with the expected version, retry on a conflict. Two
//! nodes (or two tasks) applying transitions at once never lose one, so two agents accepting
//! the same offer at once see exactly one winner.

use bytes::Bytes;
use staffetta_handoff::{Desk, DeskConfig, SiteId};

use crate::store::{CasOutcome, RecordWrite, Store, StoreError};

/// Why a desk update failed.
#[derive(Debug, thiserror::Error)]
pub enum DeskStoreError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored desk is not readable by this version.
    #[error("the stored desk of `{0}` is unreadable: {1}")]
    Corrupt(String, serde_json::Error),
    /// Too many concurrent writers in a row.
    #[error("the desk of `{0}` is too busy; try again")]
    Busy(String),
}

const MAX_ATTEMPTS: usize = 64;

fn key(site: &SiteId) -> String {
    format!("desk:{}", site.as_str())
}

/// The desk of `site` (a fresh one when none is stored), and its record version.
pub async fn load(
    store: &dyn Store,
    site: &SiteId,
    config: &DeskConfig,
) -> Result<(Desk, Option<u64>), DeskStoreError> {
    match store.get(&key(site)).await? {
        Some(record) => {
            let desk = serde_json::from_slice(&record.value)
                .map_err(|e| DeskStoreError::Corrupt(site.as_str().to_owned(), e))?;
            Ok((desk, Some(record.version)))
        }
        None => Ok((Desk::new(site.clone(), config.clone()), None)),
    }
}

/// Applies `transition` to the stored desk of `site` until the write wins the race.
/// `transition` may run several times (on fresh copies) and must not have side effects;
/// its result from the winning attempt is returned. An `Err` from it leaves the desk as is.
pub async fn update<T, E>(
    store: &dyn Store,
    site: &SiteId,
    config: &DeskConfig,
    mut transition: impl FnMut(&mut Desk) -> Result<T, E>,
) -> Result<Result<T, E>, DeskStoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let (mut desk, version) = load(store, site, config).await?;
        let output = match transition(&mut desk) {
            Ok(output) => output,
            Err(refused) => return Ok(Err(refused)),
        };
        let value = serde_json::to_vec(&desk)
            .map_err(|e| DeskStoreError::Corrupt(site.as_str().to_owned(), e))?;
        let write = RecordWrite {
            key: key(site),
            expected_version: version,
            value: Bytes::from(value),
            ttl: None,
        };
        if let CasOutcome::Written { .. } = store.put(write).await? {
            return Ok(Ok(output));
        }
    }
    Err(DeskStoreError::Busy(site.as_str().to_owned()))
}
