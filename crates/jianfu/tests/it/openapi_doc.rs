//! The OpenAPI document itself (`/api/v1/openapi.json`): every operation documents the standard
//! error responses, and no two API types share a schema name.

use crate::helpers::TestServer;
use reqwest::Client;
use serde_json::Value;
use std::collections::BTreeSet;

/// The rule of `api/openapi_rules.rs`, checked on the served document, so that an operation added
/// without its error responses fails here.
#[tokio::test(flavor = "multi_thread")]
async fn http_api_every_operation_documents_the_standard_errors() {
    let server = TestServer::sqlite().await;
    let doc: Value = Client::new()
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    let required: BTreeSet<&str> = error_body["required"]
        .as_array()
        .expect("ErrorBody lists required fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, BTreeSet::from(["code", "message"]));

    // Public operations that nevertheless answer 401/403: wrong credentials, disabled account.
    let credential_checks = ["/api/v1/auth/login", "/api/v1/auth/change-password"];
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            let responses = op["responses"].as_object().expect("responses");
            let has = |s: &str| responses.contains_key(s);
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let has_body = op.get("requestBody").is_some();
            let has_params = op["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["in"] != "header"));
            let mut wanted = vec!["422"];
            if path.starts_with("/api/") {
                wanted.extend(["500", "503"]);
            }
            if has_body {
                wanted.extend(["400", "413", "415"]);
            }
            if has_params {
                wanted.push("400");
            }
            if secured {
                wanted.extend(["401", "403"]);
            } else if !credential_checks.contains(&path.as_str()) {
                assert!(
                    !has("401") && !has("403"),
                    "{name} needs no token and cannot answer 401/403"
                );
            }
            if path.contains('{') {
                wanted.push("404");
            }
            for status in wanted {
                assert!(has(status), "{name} does not document {status}");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r.pointer("/content/application~1json/schema/$ref")
                            .and_then(Value::as_str),
                        Some("#/components/schemas/ErrorBody"),
                        "{name} {status} answers the error body"
                    );
                }
            }
        }
    }
    assert!(operations >= 50, "only {operations} operations");

    // Request bodies are as strict as the boundary: no unlisted properties, no control characters.
    let gate = &doc["components"]["schemas"]["RequestInput"];
    assert_eq!(gate["additionalProperties"], false);
    assert!(
        gate["properties"]["title"]["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("\\u0000")),
        "{gate}"
    );
}

/// utoipa names a schema after its Rust type and keeps the last one registered: two API types of
/// the same name would silently describe one response with the other's schema (a gate reason's
/// `effect` demanded of an evaluation's reasons). Every schema type has its own name.
#[test]
fn no_two_api_schema_types_share_a_name() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../jianfu-server/src/api");
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    // The API files, and those of an area split into a folder (`api/deliberation/`).
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            files.push(path);
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut schema_next = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("#[derive(") {
                schema_next = line.contains("ToSchema");
            } else if let Some(rest) = line
                .strip_prefix("pub struct ")
                .or(line.strip_prefix("pub enum "))
            {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if schema_next {
                    let file = path
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    if let Some(first) = seen.insert(name.clone(), file.clone()) {
                        panic!("schema type {name} is defined in both {first} and {file}");
                    }
                }
                schema_next = false;
            }
        }
    }
    assert!(
        seen.contains_key("EvaluationReasonOut"),
        "the scan found the API types"
    );
}

/// The topic request documents the reserved-matter keys of the shipped data file, no more and
/// no fewer (a key retired from `meeting_rules.toml` answers `unknown_matter`).
#[tokio::test(flavor = "multi_thread")]
async fn the_topic_request_documents_the_data_files_reserved_matters() {
    let server = TestServer::sqlite().await;
    let doc: Value = Client::new()
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text =
        doc["components"]["schemas"]["DelibTopicRequest"]["properties"]["matter"]["description"]
            .as_str()
            .expect("the matter field is described");
    let keys: BTreeSet<String> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_string)
        .collect();
    let shipped: BTreeSet<String> = jianfu_domain::deliberation::rules()
        .reserved
        .iter()
        .map(|m| m.key.clone())
        .collect();
    assert_eq!(keys, shipped, "{text}");
}
