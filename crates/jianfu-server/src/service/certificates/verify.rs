//! Public verification (no login): a certificate's number and code give its status and masked
//! data, with the seal-log proof; wrong codes are limited per client.

use super::{full_name_in, rejected, sha256_hex};
use crate::service::{App, RequestMeta, ServiceError};
use jianfu_domain::certificate::codes;
use jianfu_domain::verify_limit::{self, ClientFailures, Verdict};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// What public verification tells: genuine or not, valid or revoked, masked data only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifiedCertificate {
    /// 证明编号。
    pub number: String,
    /// 证明名称。
    pub title: String,
    /// 出具社区。
    pub community_name: String,
    /// 开具日期（YYYY-MM-DD）。
    pub issued_on: String,
    /// 证明对象（已脱敏）。
    pub holder_masked: String,
    /// valid（有效）或 revoked（已作废）。
    pub status: String,
    /// 作废日期（北京时间），未作废为空。
    pub revoked_on: Option<String>,
    /// 作废原因。
    pub revoke_reason: Option<String>,
    /// 本次用印所在的登记簿：出具社区的代码；`seal` 为分社区前的区用印登记簿。
    pub seal_log: String,
    /// 登记簿的名称，例如“清源街道枣园社区用印登记簿”。
    pub seal_register: String,
    /// 本次用印在所在登记簿中的序号。
    pub seal_seq: i64,
    /// 这次用印纳入用印登记簿的证明：对照最新的区级签名检查点的 Merkle 包含证明，可离线复核。
    pub seal_proof: Option<SealProof>,
}

/// 用印记录的包含证明（只含哈希，不含个人信息）。
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealProof {
    /// covered（已纳入签名检查点）或 pending（尚未纳入，检查点每分钟签署一次）。
    pub state: String,
    /// 中文说明。
    pub message: String,
    /// 证明路径指向检查点的根哈希，且检查点签名有效。
    pub verified: bool,
    /// 哈希算法：sha256 或 sm3。
    pub hash_alg: String,
    /// 叶子在所在登记簿中的序号（从 0 开始）与叶子哈希。
    pub leaf_index: i64,
    pub leaf_hash: String,
    /// RFC 6962 审计路径：从叶子向上到所在登记簿的根的兄弟节点哈希。
    pub path: Vec<String>,
    /// 检查点承诺的所在登记簿链头：记录条数、默克尔根、最后一条的链哈希。
    pub log_size: Option<i64>,
    pub log_root: Option<String>,
    pub log_head_hash: Option<String>,
    /// 链头叶子在检查点各链头中的序号（从 0 开始）、链头总数（即登记簿本数）与审计路径。
    pub head_index: Option<i64>,
    pub head_count: Option<i64>,
    pub head_path: Vec<String>,
    /// 检查点覆盖的记录条数、根哈希、签署时间（毫秒时间戳）、签名（十六进制）。
    pub checkpoint_size: Option<i64>,
    pub checkpoint_root: Option<String>,
    pub checkpoint_signed_at: Option<i64>,
    pub checkpoint_signature: Option<String>,
    /// 区级签名公钥（Ed25519，十六进制）及其指纹。
    pub public_key: Option<String>,
    pub key_fingerprint: Option<String>,
}

/// Wrong verification codes per client (`jianfu_domain::verify_limit`), in memory. A restart
/// forgets them, which only gives a guesser a few more tries out of 2^40. There is no count per
/// certificate number: nobody can lock a holder out by guessing at their number.
#[derive(Default)]
pub struct VerifyLimiter {
    state: Mutex<HashMap<String, ClientFailures>>,
}

impl VerifyLimiter {
    const MAX_CLIENTS: usize = 100_000;

    fn check(&self, client: &str, now: i64) -> Verdict {
        self.check_under(verify_limit::PER_CLIENT, client, now)
    }

    fn fail(&self, client: &str, now: i64) {
        self.fail_under(verify_limit::PER_CLIENT, client, now)
    }

    /// Whether `client` may try now under `limit`.
    pub(crate) fn check_under(
        &self,
        limit: verify_limit::VerifyLimit,
        client: &str,
        now: i64,
    ) -> Verdict {
        let map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        limit.check(map.get(client).copied().unwrap_or_default(), now)
    }

    /// Records a wrong code from `client` under `limit`.
    pub(crate) fn fail_under(&self, limit: verify_limit::VerifyLimit, client: &str, now: i64) {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Forget clients that are not stopped, so the map cannot grow without bound.
        if map.len() >= Self::MAX_CLIENTS {
            map.retain(|_, s| s.throttled_until.is_some_and(|u| u > now));
        }
        let s = map.get(client).copied().unwrap_or_default();
        map.insert(client.to_string(), limit.after_failure(s, now));
    }
}

/// A certificate's seal entry: its log, its number there, and the certificate's number (the proof
/// holds only for the certificate the entry names).
type EntryKey = (String, i64, String);

/// Verified seal-log proofs recently shown by public verification. A proof against a signed
/// checkpoint stays true; it is re-read after a short time only so that a newer checkpoint is
/// picked up. Saves three queries and a signature check per request.
#[derive(Default)]
pub struct ProofCache {
    proofs: Mutex<HashMap<EntryKey, (i64, Option<SealProof>)>>,
}

impl ProofCache {
    const TTL_MS: i64 = 15_000;
    const MAX: usize = 50_000;

    fn get(&self, key: &EntryKey, now: i64) -> Option<Option<SealProof>> {
        let map = self.proofs.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(at, _)| now >= *at && now - at < Self::TTL_MS)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, key: EntryKey, now: i64, proof: Option<SealProof>) {
        let mut map = self.proofs.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.retain(|_, (at, _)| now >= *at && now - *at < Self::TTL_MS);
            if map.len() >= Self::MAX {
                map.clear();
            }
        }
        map.insert(key, (now, proof));
    }
}

impl App {
    /// Public verification: genuine, valid or revoked, masked data. Wrong codes are limited per
    /// client and per number; an unknown number and a wrong code get the same answer.
    pub async fn verify_certificate(
        &self,
        meta: &RequestMeta,
        number: &str,
        code: &str,
    ) -> Result<VerifiedCertificate, ServiceError> {
        let now = self.now_ms();
        // One spelling per certificate (full-width digits, spaces and case folded), so variant
        // spellings neither fail a right code nor dodge the per-number limit; a number that
        // does not parse only counts against the client.
        let parsed = codes::parse_certificate_number(number).map(|n| n.to_string());
        let client = verify_limit::client_key(meta.client_addr.as_deref().unwrap_or("?"));
        if let Verdict::Throttled { until } = self.verify_limiter.check(&client, now) {
            let minutes = ((until - now) as f64 / 60_000.0).ceil().max(1.0) as i64;
            return Err(ServiceError::RateLimited(format!(
                "您输入错误的核验码次数过多，请 {minutes} 分钟后再试。如证明确有疑问，请联系出具证明的社区。"
            )));
        }
        let wrong = || {
            rejected(
                "verification_failed",
                "证明编号或核验码不正确。请核对证明最下方左侧、二维码右边的编号和核验码（核验码 8 位，字母不区分大小写）；\
                 多次输入错误将被暂时限制。",
            )
        };
        if number.trim().is_empty() || code.trim().is_empty() {
            return Err(rejected(
                "verification_input_missing",
                "请填写证明编号和核验码",
            ));
        }
        let normalized = codes::normalize_verify_code(code);
        let found = match (&normalized, &parsed) {
            (Some(_), Some(n)) => self.stored_certificate(n).await?,
            _ => None,
        };
        let genuine = match (&found, &normalized) {
            (Some(c), Some(n)) => {
                // Constant time: timing must not tell how much of a guess was right.
                subtle::ConstantTimeEq::ct_eq(
                    c.verify_code_hash.as_bytes(),
                    sha256_hex(n.as_bytes()).as_bytes(),
                )
                .into()
            }
            _ => false,
        };
        let Some(c) = found.filter(|_| genuine) else {
            self.verify_limiter.fail(&client, now);
            return Err(wrong());
        };
        let community_name = full_name_in(&*self.org_tree().await?, &c.community_code);
        let seal_register = if c.seal_log == jianfu_domain::seal::LEGACY_LOG {
            "区用印登记簿（分社区前）".to_string()
        } else {
            format!("{community_name}用印登记簿")
        };
        Ok(VerifiedCertificate {
            number: c.number.clone(),
            title: c.title.clone(),
            community_name,
            issued_on: c.issued_on.clone(),
            holder_masked: c.holder_masked.clone(),
            status: c.status.clone(),
            revoked_on: c.revoked_at.map(|ms| {
                jianfu_domain::clock::format_beijing(ms)
                    .chars()
                    .take(10)
                    .collect()
            }),
            revoke_reason: c.revoke_reason.clone(),
            seal_proof: self
                .public_seal_proof(&c.seal_log, c.seal_seq, &c.number, now)
                .await?,
            seal_log: c.seal_log,
            seal_register,
            seal_seq: c.seal_seq,
        })
    }

    /// The seal-log proof shown with a verified certificate, from the short-lived cache.
    async fn public_seal_proof(
        &self,
        log: &str,
        seq: i64,
        number: &str,
        now: i64,
    ) -> Result<Option<SealProof>, ServiceError> {
        let key = (log.to_string(), seq, number.to_string());
        if let Some(p) = self.proof_cache.get(&key, now) {
            return Ok(p);
        }
        let to_public = |p: crate::service::seal::InclusionProofView| SealProof {
            state: match p.state {
                crate::service::seal::ProofState::Covered => "covered",
                crate::service::seal::ProofState::Pending => "pending",
            }
            .into(),
            message: p.message,
            verified: p.verified,
            hash_alg: p.hash_alg.as_str().into(),
            leaf_index: p.leaf_index,
            leaf_hash: p.leaf_hash,
            path: p.path,
            log_size: p.head.as_ref().map(|h| h.size),
            log_root: p.head.as_ref().map(|h| h.root.clone()),
            log_head_hash: p.head.map(|h| h.hash),
            head_index: p.head_index,
            head_count: p.head_count,
            head_path: p.head_path,
            checkpoint_size: p.checkpoint.as_ref().map(|c| c.size),
            checkpoint_root: p.checkpoint.as_ref().map(|c| c.root.clone()),
            checkpoint_signed_at: p.checkpoint.as_ref().map(|c| c.signed_at),
            checkpoint_signature: p.checkpoint.as_ref().map(|c| c.signature.clone()),
            public_key: p.key.as_ref().map(|k| k.public_key.clone()),
            key_fingerprint: p.key.map(|k| k.fingerprint),
        };
        let subject = format!("certificate:{number}");
        let p = self
            .seal_inclusion_proof_for(log, seq, Some(&subject))
            .await?
            .map(to_public);
        // Only settled answers are kept: a pending entry must show its proof as soon as the next
        // checkpoint is signed, and a mismatch must never be hidden behind a cached success.
        if let Some(proof) = p.as_ref().filter(|p| p.state == "covered" && p.verified) {
            self.proof_cache.put(key, now, Some(proof.clone()));
        }
        Ok(p)
    }
}
