//! The rules every operation in the OpenAPI document shares, applied in one place so that no
//! operation can forget them (issue 9 §5, "the API says what it does"):
//!
//! - every status the server can answer is documented, with the one error body `ErrorBody`
//!   (`{"code", "message"}`, both required): 400 where a body or parameter can be unreadable, 413
//!   and 415 where there is a body, 422 everywhere (the boundary refuses control characters in any
//!   query string), 401 and 403 only where a token is required, 404 where the path names an
//!   object, 409 on writes, 500 and 503 on every `/api/v1` operation;
//! - request schemas are as strict as the boundary: strings carry the pattern that excludes control
//!   characters (`http/input_text.rs`; path parameters also tab and line breaks, `ApiPath`), map
//!   keys too, and request objects allow no properties beyond those listed (request types are
//!   `deny_unknown_fields`); the few that ignore unlisted properties (`OPEN`, and types flattened
//!   into another) say so: any JSON without control characters (`TextJson`).
//!
//! Each operation may declare its own response for a status (with its own codes in the
//! description); the standard one is added only where it declares none.
//! `tests/it/http_api.rs::http_api_every_operation_documents_the_standard_errors` checks the served
//! document against these rules; `.ci/schemathesis` checks the server against the document.

use std::collections::BTreeSet;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, ArrayItems, Object, ObjectBuilder, Schema,
    SchemaType, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Control characters refused in query strings and bodies (tab, CR and LF allowed):
/// `jianfu_domain::text::is_refused(c, true)`.
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// In path parameters every control character is refused: `is_refused(c, false)`.
pub const LINE_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

pub struct StandardRules;

impl utoipa::Modify for StandardRules {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .entry("ErrorBody".into())
            .or_insert_with(<crate::http::error::ErrorBody as utoipa::PartialSchema>::schema);

        let mut request_roots = BTreeSet::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", item.get.as_mut()),
                ("put", item.put.as_mut()),
                ("post", item.post.as_mut()),
                ("delete", item.delete.as_mut()),
                ("patch", item.patch.as_mut()),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                add_standard_responses(path, method, op);
                tighten_parameters(op);
                if let Some(body) = &op.request_body {
                    collect_body_refs(body, &mut request_roots);
                }
            }
        }

        // Every component reachable from a request body, then tighten each one once.
        let schemas = &mut components.schemas;
        let mut seen = BTreeSet::new();
        let mut open: BTreeSet<String> = OPEN.iter().map(|s| s.to_string()).collect();
        let mut todo: Vec<String> = request_roots.into_iter().collect();
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(RefOr::T(s)) = schemas.get(&name) {
                let mut refs = BTreeSet::new();
                refs_in(s, &mut refs);
                todo.extend(refs);
                flattened_in(s, &mut open);
            }
        }
        for name in seen {
            if let Some(RefOr::T(s)) = schemas.get_mut(&name) {
                tighten(s, open.contains(&name), &open);
            }
        }
        schemas.insert(TEXT_JSON.into(), RefOr::T(text_json()));
    }
}

/// Request types that ignore properties they do not list (the rest are `deny_unknown_fields`):
/// the login requests (`api/auth.rs`).
const OPEN: &[&str] = &["LoginRequest", "ChangePasswordRequest"];

/// Types flattened into another (`allOf`) cannot refuse unknown properties (serde cannot deny them
/// through `flatten`), nor can the parts of the `allOf`.
fn flattened_in(s: &Schema, out: &mut BTreeSet<String>) {
    if let Schema::AllOf(a) = s {
        for i in &a.items {
            if let RefOr::Ref(r) = i {
                out.insert(ref_name(r));
            }
        }
    }
}

fn error(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add_standard_responses(path: &str, method: &str, op: &mut Operation) {
    let api = path.starts_with("/api/");
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_params = op
        .parameters
        .as_ref()
        .is_some_and(|p| p.iter().any(|p| p.parameter_in != ParameterIn::Header));
    let names_object = path.contains('{');
    let writes = matches!(method, "post" | "put" | "patch" | "delete");

    let mut wanted: Vec<(&str, &str)> = Vec::new();
    if has_body || has_params {
        wanted.push((
            "400",
            "请求无法解析：JSON 格式不正确（`invalid_json`）、查询参数无法读取（`invalid_query`）或地址中的参数无法读取（`invalid_path`）",
        ));
    }
    if secured {
        wanted.push((
            "401",
            "缺少令牌（`unauthenticated`）、令牌无效或已吊销（`invalid_token`）、会话已过期（`session_expired`）",
        ));
        wanted.push((
            "403",
            "无权执行此操作（`forbidden`）或账号已停用（`account_disabled`）",
        ));
    }
    if names_object {
        wanted.push(("404", "对象不存在或不在调用者可见范围内（`not_found` 等）"));
    }
    if secured && writes {
        wanted.push(("409", "与已有数据冲突（`conflict`）"));
    }
    if has_body {
        wanted.push(("413", "请求体过大（`payload_too_large`）"));
        wanted.push((
            "415",
            "请求体须为 JSON，并带有 Content-Type: application/json（`unsupported_media_type`）",
        ));
    }
    wanted.push((
        "422",
        "输入不符合要求：含不可见的控制字符（`control_character`）、字段类型不符（`invalid_field`），以及本接口说明中列出的错误码",
    ));
    if api {
        wanted.push(("500", "系统内部错误（`internal_error`），错误已记录"));
        wanted.push(("503", "数据库暂时无法访问（`unavailable`）"));
    }
    for (status, description) in wanted {
        op.responses
            .responses
            .entry(status.into())
            .or_insert_with(|| error(description));
    }
}

fn set_pattern(o: &mut Object, pattern: &str) {
    let is_string = match &o.schema_type {
        SchemaType::Type(Type::String) => true,
        SchemaType::Array(types) => types.contains(&Type::String),
        _ => false,
    };
    if is_string && o.pattern.is_none() && o.enum_values.is_none() {
        o.pattern = Some(pattern.into());
    }
}

fn string_pattern(s: &mut Schema, pattern: &str) {
    match s {
        Schema::Object(o) => set_pattern(o, pattern),
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(item) = &mut a.items
                && let RefOr::T(s) = item.as_mut()
            {
                string_pattern(s, pattern);
            }
        }
        _ => {}
    }
}

fn tighten_parameters(op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        let pattern = match p.parameter_in {
            ParameterIn::Query => TEXT_PATTERN,
            ParameterIn::Path => LINE_PATTERN,
            _ => continue,
        };
        if let Some(RefOr::T(s)) = &mut p.schema {
            string_pattern(s, pattern);
        }
    }
}

fn collect_body_refs(body: &RequestBody, out: &mut BTreeSet<String>) {
    for content in body.content.values() {
        match &content.schema {
            Some(RefOr::Ref(r)) => {
                out.insert(ref_name(r));
            }
            Some(RefOr::T(s)) => refs_in(s, out),
            None => {}
        }
    }
}

fn ref_name(r: &Ref) -> String {
    r.ref_location
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn refs_in_ref_or(r: &RefOr<Schema>, out: &mut BTreeSet<String>) {
    match r {
        RefOr::Ref(r) => {
            out.insert(ref_name(r));
        }
        RefOr::T(s) => refs_in(s, out),
    }
}

fn refs_in(s: &Schema, out: &mut BTreeSet<String>) {
    match s {
        Schema::Object(o) => {
            for p in o.properties.values() {
                refs_in_ref_or(p, out);
            }
            if let Some(ap) = &o.additional_properties
                && let AdditionalProperties::RefOr(r) = ap.as_ref()
            {
                refs_in_ref_or(r, out);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(item) = &a.items {
                refs_in_ref_or(item, out);
            }
        }
        Schema::OneOf(o) => o.items.iter().for_each(|i| refs_in_ref_or(i, out)),
        Schema::AllOf(o) => o.items.iter().for_each(|i| refs_in_ref_or(i, out)),
        Schema::AnyOf(o) => o.items.iter().for_each(|i| refs_in_ref_or(i, out)),
        _ => {}
    }
}

fn tighten_ref_or(r: &mut RefOr<Schema>, open: &BTreeSet<String>) {
    if let RefOr::T(s) = r {
        tighten(s, false, open);
    }
}

/// Strings get [`TEXT_PATTERN`]; map keys too. Objects with listed properties allow no others
/// (`closed`), except the `open` ones, whose extra properties may be any JSON without control
/// characters ([`TEXT_JSON`]).
fn tighten(s: &mut Schema, open_here: bool, open: &BTreeSet<String>) {
    match s {
        Schema::Object(o) => {
            set_pattern(o, TEXT_PATTERN);
            for p in o.properties.values_mut() {
                tighten_ref_or(p, open);
            }
            let is_map = matches!(
                o.additional_properties.as_deref(),
                Some(AdditionalProperties::RefOr(_))
            );
            if let Some(AdditionalProperties::RefOr(r)) = o.additional_properties.as_deref_mut() {
                tighten_ref_or(r, open);
            }
            if is_map || open_here {
                o.property_names = Some(Box::new(text_string()));
            }
            if !is_map && !o.properties.is_empty() && o.additional_properties.is_none() {
                o.additional_properties = Some(Box::new(if open_here {
                    AdditionalProperties::RefOr(RefOr::Ref(Ref::from_schema_name(TEXT_JSON)))
                } else {
                    AdditionalProperties::FreeForm(false)
                }));
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(item) = &mut a.items {
                tighten_ref_or(item, open);
            }
        }
        Schema::OneOf(o) => o.items.iter_mut().for_each(|i| tighten_ref_or(i, open)),
        Schema::AllOf(o) => o.items.iter_mut().for_each(|i| {
            if let RefOr::T(s) = i {
                tighten(s, true, open);
            }
        }),
        Schema::AnyOf(o) => o.items.iter_mut().for_each(|i| tighten_ref_or(i, open)),
        _ => {}
    }
}

fn text_string() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(TEXT_PATTERN))
        .into()
}

/// Any JSON value whose strings and keys hold no control characters: what the boundary lets
/// through as a property a request type does not list (only where the type ignores them).
pub const TEXT_JSON: &str = "TextJson";

fn text_json() -> Schema {
    let me = || RefOr::Ref(Ref::from_schema_name(TEXT_JSON));
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(SchemaType::Array(vec![
            Type::Null,
            Type::Boolean,
            Type::Number,
        ])))
        .item(text_string())
        .item(ArrayBuilder::new().items(me()))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property_names(Some(text_string()))
                .additional_properties(Some(me())),
        )
        .into()
}
