//! The steps before issuing: the worker verifies the facts, the director approves the seal, a
//! worker refuses or the applicant withdraws; each moves the state machine and tells the next
//! person (and the applicant) in the same transaction.

use super::{
    AUTO_FIELDS, application_link, auto_value, one_line, rejected, step, subject_of, trimmed,
};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::Role;
use jianfu_domain::certificate::lifecycle::CertAction;
use jianfu_domain::certificate::{application, document, id_number};
use jianfu_domain::masking::mask_name;
use jianfu_domain::permission::Permission;
use jianfu_store::{ApplicationChange, CertificateApplicationRow, Told};
use std::collections::BTreeMap;

impl App {
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
    ) -> Result<CertificateApplicationRow, ServiceError> {
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
    ) -> Result<CertificateApplicationRow, ServiceError> {
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
    ) -> Result<CertificateApplicationRow, ServiceError> {
        self.refuse_application(actor, Op::Do(meta), community, id, reason)
            .await
            .and_then(done)
    }

    async fn refuse_application(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
        reason: &str,
    ) -> Result<Option<CertificateApplicationRow>, ServiceError> {
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
        let Op::Do(meta) = op else { return Ok(None) };
        self.change_application(actor, meta, &row, change, "certificate.refuse")
            .await
            .map(Some)
    }

    /// The resident takes back an application nobody has worked on yet.
    pub async fn withdraw_certificate_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<CertificateApplicationRow, ServiceError> {
        self.withdraw_application(actor, Op::Do(meta), community, id)
            .await
            .and_then(done)
    }

    async fn withdraw_application(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
    ) -> Result<Option<CertificateApplicationRow>, ServiceError> {
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
        let Op::Do(meta) = op else { return Ok(None) };
        self.change_application(actor, meta, &row, change, "certificate.withdraw")
            .await
            .map(Some)
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
            "refuse" => self
                .refuse_application(actor, Op::Check, community, id, reason)
                .await
                .map(|_| ()),
            "withdraw" => self
                .withdraw_application(actor, Op::Check, community, id)
                .await
                .map(|_| ()),
            _ => Err(ServiceError::NotFound("该操作".into())),
        }
    }

    async fn change_application(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &CertificateApplicationRow,
        change: ApplicationChange,
        action: &str,
    ) -> Result<CertificateApplicationRow, ServiceError> {
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
        self.store
            .change_certificate_application(&row.community_code, &row.id, &change, &told, audit)
            .await?
            .ok_or_else(|| {
                rejected(
                    "wrong_state",
                    "这份申请刚被别人处理过，请刷新页面查看最新状态",
                )
            })
    }
}

/// A step done for real (`Op::Do`) always yields the changed application.
fn done(
    changed: Option<CertificateApplicationRow>,
) -> Result<CertificateApplicationRow, ServiceError> {
    changed.ok_or_else(|| ServiceError::Internal("step checked but not done".into()))
}
