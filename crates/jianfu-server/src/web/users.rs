//! Account management. The system administrator creates (without roles), disables and re-enables
//! accounts; the security administrator grants and withdraws roles, resets passwords (one-time,
//! never an administrator's) and lifts login delays. Each sees only the actions that are theirs
//! (三员分立).

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::accounts::{AccountView, NewAccount};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::permission::Permission;
use jianfu_domain::{Org, Role};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/users", get(list).post(create))
        // One route for the row actions: disable, enable, unlock, password.
        .route("/users/{id}/{action}", post(act))
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub ctx: PageContext,
    pub accounts: Vec<AccountView>,
    pub orgs: std::sync::Arc<[Org]>,
    pub can_manage: bool,
    pub can_credentials: bool,
    pub can_roles: bool,
    /// Roles the security administrator may grant through the web (no admin roles).
    pub grantable: Vec<RoleOption>,
    pub form: NewAccountForm,
    pub role_options: Vec<RoleOption>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The create form as typed. Roles arrive as repeated `role` fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(skip)]
    pub password_set: bool,
}

async fn page(
    app: &App,
    ctx: PageContext,
    form: NewAccountForm,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ViewUsers)?;
    let accounts = app.list_accounts(&actor).await?;
    let orgs = app.visible_orgs(&actor).await?;
    let role_options = Role::ALL
        .iter()
        .map(|r| RoleOption {
            code: r.as_str(),
            label: r.label_zh(),
            checked: form.role.iter().any(|x| x == r.as_str()),
        })
        .collect();
    let grantable = Role::ALL
        .iter()
        .filter(|r| jianfu_domain::permission::grantable_through_web(**r))
        .map(|r| RoleOption {
            code: r.as_str(),
            label: r.label_zh(),
            checked: false,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = render(&UsersPage {
        can_manage: actor.may(Permission::ManageUsers),
        can_credentials: actor.may(Permission::ManageCredentials),
        can_roles: actor.may(Permission::ManageRoles),
        grantable,
        ctx,
        accounts,
        orgs,
        form,
        role_options,
        error,
        notice,
    });
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    Ok(resp)
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    page(&app, ctx, NewAccountForm::default(), None, None).await
}

/// Parses a urlencoded body that may repeat `role`; serde_urlencoded alone cannot collect
/// repeated keys into a Vec.
fn parse_create(body: &str) -> (NewAccountForm, String, String) {
    let mut f = NewAccountForm::default();
    let (mut password, mut csrf) = (String::new(), String::new());
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(body).unwrap_or_default() {
        match k.as_str() {
            "username" => f.username = v,
            "display_name" => f.display_name = v,
            "org" => f.org = v,
            "role" => f.role.push(v),
            "password" => password = v,
            "csrf" => csrf = v,
            _ => {}
        }
    }
    (f, password, csrf)
}

async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    body: String,
) -> Result<Response, PageError> {
    let (form, password, csrf) = parse_create(&body);
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let new = NewAccount {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password,
        roles: form.role.clone(),
        org: form.org.clone(),
    };
    match app.create_account(&actor, &meta, &new).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/users?created={}", urlencode(&form.username))).into_response(),
        ),
        Err(
            e @ (ServiceError::Invalid(_)
            | ServiceError::Conflict(_)
            | ServiceError::Rejected { .. }),
        ) => {
            // Everything typed comes back, except the password, which is never echoed.
            page(&app, ctx, form, Some(e.message()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x[1..].to_string())
        .unwrap_or_default()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

async fn act(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((id, what)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let app = &app;
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let result = match what.as_str() {
        "disable" => app
            .set_account_disabled(&actor, &meta, &id, true)
            .await
            .map(|_| "账号已停用，其登录会话已全部结束"),
        "enable" => app
            .set_account_disabled(&actor, &meta, &id, false)
            .await
            .map(|_| "账号已恢复启用"),
        "unlock" => app
            .unlock_account(&actor, &meta, &id)
            .await
            .map(|_| "已解除该账号的登录限制"),
        "password" => app
            .reset_password(&actor, &meta, &id, &form.password)
            .await
            .map(|_| "密码已重置，该账号的登录会话已全部结束。此密码只能用于一次登录：本人登录后须先设置新密码"),
        "grant" => app
            .set_account_role(&actor, &meta, &id, &form.role, true)
            .await
            .map(|_| "角色已授予，该账号须重新登录后生效"),
        "withdraw" => app
            .set_account_role(&actor, &meta, &id, &form.role, false)
            .await
            .map(|_| "角色已撤销，该账号的登录会话已全部结束"),
        _ => return Err(PageError(ServiceError::NotFound("操作".into()))),
    };
    match result {
        Ok(notice) => {
            page(
                app,
                ctx,
                NewAccountForm::default(),
                None,
                Some(notice.into()),
            )
            .await
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Rejected { .. })) => {
            page(app, ctx, NewAccountForm::default(), Some(e.message()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

impl UsersPage {
    /// Administrators' passwords are reset only at the console.
    pub fn is_admin(&self, a: &AccountView) -> bool {
        a.roles.iter().any(|r| r.is_admin())
    }

    /// The viewer's own row gets no disable button (the service refuses it anyway).
    pub fn is_me(&self, id: &str) -> bool {
        self.ctx
            .caller
            .as_ref()
            .and_then(|c| c.actor.user_id.as_deref())
            == Some(id)
    }
}
