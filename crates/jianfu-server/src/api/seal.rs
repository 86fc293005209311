//! 用印登记 API: the latest signed checkpoint and inclusion proofs (public), the log in the
//! caller's scope, and recording a use of the seal for a work document (the director).

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::seal::{
    CheckpointView, InclusionProofView, NewSealUse, ProofState, SealEntryView, SealPublicKey,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jianfu_domain::seal::checkpoint::CheckpointLog;
use jianfu_domain::seal::{Checkpoint, LEGACY_LOG, LogHead};
use jianfu_store::SealCursor;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(latest_checkpoint))
        .routes(routes!(list_entries, record_entry))
        .routes(routes!(inclusion_proof))
        .routes(routes!(legacy_inclusion_proof))
}

/// 区级签名检查点：区级密钥对“各社区用印登记簿链头的默克尔根”的签名（分社区前的检查点是对区登记簿前 size 条记录的默克尔根的签名）。
#[derive(Serialize, ToSchema)]
pub struct CheckpointOut {
    /// `seal_logs`：承诺各登记簿的链头（见 heads）；`seal`：分社区前，只承诺区登记簿。
    pub log: String,
    /// 检查点覆盖的记录条数（各登记簿之和）。
    pub size: i64,
    /// 默克尔根（RFC 6962，十六进制）。
    pub root: String,
    /// `sha256` 或 `sm3`。
    pub hash_alg: String,
    /// 签署时间，毫秒时间戳。
    pub signed_at: i64,
    /// 签名密钥标识，例如 `ed25519:3f2a…`。
    pub key_id: String,
    /// Ed25519 签名（十六进制），签名内容见文档 docs/seal.md。
    pub signature: String,
}

impl From<Checkpoint> for CheckpointOut {
    fn from(c: Checkpoint) -> Self {
        Self {
            log: match c.log {
                CheckpointLog::Seal => "seal",
                CheckpointLog::Audit => "audit",
                CheckpointLog::SealLogs => "seal_logs",
            }
            .into(),
            size: c.size,
            root: c.root,
            hash_alg: c.hash_alg.as_str().into(),
            signed_at: c.signed_at,
            key_id: c.key_id,
            signature: c.signature,
        }
    }
}

/// 检查点承诺的一本登记簿的链头。
#[derive(Serialize, ToSchema)]
pub struct LogHeadOut {
    /// 登记簿：社区代码；`seal` 为分社区前的区登记簿。
    pub log: String,
    /// 登记簿当时的记录条数。
    pub size: i64,
    /// 最后一条记录的链哈希。
    pub hash: String,
    /// 登记簿前 size 条记录的默克尔根。
    pub root: String,
}

impl From<LogHead> for LogHeadOut {
    fn from(h: LogHead) -> Self {
        Self {
            log: h.log,
            size: h.size,
            hash: h.hash,
            root: h.root,
        }
    }
}

/// 区级签名公钥。
#[derive(Serialize, ToSchema)]
pub struct PublicKeyOut {
    /// Ed25519 公钥，十六进制。
    pub public_key: String,
    pub key_id: String,
    /// 公钥的 SHA-256 指纹（四位一组），便于人工核对。
    pub fingerprint: String,
}

impl From<SealPublicKey> for PublicKeyOut {
    fn from(k: SealPublicKey) -> Self {
        Self {
            public_key: k.public_key,
            key_id: k.key_id,
            fingerprint: k.fingerprint,
        }
    }
}

/// 最新检查点和公钥。
#[derive(Serialize, ToSchema)]
pub struct CheckpointResponse {
    /// 还没有签署过检查点时为 null。
    pub checkpoint: Option<CheckpointOut>,
    /// 尚未生成密钥时为 null。
    pub public_key: Option<PublicKeyOut>,
    /// 检查点承诺的各登记簿链头，按登记簿排序（分社区前的检查点为 null）。
    pub heads: Option<Vec<LogHeadOut>>,
    /// 各登记簿当前的记录条数之和（检查点每分钟更新，可能稍落后）。
    pub log_size: i64,
    /// 当前有记录的登记簿本数。
    pub logs: usize,
}

impl From<CheckpointView> for CheckpointResponse {
    fn from(v: CheckpointView) -> Self {
        Self {
            checkpoint: v.checkpoint.map(Into::into),
            public_key: v.key.map(Into::into),
            heads: v.heads.map(|h| h.into_iter().map(Into::into).collect()),
            log_size: v.log_size,
            logs: v.logs,
        }
    }
}

/// 一条用印记录。申请人和联系方式只对本社区书记（主任）完整显示，其他人看到的是遮盖后的内容；按保存期限删除后为空。
#[derive(Serialize, ToSchema)]
pub struct SealEntryOut {
    /// 所在登记簿：社区代码；`seal` 为分社区前的区登记簿。
    pub log: String,
    /// 在所在登记簿中的序号，从 1 起连续。
    pub seq: i64,
    /// 用印时间，毫秒时间戳。
    pub used_at: i64,
    pub community: String,
    pub community_name: String,
    /// `certificate`（出具证明）或 `document`（工作用章）。
    pub kind: String,
    /// 所属对象，例如 `certificate:ZM110115001901-2026-000001`；工作用章为空。
    pub subject: String,
    /// 用印事由（文件名称）。
    pub content: String,
    pub copies: i64,
    /// 审批人用户名。
    pub approver: String,
    /// 经办人用户名。
    pub handler: String,
    pub applicant: String,
    pub contact: String,
    /// 申请人和联系方式是否经过遮盖。
    pub personal_masked: bool,
    /// 个人信息是否已按保存期限删除。
    pub personal_deleted: bool,
    /// 本条记录的链哈希（十六进制）。
    pub entry_hash: String,
}

impl From<SealEntryView> for SealEntryOut {
    fn from(e: SealEntryView) -> Self {
        Self {
            log: e.log,
            seq: e.seq,
            used_at: e.used_at,
            community: e.community,
            community_name: e.community_name,
            kind: e.kind,
            subject: e.subject,
            content: e.content,
            copies: e.copies,
            approver: e.approver,
            handler: e.handler,
            applicant: e.applicant,
            contact: e.contact,
            personal_masked: e.personal_masked,
            personal_deleted: e.personal_deleted,
            entry_hash: e.entry_hash,
        }
    }
}

/// 一页用印记录，最新在前。
#[derive(Serialize, ToSchema)]
pub struct SealPageOut {
    pub entries: Vec<SealEntryOut>,
    /// 下一页（更早的记录）的 `before` 参数；没有更早的记录时为 null。
    pub older: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 翻到更早的一页：上一页返回的 `older`，形如 `用印时间:登记簿:序号`。
    #[param(
        nullable = false,
        max_length = 100,
        pattern = "^[0-9]+:[0-9A-Za-z]+:[0-9]+$"
    )]
    pub before: Option<String>,
}

/// 登记一次工作用章。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSealEntryRequest {
    /// 用印事由（盖章文件的名称），不能为空，最多 500 字。
    #[schema(max_length = 500)]
    pub content: String,
    /// 份数，1 到 1000。
    #[schema(minimum = 1, maximum = 1000)]
    pub copies: i64,
    /// 经办人用户名：本社区的社区工作者或书记（主任）。
    pub handler: String,
    /// 申请人（个人或单位），选填，最多 50 字。
    #[serde(default)]
    #[schema(max_length = 50)]
    pub applicant: String,
    /// 联系方式，选填，最多 50 字。
    #[serde(default)]
    #[schema(max_length = 50)]
    pub contact: String,
}

/// 登记结果。
#[derive(Serialize, ToSchema)]
pub struct SealEntryCreated {
    /// 所在登记簿（本社区代码）。
    pub log: String,
    pub seq: i64,
    pub entry_hash: String,
}

/// 一条用印记录对最新检查点的包含证明（只含哈希，不含个人信息）。持有检查点和公钥的任何人都可以离线核验（RFC 9162 2.1.3.2）：由 `leaf_hash`、`leaf_index`、`path` 算出本登记簿的根，与 `head.root` 比较；再由 `head` 算出链头叶子（docs/seal.md），用 `head_index`、`head_count`、`head_path` 算出根，与检查点的 `root` 比较；最后用公钥核验检查点签名。分社区前的检查点没有 `head`，第一步算出的根直接与检查点的 `root` 比较。
#[derive(Serialize, ToSchema)]
pub struct InclusionProofOut {
    /// 所在登记簿：社区代码；`seal` 为分社区前的区登记簿。
    pub log: String,
    pub seq: i64,
    /// 叶子序号（从 0 起，即 seq − 1）。
    pub leaf_index: i64,
    pub leaf_hash: String,
    pub entry_hash: String,
    pub hash_alg: String,
    /// `covered`：已纳入签名检查点；`pending`：刚登记，尚未纳入（检查点每分钟签署一次）。
    pub state: String,
    pub checkpoint: Option<CheckpointOut>,
    pub public_key: Option<PublicKeyOut>,
    /// 审计路径：从叶子往上到本登记簿的根的兄弟节点哈希。
    pub path: Vec<String>,
    /// 检查点承诺的本登记簿链头。
    pub head: Option<LogHeadOut>,
    /// 链头叶子在检查点各链头中的序号（从 0 起）、链头总数。
    pub head_index: Option<i64>,
    pub head_count: Option<i64>,
    /// 从链头叶子往上到检查点的根的兄弟节点哈希。
    pub head_path: Vec<String>,
    /// 服务器已核验：路径通向检查点的根，且签名有效。
    pub verified: bool,
    /// 中文说明。
    pub message: String,
}

impl From<InclusionProofView> for InclusionProofOut {
    fn from(p: InclusionProofView) -> Self {
        Self {
            log: p.log,
            seq: p.seq,
            leaf_index: p.leaf_index,
            leaf_hash: p.leaf_hash,
            entry_hash: p.entry_hash,
            hash_alg: p.hash_alg.as_str().into(),
            state: match p.state {
                ProofState::Covered => "covered",
                ProofState::Pending => "pending",
            }
            .into(),
            checkpoint: p.checkpoint.map(Into::into),
            public_key: p.key.map(Into::into),
            path: p.path,
            head: p.head.map(Into::into),
            head_index: p.head_index,
            head_count: p.head_count,
            head_path: p.head_path,
            verified: p.verified,
            message: p.message,
        }
    }
}

/// 最新的区级签名检查点和公钥（公开，无需登录）。请把它抄存在系统之外：日后可凭它证明用印登记没有被整体改写。
#[utoipa::path(get, path = "/api/v1/seal/checkpoint", tag = "seal",
    responses((status = 200, body = CheckpointResponse)))]
pub async fn latest_checkpoint(
    State(app): State<App>,
) -> Result<Json<CheckpointResponse>, ApiError> {
    Ok(Json(app.seal_checkpoint_view().await?.into()))
}

/// 用印记录，最新在前，每页 50 条：社区工作者和书记（主任）看到本社区的，督查人员看到全区的。
#[utoipa::path(get, path = "/api/v1/seal/entries", tag = "seal", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = SealPageOut), (status = 403, body = ErrorBody)))]
pub async fn list_entries(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<SealPageOut>, ApiError> {
    let before = match p.before.as_deref() {
        None => None,
        Some(b) => Some(SealCursor::parse(b).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "查询参数无法读取，请检查写法：before 须为上一页返回的 older（用印时间:登记簿:序号）",
            )
        })?),
    };
    let page = app.seal_log(&caller.actor, before).await?;
    Ok(Json(SealPageOut {
        entries: page.entries.into_iter().map(Into::into).collect(),
        older: page.older,
    }))
}

/// 社区书记（主任）审批并登记一次工作用章（出具证明的用印由证明办理自动登记）。
///
/// 错误码：`blank_document`（事由为空：不能在空白文件上盖章）、`content_too_long`、`invalid_copies`、`unknown_handler`（经办人不是本社区的工作人员）、`applicant_too_long`、`contact_too_long`。
#[utoipa::path(post, path = "/api/v1/seal/entries", tag = "seal", security(("bearer" = [])),
    request_body = NewSealEntryRequest,
    responses((status = 201, body = SealEntryCreated), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn record_entry(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<NewSealEntryRequest>,
) -> Result<(StatusCode, Json<SealEntryCreated>), ApiError> {
    let input = NewSealUse {
        content: req.content,
        copies: req.copies.to_string(),
        handler: req.handler,
        applicant: req.applicant,
        contact: req.contact,
    };
    let e = app.record_seal_use(&caller.actor, &meta, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(SealEntryCreated {
            log: e.log,
            seq: e.seq,
            entry_hash: e.entry_hash,
        }),
    ))
}

/// 一条用印记录对最新检查点的包含证明（公开，无需登录；只含哈希）。
#[utoipa::path(get, path = "/api/v1/seal/logs/{log}/entries/{seq}/proof", tag = "seal",
    params(("log" = String, Path, description = "登记簿：社区代码，分社区前的区登记簿为 seal"),
           ("seq" = i64, Path, description = "用印记录在登记簿中的序号")),
    responses((status = 200, body = InclusionProofOut), (status = 404, body = ErrorBody)))]
pub async fn inclusion_proof(
    State(app): State<App>,
    ApiPath((log, seq)): ApiPath<(String, String)>,
) -> Result<Json<InclusionProofOut>, ApiError> {
    proof_of(&app, &log, &seq).await
}

/// 分社区前区登记簿中一条用印记录的包含证明（公开；等同于登记簿为 seal 的上一个接口）。
#[utoipa::path(get, path = "/api/v1/seal/entries/{seq}/proof", tag = "seal",
    params(("seq" = i64, Path, description = "用印记录在区登记簿（分社区前）中的序号")),
    responses((status = 200, body = InclusionProofOut), (status = 404, body = ErrorBody)))]
pub async fn legacy_inclusion_proof(
    State(app): State<App>,
    ApiPath(seq): ApiPath<String>,
) -> Result<Json<InclusionProofOut>, ApiError> {
    proof_of(&app, LEGACY_LOG, &seq).await
}

async fn proof_of(app: &App, log: &str, seq: &str) -> Result<Json<InclusionProofOut>, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这条用印记录");
    let seq: i64 = seq.trim().parse().map_err(|_| not_found())?;
    let log = log.trim();
    if log.is_empty() || log.len() > 64 || !log.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(not_found());
    }
    let proof = app
        .seal_inclusion_proof(log, seq)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(proof.into()))
}
