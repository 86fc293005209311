//! 负担台账清理 API: a community records what departments and streets placed in it, clears it step
//! by step; the street confirms; the owner answers; supervisors read the counts.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery, decode_base64_file};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::inventory::{
    AnswerInput, CountRow, EntryDetail, EntryInput, EntryView, Overview, StepInput,
};
use crate::service::listing::{ListKind, Listing};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A 5 MB file in base64 plus the text fields.
const UPLOAD_LIMIT: usize = 5 * 1024 * 1024 / 3 * 4 + 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    let (s1, p1, step) = routes!(add_step);
    let (s2, p2, import) = routes!(import_entries);
    OpenApiRouter::new()
        .routes(routes!(list_entries, record_entry))
        .routes(routes!(get_entry))
        .routes((s1, p1, step.layer(DefaultBodyLimit::max(UPLOAD_LIMIT))))
        .routes(routes!(answer_entry))
        .routes(routes!(confirm_entry))
        .routes((s2, p2, import.layer(DefaultBodyLimit::max(UPLOAD_LIMIT))))
        .routes(routes!(inventory_counts))
}

/// 登记一个条目：某区级部门或街道放到本社区的负担。社区总是调用者所在社区。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// 类型代码或中文名：`ledger`（业务台账）、`report`（报表）、`sign`（挂牌）、`institution`（工作机构）、`premises`（专门场所）、`staff`（专职人员）、`responsibility_letter`（责任书）、`evaluation`（部门考核评比、检查）、`creation`（达标、检查评比、示范创建活动）、`data_collection`（信息采集、电脑录入）、`secondment`（借调）、`gov_app`（政务App）、`work_group`（工作群）、`check_in`（打卡签到）、`ranking`（排名通报）、`compulsory_upload`（强制拍照、视频、定位上传）。
    pub kind: String,
    /// 名称，如“社区禁毒工作站”“安全生产检查台账”。
    pub title: String,
    /// 主管单位：区级部门或街道（镇）的机构代码或全称。
    pub owner: String,
    /// 法律法规规章及条款（选填）。
    #[serde(default)]
    pub law_basis: String,
    /// 中央、市级文件文号（选填），按区级上级文件登记核对。
    #[serde(default)]
    pub mandate_document: String,
    /// 发现日期 `YYYY-MM-DD`，不填为今天，不能晚于今天。
    #[serde(default)]
    pub found_on: String,
    /// 报表频次：`daily`、`weekly`、`monthly`、`quarterly`、`yearly`、`irregular`（或中文）。
    #[serde(default)]
    pub frequency: String,
    /// 报表字段数，1 到 10000。
    #[serde(default)]
    pub field_count: Option<u32>,
    /// 要求打卡的用途：`security`（安保）、`emergency`（应急）、`other`（其他）。
    #[serde(default)]
    pub check_in: String,
    /// 排名依据：`activity`、`online_time`、`mileage`、`likes`、`points`、`installs`、`usage_rate`、`other`。
    #[serde(default)]
    pub ranking: String,
    /// 是否要求截图、拍照或定位留痕。
    #[serde(default)]
    pub screenshots: bool,
    /// 是否设有一票否决。
    #[serde(default)]
    pub one_vote_veto: bool,
    /// 说明（选填）。
    #[serde(default)]
    pub note: String,
}

/// 规则提示：条目违反的一条规定及应当怎么做。
#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    /// 稳定代码，如 `fourth_sign`、`ledger_without_basis`、`no_basis`、`department_evaluation`、`creation_without_mandate`、`usage_ranking`、`no_check_ins`、`check_in_without_basis`、`no_screenshots`、`no_one_vote_veto`。
    pub rule: String,
    /// 依据的文件和条款。
    pub citation: String,
    pub message: String,
    /// 应当怎么做。
    pub todo: String,
}

/// 负担台账中的一个条目。
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub community: String,
    pub community_name: String,
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub owner: String,
    pub owner_name: String,
    pub law_basis: String,
    pub mandate_document: Option<String>,
    /// 报表频次、字段数、打卡、排名、截图、一票否决。
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// `found`（已登记）| `kept`（保留）| `to_remove`（待清理）| `removed`（已取消）| `converted`（已转电子台账）。
    pub status: String,
    pub found_on: String,
    pub cleared_on: Option<String>,
    /// 步骤数；提交下一步时作为 `expected_steps` 带回，防止覆盖他人刚做的更新。
    pub steps: i64,
    /// 街道已确认的步骤数。
    pub confirmed_steps: i64,
    pub findings: Vec<FindingOut>,
    /// 办理经过（仅查询单个条目时返回）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StepOut>>,
}

/// 办理经过中的一步。
#[derive(Serialize, ToSchema)]
pub struct StepOut {
    pub seq: i64,
    /// `record`、`keep`、`mark_to_remove`、`remove`、`convert`、`reopen`、`answer`。
    pub action: String,
    pub note: String,
    pub on_date: Option<String>,
    pub by_user: String,
    pub by_org_name: String,
    /// 毫秒时间戳。
    pub at: i64,
    pub confirmed_by: Option<String>,
    /// 证据文件的 SHA-256（如有）。
    pub evidence_sha256: Option<String>,
}

impl From<EntryView> for EntryOut {
    fn from(v: EntryView) -> Self {
        Self {
            community: v.community,
            community_name: v.community_name,
            id: v.id,
            kind: v.kind.as_str().into(),
            kind_label: v.kind_label.into(),
            title: v.title,
            owner: v.owner,
            owner_name: v.owner_name,
            law_basis: v.law_basis,
            mandate_document: v.mandate_document,
            details: serde_json::to_value(&v.details).unwrap_or_default(),
            status: v.status.as_str().into(),
            found_on: v.found_on,
            cleared_on: v.cleared_on,
            steps: v.steps,
            confirmed_steps: v.confirmed_steps,
            findings: v
                .findings
                .into_iter()
                .map(|f| FindingOut {
                    rule: f.rule.into(),
                    citation: f.citation,
                    message: f.message,
                    todo: f.todo,
                })
                .collect(),
            history: None,
        }
    }
}

impl From<EntryDetail> for EntryOut {
    fn from(d: EntryDetail) -> Self {
        let mut out = EntryOut::from(d.entry);
        out.history = Some(
            d.history
                .into_iter()
                .map(|s| StepOut {
                    seq: s.seq,
                    action: s.action,
                    note: s.note,
                    on_date: s.on_date,
                    by_user: s.by_user,
                    by_org_name: s.by_org_name,
                    at: s.at,
                    confirmed_by: s.confirmed_by,
                    evidence_sha256: s.evidence.map(|e| e.sha256),
                })
                .collect(),
        );
        out
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 按状态筛选：`carried`（仍在社区）、`found`、`kept`、`to_remove`、`removed`、`converted`。其他值返回 422 `invalid_status`。
    pub status: Option<String>,
    /// 按主管单位筛选（机构代码或全称）。部门账号只能看到本部门放到社区的条目。
    pub owner: Option<String>,
    /// 按类型筛选（代码或中文名）。
    pub kind: Option<String>,
    /// 只看有街道尚未确认的步骤的条目。
    pub unconfirmed: Option<bool>,
    /// 排序：`newest`（最近更新在前，默认）、`oldest`（最早登记在前）。
    pub sort: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// 列出调用者可见的负担台账条目：社区看本社区，街道看所辖社区，部门看本部门放到社区的，区级审批、督查人员看全部。分页信息在响应头 `X-Total-Count`、`X-Page`、`X-Per-Page`。
#[utoipa::path(get, path = "/api/v1/inventory/entries", tag = "inventory", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Vec<EntryOut>, headers(("X-Total-Count" = i64, description = "筛选后的总条数"),
                       ("X-Page" = i64, description = "本页页码"), ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_entries(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<EntryOut>>), ApiError> {
    let listing = Listing::strict(
        ListKind::Inventory,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.inventory(
            &caller.actor,
            &listing,
            p.owner.as_deref(),
            p.kind.as_deref(),
            p.unconfirmed.unwrap_or(false),
        )
        .await?,
    ))
}

/// 登记一个负担（社区工作者、书记）。返回条目及规则提示；主管单位会收到站内通知。
///
/// 错误码：`unknown_burden_kind`、`unknown_owner`、`title_missing`、`invalid_field_count`、`invalid_choice`、`invalid_date`、`date_in_future`、`text_too_long`、`control_character`、`line_break_not_allowed`。
#[utoipa::path(post, path = "/api/v1/inventory/entries", tag = "inventory", security(("bearer" = [])),
    request_body = EntryRequest,
    responses((status = 201, body = EntryOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_entry(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<EntryRequest>,
) -> Result<(StatusCode, Json<EntryOut>), ApiError> {
    let input = EntryInput {
        kind: r.kind,
        title: r.title,
        owner: r.owner,
        law_basis: r.law_basis,
        mandate_document: r.mandate_document,
        found_on: r.found_on,
        frequency: r.frequency,
        field_count: r.field_count.map(|n| n.to_string()).unwrap_or_default(),
        check_in: r.check_in,
        ranking: r.ranking,
        screenshots: r.screenshots,
        one_vote_veto: r.one_vote_veto,
        note: r.note,
    };
    let v = app.record_inventory(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(EntryOut::from(v))))
}

/// 查看一个条目及其办理经过。不在可见范围内的一律 404。
#[utoipa::path(get, path = "/api/v1/inventory/entries/{community}/{id}", tag = "inventory",
    security(("bearer" = [])),
    params(("community" = String, Path, description = "社区机构代码"), ("id" = String, Path, description = "条目 id")),
    responses((status = 200, body = EntryOut), (status = 404, body = ErrorBody)))]
pub async fn get_entry(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<EntryOut>, ApiError> {
    Ok(Json(EntryOut::from(
        app.inventory_entry(&caller.actor, &community, &id).await?,
    )))
}

/// 清理的一步。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `keep`（保留，须无规则提示）、`mark_to_remove`（列入待清理）、`remove`（确认已取消，须附证据）、`convert`（转为平台电子台账，仅台账、报表、信息采集）、`reopen`（又出现了，须写明情况）。
    pub action: String,
    /// 看到的步骤数（条目的 `steps`）。
    pub expected_steps: i64,
    #[serde(default)]
    pub note: String,
    /// 取消或转换的日期 `YYYY-MM-DD`（`remove`、`convert` 必填）。
    #[serde(default)]
    pub on_date: String,
    /// 证据文件（PDF、JPEG、PNG，不超过 5 MB）的 Base64 编码。
    #[serde(default)]
    pub evidence_base64: Option<String>,
}

/// 记录清理的一步（本社区的社区工作者、书记）。街道工作人员会收到待确认通知。
///
/// 错误码：`invalid_action`、`wrong_state`、`keep_not_allowed`、`evidence_missing`、`not_convertible`、`note_missing`、`invalid_date`、`date_in_future`、`date_before_found`、`file_type_not_allowed`、`file_too_large`、`invalid_base64`、`entry_changed`（他人刚更新过）。
#[utoipa::path(post, path = "/api/v1/inventory/entries/{community}/{id}/steps", tag = "inventory",
    security(("bearer" = [])), request_body = StepRequest,
    params(("community" = String, Path, description = "社区机构代码"), ("id" = String, Path, description = "条目 id")),
    responses((status = 200, body = EntryOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_step(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<StepRequest>,
) -> Result<Json<EntryOut>, ApiError> {
    let evidence = r
        .evidence_base64
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| decode_base64_file("证据文件", s))
        .transpose()?;
    let input = StepInput {
        action: r.action,
        note: r.note,
        on_date: r.on_date,
        evidence,
        expected_steps: r.expected_steps,
    };
    app.inventory_step(&caller.actor, &meta, &community, &id, &input)
        .await?;
    Ok(Json(EntryOut::from(
        app.inventory_entry(&caller.actor, &community, &id).await?,
    )))
}

/// 主管单位的答复。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub note: String,
    pub expected_steps: i64,
    /// 法律法规规章及条款（选填；填写后替换条目原有的依据）。
    #[serde(default)]
    pub law_basis: String,
    /// 中央、市级文件文号（选填）。
    #[serde(default)]
    pub mandate_document: String,
}

/// 主管单位（放置该负担的部门或街道）答复一个条目，可写明依据。社区会收到通知。错误码：`note_missing`、`entry_changed`。
#[utoipa::path(post, path = "/api/v1/inventory/entries/{community}/{id}/answer", tag = "inventory",
    security(("bearer" = [])), request_body = AnswerRequest,
    params(("community" = String, Path, description = "社区机构代码"), ("id" = String, Path, description = "条目 id")),
    responses((status = 200, body = EntryOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_entry(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<AnswerRequest>,
) -> Result<Json<EntryOut>, ApiError> {
    let input = AnswerInput {
        note: r.note,
        law_basis: r.law_basis,
        mandate_document: r.mandate_document,
        expected_steps: r.expected_steps,
    };
    app.answer_inventory(&caller.actor, &meta, &community, &id, &input)
        .await?;
    Ok(Json(EntryOut::from(
        app.inventory_entry(&caller.actor, &community, &id).await?,
    )))
}

/// 街道确认。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// 看到的步骤数：确认到这一步为止。
    pub expected_steps: i64,
}

/// 街道工作人员确认所辖社区一个条目至今的各步。错误码：`already_confirmed`、`entry_changed`。
#[utoipa::path(post, path = "/api/v1/inventory/entries/{community}/{id}/confirm", tag = "inventory",
    security(("bearer" = [])), request_body = ConfirmRequest,
    params(("community" = String, Path, description = "社区机构代码"), ("id" = String, Path, description = "条目 id")),
    responses((status = 200, body = EntryOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_entry(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<ConfirmRequest>,
) -> Result<Json<EntryOut>, ApiError> {
    app.confirm_inventory(&caller.actor, &meta, &community, &id, r.expected_steps)
        .await?;
    Ok(Json(EntryOut::from(
        app.inventory_entry(&caller.actor, &community, &id).await?,
    )))
}

/// 批量导入。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// .xlsx 工作簿或 CSV 文件（UTF-8 或 GBK）的 Base64 编码，不超过 5 MB。表头须有 类型、名称、主管单位，可选 法律依据、上级文件文号、发现日期、报表频次、字段数、打卡用途、排名依据、要求截图、一票否决、说明。
    pub content_base64: String,
}

/// 导入的结果。
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// 导入的条目数。
    pub imported: usize,
}

/// 从表格批量登记本社区的负担（社区工作者、书记）。有一行不对就一行也不导入，错误说明指出行和列。
///
/// 错误码：`xlsx_missing_column`、`xlsx_unknown_column`、`xlsx_duplicate_column`、`xlsx_merged_header`、`xlsx_missing_sheet`、`xlsx_no_rows`、`not_xlsx`、`unknown_encoding`、`invalid_csv`、`too_many_rows`、`file_too_large`，以及逐行检查的错误码（同登记）。
#[utoipa::path(post, path = "/api/v1/inventory/import", tag = "inventory", security(("bearer" = [])),
    request_body = ImportRequest,
    responses((status = 201, body = ImportOut), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_entries(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<ImportRequest>,
) -> Result<(StatusCode, Json<ImportOut>), ApiError> {
    let bytes = decode_base64_file("导入文件", &r.content_base64)?;
    let imported = app.import_inventory(&caller.actor, &meta, &bytes).await?;
    Ok((StatusCode::CREATED, Json(ImportOut { imported })))
}

/// 一个社区、街道或部门的数字。
#[derive(Serialize, ToSchema)]
pub struct CountOut {
    pub code: String,
    pub name: String,
    /// 社区所属街道。
    pub parent_name: String,
    /// 清理前：登记过的全部条目。
    pub before: i64,
    /// 清理后：仍在社区的条目（已登记、保留、待清理）。
    pub after: i64,
    pub kept: i64,
    pub to_remove: i64,
    pub removed: i64,
    pub converted: i64,
}

impl From<CountRow> for CountOut {
    fn from(r: CountRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            parent_name: r.parent_name,
            before: r.before,
            after: r.after,
            kept: r.kept,
            to_remove: r.to_remove,
            removed: r.removed,
            converted: r.converted,
        }
    }
}

/// 一个月末的累计数。
#[derive(Serialize, ToSchema)]
pub struct MonthOut {
    /// `YYYY-MM`。
    pub month: String,
    pub found: i64,
    pub cleared: i64,
    pub carried: i64,
}

/// 清理前后的数字。
#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    pub total: CountOut,
    pub streets: Vec<CountOut>,
    pub communities: Vec<CountOut>,
    pub departments: Vec<CountOut>,
    /// 近 12 个月。
    pub series: Vec<MonthOut>,
}

impl From<Overview> for CountsOut {
    fn from(o: Overview) -> Self {
        Self {
            total: o.total.into(),
            streets: o.streets.into_iter().map(Into::into).collect(),
            communities: o.communities.into_iter().map(Into::into).collect(),
            departments: o.departments.into_iter().map(Into::into).collect(),
            series: o
                .series
                .into_iter()
                .map(|p| MonthOut {
                    month: p.month,
                    found: p.found,
                    cleared: p.cleared,
                    carried: p.carried,
                })
                .collect(),
        }
    }
}

/// 清理前后的数字：按社区、街道、主管部门，以及近 12 个月的变化。范围同列表。
#[utoipa::path(get, path = "/api/v1/inventory/counts", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, body = CountsOut), (status = 403, body = ErrorBody)))]
pub async fn inventory_counts(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<CountsOut>, ApiError> {
    Ok(Json(app.inventory_overview(&caller.actor).await?.into()))
}
