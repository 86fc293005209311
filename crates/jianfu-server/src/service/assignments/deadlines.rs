//! The approval deadline: the approvers told of a case waiting for them, the warning when the
//! deadline crosses a year without its holiday notice, escalation of cases past it, and the
//! expiry of work whose validity has ended. The last two run every minute from `serve`.

use super::{bad_transition, case_link, deadline_day, state_of};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::Role;
use jianfu_domain::assignment::{self as case, CaseAction, CaseState};
use jianfu_store::{AssignmentRow, Subject, Told};

fn system_actor() -> Actor {
    Actor {
        user_id: None,
        username: Some("system".into()),
        display_name: "系统（审批期限提醒）".into(),
        roles: vec![],
        org: None,
    }
}

impl App {
    /// A pending case's approval deadline crossing a year without its holiday notice.
    pub(super) fn deadline_warnings(
        &self,
        r: &AssignmentRow,
    ) -> Vec<crate::service::calendar::Warning> {
        use jianfu_domain::clock::beijing_date;
        match r.deadline_at {
            // The deadline is the midnight ending the last working day.
            Some(end) if r.status == CaseState::PendingApproval.as_str() => self
                .deadline_warning(beijing_date(r.submitted_at), beijing_date(end - 1))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The district's approvers are told of a case that waits for their decision, with its
    /// deadline (三(一)：需要社区协助的事项须经区委区政府批准); the notice is handled once the case
    /// leaves pending approval.
    pub(super) async fn approval_requested(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
    ) -> Result<Told, ServiceError> {
        let recipients = self.holders_of(Role::DistrictApprover).await?;
        let tree = self.org_tree().await?;
        let body = format!(
            "{}提交的“{}”需要区级审批，请在 {} 前（含当日）办理。",
            tree.name_or_code(&row.department_code),
            row.title,
            row.deadline_at.map(deadline_day).unwrap_or_default()
        );
        Ok(self
            .told(
                actor,
                meta,
                &recipients,
                "assignment.approval_requested",
                "待审批的下派事项",
                &body,
                &case_link(row),
            )
            .awaiting(
                &Subject::Assignment {
                    department: row.department_code.clone(),
                    id: row.id.clone(),
                },
                CaseState::PendingApproval.as_str(),
            ))
    }

    /// Pending cases past their deadline: marked escalated (once, audited) and the supervisors
    /// and the approvers are told. Run every minute by `serve` and directly by tests.
    pub async fn escalate_overdue(&self, meta: &RequestMeta) -> Result<usize, ServiceError> {
        let now = self.now_ms();
        let overdue = self.store.overdue_assignments(now).await?;
        if overdue.is_empty() {
            return Ok(0);
        }
        let tree = self.org_tree().await?;
        // Supervisors and approvers wherever they sit.
        let mut recipients = self.holders_of(Role::Supervisor).await?;
        recipients.extend(self.holders_of(Role::DistrictApprover).await?);
        let actor = system_actor();
        let mut count = 0;
        for row in overdue {
            let event = self.event(
                &actor,
                &row.id,
                "escalate",
                Some(CaseState::PendingApproval),
                CaseState::PendingApproval,
                "已超过审批期限，已提醒督查和区级审批",
                now,
            );
            let audit = self.audit(
                &actor,
                meta,
                "assignment.escalate",
                format!("assignment:{}", row.id),
            );
            if !self
                .store
                .mark_escalated(&row.department_code, &row.id, now, &event, audit)
                .await?
            {
                continue;
            }
            count += 1;
            let body = format!(
                "{}提交的“{}”已超过审批期限（{}），尚未审批。",
                tree.name_or_code(&row.department_code),
                row.title,
                row.deadline_at.map(deadline_day).unwrap_or_default()
            );
            let link = case_link(&row);
            // Asks for a decision: handled once the case is no longer pending approval.
            let told = self
                .told(
                    &actor,
                    meta,
                    &recipients,
                    "assignment.overdue",
                    "准入审批超期",
                    &body,
                    &link,
                )
                .awaiting(
                    &Subject::Assignment {
                        department: row.department_code.clone(),
                        id: row.id.clone(),
                    },
                    CaseState::PendingApproval.as_str(),
                );
            self.send(&told).await?;
        }
        Ok(count)
    }

    /// Work whose validity has ended (the period's last day is past, Beijing time) leaves force:
    /// admitted/approved → expired, audited, with an event on the case. Run with the escalation
    /// every minute; returns how many cases expired.
    pub async fn expire_lapsed(&self, meta: &RequestMeta) -> Result<usize, ServiceError> {
        let today = self.today_beijing();
        let actor = system_actor();
        let mut count = 0;
        for row in self.store.lapsed_assignments(&today).await? {
            let from = state_of(&row)?;
            let to = case::transition(from, CaseAction::Expire).map_err(bad_transition)?;
            let comment = format!(
                "准入有效期已于 {} 届满",
                row.valid_to.clone().unwrap_or_default()
            );
            // Another process may have changed the case meanwhile; then it is not ours to expire.
            match self
                .apply(&actor, meta, &row, from, to, "expire", &comment, None, None)
                .await
            {
                Ok(_) => count += 1,
                Err(ServiceError::Rejected {
                    code: "invalid_transition",
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(count)
    }
}
