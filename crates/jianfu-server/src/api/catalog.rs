//! The catalog API: public (no token), like the catalog pages.

use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::ServiceError;
use crate::service::catalog::{VersionStatus, parse_kind};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use jianfu_domain::gate::Catalog;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(list_versions))
}

/// 查询条件。
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// 关键词：按编码、名称、备注、法律条文查找；多个词用空格分开，须全部出现。
    #[serde(default)]
    pub q: String,
    /// 清单类别：duty（依法履行职责事项）、assist（依法协助政府工作事项）、negative（取消和禁入事项）、
    /// department_duty（部门职责事项）、certificate（社区出具证明事项）、certificate_negative（不应由社区出具的证明）。
    #[serde(default)]
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

fn bad_query() -> ApiError {
    ServiceError::Rejected {
        code: "bad_query",
        message: "查询参数无法读取，请检查写法".into(),
    }
    .into()
}

/// 查询清单事项（公开，无需令牌）。
///
/// 返回现行版本（或 version 指定的版本）中符合关键词和类别的事项，每项带法律依据（含法律版本与条款）和来源文件。
/// 未知类别返回 422 `unknown_kind`；未知版本返回 404 `unknown_version`。
#[utoipa::path(get, path = "/api/v1/catalog/items", tag = "catalog", params(ItemsQuery),
    responses((status = 200, body = Vec<ItemOut>, description = "符合条件的事项"),
              (status = 404, body = ErrorBody, description = "unknown_version：版本不存在"),
              (status = 422, body = ErrorBody, description = "unknown_kind：类别不存在")))]
pub async fn list_items(
    State(app): State<App>,
    query: Result<Query<ItemsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ItemOut>>, ApiError> {
    let Query(q) = query.map_err(|_| bad_query())?;
    let kind = parse_kind(Some(&q.kind))?;
    let catalog = chosen(&app, &q.version).await?;
    let items = catalog
        .search(&q.q, kind)
        .into_iter()
        .map(|it| ItemOut {
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
        })
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
