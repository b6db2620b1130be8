//! The agent's transcript of a long conversation: the latest entries first, older ones by
//! page (`earlier`, `?before=`).

use bytes::Bytes;
use serde_json::{Value, json};
use staffetta::store::AppendBatch;
use staffetta::visitor::record::conversation_log;

use super::console::transcript;
use super::desk::live_chat;
use super::spawn_desk;
use crate::support::TestApp;

/// Log entries one transcript answer covers (the server's page).
const PAGE: u64 = 2000;

/// Appends `count` visitor lines "line 0", "line 1", ... to the conversation's log.
async fn append_visitor_lines(app: &TestApp, chat_id: &str, count: usize) {
    let entries = (0..count)
        .map(|n| {
            let line = json!({"type": "message", "from": "visitor", "at": 1, "input": {"text": format!("line {n}")}});
            Bytes::from(serde_json::to_vec(&line).unwrap())
        })
        .collect();
    let batch = AppendBatch {
        client_message_id: None,
        fingerprint: None,
        entries,
        record: None,
        guard: None,
        schedule: None,
        also: Vec::new(),
    };
    app.state
        .store
        .append(&conversation_log(chat_id), batch)
        .await
        .unwrap();
}

fn seqs(answer: &Value) -> Vec<u64> {
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| line["seq"].as_u64())
        .collect()
}

#[tokio::test]
async fn a_long_transcript_shows_the_latest_entries_and_pages_back_to_the_first() {
    let app = spawn_desk(10).await;
    let (ada, _visitor, _offer, chat_id) = live_chat(&app).await;
    append_visitor_lines(&app, &chat_id, 2100).await;

    let latest = transcript(&app, &ada.token, &chat_id).await;
    let latest_seqs = seqs(&latest);
    let head = *latest_seqs.last().unwrap();
    let last_text = latest["messages"].as_array().unwrap().last().unwrap()["text"].clone();
    assert_eq!(last_text, "line 2099", "the newest line is there");
    assert_eq!(latest["earlier"], true);
    assert!(latest_seqs[0] > head - PAGE, "at most one page of entries");

    let response = app
        .http
        .get(format!(
            "{}/api/v1/agent/conversations/{chat_id}?before={}",
            app.base_url, latest_seqs[0]
        ))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let older: Value = response.json().await.unwrap();
    let older_seqs = seqs(&older);
    assert_eq!(older["earlier"], false, "the first page reaches seq 1");
    assert_eq!(older_seqs[0], 1);
    assert!(older_seqs.last().unwrap() < &latest_seqs[0]);
    // Together the two pages hold every line once.
    let mut all = older_seqs;
    all.extend(latest_seqs);
    let len = all.len();
    all.dedup();
    assert_eq!(all.len(), len);
}

#[tokio::test]
async fn a_short_transcript_has_no_earlier_lines_and_a_bad_before_is_a_400() {
    let app = spawn_desk(10).await;
    let (ada, _visitor, _offer, chat_id) = live_chat(&app).await;
    let answer = transcript(&app, &ada.token, &chat_id).await;
    assert_eq!(answer["earlier"], false);
    assert_eq!(seqs(&answer)[0], 1);

    let response = app
        .http
        .get(format!(
            "{}/api/v1/agent/conversations/{chat_id}?before=soon",
            app.base_url
        ))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query");
}
