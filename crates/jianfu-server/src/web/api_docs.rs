//! The API documentation page, rendered from the same OpenAPI document the code generates, so the
//! two cannot drift.

use super::{PageContext, render};
use askama::Template;
use axum::response::Response;

pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub needs_token: bool,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    pub ctx: PageContext,
    pub intro: String,
    pub endpoints: Vec<Endpoint>,
}

pub fn page(ctx: PageContext, doc: &utoipa::openapi::OpenApi) -> Response {
    let v = serde_json::to_value(doc).unwrap_or_default();
    let mut endpoints = Vec::new();
    if let Some(paths) = v.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    let text =
                        |k: &str| op.get(k).and_then(|s| s.as_str()).unwrap_or("").to_string();
                    endpoints.push(Endpoint {
                        method: method.to_uppercase(),
                        path: path.clone(),
                        summary: text("summary"),
                        description: text("description"),
                        needs_token: op.get("security").is_some(),
                    });
                }
            }
        }
    }
    let intro = v
        .pointer("/info/description")
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    render(&ApiDocsPage {
        ctx,
        intro,
        endpoints,
    })
}
