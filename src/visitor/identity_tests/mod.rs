//! The identity matrix: every way a token, a user id or an anonymous id is accepted or refused.
//! Shared fixtures and helpers here; token cases in `tokens`, ids, sites and keys in `identities`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use super::*;
use crate::config::{IdentityKey, Settings};

const REGISTERED_PRIVATE: &str =
    include_str!("../../../tests/fixtures/identity/registered_private.pem");
const REGISTERED_PUBLIC: &str =
    include_str!("../../../tests/fixtures/identity/registered_public.pem");
const FOREIGN_PRIVATE: &str = include_str!("../../../tests/fixtures/identity/foreign_private.pem");
const FOREIGN_PUBLIC: &str = include_str!("../../../tests/fixtures/identity/foreign_public.pem");
const WEAK_PUBLIC: &str = include_str!("../../../tests/fixtures/identity/weak_1024_public.pem");
const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/identity/ec_p256_public.pem");

const ISSUER: &str = "https://idp.example.test";
const NOW_S: i64 = 1_772_366_400; // 2026-03-01T12:00:00Z

fn now() -> Timestamp {
    Timestamp::from_second(NOW_S).unwrap()
}

fn key(kid: &str, pem: &str) -> IdentityKey {
    IdentityKey {
        kid: kid.to_owned(),
        public_key_pem: pem.to_owned(),
    }
}

/// `demo` registers the registered key as `demo-key`; `shop` registers the foreign key as
/// `shop-key`.
fn settings() -> Settings {
    let mut demo = SiteSettings::demo();
    demo.identity.issuer = Some(ISSUER.to_owned());
    demo.identity.keys = vec![key("demo-key", REGISTERED_PUBLIC)];
    let mut shop = SiteSettings::demo();
    shop.id = "shop".to_owned();
    shop.identity.keys = vec![key("shop-key", FOREIGN_PUBLIC)];
    Settings {
        sites: vec![demo, shop],
        ..Settings::default()
    }
}

fn verifier() -> IdentityVerifier {
    IdentityVerifier::from_settings(&settings()).unwrap()
}

fn claims() -> Value {
    json!({ "iss": ISSUER, "sub": "user-42", "aud": "demo", "exp": NOW_S + 600, "iat": NOW_S })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with exactly this header and these claims, signed with `key` under `alg`.
fn sign_raw(header: &Value, claims: &Value, alg: Algorithm, key: &EncodingKey) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

fn rsa(pem: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
}

fn signed(header: &Value, claims: &Value) -> String {
    sign_raw(header, claims, Algorithm::RS256, &rsa(REGISTERED_PRIVATE))
}

fn rs256(kid: &str) -> Value {
    json!({ "alg": "RS256", "typ": "JWT", "kid": kid })
}

fn with_claim(name: &str, value: Value) -> Value {
    let mut claims = claims();
    claims[name] = value;
    claims
}

fn without_claim(name: &str) -> Value {
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn token_request(token: &str) -> IdentityRequest {
    IdentityRequest {
        identity_token: Some(token.to_owned()),
        ..IdentityRequest::default()
    }
}

fn check_at(site: &str, token: &str) -> Result<VisitorIdentity, IdentityError> {
    verifier().verify(site, &token_request(token), now())
}

fn check(token: &str) -> Result<VisitorIdentity, IdentityError> {
    check_at("demo", token)
}

fn refused(token: &str) -> TokenProblem {
    match check(token) {
        Err(IdentityError::InvalidToken(problem)) => problem,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

mod identities;
mod tokens;
