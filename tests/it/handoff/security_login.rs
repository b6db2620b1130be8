//! Security catalogue B-01, B-02, B-03, C-04, K-02: the console login does not tell which
//! accounts exist, throttles guesses per account and per address (the address taken from
//! `X-Forwarded-For` only behind a trusted proxy; a local proxy left out of
//! `server.trusted_proxies` is warned about, and its loopback address is never banned),
//! refuses cross-site posts, and sets its cookie host-only, HttpOnly, Secure and
//! SameSite=Strict.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::config::Settings;

use super::console::{Console, agent};
use super::security_support::{
    CSRF_HEADER, console_post, cookie_of, desk_settings, handoff_request, login_on, logout,
    refresh, set_password, status_and_code,
};
use super::{add_operator, login};
use crate::support::logs::capture_logs;
use crate::support::{TestApp, spawn_app_with};

/// A desk node with these failed-login limits (window and block: 900 s).
async fn spawn_guarded(
    per_ip: u32,
    per_account: u32,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_with(|settings| {
        desk_settings(settings);
        settings.agent.login_failures.max_failures_per_ip = per_ip;
        settings.agent.login_failures.max_failures_per_account = per_account;
        settings.limits.new_sessions_per_minute = 1000;
        configure(settings);
    })
    .await
}

/// `POST /api/v1/agent/login` on the demo site, from `client` with `X-Forwarded-For`.
async fn login_via(
    app: &TestApp,
    client: &reqwest::Client,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> (u16, String) {
    let mut request = client
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .json(&json!({ "site_id": "demo", "login": user, "password": password }));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    status_and_code(request.send().await.unwrap()).await
}

/// An HTTP client whose connections leave from another loopback address.
fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last_octet)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test]
async fn unknown_site_unknown_login_and_wrong_password_get_identical_answers() {
    let app = spawn_guarded(100, 100, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let mut answers = Vec::new();
    for (site, user) in [("demo", "ada"), ("demo", "nobody"), ("elsewhere", "ada")] {
        let response = login_on(&app, site, user, "wrong-password").await;
        let status = response.status().as_u16();
        let has_cookie = response.headers().contains_key("set-cookie");
        let body = response.text().await.unwrap();
        answers.push((status, has_cookie, body));
    }
    assert_eq!(answers[0].0, 401);
    assert!(!answers[0].1);
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:?}"
    );
}

#[tokio::test]
async fn an_unknown_login_is_locked_like_a_real_one_so_the_lock_tells_nothing() {
    let app = spawn_guarded(100, 3, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let mut locked = Vec::new();
    for user in ["ada", "nobody"] {
        for _ in 0..3 {
            assert_eq!(login(&app, user, "guess").await.status(), 401);
        }
        let response = login(&app, user, "guess").await;
        let retry = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .to_owned();
        locked.push((
            response.status().as_u16(),
            retry,
            response.text().await.unwrap(),
        ));
    }
    assert_eq!(locked[0].0, 429);
    assert!(locked[0].2.contains("account_blocked"), "{locked:?}");
    assert_eq!(locked[0], locked[1]);
}

#[tokio::test]
async fn guesses_from_many_addresses_lock_the_account_but_not_its_open_sessions() {
    let app = spawn_guarded(3, 5, |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    // One guess from each of five addresses: no address reaches its limit.
    for n in 1..=5 {
        let address = format!("198.51.100.{n}");
        let answer = login_via(&app, &app.http, Some(&address), "ada", "guess").await;
        assert_eq!(answer.0, 401, "{address}");
    }
    let locked = login_via(&app, &app.http, Some("203.0.113.9"), "ada", "pass-ada").await;
    assert_eq!(locked, (429, "account_blocked".to_owned()));
    // The attacker cannot throw the agent out: the console and its cookie keep working.
    assert_eq!(ada.pause().await["event"], "PAUSE");
    let renewed = refresh(&app, &ada.cookie).await;
    assert_eq!(renewed.status(), 200);
    // The lock is temporary.
    app.advance(Duration::from_secs(901));
    let after = login_via(&app, &app.http, Some("203.0.113.9"), "ada", "pass-ada").await;
    assert_eq!(after.0, 200);
}

#[tokio::test]
async fn an_account_lock_lasts_the_configured_block_and_logs_one_warning_without_the_password() {
    let app = spawn_guarded(100, 3, |settings| {
        settings.agent.login_failures.block_s = 60;
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let (logs, _guard) = capture_logs();
    for _ in 0..3 {
        let answer = login_via(
            &app,
            &app.http,
            Some("198.51.100.7"),
            "Ada",
            "hunter2-guess",
        )
        .await;
        assert_eq!(answer.0, 401);
    }
    let locked = login_via(&app, &app.http, Some("198.51.100.8"), "ada", "pass-ada").await;
    assert_eq!(locked, (429, "account_blocked".to_owned()));
    let lines = logs.lines();
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    for expected in [
        "agent account locked after too many failed logins",
        "audit=\"agent_account_locked\"",
        "site=\"demo\"",
        "login=\"ada\"",
        "ip=198.51.100.7",
        "block_s=60",
    ] {
        assert!(
            warnings[0].contains(expected),
            "{expected} in {}",
            warnings[0]
        );
    }
    assert!(!lines.iter().any(|l| l.contains("hunter2")), "{lines:#?}");
    // The block is the configured 60 s, not the default 900 s.
    app.advance(Duration::from_secs(59));
    let still = login_via(&app, &app.http, Some("198.51.100.8"), "ada", "pass-ada").await;
    assert_eq!(still.0, 429);
    app.advance(Duration::from_secs(2));
    let after = login_via(&app, &app.http, Some("198.51.100.8"), "ada", "pass-ada").await;
    assert_eq!(after.0, 200);
}

#[tokio::test]
async fn an_address_block_logs_one_warning_with_the_address() {
    let app = spawn_guarded(2, 100, |_| {}).await;
    let (logs, _guard) = capture_logs();
    for n in 0..3 {
        login_via(&app, &app.http, None, &format!("user{n}"), "guess").await;
    }
    let lines = logs.lines();
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    assert!(
        warnings[0].contains("client address blocked after too many failed agent logins")
            && warnings[0].contains("ip=127.0.0.1")
            && warnings[0].contains("login=\"user1\""),
        "{}",
        warnings[0]
    );
}

#[tokio::test]
async fn an_admin_setting_a_new_password_lifts_the_account_lock() {
    let app = spawn_guarded(100, 2, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for _ in 0..2 {
        login(&app, "ada", "guess").await;
    }
    let (status, code) = status_and_code(login(&app, "ada", "pass-ada").await).await;
    assert_eq!((status, code.as_str()), (429, "account_blocked"));
    set_password(&app, "demo", "ada", "a-fresh-password").await;
    assert_eq!(login(&app, "ada", "a-fresh-password").await.status(), 200);
}

#[tokio::test]
async fn guesses_at_many_accounts_from_one_address_block_that_address_only() {
    let app = spawn_guarded(4, 100, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for n in 0..4 {
        let answer = login_via(&app, &app.http, None, &format!("user{n}"), "guess").await;
        assert_eq!(answer.0, 401);
    }
    let blocked = login_via(&app, &app.http, None, "ada", "pass-ada").await;
    assert_eq!(blocked, (429, "ip_blocked".to_owned()));
    let elsewhere = login_via(&app, &client_from(2), None, "ada", "pass-ada").await;
    assert_eq!(elsewhere.0, 200, "another address is not blocked");
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_forwarded_for_neither_dodges_nor_moves_the_block() {
    let app = spawn_guarded(3, 100, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    // The attacker at 127.0.0.1 claims a new address each time, and the victim's.
    for forged in ["198.51.100.1", "198.51.100.2", "127.0.0.2"] {
        let answer = login_via(&app, &app.http, Some(forged), "nobody", "guess").await;
        assert_eq!(answer.0, 401);
    }
    let attacker = login_via(&app, &app.http, Some("198.51.100.3"), "ada", "pass-ada").await;
    assert_eq!(attacker, (429, "ip_blocked".to_owned()));
    let victim = login_via(&app, &client_from(2), None, "ada", "pass-ada").await;
    assert_eq!(
        victim.0, 200,
        "the address named in the header is not blocked"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_blocked_not_the_proxy() {
    let app = spawn_guarded(3, 100, |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    for _ in 0..3 {
        let answer = login_via(&app, &app.http, Some("198.51.100.7"), "nobody", "guess").await;
        assert_eq!(answer.0, 401);
    }
    let blocked = login_via(&app, &app.http, Some("198.51.100.7"), "ada", "pass-ada").await;
    assert_eq!(blocked, (429, "ip_blocked".to_owned()));
    let neighbour = login_via(&app, &app.http, Some("198.51.100.8"), "ada", "pass-ada").await;
    assert_eq!(neighbour.0, 200, "another client behind the same proxy");
    // A peer that is not a trusted proxy is itself the client, whatever it forwards.
    let untrusted = client_from(3);
    for _ in 0..3 {
        login_via(&app, &untrusted, Some("198.51.100.9"), "nobody", "guess").await;
    }
    let itself = login_via(&app, &untrusted, Some("198.51.100.10"), "ada", "pass-ada").await;
    assert_eq!(itself, (429, "ip_blocked".to_owned()));
    let named = login_via(&app, &app.http, Some("198.51.100.9"), "ada", "pass-ada").await;
    assert_eq!(named.0, 200, "the address it named was not blocked");
}

/// Starts a visitor session on the demo site, through the proxy at 127.0.0.1 when
/// `forwarded` names the client; status and body.
async fn start_session(app: &TestApp, forwarded: Option<&str>) -> (u16, Value) {
    let mut request = app
        .http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", crate::support::visitor::ORIGIN)
        .json(&json!({
            "anonymous_id": format!("anon-{}", uuid::Uuid::new_v4().simple()),
            "locale": "en",
        }));
    if let Some(address) = forwarded {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A visitor (from `forwarded`) who asks for a human, taken by `agent`: the chat id.
async fn chat_from(app: &TestApp, agent: &mut Console, forwarded: Option<&str>) -> String {
    let (status, started) = start_session(app, forwarded).await;
    assert_eq!(status, 201, "{started}");
    let session = started["session_id"].as_str().unwrap();
    let token = started["session_token"].as_str().unwrap();
    assert_eq!(handoff_request(app, "demo", session, token).await.0, 200);
    let offer = agent.offer().await;
    agent.accept(&offer).await
}

#[tokio::test]
async fn a_ban_never_hits_a_trusted_proxy_but_does_hit_the_client_behind_it() {
    let app = spawn_guarded(100, 100, |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let mut boss = agent(&app, "boss", "admin").await;
    // Straight from the proxy's address (no header): refused, everyone would be banned.
    let direct = chat_from(&app, &mut boss, None).await;
    boss.send(json!({"command": "ban_ip", "conversation": direct}))
        .await;
    assert_eq!(boss.until("ERROR").await["code"], "ip_not_bannable");
    assert_eq!(start_session(&app, None).await.0, 201);
    let forwarded = chat_from(&app, &mut boss, Some("198.51.100.20")).await;
    boss.send(json!({"command": "ban_ip", "conversation": forwarded}))
        .await;
    boss.until("IP_BANNED").await;
    assert_eq!(start_session(&app, Some("198.51.100.20")).await.0, 403);
    assert_eq!(start_session(&app, Some("198.51.100.21")).await.0, 201);
}

#[tokio::test]
async fn a_local_proxy_missing_from_trusted_proxies_is_warned_about_once() {
    let app = spawn_guarded(100, 100, |_| {}).await;
    let (logs, _guard) = capture_logs();
    assert_eq!(start_session(&app, None).await.0, 201);
    let about_proxy = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|line| line.contains(" WARN ") && line.contains("X-Forwarded-For"))
            .cloned()
            .collect()
    };
    assert!(about_proxy(&logs.lines()).is_empty(), "{:#?}", logs.lines());
    for client in ["198.51.100.31", "198.51.100.32"] {
        assert_eq!(start_session(&app, Some(client)).await.0, 201);
    }
    let lines = logs.lines();
    let warnings = about_proxy(&lines);
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    for expected in ["server.trusted_proxies", "proxy=127.0.0.1"] {
        assert!(
            warnings[0].contains(expected),
            "{expected} in {}",
            warnings[0]
        );
    }
    assert!(
        !lines.iter().any(|line| line.contains("198.51.100.3")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_proxy_listed_in_trusted_proxies_is_not_warned_about() {
    let app = spawn_guarded(100, 100, |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (logs, _guard) = capture_logs();
    assert_eq!(start_session(&app, Some("198.51.100.35")).await.0, 201);
    let lines = logs.lines();
    assert!(
        !lines.iter().any(|line| line.contains("trusted_proxies")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_loopback_visitor_is_never_banned_as_everyone_behind_a_local_proxy_shares_it() {
    // A reverse proxy on this machine that `server.trusted_proxies` does not name: every
    // visitor it forwards is 127.0.0.1.
    let app = spawn_guarded(100, 100, |_| {}).await;
    let mut boss = agent(&app, "boss", "admin").await;
    let chat = chat_from(&app, &mut boss, Some("198.51.100.36")).await;
    boss.send(json!({"command": "ban_ip", "conversation": chat, "expires_s": 60}))
        .await;
    let refused = boss.until("ERROR").await;
    assert_eq!(refused["code"], "ip_loopback", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|message| message.contains("server.trusted_proxies")),
        "{refused}"
    );
    assert_eq!(start_session(&app, Some("198.51.100.37")).await.0, 201);
    assert_eq!(start_session(&app, None).await.0, 201);
}

#[tokio::test]
async fn a_stored_ban_of_loopback_refuses_no_visitor() {
    // Written before loopback bans were refused (there is no unban): for good.
    let app = spawn_guarded(100, 100, |_| {}).await;
    let ban = staffetta::store::RecordWrite {
        key: "ban:demo:127.0.0.1".to_owned(),
        expected_version: None,
        value: br#"{"until_ms":null}"#.to_vec().into(),
        ttl: None,
    };
    app.state.store.put(ban).await.unwrap();
    assert_eq!(start_session(&app, None).await.0, 201);
    assert_eq!(start_session(&app, Some("198.51.100.38")).await.0, 201);
}

#[tokio::test]
async fn console_posts_from_another_site_are_refused() {
    let app = spawn_guarded(100, 100, |_| {}).await;
    let ada = agent(&app, "ada", "agent").await;
    let post = async |path: &str, headers: Vec<(&str, &str)>| {
        status_and_code(console_post(&app, path, &ada.cookie, &headers).await).await
    };
    let csrf = CSRF_HEADER;
    for path in ["refresh", "logout"] {
        for headers in [
            vec![],
            vec![csrf, ("sec-fetch-site", "cross-site")],
            vec![csrf, ("sec-fetch-site", "same-site")],
            vec![csrf, ("origin", "https://evil.example")],
            vec![csrf, ("origin", "null")],
        ] {
            assert_eq!(
                post(path, headers.clone()).await,
                (403, "csrf".to_owned()),
                "{path} {headers:?}"
            );
        }
    }
    // A form or a no-cors fetch cannot send JSON: the login refuses anything else.
    let form = app
        .http
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .header("content-type", "text/plain")
        .body(r#"{"site_id":"demo","login":"ada","password":"pass-ada"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    // No CORS grant lets another origin add the CSRF header.
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/agent/refresh", app.base_url),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-staffetta-csrf")
        .send()
        .await
        .unwrap();
    assert!(
        !preflight
            .headers()
            .contains_key("access-control-allow-origin")
    );
    // The session survived every refused attempt; the console's own calls pass.
    let same_origin = vec![csrf, ("sec-fetch-site", "same-origin")];
    assert_eq!(post("refresh", same_origin).await.0, 200);
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn the_refresh_cookie_is_host_only_http_only_secure_strict_and_scoped_to_the_agent_api() {
    let app = spawn_guarded(100, 100, |_| {}).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let signed_in = login(&app, "ada", "pass-ada").await;
    assert_eq!(signed_in.headers()["cache-control"], "no-store");
    let cookie = cookie_of(&signed_in);
    let renewed = refresh(&app, &cookie).await;
    let out_cookie = cookie_of(&renewed);
    let signed_out = logout(&app, &out_cookie).await;
    assert_eq!(signed_out.status(), 204);
    for response in [&signed_in, &renewed, &signed_out] {
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        let attributes = attributes(set_cookie);
        for expected in [
            "httponly",
            "secure",
            "samesite=strict",
            "path=/api/v1/agent",
        ] {
            assert!(attributes.iter().any(|a| a == expected), "{set_cookie}");
        }
        assert!(
            !attributes.iter().any(|a| a.starts_with("domain")),
            "host-only: {set_cookie}"
        );
    }
    let cleared = attributes(signed_out.headers()["set-cookie"].to_str().unwrap());
    assert!(cleared.iter().any(|a| a == "max-age=0"));
}
