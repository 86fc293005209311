use super::extract::{ApiCaller, ApiJson};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::auth::SessionKind;
use crate::service::{RequestMeta, ServiceError};
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
    /// Administrators (system, security, audit) only: the 6-digit code the authenticator app
    /// shows now, or one unused recovery code (e.g. `abcd-efgh-jkmn`). Each code is accepted once.
    #[serde(default)]
    pub code: Option<String>,
}

/// The second factor's refusals keep their stable codes; the statuses say what they are: no or a
/// wrong code is 401 like a wrong password, no authenticator yet is 403 (enrol on the web first).
fn second_factor_status(e: ServiceError) -> ApiError {
    let status = match e.code() {
        "second_factor_required" | "wrong_second_factor" | "second_factor_reused" => {
            Some(StatusCode::UNAUTHORIZED)
        }
        "second_factor_not_enrolled" => Some(StatusCode::FORBIDDEN),
        _ => None,
    };
    match status {
        Some(status) => ApiError::new(status, e.code(), e.message()),
        None => e.into(),
    }
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
///
/// 管理员账号（系统、安全、审计管理员）须用第二因素登录（GB/T 22239-2019 8.1.4.1 d)）：在同一请求的 `code` 里给出验证器（TOTP，RFC 6238）当前显示的 6 位验证码，或一个未用过的恢复码。没有 `code` 时返回 401 `second_factor_required`（不计为失败）；验证码错误返回 401 `wrong_second_factor`，同一验证码再次使用返回 401 `second_factor_reused`，两者都计入登录失败限制。还没有绑定验证器的管理员返回 403 `second_factor_not_enrolled`：绑定只能在网页登录时进行。其他账号不受影响，不需要 `code`。
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码不正确 (`wrong_credentials`)；管理员须提供验证码 (`second_factor_required`)；验证码不正确 (`wrong_second_factor`) 或已用过 (`second_factor_reused`)", body = ErrorBody),
        (status = 403, description = "账号已停用 (`account_disabled`)；管理员尚未绑定验证器，须先在网页上登录绑定 (`second_factor_not_enrolled`)", body = ErrorBody),
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
        .login_with_code(
            &req.username,
            &req.password,
            req.code.as_deref(),
            SessionKind::Api,
            &meta,
        )
        .await
        .map_err(second_factor_status)?;
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
    /// Administrators only: the authenticator's current code or a recovery code, checked before
    /// the password changes.
    #[serde(default)]
    pub code: Option<String>,
}

/// 设置本人的新密码，并取得访问令牌。用于管理员设置的一次性密码，也可用于本人主动修改密码（本账号的其他会话随之结束）。管理员账号须同时在 `code` 里给出验证器的验证码或一个恢复码（先核对验证码，再改密码），错误码同登录。
#[utoipa::path(post, path = "/api/v1/auth/change-password", tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码不正确 (`wrong_credentials`)；管理员的验证码缺少或不正确 (`second_factor_required`, `wrong_second_factor`, `second_factor_reused`)", body = ErrorBody),
        (status = 403, description = "管理员尚未绑定验证器 (`second_factor_not_enrolled`)", body = ErrorBody),
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
            req.code.as_deref(),
            SessionKind::Api,
            &meta,
        )
        .await
        .map_err(second_factor_status)?;
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
