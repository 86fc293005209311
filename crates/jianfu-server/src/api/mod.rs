//! The JSON API for department systems, under `/api/v1`. Request and response types sit next to
//! their handlers; their doc comments become the OpenAPI description served at
//! `/api/v1/openapi.json` (and rendered for people at `/api/v1/docs`).

pub mod assignments;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod certificates;
pub mod comprehensive;
pub mod deliberation;
pub mod evaluations;
pub mod extract;
pub mod health;
pub mod inventory;
pub mod mandates;
pub mod notices;
pub mod openapi_rules;
pub mod orgs;
pub mod seal;
pub mod shared_data;
pub mod surveys;
pub mod tokens;
pub mod violations;
pub mod volunteers;

use crate::App;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jianfu 减负 API",
        description = "社区工作准入平台对外接口。除登录和健康检查外，所有接口都需要 Authorization: Bearer 令牌。\
                       出错时统一返回 {\"code\": \"机器可读代码\", \"message\": \"中文说明\"}。"
    ),
    modifiers(&BearerAuth),
    tags((name = "auth", description = "登录与令牌"), (name = "orgs", description = "组织机构"),
         (name = "catalog", description = "社区工作清单（公开）"),
         (name = "mandates", description = "上级文件登记（查询公开，登记和标记失效须区审批人员令牌）"),
         (name = "gate", description = "准入检查、准入申请与审批"),
         (name = "violations", description = "违规下派举报与撤销"),
         (name = "evaluations", description = "考核评比登记：保留与取消的活动及理由（查询公开）"),
         (name = "shared_data", description = "一表通：共享数据元、社区一次填报、部门报表从共享数据生成、变化订阅（三(二)、三(六)）"),
         (name = "inventory", description = "负担台账清理：登记、清理、街道确认、主管单位答复、清理前后的数字"),
         (name = "deliberation", description = "议事协商：议题、会议通知、法定人数与多数、网上投票（一人或一户一票）、会议记录、决定的落实与反馈、请部门办理（三(五)）"),
         (name = "surveys", description = "居民满意度调查：问卷、入户码、匿名答卷（公开）与结果"),
         (name = "comprehensive", description = "社区工作综合考评：年度方案、街道自荐申报、评分与公布（公布后公开）"),
         (name = "volunteers", description = "志愿服务：志愿者登记（实名、同意、未成年人的监护人同意）、活动与报名（不超员）、服务时间记录、志愿服务记录证明（无偿）与公开核验；活动列表公开、不含志愿者姓名"),
         (name = "certificates", description = "居民证明：申请、核实、用印审批、出具、作废与公开核验"),
         (name = "seal", description = "用印登记：签名检查点、包含证明、用印记录"),
         (name = "notices", description = "站内通知"),
         (name = "audit", description = "审计签名检查点（公开）"),
         (name = "ops", description = "运行状态"))
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API routes and the OpenAPI document generated from them.
pub fn routes() -> (axum::Router<App>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(orgs::list_orgs))
        .routes(routes!(tokens::list_tokens, tokens::issue_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .merge(notices::routes())
        .merge(catalog::routes())
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
        .merge(audit::routes())
        .merge(certificates::routes())
        .merge(volunteers::routes())
        .split_for_parts();
    // After every route is in: the rules shared by every operation (openapi_rules.rs).
    utoipa::Modify::modify(&openapi_rules::StandardRules, &mut doc);
    (router, doc)
}

/// A page of a list that grows, answered as before as a bare JSON array, with the paging in
/// headers: `X-Total-Count` (rows in the whole filtered list), `X-Page`, `X-Per-Page`.
pub(crate) fn paged_json<T, U: From<T>>(
    p: crate::service::listing::Paged<T>,
) -> (axum::http::HeaderMap, axum::Json<Vec<U>>) {
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in [
        ("x-total-count", p.total),
        ("x-page", p.page),
        ("x-per-page", p.per_page),
    ] {
        headers.insert(name, axum::http::HeaderValue::from(value));
    }
    (
        headers,
        axum::Json(p.items.into_iter().map(U::from).collect()),
    )
}
