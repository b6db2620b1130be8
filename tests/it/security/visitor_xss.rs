//! X-01, X-02, X-03, X-05 through the real server: markup a visitor types, markup in page
//! metadata, markup an agent sends and markup a dialog author puts in rich responses. What
//! reaches the widget and the console is either plain text (a JSON string the client shows
//! as text: visitor lines never carry `html`) or HTML that passes the inert check; active
//! URLs in rich responses stop the node at start-up.

use serde_json::{Value, json};

use super::inert::{assert_all_html_inert, assert_inert, has_html};
use crate::handoff::console::{self, Console};
use crate::handoff::desk::ask_for_human;
use crate::support::app::test_settings;
use crate::support::visitor::Visitor;
use crate::support::{TestApp, spawn_app_with};

/// X-01 stored-XSS probes, X-02 link schemes and X-03 raw HTML, as a visitor would type them.
const PAYLOADS: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script><li id=\"",
    "<svg/onload=alert(1)>",
    "\"><iMg SrC=\"x\" oNeRRor=\"alert(1);\">",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java&#115;cript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "![i](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<details open ontoggle=alert(1)>",
    "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<form action=https://evil.test><button>go</button></form>",
    "<meta http-equiv=refresh content=\"0;url=//evil.test\">",
    "<base href=//evil.test>",
    "<style>@import 'https://evil.test/x.css';</style>",
    "<div style=\"position:fixed;inset:0;background:#fff\">Log in again</div>",
];

async fn roomy_desk() -> TestApp {
    spawn_app_with(|s| {
        s.admin.token = staffetta::secret::Secret::new(crate::handoff::ADMIN_TOKEN);
        s.agent.demo_operators = false;
        s.limits.new_sessions_per_minute = 1000;
        s.limits.messages_per_minute = 1000;
    })
    .await
}

/// The visitor's persisted events.
async fn events(visitor: &Visitor) -> Vec<Value> {
    visitor.events(0, 0).await.body["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn markup_a_visitor_types_comes_back_to_the_widget_as_text_or_inert_html() {
    let app = roomy_desk().await;
    let mut repeated = 0;
    for payload in PAYLOADS {
        let visitor = app.visitor().await;
        // The bot repeats it as the visitor's name: escaped into its own markup.
        visitor.pick("profile").await;
        let reply = visitor.say(payload).await;
        assert_all_html_inert(&reply);
        let html = reply["output"]["generic"][0]["html"]
            .as_str()
            .unwrap_or_default();
        if reply.to_string().contains("connect_to_agent") {
            // The NLU read the words as asking for a person: there is no name to repeat.
            continue;
        }
        repeated += 1;
        assert!(html.contains("Nice to meet you"), "{payload}: {reply}");
        assert_inert(html);
        // Kept as data (with its blanks folded), not stripped.
        let folded = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = reply["context"]["name"].as_str().unwrap_or_default();
        assert_eq!(folded(name), folded(payload));
        // As a plain message (the bot may read it as any intent): inert either way.
        let answer = visitor.say(payload).await;
        assert_all_html_inert(&answer);
        let stored = events(&visitor).await;
        assert_all_html_inert(&json!(stored));
        let typed: Vec<&Value> = stored.iter().filter(|e| e["from"] == "visitor").collect();
        assert!(typed.iter().all(|e| !has_html(e)), "{typed:?}");
        assert!(typed.iter().any(|e| e["input"]["text"] == *payload));
    }
    assert!(
        repeated >= PAYLOADS.len() - 2,
        "only {repeated} names were repeated"
    );
}

#[tokio::test]
async fn markup_from_a_visitor_reaches_the_agent_as_text_and_bot_lines_as_inert_html() {
    let app = roomy_desk().await;
    let mut ada = console::agent(&app, "ada", "agent").await;
    let hostile_page = json!({
        "anonymous_id": "anon-0123456789abcdef",
        "locale": "en",
        "page_url": "javascript:alert(document.cookie)",
        "referrer": "https://evil.test/\"><script>alert(1)</script>",
    });
    let started = app
        .http
        .post(format!("{}/api/v1/sites/demo/sessions", app.base_url))
        .header("origin", crate::support::visitor::ORIGIN)
        .header("user-agent", "<script>alert(1)</script>")
        .json(&hostile_page)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    let visitor = Visitor {
        base_url: app.base_url.clone(),
        http: app.http.clone(),
        started: started.json().await.unwrap(),
    };
    visitor.pick("profile").await;
    visitor.say(PAYLOADS[0]).await;
    ask_for_human(&visitor).await;
    let offer = ada.offer().await;
    let chat_id = ada.accept(&offer).await;

    for payload in PAYLOADS {
        visitor.say(payload).await;
        let message = until_message_from(&mut ada, "visitor").await;
        assert_eq!(message["text"], *payload);
        assert!(!has_html(&message), "{message}");
    }
    let transcript = console::transcript(&app, &ada.token, &chat_id).await;
    assert_all_html_inert(&transcript);
    for line in transcript["messages"].as_array().unwrap() {
        if line["from"] == "visitor" {
            assert!(!has_html(line), "{line}");
        }
    }
    let info = &transcript["visitor"];
    assert!(
        info["page_url"].is_null(),
        "a javascript: page is dropped: {info}"
    );
    let referrer = info["referrer"].as_str().unwrap_or_default();
    assert!(
        referrer.is_empty() || (referrer.starts_with("https://") && !referrer.contains('<')),
        "{referrer}"
    );
    assert!(!has_html(info), "{info}");

    // X-05: what the agent sends is rendered to inert HTML for the visitor and the console.
    for payload in PAYLOADS {
        ada.send(json!({ "command": "send", "conversation": chat_id, "text": payload }))
            .await;
        let echo = until_message_from(&mut ada, "agent").await;
        assert_inert(echo["html"].as_str().unwrap_or_default());
    }
    let agent_lines: Vec<Value> = events(&visitor)
        .await
        .into_iter()
        .filter(|e| e["from"] == "agent")
        .collect();
    assert_eq!(agent_lines.len(), PAYLOADS.len());
    assert_all_html_inert(&json!(agent_lines));
}

/// The next MESSAGE frame from `from` on the console.
async fn until_message_from(console: &mut Console, from: &str) -> Value {
    loop {
        let frame = console.until("MESSAGE").await;
        if frame["from"] == from {
            return frame;
        }
    }
}

/// A node running `dialog` (TOML) as the demo site's dialog, with the folder holding it;
/// the build error when the node refuses it.
async fn build_with_dialog(dialog: &str) -> Result<(TestApp, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("xss.toml"), dialog).unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data.path());
    settings.paths.dialogs = dir.path().to_path_buf();
    settings.sites[0].dialog = "xss".to_owned();
    let built =
        staffetta::Server::build_with_clock(settings, staffetta::store::Clock::system()).await;
    match built {
        Err(err) => return Err(format!("{err:#}")),
        // Only the check mattered; the node under test gets its own data dir.
        Ok(server) => drop(server),
    }
    let dialogs = dir.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.paths.dialogs = dialogs;
        s.sites[0].dialog = "xss".to_owned();
        s.sites[0].iframe_hosts = vec!["maps.example.org".to_owned()];
    })
    .await;
    Ok((app, dir))
}

const HOSTILE_DIALOG: &str = r#"
id = "xss"
locales = ["en"]
[settings]
welcome = "welcome"
iframe_hosts = ["maps.example.org"]

[actions.welcome]
[[actions.welcome.steps]]
say = '<details open ontoggle=alert(1)> <iframe srcdoc="<script>alert(1)</script>"> [x](javascript:alert(1)) <a href="javascript:alert(1)">a</a> <div style="position:fixed">Log in</div>'
[[actions.welcome.steps]]
image.source = "https://cdn.example.org/x.png"
image.title = '<img src=x onerror=alert(1)>'
image.description = '"><script>alert(1)</script>'
image.alt_text = '<svg/onload=alert(1)>'
[[actions.welcome.steps]]
iframe.source = "https://maps.example.org/embed"
iframe.title = '"><iMg SrC="x" oNeRRor="alert(1);">'
[[actions.welcome.steps]]
option.title = '<img src=x onerror=alert(1)>'
option.options = [{ value = "a", label = '<svg/onload=alert(1)>' }]
"#;

#[tokio::test]
async fn markup_in_a_dialogs_rich_responses_reaches_the_widget_as_plain_strings_or_inert_html() {
    let (app, _dialogs) = build_with_dialog(HOSTILE_DIALOG)
        .await
        .expect("the dialog loads");
    let visitor = app.visitor().await;
    let items = visitor.started.output.generic.clone();
    let items = serde_json::to_value(items).unwrap();
    assert_all_html_inert(&items);
    for item in items.as_array().unwrap() {
        // Only text items carry HTML; labels, titles and captions are strings shown as text.
        if item["response_type"] != "text" {
            assert!(!has_html(item), "{item}");
        }
    }
    let kinds: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["response_type"].as_str())
        .collect();
    assert_eq!(kinds, ["text", "image", "iframe", "option"]);
}

#[tokio::test]
async fn a_dialog_with_an_active_url_in_a_rich_response_stops_the_node_at_start_up() {
    let head = "id = \"xss\"\nlocales = [\"en\"]\n[settings]\nwelcome = \"welcome\"\n\
                iframe_hosts = [\"maps.example.org\"]\n\
                [actions.welcome]\n[[actions.welcome.steps]]\n";
    let allowed = "iframe.source = \"https://maps.example.org/embed\"";
    if let Err(err) = build_with_dialog(&format!("{head}{allowed}\n")).await {
        panic!("an https frame on the allowlisted host was refused: {err}");
    }
    for step in [
        "image.source = \"javascript:alert(1)\"",
        "image.source = \"data:image/svg+xml;base64,PHN2Zz4=\"",
        "video.source = \"vbscript:msgbox(1)\"",
        "iframe.source = \"javascript:alert(1)\"",
        "iframe.source = \"data:text/html,<script>alert(1)</script>\"",
        "iframe.source = \"https://unlisted.example.org/embed\"",
        // An allowlisted host, but plain http (X-05: https only).
        "iframe.source = \"http://maps.example.org/embed\"",
        "iframe.source = \"/demo/media/map.svg\"",
        // Browsers read `\` as `/`: this frame would load evil.example.
        "iframe.source = 'https://evil.example\\@maps.example.org/embed'",
    ] {
        let refused = build_with_dialog(&format!("{head}{step}\n")).await;
        assert!(refused.is_err(), "{step} was accepted");
    }
}
