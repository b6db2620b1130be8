//! The identity matrix: every way a token, a user id or an anonymous id is accepted or refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::config::{IdentityKey, Settings};

const REGISTERED_PRIVATE: &str =
    include_str!("../../tests/fixtures/identity/registered_private.pem");
const REGISTERED_PUBLIC: &str = include_str!("../../tests/fixtures/identity/registered_public.pem");
const FOREIGN_PRIVATE: &str = include_str!("../../tests/fixtures/identity/foreign_private.pem");
const FOREIGN_PUBLIC: &str = include_str!("../../tests/fixtures/identity/foreign_public.pem");
const WEAK_PUBLIC: &str = include_str!("../../tests/fixtures/identity/weak_1024_public.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/identity/ec_p256_public.pem");

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

#[test]
fn a_valid_token_gives_a_verified_identity_keyed_by_sub() {
    let identity = check(&signed(&rs256("demo-key"), &claims())).unwrap();
    assert_eq!(
        identity,
        VisitorIdentity {
            kind: IdentityKind::Verified,
            key: "s:user-42".to_owned(),
            expires_at: Some(Timestamp::from_second(NOW_S + 600).unwrap()),
        }
    );
}

#[test]
fn a_token_made_by_jsonwebtoken_encode_is_accepted() {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("demo-key".to_owned());
    let token = jsonwebtoken::encode(&header, &claims(), &rsa(REGISTERED_PRIVATE)).unwrap();
    assert_eq!(check(&token).unwrap().key, "s:user-42");
}

#[test]
fn an_audience_list_naming_the_site_is_accepted() {
    let token = signed(
        &rs256("demo-key"),
        &with_claim("aud", json!(["other", "demo"])),
    );
    assert!(check(&token).is_ok());
}

#[test]
fn the_token_wins_over_user_id_and_anonymous_id() {
    let request = IdentityRequest {
        anonymous_id: Some("anon-0123456789abcdef".to_owned()),
        user_id: Some("claimed".to_owned()),
        identity_token: Some(signed(&rs256("demo-key"), &claims())),
    };
    let identity = verifier().verify("demo", &request, now()).unwrap();
    assert_eq!(identity.kind, IdentityKind::Verified);
    assert_eq!(identity.key, "s:user-42");
}

#[test]
fn alg_none_is_refused_in_any_spelling() {
    for alg in ["none", "None", "NONE"] {
        let header = json!({ "alg": alg, "kid": "demo-key" });
        let unsigned = format!(
            "{}.{}.",
            b64(header.to_string().as_bytes()),
            b64(claims().to_string().as_bytes())
        );
        assert_eq!(
            refused(&unsigned),
            TokenProblem::UnsupportedAlgorithm,
            "{alg}"
        );
    }
}

#[test]
fn hs256_signed_with_the_public_key_as_secret_is_refused() {
    let header = json!({ "alg": "HS256", "kid": "demo-key" });
    let secret = EncodingKey::from_secret(REGISTERED_PUBLIC.as_bytes());
    let token = sign_raw(&header, &claims(), Algorithm::HS256, &secret);
    assert_eq!(refused(&token), TokenProblem::UnsupportedAlgorithm);
}

#[test]
fn other_rsa_algorithms_with_the_registered_key_are_refused() {
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let header = json!({ "alg": format!("{alg:?}"), "kid": "demo-key" });
        let token = sign_raw(&header, &claims(), alg, &rsa(REGISTERED_PRIVATE));
        assert_eq!(
            refused(&token),
            TokenProblem::UnsupportedAlgorithm,
            "{alg:?}"
        );
    }
    let no_alg = signed(&json!({ "kid": "demo-key" }), &claims());
    assert_eq!(refused(&no_alg), TokenProblem::UnsupportedAlgorithm);
}

#[test]
fn a_missing_kid_is_refused() {
    let token = signed(&json!({ "alg": "RS256" }), &claims());
    assert_eq!(refused(&token), TokenProblem::MissingKid);
}

#[test]
fn an_unknown_kid_is_refused() {
    let token = signed(&rs256("nobody"), &claims());
    assert_eq!(refused(&token), TokenProblem::UnknownKid);
}

#[test]
fn another_sites_kid_is_unknown_here_but_valid_there() {
    let token = sign_raw(
        &rs256("shop-key"),
        &with_claim("aud", json!("demo")),
        Algorithm::RS256,
        &rsa(FOREIGN_PRIVATE),
    );
    assert_eq!(refused(&token), TokenProblem::UnknownKid);

    let for_shop = sign_raw(
        &rs256("shop-key"),
        &with_claim("aud", json!("shop")),
        Algorithm::RS256,
        &rsa(FOREIGN_PRIVATE),
    );
    assert_eq!(check_at("shop", &for_shop).unwrap().key, "s:user-42");
}

#[test]
fn a_registered_kid_with_a_foreign_signature_is_refused() {
    let token = sign_raw(
        &rs256("demo-key"),
        &claims(),
        Algorithm::RS256,
        &rsa(FOREIGN_PRIVATE),
    );
    assert_eq!(refused(&token), TokenProblem::BadSignature);
}

#[test]
fn claims_changed_after_signing_are_refused() {
    let token = signed(&rs256("demo-key"), &claims());
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with_claim("sub", json!("admin")).to_string().as_bytes());
    parts[1] = &forged;
    assert_eq!(refused(&parts.join(".")), TokenProblem::BadSignature);
}

#[test]
fn embedded_or_referenced_keys_in_the_header_are_refused() {
    let attacker_jwk = json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" });
    let cases = [
        ("jwk", attacker_jwk),
        ("jku", json!("https://evil.test/keys.json")),
        ("x5u", json!("https://evil.test/cert.pem")),
        ("x5c", json!(["MIIB"])),
    ];
    for (name, value) in cases {
        let mut header = rs256("demo-key");
        header[name] = value;
        // Signed with the attacker's own key, as the embedded key would claim.
        let token = sign_raw(&header, &claims(), Algorithm::RS256, &rsa(FOREIGN_PRIVATE));
        assert_eq!(refused(&token), TokenProblem::EmbeddedKey(name), "{name}");
        // Even with a genuine signature the header is refused.
        let genuine = signed(&header, &claims());
        assert_eq!(refused(&genuine), TokenProblem::EmbeddedKey(name), "{name}");
    }
}

#[test]
fn a_crit_header_is_refused() {
    let mut header = rs256("demo-key");
    header["crit"] = json!(["exp"]);
    assert_eq!(
        refused(&signed(&header, &claims())),
        TokenProblem::CriticalHeader
    );
}

#[test]
fn an_expired_token_is_reported_as_expired_after_the_leeway() {
    let just_inside = signed(&rs256("demo-key"), &with_claim("exp", json!(NOW_S - 30)));
    assert!(check(&just_inside).is_ok());

    let expired = signed(&rs256("demo-key"), &with_claim("exp", json!(NOW_S - 31)));
    assert_eq!(
        check(&expired),
        Err(IdentityError::Expired {
            expired_at: Timestamp::from_second(NOW_S - 31).unwrap()
        })
    );
    let long_gone = signed(&rs256("demo-key"), &with_claim("exp", json!(1_000_000)));
    assert!(matches!(
        check(&long_gone),
        Err(IdentityError::Expired { .. })
    ));
}

#[test]
fn a_fractional_exp_is_read_as_seconds() {
    let token = signed(
        &rs256("demo-key"),
        &with_claim("exp", json!(NOW_S as f64 + 10.75)),
    );
    let identity = check(&token).unwrap();
    assert_eq!(
        identity.expires_at,
        Some(Timestamp::from_second(NOW_S + 10).unwrap())
    );
}

#[test]
fn a_token_not_valid_yet_is_refused_after_the_leeway() {
    let soon = signed(&rs256("demo-key"), &with_claim("nbf", json!(NOW_S + 30)));
    assert!(check(&soon).is_ok());
    let later = signed(&rs256("demo-key"), &with_claim("nbf", json!(NOW_S + 31)));
    assert_eq!(refused(&later), TokenProblem::NotYetValid);
}

#[test]
fn every_required_claim_must_be_present() {
    for name in ["iss", "sub", "exp", "aud"] {
        let token = signed(&rs256("demo-key"), &without_claim(name));
        assert_eq!(
            refused(&token),
            TokenProblem::MissingClaim(name.to_owned()),
            "{name}"
        );
    }
}

#[test]
fn iss_is_required_even_when_no_issuer_is_configured() {
    // `shop` configures no issuer: any iss is accepted, but one must be present.
    let sign_for_shop = |claims: &Value| {
        sign_raw(
            &rs256("shop-key"),
            claims,
            Algorithm::RS256,
            &rsa(FOREIGN_PRIVATE),
        )
    };
    let mut claims = with_claim("aud", json!("shop"));
    claims["iss"] = json!("https://any-issuer.test");
    assert!(check_at("shop", &sign_for_shop(&claims)).is_ok());
    claims.as_object_mut().unwrap().remove("iss");
    assert_eq!(
        check_at("shop", &sign_for_shop(&claims)),
        Err(IdentityError::InvalidToken(TokenProblem::MissingClaim(
            "iss".to_owned()
        )))
    );
}

#[test]
fn a_wrong_issuer_is_refused() {
    let token = signed(
        &rs256("demo-key"),
        &with_claim("iss", json!("https://evil.test")),
    );
    assert_eq!(refused(&token), TokenProblem::WrongIssuer);
}

#[test]
fn a_wrong_audience_is_refused() {
    for aud in [json!("shop"), json!(["shop", "other"]), json!("DEMO")] {
        let token = signed(&rs256("demo-key"), &with_claim("aud", aud.clone()));
        assert_eq!(refused(&token), TokenProblem::WrongAudience, "{aud}");
    }
}

#[test]
fn a_configured_audience_replaces_the_site_id() {
    let mut settings = settings();
    settings.sites[0].identity.audience = Some("https://demo.example.test".to_owned());
    let verifier = IdentityVerifier::from_settings(&settings).unwrap();
    let verify = |aud: &str| {
        let token = signed(&rs256("demo-key"), &with_claim("aud", json!(aud)));
        verifier.verify("demo", &token_request(&token), now())
    };
    assert!(verify("https://demo.example.test").is_ok());
    assert_eq!(
        verify("demo"),
        Err(IdentityError::InvalidToken(TokenProblem::WrongAudience))
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let valid = signed(&rs256("demo-key"), &claims());
    let parts: Vec<&str> = valid.split('.').collect();
    let not_json = b64(b"not json");
    let cases = [
        String::new(),
        "abc".to_owned(),
        "a.b".to_owned(),
        format!("{valid}.extra"),
        format!("!!!.{}.{}", parts[1], parts[2]),
        format!("{not_json}.{}.{}", parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], parts[1], "%%%"),
        format!("{}.{}.{}", parts[0], "%%%", parts[2]),
        signed(&json!({ "alg": "RS256", "kid": 7 }), &claims()),
        signed(&rs256("demo-key"), &json!("a string, not an object")),
        signed(&rs256("demo-key"), &with_claim("exp", json!("tomorrow"))),
        signed(&rs256("demo-key"), &with_claim("sub", json!(42))),
    ];
    for token in cases {
        assert_eq!(refused(&token), TokenProblem::Malformed, "{token}");
    }
}

#[test]
fn out_of_range_times_are_refused() {
    let token = signed(&rs256("demo-key"), &with_claim("exp", json!(1e300)));
    assert_eq!(refused(&token), TokenProblem::InvalidTime("exp"));
    let token = signed(&rs256("demo-key"), &with_claim("nbf", json!(-1e300)));
    assert_eq!(refused(&token), TokenProblem::InvalidTime("nbf"));
}

#[test]
fn an_empty_or_odd_subject_is_refused() {
    for sub in [json!(""), json!("line\nbreak"), json!("x".repeat(257))] {
        let token = signed(&rs256("demo-key"), &with_claim("sub", sub.clone()));
        assert_eq!(refused(&token), TokenProblem::InvalidSubject, "{sub}");
    }
}

#[test]
fn an_oversize_token_is_refused_before_parsing() {
    let padded = signed(
        &rs256("demo-key"),
        &with_claim("pad", json!("x".repeat(8 * 1024))),
    );
    assert!(padded.len() > MAX_TOKEN_BYTES);
    assert_eq!(refused(&padded), TokenProblem::TooLarge);
    assert_eq!(
        refused(&"a".repeat(MAX_TOKEN_BYTES + 1)),
        TokenProblem::TooLarge
    );
}

#[test]
fn anonymous_ids_are_16_to_128_url_safe_characters() {
    let verifier = verifier();
    let resolve = |id: &str| {
        let request = IdentityRequest {
            anonymous_id: Some(id.to_owned()),
            ..IdentityRequest::default()
        };
        verifier.verify("demo", &request, now())
    };
    for good in [
        "a".repeat(16),
        "Z9_-".repeat(32),
        "0123456789abcdefXYZ_-".to_owned(),
    ] {
        let identity = resolve(&good).unwrap();
        assert_eq!(identity.kind, IdentityKind::Anonymous);
        assert_eq!(identity.key, format!("a:{good}"));
        assert_eq!(identity.expires_at, None);
    }
    for bad in [
        "a".repeat(15),
        "a".repeat(129),
        "0123456789abcdef!".to_owned(),
        "0123456789abcdef.".to_owned(),
        "0123456789 abcdef".to_owned(),
        "0123456789abcdefé".to_owned(),
    ] {
        assert_eq!(
            resolve(&bad),
            Err(IdentityError::InvalidAnonymousId),
            "{bad}"
        );
    }
}

#[test]
fn user_ids_are_visible_ascii_up_to_256_bytes() {
    let verifier = verifier();
    let resolve = |id: &str| {
        let request = IdentityRequest {
            user_id: Some(id.to_owned()),
            anonymous_id: Some("anon-0123456789abcdef".to_owned()),
            ..IdentityRequest::default()
        };
        verifier.verify("demo", &request, now())
    };
    for good in [
        "x".to_owned(),
        "!~user@example.test#42".to_owned(),
        "u".repeat(256),
    ] {
        let identity = resolve(&good).unwrap();
        assert_eq!(identity.kind, IdentityKind::UserId);
        assert_eq!(identity.key, format!("u:{good}"));
    }
    for bad in [
        String::new(),
        "u".repeat(257),
        "with space".to_owned(),
        "tab\there".to_owned(),
        "del\u{7f}".to_owned(),
        "naïve".to_owned(),
    ] {
        assert_eq!(resolve(&bad), Err(IdentityError::InvalidUserId), "{bad:?}");
    }
}

#[test]
fn a_request_without_any_identity_is_refused() {
    let result = verifier().verify("demo", &IdentityRequest::default(), now());
    assert_eq!(result, Err(IdentityError::Missing));
    let api = ApiError::from(IdentityError::Missing);
    assert_eq!(
        (api.status().as_u16(), api.code()),
        (400, "invalid_anonymous_id")
    );
}

#[test]
fn a_site_that_requires_identity_refuses_anonymous_and_user_id_visitors() {
    let mut settings = settings();
    settings.sites[0].identity.required = true;
    let verifier = IdentityVerifier::from_settings(&settings).unwrap();
    let anonymous = IdentityRequest {
        anonymous_id: Some("anon-0123456789abcdef".to_owned()),
        ..IdentityRequest::default()
    };
    let claimed = IdentityRequest {
        user_id: Some("alice".to_owned()),
        ..IdentityRequest::default()
    };
    for request in [anonymous, claimed, IdentityRequest::default()] {
        assert_eq!(
            verifier.verify("demo", &request, now()),
            Err(IdentityError::Required)
        );
    }
    let token = token_request(&signed(&rs256("demo-key"), &claims()));
    assert!(verifier.verify("demo", &token, now()).is_ok());
}

#[test]
fn errors_map_to_the_contract_codes_without_echoing_the_token() {
    let token = signed(&rs256("nobody"), &claims());
    let error = check(&token).unwrap_err();
    assert!(!error.to_string().contains(&token));
    assert!(!error.to_string().contains(token.split('.').nth(1).unwrap()));
    let cases = [
        (IdentityError::Required, 401, "identity_required"),
        (error, 401, "invalid_identity_token"),
        (
            IdentityError::Expired { expired_at: now() },
            401,
            "identity_expired",
        ),
        (IdentityError::InvalidUserId, 400, "invalid_user_id"),
        (
            IdentityError::InvalidAnonymousId,
            400,
            "invalid_anonymous_id",
        ),
        (IdentityError::Mismatch, 403, "identity_mismatch"),
        (
            IdentityError::UnknownSite("x".to_owned()),
            404,
            "unknown_site",
        ),
    ];
    for (error, status, code) in cases {
        let api = ApiError::from(error);
        assert_eq!((api.status().as_u16(), api.code()), (status, code));
    }
}

#[test]
fn an_unknown_site_is_reported() {
    let request = token_request(&signed(&rs256("demo-key"), &claims()));
    assert_eq!(
        verifier().verify("nope", &request, now()),
        Err(IdentityError::UnknownSite("nope".to_owned()))
    );
}

#[test]
fn a_fresh_token_for_the_same_visitor_extends_the_identity() {
    let verifier = verifier();
    let first = check(&signed(&rs256("demo-key"), &claims())).unwrap();
    let later = now().checked_add(SignedDuration::from_secs(900)).unwrap();
    let fresh = signed(&rs256("demo-key"), &with_claim("exp", json!(NOW_S + 3600)));
    let refreshed = verifier.refresh("demo", &first, &fresh, later).unwrap();
    assert_eq!(refreshed.key, first.key);
    assert_eq!(
        refreshed.expires_at,
        Some(Timestamp::from_second(NOW_S + 3600).unwrap())
    );

    let someone_else = signed(&rs256("demo-key"), &with_claim("sub", json!("user-43")));
    assert_eq!(
        verifier.refresh("demo", &first, &someone_else, now()),
        Err(IdentityError::Mismatch)
    );
    let anonymous = VisitorIdentity {
        kind: IdentityKind::Anonymous,
        key: "a:anon-0123456789abcdef".to_owned(),
        expires_at: None,
    };
    assert_eq!(
        verifier.refresh("demo", &anonymous, &fresh, now()),
        Err(IdentityError::Mismatch)
    );
    let stale = signed(&rs256("demo-key"), &with_claim("exp", json!(NOW_S - 60)));
    assert!(matches!(
        verifier.refresh("demo", &first, &stale, now()),
        Err(IdentityError::Expired { .. })
    ));
}

#[test]
fn resolve_parses_the_site_keys_itself() {
    let site = &settings().sites[0];
    let request = token_request(&signed(&rs256("demo-key"), &claims()));
    assert_eq!(resolve(site, &request, now()).unwrap().key, "s:user-42");
}

fn config_error(pem: &str) -> IdentityConfigError {
    let mut settings = settings();
    settings.sites[1].identity.keys.push(key("bad-key", pem));
    IdentityVerifier::from_settings(&settings).unwrap_err()
}

#[test]
fn unusable_keys_are_start_up_errors_naming_site_and_kid() {
    let truncated = &REGISTERED_PUBLIC[..REGISTERED_PUBLIC.len() / 2];
    let garbage = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    for pem in [
        truncated,
        garbage,
        "",
        EC_PUBLIC,
        WEAK_PUBLIC,
        REGISTERED_PRIVATE,
    ] {
        let error = config_error(pem);
        assert!(
            matches!(&error, IdentityConfigError::InvalidKey { site, kid, .. } if site == "shop" && kid == "bad-key"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("`shop`") && message.contains("`bad-key`"),
            "{message}"
        );
    }
    assert!(config_error(WEAK_PUBLIC).to_string().contains("1024 bits"));
}

#[test]
fn duplicate_and_empty_kids_are_start_up_errors() {
    let mut settings = settings();
    settings.sites[0]
        .identity
        .keys
        .push(key("demo-key", FOREIGN_PUBLIC));
    assert_eq!(
        IdentityVerifier::from_settings(&settings).unwrap_err(),
        IdentityConfigError::DuplicateKid {
            site: "demo".to_owned(),
            kid: "demo-key".to_owned()
        }
    );
    let mut settings = self::settings();
    settings.sites[1]
        .identity
        .keys
        .push(key("", FOREIGN_PUBLIC));
    assert_eq!(
        IdentityVerifier::from_settings(&settings).unwrap_err(),
        IdentityConfigError::EmptyKid {
            site: "shop".to_owned()
        }
    );
}

#[test]
fn debug_output_lists_kids_but_no_key_material() {
    let debug = format!("{:?}", verifier());
    assert!(debug.contains("demo-key"));
    assert!(!debug.contains("MII"));
}
