//! Applying: what a resident submits online, or a worker enters at the window, screened,
//! checked and stored with its materials in one audited transaction.

use super::{MAX_MATERIAL_BYTES, MAX_MATERIALS, one_line, rejected, sha256_hex, trimmed};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::assignment::working_days::format_date;
use jianfu_domain::certificate::lifecycle;
use jianfu_domain::certificate::{application, id_number};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::{Sniffed, sniff};
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{CertificateApplicationRow, MaterialRow, Told};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// Mobile (11 digits, 1…) or landline (area code, hyphen optional, 7–8 digits).
fn valid_phone(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| *c != '-' && *c != ' ').collect();
    digits.chars().all(|c| c.is_ascii_digit())
        && ((digits.len() == 11 && digits.starts_with('1')) || (10..=12).contains(&digits.len()))
}

impl App {
    /// Retained certificates of the list in force, for the application form.
    pub async fn certificate_items(
        &self,
    ) -> Result<(Arc<Catalog>, Vec<CatalogItem>), ServiceError> {
        let c = self.current_catalog().await?;
        let items = c.items_of(ItemKind::Certificate).cloned().collect();
        Ok((c, items))
    }

    /// Screens, checks and stores an application. Returns it as stored; a retry with the same
    /// idempotency key returns the first application and stores nothing new.
    pub async fn apply_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ApplicationInput,
        uploads: Vec<Upload>,
        idempotency_key: Option<&str>,
    ) -> Result<CertificateApplicationRow, ServiceError> {
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
    ) -> Result<CertificateApplicationRow, ServiceError> {
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
            return Ok(done);
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
            Ok(()) => Ok(row),
            // The same key raced in from a parallel retry: answer with the first one.
            Err(jianfu_store::StoreError::Conflict(_)) if key.is_some() => {
                let k = key.as_deref().unwrap_or_default();
                self.store
                    .certificate_application_by_key(&community, k)
                    .await?
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
