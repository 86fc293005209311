//! 作废: the director voids an issued certificate with a reason; the holder is told, and public
//! verification shows it from then on.

use super::{rejected, trimmed};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::certificate::lifecycle::{Case, CertAction, CertState, Move, transition};
use jianfu_domain::permission::Permission;
use jianfu_store::Told;

impl App {
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
}
