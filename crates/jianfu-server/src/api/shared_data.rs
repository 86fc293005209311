//! 一表通 API: the element register, a community's figures (entry, workbook import, history),
//! department reports computed from shared data, the change feed for department systems
//! (三(六) 数据资源共享), electronic ledgers and the burden figures.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::shared_data::feed::ChangeFeed;
use crate::service::shared_data::ledgers::{LedgerRecordOut, RecordResult};
use crate::service::shared_data::metrics::BurdenMetrics;
use crate::service::shared_data::{
    ElementInput, ElementView, EntryResult, EntrySheet, ProposalOutcome, ReportInput, ReportTable,
    ReportView, ValueInput,
};
use crate::service::{RequestMeta, ServiceError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_elements, propose_element))
        .routes(routes!(entry_sheet, enter_values))
        .routes(routes!(import_values))
        .routes(routes!(value_history))
        .routes(routes!(list_reports, define_report))
        .routes(routes!(generate_report))
        .routes(routes!(withdraw_report))
        .routes(routes!(changes))
        .routes(routes!(element_values))
        .routes(routes!(ledger_records, add_ledger_record))
        .routes(routes!(burden_metrics))
}

/// 所有数据元：在用的（内置登记和经审批准入的）及申请中的。
#[utoipa::path(get, path = "/api/v1/shared-data/elements", tag = "shared_data", security(("bearer" = [])),
    responses((status = 200, body = Vec<ElementView>), (status = 403, body = ErrorBody)))]
pub async fn list_elements(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ElementView>>, ApiError> {
    Ok(Json(app.element_views(&caller.actor).await?))
}

/// 申请新增数据元（部门、街道）：与已有数据元同名（换个说法也算）的拒绝（`element_duplicate`）；否则作为“信息采集”负担提交准入闸口（须经区级审批），名称或定义相近的数据元一并标出供审批人核对。审批准入后才能用于报表。
///
/// 错误码：`element_duplicate`、`element_name_required`、`element_definition_required`、`element_unit_required`、`invalid_value_type`、`invalid_period_type`、`invalid_aggregation`、`invalid_range`，以及准入申请的错误码（如 `legal_basis_invalid`）。
#[utoipa::path(post, path = "/api/v1/shared-data/elements", tag = "shared_data", security(("bearer" = [])),
    request_body = ElementInput,
    responses((status = 201, body = ProposalOutcome), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_element(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<ElementInput>,
) -> Result<(StatusCode, Json<ProposalOutcome>), ApiError> {
    let out = app.propose_element(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize, IntoParams)]
pub struct SharedPeriodParams {
    /// 统计期：按月 `2026-11`、按季度 `2026-Q4`、按年 `2026`；不填为本月。
    pub period: Option<String>,
}

/// 本社区某一期的填报表（社区工作者、书记）：每个数据元的本期数、修订号和上期数。
#[utoipa::path(get, path = "/api/v1/shared-data/entry", tag = "shared_data", security(("bearer" = [])),
    params(SharedPeriodParams),
    responses((status = 200, body = EntrySheet), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn entry_sheet(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedPeriodParams>,
) -> Result<Json<EntrySheet>, ApiError> {
    Ok(Json(
        app.entry_sheet(&caller.actor, p.period.as_deref()).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedEntryRequest {
    /// 统计期，如 `2026-11`。
    pub period: String,
    pub values: Vec<ValueInput>,
}

#[derive(Serialize, ToSchema)]
pub struct SharedEntrySaved {
    /// 写入（新填或更正）的项数。
    pub written: usize,
    /// 与已填的数相同、未改的项数。
    pub unchanged: usize,
}

/// Every problem the form shows at once, as one API error: the first one's code, every
/// message (an entry's figures and a ledger record's fields alike).
fn problems_error<'a>(problems: impl IntoIterator<Item = (&'static str, &'a str)>) -> ApiError {
    let (mut code, mut messages) = ("invalid_input", Vec::new());
    for (i, (c, m)) in problems.into_iter().enumerate() {
        if i == 0 {
            code = c;
        }
        messages.push(m);
    }
    ServiceError::Rejected {
        code,
        message: messages.join("；"),
    }
    .into()
}

fn entry_answer(r: EntryResult) -> Result<Json<SharedEntrySaved>, ApiError> {
    match r {
        EntryResult::Saved { written, unchanged } => {
            Ok(Json(SharedEntrySaved { written, unchanged }))
        }
        EntryResult::Problems(ps) => Err(problems_error(
            ps.iter().map(|p| (p.code, p.message.as_str())),
        )),
    }
}

/// 填报或更正本社区一期的数（社区工作者、书记）。每项每期只填一次；已填的数要改须写 `reason`（留痕）。全部检查通过才写入，一次写完，有一项不对则都不写。
///
/// 错误码：`unknown_element`、`wrong_period_type`、`not_a_number`、`not_whole`、`too_many_decimals`、`value_too_large`、`value_out_of_range`、`value_inconsistent`（如 60岁及以上老年人数大于常住人口数）、`correction_reason_required`、`duplicate_element`、`stale_value`（别人刚改过，请重新读取）、`invalid_period`。
#[utoipa::path(post, path = "/api/v1/shared-data/entry", tag = "shared_data", security(("bearer" = [])),
    request_body = SharedEntryRequest,
    responses((status = 200, body = SharedEntrySaved), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enter_values(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<SharedEntryRequest>,
) -> Result<Json<SharedEntrySaved>, ApiError> {
    entry_answer(
        app.enter_values(&caller.actor, &meta, &r.period, &r.values, "api")
            .await?,
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedImportRequest {
    pub period: String,
    /// .xlsx 工作簿或 CSV（UTF-8 或 GBK）的 Base64 编码，不超过 2 MB。表头须有“数值”和“代码”或“数据元”，可选“更正原因”“统计期”（与 `period` 相同）。
    pub file_base64: String,
}

/// 用表格导入本社区一期的数：与逐项填报同样检查，每个问题写明行号；有一行不对则整个文件都不写入。
///
/// 错误码：同填报，另有 `not_xlsx`、`xlsx_missing_column`、`xlsx_unknown_column`、`xlsx_merged_header`、`unknown_encoding`、`file_too_large`、`wrong_period`、`invalid_base64`。
#[utoipa::path(post, path = "/api/v1/shared-data/import", tag = "shared_data", security(("bearer" = [])),
    request_body = SharedImportRequest,
    responses((status = 200, body = SharedEntrySaved), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_values(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<SharedImportRequest>,
) -> Result<Json<SharedEntrySaved>, ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r.file_base64.trim())
        .map_err(|_| ServiceError::Rejected {
            code: "invalid_base64",
            message: "file_base64 不是有效的 Base64 编码。".into(),
        })?;
    entry_answer(
        app.import_values(&caller.actor, &meta, &r.period, &bytes)
            .await?,
    )
}

#[derive(Deserialize, IntoParams)]
pub struct SharedHistoryParams {
    /// 社区代码（不填为本社区）。
    pub community: Option<String>,
    /// 数据元代码（缺少时 422 `unknown_element`）。
    pub element: Option<String>,
    /// 统计期（缺少时 422 `invalid_period`）。
    pub period: Option<String>,
}

/// 一个数的填报与更正记录（谁、何时、从多少改为多少、原因），新的在前。
#[utoipa::path(get, path = "/api/v1/shared-data/history", tag = "shared_data", security(("bearer" = [])),
    params(SharedHistoryParams),
    responses((status = 200, body = Vec<crate::service::shared_data::feed::ChangeOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn value_history(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedHistoryParams>,
) -> Result<Json<Vec<crate::service::shared_data::feed::ChangeOut>>, ApiError> {
    let community = p
        .community
        .clone()
        .or_else(|| caller.actor.org.as_ref().map(|o| o.to_string()))
        .unwrap_or_default();
    let rows = app
        .value_history(
            &caller.actor,
            &community,
            p.element.as_deref().unwrap_or_default(),
            p.period.as_deref().unwrap_or_default(),
        )
        .await?;
    let reg = app.shared_elements().await?;
    Ok(Json(
        rows.iter()
            .map(|r| crate::service::shared_data::feed::change_out(r, &reg))
            .collect(),
    ))
}

/// 所有报表定义，新的在前。
#[utoipa::path(get, path = "/api/v1/shared-data/reports", tag = "shared_data", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportView>), (status = 403, body = ErrorBody)))]
pub async fn list_reports(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    Ok(Json(app.report_views(&caller.actor).await?))
}

/// 定义一张报表（部门、街道）：每列一个在用的数据元和汇总方式（`sum`、`count`、`average`、`latest`、`ratio`）。只能用在用的数据元，所以不向社区新要任何数（三(二)、三(六)）。
///
/// 错误码：`report_title_required`、`invalid_func`、`unknown_element`（没有人采集：先申请新增数据元）、`report_no_columns`、`report_too_many_columns`、`report_duplicate_label`、`report_no_denominator`、`report_denominator_period`。
#[utoipa::path(post, path = "/api/v1/shared-data/reports", tag = "shared_data", security(("bearer" = [])),
    request_body = ReportInput,
    responses((status = 201, body = ReportView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn define_report(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    let v = app.define_report(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize, IntoParams)]
pub struct SharedReportParams {
    /// 区、街道或社区代码（不填为调用者能看的最大范围）。
    pub org: Option<String>,
    /// 统计期（不填为报表统计期类型的上一期，即最近一个已结束的期）。
    pub period: Option<String>,
}

/// 生成报表：读取时从共享数据计算（一次汇总查询），带“数据截至”时间。区级每行一个街道，街道每行一个社区。
///
/// 错误码：`unknown_org`、`invalid_period`、`period_too_fine`（按年统计的数不能按月出）。
#[utoipa::path(get, path = "/api/v1/shared-data/reports/{code}", tag = "shared_data", security(("bearer" = [])),
    params(("code" = String, Path, description = "报表代码"), SharedReportParams),
    responses((status = 200, body = ReportTable), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn generate_report(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(p): ApiQuery<SharedReportParams>,
) -> Result<Json<ReportTable>, ApiError> {
    Ok(Json(
        app.generate_report(&caller.actor, &code, p.org.as_deref(), p.period.as_deref())
            .await?,
    ))
}

/// 停用本单位的一张报表。
#[utoipa::path(post, path = "/api/v1/shared-data/reports/{code}/withdraw", tag = "shared_data", security(("bearer" = [])),
    params(("code" = String, Path, description = "报表代码")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_report(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    app.withdraw_report(&caller.actor, &meta, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct SharedChangeParams {
    /// 上一次返回的 `next`；不填从头取。
    pub after: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// 数据共享（三(六)）：游标之后的填报和更正，旧的在前，供部门系统保持同步而不必重取全部。部门只取本部门主管的数据元和本部门报表用到的数据元；区级和督查取全部。最近 2 秒内的不返回（可能还在提交）。
///
/// 错误码：`invalid_cursor`。
#[utoipa::path(get, path = "/api/v1/shared-data/changes", tag = "shared_data", security(("bearer" = [])),
    params(SharedChangeParams),
    responses((status = 200, body = ChangeFeed), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn changes(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedChangeParams>,
) -> Result<Json<ChangeFeed>, ApiError> {
    Ok(Json(
        app.shared_data_changes(&caller.actor, p.after.as_deref(), p.limit)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct SharedValuesParams {
    /// 数据元代码或名称（缺少时 422 `unknown_element`）。
    pub element: Option<String>,
    /// 统计期，须是该数据元的统计期类型（如按月的写 `2026-11`；缺少时 422 `invalid_period`）。
    pub period: Option<String>,
    /// 区、街道或社区代码（不填为调用者能看的最大范围）。
    pub org: Option<String>,
}

/// 数据共享（三(六)）：一个数据元一期的数，逐个社区列出。部门只能取本部门主管的和本部门报表用到的数据元。
///
/// 错误码：`unknown_element`、`invalid_period`、`wrong_period_type`、`unknown_org`。
#[utoipa::path(get, path = "/api/v1/shared-data/values", tag = "shared_data", security(("bearer" = [])),
    params(SharedValuesParams),
    responses((status = 200, body = crate::service::shared_data::feed::ElementValues), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn element_values(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedValuesParams>,
) -> Result<Json<crate::service::shared_data::feed::ElementValues>, ApiError> {
    Ok(Json(
        app.element_values(
            &caller.actor,
            p.element.as_deref().unwrap_or_default(),
            p.period.as_deref().unwrap_or_default(),
            p.org.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct SharedLedgerParams {
    /// `visit` 走访记录、`mediation` 调解记录、`meeting` 会议记录；不填为全部。
    pub template: Option<String>,
    #[param(minimum = 0, maximum = 20000)]
    pub page: Option<i64>,
}

/// 本社区的电子台账记录（三(二)），新的在前，每页 50 条；总数在 `X-Total-Count`。
#[utoipa::path(get, path = "/api/v1/shared-data/ledgers", tag = "shared_data", security(("bearer" = [])),
    params(SharedLedgerParams),
    responses((status = 200, body = Vec<LedgerRecordOut>, headers(("X-Total-Count" = i64, description = "总条数"))), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ledger_records(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedLedgerParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<LedgerRecordOut>>), ApiError> {
    let (rows, total) = app
        .ledger_records(&caller.actor, p.template.as_deref(), p.page.unwrap_or(0))
        .await?;
    let mut h = axum::http::HeaderMap::new();
    h.insert("X-Total-Count", total.into());
    Ok((h, Json(rows)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerRecordRequest {
    pub template: String,
    /// 各栏内容：栏目键 → 文字（键见模板，如走访记录的 `date`、`who`、`by`、`matter`、`result`）。
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerRecordCreated {
    pub id: String,
}

/// 记一条电子台账（社区工作者、书记）。
///
/// 错误码：`unknown_template`、`required`、`invalid_date`、`not_a_number`、`unknown_option`、`text_too_long`、`control_character`、`line_break_not_allowed`。
#[utoipa::path(post, path = "/api/v1/shared-data/ledgers", tag = "shared_data", security(("bearer" = [])),
    request_body = LedgerRecordRequest,
    responses((status = 201, body = LedgerRecordCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_ledger_record(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<LedgerRecordRequest>,
) -> Result<(StatusCode, Json<LedgerRecordCreated>), ApiError> {
    match app
        .add_ledger_record(&caller.actor, &meta, &r.template, &r.fields)
        .await?
    {
        RecordResult::Saved(id) => Ok((StatusCode::CREATED, Json(LedgerRecordCreated { id }))),
        RecordResult::Problems(ps) => Err(problems_error(
            ps.iter().map(|p| (p.code, p.message.as_str())),
        )),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct SharedMonthParams {
    /// 月份，如 `2026-11`；不填为上月。
    pub month: Option<String>,
}

/// 一表通减负成效：一个月里社区填报的字段数、部门从共享数据得到的单元格数、复用比、替代的下派报表数，各单位和近 12 个月。
///
/// 错误码：`invalid_period`。
#[utoipa::path(get, path = "/api/v1/shared-data/burden", tag = "shared_data", security(("bearer" = [])),
    params(SharedMonthParams),
    responses((status = 200, body = BurdenMetrics), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn burden_metrics(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<SharedMonthParams>,
) -> Result<Json<BurdenMetrics>, ApiError> {
    Ok(Json(
        app.burden_metrics(&caller.actor, p.month.as_deref())
            .await?,
    ))
}
