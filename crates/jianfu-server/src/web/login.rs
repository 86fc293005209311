//! The login page. Its form has no session yet, so CSRF uses a double-submit cookie. A refused
//! login shows the reason in Chinese and keeps the username that was typed.

use super::{PageContext, PageForm, constant_time_eq, render};
use crate::App;
use crate::http::cookies;
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
    let token = random_token();
    let cookie = cookies::set(cookies::LOGIN_CSRF, &token, app.config.secure_cookies);
    let mut resp = render(&LoginPage {
        ctx,
        username,
        error,
        notice,
        login_csrf: token,
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
        .login(
            &form.username,
            &form.password,
            crate::service::auth::SessionKind::Web,
            &meta,
        )
        .await
    {
        Ok(ok) => {
            let mut resp = Redirect::to("/").into_response();
            let h = resp.headers_mut();
            for c in [
                cookies::set(cookies::SESSION, &ok.token, app.config.secure_cookies),
                cookies::clear(cookies::LOGIN_CSRF),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            resp
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
