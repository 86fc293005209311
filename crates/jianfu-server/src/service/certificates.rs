//! Resident certificates (三(四)): a resident applies (or a worker enters it at the window), the
//! worker checks the facts, the director approves the seal, the worker issues; anyone holding the
//! number and code verifies it. The rules are in `jianfu_domain::certificate`; this file parses
//! input at the edge, keeps personal data encrypted and masked, and writes through the store.

use super::listing::{ListKind, Listing, Paged, read_page};
use super::notices::Recipient;
use super::{Actor, App, Op, RequestMeta, ServiceError, text_field};
use jianfu_domain::assignment::working_days::{format_date, parse_date};
use jianfu_domain::certificate::lifecycle::{self, Case, CertAction, CertState, Move, transition};
use jianfu_domain::certificate::{application, codes, document, id_number};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use jianfu_domain::masking::{mask_contact, mask_id_from_last4, mask_name};
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_domain::verify_limit::{self, ClientFailures, Verdict};
use jianfu_domain::violation::{Sniffed, sniff};
use jianfu_domain::{OrgCode, OrgKind, Role};
use jianfu_store::{
    ApplicationChange, ApplicationFilter, CertificateApplicationRow, CertificateRow, IssueOutcome,
    MaterialMeta, MaterialRow, NewCertificate, PurgeCounts,
};
use jianfu_store::{SealDraft, Subject, Told};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// At most this many files per application, each at most this large.
pub const MAX_MATERIALS: usize = 6;
pub const MAX_MATERIAL_BYTES: usize = 5 * 1024 * 1024;

/// Placeholders jianfu fills itself from the application; the worker fills the rest.
pub const AUTO_FIELDS: [&str; 6] = [
    "申请人",
    "身份证号",
    "社区名称",
    "事由",
    "用途",
    "要求开具单位",
];

/// What an applicant (or the worker at the window) submits, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// 证明事项编码（如 C02）；不在清单上的证明留空，并在 requested_name 写名称。
    #[serde(default)]
    pub item_code: String,
    /// 证明名称（不在清单上时填写，用于告知应找哪个单位）。
    #[serde(default)]
    pub requested_name: String,
    /// 申请人姓名。
    #[serde(default)]
    pub applicant_name: String,
    /// 居民身份证号码（18 位）。加密保存，页面只显示后 4 位。
    #[serde(default)]
    pub id_number: String,
    /// 联系电话。
    #[serde(default)]
    pub phone: String,
    /// 申请人户籍所在社区的机构代码。
    #[serde(default)]
    pub household_community: String,
    /// 申请事由。
    #[serde(default)]
    pub reason: String,
    /// 证明用途。
    #[serde(default)]
    pub purpose: String,
    /// 要求开具证明的单位。没有单位要求、居民自己用的，留空并把 self_use 设为 true
    /// （两者都没有给出时不予受理，错误码 `asking_unit_missing`；两者都给出时为 `asking_unit_conflict`）。
    #[serde(default)]
    pub asking_unit: String,
    /// 该单位要求开具证明所依据的法律法规条款，如“《不动产登记暂行条例实施细则》第十四条”。
    #[serde(default)]
    pub asking_article: String,
    /// 申请人已阅读并确认如实申报承诺。
    #[serde(default)]
    pub pledge: bool,
    /// 没有单位要求，居民自用（记录为“居民自用”）。
    #[serde(default)]
    pub self_use: bool,
}

impl ApplicationInput {
    /// The input as the domain's screening reads it (the service and the form's explanation use
    /// this one conversion).
    pub fn screening<'a>(
        &'a self,
        issuing_community: &'a str,
        materials: &'a [&'a str],
    ) -> application::ApplicationInput<'a> {
        let item_code = self.item_code.trim();
        application::ApplicationInput {
            item_code: (!item_code.is_empty()).then_some(item_code),
            requested_name: self.requested_name.trim(),
            reason: self.reason.trim(),
            purpose: self.purpose.trim(),
            asking_unit: self.asking_unit.trim(),
            asking_article: self.asking_article.trim(),
            pledge_confirmed: self.pledge,
            self_use: self.self_use,
            household_community: self.household_community.trim(),
            issuing_community,
            materials,
        }
    }
}

/// One uploaded file and the requirement it answers (`id_card`, `hukou`, `evidence` …).
#[derive(Debug, Clone)]
pub struct Upload {
    pub material: String,
    pub bytes: Vec<u8>,
}

/// An application as readers see it: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    #[serde(skip)]
    pub row: CertificateApplicationRow,
    pub id: String,
    pub community_code: String,
    pub community_name: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant_name: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub household_community: String,
    pub household_name: String,
    pub reason: String,
    pub purpose: String,
    pub asking_unit: String,
    pub asking_article: String,
    pub channel: String,
    pub status: String,
    pub status_label: &'static str,
    pub submitted_at: i64,
    pub due_on: String,
    pub overdue: bool,
    /// 提醒，如 `calendar_missing`：办结期限跨到尚未载入节假日安排的年份。
    pub warnings: Vec<super::calendar::Warning>,
    pub refusal_reason: Option<String>,
    pub verified_by: Option<String>,
    pub approved_by: Option<String>,
    pub purged: bool,
}

/// A placeholder of the certificate's template, with its current value.
#[derive(Debug, Clone, Serialize)]
pub struct FactField {
    pub name: String,
    pub value: String,
    /// Filled by jianfu from the application, not by the worker.
    pub auto: bool,
}

/// Everything the application page shows.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    pub view: ApplicationView,
    pub item: Option<CatalogItem>,
    pub materials: Vec<MaterialMeta>,
    pub facts: Vec<FactField>,
    pub certificate: Option<CertificateRow>,
    pub may_verify: bool,
    pub may_approve: bool,
    pub may_refuse: bool,
    pub may_issue: bool,
    pub may_withdraw: bool,
    pub may_view_id: bool,
}

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
    /// 本次用印在用印登记簿中的序号。
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
    /// 叶子序号（从 0 开始）与叶子哈希。
    pub leaf_index: i64,
    pub leaf_hash: String,
    /// RFC 6962 审计路径：从叶子向上的兄弟节点哈希。
    pub path: Vec<String>,
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
        let map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        verify_limit::PER_CLIENT.check(map.get(client).copied().unwrap_or_default(), now)
    }

    fn fail(&self, client: &str, now: i64) {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Forget clients that are not stopped, so the map cannot grow without bound.
        if map.len() >= Self::MAX_CLIENTS {
            map.retain(|_, s| s.throttled_until.is_some_and(|u| u > now));
        }
        let s = map.get(client).copied().unwrap_or_default();
        map.insert(
            client.to_string(),
            verify_limit::PER_CLIENT.after_failure(s, now),
        );
    }
}

/// Verified seal-log proofs recently shown by public verification. A proof against a signed
/// checkpoint stays true; it is re-read after a short time only so that a newer checkpoint is
/// picked up. Saves three queries and a signature check per request.
#[derive(Default)]
pub struct ProofCache {
    proofs: Mutex<HashMap<i64, (i64, Option<SealProof>)>>,
}

impl ProofCache {
    const TTL_MS: i64 = 15_000;
    const MAX: usize = 50_000;

    fn get(&self, seq: i64, now: i64) -> Option<Option<SealProof>> {
        let map = self.proofs.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&seq)
            .filter(|(at, _)| now >= *at && now - at < Self::TTL_MS)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, seq: i64, now: i64, proof: Option<SealProof>) {
        let mut map = self.proofs.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.retain(|_, (at, _)| now >= *at && now - *at < Self::TTL_MS);
            if map.len() >= Self::MAX {
                map.clear();
            }
        }
        map.insert(seq, (now, proof));
    }
}

/// The Chinese name of an application's state (the domain's) or a certificate's (valid/revoked).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "valid" => "有效",
        s => CertState::parse(s).map_or("未知状态", CertState::label_zh),
    }
}

/// The community's full name as printed, e.g. …社区居民委员会.
fn full_name_in(tree: &OrgTree, code: &str) -> String {
    let name = tree.name_or_code(code);
    if name.ends_with("居民委员会") || name.ends_with("居委会") {
        name
    } else {
        format!("{name}居民委员会")
    }
}

/// Checks a move against the state machine; the error carries the rule's code.
fn step(
    row: &CertificateApplicationRow,
    action: CertAction,
    by: &str,
    reason: &str,
) -> Result<CertState, ServiceError> {
    let state = CertState::parse(&row.status)
        .ok_or_else(|| ServiceError::Internal(format!("unknown state {}", row.status)))?;
    let submitted_by = row
        .applicant_user
        .as_deref()
        .or(row.entered_by.as_deref())
        .unwrap_or("");
    let case = Case {
        state,
        submitted_by,
        verified_by: row.verified_by.as_deref(),
        approved_by: row.approved_by.as_deref(),
    };
    transition(&case, &Move { action, by, reason }).map_err(|e| rejected(e.code(), e.to_string()))
}

/// An application's page: its staff and its applicant may open it.
fn application_link(row: &CertificateApplicationRow) -> String {
    format!("/certificates/a/{}/{}", row.community_code, row.id)
}

fn subject_of(row: &CertificateApplicationRow) -> Subject {
    Subject::CertificateApplication {
        community: row.community_code.clone(),
        id: row.id.clone(),
    }
}

pub(crate) fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Mobile (11 digits, 1…) or landline (area code, hyphen optional, 7–8 digits).
fn valid_phone(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| *c != '-' && *c != ' ').collect();
    digits.chars().all(|c| c.is_ascii_digit())
        && ((digits.len() == 11 && digits.starts_with('1')) || (10..=12).contains(&digits.len()))
}

/// A reason or note (`text_field::paragraph`); `too_long` is this module's published code.
fn trimmed(s: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    text_field::paragraph_or(s, max, field, "too_long")
}

/// A one-line field (name, phone, unit, article), without line breaks.
fn one_line(s: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    text_field::line_or(s, max, field, "too_long")
}

impl App {
    /// The community whose seal the actor works with (their own organisation).
    async fn actor_community(&self, actor: &Actor) -> Result<String, ServiceError> {
        let code = actor.org.as_ref().ok_or(ServiceError::Forbidden)?;
        match self.org_tree().await?.get(code) {
            Some(o) if o.kind == OrgKind::Community => Ok(code.to_string()),
            _ => Err(rejected(
                "not_a_community",
                "只有社区的账号才能办理证明：您的账号不属于某个社区",
            )),
        }
    }

    /// Retained certificates of the list in force, for the application form.
    pub async fn certificate_items(
        &self,
    ) -> Result<(Arc<Catalog>, Vec<CatalogItem>), ServiceError> {
        let c = self.current_catalog().await?;
        let items = c.items_of(ItemKind::Certificate).cloned().collect();
        Ok((c, items))
    }

    /// Screens, checks and stores an application. Returns its id; a retry with the same
    /// idempotency key returns the first application's id and stores nothing new.
    pub async fn apply_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ApplicationInput,
        uploads: Vec<Upload>,
        idempotency_key: Option<&str>,
    ) -> Result<String, ServiceError> {
        self.apply_with_drafts(actor, meta, input, uploads, idempotency_key, &[])
            .await
    }

    /// [`App::apply_certificate`], deleting the actor's kept upload drafts `drafts_used` (already
    /// checked to be the actor's and read into `uploads`) in the same transaction.
    pub(crate) async fn apply_with_drafts(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ApplicationInput,
        uploads: Vec<Upload>,
        idempotency_key: Option<&str>,
        drafts_used: &[String],
    ) -> Result<String, ServiceError> {
        let online =
            actor.may(Permission::ApplyCertificate) && !actor.may(Permission::HandleCertificates);
        if !online {
            actor.require(Permission::HandleCertificates)?;
        }
        let community = self.actor_community(actor).await?;
        let key = idempotency_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                if k.len() > 100 {
                    Err(rejected("bad_idempotency_key", "幂等键最长 100 个字符"))
                } else {
                    // Keys are the caller's own: another account reusing "1" must not get this
                    // one's application back.
                    Ok(format!(
                        "{}:{k}",
                        actor.username.as_deref().unwrap_or("console")
                    ))
                }
            })
            .transpose()?;
        if let Some(k) = &key
            && let Some(done) = self
                .store
                .certificate_application_by_key(&community, k)
                .await?
        {
            return Ok(done.id);
        }

        let catalog = self.current_catalog().await?;
        let household = input.household_community.trim();
        if household.is_empty() {
            return Err(rejected("household_missing", "请选择申请人户籍所在社区"));
        }
        let tree = self.org_tree().await?;
        let known = OrgCode::parse(household)
            .ok()
            .and_then(|c| tree.get(&c).map(|o| o.kind == OrgKind::Community))
            .unwrap_or(false);
        if !known {
            return Err(rejected(
                "unknown_community",
                format!("找不到机构代码为“{household}”的社区，请从列表中选择"),
            ));
        }
        let materials: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
        let screened = application::screen(&input.screening(&community, &materials), &catalog)
            .map_err(|r| {
                let message = r.to_string();
                rejected(r.code, message)
            })?;
        let item = screened.clone();

        let name = one_line(&input.applicant_name, 50, "申请人姓名")?;
        if name.is_empty() {
            return Err(rejected("name_missing", "请填写申请人姓名"));
        }
        let id = id_number::parse_on(&input.id_number, self.today())
            .map_err(|e| rejected(e.code(), e.to_string()))?;
        let phone = one_line(&input.phone, 20, "联系电话")?;
        if !valid_phone(&phone) {
            return Err(rejected(
                "phone_invalid",
                "联系电话请填写 11 位手机号码，或带区号的固定电话（如 010-69240000）",
            ));
        }
        let stored = self.check_uploads(&community, uploads, &item)?;

        let now = self.now_ms();
        let spec_days = item
            .certificate
            .as_ref()
            .map(|s| s.time_limit_working_days)
            .unwrap_or(5);
        let due_on = format_date(lifecycle::due_on(
            self.today(),
            spec_days,
            &self.calendars.calendar,
        ));
        let key_for_row = key.clone();
        let app_id = uuid::Uuid::now_v7().to_string();
        let row = CertificateApplicationRow {
            community_code: community.clone(),
            id: app_id.clone(),
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            catalog_version: catalog.version.id.clone(),
            applicant_name: name,
            id_number_enc: self.data_key().await?.encrypt(id.as_str())?,
            id_number_last4: id.as_str()[id.as_str().len() - 4..].to_string(),
            phone,
            household_community: household.to_string(),
            reason: trimmed(&input.reason, 500, "申请事由")?,
            purpose: trimmed(&input.purpose, 500, "证明用途")?,
            // Self-use is recorded in words, so the record says no unit asked.
            asking_unit: if input.self_use && input.asking_unit.trim().is_empty() {
                application::SELF_USE.to_string()
            } else {
                one_line(&input.asking_unit, 100, "要求开具单位")?
            },
            asking_article: one_line(&input.asking_article, 200, "依据条款")?,
            pledged_at: now,
            channel: if online { "online" } else { "window" }.into(),
            applicant_user: online.then(|| actor.username.clone().unwrap_or_default()),
            entered_by: (!online).then(|| actor.username.clone().unwrap_or_default()),
            status: "submitted".into(),
            submitted_at: now,
            due_on,
            facts: "{}".into(),
            verified_by: None,
            verified_at: None,
            verify_note: None,
            approved_by: None,
            approved_at: None,
            decided_by: None,
            decided_at: None,
            refusal_reason: None,
            idempotency_key: key_for_row,
            purged_at: None,
            updated_at: now,
        };
        // Scans of ID cards and household registers: encrypted like the ID number.
        let data_key = self.data_key().await?;
        let materials = stored
            .into_iter()
            .enumerate()
            .map(|(i, (material, kind, bytes))| {
                Ok(MaterialRow {
                    community_code: community.clone(),
                    application_id: app_id.clone(),
                    seq: i as i64 + 1,
                    material,
                    kind,
                    size: bytes.len() as i64,
                    sha256: sha256_hex(&bytes),
                    bytes: data_key.encrypt_bytes(&bytes)?,
                })
            })
            .collect::<Result<Vec<MaterialRow>, ServiceError>>()?;
        let mut audit = self.audit(
            actor,
            meta,
            "certificate.apply",
            format!("certificate_application:{community}/{app_id}"),
        );
        audit.detail = serde_json::json!({
            "item": item.code, "channel": row.channel, "materials": materials.len(),
        "from_drafts": drafts_used.len(),
        })
        .to_string();
        // The resident who applied online hears that it arrived (issue 10 §1).
        let told = match (online, &actor.org, &actor.user_id) {
            (true, Some(org), Some(me)) => self.tell_applicant(
                actor,
                meta,
                &Recipient::person(org.as_str(), me.as_str()),
                &row,
                "certificate_received",
                &format!("已收到您的证明申请：{}", row.item_name),
                &format!(
                    "社区已收到您的“{}”申请，将在 {} 前办结。办理进度可在申请页面查看。",
                    row.item_name, row.due_on
                ),
            ),
            _ => Told::default(),
        };
        match self
            .store
            .insert_certificate_application(&row, &materials, drafts_used, &told, audit)
            .await
        {
            Ok(()) => Ok(app_id),
            // The same key raced in from a parallel retry: answer with the first one.
            Err(jianfu_store::StoreError::Conflict(_)) if key.is_some() => {
                let k = key.as_deref().unwrap_or_default();
                self.store
                    .certificate_application_by_key(&community, k)
                    .await?
                    .map(|a| a.id)
                    .ok_or_else(|| ServiceError::Conflict("该申请已提交".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Size, count and type limits; the type is read from the content, never from the name.
    fn check_uploads(
        &self,
        _community: &str,
        uploads: Vec<Upload>,
        item: &CatalogItem,
    ) -> Result<Vec<(String, String, Vec<u8>)>, ServiceError> {
        if uploads.len() > MAX_MATERIALS {
            return Err(rejected(
                "too_many_materials",
                format!("最多上传 {MAX_MATERIALS} 个材料文件"),
            ));
        }
        let mut out = Vec::with_capacity(uploads.len());
        for u in uploads {
            let kind = check_upload(&u, item)?;
            out.push((u.material, kind, u.bytes))
        }
        Ok(out)
    }

    /// One page of the applications the actor may see: the community's for its workers and
    /// director, one's own for a resident; filtered, sorted and paged in SQL.
    pub async fn list_certificate_applications(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<Paged<ApplicationView>, ServiceError> {
        let today = self.today_beijing();
        let list = listing.query(ListKind::Certificates, || today)?;
        let filter = if actor.may(Permission::HandleCertificates) {
            ApplicationFilter {
                community: Some(self.actor_community(actor).await?),
                applicant_user: None,
                list,
            }
        } else {
            actor.require(Permission::ApplyCertificate)?;
            ApplicationFilter {
                community: None,
                applicant_user: Some(actor.username.clone().ok_or(ServiceError::Forbidden)?),
                list,
            }
        };
        let page = read_page(filter.list.clone(), listing, |list| {
            let filter = ApplicationFilter {
                list,
                ..filter.clone()
            };
            async move { self.store.list_certificate_applications(&filter).await }
        })
        .await?;
        let tree = self.org_tree().await?;
        Ok(page.map(|r| self.application_view(&tree, r)))
    }

    fn application_view(&self, tree: &OrgTree, r: CertificateApplicationRow) -> ApplicationView {
        let today = self.today_beijing();
        let open = matches!(r.status.as_str(), "submitted" | "verified" | "approved");
        ApplicationView {
            id: r.id.clone(),
            community_code: r.community_code.clone(),
            community_name: tree.name_or_code(&r.community_code),
            item_code: r.item_code.clone(),
            item_name: r.item_name.clone(),
            applicant_name: if r.purged_at.is_some() {
                "（已按保存期限删除）".into()
            } else {
                mask_name(&r.applicant_name)
            },
            id_number_masked: mask_id_from_last4(&r.id_number_last4),
            phone_masked: mask_contact(&r.phone),
            household_community: r.household_community.clone(),
            household_name: tree.name_or_code(&r.household_community),
            reason: r.reason.clone(),
            purpose: r.purpose.clone(),
            asking_unit: r.asking_unit.clone(),
            asking_article: r.asking_article.clone(),
            channel: r.channel.clone(),
            status: r.status.clone(),
            status_label: status_label(&r.status),
            submitted_at: r.submitted_at,
            due_on: r.due_on.clone(),
            overdue: open && r.due_on.as_str() < today.as_str(),
            warnings: match parse_date(&r.due_on) {
                Some(due) if open => self
                    .deadline_warning(jianfu_domain::clock::beijing_date(r.submitted_at), due)
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            },
            refusal_reason: r.refusal_reason.clone(),
            verified_by: r.verified_by.clone(),
            approved_by: r.approved_by.clone(),
            purged: r.purged_at.is_some(),
            row: r,
        }
    }

    /// Loads an application the actor may see, or NotFound (never Forbidden, so ids don't leak).
    async fn readable_application(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<CertificateApplicationRow, ServiceError> {
        let not_found = || ServiceError::NotFound("该证明申请".into());
        let row = self
            .store
            .certificate_application(community, id)
            .await?
            .ok_or_else(not_found)?;
        let staff = actor.may(Permission::HandleCertificates)
            && self.actor_community(actor).await.ok().as_deref()
                == Some(row.community_code.as_str());
        let own = actor.may(Permission::ApplyCertificate)
            && row.applicant_user.is_some()
            && row.applicant_user == actor.username;
        if staff || own {
            Ok(row)
        } else {
            Err(not_found())
        }
    }

    pub async fn certificate_application_detail(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ApplicationDetail, ServiceError> {
        self.application_detail(actor, community, id, true).await
    }

    /// The detail without the uploaded materials and the certificate: what the API answers
    /// after each step (two reads fewer per step).
    pub async fn certificate_application_brief(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ApplicationDetail, ServiceError> {
        self.application_detail(actor, community, id, false).await
    }

    async fn application_detail(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        with_files: bool,
    ) -> Result<ApplicationDetail, ServiceError> {
        let row = self.readable_application(actor, community, id).await?;
        let catalog = self
            .catalog_version(&row.catalog_version)
            .await?
            .unwrap_or(self.current_catalog().await?);
        let item = catalog.item(&row.item_code).cloned();
        let materials = if with_files {
            self.store
                .certificate_materials(&row.community_code, &row.id)
                .await?
        } else {
            Vec::new()
        };
        let staff = actor.may(Permission::HandleCertificates);
        let tree = self.org_tree().await?;
        let facts = match &item {
            Some(it) if staff => {
                let saved = self.saved_facts(&row).await?;
                fact_fields(&tree, it, &row, &saved)
            }
            _ => Vec::new(),
        };
        let certificate = if with_files {
            self.store
                .certificate_for_application(&row.community_code, &row.id)
                .await?
        } else {
            None
        };
        let me = actor.username.clone().unwrap_or_default();
        let status = row.status.as_str();
        Ok(ApplicationDetail {
            may_verify: staff && status == "submitted",
            may_approve: actor.may(Permission::ApproveSealUse)
                && status == "verified"
                && row.verified_by.as_deref() != Some(me.as_str()),
            may_refuse: staff && matches!(status, "submitted" | "verified"),
            may_issue: staff && status == "approved",
            may_withdraw: status == "submitted"
                && (row.applicant_user.as_deref() == Some(me.as_str())
                    || row.entered_by.as_deref() == Some(me.as_str())),
            may_view_id: actor.may(Permission::ViewFullIdNumber) && row.purged_at.is_none(),
            view: self.application_view(&tree, row),
            item,
            materials,
            facts,
            certificate,
        })
    }

    /// One uploaded material with its content, for those who may read the application.
    pub async fn certificate_material(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        seq: i64,
    ) -> Result<MaterialRow, ServiceError> {
        let row = self.readable_application(actor, community, id).await?;
        let mut m = self
            .store
            .certificate_material(&row.community_code, &row.id, seq)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该材料".into()))?;
        // Stored encrypted; decrypted only for someone allowed to read the application.
        m.bytes = self.data_key().await?.decrypt_bytes(&m.bytes)?;
        Ok(m)
    }

    /// Materials stored in plaintext (before they were encrypted) are encrypted under the data
    /// key, in batches, each batch with an audit record `certificate.materials_encrypted`.
    /// Run by `serve` at start-up; returns how many were encrypted. Nothing to do: no key needed.
    pub async fn encrypt_plaintext_materials(
        &self,
        meta: &RequestMeta,
    ) -> Result<usize, ServiceError> {
        let magic = super::pii::MATERIAL_MAGIC;
        let mut done = 0;
        loop {
            let rows = self.store.materials_not_starting_with(magic, 50).await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let key = self.data_key().await?;
            let rows = rows
                .into_iter()
                .map(|mut m| {
                    m.bytes = key.encrypt_bytes(&m.bytes)?;
                    Ok(m)
                })
                .collect::<Result<Vec<_>, ServiceError>>()?;
            let mut audit = self.audit(
                &Actor::console(),
                meta,
                "certificate.materials_encrypted",
                "certificate_materials".to_string(),
            );
            audit.detail = serde_json::json!({ "materials": rows.len() }).to_string();
            self.store.replace_material_bytes(&rows, audit).await?;
            done += rows.len();
        }
    }

    /// The worker has checked that the community can truthfully know the facts (e.g. the
    /// household register is here) and fills them in. The text must be complete already: a
    /// blank document is never put before the director.
    #[allow(clippy::too_many_arguments)]
    pub async fn verify_certificate_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        facts: BTreeMap<String, String>,
        household_checked: bool,
        note: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let row = self.readable_application(actor, community, id).await?;
        let item = self.item_of(&row).await?;
        let spec = item.certificate.as_ref().ok_or_else(|| {
            ServiceError::Internal(format!("certificate item {} has no spec", item.code))
        })?;
        application::household_verified(&item, household_checked)
            .map_err(|r| rejected(r.code, r.to_string()))?;
        let mut checked = BTreeMap::new();
        for (k, v) in facts {
            if AUTO_FIELDS.contains(&k.as_str()) {
                continue;
            }
            let v = one_line(&v, 500, &k)?;
            // Another person's ID number (关系人、被监护人、被继承人) is checked like the
            // applicant's: a mistyped digit would be certified under the community's seal.
            let v = if id_number::is_id_number_field(&k) && !v.is_empty() {
                id_number::parse_on(&v, self.today())
                    .map_err(|e| rejected(e.code(), format!("“{k}”：{e}")))?
                    .as_str()
                    .to_string()
            } else {
                v
            };
            checked.insert(k, v);
        }
        let facts = checked;
        let mut values = facts.clone();
        let tree = self.org_tree().await?;
        let used = document::placeholders(&spec.template);
        for f in AUTO_FIELDS
            .into_iter()
            .filter(|f| used.iter().any(|u| u == f))
        {
            values.insert(
                f.to_string(),
                auto_value(&tree, f, &row, Some("（身份证号）")),
            );
        }
        let text =
            document::fill(&spec.template, &values).map_err(|e| rejected(e.code(), e.message()))?;
        // Found now, not at printing: a rare character (生僻字) the certificate font lacks.
        match jianfu_pdf::missing_glyphs(&text) {
            Ok(missing) if !missing.is_empty() => {
                let chars: String = missing.iter().collect();
                return Err(rejected(
                    "certificate_missing_glyphs",
                    format!(
                        "证明所用字体中没有这些字：{chars}，证明将无法打印。请核对是否录入有误；如确为生僻字，请联系系统管理员补充字体"
                    ),
                ));
            }
            _ => {}
        }
        let me = actor.username.clone().unwrap_or_default();
        step(&row, CertAction::Verify, &me, "")?;
        let note = trimmed(note, 500, "核实情况")?;
        let change = ApplicationChange {
            from: row.status.clone(),
            to: "verified".into(),
            at: self.now_ms(),
            // The facts name other people (the deceased, the relative) with their ID numbers:
            // encrypted like the applicant's.
            facts: Some(
                self.data_key()
                    .await?
                    .encrypt(&serde_json::to_string(&facts).unwrap_or_else(|_| "{}".into()))?,
            ),
            verified_by: Some(me),
            verify_note: Some(note),
            ..Default::default()
        };
        self.change_application(actor, meta, &row, change, "certificate.verify")
            .await
    }

    /// The director approves putting the seal on the checked text. Not the worker who checked it.
    pub async fn approve_certificate_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ApproveSealUse)?;
        let row = self.readable_application(actor, community, id).await?;
        let me = actor.username.clone().unwrap_or_default();
        step(&row, CertAction::Approve, &me, "")?;
        let change = ApplicationChange {
            from: row.status.clone(),
            to: "approved".into(),
            at: self.now_ms(),
            approved_by: Some(me),
            ..Default::default()
        };
        self.change_application(actor, meta, &row, change, "certificate.approve")
            .await
    }

    /// Refuses with an explanation that tells the applicant what to do instead.
    pub async fn refuse_certificate_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        self.refuse_application(actor, Op::Do(meta), community, id, reason)
            .await
    }

    async fn refuse_application(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let row = self.readable_application(actor, community, id).await?;
        let reason = trimmed(reason, 500, "不予出具的说明")?;
        step(
            &row,
            CertAction::Refuse,
            actor.username.as_deref().unwrap_or(""),
            &reason,
        )?;
        let change = ApplicationChange {
            from: row.status.clone(),
            to: "refused".into(),
            at: self.now_ms(),
            decided_by: actor.username.clone(),
            refusal_reason: Some(reason),
            ..Default::default()
        };
        let Op::Do(meta) = op else { return Ok(()) };
        self.change_application(actor, meta, &row, change, "certificate.refuse")
            .await
    }

    /// The resident takes back an application nobody has worked on yet.
    pub async fn withdraw_certificate_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        self.withdraw_application(actor, Op::Do(meta), community, id)
            .await
    }

    async fn withdraw_application(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        if !actor.may(Permission::ApplyCertificate) {
            // The worker who entered it at the window may take it back too (the domain's
            // `not_applicant` rule decides who submitted it).
            actor.require(Permission::HandleCertificates)?;
        }
        let row = self.readable_application(actor, community, id).await?;
        step(
            &row,
            CertAction::Withdraw,
            actor.username.as_deref().unwrap_or(""),
            "",
        )?;
        let change = ApplicationChange {
            from: row.status.clone(),
            to: "withdrawn".into(),
            at: self.now_ms(),
            decided_by: actor.username.clone(),
            ..Default::default()
        };
        let Op::Do(meta) = op else { return Ok(()) };
        self.change_application(actor, meta, &row, change, "certificate.withdraw")
            .await
    }

    async fn change_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &CertificateApplicationRow,
        change: ApplicationChange,
        action: &str,
    ) -> Result<(), ServiceError> {
        let mut audit = self.audit(
            actor,
            meta,
            action,
            format!("certificate_application:{}/{}", row.community_code, row.id),
        );
        audit.detail = serde_json::json!({"from": change.from, "to": change.to}).to_string();
        // The next person in the chain learns there is work waiting.
        let next = match change.to.as_str() {
            "verified" => Some((Role::CommunityDirector, "有证明申请待审批用印")),
            "approved" => Some((Role::CommunityWorker, "证明申请已批准用印，待出具")),
            _ => None,
        };
        let told = match next {
            Some((role, title)) => self.told(
                actor,
                meta,
                &[Recipient::role(row.community_code.clone(), role)],
                &format!("certificate_{}", change.to),
                &format!("{title}：{}", row.item_name),
                &format!(
                    "申请人 {}，办结期限 {}",
                    mask_name(&row.applicant_name),
                    row.due_on
                ),
                &application_link(row),
            ),
            None => Told::default(),
        };
        // Asks the next person to act: handled once the application has moved on.
        let told = told.awaiting(&subject_of(row), &change.to);
        // The applicant hears of each step someone else takes on his application (issue 10 §1).
        let to_applicant = match change.to.as_str() {
            "verified" => Some((
                "您的证明申请已核实",
                format!(
                    "社区工作者已核实您的“{}”申请，正等待社区书记（主任）签批用印。",
                    row.item_name
                ),
            )),
            "refused" => Some((
                "您的证明申请不予出具",
                format!(
                    "社区不予出具“{}”。说明：{}",
                    row.item_name,
                    change.refusal_reason.as_deref().unwrap_or_default()
                ),
            )),
            "withdrawn" => Some((
                "您的证明申请已撤回",
                format!("您的“{}”申请已由社区工作人员撤回。", row.item_name),
            )),
            _ => None,
        };
        let told = match (to_applicant, self.applicant_of(actor, row).await?) {
            (Some((title, body)), Some(to)) => told.and(self.tell_applicant(
                actor,
                meta,
                &to,
                row,
                &format!("certificate_{}", change.to),
                &format!("{title}：{}", row.item_name),
                &body,
            )),
            _ => told,
        };
        if !self
            .store
            .change_certificate_application(&row.community_code, &row.id, &change, &told, audit)
            .await?
        {
            return Err(rejected(
                "wrong_state",
                "这份申请刚被别人处理过，请刷新页面查看最新状态",
            ));
        }
        Ok(())
    }

    /// The applicant's account, when he applied online and someone else acts on his application
    /// (his own steps need no notice).
    async fn applicant_of(
        &self,
        actor: &Actor,
        row: &CertificateApplicationRow,
    ) -> Result<Option<Recipient>, ServiceError> {
        let Some(name) = row.applicant_user.as_deref() else {
            return Ok(None);
        };
        if actor.username.as_deref() == Some(name) {
            return Ok(None);
        }
        Ok(self
            .store
            .user_by_username(name)
            .await?
            .map(|u| Recipient::person(u.org_code, u.id)))
    }

    /// A notice to the applicant about his application, linking to its page (which he may open).
    #[allow(clippy::too_many_arguments)]
    fn tell_applicant(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        to: &Recipient,
        row: &CertificateApplicationRow,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Told {
        self.told(
            actor,
            meta,
            std::slice::from_ref(to),
            kind,
            title,
            body,
            &application_link(row),
        )
        .about(&subject_of(row))
    }

    /// The facts the worker filled in, decrypted (empty before verification or after retention).
    async fn saved_facts(
        &self,
        row: &CertificateApplicationRow,
    ) -> Result<BTreeMap<String, String>, ServiceError> {
        if !row.facts.starts_with("v1:") {
            return Ok(BTreeMap::new());
        }
        let json = self.data_key().await?.decrypt(&row.facts)?;
        serde_json::from_str(&json)
            .map_err(|e| ServiceError::Internal(format!("stored facts unreadable: {e}")))
    }

    async fn item_of(&self, row: &CertificateApplicationRow) -> Result<CatalogItem, ServiceError> {
        let catalog = match self.catalog_version(&row.catalog_version).await? {
            Some(c) => c,
            None => self.current_catalog().await?,
        };
        catalog
            .item(&row.item_code)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound(format!("证明事项 {}", row.item_code)))
    }

    /// Issues the approved certificate: number, verification code, the text, the seal-log entry.
    /// The same idempotency key returns the certificate issued the first time.
    pub async fn issue_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        idempotency_key: &str,
    ) -> Result<CertificateRow, ServiceError> {
        self.issue(actor, Op::Do(meta), community, id, idempotency_key)
            .await?
            .ok_or_else(|| ServiceError::Internal("issuing wrote no certificate".into()))
    }

    /// `None` only when checking.
    async fn issue(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
        idempotency_key: &str,
    ) -> Result<Option<CertificateRow>, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let key = idempotency_key.trim();
        if key.is_empty() || key.len() > 100 {
            return Err(rejected(
                "idempotency_key_required",
                "出具证明须带幂等键（Idempotency-Key，1–100 个字符），重试时使用同一个键，以免重复出具",
            ));
        }
        let row = self.readable_application(actor, community, id).await?;
        if row.status == "issued"
            && let Some(c) = self
                .store
                .certificate_for_application(&row.community_code, &row.id)
                .await?
            && c.idempotency_key == key
        {
            return Ok(Some(c));
        }
        if row.status != "approved" {
            return Err(rejected(
                "wrong_state",
                format!(
                    "只有已批准用印的申请才能出具，这份申请现在是“{}”",
                    status_label(&row.status)
                ),
            ));
        }
        if row.purged_at.is_some() {
            return Err(rejected(
                "personal_data_purged",
                "申请人信息已按保存期限删除，不能再出具",
            ));
        }
        step(
            &row,
            CertAction::Issue,
            actor.username.as_deref().unwrap_or(""),
            "",
        )?;
        let item = self.item_of(&row).await?;
        let spec = item.certificate.as_ref().ok_or_else(|| {
            ServiceError::Internal(format!("certificate item {} has no spec", item.code))
        })?;
        let key_data = self.data_key().await?;
        let full_id = key_data.decrypt(&row.id_number_enc)?;
        let mut values = self.saved_facts(&row).await?;
        let tree = self.org_tree().await?;
        let used = document::placeholders(&spec.template);
        for f in AUTO_FIELDS
            .into_iter()
            .filter(|f| used.iter().any(|u| u == f))
        {
            values.insert(f.to_string(), auto_value(&tree, f, &row, Some(&full_id)));
        }
        // No seal on a blank document: the text must be complete at the moment of sealing.
        let body =
            document::fill(&spec.template, &values).map_err(|e| rejected(e.code(), e.message()))?;
        let Op::Do(meta) = op else { return Ok(None) };
        let mut random = [0u8; 5];
        getrandom::fill(&mut random).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
        let code = codes::format_verify_code(random);
        let normalized = codes::normalize_verify_code(&code).ok_or_else(|| {
            ServiceError::Internal("fresh verification code does not parse".into())
        })?;
        let today = self.today();
        let now = self.now_ms();
        let me = actor.username.clone().unwrap_or_default();
        let approver = row.approved_by.clone().unwrap_or_default();
        let cert = CertificateRow {
            number: String::new(),
            community_code: row.community_code.clone(),
            application_id: row.id.clone(),
            item_code: item.code.clone(),
            title: item.name.clone(),
            // A certificate for the resident's own use is addressed to no one.
            addressee: if row.asking_unit == application::SELF_USE {
                String::new()
            } else {
                row.asking_unit.clone()
            },
            body_enc: key_data.encrypt(&body)?,
            holder_masked: mask_name(&row.applicant_name),
            issued_on: self.today_beijing(),
            issued_at: now,
            issued_by: me.clone(),
            approved_by: approver.clone(),
            verify_code_hash: sha256_hex(normalized.as_bytes()),
            verify_code_enc: key_data.encrypt(&code)?,
            seal_seq: 0,
            status: "valid".into(),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            idempotency_key: key.to_string(),
        };
        let seal = SealDraft {
            community_code: row.community_code.clone(),
            kind: "certificate".into(),
            subject: String::new(),
            content: format!("出具{}（{}）", item.name, mask_name(&row.applicant_name)),
            copies: 1,
            approver,
            handler: me,
            applicant: row.applicant_name.clone(),
            contact: row.phone.clone(),
            used_at: now,
        };
        let community_code = row.community_code.clone();
        let year = today.year();
        let number_for = move |seq: u64| codes::certificate_number(&community_code, year, seq);
        let mut audit = self.audit(
            actor,
            meta,
            "certificate.issue",
            format!("certificate_application:{}/{}", row.community_code, row.id),
        );
        audit.detail = serde_json::json!({"application": row.id, "item": item.code}).to_string();
        // The applicant hears it is ready, with its number and where to fetch it (issue 10 §1).
        let applicant = self.applicant_of(actor, &row).await?;
        let office = full_name_in(&tree, &row.community_code);
        let tell = |c: &CertificateRow| match &applicant {
            Some(to) => self.tell_applicant(
                actor,
                meta,
                to,
                &row,
                "certificate_issued",
                &format!("您的证明已出具：{}", row.item_name),
                &format!(
                    "“{}”已出具，证明编号 {}。请持本人身份证到{}领取盖章的纸质证明；\
                     也可在申请页面查看证明并下载 PDF。",
                    row.item_name, c.number, office
                ),
            ),
            None => Told::default(),
        };
        let outcome = self
            .store
            .issue_certificate(
                NewCertificate {
                    row: cert,
                    year,
                    seal,
                    seal_alg: self.seal_hash_alg()?,
                },
                &number_for,
                &tell,
                audit,
            )
            .await?;
        match outcome {
            IssueOutcome::Issued(c) | IssueOutcome::Repeated(c) => Ok(Some(c)),
            IssueOutcome::WrongState(state) => Err(rejected(
                "wrong_state",
                format!(
                    "这份申请刚被别人处理过（现在是“{}”），请刷新页面",
                    status_label(state.as_deref().unwrap_or(""))
                ),
            )),
            IssueOutcome::KeyReused => Err(rejected(
                "idempotency_key_reused",
                "这个幂等键已用于本社区的另一份证明，请为每次出具使用新的键",
            )),
        }
    }

    /// A certificate by its number as typed: the community is read from the number (the
    /// distribution column of `certificates`), so the lookup touches one community's data.
    async fn stored_certificate(
        &self,
        number: &str,
    ) -> Result<Option<CertificateRow>, ServiceError> {
        let Some(n) = codes::parse_certificate_number(number) else {
            return Ok(None);
        };
        Ok(self
            .store
            .certificate(&n.community_code, &n.to_string())
            .await?)
    }

    /// The certificate for staff of its community or its own applicant.
    pub async fn certificate_for(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<CertificateRow, ServiceError> {
        let not_found = || ServiceError::NotFound(format!("证明 {number}"));
        let c = self
            .stored_certificate(number)
            .await?
            .ok_or_else(not_found)?;
        self.readable_application(actor, &c.community_code, &c.application_id)
            .await
            .map_err(|_| not_found())?;
        Ok(c)
    }

    /// The verification code printed on a certificate, for its issuer's community only.
    pub async fn certificate_code(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let c = self.certificate_for(actor, number).await?;
        self.certificate_code_of(actor, &c).await
    }

    /// The code of a certificate already loaded (e.g. just issued), without reading it again.
    pub async fn certificate_code_of(
        &self,
        actor: &Actor,
        c: &CertificateRow,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        if self.actor_community(actor).await? != c.community_code {
            return Err(ServiceError::NotFound(format!("证明 {}", c.number)));
        }
        self.data_key().await?.decrypt(&c.verify_code_enc)
    }

    pub async fn list_certificates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<CertificateRow>, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let community = self.actor_community(actor).await?;
        Ok(self.store.list_certificates(&community, 500).await?)
    }

    /// The printable PDF (A4, embedded fonts, QR code to the public verification page).
    pub async fn certificate_pdf(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let c = self.certificate_for(actor, number).await?;
        if c.body_enc.is_empty() {
            return Err(rejected(
                "personal_data_purged",
                "证明正文已按个人信息保存期限删除，不能再打印；证明本身仍可公开核验",
            ));
        }
        let key = self.data_key().await?;
        let body = key.decrypt(&c.body_enc)?;
        let code = key.decrypt(&c.verify_code_enc)?;
        let community_name = full_name_in(&*self.org_tree().await?, &c.community_code);
        let issued_on = c.issued_on.splitn(3, '-').collect::<Vec<_>>();
        let issued_on_zh = match issued_on.as_slice() {
            [y, m, d] => format!(
                "{y}年{}月{}日",
                m.trim_start_matches('0'),
                d.trim_start_matches('0')
            ),
            _ => c.issued_on.clone(),
        };
        let url = format!(
            "{}/verify?number={}&code={}",
            self.public_base_url(),
            c.number,
            code
        );
        let addressee = if c.addressee.is_empty() {
            String::new()
        } else {
            format!("{}：", c.addressee)
        };
        // The legal basis, as the list in force when it was applied for states it.
        let basis = match self
            .store
            .certificate_application(&c.community_code, &c.application_id)
            .await?
        {
            Some(a) => {
                let catalog = match self.catalog_version(&a.catalog_version).await? {
                    Some(cat) => cat,
                    None => self.current_catalog().await?,
                };
                catalog
                    .item(&c.item_code)
                    .map(|it| {
                        it.legal_basis
                            .iter()
                            .map(|b| catalog.cite(b))
                            .collect::<Vec<_>>()
                            .join("；")
                    })
                    .unwrap_or_default()
            }
            None => String::new(),
        };
        let basis = if basis.is_empty() {
            String::new()
        } else {
            format!("出具依据：{basis}。")
        };
        let mut notes =
            vec!["本证明仅用于上述用途，涂改无效；以核验页面显示的状态为准。".to_string()];
        if !basis.is_empty() {
            notes.push(basis);
        }
        let revoked = c.status == "revoked";
        // Rendering is CPU work (milliseconds); keep it off the async workers.
        let bytes = tokio::task::spawn_blocking(move || {
            let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
            jianfu_pdf::render_certificate(&jianfu_pdf::CertificateDoc {
                title: &c.title,
                number: &c.number,
                body: &body,
                addressee: &addressee,
                community_name: &community_name,
                issued_on: &issued_on_zh,
                verify_code: &code,
                verify_url: &url,
                notes: &notes,
                revoked,
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("pdf task: {e}")))?;
        bytes.map_err(|e| rejected(e.code(), e.to_string()))
    }

    pub fn public_base_url(&self) -> String {
        self.config
            .public_base_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{}", self.config.bind))
    }

    /// 作废: the director withdraws a certificate, with a reason; public verification then says so.
    pub async fn revoke_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        number: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        self.revoke_issued(actor, Op::Do(meta), number, reason)
            .await
    }

    /// Whether voiding the certificate `number` for `reason` would be accepted now; writes
    /// nothing (see [`Op`]).
    pub async fn check_certificate_revoke(
        &self,
        actor: &Actor,
        number: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        self.revoke_issued(actor, Op::Check, number, reason).await
    }

    /// Whether `action` ("issue", "refuse" or "withdraw") on an application would be accepted
    /// now, checked as doing it would; writes nothing (see [`Op`]).
    pub async fn check_certificate_action(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        action: &str,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<(), ServiceError> {
        match action {
            "issue" => self
                .issue(actor, Op::Check, community, id, idempotency_key)
                .await
                .map(|_| ()),
            "refuse" => {
                self.refuse_application(actor, Op::Check, community, id, reason)
                    .await
            }
            "withdraw" => {
                self.withdraw_application(actor, Op::Check, community, id)
                    .await
            }
            _ => Err(ServiceError::NotFound("该操作".into())),
        }
    }

    async fn revoke_issued(
        &self,
        actor: &Actor,
        op: Op<'_>,
        number: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ApproveSealUse)?;
        let c = self.certificate_for(actor, number).await?;
        let reason = trimmed(reason, 500, "作废原因")?;
        let state = if c.status == "valid" {
            CertState::Issued
        } else {
            CertState::Revoked
        };
        let case = Case {
            state,
            submitted_by: "",
            verified_by: None,
            approved_by: None,
        };
        let mv = Move {
            action: CertAction::Revoke,
            by: actor.username.as_deref().unwrap_or(""),
            reason: &reason,
        };
        transition(&case, &mv).map_err(|e| rejected(e.code(), e.to_string()))?;
        let Op::Do(meta) = op else { return Ok(()) };
        let mut audit = self.audit(
            actor,
            meta,
            "certificate.revoke",
            format!("certificate:{}", c.number),
        );
        // The reason may name people: the audit keeps its length, the certificate keeps the text
        // (until the retention rule).
        audit.detail = serde_json::json!({"reason_chars": reason.chars().count()}).to_string();
        let me = actor.username.clone().unwrap_or_default();
        // The holder hears that his certificate no longer stands, and why.
        let told = match self
            .store
            .certificate_application(&c.community_code, &c.application_id)
            .await?
        {
            Some(app) => match self.applicant_of(actor, &app).await? {
                Some(to) => self.tell_applicant(
                    actor,
                    meta,
                    &to,
                    &app,
                    "certificate_revoked",
                    &format!("您的证明已作废：{}", c.title),
                    &format!("证明 {} 已作废，不能再使用。原因：{reason}", c.number),
                ),
                None => Told::default(),
            },
            None => Told::default(),
        };
        if !self
            .store
            .revoke_certificate(
                &c.community_code,
                &c.number,
                &me,
                self.now_ms(),
                &reason,
                &told,
                audit,
            )
            .await?
        {
            return Err(rejected("wrong_state", "这份证明已经作废"));
        }
        Ok(())
    }

    /// The applicant's full ID number, for the director only; every view is audited.
    pub async fn reveal_id_number(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::ViewFullIdNumber)?;
        let row = self.readable_application(actor, community, id).await?;
        if row.purged_at.is_some() || row.id_number_enc.is_empty() {
            return Err(rejected("personal_data_purged", "身份证号已按保存期限删除"));
        }
        let full = self.data_key().await?.decrypt(&row.id_number_enc)?;
        // Audited before it is shown: no record, no view.
        let audit = self.audit(
            actor,
            meta,
            "certificate.id_viewed",
            format!("certificate_application:{}/{}", row.community_code, row.id),
        );
        self.store.append_audit(audit).await?;
        Ok(full)
    }

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
        Ok(VerifiedCertificate {
            number: c.number.clone(),
            title: c.title.clone(),
            community_name: full_name_in(&*self.org_tree().await?, &c.community_code),
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
            seal_seq: c.seal_seq,
            seal_proof: self.public_seal_proof(c.seal_seq, now).await?,
        })
    }

    /// The seal-log proof shown with a verified certificate, from the short-lived cache.
    async fn public_seal_proof(
        &self,
        seq: i64,
        now: i64,
    ) -> Result<Option<SealProof>, ServiceError> {
        if let Some(p) = self.proof_cache.get(seq, now) {
            return Ok(p);
        }
        let to_public = |p: super::seal::InclusionProofView| SealProof {
            state: match p.state {
                super::seal::ProofState::Covered => "covered",
                super::seal::ProofState::Pending => "pending",
            }
            .into(),
            message: p.message,
            verified: p.verified,
            hash_alg: p.hash_alg.as_str().into(),
            leaf_index: p.leaf_index,
            leaf_hash: p.leaf_hash,
            path: p.path,
            checkpoint_size: p.checkpoint.as_ref().map(|c| c.size),
            checkpoint_root: p.checkpoint.as_ref().map(|c| c.root.clone()),
            checkpoint_signed_at: p.checkpoint.as_ref().map(|c| c.signed_at),
            checkpoint_signature: p.checkpoint.as_ref().map(|c| c.signature.clone()),
            public_key: p.key.as_ref().map(|k| k.public_key.clone()),
            key_fingerprint: p.key.map(|k| k.fingerprint),
        };
        let p = self.seal_inclusion_proof(seq).await?.map(to_public);
        // Only settled answers are kept: a pending entry must show its proof as soon as the next
        // checkpoint is signed, and a mismatch must never be hidden behind a cached success.
        if let Some(proof) = p.as_ref().filter(|p| p.state == "covered" && p.verified) {
            self.proof_cache.put(seq, now, Some(proof.clone()));
        }
        Ok(p)
    }

    /// Deletes personal data of applications finished longer ago than the retention period.
    pub async fn purge_expired_personal_data(
        &self,
        meta: &RequestMeta,
    ) -> Result<PurgeCounts, ServiceError> {
        let days = self.config.personal_data_retention_days;
        let now = self.now_ms();
        let Some(before) = jianfu_domain::retention::delete_finished_before(now, days) else {
            return Ok(PurgeCounts::default());
        };
        let mut audit = self.audit(
            &Actor::console(),
            meta,
            "certificate.retention_purge",
            "certificates",
        );
        audit.detail = serde_json::json!({"retention_days": days}).to_string();
        let counts = self
            .store
            .purge_certificate_personal_data(before, now, audit)
            .await?;
        // The seal log keeps its entries (they are chained); only their personal rows go.
        let mut audit = self.audit(&Actor::console(), meta, "seal.retention_purge", "seal_log");
        audit.detail = serde_json::json!({"retention_days": days}).to_string();
        self.store.purge_seal_personal(before, audit).await?;
        Ok(counts)
    }
}

/// The checks one file must pass to be a material of `item`: a material the item asks for, the
/// size limit, and a type read from the content (never from the name). Returns the type.
pub(crate) fn check_upload(u: &Upload, item: &CatalogItem) -> Result<String, ServiceError> {
    let spec = item
        .certificate
        .as_ref()
        .and_then(|s| s.materials.iter().find(|m| m.key == u.material));
    let Some(spec) = spec else {
        return Err(rejected(
            "unknown_material",
            format!("“{}”不是这项证明需要的材料", u.material),
        ));
    };
    let label = &spec.name;
    if u.bytes.len() > MAX_MATERIAL_BYTES {
        return Err(rejected(
            "material_too_large",
            format!(
                "“{label}”文件过大（{:.1} MB），每个文件不超过 {} MB；手机照片可先压缩或截图",
                u.bytes.len() as f64 / 1_048_576.0,
                MAX_MATERIAL_BYTES / 1_048_576
            ),
        ));
    }
    match sniff(&u.bytes) {
        Sniffed::Allowed(kind) => Ok(kind.as_str().to_string()),
        Sniffed::Other(found) => Err(rejected(
            "material_type_not_allowed",
            format!(
                "“{label}”只能是 PDF、JPEG 或 PNG 文件，收到的文件内容是：{found}（与文件扩展名无关）"
            ),
        )),
    }
}

fn fact_fields(
    tree: &OrgTree,
    item: &CatalogItem,
    row: &CertificateApplicationRow,
    saved: &BTreeMap<String, String>,
) -> Vec<FactField> {
    let Some(spec) = &item.certificate else {
        return Vec::new();
    };
    document::placeholders(&spec.template)
        .into_iter()
        .map(|name| {
            let auto = AUTO_FIELDS.contains(&name.as_str());
            let value = if auto {
                match name.as_str() {
                    "身份证号" => mask_id_from_last4(&row.id_number_last4),
                    _ => auto_value(tree, &name, row, None),
                }
            } else if name.ends_with("身份证号") {
                // Other people's ID numbers are masked like the applicant's.
                id_number::mask(saved.get(&name).map(String::as_str).unwrap_or(""))
            } else {
                saved.get(&name).cloned().unwrap_or_default()
            };
            FactField { name, value, auto }
        })
        .collect()
}

/// The value of an automatic placeholder; the full ID number only when given (at issuance).
fn auto_value(
    tree: &OrgTree,
    name: &str,
    row: &CertificateApplicationRow,
    id: Option<&str>,
) -> String {
    match name {
        "申请人" => row.applicant_name.clone(),
        "身份证号" => id.map(str::to_string).unwrap_or_default(),
        "社区名称" => full_name_in(tree, &row.community_code),
        "事由" => row.reason.clone(),
        "用途" => row.purpose.clone(),
        "要求开具单位" => row.asking_unit.clone(),
        _ => String::new(),
    }
}
