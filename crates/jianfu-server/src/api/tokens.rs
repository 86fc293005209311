use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A long-lived API token (the secret itself is never shown again after issue).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: String,
    pub name: String,
    /// The system account the token belongs to.
    pub username: String,
    /// The system's name.
    pub system_name: String,
    pub created_by: String,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Issue a token for a system account (a department system; never a person's account).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokenRequest {
    /// What the token is for, e.g. "民政局业务系统".
    pub name: String,
    /// The system account the token belongs to (created on the tokens page or with
    /// `jianfu token system-create`).
    pub username: String,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: String,
    /// The secret, shown once. Use as `Authorization: Bearer <token>`.
    pub token: String,
}

/// 列出长期 API 令牌（系统管理员）。
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenOut>), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TokenOut>>, ApiError> {
    let list = app.list_api_tokens(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|t| TokenOut {
                id: t.id,
                name: t.name,
                username: t.username,
                system_name: t.system_name,
                created_by: t.created_by,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

/// 为部门业务系统签发长期 API 令牌（系统管理员）。令牌只能签发给系统账号（`not_a_system_account`），以该系统账号被授予的角色和所属机构访问；每次调用的审计记录写明系统账号和令牌编号。明文只返回一次。
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    request_body = IssueTokenRequest,
    responses((status = 201, body = IssuedToken), (status = 403, body = ErrorBody),
              (status = 422, description = "不是系统账号 (`not_a_system_account`)、没有这个账号 (`unknown_user`) 或名称不符合要求", body = ErrorBody)))]
pub async fn issue_token(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<IssueTokenRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let (id, token) = app
        .issue_api_token(&caller.actor, &meta, &req.name, &req.username)
        .await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { id, token })))
}

/// 吊销长期 API 令牌（系统管理员），立即生效。
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    app.revoke_api_token(&caller.actor, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
