//! Loading the documents and validating JSON against their schemas (draft 2020-12).

use std::path::PathBuf;

use serde_json::{Value, json};

/// The repository root.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// docs/openapi.json, parsed.
pub fn openapi() -> Value {
    read_json("docs/openapi.json")
}

/// docs/ws-frames.schema.json, parsed.
pub fn ws_frames() -> Value {
    read_json("docs/ws-frames.schema.json")
}

/// A repository file as text.
pub fn read_text(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&read_text(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Methods an OpenAPI path item may hold, lower case as in the document.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A schema from the OpenAPI document (inline or a `$ref`), made standalone: the document's
/// `components` ride along so `#/components/schemas/...` references resolve.
pub fn openapi_schema(doc: &Value, schema: &Value) -> Value {
    let mut standalone = schema.clone();
    let object = standalone.as_object_mut().expect("a schema object");
    object.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    object.insert("components".into(), doc["components"].clone());
    standalone
}

/// `#/components/schemas/{name}` of the OpenAPI document, standalone.
pub fn component(doc: &Value, name: &str) -> Value {
    assert!(
        doc["components"]["schemas"].get(name).is_some(),
        "no schema {name}"
    );
    openapi_schema(
        doc,
        &json!({ "$ref": format!("#/components/schemas/{name}") }),
    )
}

/// `#/$defs/{name}` of the websocket frames schema, standalone.
pub fn frame_def(frames: &Value, name: &str) -> Value {
    assert!(
        frames["$defs"].get(name).is_some(),
        "no frame schema {name}"
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": frames["$defs"].clone(),
        "$ref": format!("#/$defs/{name}"),
    })
}

/// Panics with every violation when `instance` does not validate against `schema`.
pub fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let validator = jsonschema::draft202012::new(schema)
        .unwrap_or_else(|err| panic!("{what}: the schema does not compile: {err}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {instance} does not match its schema:\n{}",
        errors.join("\n")
    );
}

/// Whether `instance` validates against `schema`.
pub fn is_valid(schema: &Value, instance: &Value) -> bool {
    jsonschema::draft202012::new(schema)
        .map(|validator| validator.is_valid(instance))
        .unwrap_or(false)
}

/// The documented response of `method path` with `status`.
pub fn response<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "docs/openapi.json has no {status} response for {} {path}",
        method.to_uppercase()
    );
    response
}

/// Checks a real JSON answer against the document: the body matches the schema of the
/// documented response for its status, and an error's code is one the response lists.
pub fn assert_documented(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let response = response(doc, method, path, status);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{status} of {method} {path} has no JSON schema"
    );
    let what = format!("{} {path} -> {status}", method.to_uppercase());
    assert_valid(&openapi_schema(doc, schema), body, &what);
    if let Some(code) = body["error"]["code"].as_str() {
        let listed: Vec<&str> = response["x-error-codes"]
            .as_array()
            .map(|codes| codes.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            listed.contains(&code),
            "{what}: error code `{code}` is not listed in x-error-codes {listed:?}"
        );
        let description = response["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(&format!("`{code}`")),
            "{what}: error code `{code}` is not explained in the response description"
        );
    }
}
