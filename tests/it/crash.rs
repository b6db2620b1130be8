//! G1 and G2 under kill -9: the real binary takes visitor messages, is killed mid-stream
//! and restarted, 20 times in a row; every acknowledged message is present, once, in
//! order, with the seq it was acknowledged with, and retried sends are deduplicated.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::binary::{ServedBinary, serve_with_env};
use crate::support::visitor::ORIGIN;

const CYCLES: usize = 20;

fn start_node(cwd: &std::path::Path, data: &str) -> ServedBinary {
    // One visitor sends hundreds of messages within a minute here: lift the rate limit.
    serve_with_env(
        cwd,
        &["--data-dir", data],
        &[("STAFFETTA__LIMITS__MESSAGES_PER_MINUTE", "100000")],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_kill_9_once_and_in_order_over_20_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let repo = crate::support::app::repo_dir();
    std::os::unix::fs::symlink(repo.join("dialogs"), dir.path().join("dialogs")).unwrap();
    std::os::unix::fs::symlink(repo.join("locales"), dir.path().join("locales")).unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap().to_owned();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let mut node = start_node(dir.path(), &data);
    let started: Value = http
        .post(format!("{}/api/v1/sites/demo/sessions", node.base_url))
        .header("origin", ORIGIN)
        .json(&json!({ "anonymous_id": "anon-crashcrashcrash01" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = started["session_id"].as_str().unwrap().to_owned();
    // Every later call presents the session token, as the widget does.
    let http = with_session_token(started["session_token"].as_str().unwrap());

    // (client_message_id, acknowledged seq), in acknowledgement order.
    let mut acked: Vec<(String, u64)> = Vec::new();
    let mut unacked: Vec<String> = Vec::new();
    let mut next_id = 0usize;
    for cycle in 0..CYCLES {
        // Retried sends of messages whose answer was lost must not duplicate.
        for id in std::mem::take(&mut unacked) {
            let seq = send(&http, &node.base_url, &session, &id)
                .await
                .expect("retry succeeds");
            acked.push((id, seq));
        }
        let burst = 3 + (cycle * 7) % 9;
        let base_url = node.base_url.clone();
        let sender = {
            let http = http.clone();
            let session = session.clone();
            let ids: Vec<String> = (next_id..next_id + burst + 20)
                .map(|i| format!("crash-{i}"))
                .collect();
            tokio::spawn(async move {
                let mut results = Vec::new();
                for id in ids {
                    let outcome = send(&http, &base_url, &session, &id).await;
                    let failed = outcome.is_none();
                    results.push((id, outcome));
                    if failed {
                        break;
                    }
                }
                results
            })
        };
        // Let `burst` messages through, then kill while the stream goes on.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let head = head_of(&http, &node.base_url, &session).await;
            if head.is_some_and(|h| h > (acked.len() as u64 + burst as u64) * 2) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no progress in cycle {cycle}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        node.signal("KILL");
        let _ = node.wait_exit(Duration::from_secs(10));
        for (id, outcome) in sender.await.unwrap() {
            next_id += 1;
            match outcome {
                Some(seq) => acked.push((id, seq)),
                None => unacked.push(id),
            }
        }
        node = start_node(dir.path(), &data);
        verify(&http, &node.base_url, &session, &acked).await;
    }
    assert!(
        acked.len() >= CYCLES * 3,
        "only {} acknowledged",
        acked.len()
    );
    node.signal("TERM");
    assert_eq!(node.wait_exit(Duration::from_secs(15)), Some(0));
}

/// A client whose every request carries `Authorization: Bearer <token>`.
fn with_session_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn send(http: &reqwest::Client, base: &str, session: &str, id: &str) -> Option<u64> {
    let response = http
        .post(format!(
            "{base}/api/v1/sites/demo/sessions/{session}/message"
        ))
        .header("origin", ORIGIN)
        .json(&json!({ "client_message_id": id, "input": { "text": format!("message {id}") } }))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        panic!("send {id} failed with {status}: {body}");
    }
    let body: Value = response.json().await.ok()?;
    body["seq"].as_u64()
}

/// Every persisted event of the session, following the long-poll pages.
async fn all_events(http: &reqwest::Client, base: &str, session: &str) -> Option<Vec<Value>> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!(
                "{base}/api/v1/sites/demo/sessions/{session}/events?after={after}&wait=0"
            ))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let batch = page["events"].as_array()?.clone();
        if batch.is_empty() {
            return Some(events);
        }
        after = page["next_after"].as_u64()?;
        events.extend(batch);
    }
}

async fn head_of(http: &reqwest::Client, base: &str, session: &str) -> Option<u64> {
    let events = all_events(http, base, session).await?;
    Some(events.last().and_then(|e| e["seq"].as_u64()).unwrap_or(0))
}

async fn verify(http: &reqwest::Client, base: &str, session: &str, acked: &[(String, u64)]) {
    let events = all_events(http, base, session)
        .await
        .expect("events readable after restart");
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "seqs are gapless and ordered");
    let visitor_ids: Vec<&str> = events
        .iter()
        .filter(|e| e["from"] == "visitor")
        .map(|e| e["client_message_id"].as_str().unwrap())
        .collect();
    let mut last_position = 0;
    for (id, seq) in acked {
        let found: Vec<usize> = visitor_ids
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == id)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "{id} present exactly once");
        assert!(found[0] >= last_position, "{id} in acknowledgement order");
        last_position = found[0];
        assert_eq!(
            events[(*seq - 1) as usize]["client_message_id"],
            id.as_str(),
            "{id} at its seq"
        );
    }
}
