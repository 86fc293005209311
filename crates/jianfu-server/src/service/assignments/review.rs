//! Decisions on a submitted case: what the viewer may do now, 街道预审, district approval and
//! refusal, withdrawal by the department, revocation of work in force, and the dry run of each
//! (the question before an irreversible one is asked only of what would be done).

use super::{CaseOut, MAX_TEXT, bad_transition, rejected, request_of, state_of};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, Op, RequestMeta, ServiceError, text_field};
use jianfu_domain::OrgCode;
use jianfu_domain::assignment::{self as case, CaseAction, CaseState};
use jianfu_domain::gate::Decision;
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_store::{AssignmentRow, CaseChange};

/// Whether the gate marked the case as a candidate for the next catalog version.
fn is_list_candidate(row: &AssignmentRow) -> bool {
    serde_json::from_str::<Decision>(&row.decision_json)
        .is_ok_and(|d| d.reasons.iter().any(|r| r.rule == "list_update_candidate"))
}

impl App {
    /// What the viewer may do with a case now (for the page's buttons).
    pub async fn case_actions(&self, actor: &Actor, c: &CaseOut) -> CaseActions {
        let state = CaseState::parse(&c.status).unwrap_or(CaseState::Refused);
        let can = |a: CaseAction| case::transition(state, a).is_ok();
        let own =
            actor.is_console() || actor.org.as_ref().map(|o| o.as_str()) == Some(&c.department);
        let street = match actor.scope() {
            Scope::Subtree(s) => self
                .org_tree()
                .await
                .map(|t| {
                    c.communities
                        .iter()
                        .any(|x| OrgCode::parse(&x.code).is_ok_and(|code| t.is_within(&code, &s)))
                })
                .unwrap_or(false),
            _ => actor.is_console(),
        };
        CaseActions {
            review: actor.may(Permission::ReviewAssignments)
                && street
                && can(CaseAction::Review)
                && c.review_outcome.is_none(),
            approve: actor.may(Permission::ApproveAssignments) && can(CaseAction::Approve),
            refuse: actor.may(Permission::ApproveAssignments)
                && state == CaseState::PendingApproval,
            withdraw: actor.may(Permission::SubmitAssignments) && own && can(CaseAction::Withdraw),
            revoke: (actor.may(Permission::ApproveAssignments)
                || actor.may(Permission::ConfirmViolations))
                && can(CaseAction::Revoke),
        }
    }

    /// 街道预审: the street records whether it agrees; the case stays pending for the district.
    pub async fn review_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        department: &str,
        id: &str,
        agree: bool,
        comment: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ReviewAssignments)?;
        let (row, targets) = self.visible_case(actor, department, id).await?;
        if !actor.is_console() {
            let Scope::Subtree(street) = actor.scope() else {
                return Err(ServiceError::Forbidden);
            };
            if !targets.iter().any(|t| t.street_code == street.as_str()) {
                return Err(rejected(
                    "not_your_street",
                    "只能预审发往本街道（镇）社区的事项",
                ));
            }
        }
        let comment = &text_field::paragraph(comment, MAX_TEXT, "预审意见")?;
        if !agree && comment.is_empty() {
            return Err(rejected(
                "comment_required",
                "不同意时请写明预审意见，供区级审批参考",
            ));
        }
        if row.review_outcome.is_some() {
            return Err(rejected("already_reviewed", "该事项已有街道预审意见"));
        }
        let from = state_of(&row)?;
        let to = case::transition(from, CaseAction::Review).map_err(bad_transition)?;
        let outcome = if agree { "agree" } else { "disagree" };
        let shown = format!(
            "{}{}{}",
            if agree { "同意" } else { "不同意" },
            if comment.is_empty() { "" } else { "：" },
            comment
        );
        self.apply(
            actor,
            meta,
            &row,
            from,
            to,
            "review",
            &shown,
            Some((outcome.to_string(), comment.to_string())),
            None,
        )
        .await?;
        Ok(())
    }

    /// Whether `action` ("approve", "refuse", "withdraw" or "revoke") with `comment` would be
    /// accepted now, checked exactly as doing it would, without writing anything. Pages ask for
    /// confirmation only of what would be done (a missing reason is said at once).
    pub async fn check_case_action(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
        action: &str,
        comment: &str,
        add_to_next_catalog: bool,
    ) -> Result<(), ServiceError> {
        let (d, op) = (department, Op::Check);
        match action {
            "approve" => self
                .approve_case(actor, op, d, id, comment, add_to_next_catalog)
                .await
                .map(|_| ()),
            "refuse" => self.refuse_case(actor, op, d, id, comment).await,
            "withdraw" => self.withdraw_case(actor, op, d, id, comment).await,
            "revoke" => self.revoke_case(actor, op, d, id, comment).await,
            _ => Err(ServiceError::NotFound("该操作".into())),
        }
    }

    /// District approval: the work is put in force with an access number, its validity and its
    /// funding rows; the department is told.
    pub async fn approve_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        department: &str,
        id: &str,
        comment: &str,
        add_to_next_catalog: bool,
    ) -> Result<Option<String>, ServiceError> {
        let op = Op::Do(meta);
        self.approve_case(actor, op, department, id, comment, add_to_next_catalog)
            .await
    }

    async fn approve_case(
        &self,
        actor: &Actor,
        op: Op<'_>,
        department: &str,
        id: &str,
        comment: &str,
        add_to_next_catalog: bool,
    ) -> Result<Option<String>, ServiceError> {
        actor.require(Permission::ApproveAssignments)?;
        let comment = &text_field::paragraph(comment, MAX_TEXT, "审批意见")?;
        let (row, targets) = self.visible_case(actor, department, id).await?;
        let from = state_of(&row)?;
        let to = case::transition(from, CaseAction::Approve).map_err(bad_transition)?;
        let req = request_of(&row)?;
        if add_to_next_catalog && !is_list_candidate(&row) {
            return Err(rejected(
                "not_a_list_candidate",
                "只有申请单位说明所引条款规定了社区职责、准入检查标为“清单更新候选”的清单外事项，才能列入下一版清单草稿",
            ));
        }
        let admission = self.admission(&row, &req, &targets, row.requires_funding)?;
        let Op::Do(meta) = op else {
            return Ok(None);
        };
        let now = self.now_ms();
        let change = CaseChange {
            department_code: row.department_code.clone(),
            id: row.id.clone(),
            from_status: from.as_str().into(),
            to_status: to.as_str().into(),
            at: now,
            review: None,
            admission: Some(admission),
            list_candidate: add_to_next_catalog.then_some(true),
        };
        let comment = if add_to_next_catalog {
            format!("{}（列入下一版清单草稿）", comment.trim())
        } else {
            comment.trim().to_string()
        };
        let number = self
            .apply_change(actor, meta, &row, change, "approve", &comment)
            .await?;
        let body = format!(
            "“{}”已经区级批准准入，准入编号 {}，有效期 {} 至 {}。{}",
            row.title,
            number.as_deref().unwrap_or(""),
            row.period_from,
            row.period_to,
            comment.trim()
        );
        self.tell_department(
            actor,
            meta,
            &row,
            "assignment.approved",
            "准入申请已批准",
            &body,
        )
        .await?;
        Ok(number)
    }

    /// District refusal, with the reasons the department will read.
    pub async fn refuse_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        department: &str,
        id: &str,
        comment: &str,
    ) -> Result<(), ServiceError> {
        self.refuse_case(actor, Op::Do(meta), department, id, comment)
            .await
    }

    async fn refuse_case(
        &self,
        actor: &Actor,
        op: Op<'_>,
        department: &str,
        id: &str,
        comment: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ApproveAssignments)?;
        let (row, _) = self.visible_case(actor, department, id).await?;
        let comment = &text_field::paragraph(comment, MAX_TEXT, "不予准入的理由")?;
        if comment.is_empty() {
            return Err(rejected(
                "comment_required",
                "不予准入时请写明理由，申请部门会看到这些理由",
            ));
        }
        let from = state_of(&row)?;
        if from != CaseState::PendingApproval {
            return Err(bad_transition(case::TransitionError {
                from,
                action: CaseAction::Refuse,
            }));
        }
        let to = case::transition(from, CaseAction::Refuse).map_err(bad_transition)?;
        let Op::Do(meta) = op else {
            return Ok(());
        };
        self.apply(actor, meta, &row, from, to, "refuse", comment, None, None)
            .await?;
        let body = format!("“{}”经区级审批不予准入。理由：{comment}", row.title);
        self.tell_department(
            actor,
            meta,
            &row,
            "assignment.refused",
            "准入申请未获批准",
            &body,
        )
        .await
    }

    /// The submitting department withdraws its request before a final decision.
    pub async fn withdraw_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        department: &str,
        id: &str,
        comment: &str,
    ) -> Result<(), ServiceError> {
        self.withdraw_case(actor, Op::Do(meta), department, id, comment)
            .await
    }

    async fn withdraw_case(
        &self,
        actor: &Actor,
        op: Op<'_>,
        department: &str,
        id: &str,
        comment: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::SubmitAssignments)?;
        let comment = &text_field::paragraph(comment, MAX_TEXT, "撤回说明")?;
        let (row, _) = self.visible_case(actor, department, id).await?;
        if !actor.is_console()
            && actor.org.as_ref().map(|o| o.as_str()) != Some(row.department_code.as_str())
        {
            return Err(rejected("not_your_request", "只有申请单位可以撤回申请"));
        }
        let from = state_of(&row)?;
        let to = case::transition(from, CaseAction::Withdraw).map_err(bad_transition)?;
        let Op::Do(meta) = op else {
            return Ok(());
        };
        self.apply(actor, meta, &row, from, to, "withdraw", comment, None, None)
            .await?;
        Ok(())
    }

    /// Work in force is revoked (the approver's decision, or a confirmed violation); the
    /// department and the communities are told.
    pub async fn revoke_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        department: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        self.revoke_case(actor, Op::Do(meta), department, id, reason)
            .await
    }

    async fn revoke_case(
        &self,
        actor: &Actor,
        op: Op<'_>,
        department: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        if !(actor.may(Permission::ApproveAssignments) || actor.may(Permission::ConfirmViolations))
        {
            return Err(ServiceError::Forbidden);
        }
        let (row, targets) = self.visible_case(actor, department, id).await?;
        let reason = &text_field::paragraph(reason, MAX_TEXT, "撤销理由")?;
        if reason.is_empty() {
            return Err(rejected("reason_required", "撤销时请写明理由"));
        }
        let from = state_of(&row)?;
        let to = case::transition(from, CaseAction::Revoke).map_err(bad_transition)?;
        let Op::Do(meta) = op else {
            return Ok(());
        };
        self.apply(actor, meta, &row, from, to, "revoke", reason, None, None)
            .await?;
        let body = format!(
            "“{}”（准入编号 {}）已撤销，社区不再承担。理由：{reason}",
            row.title,
            row.access_number.as_deref().unwrap_or("无")
        );
        self.tell_department(
            actor,
            meta,
            &row,
            "assignment.revoked",
            "准入事项已撤销",
            &body,
        )
        .await?;
        let communities: Vec<Recipient> = targets
            .iter()
            .map(|t| Recipient::organisation(t.community_code.clone()))
            .collect();
        self.notify_all(
            actor,
            meta,
            &communities,
            "assignment.revoked",
            "准入事项已撤销",
            &body,
            "/assignments",
        )
        .await?;
        Ok(())
    }
}

/// What the viewer may do with a case now.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseActions {
    pub review: bool,
    pub approve: bool,
    pub refuse: bool,
    pub withdraw: bool,
    pub revoke: bool,
}

impl CaseActions {
    pub fn any(&self) -> bool {
        self.review || self.approve || self.refuse || self.withdraw || self.revoke
    }
}
