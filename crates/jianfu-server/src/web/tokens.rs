//! Long-lived API tokens for department systems (system administrator). Tokens belong to system
//! accounts, created here too; the security administrator grants them roles on the users page.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::tokens::TokenView;
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jianfu_domain::permission::Permission;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/tokens", get(list).post(issue))
        .route("/tokens/{id}/revoke", post(revoke))
        .route("/tokens/systems", post(create_system))
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub ctx: PageContext,
    pub tokens: Vec<TokenView>,
    pub name: String,
    pub username: String,
    pub issued: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// System accounts (username, system name), the only possible token holders.
    pub systems: Vec<(String, String)>,
    pub orgs: std::sync::Arc<[jianfu_domain::Org]>,
    pub system_form: SystemForm,
}

/// The new-system-account form as typed.
#[derive(Deserialize, Default)]
pub struct SystemForm {
    #[serde(default)]
    pub sys_username: String,
    #[serde(default)]
    pub sys_name: String,
    #[serde(default)]
    pub sys_org: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct IssueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    csrf: String,
}

async fn page(
    app: &App,
    ctx: PageContext,
    form: IssueForm,
    issued: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    page_with(app, ctx, form, SystemForm::default(), issued, error, notice).await
}

async fn page_with(
    app: &App,
    ctx: PageContext,
    form: IssueForm,
    system_form: SystemForm,
    issued: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageApiTokens)?;
    let tokens = app.list_api_tokens(&actor).await?;
    let systems = app
        .list_accounts(&actor)
        .await?
        .into_iter()
        .filter(|a| a.system)
        .map(|a| (a.username, a.display_name))
        .collect();
    let orgs = app.visible_orgs(&actor).await?;
    let failed = error.is_some();
    let mut resp = render(&TokensPage {
        ctx,
        tokens,
        name: form.name,
        username: form.username,
        issued,
        error,
        notice,
        systems,
        orgs,
        system_form,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    page(&app, ctx, IssueForm::default(), None, None, None).await
}

async fn issue(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(form): PageForm<IssueForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    match app
        .issue_api_token(&actor, &meta, &form.name, &form.username)
        .await
    {
        Ok((_, secret)) => page(&app, ctx, IssueForm::default(), Some(secret), None, None).await,
        Err(
            e @ (ServiceError::Invalid(_)
            | ServiceError::NotFound(_)
            | ServiceError::Rejected { .. }),
        ) => page(&app, ctx, form, None, Some(e.message()), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn create_system(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(form): PageForm<SystemForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    match app
        .create_system_account(
            &actor,
            &meta,
            &form.sys_username,
            &form.sys_name,
            &form.sys_org,
            &[],
        )
        .await
    {
        Ok(_) => {
            let notice = format!(
                "系统账号 {} 已创建。它还没有任何权限：请安全管理员在“用户管理”页按需授予角色，再为它签发令牌。",
                form.sys_username.trim()
            );
            page(&app, ctx, IssueForm::default(), None, None, Some(notice)).await
        }
        Err(
            e @ (ServiceError::Invalid(_)
            | ServiceError::Conflict(_)
            | ServiceError::Rejected { .. }),
        ) => {
            let msg = e.message();
            page_with(&app, ctx, IssueForm::default(), form, None, Some(msg), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn revoke(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    app.revoke_api_token(&actor, &meta, &id).await?;
    page(
        &app,
        ctx,
        IssueForm::default(),
        None,
        None,
        Some("令牌已吊销，使用它的系统将立即无法访问".into()),
    )
    .await
}

impl TokensPage {
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
}
