//! Security catalogue A-02: an operator of one site cannot act on another site's
//! conversations, visitors, offline requests or agents, through the console, the HTTP
//! routes or the site's webhook connector; each refusal that named another site's
//! conversation or agent writes one audit line.

use std::time::Duration;

use serde_json::{Value, json};
use staffetta::config::WebhookSettings;
use staffetta::connector::{COMMANDS_PATH, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use staffetta::secret::Secret;
use staffetta_handoff::connector::webhook_signature;

use super::security_support::{
    SHOP, add_operator_on, agent_get, console_on, desk_settings, login_on, session_events,
    set_password, spawn_two_sites, visitor_asking_on,
};
use crate::support::logs::capture_logs;
use crate::support::visitor::ORIGIN;
use crate::support::{TestApp, spawn_app_with, wait_for};

#[tokio::test]
async fn an_admin_of_one_site_cannot_read_write_transfer_end_or_ban_on_another() {
    let app = spawn_two_sites().await;
    let mut sam = console_on(&app, SHOP, "sam", "agent").await;
    let session = visitor_asking_on(&app, SHOP).await;
    let chat = session.conversation.clone();
    let offer = sam.offer().await;
    assert_eq!(sam.accept(&offer).await, chat);
    let mut boss = console_on(&app, "demo", "boss", "admin").await;

    let transcript = format!("/api/v1/agent/conversations/{chat}");
    assert_eq!(agent_get(&app, &transcript, &boss.token).await.0, 404);
    assert_eq!(agent_get(&app, &transcript, &sam.token).await.0, 200);
    for command in [
        json!({"command": "send", "conversation": chat, "text": "from the other site"}),
        json!({"command": "typing", "conversation": chat}),
        json!({"command": "end", "conversation": chat}),
        json!({"command": "transfer", "conversation": chat, "to": {"kind": "agent", "id": boss.id}}),
        json!({"command": "accept", "offer": offer}),
        json!({"command": "ban_ip", "conversation": chat}),
    ] {
        boss.send(command.clone()).await;
        let refused = boss.until("ERROR").await;
        assert_eq!(refused["command"], command["command"], "{refused}");
    }
    // Nothing reached the shop's visitor, and it may still come back.
    let events = session_events(&app, SHOP, &session, 0).await;
    assert!(
        !events
            .iter()
            .any(|e| e["from"] == "agent" || e["type"] == "conversation_ended"),
        "{events:?}"
    );
    assert!(
        !sam.gets_within("CONNECTIONCLEARED", Duration::from_millis(200))
            .await
    );
    let again = app
        .start_session_raw(
            SHOP,
            &json!({"anonymous_id": "anon-shop-visitor-000001", "locale": "en"}),
        )
        .await;
    assert_eq!(again.status, 201, "not banned: {:?}", again.body);
}

#[tokio::test]
async fn a_refused_cross_site_action_writes_one_audit_line_and_an_own_site_action_none() {
    let app = spawn_two_sites().await;
    let mut sam = console_on(&app, SHOP, "sam", "agent").await;
    let shop_chat = visitor_asking_on(&app, SHOP).await.conversation;
    let offer = sam.offer().await;
    sam.accept(&offer).await;
    let mut boss = console_on(&app, "demo", "boss", "admin").await;
    boss.pause().await;
    let mut dan = console_on(&app, "demo", "dan", "agent").await;
    let demo_chat = visitor_asking_on(&app, "demo").await.conversation;
    let offer = dan.offer().await;
    dan.accept(&offer).await;
    let (logs, _guard) = capture_logs();
    let audit_lines = || -> Vec<String> {
        logs.lines()
            .into_iter()
            .filter(|line| line.contains(" audit:"))
            .collect()
    };

    // Own-site actions, done or refused, write nothing.
    sam.send(json!({"command": "send", "conversation": shop_chat, "text": "TEXT-own-site"}))
        .await;
    sam.until("MESSAGE").await;
    let shop_transcript = format!("/api/v1/agent/conversations/{shop_chat}");
    assert_eq!(agent_get(&app, &shop_transcript, &sam.token).await.0, 200);
    boss.send(json!({"command": "end", "conversation": demo_chat}))
        .await;
    boss.until("ERROR").await;
    assert!(audit_lines().is_empty(), "{:#?}", logs.lines());

    // Each refusal that named the shop's conversation or agent from the demo site: one line.
    assert_eq!(agent_get(&app, &shop_transcript, &boss.token).await.0, 404);
    assert_eq!(agent_get(&app, &shop_transcript, &dan.token).await.0, 403);
    for command in [
        json!({"command": "send", "conversation": shop_chat, "text": "TEXT-other-site"}),
        json!({"command": "end", "conversation": shop_chat}),
        json!({"command": "ban_ip", "conversation": shop_chat}),
    ] {
        boss.send(command).await;
        boss.until("ERROR").await;
    }
    dan.send(
        json!({"command": "transfer", "conversation": demo_chat, "to": {"kind": "agent", "id": sam.id}}),
    )
    .await;
    dan.until("ERROR").await;
    let lines = audit_lines();
    let expected = [
        (&boss.id, "read_transcript"),
        (&dan.id, "read_transcript"),
        (&boss.id, "send"),
        (&boss.id, "end"),
        (&boss.id, "ban_ip"),
        (&dan.id, "transfer_to_agent"),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, (operator, action)) in lines.iter().zip(expected) {
        for part in [
            " WARN ".to_owned(),
            "audit=\"cross_site_refused\"".to_owned(),
            format!("operator=\"{operator}\""),
            "site=\"demo\"".to_owned(),
            format!("asked_site=\"{SHOP}\""),
            format!("action=\"{action}\""),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
    let everything = logs.lines().join("\n");
    for secret in ["TEXT-", &boss.token, &dan.token, &sam.token] {
        assert!(!everything.contains(secret), "{secret} in the log");
    }
}

#[tokio::test]
async fn a_conversation_cannot_be_transferred_to_an_agent_of_another_site() {
    let app = spawn_two_sites().await;
    let mut sam = console_on(&app, SHOP, "sam", "agent").await;
    let mut ada = console_on(&app, "demo", "ada", "agent").await;
    let chat = visitor_asking_on(&app, "demo").await.conversation;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    ada.send(
        json!({"command": "transfer", "conversation": chat, "to": {"kind": "agent", "id": sam.id}}),
    )
    .await;
    assert_eq!(ada.until("ERROR").await["command"], "transfer");
    assert!(!sam.gets_within("POPUP", Duration::from_millis(300)).await);
}

#[tokio::test]
async fn offline_requests_are_listed_only_to_their_own_sites_operators() {
    let app = spawn_two_sites().await;
    let sara = add_operator_on(&app, SHOP, "sara", "admin").await;
    let boss = add_operator_on(&app, "demo", "boss", "admin").await;
    assert_ne!(sara, boss);
    let left = app
        .http
        .post(format!(
            "{}/api/v1/sites/{SHOP}/offline-requests",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .json(&json!({"name": "Vera", "email": "vera@example.org", "text": "shop-only request"}))
        .send()
        .await
        .unwrap();
    assert_eq!(left.status(), 201);
    let list = async |site: &str, login: &str| {
        let response = login_on(&app, site, login, &format!("pass-{login}")).await;
        let body: Value = response.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        app.http
            .get(format!("{}/api/v1/agent/offline-requests", app.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(list(SHOP, "sara").await.contains("shop-only request"));
    assert!(!list("demo", "boss").await.contains("shop-only request"));
}

#[tokio::test]
async fn one_login_on_two_sites_is_two_accounts_with_their_own_passwords() {
    let app = spawn_two_sites().await;
    let on_demo = add_operator_on(&app, "demo", "ada", "agent").await;
    let on_shop = add_operator_on(&app, SHOP, "ada", "agent").await;
    assert_ne!(on_demo, on_shop);
    set_password(&app, SHOP, "ada", "shop-password").await;
    assert_eq!(
        login_on(&app, "demo", "ada", "pass-ada").await.status(),
        200
    );
    assert_eq!(login_on(&app, SHOP, "ada", "pass-ada").await.status(), 401);
    assert_eq!(
        login_on(&app, "demo", "ada", "shop-password")
            .await
            .status(),
        401
    );
    let body: Value = login_on(&app, SHOP, "ada", "shop-password")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["agent"]["id"], on_shop.as_str());
}

const SECRET: &str = "shop-webhook-secret-0123456789";

async fn post_command(app: &TestApp, site: &str, body: &Value) -> u16 {
    let body = serde_json::to_vec(body).unwrap();
    let timestamp = app.clock.now_ms() / 1000;
    app.http
        .post(format!(
            "{}{}",
            app.base_url,
            COMMANDS_PATH.replace("{site}", site)
        ))
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp)
        .header(
            SIGNATURE_HEADER,
            webhook_signature(SECRET.as_bytes(), timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_sites_webhook_commands_cannot_name_another_sites_operator() {
    let app = spawn_app_with(|settings| {
        desk_settings(settings);
        let mut shop = settings.sites[0].clone();
        shop.id = SHOP.to_owned();
        // Nothing listens there: deliveries fail and are retried, which does not matter here.
        shop.webhook = Some(WebhookSettings::new(
            "http://127.0.0.1:9/hook",
            Secret::new(SECRET),
        ));
        settings.sites.push(shop);
    })
    .await;
    let dora = add_operator_on(&app, "demo", "dora", "agent").await;
    add_operator_on(&app, SHOP, "sol", "agent").await;
    let ready = json!({"command": "set_state", "state": "ready"});
    // Refused on arrival, as an agent who is not an operator of the site: 422 unknown_agent.
    for agent in [dora.as_str(), "dora"] {
        assert_eq!(
            post_command(&app, SHOP, &json!({"agent": agent, "command": ready})).await,
            422
        );
    }
    assert_eq!(
        post_command(&app, SHOP, &json!({"agent": "sol", "command": ready})).await,
        202
    );
    wait_for("sol at the shop's desk", Duration::from_secs(5), || async {
        let desk = staffetta::desk::site_desk::read(&app.state, SHOP)
            .await
            .unwrap();
        (desk.agents().count() > 0).then_some(())
    })
    .await;
    for site in ["demo", SHOP] {
        let desk = staffetta::desk::site_desk::read(&app.state, site)
            .await
            .unwrap();
        let names: Vec<String> = desk
            .agents()
            .map(|a| a.profile().display_name().as_str().to_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.starts_with("dora")),
            "{site}: {names:?}"
        );
    }
    // The demo site has no webhook: its endpoint does not exist.
    assert_eq!(
        post_command(&app, "demo", &json!({"agent": "dora", "command": ready})).await,
        404
    );
}
