//! The report of finished jobs through the real server (`GET /api/v1/admin/sites/{site}/jobs`
//! and `.../jobs/summary`, docs/api.md): a job an agent finished in the console is listed
//! with its times, spans, login and wrap-up and summed up per agent; an erased visitor's
//! jobs (records and old whole entries) are gone; filters by time, agent and queue; pages
//! newest first with no duplicate and no gap, also while jobs are added; CSV quoting and
//! formula neutralisation; the admin token guard and the codes of bad queries.

use std::time::Duration;

use reqwest::header;
use serde_json::{Value, json};

use super::ADMIN_TOKEN;
use super::console::agent;
use super::desk::ask_for_human;
use crate::openapi::contract::{assert_documented, openapi};
use crate::retention::chat_id;
use crate::retention::jobs::{append_whole_job, chat_and_wrap_up, wait_for_note};
use crate::support::TestApp;
use crate::support::visitor::Visitor;

const JOBS: &str = "/api/v1/admin/sites/{site}/jobs";
const SUMMARY: &str = "/api/v1/admin/sites/{site}/jobs/summary";

/// `GET` of the demo site's `route` (`jobs` or `jobs/summary`) with `query`, with the admin
/// token; a JSON answer is checked against docs/openapi.json.
pub(super) async fn admin_get(app: &TestApp, route: &str, query: &str) -> (u16, Value) {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/{route}?{query}",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }
    let body: Value = response.json().await.unwrap();
    let path = if route == "jobs" { JOBS } else { SUMMARY };
    assert_documented(&openapi(), "get", path, status, &body);
    (status, body)
}

/// The jobs of one page (200 expected) and its next cursor.
pub(super) async fn page(app: &TestApp, query: &str) -> (Vec<Value>, Option<String>) {
    let (status, body) = admin_get(app, "jobs", query).await;
    assert_eq!(status, 200, "{body}");
    let cursor = body["next_cursor"].as_str().map(str::to_owned);
    (body["jobs"].as_array().unwrap().clone(), cursor)
}

/// Every page of `query` with `limit` jobs a page, in order, with the size of each page.
async fn all_pages(app: &TestApp, query: &str, limit: usize) -> (Vec<Value>, Vec<usize>) {
    let mut jobs = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let with_cursor = cursor.map_or(String::new(), |cursor| format!("&cursor={cursor}"));
        let (listed, next) = page(app, &format!("{query}&limit={limit}{with_cursor}")).await;
        sizes.push(listed.len());
        jobs.extend(listed);
        match next {
            Some(next) => cursor = Some(next),
            None => return (jobs, sizes),
        }
    }
}

/// The wrap-up notes of listed jobs, in order.
pub(super) fn notes(jobs: &[Value]) -> Vec<&str> {
    jobs.iter()
        .map(|job| job["wrap_up"]["notes"].as_str().unwrap_or(""))
        .collect()
}

/// A job of `conversation` as the desk records it, finished at `finished_at` after an
/// offer 2 s, an accept 60 s and an end 30 s earlier.
pub(super) fn job(
    agent: &str,
    conversation: &str,
    queue: &str,
    finished_at: jiff::Timestamp,
    note: &str,
) -> Value {
    let before = |s: i64| finished_at - jiff::SignedDuration::from_secs(s);
    json!({
        "job": "1", "agent": agent, "conversation": conversation, "queue": queue,
        "offered_at": before(92), "started_at": before(90), "ended_at": before(30),
        "finished_at": finished_at,
        "wrap_up": {"disposition": "solved", "notes": note}, "outcome": "wrapped_up",
    })
}

/// Stores `job` as the desk does (a record and a pointer in the site's log).
pub(super) async fn store(app: &TestApp, job: &Value) {
    let record = serde_json::from_value(job.clone()).unwrap();
    staffetta::desk::jobs::store(&app.state, "demo", &record)
        .await
        .unwrap();
}

pub(super) fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

async fn erase(app: &TestApp, key: &str) {
    let response = app
        .http
        .delete(format!(
            "{}/api/v1/admin/sites/demo/users/{key}",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// `agent` takes `visitor`'s request after 3 s, talks 40 s, wraps up 7 s after the end.
async fn timed_chat(app: &TestApp, agent: &mut super::console::Console, visitor: &Visitor) {
    ask_for_human(visitor).await;
    let offer = agent.offer().await;
    app.advance(Duration::from_secs(3));
    let chat = agent.accept(&offer).await;
    visitor.say("about my order").await;
    app.advance(Duration::from_secs(40));
    agent
        .send(json!({"command": "end", "conversation": chat}))
        .await;
    agent.until("CONNECTIONCLEARED").await;
    app.advance(Duration::from_secs(7));
    agent
        .send(json!({
            "command": "wrapup_done", "job": offer, "disposition": "solved",
            "notes": "NOTE-KEEP said \"thanks\"",
        }))
        .await;
    agent.until("JOBFINISHED").await;
}

#[tokio::test]
async fn a_job_finished_in_the_console_is_reported_with_its_times_and_wrap_up_until_its_visitor_is_erased()
 {
    let app = super::spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    let kept = app.visitor_with(&json!({ "user_id": "keep-me" })).await;
    let erased = app.visitor_with(&json!({ "user_id": "erase-me" })).await;
    // Jobs of both conversations as versions before job records wrote them: whole entries.
    let now = jiff::Timestamp::from_millisecond(app.clock.now_ms()).unwrap();
    for (visitor, note) in [(&kept, "OLD-KEEP"), (&erased, "OLD-ERASE")] {
        append_whole_job(
            &app,
            &job("op-old", &chat_id(visitor), "default", now, note),
        )
        .await;
    }
    timed_chat(&app, &mut ada, &kept).await;
    chat_and_wrap_up(&mut ada, &erased, "NOTE-ERASE").await;
    wait_for_note(&app, "NOTE-ERASE").await;

    let (jobs, cursor) = page(&app, "").await;
    assert_eq!(cursor, None);
    assert_eq!(
        notes(&jobs),
        [
            "NOTE-ERASE",
            "NOTE-KEEP said \"thanks\"",
            "OLD-ERASE",
            "OLD-KEEP"
        ]
    );
    let reported = &jobs[1];
    assert_eq!(reported["agent"], ada.id.as_str());
    assert_eq!(reported["agent_login"], "ada");
    assert_eq!(reported["conversation_id"], chat_id(&kept).as_str());
    assert_eq!(reported["queue"], "customer-care");
    assert_eq!(reported["outcome"], "wrapped_up");
    assert_eq!(reported["wrap_up"]["disposition"], "solved");
    assert_eq!(
        (
            &reported["wait_s"],
            &reported["handle_s"],
            &reported["after_chat_s"]
        ),
        (&json!(3.0), &json!(40.0), &json!(7.0)),
        "{reported}"
    );
    let time = |name: &str| at(reported[name].as_str().unwrap());
    assert_eq!(
        time("started_at").duration_since(time("offered_at")),
        jiff::SignedDuration::from_secs(3)
    );
    assert_eq!(
        time("finished_at").duration_since(time("ended_at")),
        jiff::SignedDuration::from_secs(7)
    );
    assert_eq!(jobs[2]["agent_login"], Value::Null);

    // The agent by login (any case) or by id; another agent; nobody.
    for agent in ["ada", "ADA", ada.id.as_str()] {
        let (jobs, _) = page(&app, &format!("agent={agent}")).await;
        assert_eq!(
            notes(&jobs),
            ["NOTE-ERASE", "NOTE-KEEP said \"thanks\""],
            "{agent}"
        );
    }
    let (jobs, _) = page(&app, "agent=op-old").await;
    assert_eq!(notes(&jobs), ["OLD-ERASE", "OLD-KEEP"]);
    let (jobs, _) = page(&app, "agent=nobody&queue=customer-care").await;
    assert!(jobs.is_empty());

    erase(&app, "u:erase-me").await;
    let (jobs, _) = page(&app, "").await;
    assert_eq!(notes(&jobs), ["NOTE-KEEP said \"thanks\"", "OLD-KEEP"]);

    let (status, summary) = admin_get(&app, "jobs/summary", "").await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["total"]["jobs"], 2, "{summary}");
    assert_eq!(summary["total"]["outcomes"]["wrapped_up"], 2);
    let agents = summary["agents"].as_array().unwrap();
    let of = |id: &str| agents.iter().find(|a| a["agent"] == id).unwrap().clone();
    let ada_figures = of(&ada.id);
    assert_eq!(ada_figures["agent_login"], "ada");
    assert_eq!(ada_figures["jobs"], 1);
    assert_eq!(ada_figures["wait_s"], json!({"mean": 3.0, "p90": 3.0}));
    assert_eq!(ada_figures["handle_s"], json!({"mean": 40.0, "p90": 40.0}));
    assert_eq!(
        ada_figures["after_chat_s"],
        json!({"mean": 7.0, "p90": 7.0})
    );
    assert_eq!(of("op-old")["handle_s"]["mean"], 60.0);
    assert_eq!(agents.len(), 2);
}

#[tokio::test]
async fn pages_run_newest_first_without_duplicates_or_gaps_also_while_jobs_come_and_filters_narrow_them()
 {
    let app = super::spawn_desk(10).await;
    let visitor = app.visitor_with(&json!({ "user_id": "regular" })).await;
    let conversation = chat_id(&visitor);
    // J0..J24, one an hour from 2025-03-01T00:00Z; every third bob's, odd ones via billing.
    let start = at("2025-03-01T00:00:00Z");
    for i in 0..25_i64 {
        let agent = if i % 3 == 0 { "op-bob" } else { "op-ada" };
        let queue = if i % 2 == 1 { "billing" } else { "default" };
        let finished = start + jiff::SignedDuration::from_hours(i);
        store(
            &app,
            &job(agent, &conversation, queue, finished, &format!("J{i}")),
        )
        .await;
    }
    let expected = |numbers: &mut dyn Iterator<Item = i64>| -> Vec<String> {
        numbers.map(|i| format!("J{i}")).collect()
    };

    let (jobs, sizes) = all_pages(&app, "", 7).await;
    assert_eq!(notes(&jobs), expected(&mut (0..25).rev()));
    assert_eq!(sizes, [7, 7, 7, 4]);

    // A job that finishes between two pages is not in the later ones.
    let (first, cursor) = page(&app, "limit=10").await;
    store(
        &app,
        &job(
            "op-ada",
            &conversation,
            "default",
            start + jiff::SignedDuration::from_hours(25),
            "J25",
        ),
    )
    .await;
    let cursor = cursor.unwrap();
    let (second, next) = page(&app, &format!("limit=10&cursor={cursor}")).await;
    let (third, last) = page(&app, &format!("limit=10&cursor={}", next.unwrap())).await;
    assert_eq!(last, None);
    let joined: Vec<Value> = [first, second, third].concat();
    assert_eq!(notes(&joined), expected(&mut (0..25).rev()));
    let (jobs, _) = page(&app, "limit=1").await;
    assert_eq!(notes(&jobs), ["J25"]);

    // Times: `from` inclusive, `to` exclusive, instants or UTC days.
    let (jobs, _) = page(&app, "from=2025-03-01T05:00:00Z&to=2025-03-01T10:00:00Z").await;
    assert_eq!(notes(&jobs), expected(&mut (5..10).rev()));
    let (jobs, _) = page(
        &app,
        "from=2025-03-01T06:00:00%2B01:00&to=2025-03-01T06:00:00Z",
    )
    .await;
    assert_eq!(notes(&jobs), expected(&mut (5..6).rev()));
    let (jobs, _) = page(&app, "from=2025-03-02").await;
    assert_eq!(notes(&jobs), ["J25", "J24"]);
    let (jobs, cursor) = page(&app, "to=2025-03-01").await;
    assert_eq!((jobs.len(), cursor), (0, None));
    let (jobs, _) = page(&app, "from=2025-03-01&to=2025-03-02&limit=1000").await;
    assert_eq!(notes(&jobs), expected(&mut (0..24).rev()));

    // Queue and agent, alone and with a range, paged.
    let (jobs, sizes) = all_pages(&app, "queue=billing", 4).await;
    assert_eq!(
        notes(&jobs),
        expected(&mut (0..25).rev().filter(|i| i % 2 == 1))
    );
    assert_eq!(sizes, [4, 4, 4]);
    let (jobs, _) = all_pages(
        &app,
        "agent=op-bob&from=2025-03-01T03:00:00Z&to=2025-03-01T19:00:00Z",
        2,
    )
    .await;
    assert_eq!(notes(&jobs), ["J18", "J15", "J12", "J9", "J6", "J3"]);

    let (status, summary) = admin_get(&app, "jobs/summary", "from=2025-03-01&to=2025-03-02").await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["from"], "2025-03-01T00:00:00Z");
    assert_eq!(summary["to"], "2025-03-02T00:00:00Z");
    assert_eq!(summary["total"]["jobs"], 24);
    assert_eq!(summary["total"]["wait_s"], json!({"mean": 2.0, "p90": 2.0}));
    let bob = summary["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "op-bob")
        .unwrap()
        .clone();
    assert_eq!(bob["jobs"], 8);
}

#[tokio::test]
async fn csv_pages_quote_cells_and_neutralise_formulas_in_wrap_ups() {
    let app = super::spawn_desk(10).await;
    let visitor = app.visitor_with(&json!({ "user_id": "quoted" })).await;
    let conversation = chat_id(&visitor);
    let mut formula = job(
        "op-ada",
        &conversation,
        "default",
        at("2025-03-01T10:00:00Z"),
        "=HYPERLINK(\"http://evil.example\",\"x\")",
    );
    formula["wrap_up"]["disposition"] = json!("+call-back");
    store(&app, &formula).await;
    store(
        &app,
        &job(
            "op-ada",
            &conversation,
            "billing",
            at("2025-03-01T11:00:00Z"),
            "said \"hi\", then\nleft",
        ),
    )
    .await;

    let get = |cursor: Option<String>| {
        let app = &app;
        async move {
            let cursor = cursor.map_or(String::new(), |cursor| format!("&cursor={cursor}"));
            app.http
                .get(format!(
                    "{}/api/v1/admin/sites/demo/jobs?limit=1{cursor}",
                    app.base_url
                ))
                .bearer_auth(ADMIN_TOKEN)
                .header(header::ACCEPT, "text/csv")
                .send()
                .await
                .unwrap()
        }
    };
    let header_line = "job,agent,agent_login,conversation_id,queue,offered_at,started_at,ended_at,finished_at,wait_s,handle_s,after_chat_s,outcome,disposition,notes\r\n";

    let first = get(None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-store");
    let cursor = first.headers()["x-staffetta-next-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first.text().await.unwrap(),
        format!(
            "{header_line}1,op-ada,,{conversation},billing,2025-03-01T10:58:28Z,2025-03-01T10:58:30Z,\
             2025-03-01T10:59:30Z,2025-03-01T11:00:00Z,2,60,30,wrapped_up,solved,\
             \"said \"\"hi\"\", then\nleft\"\r\n"
        )
    );
    let second = get(Some(cursor)).await;
    assert!(second.headers().get("x-staffetta-next-cursor").is_none());
    assert_eq!(
        second.text().await.unwrap(),
        format!(
            "{header_line}1,op-ada,,{conversation},default,2025-03-01T09:58:28Z,2025-03-01T09:58:30Z,\
             2025-03-01T09:59:30Z,2025-03-01T10:00:00Z,2,60,30,wrapped_up,\"'+call-back\",\
             \"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\r\n"
        )
    );
}

#[tokio::test]
async fn the_report_needs_the_admin_token_and_names_what_is_wrong_with_a_query() {
    let app = super::spawn_desk(10).await;
    for route in ["jobs", "jobs/summary"] {
        let url = format!("{}/api/v1/admin/sites/demo/{route}", app.base_url);
        let missing = app.http.get(&url).send().await.unwrap();
        assert_eq!(missing.status(), 401);
        assert!(missing.headers().contains_key(header::WWW_AUTHENTICATE));
        let wrong = app
            .http
            .get(&url)
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        let body: Value = wrong.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        let unknown = app
            .http
            .get(format!(
                "{}/api/v1/admin/sites/nowhere/{route}",
                app.base_url
            ))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
        let body: Value = unknown.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unknown_site");
    }
    for (route, query, status, code) in [
        ("jobs", "from=yesterday", 400, "invalid_query"),
        ("jobs", "to=2025-02-30", 400, "invalid_query"),
        ("jobs", "limit=0", 400, "invalid_query"),
        ("jobs", "limit=1001", 400, "invalid_query"),
        ("jobs", "limit=many", 400, "invalid_query"),
        ("jobs", "form=2025-03-01", 400, "invalid_query"),
        ("jobs", "queue=no%20such", 400, "invalid_query"),
        ("jobs", "agent=a%20b", 400, "invalid_query"),
        ("jobs", "cursor=garbage!", 400, "invalid_cursor"),
        ("jobs", "cursor=am9iczE6b3RoZXI6NQ", 400, "invalid_cursor"),
        (
            "jobs",
            "from=2025-03-02&to=2025-03-01",
            422,
            "invalid_range",
        ),
        (
            "jobs",
            "from=2025-03-01&to=2025-03-01",
            422,
            "invalid_range",
        ),
        ("jobs/summary", "from=2025-13-01", 400, "invalid_query"),
        ("jobs/summary", "agent=a%20b", 400, "invalid_query"),
        ("jobs/summary", "queue=no%20such", 400, "invalid_query"),
        ("jobs/summary", "limit=10", 400, "invalid_query"),
        (
            "jobs/summary",
            "from=2025-03-02&to=2025-03-01",
            422,
            "invalid_range",
        ),
    ] {
        let (answered, body) = admin_get(&app, route, query).await;
        assert_eq!(
            (answered, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{route}?{query}: {body}"
        );
    }

    let disabled = crate::support::spawn_app().await;
    let response = disabled
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/jobs",
            disabled.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
