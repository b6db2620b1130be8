//! Security catalogue, B-04, B-05, K-01: who may use the agent routes and the
//! agent websocket, and that a session ended by sign-out, a new password or the operator's
//! removal is refused on every transport, open sockets included.

use std::time::Duration;

use serde_json::json;
use staffetta::agent::tokens::{AgentClaims, TokenKeys};
use staffetta::secret::Secret;

use super::console::{self, agent, visitor_event};
use super::desk::live_chat;
use super::login;
use super::security_support::{
    agent_get, agent_ws_status, claims_of, cookie_of, logout, refresh, remove_operator,
    set_password, status_and_code, until_a_console_is_lost,
};
use super::spawn_desk;

const REQUESTS: &str = "/api/v1/agent/offline-requests";

#[tokio::test]
async fn a_visitor_session_id_opens_no_agent_route_and_no_agent_socket() {
    let app = spawn_desk(10).await;
    let visitor = app.visitor().await;
    let transcript = format!(
        "/api/v1/agent/conversations/{}",
        visitor.started.conversation_id
    );
    for credential in [visitor.id(), visitor.started.conversation_id.as_str()] {
        for path in [REQUESTS, transcript.as_str()] {
            assert_eq!(
                agent_get(&app, path, credential).await,
                (401, "invalid_token".to_owned()),
                "{path} with {credential}"
            );
        }
        assert_eq!(agent_ws_status(&app, credential).await.0, 401);
    }
}

#[tokio::test]
async fn a_removed_operator_is_refused_everywhere_and_their_open_console_closes() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    remove_operator(&app, "demo", "ada").await;
    assert_eq!(ada.closed().await, Some(1008));
    assert_eq!(ada.until("ERROR").await["code"], "invalid_token");
    let path = format!("/api/v1/agent/conversations/{chat_id}");
    assert_eq!(agent_get(&app, &path, &ada.token).await.0, 401);
    assert_eq!(agent_ws_status(&app, &ada.token).await.0, 401);
    assert_eq!(refresh(&app, &ada.cookie).await.status(), 401);
    // The conversation is not stuck with a removed agent: after the grace period the
    // visitor is told and it goes back to the queue.
    until_a_console_is_lost(&app).await;
    app.advance(Duration::from_secs(61));
    assert_eq!(
        visitor_event(&visitor, "agent_left").await["agent_name"],
        "ada"
    );
}

#[tokio::test]
async fn a_new_password_ends_every_session_opened_with_the_old_one() {
    let app = spawn_desk(10).await;
    let mut laptop = agent(&app, "ada", "agent").await;
    let mut phone = console::open(&app, "ada").await;
    set_password(&app, "demo", "ada", "a-brand-new-password").await;
    for console in [&mut laptop, &mut phone] {
        assert_eq!(console.closed().await, Some(1008));
        assert_eq!(agent_get(&app, REQUESTS, &console.token).await.0, 401);
        assert_eq!(agent_ws_status(&app, &console.token).await.0, 401);
        assert_eq!(refresh(&app, &console.cookie).await.status(), 401);
    }
    assert_eq!(login(&app, "ada", "pass-ada").await.status(), 401);
    let fresh = login(&app, "ada", "a-brand-new-password").await;
    assert_eq!(fresh.status(), 200);
    let body: serde_json::Value = fresh.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(agent_get(&app, REQUESTS, token).await.0, 200);
}

#[tokio::test]
async fn signing_out_refuses_that_logins_access_token_and_closes_its_consoles_only() {
    let app = spawn_desk(10).await;
    let mut here = agent(&app, "ada", "agent").await;
    let mut elsewhere = console::open(&app, "ada").await;
    assert_eq!(logout(&app, &here.cookie).await.status(), 204);
    assert_eq!(here.closed().await, Some(1008));
    assert_eq!(agent_get(&app, REQUESTS, &here.token).await.0, 401);
    // The old access token cannot put the agent back at the desk.
    assert_eq!(agent_ws_status(&app, &here.token).await.0, 401);
    // The other browser's login is another session: it stays signed in (and left the
    // desk with the agent).
    assert_eq!(elsewhere.until("LOGGEDOUT").await["event"], "LOGGEDOUT");
    elsewhere
        .send(json!({"command": "set_state", "state": "ready"}))
        .await;
    assert_eq!(elsewhere.until("ERROR").await["command"], "set_state");
    assert_eq!(agent_get(&app, REQUESTS, &elsewhere.token).await.0, 200);
}

#[tokio::test]
async fn a_command_on_a_socket_whose_session_was_revoked_elsewhere_is_refused_and_closes_it() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    // Revoked in the store only (as another node would), without telling this node's
    // sockets: the next command finds out.
    let claims = claims_of(&app, &ada.token);
    staffetta::agent::tokens::revoke_family(
        app.state.store.as_ref(),
        &claims.fam,
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "still here?"}))
        .await;
    assert_eq!(ada.closed().await, Some(1008));
    assert_eq!(ada.until("ERROR").await["code"], "invalid_token");
    let texts = super::desk::texts(&console::visitor_events(&visitor, 0).await, "agent");
    assert!(
        texts.is_empty(),
        "the refused message never reached the visitor: {texts:?}"
    );
}

#[tokio::test]
async fn after_a_transfer_the_former_agent_can_neither_write_to_nor_read_the_conversation() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, offer_of_ada, chat_id) = live_chat(&app).await;
    let mut bob = agent(&app, "bob", "agent").await;
    ada.send(json!({"command": "transfer", "conversation": chat_id, "to": {"kind": "agent", "id": bob.id}}))
        .await;
    ada.until("CONNECTIONCLEARED").await;
    let offer = bob.offer().await;
    bob.accept(&offer).await;
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "one more thing"}))
        .await;
    assert_eq!(ada.until("ERROR").await["command"], "send");
    ada.send(json!({"command": "end", "conversation": chat_id}))
        .await;
    assert_eq!(ada.until("ERROR").await["command"], "end");
    // Reading it stays allowed for the after-chat work only.
    let path = format!("/api/v1/agent/conversations/{chat_id}");
    assert_eq!(agent_get(&app, &path, &ada.token).await.0, 200);
    ada.send(json!({"command": "wrapup_done", "job": offer_of_ada, "disposition": "transferred"}))
        .await;
    ada.until("JOBFINISHED").await;
    assert_eq!(agent_get(&app, &path, &ada.token).await.0, 403);
    assert_eq!(agent_get(&app, &path, &bob.token).await.0, 200);
    let texts = super::desk::texts(&console::visitor_events(&visitor, 0).await, "agent");
    assert!(!texts.iter().any(|t| t == "one more thing"), "{texts:?}");
}

/// Access tokens that must be refused, by name.
async fn refused_tokens(app: &crate::support::TestApp) -> Vec<(&'static str, String)> {
    add_operator_and_login(app, "gone").await;
    let now_s = app.clock.now_ms() / 1000;
    let valid = add_operator_and_login(app, "ada").await;
    let claims = claims_of(app, &valid.0);
    let with = |change: &dyn Fn(&mut AgentClaims)| {
        let mut claims = claims.clone();
        change(&mut claims);
        app.state.agents.keys.issue(&claims)
    };
    let expired = with(&|c| c.exp = now_s - 1);
    let other_site = with(&|c| c.site = "elsewhere".to_owned());
    let foreign_key = TokenKeys::new(&Secret::new("another-secret")).issue(&claims);
    // A valid token whose payload now names another login, the signature kept.
    let mut parts: Vec<String> = valid.0.split('.').map(str::to_owned).collect();
    let mut forged = claims.clone();
    forged.login = "gone".to_owned();
    parts[1] = base64url(&serde_json::to_vec(&forged).unwrap());
    let tampered = parts.join(".");
    let (removed, _) = add_operator_and_login(app, "leaver").await;
    remove_operator(app, "demo", "leaver").await;
    let (signed_out, cookie) = add_operator_and_login(app, "quitter").await;
    assert_eq!(logout(app, &cookie).await.status(), 204);
    let (old_password, _) = add_operator_and_login(app, "forgetful").await;
    set_password(app, "demo", "forgetful", "another-password").await;
    vec![
        ("missing", String::new()),
        ("garbage", "not-a-token".to_owned()),
        ("expired", expired),
        ("site claim changed", other_site),
        ("signed with another key", foreign_key),
        ("payload tampered", tampered),
        ("operator removed", removed),
        ("signed out", signed_out),
        ("issued before the new password", old_password),
    ]
}

/// Base64url without padding, as JWT segments are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

async fn add_operator_and_login(app: &crate::support::TestApp, name: &str) -> (String, String) {
    super::add_operator(app, name, &format!("pass-{name}"), "agent").await;
    let response = login(app, name, &format!("pass-{name}")).await;
    let cookie = cookie_of(&response);
    let body: serde_json::Value = response.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_owned(), cookie)
}

#[tokio::test]
async fn every_refused_token_gets_the_same_answer_over_http_and_the_websocket() {
    let app = spawn_desk(10).await;
    for (case, token) in refused_tokens(&app).await {
        let http = agent_get(&app, REQUESTS, &token).await;
        let websocket = agent_ws_status(&app, &token).await;
        assert_eq!(http.0, 401, "{case}: {http:?}");
        assert!(
            matches!(http.1.as_str(), "invalid_token" | "token_expired"),
            "{case}: {http:?}"
        );
        assert_eq!(websocket, http, "{case}: the websocket decides like HTTP");
    }
    // And the one that is fine passes both.
    let (token, _) = add_operator_and_login(&app, "fine").await;
    assert_eq!(agent_get(&app, REQUESTS, &token).await.0, 200);
    assert_eq!(agent_ws_status(&app, &token).await.0, 101);
}

#[tokio::test]
async fn a_tampered_or_planted_refresh_cookie_is_refused_and_login_issues_a_new_one() {
    let app = spawn_desk(10).await;
    super::add_operator(&app, "ada", "pass-ada", "agent").await;
    let planted = format!("staffetta_refresh={}", "a".repeat(64));
    let response = app
        .http
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .header("cookie", &planted)
        .json(&json!({"site_id": "demo", "login": "ada", "password": "pass-ada"}))
        .send()
        .await
        .unwrap();
    let issued = cookie_of(&response);
    assert_ne!(
        issued, planted,
        "login never keeps a cookie the browser brought"
    );
    assert_eq!(refresh(&app, &planted).await.status(), 401);
    let mut flipped = issued.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    let (status, code) = status_and_code(refresh(&app, &flipped).await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_refresh"));
    assert_eq!(refresh(&app, &issued).await.status(), 200);
    // The websocket never reads the cookie: only a token opens it.
    let url = format!("ws://{}/api/v1/agent/ws", app.addr);
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request
        .headers_mut()
        .insert("cookie", issued.parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(response) = refused else {
        panic!("expected an HTTP refusal, got {refused:?}");
    };
    assert_eq!(response.status(), 401);
}
