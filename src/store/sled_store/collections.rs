//! Sets with an exact member count kept beside them, and schedules (ordered sets of
//! deadlines) kept in two trees: by member for upserts, by deadline for range scans.

use sled::transaction::ConflictableTransactionError;

use super::backend::Backend;
use super::codec;
use super::writes::{TxResult, TxTrees};
use crate::store::{ScheduleWrite, StoreResult};

impl Backend {
    /// Adds (`present`) or removes a member and keeps the count in step, as a step of a
    /// transaction; true on a change.
    pub(super) fn membership_step(
        &self,
        tx: &TxTrees<'_>,
        set: &str,
        member: &str,
        present: bool,
    ) -> TxResult<bool> {
        let (members, lens) = (tx.set_members, tx.set_lens);
        let key = codec::composite(set, member.as_bytes());
        if members.get(&key)?.is_some() == present {
            return Ok(false);
        }
        let count = match lens.get(set.as_bytes())? {
            None => 0,
            Some(bytes) => codec::decode_u64(&bytes, "set length").map_err(|reason| {
                ConflictableTransactionError::Abort(self.corrupt("set_lens", reason))
            })?,
        };
        if present {
            members.insert(key.as_slice(), &[])?;
            lens.insert(set.as_bytes(), &count.saturating_add(1).to_be_bytes())?;
        } else {
            members.remove(key.as_slice())?;
            match count.saturating_sub(1) {
                0 => lens.remove(set.as_bytes())?,
                left => lens.insert(set.as_bytes(), &left.to_be_bytes())?,
            };
        }
        Ok(true)
    }

    pub(super) fn member_count(&self, set: &str) -> StoreResult<u64> {
        match self
            .trees
            .set_lens
            .get(set.as_bytes())
            .map_err(|error| self.sled_error(error))?
        {
            None => Ok(0),
            Some(bytes) => codec::decode_u64(&bytes, "set length")
                .map_err(|reason| self.corrupt("set_lens", reason)),
        }
    }

    pub(super) fn members_of(&self, set: &str) -> StoreResult<Vec<String>> {
        let prefix = codec::name_prefix(set);
        self.trees
            .set_members
            .scan_prefix(&prefix)
            .keys()
            .map(|key| {
                let key = key.map_err(|error| self.sled_error(error))?;
                codec::suffix_str(&key, prefix.len(), "set member")
                    .map_err(|reason| self.corrupt("set_members", reason))
            })
            .collect()
    }

    /// Sets the deadline of `member` (insert or move), as a step of a transaction.
    pub(super) fn schedule_step(
        &self,
        tx: &TxTrees<'_>,
        schedule: &str,
        member: &str,
        due_ms: i64,
    ) -> TxResult<()> {
        let (by_member, by_due) = (tx.schedule_by_member, tx.schedule_by_due);
        let member_key = codec::composite(schedule, member.as_bytes());
        let due_key = |due: i64| {
            let mut rest = codec::sortable(due).to_vec();
            rest.extend_from_slice(member.as_bytes());
            codec::composite(schedule, &rest)
        };
        if let Some(old) = by_member.get(&member_key)? {
            let old_due = self.decode_due(&old)?;
            by_due.remove(due_key(old_due))?;
        }
        by_member.insert(member_key.as_slice(), &codec::sortable(due_ms))?;
        by_due.insert(due_key(due_ms), &[])?;
        Ok(())
    }

    /// Sets or clears one deadline ([`ScheduleWrite`]), as a step of a transaction.
    pub(super) fn schedule_change_step(
        &self,
        tx: &TxTrees<'_>,
        change: &ScheduleWrite,
    ) -> TxResult<()> {
        match change.due_ms {
            Some(due_ms) => self.schedule_step(tx, &change.schedule, &change.member, due_ms),
            None => self
                .unschedule_step(tx, &change.schedule, &change.member)
                .map(|_| ()),
        }
    }

    /// Removes `member` from a schedule, as a step of a transaction; true when it was there.
    pub(super) fn unschedule_step(
        &self,
        tx: &TxTrees<'_>,
        schedule: &str,
        member: &str,
    ) -> TxResult<bool> {
        let (by_member, by_due) = (tx.schedule_by_member, tx.schedule_by_due);
        let member_key = codec::composite(schedule, member.as_bytes());
        let Some(old) = by_member.remove(member_key.as_slice())? else {
            return Ok(false);
        };
        let mut rest = codec::sortable(self.decode_due(&old)?).to_vec();
        rest.extend_from_slice(member.as_bytes());
        by_due.remove(codec::composite(schedule, &rest))?;
        Ok(true)
    }

    /// The deadline of `member`, if scheduled, read as a step of a transaction.
    pub(super) fn deadline_step(
        &self,
        tx: &TxTrees<'_>,
        schedule: &str,
        member: &str,
    ) -> TxResult<Option<i64>> {
        let member_key = codec::composite(schedule, member.as_bytes());
        tx.schedule_by_member
            .get(member_key.as_slice())?
            .map(|due| self.decode_due(&due))
            .transpose()
    }

    fn decode_due(&self, bytes: &[u8]) -> TxResult<i64> {
        codec::decode_u64(bytes, "deadline")
            .map(|raw| codec::from_sortable(raw.to_be_bytes()))
            .map_err(|reason| {
                ConflictableTransactionError::Abort(self.corrupt("schedule_by_member", reason))
            })
    }

    pub(super) fn deadlines_up_to(
        &self,
        schedule: &str,
        up_to_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        let prefix = codec::name_prefix(schedule);
        let mut due = Vec::new();
        for key in self.trees.schedule_by_due.scan_prefix(&prefix).keys() {
            if due.len() >= limit {
                break;
            }
            let key = key.map_err(|error| self.sled_error(error))?;
            let entry = key
                .get(prefix.len()..)
                .ok_or_else(|| "deadline key shorter than its prefix".to_owned())
                .and_then(|rest| {
                    let at = codec::from_sortable(codec::eight(rest, "deadline")?);
                    let member = codec::suffix_str(rest, 8, "scheduled member")?;
                    Ok((member, at))
                })
                .map_err(|reason| self.corrupt("schedule_by_due", reason))?;
            if entry.1 > up_to_ms {
                break;
            }
            due.push(entry);
        }
        Ok(due)
    }
}
