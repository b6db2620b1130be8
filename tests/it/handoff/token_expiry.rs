//! An open console socket follows its short-lived access token: the console is warned
//! (`TOKEN_EXPIRING`) and renews the token on the same socket (`reauth`), keeping its chats; a
//! socket whose token simply runs out closes with `ERROR` `token_expired` and 1008, and the
//! console reconnects within the grace period with its chats; a wrong `reauth` token (a
//! refresh token among them, and a token of another login of the same operator) is refused
//! with its own code and closes the socket. Each socket of an agent follows its own token,
//! and a `reauth` counts only when it arrives before the expiry. Time moves only by the
//! node's clock (the default access token lives 900 s; the warning comes 60 s before).

use std::time::Duration;

use serde_json::{Value, json};
use staffetta::agent::tokens::{AgentClaims, TokenKeys};
use staffetta::secret::Secret;

use super::console::{self, Console, agent, visitor_events};
use super::desk::live_chat;
use super::security_support::{agent_ws_status, claims_of, cookie_of, refresh};
use super::spawn_desk;
use crate::openapi::contract::{assert_valid, component, openapi};
use crate::support::TestApp;

/// Just past the warning of a token issued now: it expires 899-900 s from now (whole
/// seconds) and is warned 60 s before.
const PAST_THE_WARNING: Duration = Duration::from_secs(841);

/// Refreshes through the console's cookie as the console does; the new access token (the
/// cookie rotates: the console's cookie is replaced).
async fn refreshed_token(app: &TestApp, console: &mut Console) -> String {
    let response = refresh(app, &console.cookie).await;
    assert_eq!(response.status(), 200);
    console.cookie = cookie_of(&response);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Checks a frame against the OpenAPI document's `AgentServerFrame`.
fn documented(frame: &Value) {
    assert_valid(
        &component(&openapi(), "AgentServerFrame"),
        frame,
        &frame.to_string(),
    );
}

#[tokio::test]
async fn a_token_that_runs_out_closes_the_socket_and_a_reconnect_keeps_the_chat() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let expires_at = claims_of(&app, &ada.token).exp * 1000;
    app.advance(PAST_THE_WARNING);
    let warning = ada.until("TOKEN_EXPIRING").await;
    assert_eq!(warning["expires_at"], expires_at, "{warning}");
    documented(&warning);
    // No reauth comes.
    app.advance(Duration::from_secs(60));
    assert_eq!(ada.closed().await, Some(1008));
    let error = ada.until("ERROR").await;
    assert_eq!(error["code"], "token_expired", "{error}");
    documented(&error);
    assert_eq!(
        agent_ws_status(&app, &ada.token).await,
        (401, "token_expired".to_owned()),
        "the expired token opens no new socket"
    );
    // The console refreshes and reconnects: the chat is still the agent's.
    let token = refreshed_token(&app, &mut ada).await;
    let snapshot = ada.reconnect(&app, &token).await;
    let chats = snapshot["conversations"].as_array().unwrap();
    assert!(
        chats
            .iter()
            .any(|c| c["chat_id"] == chat_id.as_str() && c["phase"] == "online"),
        "{snapshot}"
    );
    visitor.say("are you still there?").await;
    assert_eq!(ada.until("MESSAGE").await["text"], "are you still there?");
    assert!(
        visitor_events(&visitor, 0)
            .await
            .iter()
            .all(|e| e["type"] != "agent_left"),
        "the visitor never lost the agent"
    );
}

#[tokio::test]
async fn a_reauth_before_the_expiry_keeps_the_socket_and_its_chats() {
    let app = spawn_desk(10).await;
    let (mut ada, visitor, _, chat_id) = live_chat(&app).await;
    let first_expiry = claims_of(&app, &ada.token).exp * 1000;
    app.advance(PAST_THE_WARNING);
    ada.until("TOKEN_EXPIRING").await;
    let token = refreshed_token(&app, &mut ada).await;
    let reauth = json!({"command": "reauth", "token": token});
    assert_valid(&component(&openapi(), "AgentCommand"), &reauth, "reauth");
    ada.send(reauth).await;
    let renewed = ada.until("TOKEN_RENEWED").await;
    documented(&renewed);
    let second_expiry = claims_of(&app, &token).exp * 1000;
    assert_eq!(renewed["expires_at"], second_expiry, "{renewed}");
    assert!(second_expiry > first_expiry);
    // Past the first token's expiry, the same socket carries the chat both ways.
    app.advance(Duration::from_secs(120));
    visitor.say("hello again").await;
    assert_eq!(ada.until("MESSAGE").await["text"], "hello again");
    ada.send(json!({"command": "send", "conversation": chat_id, "text": "still here"}))
        .await;
    let echo = ada.until("MESSAGE").await;
    assert_eq!(
        (echo["from"].as_str(), echo["text"].as_str()),
        (Some("agent"), Some("still here"))
    );
    // The socket now follows the new token: warned before its expiry, not the old one's.
    app.advance(Duration::from_secs(725));
    let warning = ada.until("TOKEN_EXPIRING").await;
    assert_eq!(warning["expires_at"], second_expiry, "{warning}");
}

#[tokio::test]
async fn a_reauth_with_a_wrong_token_is_refused_with_its_code_and_closes_the_socket() {
    let app = spawn_desk(10).await;
    let bob = agent(&app, "bob", "agent").await;
    let mut ada = agent(&app, "ada", "agent").await;
    let mine = claims_of(&app, &ada.token);
    // A token of another login of ada's whose session was then revoked (as a sign-out or a
    // replayed refresh token does).
    let other_login = console::open(&app, "ada").await;
    staffetta::agent::tokens::revoke_family(
        app.state.store.as_ref(),
        &claims_of(&app, &other_login.token).fam,
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let expired = app.state.agents.keys.issue(&AgentClaims {
        exp: app.clock.now_ms() / 1000 - 1,
        ..mine.clone()
    });
    let foreign_key = TokenKeys::new(&Secret::new("not this server's key")).issue(&mine);
    // The refresh token (the cookie's value) is no access token; first, so that the refresh
    // after its refusal shows it was not used up.
    let refresh_token = ada.cookie.split_once('=').unwrap().1.to_owned();
    let cases = [
        (refresh_token, "invalid_token"),
        (bob.token.clone(), "token_other_operator"),
        (other_login.token.clone(), "token_revoked"),
        ("garbage".to_owned(), "invalid_token"),
        (foreign_key, "invalid_token"),
        (expired, "token_expired"),
    ];
    for (token, code) in cases {
        ada.send(json!({"command": "reauth", "token": token})).await;
        assert_eq!(ada.closed().await, Some(1008), "{code}");
        let error = ada.until("ERROR").await;
        assert_eq!(
            (error["code"].as_str(), error["command"].as_str()),
            (Some(code), Some("reauth")),
            "{error}"
        );
        documented(&error);
        let token = refreshed_token(&app, &mut ada).await;
        ada.reconnect(&app, &token).await;
    }
    // A reauth without a token is a malformed command: refused, the socket stays open.
    ada.send(json!({"command": "reauth"})).await;
    assert_eq!(ada.until("ERROR").await["code"], "bad_command");
    ada.send(json!({"command": "set_state", "state": "pause"}))
        .await;
    ada.until("PAUSE").await;
}

#[tokio::test]
async fn a_reauth_with_a_token_of_another_login_of_the_same_operator_is_refused_and_closes_the_socket()
 {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    ada.until("LOGGEDIN").await;
    // Ada logged in a second time (another browser): same operator, another login.
    let mut elsewhere = console::open(&app, "ada").await;
    let (mine, theirs) = (
        claims_of(&app, &ada.token),
        claims_of(&app, &elsewhere.token),
    );
    assert_eq!(mine.sub, theirs.sub);
    assert_ne!(mine.fam, theirs.fam);
    ada.send(json!({"command": "reauth", "token": elsewhere.token}))
        .await;
    assert_eq!(ada.closed().await, Some(1008));
    let error = ada.until("ERROR").await;
    assert_eq!(
        (error["code"].as_str(), error["command"].as_str()),
        (Some("token_other_login"), Some("reauth")),
        "{error}"
    );
    documented(&error);
    // The other login's console is untouched, and this login still refreshes and reconnects.
    elsewhere
        .send(json!({"command": "set_state", "state": "pause"}))
        .await;
    elsewhere.until("PAUSE").await;
    let token = refreshed_token(&app, &mut ada).await;
    assert_eq!(claims_of(&app, &token).fam, mine.fam);
    ada.reconnect(&app, &token).await;
    let renewed = refreshed_token(&app, &mut ada).await;
    ada.send(json!({"command": "reauth", "token": renewed}))
        .await;
    ada.until("TOKEN_RENEWED").await;
}

#[tokio::test]
async fn a_command_after_the_expiry_is_not_applied_and_closes_the_socket() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    ada.until("LOGGEDIN").await;
    // The clock moves without waking the node timer: the command finds the expiry first.
    app.clock.advance(Duration::from_secs(901));
    ada.send(json!({"command": "set_state", "state": "pause"}))
        .await;
    assert_eq!(ada.closed().await, Some(1008));
    assert_eq!(ada.until("ERROR").await["code"], "token_expired");
    let token = refreshed_token(&app, &mut ada).await;
    let snapshot = ada.reconnect(&app, &token).await;
    assert_eq!(
        snapshot["state"], "ready",
        "the pause was not applied: {snapshot}"
    );
}

#[tokio::test]
async fn each_socket_of_an_agent_follows_its_own_token() {
    let app = spawn_desk(10).await;
    let mut renewing = agent(&app, "ada", "agent").await;
    let mut lapsing = console::open(&app, "ada").await;
    app.advance(PAST_THE_WARNING);
    renewing.until("TOKEN_EXPIRING").await;
    lapsing.until("TOKEN_EXPIRING").await;
    let token = refreshed_token(&app, &mut renewing).await;
    renewing
        .send(json!({"command": "reauth", "token": token}))
        .await;
    renewing.until("TOKEN_RENEWED").await;
    app.advance(Duration::from_secs(60));
    assert_eq!(lapsing.closed().await, Some(1008));
    assert_eq!(lapsing.until("ERROR").await["code"], "token_expired");
    // The renewed socket is still open and the agent still at the desk.
    let pause = renewing.pause().await;
    assert_eq!(pause["event"], "PAUSE", "{pause}");
}

#[tokio::test]
async fn a_reauth_a_millisecond_before_the_expiry_is_accepted_and_one_at_the_expiry_is_late() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let first_expiry = claims_of(&app, &ada.token).exp * 1000;
    app.advance(PAST_THE_WARNING);
    ada.until("TOKEN_EXPIRING").await;
    let token = refreshed_token(&app, &mut ada).await;
    let second_expiry = claims_of(&app, &token).exp * 1000;
    let to = |at: i64| Duration::from_millis(u64::try_from(at - app.clock.now_ms()).unwrap());
    app.advance(to(first_expiry - 1));
    ada.send(json!({"command": "reauth", "token": token})).await;
    assert_eq!(
        ada.until("TOKEN_RENEWED").await["expires_at"],
        second_expiry
    );
    // The first token's expiry passes: the renewed socket stays open and takes commands.
    app.advance(Duration::from_secs(2));
    ada.pause().await;
    // Warned again before the second expiry, the console is a moment too late.
    app.advance(to(second_expiry - 59_000));
    ada.until("TOKEN_EXPIRING").await;
    let late = refreshed_token(&app, &mut ada).await;
    app.clock.advance(to(second_expiry));
    ada.send(json!({"command": "reauth", "token": late})).await;
    assert_eq!(ada.closed().await, Some(1008));
    let error = ada.until("ERROR").await;
    assert_eq!(
        (error["code"].as_str(), error.get("command")),
        (Some("token_expired"), None),
        "the expiry, not a refused reauth: {error}"
    );
    // The late token still opens a new socket.
    let snapshot = ada.reconnect(&app, &late).await;
    assert_eq!(snapshot["state"], "paused", "{snapshot}");
}
