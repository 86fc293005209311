//! The login page. Its form has no session yet, so CSRF uses a double-submit cookie. A refused
//! login shows the reason in Chinese and keeps the username that was typed. A one-time password
//! (set by an administrator or the console) leads to the new-password form before any session
//! exists, so nothing else can be done until the owner has set their own password. An
//! administrator's right password leads to the code page (authenticator app or recovery code), or,
//! without an authenticator, to the enrolment page (secret as text, key URI and QR code), then to
//! the recovery codes, shown once; only then is there a session.

use super::{PageContext, PageForm, constant_time_eq, render};
use crate::App;
use crate::http::cookies;
use crate::service::auth::{Enrolment, LoginStep};
use crate::service::{RequestMeta, ServiceError, random_token};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/login/password", post(change_password))
        .route("/login/code", post(submit_code))
        .route("/login/enrol", post(submit_enrolment))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageContext,
    pub username: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub login_csrf: String,
    /// Set when the password was one-time: the new-password form is shown instead.
    pub change_ticket: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
    disabled: Option<String>,
}

fn page(
    app: &App,
    ctx: PageContext,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    page_with(app, ctx, username, error, notice, status, None)
}

/// The login form again after a stale CSRF token: the page sat open too long (or came from
/// elsewhere); the username is kept.
fn expired(app: &App, ctx: PageContext, username: String) -> Response {
    page(
        app,
        ctx,
        username,
        Some("页面已过期，请重新登录。".into()),
        None,
        StatusCode::FORBIDDEN,
    )
}

fn page_with(
    app: &App,
    ctx: PageContext,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
    change_ticket: Option<String>,
) -> Response {
    let token = random_token();
    let cookie = cookies::set(cookies::LOGIN_CSRF, &token, app.config.secure_cookies);
    let mut resp = render(&LoginPage {
        ctx,
        username,
        error,
        notice,
        login_csrf: token,
        change_ticket,
    });
    *resp.status_mut() = status;
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn show(
    State(app): State<App>,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
    ctx: Result<PageContext, crate::http::error::PageError>,
) -> Response {
    let disabled = q.disabled.is_some()
        || matches!(
            &ctx,
            Err(crate::http::error::PageError(ServiceError::Disabled))
        );
    let expired = !disabled && (q.expired.is_some() || ctx.is_err());
    let ctx = match ctx {
        Ok(c) if c.caller.is_some() => return Redirect::to("/").into_response(),
        Ok(c) => c,
        Err(_) => PageContext::anonymous(&app, &headers, "/login").await,
    };
    let notice = if disabled {
        Some(ServiceError::Disabled.message())
    } else if expired {
        Some(format!(
            "登录已过期（{} 分钟内无操作，或登录已满 {} 小时），请重新登录。",
            app.config.session_idle_minutes, app.config.session_absolute_hours
        ))
    } else {
        None
    };
    let mut resp = page(&app, ctx, String::new(), None, notice, StatusCode::OK);
    let expired = expired || disabled;
    if expired && let Ok(v) = cookies::clear(cookies::SESSION).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn submit(
    State(app): State<App>,
    headers: HeaderMap,
    meta: RequestMeta,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let ctx = PageContext::anonymous(&app, &headers, "/login").await;
    let cookie_token = cookies::get(&headers, cookies::LOGIN_CSRF).unwrap_or("");
    if cookie_token.is_empty() || !constant_time_eq(cookie_token.as_bytes(), form.csrf.as_bytes()) {
        return page(
            &app,
            ctx,
            form.username,
            Some("页面已过期，请再次点击“登录”。".into()),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return page(
            &app,
            ctx,
            form.username,
            Some("请输入用户名和密码。".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match app
        .login_step(
            &form.username,
            &form.password,
            crate::service::auth::SessionKind::Web,
            &meta,
        )
        .await
    {
        Ok(LoginStep::Done(ok)) => logged_in(&app, &ok.token),
        Ok(LoginStep::ChangePassword { ticket }) => page_with(
            &app,
            ctx,
            form.username,
            None,
            Some(ONE_TIME_NOTICE.into()),
            StatusCode::OK,
            Some(ticket),
        ),
        Ok(step) => second_factor_step(&app, ctx, form.username, step).await,
        Err(e) => {
            let status = crate::http::error::status_of(&e);
            page(&app, ctx, form.username, Some(e.message()), None, status)
        }
    }
}

/// The page after a right password for an administrator: the code page, or the enrolment page.
async fn second_factor_step(
    app: &App,
    ctx: PageContext,
    username: String,
    step: LoginStep,
) -> Response {
    match step {
        LoginStep::Done(ok) => logged_in(app, &ok.token),
        LoginStep::SecondFactor { ticket } => {
            factor_page(app, ctx, username, ticket, None, None, StatusCode::OK).await
        }
        LoginStep::Enrol { ticket, enrolment } => {
            factor_page(
                app,
                ctx,
                username,
                ticket,
                Some(enrolment),
                None,
                StatusCode::OK,
            )
            .await
        }
        LoginStep::ChangePassword { ticket } => page_with(
            app,
            ctx,
            username,
            None,
            Some(ONE_TIME_NOTICE.into()),
            StatusCode::OK,
            Some(ticket),
        ),
    }
}

#[derive(Template)]
#[template(path = "login_factor.html")]
pub struct FactorPage {
    pub ctx: PageContext,
    pub username: String,
    pub error: Option<String>,
    pub login_csrf: String,
    pub ticket: String,
    /// Set on the enrolment page.
    pub enrolment: Option<EnrolView>,
    /// Set once enrolment is confirmed: the recovery codes, shown this once.
    pub recovery_codes: Option<Vec<String>>,
    /// Demo sites only: the demo administrator's current code.
    pub demo_code: Option<String>,
}

pub struct EnrolView {
    pub secret: String,
    pub uri: String,
    /// Inline SVG of the key URI, or empty when it could not be encoded.
    pub qr_svg: String,
}

/// The code page (or, with `enrolment`, the enrolment page) with a fresh login CSRF token.
async fn factor_page(
    app: &App,
    ctx: PageContext,
    username: String,
    ticket: String,
    enrolment: Option<Enrolment>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let demo_code = if enrolment.is_none() && ctx.demo {
        app.demo_code_hint(&username).await
    } else {
        None
    };
    let token = random_token();
    let cookie = cookies::set(cookies::LOGIN_CSRF, &token, app.config.secure_cookies);
    let mut resp = render(&FactorPage {
        ctx,
        username,
        error,
        login_csrf: token,
        ticket,
        enrolment: enrolment.map(|e| EnrolView {
            qr_svg: super::chart::qr_svg(&e.uri, "验证器二维码"),
            secret: e.secret,
            uri: e.uri,
        }),
        recovery_codes: None,
        demo_code,
    });
    *resp.status_mut() = status;
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

fn csrf_ok(headers: &HeaderMap, form_csrf: &str) -> bool {
    let cookie_token = cookies::get(headers, cookies::LOGIN_CSRF).unwrap_or("");
    !cookie_token.is_empty() && constant_time_eq(cookie_token.as_bytes(), form_csrf.as_bytes())
}

/// The status a refused code is shown with: a wrong code is like a wrong password (401).
fn code_status(e: &ServiceError) -> StatusCode {
    match e.code() {
        "wrong_second_factor" | "second_factor_reused" => StatusCode::UNAUTHORIZED,
        _ => crate::http::error::status_of(e),
    }
}

/// The code from the authenticator app (or a recovery code). A wrong code shows the code page
/// again (the code itself is not kept); an expired ticket or too many wrong codes go back to the
/// password.
async fn submit_code(
    State(app): State<App>,
    headers: HeaderMap,
    meta: RequestMeta,
    PageForm(form): PageForm<CodeForm>,
) -> Response {
    let ctx = PageContext::anonymous(&app, &headers, "/login").await;
    if !csrf_ok(&headers, &form.csrf) {
        return expired(&app, ctx, form.username);
    }
    if form.code.trim().is_empty() {
        return factor_page(
            &app,
            ctx,
            form.username,
            form.ticket,
            None,
            Some("请输入验证器上显示的 6 位验证码，或一个恢复码。".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match app
        .finish_second_factor(&form.ticket, &form.code, &meta)
        .await
    {
        Ok(ok) => logged_in(&app, &ok.token),
        Err(e) if app.second_factor_ticket_live(&form.ticket) => {
            let status = code_status(&e);
            factor_page(
                &app,
                ctx,
                form.username,
                form.ticket,
                None,
                Some(e.message()),
                status,
            )
            .await
        }
        Err(e) => {
            let status = code_status(&e);
            let message = if status == StatusCode::UNAUTHORIZED {
                // The ticket ended with this wrong code.
                format!(
                    "验证码连续错误 {} 次，请重新输入用户名和密码。",
                    crate::service::auth::WRONG_CODES_PER_TICKET
                )
            } else {
                e.message()
            };
            page(&app, ctx, form.username, Some(message), None, status)
        }
    }
}

/// Enrolment: a code from the new secret confirms it; then the recovery codes are shown, once,
/// with the session already open.
async fn submit_enrolment(
    State(app): State<App>,
    headers: HeaderMap,
    meta: RequestMeta,
    PageForm(form): PageForm<CodeForm>,
) -> Response {
    let ctx = PageContext::anonymous(&app, &headers, "/login").await;
    if !csrf_ok(&headers, &form.csrf) {
        return expired(&app, ctx, form.username);
    }
    if form.code.trim().is_empty() {
        return enrol_again(
            &app,
            ctx,
            form.username,
            form.ticket,
            "请输入验证器添加本账号后显示的 6 位验证码。".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match app.finish_enrolment(&form.ticket, &form.code, &meta).await {
        Ok(done) => {
            let mut resp = render(&FactorPage {
                ctx,
                username: form.username,
                error: None,
                login_csrf: String::new(),
                ticket: String::new(),
                enrolment: None,
                recovery_codes: Some(done.recovery_codes),
                demo_code: None,
            });
            let h = resp.headers_mut();
            for c in [
                cookies::set(
                    cookies::SESSION,
                    &done.login.token,
                    app.config.secure_cookies,
                ),
                cookies::clear(cookies::LOGIN_CSRF),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(e) => {
            let status = code_status(&e);
            enrol_again(&app, ctx, form.username, form.ticket, e.message(), status).await
        }
    }
}

/// The enrolment page again (same secret) after a refused code, or the login page when the
/// ticket is gone.
async fn enrol_again(
    app: &App,
    ctx: PageContext,
    username: String,
    ticket: String,
    error: String,
    status: StatusCode,
) -> Response {
    match app.enrolment_of(&ticket) {
        Some(en) => factor_page(app, ctx, username, ticket, Some(en), Some(error), status).await,
        None => page(app, ctx, username, Some(error), None, status),
    }
}

const ONE_TIME_NOTICE: &str =
    "您的密码由管理员设置，只能用于这一次登录。请先设置您自己的新密码，设置后即可使用本平台。";

fn logged_in(app: &App, token: &str) -> Response {
    let mut resp = Redirect::to("/").into_response();
    let h = resp.headers_mut();
    for c in [
        cookies::set(cookies::SESSION, token, app.config.secure_cookies),
        cookies::clear(cookies::LOGIN_CSRF),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    csrf: String,
}

/// The new-password form after a one-time password. A refusal (policy, mismatch) shows the form
/// again with the same ticket; an expired ticket goes back to the login form.
async fn change_password(
    State(app): State<App>,
    headers: HeaderMap,
    meta: RequestMeta,
    PageForm(form): PageForm<ChangeForm>,
) -> Response {
    let ctx = PageContext::anonymous(&app, &headers, "/login").await;
    let cookie_token = cookies::get(&headers, cookies::LOGIN_CSRF).unwrap_or("");
    if cookie_token.is_empty() || !constant_time_eq(cookie_token.as_bytes(), form.csrf.as_bytes()) {
        return expired(&app, ctx, form.username);
    }
    if form.new_password != form.confirm {
        return page_with(
            &app,
            ctx,
            form.username,
            Some("两次输入的新密码不一致，请重新输入。".into()),
            Some(ONE_TIME_NOTICE.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(form.ticket),
        );
    }
    match app
        .finish_password_change(&form.ticket, &form.new_password, &meta)
        .await
    {
        Ok(step) => second_factor_step(&app, ctx, form.username, step).await,
        Err(e @ ServiceError::Rejected { code, .. }) if code != "password_change_expired" => {
            page_with(
                &app,
                ctx,
                form.username,
                Some(e.message()),
                Some(ONE_TIME_NOTICE.into()),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form.ticket),
            )
        }
        Err(e) => {
            let status = crate::http::error::status_of(&e);
            page(&app, ctx, form.username, Some(e.message()), None, status)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, crate::http::error::PageError> {
    let caller = ctx.require_caller()?;
    ctx.check_csrf(&form.csrf)?;
    app.logout(caller, &meta).await?;
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = cookies::clear(cookies::SESSION).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
