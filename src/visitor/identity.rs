//! Who a visitor is: a widget-generated `anonymous_id`, a site-asserted `user_id`, or a signed
//! `identity_token` (an RS256 JWT checked against the site's registered public keys).
//!
//! The result, a [`VisitorIdentity`], carries a stable key for monthly-active-user counting
//! and conversation lookup. Verified and claimed identities never share a key: `s:<sub>` is
//! only reachable with a valid token, `u:<user_id>` is whatever the host page says.
//!
//! Keys are parsed once, at start-up, into an [`IdentityVerifier`]; a key that cannot be used
//! is a start-up error naming the site and the `kid`. Time is passed in: nothing here reads
//! the clock.
//!
//! Token rules: at most 8 KiB; header `alg` exactly `RS256` (so `none`, `HS256` with the
//! public key as secret, and every other algorithm are refused before any key is touched);
//! a `kid` registered for this site (another site's `kid` is unknown here); no embedded key
//! material (`jwk`, `jku`, `x5u`, `x5c`) and no `crit`; claims `iss`, `sub`, `exp` and `aud`
//! present; `aud` is exactly the configured audience (the site id by default): a string equal
//! to it, or a list holding it and nothing else (RFC 7519 lets `aud` be a list, but a token
//! meant for several relying parties could be replayed here by any of them, so the catalogue's
//! exact match wins); `iss` equals the configured issuer when there is one; `exp` and `nbf` checked against the given time with
//! [`LEEWAY`].

use std::collections::HashMap;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{Settings, SiteSettings};
use crate::error::ApiError;

/// Largest accepted `identity_token`, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest accepted `user_id`, in bytes.
pub const MAX_USER_ID_BYTES: usize = 256;
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY: SignedDuration = SignedDuration::from_secs(30);
/// Smallest accepted RSA modulus, in bits.
pub const MIN_RSA_BITS: usize = 2048;

const ANONYMOUS_ID_LENGTH: std::ops::RangeInclusive<usize> = 16..=128;
const MAX_SUB_BYTES: usize = 256;
/// Header parameters that carry or point at key material; a token must not choose its key.
const EMBEDDED_KEY_HEADERS: [&str; 4] = ["jwk", "jku", "x5u", "x5c"];

/// The identity fields of a session start: part of the wire contract, since
/// [`StartSession`](staffetta_widget::protocol::StartSession) holds them.
pub use staffetta_widget::protocol::IdentityRequest;

/// How much the server knows about who the visitor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// Only the widget's random id.
    Anonymous,
    /// An id the host page asserted, not verified.
    UserId,
    /// The `sub` of a verified identity token.
    Verified,
}

/// A resolved visitor identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorIdentity {
    /// How the identity was established.
    pub kind: IdentityKind,
    /// Stable key for MAU counting and lookups: `a:<anonymous_id>`, `u:<user_id>` or
    /// `s:<sub>`.
    pub key: String,
    /// When the identity token expires (its `exp`); `None` for unverified identities.
    pub expires_at: Option<Timestamp>,
}

/// Why an identity token was refused. The messages never contain the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    /// Not three base64url parts with a JSON header and claims.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// The header `alg` is missing or not `RS256` (includes `none` and `HS256`).
    #[error("the token must be signed with RS256")]
    UnsupportedAlgorithm,
    /// The header has no `kid`.
    #[error("the token header has no `kid`")]
    MissingKid,
    /// The `kid` is not registered for this site.
    #[error("the token's `kid` is not registered for this site")]
    UnknownKid,
    /// The header embeds or points at key material (`jwk`, `jku`, `x5u`, `x5c`).
    #[error("the token header must not carry `{0}`")]
    EmbeddedKey(&'static str),
    /// The header has a `crit` parameter; no extensions are supported.
    #[error("the token header must not carry `crit`")]
    CriticalHeader,
    /// The signature does not match the registered key.
    #[error("the token signature does not verify")]
    BadSignature,
    /// A required claim (`iss`, `sub`, `exp`, `aud`) is missing.
    #[error("the token has no `{0}` claim")]
    MissingClaim(String),
    /// The `iss` claim is not the configured issuer.
    #[error("the token's `iss` is not the expected issuer")]
    WrongIssuer,
    /// The `aud` claim is not exactly this site's audience (a list must hold only it).
    #[error("the token's `aud` is not exactly this site")]
    WrongAudience,
    /// `sub` is empty, longer than 256 bytes or contains control characters.
    #[error("the token's `sub` must be 1-256 bytes without control characters")]
    InvalidSubject,
    /// `exp` or `nbf` is not a number of seconds in range.
    #[error("the token's `{0}` is not a valid time")]
    InvalidTime(&'static str),
    /// `nbf` is later than now (plus the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// Why a visitor's identity was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The site requires a verified identity and none was given (401 `identity_required`).
    #[error("this site requires a signed identity token")]
    Required,
    /// No `anonymous_id`, `user_id` or `identity_token` was given (400 `invalid_anonymous_id`).
    #[error("an anonymous_id is required when neither user_id nor identity_token is given")]
    Missing,
    /// The `anonymous_id` is malformed (400 `invalid_anonymous_id`).
    #[error("anonymous_id must be 16-128 characters of A-Z, a-z, 0-9, `-` and `_`")]
    InvalidAnonymousId,
    /// The `user_id` is malformed (400 `invalid_user_id`).
    #[error("user_id must be 1-{MAX_USER_ID_BYTES} bytes of visible ASCII (0x21-0x7E)")]
    InvalidUserId,
    /// The identity token was refused (401 `invalid_identity_token`).
    #[error("invalid identity token: {0}")]
    InvalidToken(TokenProblem),
    /// The identity token has expired (401 `identity_expired`).
    #[error("the identity token expired at {expired_at}")]
    Expired {
        /// The token's `exp`.
        expired_at: Timestamp,
    },
    /// A fresh token names another visitor than the session's (403 `identity_mismatch`).
    #[error("the new identity token is for another visitor than this conversation's")]
    Mismatch,
    /// The site is not configured (404 `unknown_site`).
    #[error("no site `{0}` is configured")]
    UnknownSite(String),
    /// The site's keys cannot be used (500; only from [`resolve`], which parses per call).
    #[error(transparent)]
    Config(#[from] IdentityConfigError),
}

impl From<TokenProblem> for IdentityError {
    fn from(problem: TokenProblem) -> Self {
        Self::InvalidToken(problem)
    }
}

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        let message = error.to_string();
        match error {
            IdentityError::Required => {
                ApiError::new(StatusCode::UNAUTHORIZED, "identity_required", message)
            }
            IdentityError::InvalidToken(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_identity_token", message)
            }
            IdentityError::Expired { .. } => {
                ApiError::new(StatusCode::UNAUTHORIZED, "identity_expired", message)
            }
            IdentityError::InvalidUserId => ApiError::bad_request("invalid_user_id", message),
            IdentityError::Missing | IdentityError::InvalidAnonymousId => {
                ApiError::bad_request("invalid_anonymous_id", message)
            }
            IdentityError::Mismatch => {
                ApiError::new(StatusCode::FORBIDDEN, "identity_mismatch", message)
            }
            IdentityError::UnknownSite(_) => ApiError::not_found("unknown_site", message),
            IdentityError::Config(cause) => ApiError::internal(&cause),
        }
    }
}

/// A configured identity key that cannot be used; the node refuses to start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityConfigError {
    /// The PEM does not hold a usable RSA public key.
    #[error("site `{site}`: identity key `{kid}` is not a usable RS256 public key: {reason}")]
    InvalidKey {
        /// The site id.
        site: String,
        /// The key's `kid`.
        kid: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two keys of one site share a `kid`.
    #[error("site `{site}`: identity key `{kid}` is listed twice")]
    DuplicateKid {
        /// The site id.
        site: String,
        /// The repeated `kid`.
        kid: String,
    },
    /// A key has an empty `kid`.
    #[error("site `{site}`: an identity key has an empty `kid`")]
    EmptyKid {
        /// The site id.
        site: String,
    },
}

/// Installs jsonwebtoken's pure-Rust crypto backend for the process. Idempotent: when a
/// provider is installed already (by us or by another crate) that one stays.
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
}

/// One site's identity rules with its keys parsed.
#[derive(Clone)]
pub struct SiteKeys {
    site: String,
    required: bool,
    /// The one `aud` value accepted: the configured audience, or the site id.
    audience: String,
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for SiteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("SiteKeys")
            .field("site", &self.site)
            .field("required", &self.required)
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

impl SiteKeys {
    /// Parses and checks the site's keys (RSA, at least [`MIN_RSA_BITS`] bits, unique `kid`s).
    pub fn from_site(site: &SiteSettings) -> Result<Self, IdentityConfigError> {
        install_crypto_provider();
        let mut keys = HashMap::with_capacity(site.identity.keys.len());
        for key in &site.identity.keys {
            if key.kid.is_empty() {
                return Err(IdentityConfigError::EmptyKid {
                    site: site.id.clone(),
                });
            }
            let decoding = parse_public_key(&key.public_key_pem).map_err(|reason| {
                IdentityConfigError::InvalidKey {
                    site: site.id.clone(),
                    kid: key.kid.clone(),
                    reason,
                }
            })?;
            if keys.insert(key.kid.clone(), decoding).is_some() {
                return Err(IdentityConfigError::DuplicateKid {
                    site: site.id.clone(),
                    kid: key.kid.clone(),
                });
            }
        }

        let mut validation = Validation::new(Algorithm::RS256);
        // exp and nbf are checked against the caller's `now`, never the library's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        // `exp` is required too, but read here: the library would call an out-of-range one
        // missing.
        validation.set_required_spec_claims(&["iss", "sub", "aud"]);
        // The library accepts a list that merely contains the audience; `verify_token` then
        // insists on exactly it.
        let audience = site.identity.audience.as_deref().unwrap_or(&site.id);
        validation.validate_aud = true;
        validation.set_audience(&[audience]);
        if let Some(issuer) = &site.identity.issuer {
            validation.set_issuer(&[issuer]);
        }
        Ok(Self {
            site: site.id.clone(),
            required: site.identity.required,
            audience: audience.to_owned(),
            keys,
            validation,
        })
    }

    /// Resolves the identity of a visitor of this site at `now`.
    ///
    /// A token wins over `user_id`, which wins over `anonymous_id`; a bad token is an error
    /// (no fallback to the weaker identities).
    pub fn resolve(
        &self,
        request: &IdentityRequest,
        now: Timestamp,
    ) -> Result<VisitorIdentity, IdentityError> {
        if let Some(token) = &request.identity_token {
            let (sub, expires_at) = self.verify_token(token, now)?;
            return Ok(VisitorIdentity {
                kind: IdentityKind::Verified,
                key: format!("s:{sub}"),
                expires_at: Some(expires_at),
            });
        }
        if self.required {
            return Err(IdentityError::Required);
        }
        if let Some(user_id) = &request.user_id {
            if !is_valid_user_id(user_id) {
                return Err(IdentityError::InvalidUserId);
            }
            return Ok(VisitorIdentity {
                kind: IdentityKind::UserId,
                key: format!("u:{user_id}"),
                expires_at: None,
            });
        }
        let anonymous_id = request
            .anonymous_id
            .as_deref()
            .ok_or(IdentityError::Missing)?;
        if !is_valid_anonymous_id(anonymous_id) {
            return Err(IdentityError::InvalidAnonymousId);
        }
        Ok(VisitorIdentity {
            kind: IdentityKind::Anonymous,
            key: format!("a:{anonymous_id}"),
            expires_at: None,
        })
    }

    /// Checks a token; returns its `sub` and `exp`.
    fn verify_token(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<(String, Timestamp), IdentityError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenProblem::TooLarge.into());
        }
        let kid = check_header(token)?;
        // Every site's keys live in its own map: another site's kid is simply unknown here.
        let key = self.keys.get(&kid).ok_or(TokenProblem::UnknownKid)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|error| problem_of(error.kind()))?;
        let claims = data.claims;
        if !is_exactly(claims.aud.as_ref(), &self.audience) {
            return Err(TokenProblem::WrongAudience.into());
        }

        let sub = claims
            .sub
            .ok_or_else(|| TokenProblem::MissingClaim("sub".to_owned()))?;
        if sub.is_empty() || sub.len() > MAX_SUB_BYTES || sub.chars().any(char::is_control) {
            return Err(TokenProblem::InvalidSubject.into());
        }
        let exp = claims
            .exp
            .ok_or_else(|| TokenProblem::MissingClaim("exp".to_owned()))?;
        let expires_at = numeric_date(exp).ok_or(TokenProblem::InvalidTime("exp"))?;
        if let Some(nbf) = claims.nbf {
            let not_before = numeric_date(nbf).ok_or(TokenProblem::InvalidTime("nbf"))?;
            if not_before.duration_since(now) > LEEWAY {
                return Err(TokenProblem::NotYetValid.into());
            }
        }
        if now.duration_since(expires_at) > LEEWAY {
            return Err(IdentityError::Expired {
                expired_at: expires_at,
            });
        }
        Ok((sub, expires_at))
    }
}

/// The claims the server reads; `iss` is checked by `jsonwebtoken`, `aud` by both.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
}

/// Whether `aud` is `audience` itself or a one-element list holding it.
fn is_exactly(aud: Option<&serde_json::Value>, audience: &str) -> bool {
    match aud {
        Some(serde_json::Value::String(single)) => single == audience,
        Some(serde_json::Value::Array(list)) => {
            matches!(list.as_slice(), [serde_json::Value::String(only)] if only == audience)
        }
        _ => false,
    }
}

/// Checks the header without trusting it, and returns its `kid`.
fn check_header(token: &str) -> Result<String, TokenProblem> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenProblem::Malformed)?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| TokenProblem::Malformed)?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("RS256") {
        return Err(TokenProblem::UnsupportedAlgorithm);
    }
    if let Some(name) = EMBEDDED_KEY_HEADERS
        .into_iter()
        .find(|name| header.contains_key(*name))
    {
        return Err(TokenProblem::EmbeddedKey(name));
    }
    if header.contains_key("crit") {
        return Err(TokenProblem::CriticalHeader);
    }
    let kid = match header.get("kid") {
        None => return Err(TokenProblem::MissingKid),
        Some(serde_json::Value::String(kid)) => kid.clone(),
        Some(_) => return Err(TokenProblem::Malformed),
    };
    let is_base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !is_base64url(claims) || !is_base64url(signature) {
        return Err(TokenProblem::Malformed);
    }
    Ok(kid)
}

/// Maps a `jsonwebtoken` failure to what the client is told.
fn problem_of(kind: &ErrorKind) -> TokenProblem {
    match kind {
        ErrorKind::InvalidSignature => TokenProblem::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            TokenProblem::UnsupportedAlgorithm
        }
        ErrorKind::InvalidIssuer => TokenProblem::WrongIssuer,
        ErrorKind::InvalidAudience => TokenProblem::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => TokenProblem::MissingClaim(claim.clone()),
        _ => TokenProblem::Malformed,
    }
}

/// A JWT NumericDate (seconds since the epoch, possibly fractional) as a timestamp.
fn numeric_date(seconds: f64) -> Option<Timestamp> {
    // `as` saturates; jiff then refuses anything outside its range (years -9999..=9999).
    let whole = seconds.floor() as i64;
    seconds
        .is_finite()
        .then(|| Timestamp::from_second(whole).ok())
        .flatten()
}

/// Parses a PEM public key into a decoding key, checking it is RSA and big enough.
fn parse_public_key(pem: &str) -> Result<DecodingKey, String> {
    let key = DecodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|_| "expected a PEM-encoded RSA public key".to_owned())?;
    let der = key
        .try_get_as_bytes()
        .map_err(|_| "expected a PEM-encoded RSA public key".to_owned())?;
    let (modulus, exponent) = (jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
        .key_utils
        .rsa_pub_components_from_public_key)(der)
    .map_err(|error| format!("the RSA key does not parse ({error})"))?;
    let leading_zeros = modulus.iter().take_while(|byte| **byte == 0).count();
    let significant = &modulus[leading_zeros..];
    let bits = significant.first().map_or(0, |first| {
        significant.len() * 8 - first.leading_zeros() as usize
    });
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        ));
    }
    // Verification rebuilds the key from (n, e) without re-reading the PEM.
    Ok(DecodingKey::from_rsa_raw_components(&modulus, &exponent))
}

/// Whether `id` is a valid widget-generated anonymous id.
pub fn is_valid_anonymous_id(id: &str) -> bool {
    ANONYMOUS_ID_LENGTH.contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `id` is a valid `user_id`: 1-256 bytes of RFC 7230 visible ASCII (0x21-0x7E).
pub fn is_valid_user_id(id: &str) -> bool {
    (1..=MAX_USER_ID_BYTES).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Every site's identity rules, built once at start-up.
#[derive(Clone, Debug)]
pub struct IdentityVerifier {
    sites: HashMap<String, SiteKeys>,
}

impl IdentityVerifier {
    /// Parses every site's keys. A key that cannot be used is an error naming the site and
    /// the `kid`.
    pub fn from_settings(settings: &Settings) -> Result<Self, IdentityConfigError> {
        let sites = settings
            .sites
            .iter()
            .map(|site| Ok((site.id.clone(), SiteKeys::from_site(site)?)))
            .collect::<Result<_, IdentityConfigError>>()?;
        Ok(Self { sites })
    }

    /// The parsed rules of one site.
    pub fn site(&self, site_id: &str) -> Option<&SiteKeys> {
        self.sites.get(site_id)
    }

    /// Resolves a visitor's identity on `site_id` at `now`.
    pub fn verify(
        &self,
        site_id: &str,
        request: &IdentityRequest,
        now: Timestamp,
    ) -> Result<VisitorIdentity, IdentityError> {
        self.site(site_id)
            .ok_or_else(|| IdentityError::UnknownSite(site_id.to_owned()))?
            .resolve(request, now)
    }

    /// Checks a fresh `identity_token` sent during a conversation (after `identity_expired`):
    /// it must be valid and name the same visitor as `current`. Returns the new identity
    /// (same key, later `expires_at`).
    pub fn refresh(
        &self,
        site_id: &str,
        current: &VisitorIdentity,
        token: &str,
        now: Timestamp,
    ) -> Result<VisitorIdentity, IdentityError> {
        let request = IdentityRequest {
            identity_token: Some(token.to_owned()),
            ..IdentityRequest::default()
        };
        let fresh = self.verify(site_id, &request, now)?;
        if fresh.key != current.key {
            return Err(IdentityError::Mismatch);
        }
        Ok(fresh)
    }
}

/// Resolves a visitor's identity on `site` at `now`, parsing the site's keys on every call.
/// Servers use [`IdentityVerifier::verify`], which parses them once.
pub fn resolve(
    site: &SiteSettings,
    request: &IdentityRequest,
    now: Timestamp,
) -> Result<VisitorIdentity, IdentityError> {
    SiteKeys::from_site(site)?.resolve(request, now)
}

#[cfg(test)]
#[path = "identity_tests/mod.rs"]
mod tests;
