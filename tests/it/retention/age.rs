//! Retention by age through the real server (`retention_days`, docs/retention.md), with the
//! node's clock moved by hand: conversations past the retention are deleted for the visitor
//! and for agents, younger ones, live ones and those of a site without retention are kept,
//! offline requests and finished jobs (with the agents' wrap-ups) past the retention go too,
//! and the deadlines survive a restart (also those the start-up sweep gives to
//! conversations from before the retention was set, or started while it was off).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use staffetta::config::Settings;

use super::jobs::{
    append_whole_job, chat_and_wrap_up, job_like, jobs, notes, stored_jobs_text, wait_for_note,
};
use super::{chat_id, leave_request, offline_texts, transcript_status};
use crate::handoff::console::{self, agent};
use crate::handoff::desk::ask_for_human;
use crate::handoff::{ADMIN_TOKEN, login};
use crate::support::visitor::{ORIGIN, Visitor};
use crate::support::wait::wait_for;
use crate::support::{TestApp, spawn_app_with};

const HOUR: Duration = Duration::from_secs(3_600);

/// A site copied from `demo` that keeps everything.
const KEEPING_SITE: &str = "keeping";

pub(super) fn desk(settings: &mut Settings, retention_days: Option<u32>) {
    settings.admin.token = staffetta::secret::Secret::new(ADMIN_TOKEN);
    settings.agent.demo_operators = false;
    settings.limits.new_sessions_per_minute = 1_000;
    settings.sites[0].retention_days = retention_days;
}

/// Starts a session on `site` (anonymous, from [`ORIGIN`]); the helpers of [`Visitor`] call
/// the demo site, so only its id and token serve for another site.
async fn visitor_on(app: &TestApp, site: &str) -> Visitor {
    let anonymous_id = format!("anon-{}", uuid::Uuid::new_v4().simple());
    let answer = app
        .start_session_raw(
            site,
            &json!({ "anonymous_id": anonymous_id, "locale": "en" }),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    Visitor {
        base_url: app.base_url.clone(),
        http: app.http.clone(),
        started: serde_json::from_value(answer.body).unwrap(),
    }
}

/// A request left without a conversation.
async fn leave_anonymous_request(app: &TestApp, text: &str) {
    let response = app
        .http
        .post(format!(
            "{}/api/v1/sites/demo/offline-requests",
            app.base_url
        ))
        .header("origin", ORIGIN)
        .json(&json!({ "name": "Someone", "email": "someone@example.org", "text": text }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// A fresh access token of an operator (the clock moved past the old one's expiry).
async fn token_of(app: &TestApp, name: &str) -> String {
    let response = login(app, name, &format!("pass-{name}")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The retention deadlines of `site`: (member, due ms).
async fn deadlines(app: &TestApp, site: &str) -> Vec<(String, i64)> {
    app.state
        .store
        .due(&format!("retention:{site}"), i64::MAX, 1_000)
        .await
        .unwrap()
}

async fn visitor_status(visitor: &Visitor) -> (u16, String) {
    let events = visitor.events(0, 0).await;
    (events.status.as_u16(), events.code().to_owned())
}

/// Waits until the purge of the visitor's conversation (of the demo site) is over: its log
/// is gone, and so is its retention deadline, which the purge removes last.
async fn wait_until_gone(app: &TestApp, visitor: &Visitor) {
    let chat = chat_id(visitor);
    let what = format!("conversation {chat} deleted");
    wait_for(&what, Duration::from_secs(10), || async {
        let head = app
            .state
            .store
            .log_head(&format!("conversation:{chat}"))
            .await
            .unwrap();
        let scheduled = deadlines(app, "demo")
            .await
            .iter()
            .any(|(member, _)| member.starts_with(&format!("{chat}:")));
        (head == 0 && !scheduled).then_some(())
    })
    .await;
}

#[tokio::test]
async fn conversations_and_requests_past_the_retention_go_and_younger_live_or_unretained_ones_stay()
{
    let app = spawn_app_with(|settings| {
        desk(settings, Some(2));
        let keeping = staffetta::config::SiteSettings {
            id: KEEPING_SITE.to_owned(),
            retention_days: None,
            ..settings.sites[0].clone()
        };
        settings.sites.push(keeping);
    })
    .await;
    let mut ada = agent(&app, "ada", "agent").await;
    let mut root = agent(&app, "root", "admin").await;
    root.pause().await;

    // Day 0: an ended conversation with a request left from it, a request left without one,
    // a conversation on the site without retention, and a chat with ada that stays live.
    let old = app.visitor_with(&json!({ "user_id": "old-timer" })).await;
    old.say("hello").await;
    leave_request(&app, &old, "left from the old conversation").await;
    assert_eq!(old.end().await.status, 200);
    leave_anonymous_request(&app, "left long ago").await;
    // (It expires for inactivity once the clock moves.)
    let unretained = visitor_on(&app, KEEPING_SITE).await;
    let live = app.visitor_with(&json!({ "user_id": "chatty" })).await;
    ask_for_human(&live).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    live.say("still there?").await;

    // A day and a half later: a younger conversation and request.
    app.advance(36 * HOUR);
    let young = app.visitor_with(&json!({ "user_id": "old-timer" })).await;
    young.say("hello again").await;
    assert_eq!(young.end().await.status, 200);
    leave_anonymous_request(&app, "left yesterday").await;

    // Two and a half days after day 0: the day-0 ones are past the retention of two days.
    app.advance(24 * HOUR);
    wait_until_gone(&app, &old).await;
    let root_token = token_of(&app, "root").await;
    wait_for("old requests deleted", Duration::from_secs(10), || async {
        let texts = offline_texts(&app, &root_token).await;
        (texts == ["left yesterday"]).then_some(())
    })
    .await;

    assert_eq!(
        visitor_status(&old).await,
        (404, "session_not_found".to_owned())
    );
    assert_eq!(
        transcript_status(&app, &root_token, &chat_id(&old)).await,
        404
    );
    // The younger conversation of the same visitor is kept, and no longer lists the old one.
    assert_eq!(visitor_status(&young).await.0, 200);
    let view = console::transcript(&app, &root_token, &chat_id(&young)).await;
    assert_eq!(view["visitor"]["previous_conversations"], json!([]));
    let again = app.visitor_with(&json!({ "user_id": "old-timer" })).await;
    let view = console::transcript(&app, &root_token, &chat_id(&again)).await;
    let previous: Vec<&str> = view["visitor"]["previous_conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chat_id"].as_str().unwrap())
        .collect();
    assert_eq!(previous, [chat_id(&young)]);
    // The site without retention keeps its conversation (and schedules nothing).
    let events = app
        .http
        .get(format!(
            "{}/api/v1/sites/{KEEPING_SITE}/sessions/{}/events?after=0&wait=0",
            app.base_url,
            unretained.id()
        ))
        .header("origin", ORIGIN)
        .bearer_auth(unretained.token())
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let log = format!("conversation:{}", chat_id(&unretained));
    assert!(app.state.store.log_head(&log).await.unwrap() > 0);
    assert_eq!(deadlines(&app, KEEPING_SITE).await, []);
    // The live chat is kept and looked at again a retention from now.
    assert_eq!(visitor_status(&live).await.0, 200);
    assert_eq!(
        transcript_status(&app, &root_token, &chat_id(&live)).await,
        200
    );
    let now = app.clock.now_ms();
    let live_deadline = deadlines(&app, "demo")
        .await
        .into_iter()
        .find(|(member, _)| member.starts_with(&chat_id(&live)))
        .map(|(_, at)| at);
    assert_eq!(live_deadline, Some(now + 2 * 24 * HOUR.as_millis() as i64));
}

/// Settings of a desk node on the store at `path`.
fn on_store(path: PathBuf, retention_days: Option<u32>) -> impl FnOnce(&mut Settings) {
    move |settings| {
        desk(settings, retention_days);
        settings.store.path = path;
    }
}

#[tokio::test]
async fn a_deadline_written_before_a_restart_is_applied_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let app = spawn_app_with(on_store(path.clone(), Some(1))).await;
    let mut visitor = app.visitor_with(&json!({ "user_id": "restarted" })).await;
    visitor.say("hello").await;
    assert_eq!(visitor.end().await.status, 200);
    let scheduled = deadlines(&app, "demo").await;
    assert_eq!(scheduled.len(), 1, "{scheduled:?}");
    app.stop().await.unwrap();

    let again = spawn_app_with(on_store(path, Some(1))).await;
    visitor.base_url.clone_from(&again.base_url);
    again.advance(25 * HOUR);
    wait_until_gone(&again, &visitor).await;
    assert_eq!(
        visitor_status(&visitor).await,
        (404, "session_not_found".to_owned())
    );
    let index = again
        .state
        .store
        .set_members("visitor-conversations:demo:u:restarted")
        .await
        .unwrap();
    assert_eq!(index, Vec::<String>::new());
    assert_eq!(deadlines(&again, "demo").await, []);
}

#[tokio::test]
async fn conversations_from_before_the_retention_was_set_are_found_by_the_start_up_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let app = spawn_app_with(on_store(path.clone(), None)).await;
    let mut before = app.visitor_with(&json!({ "user_id": "early-bird" })).await;
    before.say("hello").await;
    assert_eq!(before.end().await.status, 200);
    // A regular, counted in this month and the one before, and the early bird counted only
    // in a month long ago: the sweep goes month by month and finds both.
    let mut regular = app.visitor_with(&json!({ "user_id": "regular" })).await;
    assert_eq!(regular.end().await.status, 200);
    let store = &app.state.store;
    let month = staffetta::visitor::mau::month_of(jiff::Timestamp::now());
    let this_month = staffetta::visitor::mau::set_name("demo", &month);
    let month_before = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month()
        .yesterday()
        .unwrap()
        .strftime("%Y-%m")
        .to_string();
    let month_before = staffetta::visitor::mau::set_name("demo", &month_before);
    store.set_add(&month_before, "u:regular").await.unwrap();
    assert!(store.set_remove(&this_month, "u:early-bird").await.unwrap());
    store
        .set_add("mau:demo:2021-03", "u:early-bird")
        .await
        .unwrap();
    assert_eq!(deadlines(&app, "demo").await, []);
    app.stop().await.unwrap();

    let again = spawn_app_with(on_store(path, Some(1))).await;
    before.base_url.clone_from(&again.base_url);
    regular.base_url.clone_from(&again.base_url);
    let after = again
        .visitor_with(&json!({ "user_id": "late-comer" }))
        .await;
    assert_eq!(after.end().await.status, 200);
    again.advance(25 * HOUR);
    wait_until_gone(&again, &before).await;
    wait_until_gone(&again, &regular).await;
    wait_until_gone(&again, &after).await;
    assert_eq!(
        visitor_status(&before).await,
        (404, "session_not_found".to_owned())
    );
}

#[tokio::test]
async fn conversations_started_while_the_retention_was_off_are_found_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    // With a retention: the start-up sweep runs and remembers it was done.
    let app = spawn_app_with(on_store(path.clone(), Some(1))).await;
    app.retention_caught_up().await;
    app.stop().await.unwrap();

    // Without one: a conversation gets no deadline.
    let off = spawn_app_with(on_store(path.clone(), None)).await;
    let mut visitor = off.visitor_with(&json!({ "user_id": "while-off" })).await;
    visitor.say("hello").await;
    assert_eq!(visitor.end().await.status, 200);
    assert_eq!(deadlines(&off, "demo").await, []);
    // The node forgets the sweep at start (its task, alongside the requests above).
    wait_for(
        "the sweep is forgotten",
        Duration::from_secs(10),
        || async {
            let marker = off.state.store.get("retention-sweep:demo").await.unwrap();
            marker.is_none().then_some(())
        },
    )
    .await;
    off.stop().await.unwrap();

    // The same retention again: the sweep finds the conversation, which goes when it is old.
    let again = spawn_app_with(on_store(path, Some(1))).await;
    visitor.base_url.clone_from(&again.base_url);
    again.advance(25 * HOUR);
    wait_until_gone(&again, &visitor).await;
    assert_eq!(
        visitor_status(&visitor).await,
        (404, "session_not_found".to_owned())
    );
}

/// Stores a finished job as the desk does (a record and a pointer in the log).
async fn store_job(app: &TestApp, job: &Value) {
    let record = serde_json::from_value(job.clone()).unwrap();
    staffetta::desk::jobs::store(&app.state, "demo", &record)
        .await
        .unwrap();
}

fn now_rfc3339(app: &TestApp) -> String {
    jiff::Timestamp::from_millisecond(app.clock.now_ms())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn finished_jobs_past_the_retention_go_with_their_conversation_or_by_age_and_younger_ones_stay()
 {
    let app = spawn_app_with(|settings| desk(settings, Some(2))).await;
    let mut ada = agent(&app, "ada", "agent").await;

    // Day 0: a chat that ada wraps up with a note, then a chat that stays live, with two
    // jobs of it finished now: one whole in the log as older versions wrote them, one record.
    let old = app.visitor_with(&json!({ "user_id": "old-timer" })).await;
    chat_and_wrap_up(&mut ada, &old, "NOTE-OLD").await;
    wait_for_note(&app, "NOTE-OLD").await;
    let live = app.visitor_with(&json!({ "user_id": "chatty" })).await;
    ask_for_human(&live).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    let like = jobs(&app).await[0].clone();
    let day_0 = now_rfc3339(&app);
    append_whole_job(&app, &job_like(&like, &chat_id(&live), &day_0, "OLD-WHOLE")).await;
    store_job(
        &app,
        &job_like(&like, &chat_id(&live), &day_0, "NOTE-LIVE-OLD"),
    )
    .await;

    // A day and a half later: a younger job of the live chat.
    app.advance(36 * HOUR);
    let later = now_rfc3339(&app);
    store_job(
        &app,
        &job_like(&like, &chat_id(&live), &later, "NOTE-YOUNG"),
    )
    .await;
    assert_eq!(
        notes(&app).await,
        ["NOTE-LIVE-OLD", "NOTE-OLD", "NOTE-YOUNG", "OLD-WHOLE"]
    );

    // Two and a half days after day 0: the day-0 jobs are past the retention of two days.
    app.advance(24 * HOUR);
    wait_until_gone(&app, &old).await;
    wait_for("old jobs deleted", Duration::from_secs(10), || async {
        (notes(&app).await == ["NOTE-YOUNG"]).then_some(())
    })
    .await;
    let stored = stored_jobs_text(&app).await;
    for gone in ["NOTE-OLD", "OLD-WHOLE", "NOTE-LIVE-OLD"] {
        assert!(!stored.contains(gone), "{gone} in {stored}");
    }
    assert!(stored.contains("NOTE-YOUNG"), "{stored}");
    // The conversations' sets name only jobs that still exist.
    for conversation in [chat_id(&old), chat_id(&live)] {
        let set = format!("jobs-of:{conversation}");
        for id in app.state.store.set_members(&set).await.unwrap() {
            let record = app.state.store.get(&format!("job:demo:{id}")).await;
            assert!(record.unwrap().is_some(), "{set} names the deleted {id}");
        }
    }
}

#[tokio::test]
async fn a_backlog_of_more_than_a_batch_is_worked_off_before_the_task_has_caught_up() {
    let app = spawn_app_with(|s| desk(s, Some(30))).await;
    app.retention_caught_up().await;
    // Conversations the store knows only by their deadlines (as after a long outage): more
    // than two batches, all past the retention once the clock has moved.
    let schedule = staffetta::retention::schedule::schedule_name("demo");
    let backlog = 2 * staffetta::retention::timer::BATCH + 17;
    for n in 0..backlog {
        let conversation = uuid::Uuid::now_v7().to_string();
        let member =
            staffetta::retention::schedule::member(&conversation, &format!("a:backlog-{n}"));
        app.state
            .store
            .schedule(&schedule, &member, app.clock.now_ms())
            .await
            .unwrap();
    }
    app.advance(31 * 24 * HOUR);

    app.retention_caught_up().await;
    let left = app
        .state
        .store
        .due(&schedule, app.clock.now_ms(), backlog)
        .await
        .unwrap();
    assert!(left.is_empty(), "{} of {backlog} still due", left.len());
}
