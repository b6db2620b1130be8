//! The Redis backend, for several stateless nodes sharing one Redis (run it with AOF).
//!
//! One Redis (or a primary with replicas), not Redis Cluster: a script touches keys that may
//! hash to different slots (an append's record, schedule and side logs).
//!
//! Every key starts with `stf:<kind>:` (`rec`, `log`, `tlog`, `logbase`, `dedupe`, `set`,
//! `ctr`, `sched`), so kinds never collide and other tenants of the same Redis are left alone. Steps
//! that touch several keys (compare-and-set, append with dedupe and record, trim, the
//! overwrite of one entry, the compare-and-set of a deadline, and the log reads that need the log's base) are Lua scripts, which Redis runs atomically; a reply
//! means the write was acknowledged.
//!
//! A log is a list plus `stf:logbase:<name>`, how many entries trims removed from the
//! list's head (absent: none): seq N is list index N - base - 1, so a trim never renumbers.
//! The list is `stf:log:<name>` until the first trim, which moves it to `stf:tlog:<name>` and
//! leaves a format marker string at `stf:log:<name>` (`log_format.lua`): a build that knows
//! no trims reads logs as the list at `stf:log:` and would renumber a trimmed one; the string
//! makes its commands fail with WRONGTYPE, a corrupt store to it, as the longer log head makes
//! such a build fail on sled. A marker this build does not know is [`StoreError::Corrupt`].
//!
//! Expiry is server-side (`PEXPIRE`), so this backend ignores the
//! [`Clock`](crate::store::Clock).

mod args;
mod connection;
mod reply;
mod scripts;

use std::time::Duration;

use bytes::Bytes;
use redis::Value;
use redis::aio::ConnectionManager;

use self::args::{key, redis_int, schedule_args, score_ms, ttl_arg, version_arg};
use self::scripts::Scripts;
use super::{
    AppendBatch, AppendOutcome, CasOutcome, LogEntry, RecordWrite, RedisUrl, ScheduleWrite, Store,
    StoreResult, Versioned,
};

/// Key of the counter every record version comes from.
const VERSION_KEY: &str = "stf:meta:version";

/// The Redis store. Cheap to share: commands are pipelined over one managed connection
/// that reconnects by itself.
pub struct RedisStore {
    connection: ConnectionManager,
    url: RedisUrl,
    scripts: Scripts,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Store for RedisStore {
    async fn get(&self, record: &str) -> StoreResult<Option<Versioned>> {
        let mut command = redis::cmd("HMGET");
        command.arg(key("rec", record)).arg("v").arg("d");
        let (version, value): (Option<u64>, Option<Vec<u8>>) = self.query(&command).await?;
        match (version, value) {
            (None, None) => Ok(None),
            (Some(version), Some(value)) => Ok(Some(Versioned {
                version,
                value: value.into(),
            })),
            _ => Err(self.bad_reply("HMGET", "a record without both version and data")),
        }
    }

    async fn put(&self, write: RecordWrite) -> StoreResult<CasOutcome> {
        let ttl = ttl_arg(write.ttl)?;
        let mut connection = self.connection.clone();
        let reply: Value = self
            .scripts
            .put
            .key(key("rec", &write.key))
            .key(VERSION_KEY)
            .arg(version_arg(write.expected_version))
            .arg(write.value.as_ref())
            .arg(ttl)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        reply::cas(reply).map_err(|reason| self.bad_reply("put", &reason))
    }

    async fn put_scheduled(
        &self,
        write: RecordWrite,
        schedule: ScheduleWrite,
    ) -> StoreResult<CasOutcome> {
        let ttl = ttl_arg(write.ttl)?;
        let mut connection = self.connection.clone();
        let mut invocation = self.scripts.put.prepare_invoke();
        invocation
            .key(key("rec", &write.key))
            .key(VERSION_KEY)
            .key(key("sched", &schedule.schedule))
            .arg(version_arg(write.expected_version))
            .arg(write.value.as_ref())
            .arg(ttl);
        schedule_args(&mut invocation, Some(&schedule));
        let reply: Value = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        reply::cas(reply).map_err(|reason| self.bad_reply("put", &reason))
    }

    async fn delete(&self, record: &str, expected_version: Option<u64>) -> StoreResult<bool> {
        let mut connection = self.connection.clone();
        let removed: i64 = self
            .scripts
            .delete
            .key(key("rec", record))
            .arg(version_arg(expected_version))
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        Ok(removed > 0)
    }

    async fn append(&self, log: &str, batch: AppendBatch) -> StoreResult<AppendOutcome> {
        super::check_batch(log, &batch)?;
        let mut invocation = self.scripts.append.prepare_invoke();
        invocation
            .key(key("log", log))
            .key(key("dedupe", log))
            .key(
                batch
                    .record
                    .as_ref()
                    .map_or_else(|| VERSION_KEY.to_owned(), |r| key("rec", &r.key)),
            )
            .key(VERSION_KEY)
            .key(
                batch
                    .schedule
                    .as_ref()
                    .map_or_else(|| VERSION_KEY.to_owned(), |s| key("sched", &s.schedule)),
            )
            .key(key("logbase", log))
            .key(key("tlog", log))
            .key(
                batch
                    .guard
                    .as_ref()
                    .map_or_else(|| VERSION_KEY.to_owned(), |g| key("rec", &g.key)),
            );
        for side in &batch.also {
            invocation
                .key(key("log", &side.log))
                .key(key("tlog", &side.log));
        }
        match &batch.client_message_id {
            Some(id) => invocation.arg("1").arg(id.as_str()),
            None => invocation.arg("0").arg(""),
        };
        match &batch.fingerprint {
            Some(fingerprint) => invocation.arg("1").arg(fingerprint.as_ref()),
            None => invocation.arg("0").arg(""),
        };
        match &batch.record {
            Some(record) => invocation
                .arg("1")
                .arg(version_arg(record.expected_version))
                .arg(record.value.as_ref())
                .arg(ttl_arg(record.ttl)?),
            None => invocation.arg("0").arg("").arg("").arg("0"),
        };
        schedule_args(&mut invocation, batch.schedule.as_ref());
        match &batch.guard {
            Some(guard) => invocation.arg("1").arg(version_arg(guard.version)),
            None => invocation.arg("0").arg(""),
        };
        if !batch.also.is_empty() {
            // Where the entries end and each side log's begin (see append.lua).
            invocation.arg(batch.entries.len());
            for side in &batch.also {
                invocation.arg(side.entries.len());
            }
        }
        for entry in &batch.entries {
            invocation.arg(entry.as_ref());
        }
        for entry in batch.also.iter().flat_map(|side| &side.entries) {
            invocation.arg(entry.as_ref());
        }
        let mut connection = self.connection.clone();
        let reply: Value = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        reply::append(reply, batch.record.is_some())
            .map_err(|reason| self.bad_reply("append", &reason))
    }

    async fn read_log(
        &self,
        log: &str,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<Vec<LogEntry>> {
        if limit == 0 || after_seq >= i64::MAX.cast_unsigned() {
            return Ok(Vec::new());
        }
        let mut connection = self.connection.clone();
        let (first_seq, bodies): (u64, Vec<Vec<u8>>) = self
            .scripts
            .read
            .key(key("log", log))
            .key(key("logbase", log))
            .key(key("tlog", log))
            .arg(redis_int(after_seq))
            .arg(redis_int(u64::try_from(limit).unwrap_or(u64::MAX)))
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        Ok((first_seq..)
            .zip(bodies)
            .map(|(seq, body)| LogEntry {
                seq,
                body: body.into(),
            })
            .collect())
    }

    async fn log_head(&self, log: &str) -> StoreResult<u64> {
        let mut connection = self.connection.clone();
        self.scripts
            .head
            .key(key("log", log))
            .key(key("logbase", log))
            .key(key("tlog", log))
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))
    }

    async fn trim_log(&self, log: &str, through_seq: u64) -> StoreResult<u64> {
        let mut connection = self.connection.clone();
        self.scripts
            .trim
            .key(key("log", log))
            .key(key("logbase", log))
            .key(key("tlog", log))
            .arg(through_seq.to_string())
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))
    }

    async fn overwrite_entry(&self, log: &str, seq: u64, body: Bytes) -> StoreResult<bool> {
        if seq == 0 || seq >= i64::MAX.cast_unsigned() {
            return Ok(false);
        }
        let mut connection = self.connection.clone();
        let replaced: i64 = self
            .scripts
            .overwrite
            .key(key("log", log))
            .key(key("logbase", log))
            .key(key("tlog", log))
            .arg(redis_int(seq))
            .arg(body.as_ref())
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        Ok(replaced == 1)
    }

    async fn delete_log(&self, log: &str) -> StoreResult<bool> {
        // One DEL of the log's keys is atomic: no node ever sees entries without their base,
        // or a client id of a deleted entry. A trimmed log's entries are at `tlog`.
        let mut command = redis::cmd("DEL");
        command
            .arg(key("log", log))
            .arg(key("tlog", log))
            .arg(key("dedupe", log))
            .arg(key("logbase", log));
        Ok(self.query::<i64>(&command).await? > 0)
    }

    async fn set_add(&self, set: &str, member: &str) -> StoreResult<bool> {
        let mut command = redis::cmd("SADD");
        command.arg(key("set", set)).arg(member);
        Ok(self.query::<i64>(&command).await? == 1)
    }

    async fn set_len(&self, set: &str) -> StoreResult<u64> {
        let mut command = redis::cmd("SCARD");
        command.arg(key("set", set));
        self.query(&command).await
    }

    async fn set_members(&self, set: &str) -> StoreResult<Vec<String>> {
        let mut command = redis::cmd("SMEMBERS");
        command.arg(key("set", set));
        let mut members: Vec<String> = self.query(&command).await?;
        members.sort_unstable();
        Ok(members)
    }

    async fn set_remove(&self, set: &str, member: &str) -> StoreResult<bool> {
        let mut command = redis::cmd("SREM");
        command.arg(key("set", set)).arg(member);
        Ok(self.query::<i64>(&command).await? == 1)
    }

    async fn set_replace(&self, set: &str, old: &str, new: &str) -> StoreResult<bool> {
        let mut connection = self.connection.clone();
        let replaced: i64 = self
            .scripts
            .set_replace
            .key(key("set", set))
            .arg(old)
            .arg(new)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        Ok(replaced == 1)
    }

    async fn incr(&self, counter: &str, by: i64, ttl: Duration) -> StoreResult<i64> {
        let window_ms = super::ttl_ms(ttl)?;
        let mut connection = self.connection.clone();
        self.scripts
            .incr
            .key(key("ctr", counter))
            .arg(by)
            .arg(window_ms)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))
    }

    async fn schedule(&self, schedule: &str, member: &str, due_ms: i64) -> StoreResult<()> {
        let mut command = redis::cmd("ZADD");
        command.arg(key("sched", schedule)).arg(due_ms).arg(member);
        self.query::<i64>(&command).await.map(|_| ())
    }

    async fn unschedule(&self, schedule: &str, member: &str) -> StoreResult<bool> {
        let mut command = redis::cmd("ZREM");
        command.arg(key("sched", schedule)).arg(member);
        Ok(self.query::<i64>(&command).await? == 1)
    }

    async fn reschedule_if(
        &self,
        schedule: &str,
        member: &str,
        expected_ms: i64,
        due_ms: Option<i64>,
    ) -> StoreResult<bool> {
        let mut connection = self.connection.clone();
        let changed: i64 = self
            .scripts
            .reschedule
            .key(key("sched", schedule))
            .arg(member)
            .arg(expected_ms)
            .arg(due_ms.map_or_else(String::new, |at| at.to_string()))
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))?;
        Ok(changed == 1)
    }

    async fn due(
        &self,
        schedule: &str,
        up_to_ms: i64,
        limit: usize,
    ) -> StoreResult<Vec<(String, i64)>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut command = redis::cmd("ZRANGEBYSCORE");
        command
            .arg(key("sched", schedule))
            .arg("-inf")
            .arg(up_to_ms)
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(0)
            .arg(redis_int(u64::try_from(limit).unwrap_or(u64::MAX)));
        let due: Vec<(String, f64)> = self.query(&command).await?;
        Ok(due
            .into_iter()
            .map(|(member, score)| (member, score_ms(score)))
            .collect())
    }

    async fn next_due(&self, schedule: &str) -> StoreResult<Option<(String, i64)>> {
        let mut command = redis::cmd("ZRANGE");
        command
            .arg(key("sched", schedule))
            .arg(0)
            .arg(0)
            .arg("WITHSCORES");
        let first: Vec<(String, f64)> = self.query(&command).await?;
        Ok(first
            .into_iter()
            .next()
            .map(|(member, score)| (member, score_ms(score))))
    }

    async fn ping(&self) -> StoreResult<()> {
        self.query::<Value>(&redis::cmd("PING")).await.map(|_| ())
    }

    async fn flush(&self) -> StoreResult<()> {
        // Every write already returned only after Redis acknowledged it.
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "redis"
    }

    fn is_shared(&self) -> bool {
        true
    }
}
