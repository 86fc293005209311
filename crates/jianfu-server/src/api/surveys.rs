//! 居民满意度调查 API. The district builds and publishes questionnaires, streets print household
//! codes (a PDF), staff read results within their scope; residents fetch a community's
//! questionnaire and answer it with a household code and no token.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::surveys::{DraftEdit, ResultsView, SurveyView, TextsView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jianfu_domain::survey::results::SatisfactionScore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_surveys, create_survey))
        .routes(routes!(get_survey))
        .routes(routes!(edit_survey))
        .routes(routes!(publish_survey))
        .routes(routes!(print_codes))
        .routes(routes!(void_codes))
        .routes(routes!(survey_results))
        .routes(routes!(public_survey))
        .routes(routes!(answer_survey))
}

/// 一道题。
#[derive(Serialize, ToSchema)]
pub struct SurveyQuestionOut {
    pub number: usize,
    pub text: String,
    /// `single`（单选）| `multiple`（多选）| `rating`（满意度评分）| `text`（意见建议）。
    pub kind: String,
    /// 选择题的选项；作答时提交选项序号（从 0 开始）。
    pub options: Vec<String>,
    /// 评分题的最高分（1 = 很不满意）。
    pub scale: u8,
    pub required: bool,
    /// 显示条件“题号-选项号”（都从 1 开始），如 `1-1` 表示第 1 题选第 1 项时才问。
    pub show_if: Option<String>,
}

/// 一份问卷（一个版本）。
#[derive(Serialize, ToSchema)]
pub struct SurveyOut {
    pub id: String,
    /// 同一问卷各版本共用的编号。
    pub series: String,
    pub version: i64,
    pub title: String,
    pub intro: String,
    /// `draft`（草稿）| `scheduled`（已发布未开始）| `open`（填写中）| `closed`（已结束，结果公开）。
    pub phase: String,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    /// 修改草稿时带上，页面过期则返回 `survey_changed`。
    pub revision: i64,
    pub questions: Vec<SurveyQuestionOut>,
}

impl From<SurveyView> for SurveyOut {
    fn from(s: SurveyView) -> Self {
        Self {
            questions: s
                .questionnaire
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| SurveyQuestionOut {
                    number: i + 1,
                    text: q.text.clone(),
                    kind: q.kind.as_str().into(),
                    options: q.options.clone(),
                    scale: q.scale,
                    required: q.required,
                    show_if: q
                        .show_if
                        .map(|c| format!("{}-{}", c.question + 1, c.option + 1)),
                })
                .collect(),
            id: s.id,
            series: s.series,
            version: s.version,
            title: s.questionnaire.title,
            intro: s.questionnaire.intro,
            phase: s.phase.as_str().into(),
            opens_on: s.opens_on,
            closes_on: s.closes_on,
            revision: s.revision,
        }
    }
}

/// 问卷列表（区社会办、街道、社区、督查）。
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = Vec<SurveyOut>), (status = 403, body = ErrorBody)))]
pub async fn list_surveys(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<SurveyOut>>, ApiError> {
    use jianfu_domain::permission::Permission::*;
    let a = &caller.actor;
    if !(a.may(ManageSurveys) || a.may(PrintSurveyCodes) || a.may(ViewSurveyResults)) {
        return Err(crate::service::ServiceError::Forbidden.into());
    }
    let manager = a.may(ManageSurveys);
    Ok(Json(
        app.surveys()
            .await?
            .into_iter()
            .filter(|s| manager || s.phase != jianfu_domain::survey::Phase::Draft)
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SurveyCreateRequest {
    /// 要修订的已发布问卷 id（另起新版本）；不填则从标准模板新建。
    #[serde(default)]
    pub revise: Option<String>,
}

/// 新建问卷草稿（区社会办）：从标准模板开始，或复制已发布问卷另起新版本。
///
/// 错误码：`still_a_draft`、`unknown_survey`（`revise` 指向的问卷不存在）。
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    request_body = SurveyCreateRequest,
    responses((status = 201, body = SurveyOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_survey(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<SurveyCreateRequest>,
) -> Result<(StatusCode, Json<SurveyOut>), ApiError> {
    let s = app
        .create_survey(&caller.actor, &meta, r.revise.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

/// 一份问卷。
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id")),
    responses((status = 200, body = SurveyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_survey(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SurveyOut>, ApiError> {
    use jianfu_domain::permission::Permission::*;
    let a = &caller.actor;
    if !(a.may(ManageSurveys) || a.may(PrintSurveyCodes) || a.may(ViewSurveyResults)) {
        return Err(crate::service::ServiceError::Forbidden.into());
    }
    let s = app.survey(&id).await?;
    if s.phase == jianfu_domain::survey::Phase::Draft && !a.may(ManageSurveys) {
        return Err(crate::service::ServiceError::NotFound("该问卷不存在".into()).into());
    }
    Ok(Json(s.into()))
}

/// 对草稿的一次修改。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyEditRequest {
    /// 读到的 `revision`。
    pub revision: i64,
    /// `heading`（名称和说明）| `add`（添加一道题）| `remove`（删除第 number 题）| `up`（第 number 题上移）。
    pub action: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    /// 新题的题目。
    #[serde(default)]
    pub text: String,
    /// 新题的题型：`single`、`multiple`、`rating`、`text`。
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
    /// 评分档数（3–10，默认 5）。
    #[serde(default)]
    pub scale: Option<u8>,
    #[serde(default)]
    pub required: bool,
    /// 显示条件“题号-选项号”，如 `1-1`。
    #[serde(default)]
    pub show_if: String,
    #[serde(default)]
    pub number: usize,
}

/// 修改问卷草稿（区社会办）。已发布的问卷不能修改（`survey_published`），需另起新版本。
///
/// 错误码：`survey_changed`、`survey_published`、`unknown_action`、`title_missing`、`unknown_question_kind`、`too_few_options`、`too_many_options`、`duplicate_option`、`scale_out_of_range`、`bad_condition`、`unknown_question`、`question_has_followups`、`too_many_questions`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/surveys/{id}/edits", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id")), request_body = SurveyEditRequest,
    responses((status = 200, body = SurveyOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_survey(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<SurveyEditRequest>,
) -> Result<Json<SurveyOut>, ApiError> {
    let edit = match r.action.as_str() {
        "heading" => DraftEdit::Heading {
            title: r.title,
            intro: r.intro,
        },
        "add" => DraftEdit::Add {
            text: r.text,
            kind: r.kind,
            options: r.options.join("\n"),
            scale: r.scale.map(|s| s.to_string()).unwrap_or_default(),
            required: r.required,
            show_if: r.show_if,
        },
        "remove" => DraftEdit::Remove(r.number),
        "up" => DraftEdit::MoveUp(r.number),
        _ => {
            return Err(crate::service::ServiceError::Rejected {
                code: "unknown_action",
                message: "action 只能是 heading、add、remove 或 up。".into(),
            }
            .into());
        }
    };
    let s = app
        .edit_survey(&caller.actor, &meta, &id, r.revision, &edit)
        .await?;
    Ok(Json(s.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyPublishRequest {
    pub revision: i64,
    /// 开始日期（含），如 `2026-12-01`。
    pub opens_on: String,
    /// 结束日期（含）；最长开放 92 天。
    pub closes_on: String,
}

/// 发布问卷（区社会办）。发布后题目冻结；至少要有一道满意度评分题。
///
/// 错误码：`survey_changed`、`survey_published`、`no_questions`、`no_rating_question`、`title_too_long_for_slip`、`bad_date`、`closes_before_opening`、`closes_in_the_past`、`open_too_long`。
#[utoipa::path(post, path = "/api/v1/surveys/{id}/publish", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id")), request_body = SurveyPublishRequest,
    responses((status = 200, body = SurveyOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_survey(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<SurveyPublishRequest>,
) -> Result<Json<SurveyOut>, ApiError> {
    let s = app
        .publish_survey(
            &caller.actor,
            &meta,
            &id,
            r.revision,
            &r.opens_on,
            &r.closes_on,
        )
        .await?;
    Ok(Json(s.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyCodesRequest {
    /// 社区机构代码。
    pub community: String,
    /// 张数 1–2000（按户数）。
    pub count: u32,
}

/// 打印一批入户码（街道、区社会办；被评价的社区不能打印）：返回 PDF，每页 10 张纸条。码只在这份 PDF 里出现一次，系统只存摘要。
///
/// 错误码：`survey_not_open`、`bad_code_count`、`slip_text_does_not_fit`、`unknown_community`（社区不存在或不在权限范围内）。
#[utoipa::path(post, path = "/api/v1/surveys/{id}/codes", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id")), request_body = SurveyCodesRequest,
    responses((status = 200, content_type = "application/pdf", description = "入户码纸条 PDF"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn print_codes(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<SurveyCodesRequest>,
) -> Result<Response, ApiError> {
    let pdf = app
        .print_survey_codes(
            &caller.actor,
            &meta,
            &id,
            &r.community,
            &r.count.to_string(),
        )
        .await?;
    Ok(file_response(
        "application/pdf",
        Disposition::Attachment,
        &pdf.filename,
        pdf.bytes,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyVoidRequest {
    pub community: String,
    pub batch: i64,
}

/// 作废一批入户码中未使用的码（纸条丢失或未发出）。
///
/// 错误码：`batch_not_found`、`survey_closed`、`unknown_community`（社区不存在或不在权限范围内）。
#[utoipa::path(post, path = "/api/v1/surveys/{id}/codes/void", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id")), request_body = SurveyVoidRequest,
    responses((status = 204, description = "已作废"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn void_codes(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<SurveyVoidRequest>,
) -> Result<StatusCode, ApiError> {
    app.void_survey_codes(&caller.actor, &meta, &id, &r.community, r.batch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SurveySatisfactionOut {
    /// 有评分的答卷数。
    pub n: u64,
    /// 满意度得分 0–100。
    pub mean: f64,
    /// 95% 置信区间。
    pub low: f64,
    pub high: f64,
    /// 评分答卷不少于 30 份，足以评判。
    pub enough: bool,
}

impl From<SatisfactionScore> for SurveySatisfactionOut {
    fn from(s: SatisfactionScore) -> Self {
        Self {
            n: s.n,
            mean: s.mean,
            low: s.low,
            high: s.high,
            enough: s.enough,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SurveyShareOut {
    pub label: String,
    pub count: u64,
    pub percent: f64,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyQuestionResultOut {
    pub number: usize,
    pub text: String,
    pub kind: String,
    pub answered: u64,
    pub rows: Vec<SurveyShareOut>,
    /// 评分题的得分 0–100。
    pub score: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyCommunityResultOut {
    pub code: String,
    pub name: String,
    pub responses: u64,
    pub issued: u64,
    pub response_rate: Option<f64>,
    pub satisfaction: Option<SurveySatisfactionOut>,
    pub suppressed: bool,
}

/// 意见建议：本社区看全文（`answers`），其他人只看条数和反复出现的词（`terms`）。
#[derive(Serialize, ToSchema)]
pub struct SurveyTextAnswersOut {
    pub number: usize,
    pub text: String,
    pub count: u64,
    pub answers: Option<Vec<String>>,
    pub terms: Option<BTreeMap<String, u64>>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyResultsOut {
    pub survey_id: String,
    pub scope_name: String,
    pub community: Option<String>,
    /// 调查已结束、结果公开；进行中只有回收情况。
    pub open: bool,
    pub responses: u64,
    pub issued: u64,
    pub response_rate: Option<f64>,
    /// 没有可显示的分布（调查未结束，或没有答卷满 5 份的社区）。
    pub suppressed: bool,
    /// 来自答卷不足 5 份的社区、未计入分布和得分的答卷数。
    pub left_out: u64,
    pub satisfaction: Option<SurveySatisfactionOut>,
    pub questions: Vec<SurveyQuestionResultOut>,
    pub communities: Vec<SurveyCommunityResultOut>,
    pub texts: Vec<SurveyTextAnswersOut>,
}

impl From<ResultsView> for SurveyResultsOut {
    fn from(v: ResultsView) -> Self {
        let texts = match v.texts {
            Some(TextsView::Full { questions }) => questions
                .into_iter()
                .map(|(number, text, answers)| SurveyTextAnswersOut {
                    number,
                    text,
                    count: answers.len() as u64,
                    answers: Some(answers),
                    terms: None,
                })
                .collect(),
            Some(TextsView::Summary { questions }) => questions
                .into_iter()
                .map(|(number, text, s)| SurveyTextAnswersOut {
                    number,
                    text,
                    count: s.count,
                    answers: None,
                    terms: Some(s.terms.into_iter().collect()),
                })
                .collect(),
            None => Vec::new(),
        };
        Self {
            survey_id: v.survey.id,
            scope_name: v.scope_name,
            community: v.community,
            open: v.open,
            responses: v.responses,
            issued: v.issued,
            response_rate: v.response_rate,
            left_out: v.left_out,
            suppressed: v.results.questions.is_empty(),
            satisfaction: v.results.satisfaction.map(Into::into),
            questions: v
                .results
                .questions
                .into_iter()
                .map(|q| SurveyQuestionResultOut {
                    number: q.number,
                    text: q.text,
                    kind: q.kind.as_str().into(),
                    answered: q.answered,
                    rows: q
                        .rows
                        .into_iter()
                        .map(|r| SurveyShareOut {
                            label: r.label,
                            count: r.count,
                            percent: r.percent,
                        })
                        .collect(),
                    score: q.score,
                })
                .collect(),
            communities: v
                .lines
                .into_iter()
                .map(|l| SurveyCommunityResultOut {
                    code: l.code,
                    name: l.name,
                    responses: l.responses,
                    issued: l.issued,
                    response_rate: l.response_rate,
                    satisfaction: l.satisfaction.map(Into::into),
                    suppressed: l.suppressed,
                })
                .collect(),
            texts,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ResultsParams {
    /// 只看一个社区（机构代码）；不填为权限范围内全部。
    pub community: Option<String>,
}

/// 调查结果（社区、街道、区社会办、督查，按权限范围）：调查结束后才有分布和得分；少于 5 份答卷的群体不显示；意见原文只对本社区。
///
/// 错误码：`survey_draft`、`unknown_community`（社区不存在或不在权限范围内）。
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", security(("bearer" = [])),
    params(("id" = String, Path, description = "问卷 id"), ResultsParams),
    responses((status = 200, body = SurveyResultsOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn survey_results(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<ResultsParams>,
) -> Result<Json<SurveyResultsOut>, ApiError> {
    let v = app
        .survey_results(&caller.actor, &id, p.community.as_deref())
        .await?;
    Ok(Json(v.into()))
}

/// 居民填写用的问卷（公开，无需令牌）。
#[utoipa::path(get, path = "/api/v1/public/surveys/{id}/{community}", tag = "surveys",
    params(("id" = String, Path, description = "问卷 id"), ("community" = String, Path, description = "社区机构代码")),
    responses((status = 200, body = SurveyOut), (status = 404, body = ErrorBody)))]
pub async fn public_survey(
    State(app): State<App>,
    ApiPath((id, community)): ApiPath<(String, String)>,
) -> Result<Json<SurveyOut>, ApiError> {
    Ok(Json(
        app.survey_answer_form(&id, &community).await?.survey.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswerRequest {
    /// 纸条上的入户码，如 `7KQ2-M9XD`。
    pub code: String,
    /// 客户端为这次填写生成的随机串（同一份答卷重发时不变），重发不会重复计入。
    pub nonce: String,
    /// 按题号作答：`{"q1": ["0"], "q3": ["5"], "q6": ["0", "2"], "q7": ["意见"]}`；选择题填选项序号（从 0 开始），评分题填分数。
    #[serde(default)]
    pub answers: BTreeMap<String, Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyAnswerOut {
    /// 这份答卷此前已计入（同一入户码和 nonce 重发）。
    pub again: bool,
}

/// 提交答卷（公开，无需令牌；入户码即凭证）。入户码核销与计入答卷在同一事务内；不记录 IP、账号和时刻（答卷没有审计记录，它会带上精确时间）。
///
/// 错误码：`survey_not_open`、`code_malformed`、`code_invalid`、`code_unknown`、`code_spent`、`code_voided`、`nonce_missing`、`answer_required`、`answer_out_of_range`、`one_value_only`、`unknown_question`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/public/surveys/{id}/{community}", tag = "surveys",
    params(("id" = String, Path, description = "问卷 id"), ("community" = String, Path, description = "社区机构代码")),
    request_body = SurveyAnswerRequest,
    responses((status = 201, body = SurveyAnswerOut, description = "已计入"), (status = 200, body = SurveyAnswerOut, description = "此前已计入，未重复计"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn answer_survey(
    State(app): State<App>,
    meta: RequestMeta,
    ApiPath((id, community)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<SurveyAnswerRequest>,
) -> Result<(StatusCode, Json<SurveyAnswerOut>), ApiError> {
    let fields: Vec<(String, String)> = r
        .answers
        .into_iter()
        .flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v)))
        .collect();
    let done = app
        .submit_survey_answer(&meta, &id, &community, &r.code, &r.nonce, &fields)
        .await?;
    let status = if done.again {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(SurveyAnswerOut { again: done.again })))
}
