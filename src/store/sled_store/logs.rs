//! Append-only logs: one transaction step assigns the next seqs, remembers the client message
//! id, checks the optional version guard (read only), compare-and-sets the optional record,
//! appends the optional side entries to their own logs and moves the optional deadline, so a
//! crash leaves all of it or none of it. A trim is a step too: it removes the entries up to a
//! seq and records how far the log was trimmed next to its head (`codec::LogHead`), so later
//! appends keep numbering from the head and the removal never needs a range scan inside the
//! transaction. A delete removes all of a log (entries, head, client ids) in one step; an
//! overwrite replaces one kept entry's body in place.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::backend::Backend;
use super::codec;
use super::records::{RecordCas, check_guard};
use super::writes::{TxResult, TxTrees};
use crate::store::{AppendBatch, AppendOutcome, LogEntry, SideAppend, StoreResult};

impl Backend {
    /// One append (entries, dedupe, optional version guard, optional record compare-and-set,
    /// side entries, optional deadline), as a step of a transaction. The client id is
    /// checked first, so a retry of a stored append is a duplicate whatever the guard and the
    /// record hold now.
    pub(super) fn append_step(
        &self,
        tx: &TxTrees<'_>,
        log: &str,
        batch: &AppendBatch,
        now_ms: i64,
    ) -> TxResult<AppendOutcome> {
        let (logs, heads, dedupe, records, expiry) =
            (tx.logs, tx.log_heads, tx.dedupe, tx.records, tx.expiry);
        let dedupe_key = batch
            .client_message_id
            .as_deref()
            .map(|id| codec::composite(log, id.as_bytes()));
        let stand = self.log_stand(heads, log)?;
        if let Some(key) = &dedupe_key
            && let Some(seen) = dedupe.get(key)?
        {
            return self.replay(logs, log, stand.trimmed, batch, &seen);
        }
        if let Some(guard) = &batch.guard
            && let Err(current) = check_guard(self, records, guard, now_ms)?
        {
            return Ok(AppendOutcome::GuardConflict { current });
        }
        let cas = batch.record.as_ref().map(|write| RecordCas {
            store: self,
            write,
            now_ms,
        });
        let previous = match &cas {
            None => None,
            Some(cas) => match cas.check(records)? {
                Ok(previous) => Some(previous),
                Err(current) => return Ok(AppendOutcome::RecordConflict { current }),
            },
        };
        let head = stand.head;
        let count = u64::try_from(batch.entries.len()).unwrap_or(u64::MAX);
        let first_seq = head.saturating_add(1);
        let last_seq = head.saturating_add(count);
        for (seq, body) in (first_seq..=last_seq).zip(&batch.entries) {
            logs.insert(codec::composite(log, &seq.to_be_bytes()), body.as_ref())?;
        }
        let moved = codec::LogHead {
            head: last_seq,
            ..stand
        };
        heads.insert(log.as_bytes(), moved.encode())?;
        for side in &batch.also {
            self.side_append_step(logs, heads, side)?;
        }
        if let Some(key) = dedupe_key {
            let seen = codec::Seen {
                first_seq,
                last_seq,
                fingerprint: batch.fingerprint.as_ref().map(|f| f.to_vec()),
            };
            dedupe.insert(key, seen.encode())?;
        }
        let record_version = match (&cas, previous) {
            (Some(cas), Some(previous)) => Some(cas.write(records, expiry, previous.as_ref())?),
            _ => None,
        };
        if let Some(change) = &batch.schedule {
            self.schedule_change_step(tx, change)?;
        }
        Ok(AppendOutcome::Appended {
            first_seq,
            last_seq,
            record_version,
        })
    }

    /// The entries of a side append after the head of their log, as part of the step that
    /// appends the batch they came with (a side log trimmed before keeps its numbering: its
    /// head is read from `log_heads`, which a trim never lowers).
    fn side_append_step(
        &self,
        logs: &TransactionalTree,
        heads: &TransactionalTree,
        side: &SideAppend,
    ) -> TxResult<()> {
        let stand = self.log_stand(heads, &side.log)?;
        let mut seq = stand.head;
        for body in &side.entries {
            seq = seq.saturating_add(1);
            logs.insert(
                codec::composite(&side.log, &seq.to_be_bytes()),
                body.as_ref(),
            )?;
        }
        let moved = codec::LogHead { head: seq, ..stand };
        heads.insert(side.log.as_bytes(), moved.encode())?;
        Ok(())
    }

    /// One trim, as a step of a transaction: removes the entries after the previous trim up
    /// to `through_seq` (at most the head) and returns how many it removed.
    pub(super) fn trim_step(&self, tx: &TxTrees<'_>, log: &str, through_seq: u64) -> TxResult<u64> {
        let stand = self.log_stand(tx.log_heads, log)?;
        let through = through_seq.min(stand.head);
        if through <= stand.trimmed {
            return Ok(0);
        }
        for seq in stand.trimmed + 1..=through {
            tx.logs.remove(codec::composite(log, &seq.to_be_bytes()))?;
        }
        let trimmed = codec::LogHead {
            trimmed: through,
            ..stand
        };
        tx.log_heads.insert(log.as_bytes(), trimmed.encode())?;
        Ok(through - stand.trimmed)
    }

    /// One overwrite, as a step of a transaction: the kept entry at `seq` gets `body`; false,
    /// writing nothing, when `seq` is not kept (trimmed, past the head, an unknown log).
    pub(super) fn overwrite_step(
        &self,
        tx: &TxTrees<'_>,
        log: &str,
        seq: u64,
        body: &[u8],
    ) -> TxResult<bool> {
        let stand = self.log_stand(tx.log_heads, log)?;
        if seq <= stand.trimmed || seq > stand.head {
            return Ok(false);
        }
        let key = codec::composite(log, &seq.to_be_bytes());
        if tx.logs.get(&key)?.is_none() {
            return Ok(false);
        }
        tx.logs.insert(key, body)?;
        Ok(true)
    }

    /// What a delete needs to know before its step: the log's head as stored and the keys
    /// of its client ids (a transaction cannot scan, so they are read first, on the
    /// caller's thread). The head is read before the scan, so an append committed after the
    /// scan shows as a changed head in [`Backend::delete_log_step`].
    pub(super) fn snapshot_for_delete(&self, log: &str) -> StoreResult<LogSnapshot> {
        let head = self
            .trees
            .log_heads
            .get(log.as_bytes())
            .map_err(|error| self.sled_error(error))?;
        let ids = self
            .trees
            .dedupe
            .scan_prefix(codec::name_prefix(log))
            .keys()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| self.sled_error(error))?;
        Ok(LogSnapshot { head, ids })
    }

    /// One log delete, as a step of a transaction: removes the kept entries, the head (with
    /// the trim base) and the client ids of `seen`; `Some(true)` when any of them existed.
    /// `None`, writing nothing, when the head is not the one `seen` read: something was
    /// appended (with client ids `seen` lacks), trimmed or deleted since, committed or by
    /// an earlier step of this group. The caller takes a new snapshot and tries again.
    pub(super) fn delete_log_step(
        &self,
        tx: &TxTrees<'_>,
        log: &str,
        seen: &LogSnapshot,
    ) -> TxResult<Option<bool>> {
        if tx.log_heads.get(log.as_bytes())? != seen.head {
            return Ok(None);
        }
        let stand = self.log_stand(tx.log_heads, log)?;
        for seq in stand.trimmed + 1..=stand.head {
            tx.logs.remove(codec::composite(log, &seq.to_be_bytes()))?;
        }
        let had_head = tx.log_heads.remove(log.as_bytes())?.is_some();
        for key in &seen.ids {
            tx.dedupe.remove(key)?;
        }
        Ok(Some(had_head || !seen.ids.is_empty()))
    }

    /// Where `log` stands inside a transaction (an unknown log: head 0, nothing trimmed).
    fn log_stand(&self, heads: &TransactionalTree, log: &str) -> TxResult<codec::LogHead> {
        match heads.get(log.as_bytes())? {
            None => Ok(codec::LogHead::default()),
            Some(bytes) => codec::LogHead::decode(&bytes).map_err(|reason| {
                ConflictableTransactionError::Abort(self.corrupt("log_heads", reason))
            }),
        }
    }

    /// The outcome for a client message id seen before: the original seqs when the
    /// fingerprints (or, without them, the entries) are byte-for-byte the same, otherwise a
    /// conflict. Entries at or below `trimmed` are gone and cannot be compared: the number
    /// of entries and the ones still kept decide.
    fn replay(
        &self,
        logs: &TransactionalTree,
        log: &str,
        trimmed: u64,
        batch: &AppendBatch,
        seen: &[u8],
    ) -> TxResult<AppendOutcome> {
        let seen = codec::Seen::decode(seen).map_err(|reason| {
            ConflictableTransactionError::Abort(self.corrupt("dedupe", reason))
        })?;
        let duplicate = AppendOutcome::Duplicate {
            first_seq: seen.first_seq,
            last_seq: seen.last_seq,
        };
        match (&seen.fingerprint, &batch.fingerprint) {
            (Some(original), Some(retry)) if original.as_slice() == retry.as_ref() => {
                return Ok(duplicate);
            }
            (None, None) => {}
            _ => return Ok(AppendOutcome::IdConflict),
        }
        let original_len = seen.last_seq - seen.first_seq + 1;
        if u64::try_from(batch.entries.len()).ok() != Some(original_len) {
            return Ok(AppendOutcome::IdConflict);
        }
        let kept = (seen.first_seq..=seen.last_seq)
            .zip(&batch.entries)
            .filter(|(seq, _)| *seq > trimmed);
        for (seq, body) in kept {
            let stored = logs.get(codec::composite(log, &seq.to_be_bytes()))?;
            if stored.as_deref() != Some(body.as_ref()) {
                return Ok(AppendOutcome::IdConflict);
            }
        }
        Ok(duplicate)
    }

    pub(super) fn read_entries(
        &self,
        log: &str,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<Vec<LogEntry>> {
        let Some(first) = after_seq.checked_add(1) else {
            return Ok(Vec::new());
        };
        let prefix_len = codec::name_prefix(log).len();
        let start = codec::composite(log, &first.to_be_bytes());
        let end = codec::composite(log, &u64::MAX.to_be_bytes());
        self.trees
            .logs
            .range(start..=end)
            .take(limit)
            .map(|item| {
                let (key, body) = item.map_err(|error| self.sled_error(error))?;
                let seq = key
                    .get(prefix_len..)
                    .ok_or_else(|| "log key shorter than its prefix".to_owned())
                    .and_then(|tail| codec::decode_u64(tail, "log seq"))
                    .map_err(|reason| self.corrupt("logs", reason))?;
                Ok(LogEntry {
                    seq,
                    body: body.to_vec().into(),
                })
            })
            .collect()
    }

    pub(super) fn head_of(&self, log: &str) -> StoreResult<u64> {
        match self
            .trees
            .log_heads
            .get(log.as_bytes())
            .map_err(|error| self.sled_error(error))?
        {
            None => Ok(0),
            Some(bytes) => codec::LogHead::decode(&bytes)
                .map(|stand| stand.head)
                .map_err(|reason| self.corrupt("log_heads", reason)),
        }
    }
}

/// A log as a delete saw it before its step ([`Backend::snapshot_for_delete`]).
pub(super) struct LogSnapshot {
    head: Option<sled::IVec>,
    ids: Vec<sled::IVec>,
}
