//! Anonymous ids, user ids, required identity, error mapping and configured keys.

use serde_json::json;

use super::*;

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
