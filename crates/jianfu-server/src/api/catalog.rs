//! The catalog API: public (no token), like the catalog pages.

use crate::App;
use crate::api::extract::ApiQuery;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::catalog::{VersionStatus, parse_kind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jianfu_domain::certificate::placeholders;
use jianfu_domain::gate::{Catalog, CatalogItem};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(list_versions))
        .routes(routes!(list_candidates))
}

/// 清单更新候选（区级审批人）：批准时列入下一版清单草稿的清单外事项，按批准先后排列。
#[utoipa::path(get, path = "/api/v1/catalog/candidates", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::service::catalog_candidates::CandidateOut>),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_candidates(
    State(app): State<App>,
    crate::api::extract::ApiCaller(caller): crate::api::extract::ApiCaller,
) -> Result<Json<Vec<crate::service::catalog_candidates::CandidateOut>>, ApiError> {
    Ok(Json(app.catalog_candidates(&caller.actor).await?))
}

/// 查询条件。
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// 关键词：按编码、名称、备注、法律条文查找（证明事项还查内容及用途、子项）；多个词用空格分开，须全部出现。
    #[serde(default)]
    pub q: String,
    /// 清单类别：duty（依法履行职责事项）、assist（依法协助政府工作事项）、negative（取消和禁入事项）、
    /// department_duty（部门职责事项）、certificate（社区出具证明事项）、certificate_negative（不应由社区出具的证明）。
    #[serde(default)]
    #[param(
        pattern = "^(duty|assist|negative|department_duty|certificate|certificate_negative)?$"
    )]
    pub kind: String,
    /// 清单版本编号；不填为今天（北京时间）施行的现行版本。
    #[serde(default)]
    pub version: String,
}

/// 来源文件。
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut {
    /// 文件标题。
    pub title: String,
    /// 发文机关。
    pub issuer: String,
    /// 文号。
    pub number: String,
}

/// 清单中的一个事项。
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    /// 事项编码，如 D07。
    pub code: String,
    /// 事项名称。
    pub name: String,
    /// 清单类别代码，如 duty。
    pub kind: String,
    /// 类别名称，如 依法履行职责事项。
    pub kind_label: String,
    /// 法律依据，含法律版本和条款，如 《中华人民共和国城市居民委员会组织法》（…）第三条。
    pub legal_basis: Vec<String>,
    /// 来源文件（含发文机关、文号）。
    pub sources: Vec<SourceOut>,
    /// 责任部门的机构代码（协助事项、部门职责事项）。
    pub responsible_department: String,
    /// 是否须配套经费（费随事转）。
    pub funding_required: bool,
    /// 备注。
    pub notes: String,
    /// 甄别词：自由填写的名称或标题中出现这些词时按本事项甄别（禁入事项、不应由社区出具的证明等）。
    pub terms: Vec<String>,
    /// 保留的证明事项的内容（仅 kind 为 certificate 时有，其余为 null）。
    pub certificate: Option<CatalogCertificateOut>,
    /// 不应由社区出具的证明：应由哪个单位出具、居民的办理途径（仅 kind 为 certificate_negative 时有，其余为 null）。
    pub certificate_negative: Option<NegativeCertificateOut>,
}

/// 保留的证明事项（社区日常出具证明事项）。
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogCertificateOut {
    /// 内容及用途。
    pub content_and_purpose: String,
    /// 开具单位，如 社区居民委员会。
    pub issuing_level: String,
    /// 也可以出具同一情况的其他单位（可为空）。
    pub also_issued_by: String,
    /// 要求开具单位：只有这些单位可以要求居民开具本证明；其他单位要求的，属于该单位自己应核实的事项。
    pub requesting_units: Vec<RequestingUnitOut>,
    /// 办理条件。
    pub conditions: String,
    /// 是否要求申请人户籍（或原户籍）在本社区（否则不予受理）。
    pub requires_household: bool,
    /// 申请材料。
    pub materials: Vec<MaterialOut>,
    /// 办理时限（工作日，自受理次日起算）。
    pub time_limit_working_days: u32,
    /// 证明式样：带 {名称} 占位符的证明文字，由社区工作者按核实的情况填写。
    pub template: String,
    /// 证明式样中须填写的项目，按出现顺序。
    pub placeholders: Vec<String>,
    /// 本事项是哪个不应出具证明的例外（事项编码，可为空），如 C05 是 CN01 的例外。
    pub exception_to: String,
    /// 作为例外时限定的用途，如 公证。
    pub exception_purposes: Vec<String>,
}

/// 要求开具证明的单位。
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestingUnitOut {
    /// 单位名称，如 不动产登记机构。
    pub name: String,
    /// 识别该单位的词，如 不动产登记。
    pub terms: Vec<String>,
}

/// 申请材料。
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialOut {
    /// 代号：id_card（身份证）、hukou（户口本）、evidence（佐证材料）等。
    pub key: String,
    /// 名称。
    pub name: String,
    /// 是否必须提供。
    pub required: bool,
}

/// 不应由社区出具的证明：应由谁出具、怎么办。
#[derive(Debug, Serialize, ToSchema)]
pub struct NegativeCertificateOut {
    /// 子项，如 婚姻关系证明、分居证明。
    pub sub_items: Vec<String>,
    /// 应由哪个单位出具。
    pub issued_by_instead: String,
    /// 居民的办理途径。
    pub resident_path: String,
}

impl ItemOut {
    /// An item as the API shows it, citations in words.
    pub fn of(catalog: &Catalog, it: &CatalogItem) -> Self {
        ItemOut {
            code: it.code.clone(),
            name: it.name.clone(),
            kind: it.kind.as_str().into(),
            kind_label: it.kind.label_zh().into(),
            legal_basis: it.legal_basis.iter().map(|b| catalog.cite(b)).collect(),
            sources: it
                .sources
                .iter()
                .map(|s| SourceOut {
                    title: s.title.clone(),
                    issuer: s.issuer.clone(),
                    number: s.number.clone(),
                })
                .collect(),
            responsible_department: it.responsible_department.clone(),
            funding_required: it.funding_required,
            notes: it.notes.clone(),
            terms: it.terms.clone(),
            certificate: it.certificate.as_deref().map(|c| CatalogCertificateOut {
                content_and_purpose: c.content_and_purpose.clone(),
                issuing_level: c.issuing_level.clone(),
                also_issued_by: c.also_issued_by.clone(),
                requesting_units: c
                    .requesting_units
                    .iter()
                    .map(|u| RequestingUnitOut {
                        name: u.name.clone(),
                        terms: u.terms.clone(),
                    })
                    .collect(),
                conditions: c.conditions.clone(),
                requires_household: c.requires_household,
                materials: c
                    .materials
                    .iter()
                    .map(|m| MaterialOut {
                        key: m.key.clone(),
                        name: m.name.clone(),
                        required: m.required,
                    })
                    .collect(),
                time_limit_working_days: c.time_limit_working_days,
                template: c.template.clone(),
                placeholders: placeholders(&c.template),
                exception_to: c.exception_to.clone(),
                exception_purposes: c.exception_purposes.clone(),
            }),
            certificate_negative: it.certificate_negative.as_deref().map(|n| {
                NegativeCertificateOut {
                    sub_items: n.sub_items.clone(),
                    issued_by_instead: n.issued_by_instead.clone(),
                    resident_path: n.resident_path.clone(),
                }
            }),
        }
    }
}

fn unknown_version(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_version",
        format!("清单版本“{id}”不存在，可用 GET /api/v1/catalog/versions 查看全部版本"),
    )
}

async fn chosen(app: &App, version: &str) -> Result<Arc<Catalog>, ApiError> {
    let v = version.trim();
    if v.is_empty() {
        return Ok(app.current_catalog().await?);
    }
    app.catalog_version(v)
        .await?
        .ok_or_else(|| unknown_version(v))
}

/// 查询清单事项（公开，无需令牌）。
///
/// 返回现行版本（或 version 指定的版本）中符合关键词和类别的事项，每项带法律依据（含法律版本与条款）和来源文件。
/// 证明事项另带 `certificate`（内容及用途、要求开具单位、条件、材料、时限、证明式样）；不应由社区出具的证明
/// 另带 `certificate_negative`（子项、应由谁出具、居民的办理途径）。
/// 未知类别返回 422 `unknown_kind`；未知版本返回 404 `unknown_version`。
#[utoipa::path(get, path = "/api/v1/catalog/items", tag = "catalog", params(ItemsQuery),
    responses((status = 200, body = Vec<ItemOut>, description = "符合条件的事项"),
              (status = 404, body = ErrorBody, description = "unknown_version：版本不存在"),
              (status = 422, body = ErrorBody, description = "unknown_kind：类别不存在")))]
pub async fn list_items(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<ItemsQuery>,
) -> Result<Json<Vec<ItemOut>>, ApiError> {
    let kind = parse_kind(Some(&q.kind))?;
    let catalog = chosen(&app, &q.version).await?;
    let items = catalog
        .search(&q.q, kind)
        .into_iter()
        .map(|it| ItemOut::of(&catalog, it))
        .collect();
    Ok(Json(items))
}

/// 一个清单版本。
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOut {
    /// 版本编号。
    pub id: String,
    /// 标题。
    pub title: String,
    /// 发布文件。
    pub document: String,
    /// 生效日期（YYYY-MM-DD）。
    pub effective_from: String,
    /// 失效日期（YYYY-MM-DD），空表示长期有效。
    pub effective_to: String,
    /// 说明（数据来源等）。
    pub notice: String,
    /// 今天的状态：current（现行）、future（尚未生效）、superseded（已停止使用）。
    pub status: String,
    /// 发布时间（毫秒时间戳）。
    pub created_at: i64,
}

/// 列出全部清单版本（公开，无需令牌），最新发布在前。
#[utoipa::path(get, path = "/api/v1/catalog/versions", tag = "catalog",
    responses((status = 200, body = Vec<VersionOut>)))]
pub async fn list_versions(State(app): State<App>) -> Result<Json<Vec<VersionOut>>, ApiError> {
    let views = app.catalog_version_views().await?;
    Ok(Json(
        views
            .into_iter()
            .map(|v| VersionOut {
                status: match v.status {
                    VersionStatus::Current => "current",
                    VersionStatus::Future => "future",
                    VersionStatus::Superseded => "superseded",
                }
                .into(),
                id: v.row.id,
                title: v.row.title,
                document: v.row.document,
                effective_from: v.row.effective_from,
                effective_to: v.row.effective_to,
                notice: v.row.notice,
                created_at: v.row.created_at,
            })
            .collect(),
    ))
}
