//! What `staffetta config check` (and `serve`, where it says the same) tells an admin: the
//! remedy for a dialog's undeclared iframe host.

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
