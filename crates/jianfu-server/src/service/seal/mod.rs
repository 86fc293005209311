//! The seal-use logs (用印登记), one per community: recording a use of the seal for a work
//! document, reading the logs in one's scope, the district's key and algorithm. Signing
//! checkpoints and inclusion proofs are in [`proof`], verifying every log in [`verify`].
//!
//! The hashing, tree and verification rules are in `jianfu_domain::seal`; certificates append
//! their entries inside issuance (`jianfu_store` `seal_sql::append_to`).
//!
//! The district's Ed25519 key is a file (`seal_key_file`, default
//! `<data_dir>/keys/seal-ed25519.key`: the 32-byte secret seed, mode 0600), created on first use.
//! Verification never creates it: a fresh key would make every old checkpoint look forged.

mod proof;
mod verify;

pub use proof::{
    CheckpointCache, CheckpointView, InclusionProofView, PUBLISHED_FORMAT, ProofState,
    PublishedCheckpoint,
};
pub use verify::{SealLogsReport, parse_public_key, parse_published};

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::seal::checkpoint::{
    CheckpointVerifier, Ed25519Signer, Ed25519Verifier, fingerprint_grouped,
};
use jianfu_domain::seal::rules::{self, SealUseError};
use jianfu_domain::seal::{HashAlg, LEGACY_LOG, SealKind};
use jianfu_domain::{OrgKind, Role};
use jianfu_store::{SealCursor, SealDraft, SealEntryRow, SealFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Entries per page of the log.
pub const PAGE: i64 = 50;

/// The loaded signing key of one `App`, and the district's algorithm once a log exists.
#[derive(Default)]
pub struct SealKeyCell {
    key: OnceLock<Arc<Ed25519Signer>>,
    alg: OnceLock<HashAlg>,
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
    /// The community's log, or `seal` for the district log from before logs per community.
    pub log: String,
    /// The entry's position in its log.
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
    /// Which register the number counts in, for people: "本社区" or the legacy district log.
    pub fn log_label(&self) -> &'static str {
        if self.log == LEGACY_LOG {
            "区登记簿（分社区前）"
        } else {
            "本社区登记簿"
        }
    }

    /// The first 12 hex digits: enough to tell entries apart on screen.
    pub fn hash_short(&self) -> &str {
        self.entry_hash.get(..12).unwrap_or(&self.entry_hash)
    }
}

/// A page of the log.
#[derive(Debug, Clone, Serialize)]
pub struct SealLogPage {
    pub entries: Vec<SealEntryView>,
    /// `before` for the next (older) page, if there is one (`used_at:log:seq`).
    pub older: Option<String>,
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

    /// The configured algorithm (`seal_hash_alg`): the district's until its first log exists.
    pub fn seal_hash_alg(&self) -> Result<HashAlg, ServiceError> {
        HashAlg::parse(&self.config.seal_hash_alg).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "配置项 seal_hash_alg 的值“{}”无效：只能是 sha256 或 sm3",
                self.config.seal_hash_alg
            ))
        })
    }

    /// The algorithm of the district's logs: the one its logs already use (the first log fixed
    /// it), the configured one before any exists. Every community's log, the tree over their
    /// heads and the checkpoint use one algorithm, so an SM3 district stays SM3 throughout.
    pub async fn district_seal_alg(&self) -> Result<HashAlg, ServiceError> {
        if let Some(a) = self.seal_key.alg.get() {
            return Ok(*a);
        }
        // What the district signed says it best; before the first checkpoint, any log.
        let found = match self.store.latest_seal_checkpoint().await? {
            Some(c) => Some(c.checkpoint.hash_alg),
            None => self
                .store
                .seal_heads()
                .await?
                .into_iter()
                .find_map(|(_, h)| HashAlg::parse(&h.hash_alg).filter(|_| h.size > 0)),
        };
        match found {
            Some(a) => Ok(*self.seal_key.alg.get_or_init(|| a)),
            None => self.seal_hash_alg(),
        }
    }

    /// The district's signing key, created (mode 0600) on first use of a new installation.
    pub fn seal_signer(&self) -> Result<Arc<Ed25519Signer>, ServiceError> {
        if let Some(k) = self.seal_key.key.get() {
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
        Ok(self.seal_key.key.get_or_init(|| Arc::new(key)).clone())
    }

    /// The public key, if the key exists; never creates it.
    pub(crate) fn seal_verifier_existing(&self) -> Result<Option<Ed25519Verifier>, ServiceError> {
        if let Some(k) = self.seal_key.key.get() {
            return Ok(Some(k.verifier()));
        }
        Ok(read_key(&self.seal_key_path())?.map(|k| {
            let v = k.verifier();
            let _ = self.seal_key.key.set(Arc::new(k));
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
            .append_seal_entry(&draft, self.district_seal_alg().await?, a)
            .await?;
        let row = self
            .store
            .seal_entry(&appended.log, appended.seq)
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
            log: r.log,
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
    /// director, every community's for supervisors. Personal data is masked for everyone but the
    /// director.
    pub async fn seal_log(
        &self,
        actor: &Actor,
        before: Option<SealCursor>,
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
                before,
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
                entries.last().map(|e| {
                    SealCursor {
                        used_at: e.used_at,
                        log: e.log.clone(),
                        seq: e.seq,
                    }
                    .encode()
                })
            } else {
                None
            },
            entries,
        })
    }
}
