//! The summary of finished jobs (`GET /api/v1/admin/sites/{site}/jobs/summary`, docs/api.md)
//! narrowed to one agent (by login or id) or queue, where one that nobody has gives no jobs,
//! and as CSV: a line per agent and the total, with formulas neutralised.

use reqwest::header;
use serde_json::json;

use super::ADMIN_TOKEN;
use super::job_report::{admin_get, at, job, store};
use super::security_support::add_operator_on;
use crate::retention::chat_id;
use crate::support::TestApp;

/// The summary's total job count and its agents' ids, for `query` (200 expected).
async fn jobs_and_agents(app: &TestApp, query: &str) -> (u64, Vec<String>) {
    let (status, summary) = admin_get(app, "jobs/summary", query).await;
    assert_eq!(status, 200, "{query}: {summary}");
    let agents = summary["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| agent["agent"].as_str().unwrap().to_owned())
        .collect();
    (summary["total"]["jobs"].as_u64().unwrap(), agents)
}

#[tokio::test]
async fn the_summary_narrows_to_an_agent_or_a_queue_and_one_nobody_has_gives_no_jobs() {
    let app = super::spawn_desk(10).await;
    let ada = add_operator_on(&app, "demo", "ada", "agent").await;
    let visitor = app.visitor_with(&json!({ "user_id": "summed" })).await;
    let conversation = chat_id(&visitor);
    for (agent, queue, hour) in [
        (ada.as_str(), "default", 1),
        (ada.as_str(), "billing", 2),
        ("op-bob", "billing", 3),
        ("op-bob", "default", 4),
        ("op-bob", "default", 5),
    ] {
        let finished = at("2025-03-01T00:00:00Z") + jiff::SignedDuration::from_hours(hour);
        store(&app, &job(agent, &conversation, queue, finished, "n")).await;
    }
    let ada_only = (2, vec![ada.clone()]);
    assert_eq!(jobs_and_agents(&app, "agent=ada").await, ada_only);
    assert_eq!(jobs_and_agents(&app, "agent=ADA").await, ada_only);
    assert_eq!(
        jobs_and_agents(&app, &format!("agent={ada}")).await,
        ada_only
    );
    let (jobs, mut agents) = jobs_and_agents(&app, "queue=billing").await;
    agents.sort();
    let mut both = vec![ada.clone(), "op-bob".to_owned()];
    both.sort();
    assert_eq!((jobs, agents), (2, both));
    assert_eq!(
        jobs_and_agents(&app, "agent=op-bob&queue=default").await,
        (2, vec!["op-bob".to_owned()])
    );
    assert_eq!(
        jobs_and_agents(&app, "agent=op-bob&queue=default&from=2025-03-01T05:00:00Z").await,
        (1, vec!["op-bob".to_owned()])
    );
    // Like the job list: an agent or queue nobody has is no error, just no jobs.
    for nobody in [
        "agent=op-nobody",
        "agent=nobody",
        "queue=nowhere",
        "agent=ada&queue=nowhere",
    ] {
        let (status, summary) = admin_get(&app, "jobs/summary", nobody).await;
        assert_eq!(status, 200, "{nobody}: {summary}");
        assert_eq!(summary["total"]["jobs"], 0, "{nobody}");
        assert_eq!(
            summary["total"]["wait_s"],
            json!({"mean": null, "p90": null})
        );
        assert_eq!(summary["agents"], json!([]), "{nobody}");
    }
    assert_eq!(jobs_and_agents(&app, "").await.0, 5);
}

/// The summary as CSV for `query`: the body, after checking the headers.
async fn csv_summary(app: &TestApp, query: &str) -> String {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/admin/sites/demo/jobs/summary?{query}",
            app.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .header(header::ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"jobs-summary-demo.csv\""
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_summary_as_csv_has_a_line_per_agent_then_the_total_with_formulas_neutralised() {
    let app = super::spawn_desk(10).await;
    // A login a spreadsheet would read as a formula.
    let dash = add_operator_on(&app, "demo", "-ada", "agent").await;
    let visitor = app.visitor_with(&json!({ "user_id": "csv-summed" })).await;
    let conversation = chat_id(&visitor);
    for (agent, queue, finished) in [
        (dash.as_str(), "default", "2025-03-01T10:00:00Z"),
        (dash.as_str(), "billing", "2025-03-01T11:00:00Z"),
        ("op-bob", "billing", "2025-03-01T12:00:00Z"),
    ] {
        store(&app, &job(agent, &conversation, queue, at(finished), "n")).await;
    }
    let header_line = "row,agent,agent_login,jobs,wrapped_up,wrap_up_limit,agent_lost,logged_out,\
                       wait_mean_s,wait_p90_s,handle_mean_s,handle_p90_s,after_chat_mean_s,\
                       after_chat_p90_s\r\n";
    assert_eq!(
        csv_summary(&app, "agent=-ada").await,
        format!(
            "{header_line}agent,{dash},\"'-ada\",2,2,0,0,0,2,2,60,60,30,30\r\n\
             total,,,2,2,0,0,0,2,2,60,60,30,30\r\n"
        )
    );
    assert_eq!(
        csv_summary(&app, "queue=billing&agent=op-bob").await,
        format!(
            "{header_line}agent,op-bob,,1,1,0,0,0,2,2,60,60,30,30\r\n\
             total,,,1,1,0,0,0,2,2,60,60,30,30\r\n"
        )
    );
    assert_eq!(
        csv_summary(&app, "queue=nowhere").await,
        format!("{header_line}total,,,0,0,0,0,0,,,,,,\r\n")
    );
}
