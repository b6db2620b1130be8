//! S-01: dependency floors, checked offline against `Cargo.lock` (CI cannot fetch the
//! advisory database). Every locked version of a listed crate must be at or above its floor;
//! crates with no patched release must not be in the tree at all.
//!
//! | crate | floor | why |
//! |---|---|---|
//! | ammonia | 4.1.4 | RUSTSEC-2025-0071, -2026-0193, -2026-0213 (mutation XSS) |
//! | tungstenite | 0.20.1 | RUSTSEC-2023-0065 (CPU from an over-long handshake header) |
//! | jsonwebtoken | 10.3.0 | CVE-2026-25537 (a claim of the wrong type skipped its check) |
//! | axum-core | 0.2.8 | RUSTSEC-2022-0055 (no default body limit) |
//! | h2 | 0.4.16 | RUSTSEC-2023-0034, -2024-0003, -2024-0332, -2026-0258 (floods) |
//! | cookie | 0.7.6 | RUSTSEC-2017-0005 (panic on a huge `Max-Age`) |
//! | websocket | 0.26.5 | RUSTSEC-2022-0035 (allocation from a declared frame length) |
//! | hyper | 0.14.10 | RUSTSEC-2021-0020, -2021-0078 (request smuggling) |
//! | tower-http | 0.2.1 | RUSTSEC-2022-0043 (`ServeDir` path traversal) |
//! | ws | banned | RUSTSEC-2020-0043 (unbounded buffer, no patched release) |

const FLOORS: &[(&str, &str)] = &[
    ("ammonia", "4.1.4"),
    ("tungstenite", "0.20.1"),
    ("jsonwebtoken", "10.3.0"),
    ("axum-core", "0.2.8"),
    ("h2", "0.4.16"),
    ("cookie", "0.7.6"),
    ("websocket", "0.26.5"),
    ("hyper", "0.14.10"),
    ("tower-http", "0.2.1"),
];

const BANNED: &[&str] = &["ws"];

/// A version as (major, minor, patch, is a pre-release). A pre-release sorts below its
/// release, so `0.4.16-alpha` does not meet the floor `0.4.16`.
fn parse_version(text: &str) -> Option<(u64, u64, u64, bool)> {
    let text = text.split('+').next()?;
    let (numbers, pre) = match text.split_once('-') {
        Some((numbers, _)) => (numbers, true),
        None => (text, false),
    };
    let mut parts = numbers.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts
        .next()
        .is_none()
        .then_some((version.0, version.1, version.2, pre))
}

fn below(version: &str, floor: &str) -> bool {
    let (Some(v), Some(f)) = (parse_version(version), parse_version(floor)) else {
        // A version that does not parse cannot be shown to be safe.
        return true;
    };
    (v.0, v.1, v.2) < (f.0, f.1, f.2) || ((v.0, v.1, v.2) == (f.0, f.1, f.2) && v.3 && !f.3)
}

/// Every problem of a lock file: a crate below its floor or a banned crate.
fn problems(lock: &str) -> Vec<String> {
    let table: toml::Table = match toml::from_str(lock) {
        Ok(table) => table,
        Err(err) => return vec![format!("Cargo.lock does not parse: {err}")],
    };
    let packages = table
        .get("package")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut found = Vec::new();
    for package in &packages {
        let name = package
            .get("name")
            .and_then(toml::Value::as_str)
            .unwrap_or("");
        let version = package
            .get("version")
            .and_then(toml::Value::as_str)
            .unwrap_or("");
        if BANNED.contains(&name) {
            found.push(format!("{name} {version} is banned (no patched release)"));
        }
        if let Some((_, floor)) = FLOORS.iter().find(|(crate_name, _)| *crate_name == name)
            && below(version, floor)
        {
            found.push(format!("{name} {version} is below the floor {floor}"));
        }
    }
    if packages.is_empty() {
        found.push("Cargo.lock lists no packages".to_owned());
    }
    found
}

#[test]
fn every_locked_dependency_is_at_or_above_its_advisory_floor() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock");
    let lock = std::fs::read_to_string(path).expect("Cargo.lock is committed");
    let problems = problems(&lock);
    assert!(problems.is_empty(), "{problems:#?}");
    // The crates this project relies on for S-01 are really there (the check is not vacuous).
    for name in [
        "ammonia",
        "tungstenite",
        "jsonwebtoken",
        "axum-core",
        "hyper",
    ] {
        assert!(
            lock.contains(&format!("name = \"{name}\"")),
            "{name} is no longer locked; revisit its floor"
        );
    }
}

#[test]
fn the_floor_check_flags_old_pre_release_banned_and_unparsable_versions() {
    let lock = r#"
version = 4

[[package]]
name = "ammonia"
version = "4.1.3"

[[package]]
name = "h2"
version = "0.4.16-alpha.1"

[[package]]
name = "ws"
version = "0.9.2"

[[package]]
name = "cookie"
version = "banana"

[[package]]
name = "jsonwebtoken"
version = "10.3.0"

[[package]]
name = "tungstenite"
version = "0.29.0"

[[package]]
name = "tungstenite"
version = "0.20.0"
"#;
    let found = problems(lock);
    assert_eq!(
        found,
        [
            "ammonia 4.1.3 is below the floor 4.1.4",
            "h2 0.4.16-alpha.1 is below the floor 0.4.16",
            "ws 0.9.2 is banned (no patched release)",
            "cookie banana is below the floor 0.7.6",
            "tungstenite 0.20.0 is below the floor 0.20.1",
        ]
    );
}
