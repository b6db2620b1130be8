//! Versioned records with compare-and-set, version guards and expiry, fixed-window
//! counters, and the sweep that removes expired ones from disk.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::backend::Backend;
use super::codec::{self, ExpiryKind, StoredRecord};
use super::writes::{TxResult, TxTrees};
use crate::store::{CasOutcome, RecordWrite, StoreError, StoreResult, VersionGuard, Versioned};

/// Most expired names removed by one sweep; the rest wait for the next.
const SWEEP_BATCH: usize = 512;

fn abort<T>(error: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(error))
}

/// Compare-and-set of one record inside a transaction over `(records, expiry)`.
/// Shared by [`Backend::put_step`] and the append step.
pub(super) struct RecordCas<'a> {
    pub(super) store: &'a Backend,
    pub(super) write: &'a RecordWrite,
    pub(super) now_ms: i64,
}

impl RecordCas<'_> {
    /// The record as stored (expired or not); aborts on undecodable bytes.
    fn stored(&self, records: &TransactionalTree) -> TxResult<Option<StoredRecord>> {
        match records.get(self.write.key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => match StoredRecord::decode(&bytes) {
                Ok(record) => Ok(Some(record)),
                Err(reason) => abort(self.store.corrupt("records", reason)),
            },
        }
    }

    /// `Err(current)` when the expected version does not match what is live now.
    pub(super) fn check(
        &self,
        records: &TransactionalTree,
    ) -> TxResult<Result<Option<StoredRecord>, Option<Versioned>>> {
        let stored = self.stored(records)?;
        let live = stored.as_ref().filter(|record| record.is_live(self.now_ms));
        let matches = match (self.write.expected_version, live) {
            (None, None) => true,
            (Some(expected), Some(current)) => current.version == expected,
            _ => false,
        };
        if matches {
            Ok(Ok(stored))
        } else {
            Ok(Err(live.map(to_versioned)))
        }
    }

    /// Writes the new value over `previous` (as returned by [`Self::check`]); returns the new
    /// version.
    pub(super) fn write(
        &self,
        records: &TransactionalTree,
        expiry: &TransactionalTree,
        previous: Option<&StoredRecord>,
    ) -> TxResult<u64> {
        let key = &self.write.key;
        if let Some(at) = previous.and_then(|record| record.expires_at_ms) {
            expiry.remove(codec::expiry_key(at, ExpiryKind::Record, key))?;
        }
        let expires_at_ms = match self.write.ttl {
            None => None,
            Some(ttl) => match crate::store::ttl_ms(ttl) {
                Ok(ms) => Some(self.now_ms.saturating_add(ms)),
                Err(error) => return abort(error),
            },
        };
        let version = records.generate_id()?.saturating_add(1);
        let record = StoredRecord {
            version,
            expires_at_ms,
            value: self.write.value.to_vec(),
        };
        records.insert(key.as_bytes(), record.encode())?;
        if let Some(at) = expires_at_ms {
            expiry.insert(codec::expiry_key(at, ExpiryKind::Record, key), &[])?;
        }
        Ok(version)
    }
}

/// Checks a [`VersionGuard`] inside a transaction over `records`: `Err(current)`, the live
/// version now, when the record is not at the guarded version. Reads only.
pub(super) fn check_guard(
    store: &Backend,
    records: &TransactionalTree,
    guard: &VersionGuard,
    now_ms: i64,
) -> TxResult<Result<(), Option<u64>>> {
    let live = match records.get(guard.key.as_bytes())? {
        None => None,
        Some(bytes) => match StoredRecord::decode(&bytes) {
            Ok(record) => record.is_live(now_ms).then_some(record.version),
            Err(reason) => return abort(store.corrupt("records", reason)),
        },
    };
    if live == guard.version {
        Ok(Ok(()))
    } else {
        Ok(Err(live))
    }
}

fn to_versioned(record: &StoredRecord) -> Versioned {
    Versioned {
        version: record.version,
        value: record.value.clone().into(),
    }
}

impl Backend {
    pub(super) fn get_record(&self, key: &str) -> StoreResult<Option<Versioned>> {
        let Some(bytes) = self
            .trees
            .records
            .get(key.as_bytes())
            .map_err(|error| self.sled_error(error))?
        else {
            return Ok(None);
        };
        let record =
            StoredRecord::decode(&bytes).map_err(|reason| self.corrupt("records", reason))?;
        Ok(record.is_live(self.now_ms()).then(|| to_versioned(&record)))
    }

    /// Compare-and-set of one record, as a step of a transaction.
    pub(super) fn put_step(
        &self,
        tx: &TxTrees<'_>,
        write: &RecordWrite,
        now_ms: i64,
    ) -> TxResult<CasOutcome> {
        let cas = RecordCas {
            store: self,
            write,
            now_ms,
        };
        match cas.check(tx.records)? {
            Err(current) => Ok(CasOutcome::Conflict { current }),
            Ok(previous) => Ok(CasOutcome::Written {
                version: cas.write(tx.records, tx.expiry, previous.as_ref())?,
            }),
        }
    }

    /// Deletes a record (any, or only one at `expected`), as a step of a transaction; true
    /// when a live record was removed.
    pub(super) fn delete_step(
        &self,
        tx: &TxTrees<'_>,
        key: &str,
        expected: Option<u64>,
        now_ms: i64,
    ) -> TxResult<bool> {
        let Some(bytes) = tx.records.get(key.as_bytes())? else {
            return Ok(false);
        };
        let stored = match StoredRecord::decode(&bytes) {
            Ok(record) => record,
            Err(reason) => return abort(self.corrupt("records", reason)),
        };
        let live = stored.is_live(now_ms);
        if live && expected.is_some_and(|version| version != stored.version) {
            return Ok(false);
        }
        tx.records.remove(key.as_bytes())?;
        if let Some(at) = stored.expires_at_ms {
            tx.expiry
                .remove(codec::expiry_key(at, ExpiryKind::Record, key))?;
        }
        Ok(live)
    }

    /// Adds `by` to a fixed-window counter, as a step of a transaction.
    pub(super) fn increment_step(
        &self,
        tx: &TxTrees<'_>,
        counter: &str,
        by: i64,
        ttl_ms: i64,
        now: i64,
    ) -> TxResult<i64> {
        let stored = match tx.counters.get(counter.as_bytes())? {
            None => None,
            Some(bytes) => match codec::decode_counter(&bytes) {
                Ok(pair) => Some(pair),
                Err(reason) => return abort(self.corrupt("counters", reason)),
            },
        };
        let (value, expires_at) = match stored {
            Some((value, expires_at)) if expires_at > now => {
                let Some(sum) = value.checked_add(by) else {
                    return abort(StoreError::invalid(format!(
                        "counter {counter:?} would overflow ({value} + {by})"
                    )));
                };
                (sum, expires_at)
            }
            expired_or_absent => {
                if let Some((_, old_at)) = expired_or_absent {
                    tx.expiry
                        .remove(codec::expiry_key(old_at, ExpiryKind::Counter, counter))?;
                }
                let expires_at = now.saturating_add(ttl_ms);
                tx.expiry.insert(
                    codec::expiry_key(expires_at, ExpiryKind::Counter, counter),
                    &[],
                )?;
                (by, expires_at)
            }
        };
        tx.counters.insert(
            counter.as_bytes(),
            &codec::encode_counter(value, expires_at),
        )?;
        Ok(value)
    }

    /// Removes up to [`SWEEP_BATCH`] records and counters whose deadline is at or before
    /// `now_ms`. Each removal re-checks the deadline in a transaction, so a record rewritten
    /// meanwhile is kept.
    pub(super) fn sweep_expired(&self, now_ms: i64) -> StoreResult<()> {
        let upper = codec::sortable(now_ms.saturating_add(1));
        let expired: Vec<sled::IVec> = self
            .trees
            .expiry
            .range(..upper.as_slice())
            .keys()
            .take(SWEEP_BATCH)
            .collect::<Result<_, _>>()
            .map_err(|error| self.sled_error(error))?;
        for index_key in expired {
            let (at, kind, name) = codec::decode_expiry_key(&index_key)
                .map_err(|reason| self.corrupt("expiry", reason))?;
            let tree = match kind {
                ExpiryKind::Record => &self.trees.records,
                ExpiryKind::Counter => &self.trees.counters,
            };
            (tree, &self.trees.expiry)
                .transaction(|(data, expiry)| {
                    let still_expiring_then = match data.get(name.as_bytes())? {
                        None => false,
                        Some(bytes) => match kind {
                            ExpiryKind::Record => StoredRecord::decode(&bytes)
                                .is_ok_and(|record| record.expires_at_ms == Some(at)),
                            ExpiryKind::Counter => codec::decode_counter(&bytes)
                                .is_ok_and(|(_, expires_at)| expires_at == at),
                        },
                    };
                    if still_expiring_then {
                        data.remove(name.as_bytes())?;
                    }
                    expiry.remove(&index_key)?;
                    Ok(())
                })
                .map_err(|error: sled::transaction::TransactionError<StoreError>| {
                    self.transaction_error(error)
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;

    use crate::store::{ManualClock, RecordWrite, SledStore, Store};

    #[tokio::test]
    async fn sweep_removes_expired_records_and_counters_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let time = ManualClock::new(1_000_000);
        let store = SledStore::open(dir.path(), time.clock()).await.unwrap();
        let write = RecordWrite {
            key: "session:1".to_owned(),
            expected_version: None,
            value: Bytes::from_static(b"state"),
            ttl: Some(Duration::from_secs(5)),
        };
        store.put(write).await.unwrap();
        store
            .incr("login:bob", 1, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(store.backend.trees.expiry.len(), 2);

        time.advance(Duration::from_secs(120));
        store
            .incr("other", 1, Duration::from_secs(3600))
            .await
            .unwrap();

        assert!(
            !store
                .backend
                .trees
                .records
                .contains_key("session:1")
                .unwrap()
        );
        assert!(
            !store
                .backend
                .trees
                .counters
                .contains_key("login:bob")
                .unwrap()
        );
        assert_eq!(
            store.backend.trees.expiry.len(),
            1,
            "only the live counter stays indexed"
        );
    }

    #[tokio::test]
    async fn sweep_keeps_a_record_rewritten_without_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let time = ManualClock::new(1_000_000);
        let store = SledStore::open(dir.path(), time.clock()).await.unwrap();
        let mut write = RecordWrite {
            key: "k".to_owned(),
            expected_version: None,
            value: Bytes::from_static(b"a"),
            ttl: Some(Duration::from_secs(5)),
        };
        store.put(write.clone()).await.unwrap();
        time.advance(Duration::from_secs(120));
        write.ttl = None;
        store.put(write).await.unwrap();
        store.backend.sweep_expired(time.now_ms()).unwrap();
        assert!(store.get("k").await.unwrap().is_some());
        assert!(store.backend.trees.expiry.is_empty());
    }
}
