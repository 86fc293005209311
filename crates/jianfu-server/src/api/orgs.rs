use super::extract::ApiCaller;
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An organisation: the district, a street or town, a community or a district department.
/// Borrowed from the cached tree: the list is serialised without copying it.
#[derive(Serialize, ToSchema)]
pub struct OrgOut<'a> {
    /// Statistical division code (e.g. `110115001901`) or department code (e.g. `110115-MZJ`).
    pub code: &'a str,
    pub name: &'a str,
    /// `district`, `street`, `town`, `community` or `department`.
    pub kind: &'static str,
    /// Code of the parent organisation; `null` for the district.
    pub parent: Option<&'a str>,
}

/// 列出调用者可见的组织机构。
///
/// 社区账号只能看到本社区；街道(镇)干部看到本街道(镇)及其社区；部门看到本部门和全区街道、镇、社区，
/// 看不到其他部门；区级审批、督查和管理员看到全区。
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrgOut>), (status = 401, body = ErrorBody)))]
pub async fn list_orgs(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, ApiError> {
    let orgs = app.visible_orgs(&caller.actor).await?;
    let out: Vec<OrgOut<'_>> = orgs
        .iter()
        .map(|o| OrgOut {
            code: o.code.as_str(),
            name: &o.name,
            kind: o.kind.as_str(),
            parent: o.parent.as_ref().map(|p| p.as_str()),
        })
        .collect();
    let body = serde_json::to_vec(&out)
        .map_err(|e| crate::service::ServiceError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
