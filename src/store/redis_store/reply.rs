//! Decoding of the Lua scripts' replies: arrays that start with a tag (`written`, `conflict`,
//! `appended`, `duplicate`, `id_conflict`, `guard_conflict`) followed by numbers and bytes.

use bytes::Bytes;
use redis::Value;

use crate::store::{AppendOutcome, CasOutcome, Versioned};

/// The reply's items after checking it is an array, or what was found instead.
fn items(reply: Value) -> Result<Vec<Value>, String> {
    match reply {
        Value::Array(items) => Ok(items),
        other => Err(format!("expected an array reply, got {other:?}")),
    }
}

fn tag(items: &[Value]) -> Result<&[u8], String> {
    match items.first() {
        Some(Value::BulkString(bytes)) => Ok(bytes),
        Some(Value::SimpleString(text)) => Ok(text.as_bytes()),
        other => Err(format!("expected a tag, got {other:?}")),
    }
}

fn number(items: &[Value], index: usize) -> Result<u64, String> {
    match items.get(index) {
        Some(Value::Int(number)) => {
            u64::try_from(*number).map_err(|_| format!("negative {number}"))
        }
        Some(Value::BulkString(digits)) => std::str::from_utf8(digits)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| format!("not a number: {:?}", String::from_utf8_lossy(digits))),
        other => Err(format!("expected a number at {index}, got {other:?}")),
    }
}

fn bytes(items: &[Value], index: usize) -> Result<Bytes, String> {
    match items.get(index) {
        Some(Value::BulkString(bytes)) => Ok(Bytes::copy_from_slice(bytes)),
        other => Err(format!("expected bytes at {index}, got {other:?}")),
    }
}

/// The current record in a `{'conflict'[, version, data]}` reply.
fn conflict(items: &[Value]) -> Result<Option<Versioned>, String> {
    if items.len() == 1 {
        return Ok(None);
    }
    Ok(Some(Versioned {
        version: number(items, 1)?,
        value: bytes(items, 2)?,
    }))
}

/// Reply of put.lua.
pub(super) fn cas(reply: Value) -> Result<CasOutcome, String> {
    let items = items(reply)?;
    match tag(&items)? {
        b"written" => Ok(CasOutcome::Written {
            version: number(&items, 1)?,
        }),
        b"conflict" => Ok(CasOutcome::Conflict {
            current: conflict(&items)?,
        }),
        other => Err(format!("unknown tag {:?}", String::from_utf8_lossy(other))),
    }
}

/// Reply of append.lua.
pub(super) fn append(reply: Value, had_record: bool) -> Result<AppendOutcome, String> {
    let items = items(reply)?;
    match tag(&items)? {
        b"appended" => Ok(AppendOutcome::Appended {
            first_seq: number(&items, 1)?,
            last_seq: number(&items, 2)?,
            record_version: if had_record {
                Some(number(&items, 3)?)
            } else {
                None
            },
        }),
        b"duplicate" => Ok(AppendOutcome::Duplicate {
            first_seq: number(&items, 1)?,
            last_seq: number(&items, 2)?,
        }),
        b"id_conflict" => Ok(AppendOutcome::IdConflict),
        b"conflict" => Ok(AppendOutcome::RecordConflict {
            current: conflict(&items)?,
        }),
        b"guard_conflict" => Ok(AppendOutcome::GuardConflict {
            current: match items.len() {
                1 => None,
                _ => Some(number(&items, 1)?),
            },
        }),
        other => Err(format!("unknown tag {:?}", String::from_utf8_lossy(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn conflict_reply_carries_the_current_record() {
        let reply = Value::Array(vec![bulk("conflict"), bulk("12"), bulk("state")]);
        assert_eq!(
            cas(reply).unwrap(),
            CasOutcome::Conflict {
                current: Some(Versioned {
                    version: 12,
                    value: Bytes::from_static(b"state"),
                })
            }
        );
    }

    #[test]
    fn appended_reply_without_record_has_no_version() {
        let reply = Value::Array(vec![
            bulk("appended"),
            Value::Int(4),
            Value::Int(5),
            Value::Int(0),
        ]);
        assert_eq!(
            append(reply, false).unwrap(),
            AppendOutcome::Appended {
                first_seq: 4,
                last_seq: 5,
                record_version: None
            }
        );
    }

    #[test]
    fn guard_conflict_reply_carries_the_guarded_version_if_any() {
        let changed = Value::Array(vec![bulk("guard_conflict"), bulk("7")]);
        assert_eq!(
            append(changed, false).unwrap(),
            AppendOutcome::GuardConflict { current: Some(7) }
        );
        let deleted = Value::Array(vec![bulk("guard_conflict")]);
        assert_eq!(
            append(deleted, true).unwrap(),
            AppendOutcome::GuardConflict { current: None }
        );
    }

    #[test]
    fn unexpected_replies_are_errors_not_panics() {
        assert!(cas(Value::Nil).is_err());
        assert!(append(Value::Array(vec![bulk("appended")]), true).is_err());
        assert!(append(Value::Array(vec![Value::Int(1)]), false).is_err());
    }
}
