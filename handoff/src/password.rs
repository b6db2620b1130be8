//! Operator passwords: Argon2id hashes in PHC string form.
//!
//! A [`PasswordPolicy`] says how expensive a new hash is and how long a password must be.
//! [`PasswordPolicy::recommended`] uses the OWASP parameters (19 MiB, 2 passes, 1 lane);
//! tests use [`PasswordPolicy::test_cheap`]. Verification always uses the parameters stored
//! in the hash itself, so raising the policy later keeps old hashes working, and
//! [`PasswordPolicy::needs_rehash`] tells the edge when to upgrade one after a good login.
//!
//! Hashing draws a fresh 16-byte salt from the operating system; it costs tens of
//! milliseconds with the recommended policy, so the edge calls it from a blocking task.

use std::fmt;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// Why a password could not be set or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is shorter than the policy requires.
    #[error("the password must have at least {min} characters")]
    TooShort {
        /// Minimum number of characters.
        min: usize,
    },
    /// The password is longer than any password we accept (guards hashing cost).
    #[error("the password must have at most {max} characters")]
    TooLong {
        /// Maximum number of characters.
        max: usize,
    },
    /// The password does not match the stored hash.
    #[error("the password does not match")]
    Mismatch,
    /// The stored hash is not a PHC string this crate can read.
    #[error("the stored password hash is malformed")]
    MalformedHash,
    /// The policy's Argon2 parameters are out of range.
    #[error("invalid Argon2 parameters: {0}")]
    InvalidParameters(String),
    /// Argon2 failed for another reason (for example the random salt was unavailable).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// An Argon2id hash in PHC string form (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`).
///
/// Its `Debug` output is redacted so hashes do not end up in logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored PHC string after checking that it parses.
    pub fn from_phc(phc: &str) -> Result<Self, PasswordError> {
        argon2::PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
        Ok(Self(phc.to_owned()))
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// How new passwords are checked and hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Argon2 memory cost in KiB (at least 8).
    pub memory_kib: u32,
    /// Argon2 passes over memory (at least 1).
    pub iterations: u32,
    /// Argon2 lanes (at least 1).
    pub lanes: u32,
    /// Minimum password length in characters.
    pub min_length: usize,
}

impl PasswordPolicy {
    /// Longest password accepted, in characters.
    pub const MAX_LENGTH: usize = 1024;

    /// OWASP's Argon2id parameters: 19 MiB, 2 iterations, 1 lane; passwords of 10+ characters.
    pub const fn recommended() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            lanes: 1,
            min_length: 10,
        }
    }

    /// The cheapest valid parameters, for tests and demo fixtures only: never in production.
    pub const fn test_cheap() -> Self {
        Self {
            memory_kib: 8,
            iterations: 1,
            lanes: 1,
            min_length: 4,
        }
    }

    fn argon2(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.memory_kib, self.iterations, self.lanes, None)
            .map_err(|e| PasswordError::InvalidParameters(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Checks the length rules without hashing.
    pub fn check(&self, password: &str) -> Result<(), PasswordError> {
        let length = password.chars().count();
        if length < self.min_length {
            return Err(PasswordError::TooShort {
                min: self.min_length,
            });
        }
        if length > Self::MAX_LENGTH {
            return Err(PasswordError::TooLong {
                max: Self::MAX_LENGTH,
            });
        }
        Ok(())
    }

    /// Checks and hashes a new password with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<PasswordHash, PasswordError> {
        self.check(password)?;
        let hash = self
            .argon2()?
            .hash_password(password.as_bytes())
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Verifies a password against a stored hash, using the hash's own parameters.
    pub fn verify(password: &str, hash: &PasswordHash) -> Result<(), PasswordError> {
        if password.chars().count() > Self::MAX_LENGTH {
            return Err(PasswordError::Mismatch);
        }
        let parsed =
            argon2::PasswordHash::new(&hash.0).map_err(|_| PasswordError::MalformedHash)?;
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .map_err(|e| match e {
                argon2::password_hash::Error::PasswordInvalid => PasswordError::Mismatch,
                other => PasswordError::Hashing(other.to_string()),
            })
    }

    /// Whether a stored hash was made with other parameters than this policy's, so the
    /// edge should re-hash the password after the next successful login.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        let Ok(parsed) = argon2::PasswordHash::new(&hash.0) else {
            return true;
        };
        let Ok(stored) = Params::try_from(&parsed) else {
            return true;
        };
        parsed.algorithm.as_str() != "argon2id"
            || stored.m_cost() != self.memory_kib
            || stored.t_cost() != self.iterations
            || stored.p_cost() != self.lanes
    }
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::recommended()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let policy = PasswordPolicy::test_cheap();
        let hash = policy.hash("correct horse").unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert_eq!(PasswordPolicy::verify("correct horse", &hash), Ok(()));
        assert_eq!(
            PasswordPolicy::verify("wrong horse", &hash),
            Err(PasswordError::Mismatch)
        );
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let policy = PasswordPolicy::test_cheap();
        assert_ne!(
            policy.hash("same pass").unwrap(),
            policy.hash("same pass").unwrap()
        );
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        let policy = PasswordPolicy::recommended();
        assert_eq!(
            policy.check("short"),
            Err(PasswordError::TooShort { min: 10 })
        );
        assert_eq!(
            policy.check(&"x".repeat(1025)),
            Err(PasswordError::TooLong { max: 1024 })
        );
        assert_eq!(policy.check("long enough!"), Ok(()));
    }

    #[test]
    fn malformed_hashes_are_reported_not_panicked_on() {
        assert_eq!(
            PasswordHash::from_phc("plain"),
            Err(PasswordError::MalformedHash)
        );
        let fake = PasswordHash("$argon2id$garbage".to_owned());
        assert_eq!(
            PasswordPolicy::verify("pw", &fake),
            Err(PasswordError::MalformedHash)
        );
    }

    #[test]
    fn a_hash_with_weaker_parameters_needs_rehash() {
        let hash = PasswordPolicy::test_cheap().hash("abcd efgh ij").unwrap();
        assert!(!PasswordPolicy::test_cheap().needs_rehash(&hash));
        assert!(PasswordPolicy::recommended().needs_rehash(&hash));
        assert_eq!(PasswordHash::from_phc(hash.as_phc()), Ok(hash));
    }

    #[test]
    fn invalid_parameters_are_an_error() {
        let policy = PasswordPolicy {
            memory_kib: 1,
            ..PasswordPolicy::test_cheap()
        };
        assert!(matches!(
            policy.hash("abcdefgh"),
            Err(PasswordError::InvalidParameters(_))
        ));
    }

    #[test]
    fn debug_output_hides_the_hash() {
        let hash = PasswordPolicy::test_cheap().hash("secret pw").unwrap();
        assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
    }
}
