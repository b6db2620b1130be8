//! Tests of config layering and its error messages.

use std::io::Write;

use super::*;

fn write_config(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

#[test]
fn defaults_bind_localhost_8080_with_the_demo_site() {
    let settings = Settings::load(None, no_env()).unwrap();
    assert_eq!(settings.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.sites.len(), 1);
    let demo = settings.site("demo").unwrap();
    assert!(demo.allowed_origins[0].allows("http://localhost:3000"));
    assert!(demo.allowed_origins[1].allows("http://127.0.0.1:5173"));
}

#[test]
fn the_embedded_example_config_is_valid() {
    let file = write_config(crate::config::EXAMPLE_CONFIG);
    let settings = Settings::load(Some(file.path()), no_env()).unwrap();
    assert_eq!(settings.sites[0].id, "demo");
    assert_eq!(settings.sites[0].resources[0].offer_timeout_s, 20);
}

#[test]
fn unknown_key_names_the_file_the_line_and_the_key() {
    let file = write_config("[server]\nlisten = \"127.0.0.1:9000\"\nlisen = 1\n");
    let err = Settings::load(Some(file.path()), no_env())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&file.path().display().to_string()), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("unknown field `lisen`"), "{err}");
    // serde lists the valid keys ("expected one of `listen`, ...").
    assert!(err.contains("`listen`"), "{err}");
}

#[test]
fn wrong_type_names_the_key_and_the_expected_type() {
    let file = write_config(
        "[[sites]]\nid = \"a\"\nallowed_origins = [\"https://a.example\"]\nidle_timeout_s = \"long\"\n",
    );
    let err = Settings::load(Some(file.path()), no_env())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("idle_timeout_s"), "{err}");
    assert!(err.contains("expected u64"), "{err}");
}

#[test]
fn environment_overrides_the_file() {
    let file = write_config("[server]\nlisten = \"127.0.0.1:9000\"\n");
    let env = vec![
        (
            "STAFFETTA__SERVER__LISTEN".to_owned(),
            "0.0.0.0:7000".to_owned(),
        ),
        ("UNRELATED".to_owned(), "x".to_owned()),
    ];
    let settings = Settings::load(Some(file.path()), env).unwrap();
    assert_eq!(settings.server.listen.to_string(), "0.0.0.0:7000");
}

#[test]
fn environment_can_reach_into_the_sites_array() {
    let file = write_config(crate::config::EXAMPLE_CONFIG);
    let env = vec![(
        "STAFFETTA__SITES__0__IDLE_TIMEOUT_S".to_owned(),
        "600".to_owned(),
    )];
    let settings = Settings::load(Some(file.path()), env).unwrap();
    assert_eq!(settings.sites[0].idle_timeout_s, 600);
}

#[test]
fn bad_environment_value_names_the_variable_and_the_key() {
    let env = vec![(
        "STAFFETTA__SERVER__SHUTDOWN_GRACE_S".to_owned(),
        "soon".to_owned(),
    )];
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(
        err.starts_with("STAFFETTA__SERVER__SHUTDOWN_GRACE_S"),
        "{err}"
    );
    assert!(err.contains("server.shutdown_grace_s"), "{err}");
}

#[test]
fn unknown_environment_key_is_an_error() {
    let env = vec![("STAFFETTA__SERVER__PORTT".to_owned(), "1".to_owned())];
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(err.contains("STAFFETTA__SERVER__PORTT"), "{err}");
    assert!(err.contains("unknown field `portt`"), "{err}");
}

#[test]
fn missing_file_is_a_clear_error() {
    let err = Settings::load(
        Some(std::path::Path::new("/nonexistent/staffetta.toml")),
        no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("/nonexistent/staffetta.toml: cannot read"),
        "{err}"
    );
}

#[test]
fn semantic_errors_name_the_site_and_key() {
    let cases = [
        (
            "id = \"Bad Id\"\nallowed_origins = [\"https://a.example\"]",
            "`id` must be",
        ),
        ("id = \"a\"\nallowed_origins = []", "allowed_origins"),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\nidle_warning_s = 400",
            "idle_warning_s",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"a.example\"]",
            "not a valid origin",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\n[[sites.resources]]\nid = \"q\"\n[sites.resources.office_hours]\ntime_zone = \"Mars/Base\"",
            "IANA",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\n[[sites.resources]]\nid = \"q\"\n[sites.resources.office_hours]\ntime_zone = \"Europe/Rome\"\nweekly = { monday = [\"18:00-09:00\"] }",
            "not a range",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\n[sites.identity]\nrequired = true",
            "identity.required",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\nretention_days = 0",
            "`retention_days` must be between 1 and 36500",
        ),
        (
            "id = \"a\"\nallowed_origins = [\"https://a.example\"]\nretention_days = 36501",
            "`retention_days` must be between 1 and 36500",
        ),
    ];
    for (site, expected) in cases {
        let file = write_config(&format!("[[sites]]\n{site}\n"));
        let err = Settings::load(Some(file.path()), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
}

#[test]
fn login_failure_limits_are_checked_and_the_error_names_the_key_and_the_range() {
    let cases = [
        (
            "max_failures_per_ip = 0",
            "key `agent.login_failures.max_failures_per_ip`: expected 1 to 10000, got 0",
        ),
        (
            "max_failures_per_account = 10001",
            "key `agent.login_failures.max_failures_per_account`: expected 1 to 10000, got 10001",
        ),
        (
            "window_s = 0",
            "key `agent.login_failures.window_s`: expected 1 to 86400 seconds, got 0",
        ),
        (
            "block_s = 0",
            "key `agent.login_failures.block_s`: expected 1 to 86400 seconds, got 0",
        ),
        (
            "block_s = 86401",
            "key `agent.login_failures.block_s`: expected 1 to 86400 seconds, got 86401",
        ),
        (
            "max_block_s = 0",
            "key `agent.login_failures.max_block_s`: expected 1 to 86400 seconds, got 0",
        ),
        (
            "max_block_s = 86401",
            "key `agent.login_failures.max_block_s`: expected 1 to 86400 seconds, got 86401",
        ),
        (
            "block_s = 600\nmax_block_s = 300",
            "key `agent.login_failures.max_block_s`: expected at least `block_s` (600) to 86400 \
             seconds, got 300",
        ),
    ];
    for (line, expected) in cases {
        let file = write_config(&format!("[agent.login_failures]\n{line}\n"));
        let err = Settings::load(Some(file.path()), no_env())
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("{}: {expected}", file.path().display()));
    }
    let env = vec![(
        "STAFFETTA__AGENT__LOGIN_FAILURES__BLOCK_S".to_owned(),
        "-5".to_owned(),
    )];
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "STAFFETTA__AGENT__LOGIN_FAILURES__BLOCK_S: key `agent.login_failures.block_s`"
        ),
        "{err}"
    );
    let file = write_config("[agent.login_failures]\nmax_failures_per_account = 3\nblock_s = 60\n");
    let settings = Settings::load(Some(file.path()), no_env()).unwrap();
    let policy = settings.agent.login_failures.policy();
    assert_eq!((policy.max_failures_per_account, policy.block_s), (3, 60));
    assert_eq!(
        policy.max_block_s, 86_400,
        "blocks grow up to a day by default"
    );
    let file = write_config("[agent.login_failures]\nblock_s = 60\nmax_block_s = 60\n");
    let settings = Settings::load(Some(file.path()), no_env()).unwrap();
    assert_eq!(
        settings.agent.login_failures.policy().max_block_s,
        60,
        "no growth"
    );
}

#[test]
fn duplicate_site_ids_are_rejected() {
    let site = "[[sites]]\nid = \"a\"\nallowed_origins = [\"https://a.example\"]\n";
    let file = write_config(&format!("{site}{site}"));
    let err = Settings::load(Some(file.path()), no_env())
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate site id `a`"), "{err}");
}

#[test]
fn debug_output_redacts_the_admin_token() {
    let env = vec![(
        "STAFFETTA__ADMIN__TOKEN".to_owned(),
        "s3cr3t-admin-token".to_owned(),
    )];
    let settings = Settings::load(None, env).unwrap();
    assert!(settings.admin.token.matches("s3cr3t-admin-token"));
    assert!(!format!("{settings:?}").contains("s3cr3t-admin-token"));
}

#[test]
fn a_short_admin_token_is_refused_naming_the_key() {
    let env = vec![("STAFFETTA__ADMIN__TOKEN".to_owned(), "admin".to_owned())];
    let err = Settings::load(None, env).unwrap_err().to_string();
    assert!(err.contains("`admin.token`: at least 16 bytes"), "{err}");
    // Empty still means "admin API disabled".
    let env = vec![("STAFFETTA__ADMIN__TOKEN".to_owned(), String::new())];
    assert!(Settings::load(None, env).unwrap().admin.token.is_empty());
}

#[test]
fn a_retention_within_bounds_is_kept_per_site() {
    let file = write_config(
        "[[sites]]\nid = \"a\"\nallowed_origins = [\"https://a.example\"]\nretention_days = 30\n",
    );
    let settings = Settings::load(Some(file.path()), no_env()).unwrap();
    assert_eq!(settings.site("a").unwrap().retention_days, Some(30));
}
