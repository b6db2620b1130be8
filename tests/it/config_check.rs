//! What `staffetta config check` (and `serve`, where it says the same) tells an admin: the
//! remedy for a dialog's undeclared iframe host, and a short summary of valid settings (the
//! whole of them only with `--print-settings`).

use crate::cli::{config_check, example_config, workdir};
use crate::support::binary::command;

/// Copies the folder `from` into `to` (files and folders; symlinks are followed).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn an_undeclared_iframe_host_names_the_dialogs_settings_not_a_flag_the_command_lacks() {
    let dir = workdir();
    // The demo dialog without its own declaration of the map's host; the example
    // configuration's site still lists it in its `iframe_hosts`.
    let dialogs = dir.path().join("own-dialogs");
    copy_dir(&crate::cli::repo_dir().join("dialogs"), &dialogs);
    let dialog = dialogs.join("bottega-aurora/dialog.toml");
    let text = std::fs::read_to_string(&dialog).unwrap();
    let declared = "iframe_hosts = [\"www.openstreetmap.org\"]";
    assert!(text.contains(declared));
    std::fs::write(&dialog, text.replace(declared, "iframe_hosts = []")).unwrap();
    let config = example_config(dir.path());
    assert!(config.contains(declared), "the site allows the host");
    let file = dir.path().join("staffetta.toml");
    std::fs::write(&file, config.replace("./dialogs", "./own-dialogs")).unwrap();

    let check = config_check(dir.path(), &file);
    assert_eq!(check.status.code(), Some(2));
    let checked = String::from_utf8_lossy(&check.stderr).to_string();
    let served = command(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(served.status.code(), Some(1));
    let served = String::from_utf8_lossy(&served.stderr).to_string();
    for said in [&checked, &served] {
        assert!(!said.contains("--iframe-host"), "{said}");
        assert!(
            said.contains("iframe host `www.openstreetmap.org` is not declared by the dialog")
                && said.contains("`[settings] iframe_hosts`"),
            "{said}"
        );
    }
}

#[test]
fn config_check_prints_a_short_summary_and_every_setting_only_when_asked() {
    let dir = workdir();
    let config = example_config(dir.path())
        .replace("token = \"\"", "token = \"a-secret-token-of-24-bytes\"");
    let file = dir.path().join("staffetta.toml");
    std::fs::write(&file, &config).unwrap();

    let check = config_check(dir.path(), &file);
    let stdout = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(check.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "configuration is valid");
    assert!(lines.len() <= 25, "{} lines:\n{stdout}", lines.len());
    for expected in [
        "listen: 127.0.0.1:8080",
        "store: sled in ./data",
        "admin API: on; GET /metrics: on",
        "sites (1):",
        "  demo: dialog bottega-aurora, default locale en",
        "    origins: http://localhost:*, http://127.0.0.1:*",
        "`config check --print-settings`",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    assert!(!stdout.contains("Settings {"), "{stdout}");
    assert!(!stdout.contains("a-secret-token"), "{stdout}");

    let full = command(dir.path())
        .args(["config", "check", "--print-settings"])
        .arg(&file)
        .output()
        .unwrap();
    let full = String::from_utf8_lossy(&full.stdout).to_string();
    assert!(full.starts_with("configuration is valid\n"), "{full}");
    assert!(
        full.contains("Settings {") && full.contains("[redacted]"),
        "{full}"
    );
    assert!(!full.contains("a-secret-token"), "{full}");
}

#[test]
fn config_check_lists_the_limits_that_differ_from_the_defaults() {
    let dir = workdir();
    let file = dir.path().join("staffetta.toml");
    let config = example_config(dir.path());
    assert!(config.contains("\nmessages_per_minute = 30\n"));
    std::fs::write(
        &file,
        config.replace(
            "\nmessages_per_minute = 30\n",
            "\nmessages_per_minute = 7\n",
        ),
    )
    .unwrap();
    let check = config_check(dir.path(), &file);
    let stdout = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        stdout.contains(
            "limits that differ from the defaults:\n  limits.messages_per_minute = 7 (default "
        ),
        "{stdout}"
    );
}
