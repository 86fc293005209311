//! The boundary check for text (`jianfu_domain::text`): every JSON body, form and query string is
//! looked at before any handler runs, and a control character anywhere in it (U+0000 and the
//! rest, except tab and line breaks) is refused with 422 and the stable code `control_character`,
//! naming the field. PostgreSQL cannot store U+0000; before this check it answered 500, login
//! included, and an SQLite export holding one would not import.
//!
//! One way for every route, so no field can be forgotten. Single-line fields, lengths and trimming
//! are the services' parse steps with `InputText`.
//!
//! Only bodies up to `max_json_bytes` are buffered here (the same bound the extractors apply);
//! the few upload routes with larger limits (evidence as base64, catalog workbooks) are checked
//! field by field where they are parsed.

use crate::App;
use crate::http::error::{ApiError, PageError};
use crate::service::ServiceError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jianfu_domain::text::{TextError, find_control};

/// The first control character in a request's query string or body, as (field, error).
fn in_pairs(bytes: &[u8]) -> Option<(String, TextError)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs.into_iter().find_map(|(k, v)| {
        find_control(&k, true)
            .or_else(|| find_control(&v, true))
            .map(|(position, c)| (k, control(position, c)))
    })
}

fn control(position: usize, c: char) -> TextError {
    TextError::ControlCharacter {
        position,
        code_point: c as u32,
    }
}

fn in_json(v: &serde_json::Value, field: &str) -> Option<(String, TextError)> {
    match v {
        serde_json::Value::String(s) => {
            find_control(s, true).map(|(p, c)| (field.to_string(), control(p, c)))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|i| in_json(i, field)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if let Some((p, c)) = find_control(k, true) {
                return Some((k.clone(), control(p, c)));
            }
            in_json(v, k)
        }),
        _ => None,
    }
}

fn refuse(path: &str, field: &str, e: TextError) -> Response {
    let field = if field.is_empty() {
        "填写的内容"
    } else {
        field
    };
    let message = e.message(field);
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), message).into_response()
    } else {
        PageError(ServiceError::Rejected {
            code: e.code(),
            message: format!("{message}。请返回上一页修改。"),
        })
        .into_response()
    }
}

#[derive(PartialEq)]
enum Kind {
    Json,
    Form,
    Other,
}

pub async fn check(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(q) = req.uri().query()
        && let Some((field, e)) = in_pairs(q.as_bytes())
    {
        return refuse(&path, &field, e);
    }
    let kind = match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        }) {
        Some(t) if t == "application/json" || t.ends_with("+json") => Kind::Json,
        Some(t) if t == "application/x-www-form-urlencoded" => Kind::Form,
        _ => Kind::Other,
    };
    if kind == Kind::Other {
        return next.run(req).await;
    }
    let limit = app.config.max_json_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        // A large upload route (or a body its extractor will refuse as too large).
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let message = "请求内容过大或不完整";
            return if path.starts_with("/api/") {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
                    .into_response()
            } else {
                crate::web::error_page(StatusCode::PAYLOAD_TOO_LARGE, message)
            };
        }
    };
    let found = match kind {
        Kind::Json => serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| in_json(&v, "")),
        _ => in_pairs(&bytes),
    };
    if let Some((field, e)) = found {
        return refuse(&path, &field, e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
