//! Signed checkpoints over every community's log and the inclusion proofs shown with a
//! certificate. A checkpoint signs the root of a tree over the logs' heads
//! (`jianfu_domain::seal::heads`); an entry's proof climbs its own log to the head, then the head
//! to the signed root. Checkpoints signed before logs per community (over the legacy log alone)
//! still prove that log's entries with one level.

use super::{App, SealPublicKey, public_key_of};
use crate::service::{Actor, RequestMeta, ServiceError};
use jianfu_domain::seal::checkpoint::{self, Checkpoint, CheckpointLog, Ed25519Verifier};
use jianfu_domain::seal::hash::{Digest, parse_hex, to_hex};
use jianfu_domain::seal::heads::{self, NotExtending};
use jianfu_domain::seal::merkle::{self, Frontier, NodeRef};
use jianfu_domain::seal::{HashAlg, HeadsTree, LEGACY_LOG, LogHead, SealCheckpoint};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The latest checkpoint, checked, for a few seconds (see `latest_checkpoint_checked`); another
/// process's new checkpoint shows within that time.
#[derive(Default)]
pub struct CheckpointCache(std::sync::Mutex<Option<(i64, Option<Arc<CheckedCheckpoint>>)>>);

/// A checkpoint, whether its signature holds under the district's key, and the tree over its
/// heads (for proofs), whose root was compared with the signed one.
pub(super) struct CheckedCheckpoint {
    pub signed: SealCheckpoint,
    pub signature_ok: bool,
    /// `None` for a legacy checkpoint (no heads).
    pub tree: Option<HeadsTree>,
}

impl CheckedCheckpoint {
    fn heads_ok(&self) -> bool {
        self.tree
            .as_ref()
            .is_none_or(|t| t.root_hex() == self.signed.checkpoint.root && !t.has_duplicates())
    }
}

impl CheckpointCache {
    const TTL_MS: i64 = 5_000;

    fn get(&self, now: i64) -> Option<Option<Arc<CheckedCheckpoint>>> {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|(at, _)| now >= *at && now - at < Self::TTL_MS)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, now: i64, c: Option<Arc<CheckedCheckpoint>>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, c));
    }

    fn forget(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The latest checkpoint with the key that signed it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointView {
    pub checkpoint: Option<Checkpoint>,
    /// The logs' heads it commits to (absent for a checkpoint over the legacy log alone).
    pub heads: Option<Vec<LogHead>>,
    pub key: Option<SealPublicKey>,
    /// Entries in all logs now (the checkpoint may lag by up to a minute).
    pub log_size: i64,
    /// Logs (communities that have used their seal, and the legacy log) now.
    pub logs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofState {
    /// Covered by a signed checkpoint: the path proves inclusion.
    Covered,
    /// Recorded, but no checkpoint covers it yet (they are signed every minute).
    Pending,
}

/// An inclusion proof of one entry against the latest checkpoint that covers it. Contains hashes
/// only, no personal data: it may be shown to anyone.
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProofView {
    pub log: String,
    pub seq: i64,
    /// 0-based leaf index in its log (seq − 1).
    pub leaf_index: i64,
    pub leaf_hash: String,
    pub entry_hash: String,
    pub hash_alg: HashAlg,
    pub state: ProofState,
    pub checkpoint: Option<Checkpoint>,
    pub key: Option<SealPublicKey>,
    /// The log's head the checkpoint commits to: the path leads to its `root`.
    pub head: Option<LogHead>,
    /// Sibling hashes from the leaf up to the log's root (RFC 6962 audit path).
    pub path: Vec<String>,
    /// The head's leaf index among the checkpoint's heads, their number, and the path from the
    /// head's leaf up to the checkpoint's root. Absent for a legacy checkpoint, whose root is the
    /// legacy log's own.
    pub head_index: Option<i64>,
    pub head_count: Option<i64>,
    pub head_path: Vec<String>,
    /// Both paths lead to the checkpoint's root and the checkpoint's signature holds.
    pub verified: bool,
    /// What this means, in Chinese.
    pub message: String,
}

/// A checkpoint as exported for publishing (`jianfu seal export-checkpoint`), and as read back
/// by `jianfu seal verify --checkpoint`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedCheckpoint {
    pub format: String,
    pub checkpoint: Checkpoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heads: Option<Vec<LogHead>>,
    pub public_key: String,
    pub fingerprint: String,
}

pub const PUBLISHED_FORMAT: &str = "jianfu-seal-checkpoint";

fn corrupt(log: &str) -> ServiceError {
    ServiceError::Unavailable(format!(
        "用印登记簿 {log} 的链头记录已损坏，不能签署检查点；请运行 jianfu seal verify 检查"
    ))
}

impl App {
    /// Every log's head with its Merkle root, in the district's algorithm.
    pub(super) async fn current_heads(&self) -> Result<(HashAlg, Vec<LogHead>), ServiceError> {
        let alg = self.district_seal_alg().await?;
        let mut out = Vec::new();
        for (log, head) in self.store.seal_heads().await? {
            if head.size <= 0 {
                continue;
            }
            if HashAlg::parse(&head.hash_alg) != Some(alg) {
                return Err(corrupt(&log));
            }
            let frontier =
                Frontier::decode(head.size as u64, &head.frontier).ok_or_else(|| corrupt(&log))?;
            out.push(LogHead {
                root: to_hex(&frontier.root(alg.hasher())),
                log,
                size: head.size,
                hash: head.hash,
            });
        }
        Ok((alg, out))
    }

    /// Signs a checkpoint over every log's head, when any head has changed since the last one
    /// (or always, with `force`). Console and the server's periodic task only.
    pub async fn make_seal_checkpoint(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        force: bool,
    ) -> Result<Option<Checkpoint>, ServiceError> {
        if !actor.is_console() {
            return Err(ServiceError::Forbidden);
        }
        let (alg, heads) = self.current_heads().await?;
        if heads.is_empty() {
            return Ok(None);
        }
        let tree = HeadsTree::new(alg.hasher(), &heads);
        let latest = self.store.latest_seal_checkpoint().await?;
        let unchanged = latest.as_ref().is_some_and(|l| {
            l.heads.is_some()
                && l.checkpoint.root == tree.root_hex()
                && l.checkpoint.hash_alg == alg
        });
        if !force && unchanged {
            return Ok(None);
        }
        self.check_extends(latest.as_ref(), &tree.heads).await?;
        let signer = self.seal_signer()?;
        let c = checkpoint::sign_log(
            signer.as_ref(),
            CheckpointLog::SealLogs,
            tree.size(),
            &tree.root(),
            alg,
            self.now_ms(),
        );
        let mut a = self.audit(
            actor,
            meta,
            "seal.checkpoint",
            format!("seal_checkpoint:{}", c.size),
        );
        a.detail = serde_json::json!({
            "size": c.size,
            "logs": tree.heads.len(),
            "root": c.root,
            "key_id": c.key_id,
        })
        .to_string();
        self.store
            .insert_seal_checkpoint(&c, Some(&tree.heads), a)
            .await?;
        self.latest_checkpoint.forget();
        Ok(Some(c))
    }

    /// Refuses to sign heads that do not extend the latest checkpoint's (`heads::growth`): a log
    /// rewritten, cut or dropped behind the system's back must stay visible to `jianfu seal
    /// verify`, not be vouched for by the next minute's signature. By induction the latest
    /// checkpoint then vouches for everything the earlier ones did.
    async fn check_extends(
        &self,
        latest: Option<&SealCheckpoint>,
        now: &[LogHead],
    ) -> Result<(), ServiceError> {
        let Some(l) = latest else { return Ok(()) };
        let c = &l.checkpoint;
        let refuse = |why: String| {
            tracing::error!(problem = %why, "seal checkpoint refused");
            ServiceError::Unavailable(format!(
                "不签署用印检查点：{why}。请立即运行 jianfu seal verify 核查"
            ))
        };
        if let Some(v) = self.seal_verifier_existing()?
            && checkpoint::check(&v, c).is_err()
        {
            return Err(refuse("库内最新的检查点签名无效".into()));
        }
        // A checkpoint from before logs per community signed the legacy log's root alone.
        let (signed, legacy_frozen) = match &l.heads {
            Some(h) => (h.clone(), true),
            None => {
                let legacy = LogHead {
                    log: LEGACY_LOG.into(),
                    size: c.size,
                    hash: String::new(),
                    root: c.root.clone(),
                };
                (vec![legacy], false)
            }
        };
        let grown =
            heads::growth(&signed, legacy_frozen, now).map_err(|e| refuse(e.to_string()))?;
        let h = c.hash_alg.hasher();
        for old in grown {
            let size = old.size as u64;
            let nodes: HashMap<NodeRef, Digest> = self
                .store
                .seal_nodes(&old.log, &merkle::root_refs(size))
                .await?
                .into_iter()
                .filter_map(|(r, x)| parse_hex(&x).map(|d| (r, d)))
                .collect();
            if merkle::root_from(h, size, &nodes).map(|r| to_hex(&r)) != Some(old.root.clone()) {
                let e = NotExtending::Changed {
                    log: old.log.clone(),
                    size: old.size,
                };
                return Err(refuse(e.to_string()));
            }
        }
        Ok(())
    }

    /// The latest checkpoint, its signature checked and its heads' tree built, read at most every
    /// few seconds: public verification asks for it on every request, and it changes once a
    /// minute.
    async fn latest_checkpoint_checked(
        &self,
        key: Option<&Ed25519Verifier>,
    ) -> Result<Option<Arc<CheckedCheckpoint>>, ServiceError> {
        let now = self.now_ms();
        if let Some(hit) = self.latest_checkpoint.get(now) {
            return Ok(hit);
        }
        let latest = self.store.latest_seal_checkpoint().await?.map(|signed| {
            let signature_ok =
                key.is_some_and(|v| checkpoint::check(v, &signed.checkpoint).is_ok());
            let tree = signed
                .heads
                .as_ref()
                .map(|h| HeadsTree::new(signed.checkpoint.hash_alg.hasher(), h));
            Arc::new(CheckedCheckpoint {
                signed,
                signature_ok,
                tree,
            })
        });
        self.latest_checkpoint.put(now, latest.clone());
        Ok(latest)
    }

    /// The latest checkpoint and the public key: public (anyone may keep a copy).
    pub async fn seal_checkpoint_view(&self) -> Result<CheckpointView, ServiceError> {
        let latest = self.store.latest_seal_checkpoint().await?;
        let key = self.seal_verifier_existing()?.as_ref().map(public_key_of);
        // Two numbers for the page, not every head of the district.
        let (logs, log_size) = self.store.seal_totals().await?;
        Ok(CheckpointView {
            checkpoint: latest.as_ref().map(|l| l.checkpoint.clone()),
            heads: latest.and_then(|l| l.heads),
            key,
            log_size,
            logs: logs.max(0) as usize,
        })
    }

    /// The latest checkpoint in the form kept outside the system (`jianfu seal export-checkpoint`).
    pub async fn published_seal_checkpoint(
        &self,
    ) -> Result<Option<PublishedCheckpoint>, ServiceError> {
        let Some(c) = self.store.latest_seal_checkpoint().await? else {
            return Ok(None);
        };
        let v = self.seal_verifier_existing()?.ok_or_else(|| {
            ServiceError::Unavailable(format!(
                "找不到用印签名密钥文件 {}",
                self.seal_key_path().display()
            ))
        })?;
        let k = public_key_of(&v);
        Ok(Some(PublishedCheckpoint {
            format: PUBLISHED_FORMAT.into(),
            checkpoint: c.checkpoint,
            heads: c.heads,
            public_key: k.public_key,
            fingerprint: k.fingerprint,
        }))
    }

    /// The inclusion proof of entry `seq` of `log` against the latest checkpoint, which covers it
    /// unless it was recorded in the last minute (then `state` is `Pending`). `None`: no such
    /// entry. Public: hashes only.
    pub async fn seal_inclusion_proof(
        &self,
        log: &str,
        seq: i64,
    ) -> Result<Option<InclusionProofView>, ServiceError> {
        self.seal_inclusion_proof_for(log, seq, None).await
    }

    /// Like [`App::seal_inclusion_proof`], for the entry of one certificate: verified only if
    /// the entry says it sealed `subject` (`certificate:<number>`), so a certificate row pointing
    /// at another certificate's entry is not shown as sealed.
    pub(crate) async fn seal_inclusion_proof_for(
        &self,
        log: &str,
        seq: i64,
        subject: Option<&str>,
    ) -> Result<Option<InclusionProofView>, ServiceError> {
        let Some(entry) = self.store.seal_entry(log, seq).await? else {
            return Ok(None);
        };
        let hash_alg = HashAlg::parse(&entry.hash_alg).unwrap_or_default();
        // The entry as stored must give the leaf the proof starts from, and be this one's.
        let entry_ok = subject.is_none_or(|s| entry.subject == s)
            && (entry.log == LEGACY_LOG || entry.community_code == entry.log)
            && {
                let (e, _) = entry.clone().into_parts();
                let mut buf = Vec::new();
                to_hex(&e.compute_leaf_hash(hash_alg.hasher(), &mut buf)) == entry.leaf_hash
            };
        let key_v = self.seal_verifier_existing()?;
        let key = key_v.as_ref().map(public_key_of);
        let mut view = InclusionProofView {
            log: log.to_string(),
            seq,
            leaf_index: seq - 1,
            leaf_hash: entry.leaf_hash.clone(),
            entry_hash: entry.entry_hash.clone(),
            hash_alg,
            state: ProofState::Pending,
            checkpoint: None,
            key,
            head: None,
            path: vec![],
            head_index: None,
            head_count: None,
            head_path: vec![],
            verified: false,
            message: "该用印记录已登记，尚未纳入签名检查点（系统每分钟签署一次），请稍后再查。"
                .into(),
        };
        let Some(latest) = self.latest_checkpoint_checked(key_v.as_ref()).await? else {
            return Ok(Some(view));
        };
        let c = &latest.signed.checkpoint;
        let h = c.hash_alg.hasher();
        // Where the entry's log ends in the checkpoint, and the way from there to its root.
        let (log_size, log_root, outer) = match &latest.tree {
            None if log == LEGACY_LOG => (c.size, c.root.clone(), None),
            None => return Ok(Some(view)),
            Some(tree) => {
                let Some((_, head)) = tree.head(log) else {
                    return Ok(Some(view));
                };
                // A head without a path to the root proves nothing.
                let outer = match tree.path(h, log) {
                    Some((i, n, p)) => Some((i, n, p, head.clone())),
                    None => return Ok(Some(view)),
                };
                (head.size, head.root.clone(), outer)
            }
        };
        if log_size < seq {
            return Ok(Some(view));
        }
        let (index, size) = ((seq - 1) as u64, log_size as u64);
        let leaf_ref = NodeRef { level: 0, index };
        let mut refs = merkle::inclusion_refs(index, size);
        refs.push(leaf_ref);
        let nodes: HashMap<NodeRef, Digest> = self
            .store
            .seal_nodes(log, &refs)
            .await?
            .into_iter()
            .filter_map(|(r, h)| parse_hex(&h).map(|d| (r, d)))
            .collect();
        let path = merkle::inclusion_path(h, index, size, &nodes);
        let inner_ok = match (&path, parse_hex(&entry.leaf_hash), parse_hex(&log_root)) {
            (Some(p), Some(l), Some(r)) => {
                nodes.get(&leaf_ref) == Some(&l)
                    && merkle::verify_inclusion(h, &l, index, size, p, &r)
            }
            _ => false,
        };
        let outer_ok = match &outer {
            None => true,
            Some((i, n, p, head)) => parse_hex(&c.root).is_some_and(|root| {
                let leaf = jianfu_domain::seal::heads::head_leaf(h, head);
                merkle::verify_inclusion(h, &leaf, *i, *n, p, &root)
            }),
        };
        let verified = latest.signature_ok && latest.heads_ok() && entry_ok && inner_ok && outer_ok;
        view.state = ProofState::Covered;
        view.path = path.unwrap_or_default().iter().map(to_hex).collect();
        if let Some((i, n, p, head)) = outer {
            view.head_index = Some(i as i64);
            view.head_count = Some(n as i64);
            view.head_path = p.iter().map(to_hex).collect();
            view.head = Some(head);
        }
        view.verified = verified;
        let logs = latest.tree.as_ref().map_or(1, |t| t.heads.len());
        view.message = if key_v.is_none() {
            "找不到区级用印签名公钥，暂时无法核验检查点签名，请联系区社会办。".into()
        } else if verified {
            format!(
                "该用印记录包含在区级签名检查点中：检查点承诺 {logs} 本登记簿共 {} 条记录，本登记簿前 {log_size} 条已纳入；默克尔证明和签名均已核验。",
                c.size
            )
        } else {
            "该用印记录与签名检查点对不上：登记簿可能被改动，请联系区社会办核查。".into()
        };
        view.checkpoint = Some(c.clone());
        Ok(Some(view))
    }
}
