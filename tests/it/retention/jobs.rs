//! Finished-job records (the agent's wrap-up is free text about the visitor) through the
//! real server: erasing a visitor deletes the jobs of their conversations, also one wrapped
//! up after the erasure, while other visitors' jobs and entries of older versions (the whole
//! job in the site's log `jobs:demo`) of kept conversations are still listed. Retention by
//! age is in `age.rs`.

use std::time::Duration;

use serde_json::{Value, json};
use staffetta_handoff::desk::JobRecord;

use super::{chat_id, erase};
use crate::handoff::console::{Console, agent};
use crate::handoff::desk::ask_for_human;
use crate::handoff::spawn_desk;
use crate::support::TestApp;
use crate::support::visitor::Visitor;
use crate::support::wait::wait_for;

/// The visitor asks for a human, `agent` accepts, they chat, the agent ends and wraps up
/// with `note`.
pub(crate) async fn chat_and_wrap_up(agent: &mut Console, visitor: &Visitor, note: &str) {
    ask_for_human(visitor).await;
    let offer = agent.offer().await;
    let chat = agent.accept(&offer).await;
    visitor.say("about my order").await;
    agent
        .send(json!({"command": "end", "conversation": chat}))
        .await;
    agent.until("CONNECTIONCLEARED").await;
    wrap_up(agent, &offer, note).await;
}

async fn wrap_up(agent: &mut Console, offer: &str, note: &str) {
    agent
        .send(
            json!({"command": "wrapup_done", "job": offer, "disposition": "solved", "notes": note}),
        )
        .await;
    agent.until("JOBFINISHED").await;
}

/// The demo site's finished jobs as listed, newest first.
pub(crate) async fn jobs(app: &TestApp) -> Vec<Value> {
    staffetta::desk::jobs::list(&app.state, "demo", 1_000)
        .await
        .unwrap()
        .iter()
        .map(|job| serde_json::to_value(job).unwrap())
        .collect()
}

/// The wrap-up notes of the demo site's finished jobs, sorted.
pub(crate) async fn notes(app: &TestApp) -> Vec<String> {
    let mut notes: Vec<String> = jobs(app)
        .await
        .iter()
        .filter_map(|job| job["wrap_up"]["notes"].as_str().map(str::to_owned))
        .filter(|notes| !notes.is_empty())
        .collect();
    notes.sort();
    notes
}

pub(crate) async fn wait_for_note(app: &TestApp, note: &str) {
    wait_for(
        &format!("the job noted {note} listed"),
        Duration::from_secs(10),
        || async { notes(app).await.contains(&note.to_owned()).then_some(()) },
    )
    .await;
}

/// A job like `like` (a listed one), of `conversation`, finished at `finished_at` and
/// wrapped up with `note`.
pub(crate) fn job_like(like: &Value, conversation: &str, finished_at: &str, note: &str) -> Value {
    let mut job = like.clone();
    job["conversation"] = json!(conversation);
    job["finished_at"] = json!(finished_at);
    job["wrap_up"] = json!({"disposition": "solved", "notes": note});
    job
}

/// Appends `job` to the demo site's job log as versions before job records wrote it: the
/// whole job in the log entry.
pub(crate) async fn append_whole_job(app: &TestApp, job: &Value) {
    serde_json::from_value::<JobRecord>(job.clone()).expect("a job record");
    let batch = staffetta::store::AppendBatch {
        schedule: None,
        client_message_id: None,
        fingerprint: None,
        entries: vec![bytes::Bytes::from(job.to_string())],
        record: None,
        guard: None,
        also: Vec::new(),
    };
    app.state.store.append("jobs:demo", batch).await.unwrap();
}

/// Every byte of the demo site's job log and of the records its entries point at.
pub(crate) async fn stored_jobs_text(app: &TestApp) -> String {
    let store = &app.state.store;
    let mut text = String::new();
    for entry in store.read_log("jobs:demo", 0, 10_000).await.unwrap() {
        let body: Value = serde_json::from_slice(&entry.body).unwrap();
        text.push_str(&body.to_string());
        if let Some(id) = body.get("id").and_then(Value::as_str) {
            let key = format!("job:demo:{id}");
            if let Some(record) = store.get(&key).await.unwrap() {
                text.push_str(&String::from_utf8_lossy(&record.value));
            }
        }
    }
    text
}

#[tokio::test]
async fn erasing_a_visitor_deletes_their_wrap_ups_and_keeps_the_others_and_old_entries_of_kept_conversations()
 {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;

    let first = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    chat_and_wrap_up(&mut ada, &first, "NOTE-ERASE rude customer").await;
    let other = app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    chat_and_wrap_up(&mut ada, &other, "NOTE-KEEP polite customer").await;
    wait_for_note(&app, "NOTE-ERASE rude customer").await;
    wait_for_note(&app, "NOTE-KEEP polite customer").await;
    // Entries of an older version, whole in the log, of each visitor's conversation.
    let like = jobs(&app).await[0].clone();
    let at = "2025-01-02T03:04:05Z";
    append_whole_job(&app, &job_like(&like, &chat_id(&first), at, "OLD-ERASE")).await;
    append_whole_job(&app, &job_like(&like, &chat_id(&other), at, "OLD-KEEP")).await;
    // A live chat, which the erasure ends while ada has it.
    let live = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    ask_for_human(&live).await;
    let offer = ada.offer().await;
    ada.accept(&offer).await;
    live.say("I need a human").await;
    assert_eq!(
        notes(&app).await,
        [
            "NOTE-ERASE rude customer",
            "NOTE-KEEP polite customer",
            "OLD-ERASE",
            "OLD-KEEP"
        ]
    );

    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["conversations"], &body["finished_jobs"]),
        (&json!(2), &json!(1)),
        "{body}"
    );
    assert_eq!(notes(&app).await, ["NOTE-KEEP polite customer", "OLD-KEEP"]);

    // Ada wraps up the erased live chat afterwards: that job is not kept either. (Her next
    // command is answered after the wrap-up's job was stored.)
    ada.until("CONNECTIONCLEARED").await;
    wrap_up(&mut ada, &offer, "NOTE-AFTER written late").await;
    ada.pause().await;
    assert_eq!(notes(&app).await, ["NOTE-KEEP polite customer", "OLD-KEEP"]);

    // Nothing the agent wrote about the erased visitor is left in the new records.
    let stored = stored_jobs_text(&app).await;
    assert!(!stored.contains("NOTE-ERASE"), "{stored}");
    assert!(!stored.contains("NOTE-AFTER"), "{stored}");
    assert!(stored.contains("NOTE-KEEP"), "{stored}");
    for conversation in [chat_id(&first), chat_id(&live)] {
        let set = format!("jobs-of:{conversation}");
        assert_eq!(
            app.state.store.set_members(&set).await.unwrap(),
            Vec::<String>::new()
        );
    }

    let (status, body) = erase(&app, "demo", "u:erase-me").await;
    assert_eq!((status, &body["finished_jobs"]), (200, &json!(0)), "{body}");
}
