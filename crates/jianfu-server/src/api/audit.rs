//! 审计检查点 API: the latest signed audit checkpoint, published (public) so that anyone can keep
//! a copy outside the system; `jianfu audit verify --checkpoint FILE` reads the same document.

use crate::App;
use crate::http::error::ApiError;
use crate::service::ServiceError;
use crate::service::audit::PublishedAuditCheckpoint;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(latest_checkpoint))
}

/// 审计签名检查点文件，与 `jianfu audit export-checkpoint` 导出的相同：存成文件即可用
/// `jianfu audit verify --checkpoint 文件` 校验。
#[derive(Serialize, ToSchema)]
pub struct AuditCheckpointOut {
    /// 固定为 `jianfu-audit-checkpoint`。
    pub format: String,
    pub checkpoint: SignedAuditCheckpoint,
    /// 检查点承诺的全部链头（按链排序），默克尔树的叶子。
    pub heads: Vec<ChainHeadOut>,
    /// 区级 Ed25519 公钥（十六进制）。
    pub public_key: String,
    /// 公钥指纹，分组书写，便于电话或纸面核对。
    pub fingerprint: String,
}

/// 区级密钥对“全部审计链链头的默克尔根”的签名。
#[derive(Serialize, ToSchema)]
pub struct SignedAuditCheckpoint {
    /// 固定为 `audit`（用印登记的检查点为 `seal`）。
    pub log: String,
    /// 全部链的记录数之和。
    pub size: i64,
    /// 链头默克尔根（RFC 6962，十六进制）。
    pub root: String,
    /// `sha256`。
    pub hash_alg: String,
    /// 签署时间，毫秒时间戳。
    pub signed_at: i64,
    /// 签名密钥标识，例如 `ed25519:3f2a…`。
    pub key_id: String,
    /// Ed25519 签名（十六进制），签名内容见 docs/seal.md。
    pub signature: String,
}

/// 一条审计链的链头。
#[derive(Serialize, ToSchema)]
pub struct ChainHeadOut {
    /// 链名：机构代码，或 `public`、`system`。
    pub chain: String,
    /// 这条链最后一条记录的序号。
    pub seq: i64,
    /// 这条链最后一条记录的哈希（十六进制）。
    pub hash: String,
}

impl From<PublishedAuditCheckpoint> for AuditCheckpointOut {
    fn from(p: PublishedAuditCheckpoint) -> Self {
        let c = p.checkpoint;
        Self {
            format: p.format,
            checkpoint: SignedAuditCheckpoint {
                log: "audit".into(),
                size: c.size,
                root: c.root,
                hash_alg: c.hash_alg.as_str().into(),
                signed_at: c.signed_at,
                key_id: c.key_id,
                signature: c.signature,
            },
            heads: p
                .heads
                .into_iter()
                .map(|h| ChainHeadOut {
                    chain: h.chain,
                    seq: h.seq,
                    hash: h.hash,
                })
                .collect(),
            public_key: p.public_key,
            fingerprint: p.fingerprint,
        }
    }
}

/// 最新的审计签名检查点（公开，无需登录）：区级密钥对全部审计链链头的签名，附链头清单和公钥。
/// 服务每分钟在有新审计记录时签一个。请与用印登记的检查点一起定期抄存在系统之外：日后
/// `jianfu audit verify --checkpoint 文件` 凭它发现检查点之前的任何改写、截断或整链删除。
/// 还没有检查点时返回 404 `not_found`。
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = AuditCheckpointOut)))]
pub async fn latest_checkpoint(
    State(app): State<App>,
) -> Result<Json<AuditCheckpointOut>, ApiError> {
    let p = app
        .published_audit_checkpoint()
        .await?
        .ok_or_else(|| ServiceError::NotFound("审计检查点（还没有签署过）".into()))?;
    Ok(Json(p.into()))
}
