//! Byte layouts of sled keys and values. Composite keys start with the big-endian length of
//! their name, so `("ab", "c")` and `("a", "bc")` never collide and a name's keys form one
//! contiguous, ordered range. Signed numbers are stored order-preserving (sign bit flipped).

/// Format marker kept in the default tree; a different value means another layout.
pub(super) const FORMAT_KEY: &[u8] = b"staffetta.store.format";
/// The layout this code reads and writes.
pub(super) const FORMAT_VERSION: &[u8] = b"1";

/// Tags in expiry-index keys telling which tree the expiring name lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ExpiryKind {
    Record = b'r' as isize,
    Counter = b'c' as isize,
}

/// `len(name) ++ name`: the prefix of every key belonging to `name`.
pub(super) fn name_prefix(name: &str) -> Vec<u8> {
    let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
    let mut key = Vec::with_capacity(4 + name.len());
    key.extend_from_slice(&len.to_be_bytes());
    key.extend_from_slice(name.as_bytes());
    key
}

/// `len(name) ++ name ++ rest`.
pub(super) fn composite(name: &str, rest: &[u8]) -> Vec<u8> {
    let mut key = name_prefix(name);
    key.extend_from_slice(rest);
    key
}

/// `i64` as 8 bytes whose byte order equals numeric order.
pub(super) fn sortable(value: i64) -> [u8; 8] {
    (value.cast_unsigned() ^ (1 << 63)).to_be_bytes()
}

/// Inverse of [`sortable`].
pub(super) fn from_sortable(bytes: [u8; 8]) -> i64 {
    (u64::from_be_bytes(bytes) ^ (1 << 63)).cast_signed()
}

/// The first 8 bytes of `bytes` as an array, or a description of what is wrong.
pub(super) fn eight(bytes: &[u8], what: &str) -> Result<[u8; 8], String> {
    bytes
        .get(..8)
        .and_then(|head| <[u8; 8]>::try_from(head).ok())
        .ok_or_else(|| format!("{what}: expected at least 8 bytes, found {}", bytes.len()))
}

/// A big-endian `u64` value.
pub(super) fn decode_u64(bytes: &[u8], what: &str) -> Result<u64, String> {
    if bytes.len() != 8 {
        return Err(format!("{what}: expected 8 bytes, found {}", bytes.len()));
    }
    eight(bytes, what).map(u64::from_be_bytes)
}

/// A stored record: `version(8) ++ has_expiry(1) ++ expires_at(8) ++ value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct StoredRecord {
    pub(super) version: u64,
    pub(super) expires_at_ms: Option<i64>,
    pub(super) value: Vec<u8>,
}

impl StoredRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(17 + self.value.len());
        bytes.extend_from_slice(&self.version.to_be_bytes());
        bytes.push(u8::from(self.expires_at_ms.is_some()));
        bytes.extend_from_slice(&sortable(self.expires_at_ms.unwrap_or(0)));
        bytes.extend_from_slice(&self.value);
        bytes
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < 17 {
            return Err(format!(
                "record: expected at least 17 bytes, found {}",
                bytes.len()
            ));
        }
        let version = u64::from_be_bytes(eight(bytes, "record version")?);
        let expires_at_ms = match bytes[8] {
            0 => None,
            1 => Some(from_sortable(eight(&bytes[9..], "record expiry")?)),
            other => return Err(format!("record: bad expiry flag {other}")),
        };
        Ok(Self {
            version,
            expires_at_ms,
            value: bytes[17..].to_vec(),
        })
    }

    /// Whether the record is still visible at `now_ms`.
    pub(super) fn is_live(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|at| at > now_ms)
    }
}

/// Where a log stands, in the `log_heads` tree: `head(8)`, or `head(8) ++ trimmed(8)` once
/// a trim dropped the entries up to `trimmed` (an untrimmed log keeps the 8-byte layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct LogHead {
    /// Seq of the last entry appended.
    pub(super) head: u64,
    /// Every entry with a seq at or below this one was trimmed (0: none).
    pub(super) trimmed: u64,
}

impl LogHead {
    pub(super) fn encode(self) -> Vec<u8> {
        let mut bytes = self.head.to_be_bytes().to_vec();
        if self.trimmed > 0 {
            bytes.extend_from_slice(&self.trimmed.to_be_bytes());
        }
        bytes
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, String> {
        let (head, trimmed) = match bytes.len() {
            8 => (decode_u64(bytes, "log head")?, 0),
            16 => (
                u64::from_be_bytes(eight(bytes, "log head")?),
                u64::from_be_bytes(eight(&bytes[8..], "log trim")?),
            ),
            other => return Err(format!("log head: expected 8 or 16 bytes, found {other}")),
        };
        if trimmed > head {
            return Err(format!(
                "log head: trimmed through {trimmed}, past head {head}"
            ));
        }
        Ok(Self { head, trimmed })
    }
}

/// What the dedupe tree remembers of an append with a client message id:
/// `first_seq(8) ++ last_seq(8) [++ 1 ++ fingerprint]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Seen {
    pub(super) first_seq: u64,
    pub(super) last_seq: u64,
    pub(super) fingerprint: Option<Vec<u8>>,
}

impl Seen {
    pub(super) fn encode(&self) -> Vec<u8> {
        let fingerprint_len = self.fingerprint.as_ref().map_or(0, |f| f.len() + 1);
        let mut bytes = Vec::with_capacity(16 + fingerprint_len);
        bytes.extend_from_slice(&self.first_seq.to_be_bytes());
        bytes.extend_from_slice(&self.last_seq.to_be_bytes());
        if let Some(fingerprint) = &self.fingerprint {
            bytes.push(1);
            bytes.extend_from_slice(fingerprint);
        }
        bytes
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, String> {
        let first_seq = u64::from_be_bytes(eight(bytes, "dedupe first seq")?);
        let last_seq = u64::from_be_bytes(eight(
            bytes.get(8..).unwrap_or_default(),
            "dedupe last seq",
        )?);
        let fingerprint = match bytes.get(16) {
            None => None,
            Some(1) => Some(bytes[17..].to_vec()),
            Some(other) => return Err(format!("dedupe: bad fingerprint flag {other}")),
        };
        if last_seq < first_seq {
            return Err(format!(
                "dedupe: seqs {first_seq}..={last_seq} are reversed"
            ));
        }
        Ok(Self {
            first_seq,
            last_seq,
            fingerprint,
        })
    }
}

/// A stored counter: `value(8) ++ expires_at(8)`.
pub(super) fn encode_counter(value: i64, expires_at_ms: i64) -> [u8; 16] {
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&sortable(value));
    bytes[8..].copy_from_slice(&sortable(expires_at_ms));
    bytes
}

/// Inverse of [`encode_counter`]: `(value, expires_at_ms)`.
pub(super) fn decode_counter(bytes: &[u8]) -> Result<(i64, i64), String> {
    if bytes.len() != 16 {
        return Err(format!("counter: expected 16 bytes, found {}", bytes.len()));
    }
    Ok((
        from_sortable(eight(bytes, "counter value")?),
        from_sortable(eight(&bytes[8..], "counter expiry")?),
    ))
}

/// Expiry-index key: `expires_at(8) ++ kind(1) ++ name`, ordered by deadline.
pub(super) fn expiry_key(expires_at_ms: i64, kind: ExpiryKind, name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(9 + name.len());
    key.extend_from_slice(&sortable(expires_at_ms));
    key.push(kind as u8);
    key.extend_from_slice(name.as_bytes());
    key
}

/// Inverse of [`expiry_key`].
pub(super) fn decode_expiry_key(key: &[u8]) -> Result<(i64, ExpiryKind, String), String> {
    let at = from_sortable(eight(key, "expiry key")?);
    let kind = match key.get(8) {
        Some(b'r') => ExpiryKind::Record,
        Some(b'c') => ExpiryKind::Counter,
        other => return Err(format!("expiry key: bad kind {other:?}")),
    };
    let name = String::from_utf8(key[9..].to_vec())
        .map_err(|_| "expiry key: name is not UTF-8".to_owned())?;
    Ok((at, kind, name))
}

/// The UTF-8 suffix of `key` after `prefix` (a set member or schedule member).
pub(super) fn suffix_str(key: &[u8], prefix_len: usize, what: &str) -> Result<String, String> {
    key.get(prefix_len..)
        .and_then(|rest| String::from_utf8(rest.to_vec()).ok())
        .ok_or_else(|| format!("{what}: key is not a UTF-8 name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_bytes_keep_numeric_order() {
        let values = [i64::MIN, -5, -1, 0, 1, 1_700_000_000_000, i64::MAX];
        for pair in values.windows(2) {
            assert!(sortable(pair[0]) < sortable(pair[1]), "{pair:?}");
            assert_eq!(from_sortable(sortable(pair[0])), pair[0]);
        }
    }

    #[test]
    fn composite_keys_of_different_names_never_collide() {
        assert_ne!(composite("ab", b"c"), composite("a", b"bc"));
        assert!(composite("a", b"zz").starts_with(&name_prefix("a")));
        assert!(!composite("ab", b"").starts_with(&name_prefix("a")));
    }

    #[test]
    fn records_round_trip_and_short_bytes_are_corrupt() {
        let record = StoredRecord {
            version: 7,
            expires_at_ms: Some(-3),
            value: b"state".to_vec(),
        };
        assert_eq!(StoredRecord::decode(&record.encode()).unwrap(), record);
        assert!(StoredRecord::decode(b"short").is_err());
    }

    #[test]
    fn dedupe_entries_round_trip_with_and_without_fingerprint() {
        for fingerprint in [None, Some(Vec::new()), Some(b"hi".to_vec())] {
            let seen = Seen {
                first_seq: 3,
                last_seq: 4,
                fingerprint,
            };
            assert_eq!(Seen::decode(&seen.encode()).unwrap(), seen);
        }
        assert!(Seen::decode(&[0; 12]).is_err());
    }

    #[test]
    fn log_heads_round_trip_and_an_untrimmed_log_keeps_eight_bytes() {
        let untrimmed = LogHead {
            head: 9,
            trimmed: 0,
        };
        assert_eq!(untrimmed.encode(), 9u64.to_be_bytes());
        let trimmed = LogHead {
            head: 9,
            trimmed: 4,
        };
        for head in [untrimmed, trimmed] {
            assert_eq!(LogHead::decode(&head.encode()).unwrap(), head);
        }
        let past_head = [5u64.to_be_bytes(), 6u64.to_be_bytes()].concat();
        assert!(LogHead::decode(&past_head).is_err());
        assert!(LogHead::decode(&[0; 12]).is_err());
    }

    #[test]
    fn expiry_keys_round_trip() {
        let key = expiry_key(42, ExpiryKind::Counter, "login:bob");
        assert_eq!(
            decode_expiry_key(&key).unwrap(),
            (42, ExpiryKind::Counter, "login:bob".to_owned())
        );
    }
}
