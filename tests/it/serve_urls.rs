//! What `staffetta serve` prints at start: the addresses a site owner opens next. The demo
//! shop page at `/` embeds the widget of the site `demo`; a node whose configuration has no
//! such site (the owner's own sites only) must not send them to a page whose widget is
//! refused (404 `unknown_site`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::binary::command;

fn repo_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The lines `serve` prints up to the agent console's, with `config` as its config file.
fn start_lines(config: Option<&str>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    if let Some(toml) = config {
        let file = dir.path().join("staffetta.toml");
        std::fs::write(&file, toml).unwrap();
        cmd.arg("--config").arg(&file);
    }
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .env("STAFFETTA__PATHS__DIALOGS", repo_dir().join("dialogs"))
        .env("STAFFETTA__PATHS__LOCALES", repo_dir().join("locales"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let last = line.contains("agent console");
            if tx.send(line).is_err() || last {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) {
        let last = line.contains("agent console");
        lines.push(line);
        if last {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn a_node_without_the_demo_site_does_not_advertise_the_demo_page() {
    let lines = start_lines(Some(
        "[[sites]]\nid = \"shop\"\nallowed_origins = [\"https://shop.example\"]\n",
    ));
    assert!(
        lines.iter().any(|l| l.contains("agent console:")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains("demo page")), "{lines:#?}");
}

#[test]
fn the_built_in_demo_site_advertises_its_demo_page() {
    let lines = start_lines(None);
    assert!(lines.iter().any(|l| l.contains("demo page:")), "{lines:#?}");
}
