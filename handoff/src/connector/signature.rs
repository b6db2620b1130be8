//! Webhook signatures: HMAC-SHA256 over `"{timestamp}.{body}"`, lowercase hex.
//!
//! The webhook connector sends the Unix timestamp (seconds) and the signature in two
//! headers; the receiver recomputes the MAC, compares it in constant time and refuses
//! timestamps outside a tolerance, so a captured request cannot be replayed later.

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 block size: HMAC keys are hashed when longer, zero-padded when shorter.
const BLOCK: usize = 64;

/// Why a webhook signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature is not 64 hexadecimal characters.
    #[error("the signature is not a hex HMAC-SHA256")]
    Malformed,
    /// The timestamp is too far from now.
    #[error("the timestamp is {skew_s} s away from now, more than the {tolerance_s} s allowed")]
    Stale {
        /// Distance from now, in seconds.
        skew_s: u64,
        /// The tolerance, in seconds.
        tolerance_s: u64,
    },
    /// The signature does not match.
    #[error("the signature does not match")]
    Mismatch,
}

/// An HMAC keyed with `secret`, built the way RFC 2104 derives the key block (so no key
/// length is ever refused).
fn keyed(secret: &[u8]) -> HmacSha256 {
    let mut block = [0u8; BLOCK];
    if secret.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        block[..secret.len()].copy_from_slice(secret);
    }
    HmacSha256::new(&Key::<HmacSha256>::from(block))
}

fn signed(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = keyed(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature of `body` sent at `timestamp` (Unix seconds): lowercase hex HMAC-SHA256.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    to_hex(&signed(secret, timestamp, body).finalize().into_bytes())
}

/// Checks a received signature in constant time, and that `timestamp` is within
/// `tolerance_s` seconds of `now` (either direction).
pub fn verify_webhook_signature(
    secret: &[u8],
    timestamp: i64,
    body: &[u8],
    signature: &str,
    now: Timestamp,
    tolerance_s: u64,
) -> Result<(), SignatureError> {
    let expected = from_hex(signature).ok_or(SignatureError::Malformed)?;
    let skew_s = now.as_second().abs_diff(timestamp);
    if skew_s > tolerance_s {
        return Err(SignatureError::Stale {
            skew_s,
            tolerance_s,
        });
    }
    signed(secret, timestamp, body)
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

fn from_hex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *byte = u8::try_from(high * 16 + low).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn the_mac_matches_rfc_4231_test_vectors() {
        // Test case 2: key "Jefe", short key.
        let mut mac = keyed(b"Jefe");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            to_hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: 131-byte key, hashed first.
        let mut mac = keyed(&[0xaa; 131]);
        mac.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            to_hex(&mac.finalize().into_bytes()),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_signature_verifies_within_the_tolerance() {
        let body = br#"{"event":"LOGGEDIN"}"#;
        let signature = webhook_signature(b"s3cret", now().as_second(), body);
        assert_eq!(signature.len(), 64);
        assert_eq!(
            verify_webhook_signature(b"s3cret", now().as_second(), body, &signature, now(), 300),
            Ok(())
        );
        let uppercase = signature.to_uppercase();
        assert_eq!(
            verify_webhook_signature(b"s3cret", now().as_second(), body, &uppercase, now(), 300),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_secret_or_timestamp_is_refused() {
        let t = now().as_second();
        let signature = webhook_signature(b"s3cret", t, b"body");
        let check = |secret: &[u8], ts: i64, body: &[u8]| {
            verify_webhook_signature(secret, ts, body, &signature, now(), 300)
        };
        assert_eq!(check(b"s3cret", t, b"body!"), Err(SignatureError::Mismatch));
        assert_eq!(check(b"other", t, b"body"), Err(SignatureError::Mismatch));
        assert_eq!(
            check(b"s3cret", t - 1, b"body"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_is_stale() {
        let t = now().as_second() - 301;
        let signature = webhook_signature(b"k", t, b"b");
        assert_eq!(
            verify_webhook_signature(b"k", t, b"b", &signature, now(), 300),
            Err(SignatureError::Stale {
                skew_s: 301,
                tolerance_s: 300
            })
        );
        let future = now().as_second() + 10;
        let signature = webhook_signature(b"k", future, b"b");
        assert_eq!(
            verify_webhook_signature(b"k", future, b"b", &signature, now(), 10),
            Ok(())
        );
    }

    #[test]
    fn malformed_signatures_are_refused_before_any_mac() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            assert_eq!(
                verify_webhook_signature(b"k", now().as_second(), b"b", bad, now(), 300),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
    }
}
