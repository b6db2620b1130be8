//! Security catalogue B-02: repeated locks grow. A lock of an account (or a block of an
//! address) that starts within a day of the end of the previous one lasts twice as long as
//! that one, up to `[agent.login_failures] max_block_s`; a quiet day and an admin's new
//! password reset the growth; the agent logging in between two locks does not. Time moves
//! only by the node's clock.

use std::time::Duration;

use staffetta::config::Settings;

use super::security_support::{desk_settings, set_password, status_and_code};
use super::{add_operator, login};
use crate::support::{TestApp, spawn_app_with};

/// A node that locks an account after 2 failures (addresses after 100) or blocks an
/// address after 2 failures (accounts after 100), for 60 s first, up to `max_block_s`.
async fn spawn(lock: Scope, max_block_s: u32) -> TestApp {
    spawn_app_with(|settings: &mut Settings| {
        desk_settings(settings);
        let limits = &mut settings.agent.login_failures;
        (limits.max_failures_per_account, limits.max_failures_per_ip) = match lock {
            Scope::Account => (2, 100),
            Scope::Address => (100, 2),
        };
        limits.block_s = 60;
        limits.max_block_s = max_block_s;
        settings.limits.new_sessions_per_minute = 1000;
    })
    .await
}

#[derive(Clone, Copy)]
enum Scope {
    Account,
    Address,
}

/// The answer to a login, as (status, code).
async fn try_login(app: &TestApp, user: &str, password: &str) -> (u16, String) {
    status_and_code(login(app, user, password).await).await
}

/// Two wrong passwords for `ada` (the second starts a lock when accounts lock after 2).
async fn guess_twice(app: &TestApp) {
    for _ in 0..2 {
        assert_eq!(try_login(app, "ada", "guess").await.0, 401);
    }
}

/// How long the lock that just started lasts, in whole seconds: the right password is
/// refused (with `code`) until then and accepted one second later. Moves the clock past it.
async fn lock_length_s(app: &TestApp, code: &str) -> u64 {
    let (status, refused) = try_login(app, "ada", "pass-ada").await;
    assert_eq!((status, refused.as_str()), (429, code));
    let mut waited = 0;
    loop {
        app.advance(Duration::from_secs(1));
        waited += 1;
        let (status, _) = try_login(app, "ada", "pass-ada").await;
        if status == 200 {
            return waited;
        }
        assert_eq!(status, 429);
        assert!(waited <= 86_400, "the lock never ended");
    }
}

/// Locks `ada` once more and measures the lock; the clock ends just past it.
async fn next_account_lock_s(app: &TestApp) -> u64 {
    guess_twice(app).await;
    lock_length_s(app, "account_blocked").await
}

#[tokio::test]
async fn each_account_lock_within_a_day_of_the_last_lasts_twice_as_long_up_to_the_cap() {
    let app = spawn(Scope::Account, 200).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let mut lengths = Vec::new();
    for _ in 0..4 {
        lengths.push(next_account_lock_s(&app).await);
        // An hour without guesses: still within the day.
        app.advance(Duration::from_secs(3_600));
    }
    assert_eq!(lengths, [60, 120, 200, 200]);
}

#[tokio::test]
async fn a_quiet_day_after_an_account_lock_starts_again_at_the_first_length() {
    let app = spawn(Scope::Account, 86_400).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    assert_eq!(next_account_lock_s(&app).await, 60);
    assert_eq!(next_account_lock_s(&app).await, 120);
    app.advance(Duration::from_secs(86_400));
    assert_eq!(next_account_lock_s(&app).await, 60);
}

#[tokio::test]
async fn an_admin_setting_a_new_password_resets_the_growth_of_account_locks() {
    let app = spawn(Scope::Account, 86_400).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    assert_eq!(next_account_lock_s(&app).await, 60);
    guess_twice(&app).await;
    let (status, code) = try_login(&app, "ada", "pass-ada").await;
    assert_eq!((status, code.as_str()), (429, "account_blocked"));
    // The admin lifts the lock at once, and its growth with it.
    set_password(&app, "demo", "ada", "pass-ada").await;
    assert_eq!(try_login(&app, "ada", "pass-ada").await.0, 200);
    assert_eq!(next_account_lock_s(&app).await, 60);
}

#[tokio::test]
async fn the_agent_logging_in_between_two_locks_does_not_reset_their_growth() {
    let app = spawn(Scope::Account, 86_400).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    // `lock_length_s` ends with a successful login after each lock.
    assert_eq!(next_account_lock_s(&app).await, 60);
    assert_eq!(try_login(&app, "ada", "pass-ada").await.0, 200);
    assert_eq!(next_account_lock_s(&app).await, 120);
}

#[tokio::test]
async fn each_address_block_within_a_day_of_the_last_lasts_twice_as_long() {
    let app = spawn(Scope::Address, 86_400).await;
    add_operator(&app, "ada", "pass-ada", "agent").await;
    let mut lengths = Vec::new();
    for _ in 0..3 {
        for n in 0..2 {
            let (status, _) = try_login(&app, &format!("someone{n}"), "guess").await;
            assert_eq!(status, 401);
        }
        lengths.push(lock_length_s(&app, "ip_blocked").await);
    }
    assert_eq!(lengths, [60, 120, 240]);
}
