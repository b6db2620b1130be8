//! Live-agent handoff through the real server: operators, agent sessions, the desk with
//! consoles (desk.rs; a visitor message raced by a transfer: console_transfer_race.rs), the
//! visitor's side (visitor_side.rs), waiting visitors who go away (abandon.rs), external
//! desks (webhook.rs; over HTTPS: webhook_tls.rs; a message and its outbox item in one
//! write: webhook_messages.rs; for the agent who has the chat when it is stored, a transfer
//! racing it: webhook_transfer_race.rs; without conflicts between chats:
//! webhook_concurrent_messages.rs; the contract as a contact centre meets it: refusals, agent
//! logins, the transcript before the offer: webhook_contract.rs), long transcripts (transcript.rs); the supervisors' view of
//! the queues (queues.rs); the report of finished
//! jobs (job_report.rs; on a long trimmed log, on sled and Redis: job_report_log.rs; the
//! summary's filters and CSV: job_summary.rs); the security catalogue's agent-side rows
//! (security_*.rs; an access token in a URL: security_url_tokens.rs; which refusals write an audit line: audit_lines.rs); access tokens that
//! expire under an open console (token_expiry.rs); a stalled store under open consoles
//! (store_outage.rs); a desk tick that fails on a store error (desk_timer_failure.rs); an idle
//! tick raced by the end of a wait (idle_tick_race.rs); a conversation's link written by two
//! writers at once (link_race.rs); a failed start's listing left behind
//! (failed_start_listing.rs).

mod abandon;
mod agent_reconnecting;
mod agent_send_race;
mod audit_lines;
pub(crate) mod console;
mod console_transfer_race;
pub(crate) mod desk;
mod desk_timer_failure;
pub(crate) mod external;
mod failed_start_listing;
mod idle_tick_race;
mod job_report;
mod job_report_log;
mod job_summary;
mod link_race;
mod login;
mod login_lock_growth;
mod operators;
mod queues;
mod race;
mod roster;
mod security_admin;
mod security_leaks;
mod security_login;
mod security_pages;
mod security_races;
mod security_sessions;
pub(crate) mod security_support;
mod security_tenants;
mod security_url_tokens;
mod store_outage;
mod token_expiry;
mod transcript;
mod typing;
mod visitor_side;
mod webhook;
mod webhook_concurrent_messages;
mod webhook_contract;
mod webhook_messages;
mod webhook_tls;
mod webhook_transfer_race;

use crate::support::{TestApp, spawn_app_with};

/// Admin token of the handoff tests.
pub const ADMIN_TOKEN: &str = "handoff-admin-token-0123456789";

/// A node with the admin API on and no demo operators, with `max_ip_failures` allowed.
pub async fn spawn_desk(max_ip_failures: u32) -> TestApp {
    spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.agent.login_failures.max_failures_per_ip = max_ip_failures;
    })
    .await
}

/// [`spawn_desk`] (10 failed logins per address) behind a reverse proxy on loopback that
/// `server.trusted_proxies` lists: a visitor started with `visitor_forwarded_for` has an
/// address of their own, which a ban may hit (loopback is never banned).
pub async fn spawn_desk_behind_local_proxy() -> TestApp {
    spawn_app_with(|settings| {
        settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.agent.login_failures.max_failures_per_ip = 10;
        settings.server.trusted_proxies = vec!["127.0.0.1/32".parse().expect("CIDR")];
    })
    .await
}

/// Creates an operator through the admin API.
pub async fn add_operator(app: &TestApp, login: &str, password: &str, role: &str) {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/admin/sites/demo/operators",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({
            "login": login, "password": password, "role": role, "display_name": login,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// `POST /api/v1/agent/login` on the demo site.
pub async fn login(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/agent/login", app.base_url))
        .json(&serde_json::json!({ "site_id": "demo", "login": login, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Appends `request` to the demo site's offline-request log as versions before requests
/// became records did: the whole request in the log entry.
pub(crate) async fn append_whole_offline_request(app: &TestApp, request: &serde_json::Value) {
    let batch = staffetta::store::AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![bytes::Bytes::from(request.to_string())],
        record: None,
        guard: None,
        also: Vec::new(),
    };
    app.state
        .store
        .append("offline-requests:demo", batch)
        .await
        .unwrap();
}
