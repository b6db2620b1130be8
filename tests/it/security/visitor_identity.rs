//! J-01, J-03, J-04, J-05, J-07 through the session start: the cases the unit matrix in
//! `src/visitor/identity_tests/` and `tests/it/identity.rs` leave out. Tokens are signed at
//! test time with the fixture key; headers and claims are written as raw JSON so duplicate
//! keys and wrong types reach the server exactly as an attacker would send them.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use staffetta::config::IdentityKey;

use super::support::add_copy_of_first_site;
use crate::handoff::console;
use crate::support::{TestApp, spawn_app_with};

const ISSUER: &str = "https://idp.example.test";
const KID: &str = "demo-2026";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/identity/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

/// `demo` and `shop` both trust the registered key under the same kid (one identity
/// provider, two sites); `required` makes `demo` refuse visitors without a token.
async fn spawn_with_keys(required: bool) -> TestApp {
    spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(crate::handoff::ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.limits.new_sessions_per_minute = 1000;
        let demo = &mut settings.sites[0];
        demo.identity.issuer = Some(ISSUER.to_owned());
        demo.identity.required = required;
        demo.identity.keys = vec![IdentityKey {
            kid: KID.to_owned(),
            public_key_pem: fixture("registered_public.pem"),
        }];
        add_copy_of_first_site(settings, "shop");
    })
    .await
}

fn now_s() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Claims of a valid token for `demo`, as raw JSON text.
fn claims_json(sub: &str) -> String {
    format!(
        r#"{{"iss":"{ISSUER}","sub":"{sub}","aud":"demo","exp":{}}}"#,
        now_s() + 600
    )
}

fn header_json() -> String {
    format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{KID}"}}"#)
}

/// Signs exactly these header and claims bytes with the registered private key.
fn sign_raw(header: &str, claims: &str) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = EncodingKey::from_rsa_pem(fixture("registered_private.pem").as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::RS256).unwrap();
    format!("{message}.{signature}")
}

fn valid_token(sub: &str) -> String {
    sign_raw(&header_json(), &claims_json(sub))
}

/// (status, code) of a session start on `site` with `body`.
async fn start(app: &TestApp, site: &str, body: Value) -> (u16, String, Value) {
    let answer = app.start_session_raw(site, &body).await;
    (
        answer.status.as_u16(),
        answer.code().to_owned(),
        answer.body,
    )
}

/// (status, code, body) of a session start on `site` with `token` as the only identity.
async fn start_with_token(app: &TestApp, site: &str, token: &str) -> (u16, String, Value) {
    start(app, site, json!({ "identity_token": token })).await
}

/// A token for `demo` signed with the registered key whose header names `alg` (raw JSON: a
/// string, a list, ...) and the registered kid.
fn with_alg(alg: &str) -> String {
    sign_raw(
        &format!(r#"{{"alg":{alg},"kid":"{KID}"}}"#),
        &claims_json("a"),
    )
}

async fn assert_refused(app: &TestApp, what: &str, token: &str) {
    let (status, code, body) = start_with_token(app, "demo", token).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "invalid_identity_token"),
        "{what}: {body}"
    );
    // The refusal never echoes the token.
    let text = body.to_string();
    assert!(token.len() < 8 || !text.contains(token), "{what}: {text}");
}

fn flip_bit(part: &str, byte: usize) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(part).unwrap();
    let at = byte.min(bytes.len() - 1);
    bytes[at] ^= 0x01;
    URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn tampered_unsigned_and_non_canonical_tokens_are_refused() {
    let app = spawn_with_keys(false).await;
    let valid = valid_token("customer-7");
    let (status, _, body) = start_with_token(&app, "demo", &valid).await;
    assert_eq!(status, 201, "the control token works: {body}");
    let parts: Vec<&str> = valid.split('.').collect();
    let padded = |part: &str| {
        let bytes = URL_SAFE_NO_PAD.decode(part).unwrap();
        STANDARD.encode(bytes)
    };
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let cases = [
        (
            "signature bit flipped",
            format!("{}.{}.{}", parts[0], parts[1], flip_bit(parts[2], 10)),
        ),
        (
            "last signature bit flipped",
            format!(
                "{}.{}.{}",
                parts[0],
                parts[1],
                flip_bit(parts[2], usize::MAX)
            ),
        ),
        (
            "payload bit flipped",
            format!("{}.{}.{}", parts[0], flip_bit(parts[1], 20), parts[2]),
        ),
        (
            "standard base64 with padding",
            format!(
                "{}.{}.{}",
                padded(parts[0]),
                padded(parts[1]),
                padded(parts[2])
            ),
        ),
        (
            "padding appended",
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        ),
        ("trailing dot", format!("{valid}.")),
        ("trailing garbage", format!("{valid}garbage!")),
        ("leading blank", format!(" {valid}")),
        (
            "alg none, empty signature",
            format!("{none_header}.{}.", parts[1]),
        ),
        (
            "alg none, kept signature",
            format!("{none_header}.{}.{}", parts[1], parts[2]),
        ),
        (
            "duplicate alg in header",
            sign_raw(
                &format!(r#"{{"alg":"none","alg":"RS256","kid":"{KID}"}}"#),
                &claims_json("customer-7"),
            ),
        ),
        (
            "duplicate kid in header",
            sign_raw(
                &format!(r#"{{"alg":"RS256","kid":"other","kid":"{KID}"}}"#),
                &claims_json("customer-7"),
            ),
        ),
        (
            "duplicate sub in claims",
            sign_raw(
                &header_json(),
                &format!(
                    r#"{{"iss":"{ISSUER}","sub":"customer-7","sub":"admin","aud":"demo","exp":{}}}"#,
                    now_s() + 600
                ),
            ),
        ),
        ("lowercase alg", with_alg(r#""rs256""#)),
        ("alg with a blank", with_alg(r#""RS256 ""#)),
        ("ES256 header", with_alg(r#""ES256""#)),
        ("PS256 header", with_alg(r#""PS256""#)),
        ("alg as an array", with_alg(r#"["RS256"]"#)),
        (
            "8 KiB plus one",
            format!("{valid}{}", "A".repeat(8 * 1024 + 1 - valid.len())),
        ),
    ];
    for (what, token) in &cases {
        assert_refused(&app, what, token).await;
    }
    // A megabyte token does not reach the verifier: the body limit refuses it.
    let megabyte = format!("{valid}{}", "A".repeat(1 << 20));
    let (status, code, _) = start_with_token(&app, "demo", &megabyte).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
}

#[tokio::test]
async fn time_audience_issuer_and_subject_claims_of_the_wrong_type_are_refused() {
    let app = spawn_with_keys(false).await;
    let exp = now_s() + 600;
    let claims = [
        (
            "exp null",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":null}}"#),
        ),
        (
            "exp as a string",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":"9999999999"}}"#),
        ),
        (
            "exp as a bool",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":true}}"#),
        ),
        (
            "exp missing",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo"}}"#),
        ),
        (
            "nbf as a string",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":{exp},"nbf":"x"}}"#),
        ),
        (
            "nbf an hour ahead",
            format!(
                r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":{exp},"nbf":{}}}"#,
                now_s() + 3600
            ),
        ),
        (
            "aud as a number",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":123,"exp":{exp}}}"#),
        ),
        (
            "aud null",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":null,"exp":{exp}}}"#),
        ),
        (
            "aud empty list",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":[],"exp":{exp}}}"#),
        ),
        (
            "aud as an object",
            format!(r#"{{"iss":"{ISSUER}","sub":"a","aud":{{"$ne":null}},"exp":{exp}}}"#),
        ),
        (
            "iss as a number",
            format!(r#"{{"iss":7,"sub":"a","aud":"demo","exp":{exp}}}"#),
        ),
        (
            "iss as an object",
            format!(r#"{{"iss":{{"$ne":null}},"sub":"a","aud":"demo","exp":{exp}}}"#),
        ),
        (
            "sub null",
            format!(r#"{{"iss":"{ISSUER}","sub":null,"aud":"demo","exp":{exp}}}"#),
        ),
        (
            "sub as an object",
            format!(r#"{{"iss":"{ISSUER}","sub":{{"$regex":"^a"}},"aud":"demo","exp":{exp}}}"#),
        ),
        (
            "sub as a list",
            format!(r#"{{"iss":"{ISSUER}","sub":["a"],"aud":"demo","exp":{exp}}}"#),
        ),
    ];
    for (what, claims) in &claims {
        assert_refused(&app, what, &sign_raw(&header_json(), claims)).await;
    }
    // Expired beyond the leeway: the explicit code the widget reacts to, never anonymous.
    let expired = format!(
        r#"{{"iss":"{ISSUER}","sub":"a","aud":"demo","exp":{}}}"#,
        now_s() - 120
    );
    let (status, code, _) = start(
        &app,
        "demo",
        json!({ "identity_token": sign_raw(&header_json(), &expired), "anonymous_id": "anon-0123456789abcdef" }),
    )
    .await;
    assert_eq!((status, code.as_str()), (401, "identity_expired"));
}

#[tokio::test]
async fn a_token_for_one_site_is_refused_on_another_that_trusts_the_same_key_and_kid() {
    let app = spawn_with_keys(false).await;
    let for_demo = valid_token("customer-7");
    let (status, _, _) = start_with_token(&app, "demo", &for_demo).await;
    assert_eq!(status, 201);
    let (status, code, _) = start_with_token(&app, "shop", &for_demo).await;
    assert_eq!((status, code.as_str()), (401, "invalid_identity_token"));
    // A list of audiences that does not name this site is refused too (lists that do name
    // it: `an_audience_list_is_accepted_only_when_it_holds_this_site_alone`).
    let others = format!(
        r#"{{"iss":"{ISSUER}","sub":"a","aud":["demo","other"],"exp":{}}}"#,
        now_s() + 600
    );
    let (status, code, _) =
        start_with_token(&app, "shop", &sign_raw(&header_json(), &others)).await;
    assert_eq!((status, code.as_str()), (401, "invalid_identity_token"));
}

#[tokio::test]
async fn an_audience_list_is_accepted_only_when_it_holds_this_site_alone() {
    let app = spawn_with_keys(false).await;
    let with_aud = |aud: &str| {
        let claims = format!(
            r#"{{"iss":"{ISSUER}","sub":"a","aud":{aud},"exp":{}}}"#,
            now_s() + 600
        );
        sign_raw(&header_json(), &claims)
    };
    let (status, _, _) = start_with_token(&app, "demo", &with_aud(r#"["demo"]"#)).await;
    assert_eq!(status, 201);
    // A token meant for several relying parties is refused even where it names this site:
    // any of the others could replay it here (token confusion).
    for aud in [
        r#"["demo","other"]"#,
        r#"["other","demo"]"#,
        r#"["demo","demo"]"#,
    ] {
        let (status, code, _) = start_with_token(&app, "demo", &with_aud(aud)).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "invalid_identity_token"),
            "{aud}"
        );
    }
}

#[tokio::test]
async fn hostile_kids_and_key_material_in_the_header_are_refused_without_any_fetch() {
    let app = spawn_with_keys(false).await;
    // A loopback listener stands for the attacker's key server; nothing may connect to it.
    let attacker = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let key_url = format!("http://{}/keys.json", attacker.local_addr().unwrap());
    let public_n = URL_SAFE_NO_PAD.encode([0xc3_u8; 256]);
    let headers = [
        r#"{"alg":"RS256","kid":"../../dev/null"}"#.to_owned(),
        r#"{"alg":"RS256","kid":"' OR 1=1--"}"#.to_owned(),
        r#"{"alg":"RS256","kid":""}"#.to_owned(),
        r#"{"alg":"RS256","kid":"demo-2026\u0000"}"#.to_owned(),
        r#"{"alg":"RS256","kid":"DEMO-2026"}"#.to_owned(),
        r#"{"alg":"RS256","kid":7}"#.to_owned(),
        r#"{"alg":"RS256","kid":{"$ne":null}}"#.to_owned(),
        r#"{"alg":"RS256","kid":["demo-2026"]}"#.to_owned(),
        r#"{"alg":"RS256"}"#.to_owned(),
        format!(r#"{{"alg":"RS256","kid":"{KID}","jku":"{key_url}"}}"#),
        format!(r#"{{"alg":"RS256","kid":"{KID}","x5u":"{key_url}"}}"#),
        format!(r#"{{"alg":"RS256","kid":"attacker","jku":"{key_url}"}}"#),
        format!(
            r#"{{"alg":"RS256","kid":"{KID}","jwk":{{"kty":"RSA","n":"{public_n}","e":"AQAB"}}}}"#
        ),
        format!(r#"{{"alg":"RS256","kid":"{KID}","x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"]}}"#),
    ];
    for header in &headers {
        assert_refused(&app, header, &sign_raw(header, &claims_json("a"))).await;
    }
    let connected = tokio::time::timeout(Duration::from_millis(200), attacker.accept()).await;
    assert!(
        connected.is_err(),
        "the server fetched a key from the token's header"
    );
}

#[tokio::test]
async fn an_enforcing_site_never_falls_back_to_unsigned_identity() {
    let app = spawn_with_keys(true).await;
    let valid = valid_token("customer-7");
    let cases = [
        (json!({}), 401, "identity_required"),
        (
            json!({ "anonymous_id": "anon-0123456789abcdef" }),
            401,
            "identity_required",
        ),
        (json!({ "user_id": "customer-7" }), 401, "identity_required"),
        (
            json!({ "identity_token": "garbage" }),
            401,
            "invalid_identity_token",
        ),
        (
            json!({ "identity_token": "garbage", "user_id": "customer-7" }),
            401,
            "invalid_identity_token",
        ),
        (
            json!({ "identity_token": valid, "email": "victim@example.test" }),
            422,
            "invalid_body",
        ),
        (
            json!({ "identity_token": valid, "name": "Victim", "verified": true }),
            422,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let (got, got_code, answer) = start(&app, "demo", body.clone()).await;
        assert_eq!((got, got_code.as_str()), (status, code), "{body}: {answer}");
    }
}

#[tokio::test]
async fn a_user_id_equal_to_a_verified_subject_never_sees_the_verified_visitors_conversations() {
    let app = spawn_with_keys(false).await;
    let (status, _, verified) = start_with_token(&app, "demo", &valid_token("customer-7")).await;
    assert_eq!(status, 201);
    let (status, _, claimed) = start(&app, "demo", json!({ "user_id": "customer-7" })).await;
    assert_eq!(status, 201);
    let (status, _, again) = start_with_token(&app, "demo", &valid_token("customer-7")).await;
    assert_eq!(status, 201);
    let admin = console::agent(&app, "root", "admin").await;
    let previous = |transcript: &Value| -> Vec<String> {
        transcript["visitor"]["previous_conversations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p["chat_id"].as_str().map(str::to_owned))
            .collect()
    };
    let verified_id = verified["conversation_id"].as_str().unwrap().to_owned();
    let claimed_view = console::transcript(
        &app,
        &admin.token,
        claimed["conversation_id"].as_str().unwrap(),
    )
    .await;
    assert!(
        !previous(&claimed_view).contains(&verified_id),
        "an unverified user_id saw the verified visitor's conversation: {claimed_view}"
    );
    // The control: the same verified subject does see its earlier conversation.
    let again_view = console::transcript(
        &app,
        &admin.token,
        again["conversation_id"].as_str().unwrap(),
    )
    .await;
    assert!(previous(&again_view).contains(&verified_id), "{again_view}");
}
