//! Every route of the router is in docs/openapi.json and every documented operation exists.
//!
//! The router's routes are read from the source: each `.route("PATH", METHOD_ROUTER)` in
//! src/ and widget/src/, with the methods named in METHOD_ROUTER (`get(...)`,
//! `post(...).options(...)`, ...); comment lines and `#[cfg(test)] mod` blocks are skipped.
//! Routing forms this scan does not understand (`.nest(`, `.route_service(`, `any(`) fail
//! the test so they cannot slip past it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::contract::{METHODS, openapi, read_text};

/// (METHOD, path) pairs.
type Routes = BTreeSet<(String, String)>;

const SOURCE_DIRS: [&str; 2] = ["src", "widget/src"];
const UNSUPPORTED: [&str; 4] = [".nest(", ".nest_service(", ".route_service(", "any("];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{dir:?}: {err}"));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The text of a source file without comments and without its `#[cfg(test)] mod` blocks.
fn code_of(text: &str) -> String {
    let code = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut kept = String::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        kept.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let is_module = after.trim_start().starts_with("mod ");
        match after.find('{').filter(|_| is_module) {
            Some(open) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (index, ch) in after[open..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + index + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
            }
            None => rest = after,
        }
    }
    kept.push_str(rest);
    kept
}

/// The argument list of the call whose `(` is at `open` (balanced parentheses).
fn call_arguments(code: &str, open: usize) -> &str {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, ch) in code[open..].char_indices() {
        if in_string {
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &code[open + 1..open + index];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced `.route(` call")
}

/// HTTP methods named in a method router expression such as `post(start).options(preflight)`.
fn methods_in(expression: &str) -> Vec<String> {
    let mut found = Vec::new();
    for method in METHODS {
        let call = format!("{method}(");
        let mut from = 0;
        while let Some(at) = expression[from..].find(&call) {
            let start = from + at;
            let before = expression[..start].chars().next_back();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                found.push(method.to_uppercase());
            }
            from = start + call.len();
        }
    }
    found
}

/// Routes registered in one source file.
fn routes_in(code: &str, file: &Path) -> Routes {
    let mut routes = Routes::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(".route(") {
        let open = from + at + ".route".len();
        let arguments = call_arguments(code, open);
        let literal = arguments.trim_start();
        let path = literal
            .strip_prefix('"')
            .and_then(|rest| rest.split_once('"'))
            .map(|(path, _)| path)
            .unwrap_or_else(|| panic!("{file:?}: a `.route(` whose path is not a literal"));
        let methods = methods_in(arguments);
        assert!(
            !methods.is_empty(),
            "{file:?}: no method found for route {path}"
        );
        for method in methods {
            routes.insert((method, path.to_owned()));
        }
        from = open + arguments.len();
    }
    routes
}

/// Every (METHOD, path) the router serves, read from the source.
fn router_routes() -> Routes {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    let mut routes = Routes::new();
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).expect("source file"));
        for form in UNSUPPORTED {
            // `any(` only as a routing function, not as `Iterator::any` (`.any(`).
            let used = code.match_indices(form).any(|(at, _)| {
                form.starts_with('.')
                    || !code[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            });
            assert!(
                !used,
                "{file:?} uses `{form}`: extend tests/it/openapi/coverage.rs to read it"
            );
        }
        routes.extend(routes_in(&code, &file));
    }
    routes
}

/// Every (METHOD, path) operation of docs/openapi.json.
fn documented_routes(doc: &Value) -> Routes {
    let mut routes = Routes::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn the_source_scan_finds_the_known_routes() {
    let routes = router_routes();
    for (method, path) in [
        ("GET", "/healthz"),
        ("POST", "/api/v1/sites/{site}/sessions"),
        ("OPTIONS", "/api/v1/sites/{site}/sessions"),
        ("DELETE", "/api/v1/sites/{site}/sessions/{session}"),
        ("GET", "/api/v1/sites/{site}/sessions/{session}/ws"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/widget.js"),
    ] {
        assert!(
            routes.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} not found by the scan: {routes:?}"
        );
    }
}

#[test]
fn every_route_of_the_router_is_documented_and_every_documented_route_exists() {
    let routes = router_routes();
    let documented = documented_routes(&openapi());
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty() && phantom.is_empty(),
        "routes missing from docs/openapi.json: {undocumented:?}\n\
         documented routes the router does not have: {phantom:?}"
    );
}

#[test]
fn every_documented_error_code_is_explained_in_the_api_guide() {
    let doc = openapi();
    let guide = read_text("docs/api.md");
    let mut codes = BTreeSet::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for method in METHODS {
            let responses = item[method]["responses"].as_object();
            for response in responses.into_iter().flat_map(|r| r.values()) {
                for code in response["x-error-codes"].as_array().into_iter().flatten() {
                    codes.insert(code.as_str().expect("code").to_owned());
                }
            }
        }
    }
    assert!(codes.len() > 20, "too few codes found: {codes:?}");
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !guide.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "error codes not in docs/api.md: {missing:?}"
    );
}
