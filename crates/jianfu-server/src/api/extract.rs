//! Extractors that turn every rejection into the API's one error shape.

use crate::App;
use crate::http::error::ApiError;
use crate::service::ServiceError;
use crate::service::auth::Caller;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};

/// The caller, recognised by `Authorization: Bearer <token>`.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<App> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "缺少身份令牌：请在请求头中提供 Authorization: Bearer <令牌>",
                )
            })?;
        Ok(ApiCaller(app.authenticate(token).await.map_err(
            |e| match e {
                ServiceError::Unauthenticated => ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "令牌无效或已被吊销，请重新登录或联系系统管理员",
                ),
                other => ApiError::from(other),
            },
        )?))
    }
}

/// The caller when a token is given; nobody when none is (public reads that show more to
/// those who may see more). A token that is given but invalid is still refused.
impl axum::extract::OptionalFromRequestParts<App> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &App,
    ) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        <ApiCaller as FromRequestParts<App>>::from_request_parts(parts, app)
            .await
            .map(Some)
    }
}

/// JSON body; malformed, oversized or mistyped bodies get a Chinese message and a stable code.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<App> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        match axum::Json::<ObjectBody<T>>::from_request(req, app).await {
            Ok(axum::Json(ObjectBody(v))) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r, app.config.max_json_bytes)),
        }
    }
}

/// Every request body is a JSON object (the OpenAPI document says so). serde would otherwise read
/// a struct from an array too (`[]` as a request with every field defaulted), which schemathesis
/// rightly reports as a schema-violating request accepted.
struct ObjectBody<T>(T);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for ObjectBody<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        T::deserialize(serde_json::Value::Object(map))
            .map(ObjectBody)
            .map_err(serde::de::Error::custom)
    }
}

fn json_rejection(r: JsonRejection, limit: usize) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 JSON，并带有 Content-Type: application/json",
        ),
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("JSON 字段不符合要求：{}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "JSON 格式不正确，请检查括号、引号和逗号",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("请求体过大，上限为 {} KB", limit / 1024),
        ),
        other => ApiError::new(other.status(), "invalid_body", "无法读取请求体"),
    }
}

/// A file sent inside JSON as base64 (standard alphabet, padding optional, line breaks allowed).
/// `what` names it in the error, e.g. "第 2 个证据文件".
pub fn decode_base64_file(what: &str, content: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let cleaned: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    engine.decode(cleaned.as_bytes()).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_base64",
            format!("{what}的 content_base64 不是有效的 Base64 编码"),
        )
    })
}

/// Query string; one that cannot be read (a number that is not a number, a value outside the
/// allowed words) answers 400 `invalid_query` with the API's error body, never plain text.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!(
                    "查询参数无法读取，请检查写法：{}",
                    query_detail(&r.body_text())
                ),
            )),
        }
    }
}

/// serde's explanation without axum's English prefix.
fn query_detail(text: &str) -> String {
    text.strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(text)
        .to_string()
}

/// Path parameters; one that cannot be read (not UTF-8 after percent-decoding, not a number
/// where a number is expected) answers 400 `invalid_path` with the API's error body.
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Identifiers and document numbers are single-line: every control character is refused
        // (U+0000 would also fail PostgreSQL's text type).
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in raw.iter() {
                if let Some((position, c)) = jianfu_domain::text::find_control(value, false) {
                    let e = jianfu_domain::text::TextError::ControlCharacter {
                        position,
                        code_point: c as u32,
                    };
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        e.code(),
                        e.message(name),
                    ));
                }
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(r) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                format!("地址中的参数无法读取：{}", r.body_text()),
            )),
        }
    }
}
