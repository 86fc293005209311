//! The seal-use log (用印登记): recording a use of the seal for a work document, reading the log in
//! one's scope, signing checkpoints with the district's key, inclusion proofs, verification.
//!
//! The hashing, tree and verification rules are in `jianfu_domain::seal`; certificates append
//! their entries inside issuance (`jianfu_store` `seal_sql::append_to`).
//!
//! The district's Ed25519 key is a file (`seal_key_file`, default
//! `<data_dir>/keys/seal-ed25519.key`: the 32-byte secret seed, mode 0600), created on first use.
//! Verification never creates it: a fresh key would make every old checkpoint look forged.

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::seal::checkpoint::{
    self, Checkpoint, CheckpointVerifier, Ed25519Signer, Ed25519Verifier, fingerprint_grouped,
};
use jianfu_domain::seal::hash::{Digest, parse_hex};
use jianfu_domain::seal::merkle::{self, Frontier, NodeRef};
use jianfu_domain::seal::rules::{self, SealUseError};
use jianfu_domain::seal::{HashAlg, SealKind, SealReport, SealVerifier};
use jianfu_domain::{OrgKind, Role};
use jianfu_store::{SealDraft, SealEntryRow, SealFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Entries per page of the log.
pub const PAGE: i64 = 50;
/// Entries per read while verifying: bounded memory for any log length.
const VERIFY_PAGE: i64 = 10_000;
/// Pages being read while one is checked.
const READ_AHEAD: usize = 2;

/// The loaded signing key of one `App`.
#[derive(Default)]
pub struct SealKeyCell(OnceLock<Arc<Ed25519Signer>>);

/// The latest checkpoint with its signature check, for a few seconds (see
/// `latest_checkpoint_checked`); another process's new checkpoint shows within that time.
#[derive(Default)]
pub struct CheckpointCache(std::sync::Mutex<Option<(i64, Option<CheckedCheckpoint>)>>);

/// A checkpoint and whether its signature holds under the district's key.
type CheckedCheckpoint = (Checkpoint, bool);

impl CheckpointCache {
    const TTL_MS: i64 = 5_000;

    fn get(&self, now: i64) -> Option<Option<CheckedCheckpoint>> {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|(at, _)| now >= *at && now - at < Self::TTL_MS)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, now: i64, c: Option<CheckedCheckpoint>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, c));
    }

    fn forget(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A use of the seal for a work document, as typed (web form or API).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewSealUse {
    pub content: String,
    /// Text, so that "两份" gets a clear refusal rather than a parse error.
    pub copies: String,
    /// Username of the community worker who handles it.
    pub handler: String,
    #[serde(default)]
    pub applicant: String,
    #[serde(default)]
    pub contact: String,
}

/// One entry as a reader sees it. Applicant and contact are masked unless the reader is the
/// community's director (who approves seal use) or the console.
#[derive(Debug, Clone, Serialize)]
pub struct SealEntryView {
    pub seq: i64,
    pub used_at: i64,
    pub community: String,
    pub community_name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub subject: String,
    pub content: String,
    pub copies: i64,
    pub approver: String,
    pub approver_name: String,
    pub handler: String,
    pub handler_name: String,
    pub applicant: String,
    pub contact: String,
    pub personal_masked: bool,
    /// The retention rule has deleted the personal data.
    pub personal_deleted: bool,
    pub entry_hash: String,
}

impl SealEntryView {
    /// The first 12 hex digits: enough to tell entries apart on screen.
    pub fn hash_short(&self) -> &str {
        self.entry_hash.get(..12).unwrap_or(&self.entry_hash)
    }
}

/// A page of the log.
#[derive(Debug, Clone, Serialize)]
pub struct SealLogPage {
    pub entries: Vec<SealEntryView>,
    /// `before` for the next (older) page, if there is one.
    pub older: Option<i64>,
}

/// The district's public key, for people to compare and for offline verification.
#[derive(Debug, Clone, Serialize)]
pub struct SealPublicKey {
    /// Ed25519, hex.
    pub public_key: String,
    pub key_id: String,
    /// SHA-256 of the public key in groups of four hex digits.
    pub fingerprint: String,
}

/// The latest checkpoint with the key that signed it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointView {
    pub checkpoint: Option<Checkpoint>,
    pub key: Option<SealPublicKey>,
    /// Entries in the log now (the checkpoint may lag by up to a minute).
    pub log_size: i64,
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
    pub seq: i64,
    /// 0-based leaf index (seq − 1).
    pub leaf_index: i64,
    pub leaf_hash: String,
    pub entry_hash: String,
    pub hash_alg: HashAlg,
    pub state: ProofState,
    pub checkpoint: Option<Checkpoint>,
    pub key: Option<SealPublicKey>,
    /// Sibling hashes from the leaf up (RFC 6962 audit path).
    pub path: Vec<String>,
    /// The path leads to the checkpoint's root and the checkpoint's signature holds.
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
    pub public_key: String,
    pub fingerprint: String,
}

pub const PUBLISHED_FORMAT: &str = "jianfu-seal-checkpoint";

fn rejected(e: SealUseError) -> ServiceError {
    ServiceError::Rejected {
        code: e.code(),
        message: e.to_string(),
    }
}

fn public_key_of(v: &Ed25519Verifier) -> SealPublicKey {
    let pk = v.public_key();
    SealPublicKey {
        public_key: hex::encode(pk),
        key_id: v.key_id(),
        fingerprint: fingerprint_grouped(&pk),
    }
}

/// How the key file is named in messages.
const KEY_FILE: &str = "用印签名密钥";

/// The signing key from its file; `Ok(None)` when it does not exist.
fn read_key(path: &Path) -> Result<Option<Ed25519Signer>, ServiceError> {
    Ok(super::key_file::read(path, KEY_FILE)
        .map_err(ServiceError::Unavailable)?
        .map(|seed| Ed25519Signer::from_seed(&seed)))
}

/// Creates the key file, readable by its owner only. Never overwrites an existing file.
fn create_key(path: &Path) -> Result<Ed25519Signer, ServiceError> {
    let seed = super::key_file::create(path, KEY_FILE).map_err(ServiceError::Unavailable)?;
    Ok(Ed25519Signer::from_seed(&seed))
}

impl App {
    pub fn seal_key_path(&self) -> PathBuf {
        self.config
            .seal_key_file
            .clone()
            .unwrap_or_else(|| self.config.data_dir.join("keys").join("seal-ed25519.key"))
    }

    /// The algorithm a new log starts with (`seal_hash_alg`); an existing log keeps its own.
    pub fn seal_hash_alg(&self) -> Result<HashAlg, ServiceError> {
        HashAlg::parse(&self.config.seal_hash_alg).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "配置项 seal_hash_alg 的值“{}”无效：只能是 sha256 或 sm3",
                self.config.seal_hash_alg
            ))
        })
    }

    /// The district's signing key, created (mode 0600) on first use of a new installation.
    pub fn seal_signer(&self) -> Result<Arc<Ed25519Signer>, ServiceError> {
        if let Some(k) = self.seal_key.0.get() {
            return Ok(k.clone());
        }
        let path = self.seal_key_path();
        let key = match read_key(&path)? {
            Some(k) => k,
            None => {
                let k = create_key(&path)?;
                tracing::info!(path = %path.display(), "created the seal log signing key");
                k
            }
        };
        Ok(self.seal_key.0.get_or_init(|| Arc::new(key)).clone())
    }

    /// The public key, if the key exists; never creates it.
    pub(crate) fn seal_verifier_existing(&self) -> Result<Option<Ed25519Verifier>, ServiceError> {
        if let Some(k) = self.seal_key.0.get() {
            return Ok(Some(k.verifier()));
        }
        Ok(read_key(&self.seal_key_path())?.map(|k| {
            let v = k.verifier();
            let _ = self.seal_key.0.set(Arc::new(k));
            v
        }))
    }

    /// The district's public key (creating the key pair on a new installation).
    pub fn seal_public_key(&self) -> Result<SealPublicKey, ServiceError> {
        Ok(public_key_of(&self.seal_signer()?.verifier()))
    }

    /// The community accounts a director may name as handler: workers and directors of the
    /// actor's own community, enabled.
    pub async fn seal_handlers(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        actor.require(Permission::ApproveSealUse)?;
        let Some(community) = actor.org.as_ref() else {
            return Ok(vec![]);
        };
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.org_code == community.as_str() && !u.disabled)
            .filter(|u| {
                u.role_list()
                    .iter()
                    .any(|r| matches!(r, Role::CommunityWorker | Role::CommunityDirector))
            })
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// The community's director records a use of the seal for a work document (工作用章). The
    /// director keeps the seal and approves; the handler is one of the community's workers.
    pub async fn record_seal_use(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &NewSealUse,
    ) -> Result<SealEntryView, ServiceError> {
        actor.require(Permission::ApproveSealUse)?;
        let tree = self.org_tree().await?;
        let community = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind == OrgKind::Community)
            .ok_or(ServiceError::Forbidden)?
            .clone();
        let u = rules::check_use(
            &input.content,
            &input.copies,
            &input.handler,
            &input.applicant,
            &input.contact,
        )
        .map_err(rejected)?;
        let handlers = self.seal_handlers(actor).await?;
        if !handlers.iter().any(|(name, _)| *name == u.handler) {
            return Err(rejected(SealUseError::NoHandler));
        }
        let draft = SealDraft {
            community_code: community.code.to_string(),
            kind: SealKind::Document.as_str().into(),
            subject: String::new(),
            content: u.content,
            copies: u.copies,
            approver: actor.username.clone().unwrap_or_default(),
            handler: u.handler,
            applicant: u.applicant,
            contact: u.contact,
            used_at: self.now_ms(),
        };
        let mut a = self.audit(
            actor,
            meta,
            "seal.use",
            format!("seal:{}", draft.community_code),
        );
        // No personal data in the trail: the seal log itself holds it, deletably.
        a.detail = serde_json::json!({
            "kind": draft.kind,
            "copies": draft.copies,
            "handler": draft.handler,
        })
        .to_string();
        let appended = self
            .store
            .append_seal_entry(&draft, self.seal_hash_alg()?, a)
            .await?;
        let row = self
            .store
            .seal_entry(appended.seq)
            .await?
            .ok_or_else(|| ServiceError::Internal("appended seal entry not found".into()))?;
        let names = self.display_names().await?;
        Ok(self.entry_view(row, &tree, &names, false))
    }

    async fn display_names(&self) -> Result<HashMap<String, String>, ServiceError> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    fn entry_view(
        &self,
        r: SealEntryRow,
        tree: &jianfu_domain::org::OrgTree,
        names: &HashMap<String, String>,
        mask: bool,
    ) -> SealEntryView {
        let kind = SealKind::parse(&r.kind);
        let personal_deleted = r.applicant.is_none();
        let (applicant, contact) = match (r.applicant, r.contact) {
            (Some(a), Some(c)) if mask => (
                jianfu_domain::masking::mask_name_initial(&a),
                jianfu_domain::masking::mask_contact(&c),
            ),
            (Some(a), Some(c)) => (a, c),
            _ => (String::new(), String::new()),
        };
        let name = |u: &str| names.get(u).cloned().unwrap_or_else(|| u.to_string());
        SealEntryView {
            seq: r.seq,
            used_at: r.used_at,
            community_name: tree.name_or_code(&r.community_code),
            community: r.community_code,
            kind_label: kind.map_or("其他", |k| k.label_zh()),
            kind: r.kind,
            subject: r.subject,
            content: r.content,
            copies: r.copies,
            approver_name: name(&r.approver),
            approver: r.approver,
            handler_name: name(&r.handler),
            handler: r.handler,
            applicant,
            contact,
            personal_masked: mask,
            personal_deleted,
            entry_hash: r.entry_hash,
        }
    }

    /// The log in the actor's scope, newest first: a community's own entries for its workers and
    /// director, the whole district for supervisors. Personal data is masked for everyone but
    /// the director.
    pub async fn seal_log(
        &self,
        actor: &Actor,
        before: Option<i64>,
    ) -> Result<SealLogPage, ServiceError> {
        actor.require(Permission::ViewSealLog)?;
        let community = match actor.scope() {
            Scope::District => None,
            Scope::Community(c) => Some(c.to_string()),
            _ => return Err(ServiceError::Forbidden),
        };
        let mask = !(actor.is_console() || actor.may(Permission::ApproveSealUse));
        let rows = self
            .store
            .seal_entries(&SealFilter {
                community,
                before_seq: before,
                limit: PAGE + 1,
            })
            .await?;
        let tree = self.org_tree().await?;
        let names = self.display_names().await?;
        let more = rows.len() as i64 > PAGE;
        let entries: Vec<SealEntryView> = rows
            .into_iter()
            .take(PAGE as usize)
            .map(|r| self.entry_view(r, &tree, &names, mask))
            .collect();
        Ok(SealLogPage {
            older: if more {
                entries.last().map(|e| e.seq)
            } else {
                None
            },
            entries,
        })
    }

    /// Signs a checkpoint over the current tree head, when the log has grown since the last one
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
        let Some(head) = self.store.seal_head().await?.filter(|h| h.size > 0) else {
            return Ok(None);
        };
        let latest = self.store.latest_seal_checkpoint().await?;
        if !force && latest.is_some_and(|c| c.size >= head.size) {
            return Ok(None);
        }
        let corrupt = || {
            ServiceError::Unavailable(
                "用印登记的链头记录已损坏，不能签署检查点；请运行 jianfu seal verify 检查".into(),
            )
        };
        let alg = HashAlg::parse(&head.hash_alg).ok_or_else(corrupt)?;
        let frontier = Frontier::decode(head.size as u64, &head.frontier).ok_or_else(corrupt)?;
        let root = frontier.root(alg.hasher());
        let signer = self.seal_signer()?;
        let c = checkpoint::sign(signer.as_ref(), head.size, &root, alg, self.now_ms());
        let mut a = self.audit(
            actor,
            meta,
            "seal.checkpoint",
            format!("seal_checkpoint:{}", c.size),
        );
        a.detail =
            serde_json::json!({"size": c.size, "root": c.root, "key_id": c.key_id}).to_string();
        self.store.insert_seal_checkpoint(&c, a).await?;
        self.latest_checkpoint.forget();
        Ok(Some(c))
    }

    /// The latest checkpoint and whether its signature holds, read at most every few seconds:
    /// public verification asks for it on every request, and it changes once a minute.
    async fn latest_checkpoint_checked(
        &self,
        key: Option<&Ed25519Verifier>,
    ) -> Result<Option<CheckedCheckpoint>, ServiceError> {
        let now = self.now_ms();
        if let Some(hit) = self.latest_checkpoint.get(now) {
            return Ok(hit);
        }
        let latest = self.store.latest_seal_checkpoint().await?.map(|c| {
            let ok = key.is_some_and(|v| checkpoint::check(v, &c).is_ok());
            (c, ok)
        });
        self.latest_checkpoint.put(now, latest.clone());
        Ok(latest)
    }

    /// The latest checkpoint and the public key: public (anyone may keep a copy).
    pub async fn seal_checkpoint_view(&self) -> Result<CheckpointView, ServiceError> {
        let checkpoint = self.store.latest_seal_checkpoint().await?;
        let key = self.seal_verifier_existing()?.as_ref().map(public_key_of);
        let log_size = self.store.seal_head().await?.map_or(0, |h| h.size);
        Ok(CheckpointView {
            checkpoint,
            key,
            log_size,
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
            checkpoint: c,
            public_key: k.public_key,
            fingerprint: k.fingerprint,
        }))
    }

    /// The inclusion proof of entry `seq` against the latest checkpoint, which covers it unless
    /// it was recorded in the last minute (then `state` is `Pending`). `None`: no such entry.
    /// Public: hashes only.
    pub async fn seal_inclusion_proof(
        &self,
        seq: i64,
    ) -> Result<Option<InclusionProofView>, ServiceError> {
        let Some(entry) = self.store.seal_entry(seq).await? else {
            return Ok(None);
        };
        let hash_alg = HashAlg::parse(&entry.hash_alg).unwrap_or_default();
        let key_v = self.seal_verifier_existing()?;
        let key = key_v.as_ref().map(public_key_of);
        let mut view = InclusionProofView {
            seq,
            leaf_index: seq - 1,
            leaf_hash: entry.leaf_hash.clone(),
            entry_hash: entry.entry_hash.clone(),
            hash_alg,
            state: ProofState::Pending,
            checkpoint: None,
            key,
            path: vec![],
            verified: false,
            message: "该用印记录已登记，尚未纳入签名检查点（系统每分钟签署一次），请稍后再查。"
                .into(),
        };
        let Some((c, signature_ok)) = self
            .latest_checkpoint_checked(key_v.as_ref())
            .await?
            .filter(|(c, _)| c.size >= seq)
        else {
            return Ok(Some(view));
        };
        let (index, size) = ((seq - 1) as u64, c.size as u64);
        let leaf_ref = NodeRef { level: 0, index };
        let mut refs = merkle::inclusion_refs(index, size);
        refs.push(leaf_ref);
        let nodes: HashMap<NodeRef, Digest> = self
            .store
            .seal_nodes(&refs)
            .await?
            .into_iter()
            .filter_map(|(r, h)| parse_hex(&h).map(|d| (r, d)))
            .collect();
        let h = c.hash_alg.hasher();
        let path = merkle::inclusion_path(h, index, size, &nodes);
        let leaf = parse_hex(&entry.leaf_hash);
        let root = parse_hex(&c.root);
        let verified = match (&path, leaf, root) {
            (Some(p), Some(l), Some(r)) => {
                signature_ok
                    && nodes.get(&leaf_ref) == Some(&l)
                    && merkle::verify_inclusion(h, &l, index, size, p, &r)
            }
            _ => false,
        };
        view.state = ProofState::Covered;
        view.path = path
            .unwrap_or_default()
            .iter()
            .map(jianfu_domain::seal::hash::to_hex)
            .collect();
        view.verified = verified;
        view.message = if key_v.is_none() {
            "找不到区级用印签名公钥，暂时无法核验检查点签名，请联系区社会办。".into()
        } else if verified {
            format!(
                "该用印记录包含在区级签名检查点（共 {} 条）中，默克尔证明和签名均已核验。",
                c.size
            )
        } else {
            "该用印记录与签名检查点对不上：日志可能被改动，请联系区社会办核查。".into()
        };
        view.checkpoint = Some(c);
        Ok(Some(view))
    }

    /// Verifies the whole log with the district's key file (if it exists), against the stored
    /// checkpoints and optionally one kept outside.
    pub async fn verify_seal_log(
        &self,
        published: Option<Checkpoint>,
    ) -> Result<SealReport, ServiceError> {
        let key = self.seal_verifier_existing()?;
        self.verify_seal_log_with(published, key.as_ref()).await
    }

    /// Like [`App::verify_seal_log`], with the public key given (e.g. the published one, when the
    /// key file is not at hand). Reads the log page by page; memory stays bounded.
    pub async fn verify_seal_log_with(
        &self,
        published: Option<Checkpoint>,
        key: Option<&Ed25519Verifier>,
    ) -> Result<SealReport, ServiceError> {
        let stored = self.store.seal_checkpoints().await?;
        let trusted = key.map(|k| k as &dyn CheckpointVerifier);
        // Personal rows may be gone only once their retention period has ended (the purge
        // deletes rows of entries used before the cutoff; a little slack for a purge that ran
        // just before this check with a clock a minute ahead).
        let deletable_before = jianfu_domain::retention::delete_finished_before(
            self.now_ms() + 60_000,
            self.config.personal_data_retention_days,
        )
        .unwrap_or(i64::MIN);
        let mut v = SealVerifier::new(stored, published, trusted)
            .personal_deletable_before(deletable_before);
        let mut after = 0i64;
        let mut head = None;
        // Reading rows costs more than hashing them: the next page is read (on another thread)
        // while this one is checked.
        let fetch = |after: i64| {
            let store = self.store.clone();
            tokio::spawn(async move {
                let page = store.seal_entries_after(after, VERIFY_PAGE).await?;
                let nodes = match page.last() {
                    Some(last) => store.seal_nodes_between(after + 1, last.seq).await?,
                    None => vec![],
                };
                Ok::<_, jianfu_store::StoreError>((page, nodes))
            })
        };
        let joined = |r: Result<_, tokio::task::JoinError>| {
            r.map_err(|e| ServiceError::Internal(format!("seal log reader: {e}")))
        };
        // The head is read after the entries; if the server appended meanwhile, read on.
        for _ in 0..5 {
            // Pages are read ahead, two at a time on their own connections, assuming no gaps
            // (the normal case); a page that ends elsewhere cancels the guesses.
            let mut ahead: std::collections::VecDeque<(i64, _)> = Default::default();
            loop {
                while ahead.len() < READ_AHEAD {
                    let a = ahead.back().map_or(after, |(a, _)| a + VERIFY_PAGE);
                    ahead.push_back((a, fetch(a)));
                }
                let Some((_, handle)) = ahead.pop_front() else {
                    break;
                };
                let (page, nodes) = joined(handle.await)??;
                let Some(last) = page.last().map(|r| r.seq) else {
                    break;
                };
                if last != after + VERIFY_PAGE {
                    for (_, h) in ahead.drain(..) {
                        h.abort();
                    }
                }
                let mut next_node = 0;
                for row in page {
                    let seq = row.seq;
                    let end = nodes[next_node..]
                        .iter()
                        .position(|n| n.0 >= (seq + 1) * 64)
                        .map_or(nodes.len(), |p| next_node + p);
                    let (entry, personal) = row.into_parts();
                    v.push(&entry, personal.as_ref(), &nodes[next_node..end]);
                    next_node = end;
                    if v.is_done() {
                        break;
                    }
                }
                after = last;
                if v.is_done() {
                    break;
                }
            }
            for (_, h) in ahead.drain(..) {
                h.abort();
            }
            head = self.store.seal_head().await?;
            if v.is_done() || head.as_ref().is_none_or(|h| h.size <= after) {
                break;
            }
        }
        Ok(v.finish(head.as_ref()))
    }
}

/// Reads a checkpoint kept outside: the export format, or a bare checkpoint.
pub fn parse_published(text: &str) -> Result<Checkpoint, ServiceError> {
    let bad = |why: String| ServiceError::Rejected {
        code: "invalid_checkpoint",
        message: format!("检查点文件无法读取：{why}"),
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let c = match v.get("checkpoint") {
        Some(inner) => inner.clone(),
        None => v,
    };
    serde_json::from_value(c).map_err(|e| bad(e.to_string()))
}

/// A public key given as hex (e.g. `jianfu seal verify --public-key`).
pub fn parse_public_key(hex_key: &str) -> Result<Ed25519Verifier, ServiceError> {
    Ed25519Verifier::from_hex(hex_key).ok_or_else(|| ServiceError::Rejected {
        code: "invalid_public_key",
        message: "公钥格式不正确：应为 64 位十六进制的 Ed25519 公钥".into(),
    })
}
