//! Visitor identity from configuration to verdict: keys written in a TOML config file are
//! loaded, parsed once into an `IdentityVerifier`, and tokens are checked per site.
//!
//! The full JWT matrix runs as unit tests in `src/visitor/identity_tests.rs`; the last tests
//! here send each identity case through the session start (`POST /api/v1/sites/{site}/sessions`)
//! and check the contract's status and error code.

use std::path::Path;

use jiff::Timestamp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use staffetta::config::Settings;
use staffetta::visitor::identity::{
    IdentityConfigError, IdentityError, IdentityKind, IdentityRequest, IdentityVerifier,
    TokenProblem,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name)).expect("fixture exists")
}

/// A config with two sites: `demo` trusts the registered key, `shop` the foreign one.
fn config_with_keys(demo_pem: &str, shop_pem: &str) -> String {
    format!(
        r#"
[[sites]]
id = "demo"
allowed_origins = ["http://localhost:8080"]
[sites.identity]
issuer = "https://idp.example.test"
[[sites.identity.keys]]
kid = "demo-2026"
public_key_pem = """
{demo_pem}"""

[[sites]]
id = "shop"
allowed_origins = ["https://shop.example.test"]
[sites.identity]
required = true
[[sites.identity.keys]]
kid = "shop-2026"
public_key_pem = """
{shop_pem}"""
"#
    )
}

fn load(config: &str) -> (tempfile::TempDir, Settings) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staffetta.toml");
    std::fs::write(&path, config).unwrap();
    let settings = Settings::load(Some(&path), Vec::new()).expect("config loads");
    (dir, settings)
}

fn token(kid: &str, private_pem: &str, aud: &str, exp: i64) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let claims = json!({
        "iss": "https://idp.example.test",
        "sub": "customer-7",
        "aud": aud,
        "exp": exp,
    });
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn with_token(token: String) -> IdentityRequest {
    IdentityRequest {
        identity_token: Some(token),
        ..IdentityRequest::default()
    }
}

#[test]
fn keys_from_a_config_file_verify_tokens_of_their_own_site_only() {
    let (_dir, settings) = load(&config_with_keys(
        &fixture("registered_public.pem"),
        &fixture("foreign_public.pem"),
    ));
    let verifier = IdentityVerifier::from_settings(&settings).expect("keys parse");
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let exp = now.as_second() + 300;
    let registered = fixture("registered_private.pem");
    let foreign = fixture("foreign_private.pem");

    let demo = verifier
        .verify(
            "demo",
            &with_token(token("demo-2026", &registered, "demo", exp)),
            now,
        )
        .unwrap();
    assert_eq!(demo.kind, IdentityKind::Verified);
    assert_eq!(demo.key, "s:customer-7");
    assert_eq!(demo.expires_at, Some(Timestamp::from_second(exp).unwrap()));

    let shop = verifier
        .verify(
            "shop",
            &with_token(token("shop-2026", &foreign, "shop", exp)),
            now,
        )
        .unwrap();
    assert_eq!(shop.key, "s:customer-7");

    // The shop's key and kid mean nothing on demo, even with demo as the audience.
    assert_eq!(
        verifier.verify(
            "demo",
            &with_token(token("shop-2026", &foreign, "demo", exp)),
            now
        ),
        Err(IdentityError::InvalidToken(TokenProblem::UnknownKid))
    );
    // demo's kid with the shop's signature.
    assert_eq!(
        verifier.verify(
            "demo",
            &with_token(token("demo-2026", &foreign, "demo", exp)),
            now
        ),
        Err(IdentityError::InvalidToken(TokenProblem::BadSignature))
    );
    // A token for demo is not one for shop.
    assert_eq!(
        verifier.verify(
            "shop",
            &with_token(token("shop-2026", &foreign, "demo", exp)),
            now
        ),
        Err(IdentityError::InvalidToken(TokenProblem::WrongAudience))
    );
}

#[test]
fn a_site_requiring_identity_in_config_refuses_anonymous_visitors() {
    let (_dir, settings) = load(&config_with_keys(
        &fixture("registered_public.pem"),
        &fixture("foreign_public.pem"),
    ));
    let verifier = IdentityVerifier::from_settings(&settings).unwrap();
    let anonymous = IdentityRequest {
        anonymous_id: Some("k3Jx9_visitor-0001".to_owned()),
        ..IdentityRequest::default()
    };
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    assert_eq!(
        verifier.verify("demo", &anonymous, now).unwrap().kind,
        IdentityKind::Anonymous
    );
    assert_eq!(
        verifier.verify("shop", &anonymous, now),
        Err(IdentityError::Required)
    );
}

#[test]
fn an_expired_token_from_config_keys_is_reported_as_expired() {
    let (_dir, settings) = load(&config_with_keys(
        &fixture("registered_public.pem"),
        &fixture("foreign_public.pem"),
    ));
    let verifier = IdentityVerifier::from_settings(&settings).unwrap();
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let expired = token(
        "demo-2026",
        &fixture("registered_private.pem"),
        "demo",
        now.as_second() - 3600,
    );
    assert!(matches!(
        verifier.verify("demo", &with_token(expired), now),
        Err(IdentityError::Expired { .. })
    ));
}

#[test]
fn a_malformed_configured_key_is_a_start_up_error_naming_site_and_kid() {
    // Passes the config loader's PEM shape check, but is no RSA key.
    let broken = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n";
    let (_dir, settings) = load(&config_with_keys(&fixture("registered_public.pem"), broken));
    let error = IdentityVerifier::from_settings(&settings).unwrap_err();
    assert!(
        matches!(&error, IdentityConfigError::InvalidKey { site, kid, .. } if site == "shop" && kid == "shop-2026"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("site `shop`"), "{message}");
    assert!(message.contains("`shop-2026`"), "{message}");
}

#[test]
fn a_too_short_rsa_key_is_a_start_up_error() {
    let (_dir, settings) = load(&config_with_keys(
        &fixture("weak_1024_public.pem"),
        &fixture("foreign_public.pem"),
    ));
    let message = IdentityVerifier::from_settings(&settings)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("site `demo`") && message.contains("demo-2026"),
        "{message}"
    );
    assert!(message.contains("2048"), "{message}");
}

// --- Through the session start: `POST /api/v1/sites/{site}/sessions` ---

const ORIGIN: &str = "http://localhost:3000";

/// Starts a session on `site` with `body`; returns the status and the error code, if any.
async fn start_session(
    app: &crate::support::TestApp,
    site: &str,
    body: serde_json::Value,
) -> (u16, Option<String>) {
    let response = app
        .http
        .post(format!("{}/api/v1/sites/{site}/sessions", app.base_url))
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let code = body["error"]["code"].as_str().map(str::to_owned);
    (status, code)
}

/// `demo` trusts the registered key as `demo-2026` with the test issuer.
pub(crate) async fn spawn_with_keys(required: bool) -> crate::support::TestApp {
    crate::support::spawn_app_with(|settings| {
        let demo = &mut settings.sites[0];
        demo.identity.issuer = Some("https://idp.example.test".to_owned());
        demo.identity.required = required;
        demo.identity.keys = vec![registered_key()];
    })
    .await
}

/// The public key that [`token_expiring_on_node`] and [`live_token`] tokens are signed for.
pub(crate) fn registered_key() -> staffetta::config::IdentityKey {
    staffetta::config::IdentityKey {
        kid: "demo-2026".to_owned(),
        public_key_pem: fixture("registered_public.pem"),
    }
}

pub(crate) fn live_token(private: &str, exp_from_now_s: i64) -> String {
    token(
        "demo-2026",
        &fixture(private),
        "demo",
        Timestamp::now().as_second() + exp_from_now_s,
    )
}

/// A token of the registered key that expires `exp_in_s` after the node's clock now (the
/// server checks `exp` against that clock, which stands still until a test advances it).
pub(crate) fn token_expiring_on_node(app: &crate::support::TestApp, exp_in_s: i64) -> String {
    token(
        "demo-2026",
        &fixture("registered_private.pem"),
        "demo",
        app.clock.now_ms().div_euclid(1000) + exp_in_s,
    )
}

#[tokio::test]
async fn session_start_answers_each_identity_case_with_its_contract_code() {
    let app = spawn_with_keys(false).await;
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("demo-2026".to_owned());
        let claims = json!({
            "iss": "https://idp.example.test", "sub": "customer-7", "aud": "demo",
            "exp": Timestamp::now().as_second() + 600,
        });
        let secret = EncodingKey::from_secret(fixture("registered_public.pem").as_bytes());
        jsonwebtoken::encode(&header, &claims, &secret).unwrap()
    };
    let cases = [
        (
            json!({ "identity_token": live_token("registered_private.pem", 600) }),
            200,
            None,
        ),
        (json!({ "anonymous_id": "k3Jx9_visitor-0001" }), 200, None),
        (json!({ "user_id": "customer-7@example.test" }), 200, None),
        (
            json!({ "identity_token": live_token("registered_private.pem", -600) }),
            401,
            Some("identity_expired"),
        ),
        (
            json!({ "identity_token": live_token("foreign_private.pem", 600) }),
            401,
            Some("invalid_identity_token"),
        ),
        (
            json!({ "identity_token": hs256 }),
            401,
            Some("invalid_identity_token"),
        ),
        (
            json!({ "user_id": "has space" }),
            400,
            Some("invalid_user_id"),
        ),
        (
            json!({ "anonymous_id": "short" }),
            400,
            Some("invalid_anonymous_id"),
        ),
    ];
    for (body, status, code) in cases {
        let (got_status, got_code) = start_session(&app, "demo", body.clone()).await;
        let got_status = if (200..300).contains(&got_status) {
            200
        } else {
            got_status
        };
        assert_eq!((got_status, got_code.as_deref()), (status, code), "{body}");
    }
}

#[tokio::test]
async fn a_site_that_requires_identity_refuses_anonymous_session_starts() {
    let app = spawn_with_keys(true).await;
    let (status, code) = start_session(
        &app,
        "demo",
        json!({ "anonymous_id": "k3Jx9_visitor-0001" }),
    )
    .await;
    assert_eq!((status, code.as_deref()), (401, Some("identity_required")));
    let (status, code) = start_session(&app, "demo", json!({ "user_id": "alice" })).await;
    assert_eq!((status, code.as_deref()), (401, Some("identity_required")));
    let (status, _) = start_session(
        &app,
        "demo",
        json!({ "identity_token": live_token("registered_private.pem", 600) }),
    )
    .await;
    assert!((200..300).contains(&status), "{status}");
}
