use super::extract::{ApiCaller, ApiJson};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::auth::SessionKind;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials of a jianfu account.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A session token for `Authorization: Bearer`. It ends after the configured idle time
/// (30 minutes by default); long-lived tokens for systems are issued by a system administrator.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    /// Minutes of inactivity after which the token stops working.
    pub idle_timeout_minutes: i64,
}

/// 登录，取得访问令牌（Bearer）。用户名不存在与密码错误的回答相同。同一来源对同一账号连续失败后须等待逐次加长的时间（`too_many_attempts`），其他来源不受影响。管理员或控制台设置的密码只能用于一次登录：此时返回 `password_change_required`，须先调用 `POST /api/v1/auth/change-password` 设置新密码。
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码不正确 (`wrong_credentials`)", body = ErrorBody),
        (status = 403, description = "账号已停用 (`account_disabled`)", body = ErrorBody),
        (status = 422, description = "密码由他人设置，须先设置新密码 (`password_change_required`)", body = ErrorBody),
        (status = 429, description = "失败次数过多，请稍后再试 (`too_many_attempts`)", body = ErrorBody),
        (status = 400, description = "JSON 格式不正确 (`invalid_json`)", body = ErrorBody),
    ))]
pub async fn login(
    State(app): State<App>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let ok = app
        .login(&req.username, &req.password, SessionKind::Api, &meta)
        .await?;
    Ok(Json(LoginResponse {
        token: ok.token,
        idle_timeout_minutes: app.config.session_idle_minutes,
    }))
}

/// Current credentials and the new password.
#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub username: String,
    /// The current password (for a one-time password: the one the administrator gave).
    pub password: String,
    pub new_password: String,
}

/// 设置本人的新密码，并取得访问令牌。用于管理员设置的一次性密码，也可用于本人主动修改密码（本账号的其他会话随之结束）。
#[utoipa::path(post, path = "/api/v1/auth/change-password", tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码不正确 (`wrong_credentials`)", body = ErrorBody),
        (status = 422, description = "新密码不符合要求 (`password_too_short`, `password_too_simple`, `password_contains_username`, `common_password`, `password_too_long`, `password_reused`)", body = ErrorBody),
        (status = 429, description = "失败次数过多 (`too_many_attempts`)", body = ErrorBody),
        (status = 400, description = "JSON 格式不正确 (`invalid_json`)", body = ErrorBody),
    ))]
pub async fn change_password(
    State(app): State<App>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let ok = app
        .change_password_and_login(
            &req.username,
            &req.password,
            &req.new_password,
            SessionKind::Api,
            &meta,
        )
        .await?;
    Ok(Json(LoginResponse {
        token: ok.token,
        idle_timeout_minutes: app.config.session_idle_minutes,
    }))
}

/// 退出登录，使当前令牌失效。
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, ApiError> {
    app.logout(&caller, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account behind the token.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// Role codes, e.g. `community_worker`.
    pub roles: Vec<String>,
    /// Code of the organisation the account belongs to.
    pub org: Option<String>,
}

/// 查询当前令牌对应的账号、角色和所属机构。
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(ApiCaller(caller): ApiCaller) -> Json<Me> {
    let a = caller.actor;
    Json(Me {
        username: a.username.unwrap_or_default(),
        display_name: a.display_name,
        roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
        org: a.org.map(|o| o.to_string()),
    })
}
