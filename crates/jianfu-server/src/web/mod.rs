//! Server-rendered pages in Chinese. Every page is an askama template in `templates/` that
//! extends `base.html`; handlers build a [`PageContext`] (who is looking, what they may open) and
//! render with [`render`]. Forms post back to the same page and, when refused, are shown again
//! with everything the user typed.

pub mod api_docs;
pub mod assignment_actions;
pub mod assignments;
pub mod audit;
pub mod catalog;
pub mod catalog_candidates;
pub mod certificate_actions;
pub mod certificates;
pub mod chart;
pub mod comprehensive;
pub mod confirm;
pub mod deliberation;
pub mod evaluations;
pub mod home;
pub mod inventory;
pub mod list_query;
pub mod login;
pub mod mandates;
pub mod notices;
pub mod orgs;
pub mod prefs;
pub mod seal;
pub mod shared_data;
pub mod surveys;
pub mod tokens;
pub mod users;
pub mod violations;
pub mod volunteers;

use crate::App;
use crate::http::cookies;
use crate::http::error::PageError;
use crate::service::auth::Caller;
use crate::service::{Actor, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::{StatusCode, request::Parts};
use axum::response::{Html, IntoResponse, Response};
use jianfu_domain::permission::Permission;

pub fn routes() -> Router<App> {
    Router::new()
        .merge(login::routes())
        .merge(home::routes())
        .merge(orgs::routes())
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(audit::routes())
        .merge(prefs::routes())
        .merge(notices::routes())
        .merge(catalog::routes())
        .merge(catalog_candidates::routes())
        .merge(mandates::routes())
        .merge(assignments::routes())
        .merge(violations::routes())
        .merge(inventory::routes())
        .merge(evaluations::routes())
        .merge(shared_data::routes())
        .merge(surveys::routes())
        .merge(deliberation::routes())
        .merge(comprehensive::routes())
        .merge(seal::routes())
        .merge(certificates::routes())
        .merge(volunteers::routes())
}

/// One entry of the top navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// A figure beside the label (unread notices).
    pub badge: Option<i64>,
}

/// What every page's frame needs: the viewer (if logged in), navigation, CSRF token, demo flag.
pub struct PageContext {
    pub caller: Option<Caller>,
    pub org_name: String,
    pub demo: bool,
    pub large_text: bool,
    pub path: String,
    /// The viewer's unread notices, shown beside 通知 (0 for fragments and form posts, which
    /// do not draw the navigation).
    pub unread_notices: i64,
}

impl PageContext {
    /// The frame for someone not (or no longer) logged in, keeping their large-text choice.
    pub async fn anonymous(app: &App, headers: &axum::http::HeaderMap, path: &str) -> Self {
        PageContext {
            caller: None,
            org_name: String::new(),
            demo: app.is_demo().await,
            large_text: cookies::get(headers, cookies::TEXT_SIZE) == Some("large"),
            path: path.into(),
            unread_notices: 0,
        }
    }

    pub fn actor(&self) -> Actor {
        self.caller
            .as_ref()
            .map(|c| c.actor.clone())
            .unwrap_or_else(Actor::anonymous)
    }
    pub fn csrf(&self) -> &str {
        self.caller
            .as_ref()
            .and_then(|c| c.csrf.as_deref())
            .unwrap_or("")
    }
    pub fn user_label(&self) -> String {
        match &self.caller {
            Some(c) => {
                let roles: Vec<&str> = c.actor.roles.iter().map(|r| r.label_zh()).collect();
                format!(
                    "{} · {} · {}",
                    c.actor.display_name,
                    roles.join("、"),
                    self.org_name
                )
            }
            None => String::new(),
        }
    }
    pub fn nav(&self) -> Vec<NavItem> {
        // The lists and the register of revoked work are public (居务公开、政务公开).
        let Some(c) = &self.caller else {
            return self.items(vec![
                ("/catalog", "工作清单", true),
                ("/mandates", "上级文件", true),
                ("/evaluations", "考核评比", true),
                ("/comprehensive", "综合考评", true),
                ("/public/revocations", "撤销公示", true),
                ("/verify", "证明核验", true),
                ("/login", "登录", true),
            ]);
        };
        let a = &c.actor;
        // A resident uses the site for their own certificates: the organisation tree and the
        // API documentation are for those who work with them (issue 10 §3).
        let staff = a.roles.iter().any(|r| *r != jianfu_domain::Role::Resident);
        let mut items = vec![
            ("/", "首页", true),
            ("/catalog", "工作清单", true),
            ("/mandates", "上级文件", true),
            (
                "/assignments",
                "准入事项",
                a.may(Permission::ViewAssignments),
            ),
            (
                "/violations",
                "违规下派",
                a.may(Permission::ReportViolations)
                    || a.may(Permission::ConfirmViolations)
                    || a.may(Permission::SubmitAssignments),
            ),
            ("/inventory", "负担台账", a.may(Permission::ViewInventory)),
            ("/evaluations", "考核评比", staff),
            ("/comprehensive", "综合考评", staff),
            (
                "/surveys",
                "满意度调查",
                a.may(Permission::ManageSurveys)
                    || a.may(Permission::PrintSurveyCodes)
                    || a.may(Permission::ViewSurveyResults),
            ),
            ("/shared-data", "一表通", a.may(Permission::ViewSharedData)),
            (
                "/deliberation",
                "议事协商",
                a.may(Permission::ProposeTopics)
                    || a.may(Permission::RunDeliberation)
                    || a.may(Permission::AnswerDeliberationRequests),
            ),
            (
                "/deliberation/departments",
                "部门答复",
                a.may(Permission::ViewDeliberationFigures),
            ),
            ("/funding", "经费台账", a.may(Permission::ViewAssignments)),
            ("/seal", "用印登记", a.may(Permission::ViewSealLog)),
            (
                "/certificates",
                if a.may(Permission::HandleCertificates) {
                    "证明办理"
                } else {
                    "我的证明申请"
                },
                a.may(Permission::HandleCertificates) || a.may(Permission::ApplyCertificate),
            ),
            (
                "/volunteers",
                "志愿服务",
                a.may(Permission::RegisterVolunteer) || a.may(Permission::ManageVolunteers),
            ),
            ("/verify", "证明核验", true),
            ("/notices", "通知", true),
            ("/orgs", "组织机构", staff && a.may(Permission::ViewOrgs)),
        ];
        items.push(("/users", "用户管理", a.may(Permission::ViewUsers)));
        items.push(("/tokens", "API 令牌", a.may(Permission::ManageApiTokens)));
        items.push(("/audit", "审计日志", a.may(Permission::ReadAudit)));
        items.push(("/api/v1/docs", "接口文档", staff));
        self.items(items)
    }

    fn items(&self, items: Vec<(&'static str, &'static str, bool)>) -> Vec<NavItem> {
        items
            .into_iter()
            .filter(|(_, _, ok)| *ok)
            .map(|(href, label, _)| NavItem {
                href,
                label,
                badge: (href == "/notices" && self.unread_notices > 0)
                    .then_some(self.unread_notices),
                active: if href == "/" {
                    self.path == "/"
                } else {
                    self.path.starts_with(href)
                },
            })
            .collect()
    }
    /// The logged-in caller, or the error that sends the browser to the login page.
    pub fn require_caller(&self) -> Result<&Caller, PageError> {
        self.caller
            .as_ref()
            .ok_or(PageError(ServiceError::Unauthenticated))
    }
    /// Checks the CSRF token a form sent back against the session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        // Not logged in at all: the login page, not a CSRF complaint.
        self.require_caller()?;
        let expected = self.csrf();
        if !expected.is_empty() && constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
            Ok(())
        } else {
            Err(PageError(ServiceError::CsrfFailed))
        }
    }
}

/// Compares secrets (CSRF tokens) in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// Builds the page context. Never fails: an absent or expired session just means "not logged in";
/// handlers that need a user call [`PageContext::require_caller`].
impl FromRequestParts<App> for PageContext {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.path().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let caller = match cookies::get(&parts.headers, cookies::SESSION) {
            Some(token) => match app.authenticate(token).await {
                Ok(c) => Some(c),
                Err(e @ (ServiceError::SessionExpired | ServiceError::Disabled)) => {
                    return Err(PageError(e));
                }
                Err(_) => None,
            },
            None => None,
        };
        let org_name = match caller.as_ref().and_then(|c| c.actor.org.clone()) {
            Some(code) => app
                .org_tree()
                .await
                .ok()
                .and_then(|t| t.get(&code).map(|o| o.name.clone()))
                .unwrap_or_else(|| code.to_string()),
            None => String::new(),
        };
        let mut ctx = PageContext::anonymous(app, &parts.headers, &path).await;
        // Only a whole page draws the navigation: not an htmx fragment, not a form post.
        let whole_page =
            parts.method == axum::http::Method::GET && !parts.headers.contains_key("hx-request");
        if let (Some(c), true) = (&caller, whole_page) {
            ctx.unread_notices = app.unread_notices(&c.actor).await.unwrap_or(0);
        }
        ctx.caller = caller;
        ctx.org_name = org_name;
        Ok(ctx)
    }
}

/// Renders a template, or the 500 page if rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面生成失败，请稍后再试",
            )
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// The Chinese error page (403, 404, 500 and the rest). It has no navigation so it can be
/// rendered anywhere, even without a database.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = match status.as_u16() {
        400 | 422 => "提交的内容有误",
        401 => "请先登录",
        403 => "无权访问",
        404 => "页面不存在",
        405 => "不支持的操作",
        423 => "账号已锁定",
        503 => "服务暂时不可用",
        _ => "系统出错了",
    };
    let html = ErrorPage {
        status: status.as_u16(),
        title,
        message,
    }
    .render()
    .unwrap_or_else(|_| format!("<h1>{title}</h1><p>{message}</p>"));
    (status, Html(html)).into_response()
}

pub async fn not_found(OriginalUri(uri): OriginalUri, method: axum::http::Method) -> Response {
    if uri.path().starts_with("/api/") {
        crate::http::error::ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("接口不存在：{method} {}", uri.path()),
        )
        .into_response()
    } else {
        error_page(
            StatusCode::NOT_FOUND,
            "您访问的页面不存在，可能地址有误或页面已移除。",
        )
    }
}

pub async fn method_not_allowed(
    OriginalUri(uri): OriginalUri,
    method: axum::http::Method,
) -> Response {
    if uri.path().starts_with("/api/") {
        crate::http::error::ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("该接口不支持 {method} 方法"),
        )
        .into_response()
    } else {
        error_page(StatusCode::METHOD_NOT_ALLOWED, "该页面不支持这种操作。")
    }
}

pub fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "系统内部错误，请稍后再试。错误已记录。",
    )
}

/// Formats epoch milliseconds as Beijing time for templates.
pub fn when(ms: &i64) -> String {
    jianfu_domain::clock::format_beijing(*ms)
}

/// A posted form. Unreadable bodies (wrong content type, too large, malformed) get the Chinese
/// error page instead of the framework's English text.
pub struct PageForm<T>(pub T);

/// A field of a form read as pairs (`PageForm<Vec<(String, String)>>`), empty when absent.
pub fn form_value(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<App> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, app: &App) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, app).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(r) => {
                let status = r.status();
                let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "提交的内容过大，请精简后重试。"
                } else {
                    "提交的表单无法读取，请返回上一页刷新后重试。"
                };
                Err(error_page(status, message))
            }
        }
    }
}
