//! Identity tokens: accepted shapes, and every refusal of the RS256 JWT matrix.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::*;

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
fn a_one_element_audience_list_naming_the_site_is_accepted() {
    let token = signed(&rs256("demo-key"), &with_claim("aud", json!(["demo"])));
    assert!(check(&token).is_ok());
}

#[test]
fn an_audience_list_naming_the_site_among_others_is_refused() {
    // A token meant for several relying parties could be replayed from any of them here.
    for aud in [
        json!(["other", "demo"]),
        json!(["demo", "other"]),
        json!(["demo", "demo"]),
    ] {
        let token = signed(&rs256("demo-key"), &with_claim("aud", aud.clone()));
        assert_eq!(refused(&token), TokenProblem::WrongAudience, "{aud}");
    }
    // A list with values of other types is not an audience at all (`jsonwebtoken` reports it
    // as missing); refused either way.
    for aud in [json!(["demo", 7]), json!(["demo", null])] {
        let token = signed(&rs256("demo-key"), &with_claim("aud", aud.clone()));
        assert_eq!(
            refused(&token),
            TokenProblem::MissingClaim("aud".to_owned()),
            "{aud}"
        );
    }
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
