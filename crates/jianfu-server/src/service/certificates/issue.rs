//! Issuing an approved application: the certificate's number, its verification code, the
//! completed text and the district seal-log entry, written together (or not at all).

use super::{AUTO_FIELDS, auto_value, full_name_in, rejected, sha256_hex, status_label, step};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::certificate::lifecycle::CertAction;
use jianfu_domain::certificate::{application, codes, document};
use jianfu_domain::masking::mask_name;
use jianfu_domain::permission::Permission;
use jianfu_store::{CertificateRow, IssueOutcome, NewCertificate, SealDraft, Told};

impl App {
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
    pub(super) async fn issue(
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
            // Filled by the store: the community's log and the entry's place in it.
            seal_log: String::new(),
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
                    seal_alg: self.district_seal_alg().await?,
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
}
