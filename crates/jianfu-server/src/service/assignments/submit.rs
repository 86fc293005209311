//! Submitting a request: the gate's dry run (准入检查试算) and the form's field problems, the
//! submission itself with its events and (when admitted at once) its admission, the admission
//! shared with district approval, what the form offers (the communities one may address) and a
//! refused or withdrawn request copied back into a new one.

use super::{CommunitiesInput, PeriodInput, RequestInput, RequestProblem};
use super::{bad_transition, funding_missing, parse_request, rejected, request_of, state_of};
use super::{reachable_communities, requires_funding};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::Org;
use jianfu_domain::assignment::working_days::format_date;
use jianfu_domain::assignment::{
    self as case, CaseAction, CaseState, add_working_days, unfunded_communities,
};
use jianfu_domain::clock::to_millis;
use jianfu_domain::gate::{self, CommunityRole, Decision, GateRequest, Outcome};
use jianfu_domain::permission::Permission;
use jianfu_store::{Admission, AssignmentRow, AssignmentTarget, FundingRow, Told};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

/// 提交结果。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmitResult {
    pub id: String,
    /// 申请单位的机构代码。事项的地址由它和 `id` 组成：`/api/v1/assignments/{department}/{id}`。
    pub department: String,
    /// `admitted` 已准入、`pending_approval` 待区级审批、`refused` 不予准入。
    pub status: String,
    /// 准入检查结论：`admitted`、`needs_approval`、`refused`。
    pub outcome: String,
    /// 准入编号（仅已准入时）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_number: Option<String>,
    /// 审批期限（毫秒时间戳，仅待审批时）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_at: Option<i64>,
    /// 提醒，如 `calendar_missing`：期限跨到尚未载入节假日安排的年份。
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::service::calendar::Warning>,
}

/// Beijing midnight at the start of `d`, in epoch ms.
fn beijing_midnight_ms(d: Date) -> i64 {
    to_millis(d.midnight().assume_offset(time::macros::offset!(+8)))
}

impl App {
    /// 准入检查（试算）: the gate's decision on a request; stores nothing.
    pub async fn evaluate_request(
        &self,
        actor: &Actor,
        input: &RequestInput,
    ) -> Result<Decision, ServiceError> {
        if !(actor.may(Permission::SubmitAssignments) || actor.may(Permission::ApproveAssignments))
        {
            return Err(ServiceError::Forbidden);
        }
        let tree = self.org_tree().await?;
        let cat = self.current_catalog().await?;
        let p = parse_request(actor, input, &tree, &cat, true)?;
        let mandates = self.mandates_in_force(&format_date(self.today())).await?;
        let shared = self.shared_elements().await?;
        Ok(gate::decide(&p.gate, &cat, &mandates, &shared))
    }

    /// Every problem of a request typed into the form, each with its field (the API answers the
    /// first only, with its code); empty when it parses.
    pub async fn request_problems(
        &self,
        actor: &Actor,
        input: &RequestInput,
    ) -> Result<Vec<RequestProblem>, ServiceError> {
        let tree = self.org_tree().await?;
        let cat = self.current_catalog().await?;
        Ok(crate::service::gate_request::request_problems(
            actor, input, &tree, &cat,
        ))
    }

    /// Submits a request: judged by the gate and stored with its decision and catalog version.
    pub async fn submit_assignment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &RequestInput,
    ) -> Result<SubmitResult, ServiceError> {
        actor.require(Permission::SubmitAssignments)?;
        let tree = self.org_tree().await?;
        let cat = self.current_catalog().await?;
        let p = parse_request(actor, input, &tree, &cat, false)?;
        let mandates = self.mandates_in_force(&format_date(self.today())).await?;
        let shared = self.shared_elements().await?;
        let decision = gate::decide(&p.gate, &cat, &mandates, &shared);
        let submitted =
            case::transition(CaseState::Draft, CaseAction::Submit).map_err(bad_transition)?;
        let status = case::transition(
            submitted,
            match decision.outcome {
                Outcome::Admitted => CaseAction::Admit,
                Outcome::NeedsApproval => CaseAction::RequireApproval,
                Outcome::Refused => CaseAction::Refuse,
            },
        )
        .map_err(bad_transition)?;
        let now = self.now_ms();
        let id = uuid::Uuid::now_v7().to_string();
        let deadline_at = (status == CaseState::PendingApproval).then(|| {
            let due = add_working_days(
                self.today(),
                self.config.approval_working_days.max(1),
                &self.calendars.calendar,
            );
            // The end of the last working day, Beijing time.
            beijing_midnight_ms(due.next_day().unwrap_or(due))
        });
        let needs_funding = requires_funding(&p.gate, &cat);
        let row = AssignmentRow {
            department_code: p.department.code.to_string(),
            id: id.clone(),
            title: p.gate.title.clone(),
            item_code: p.gate.item_code.clone(),
            community_role: match p.gate.community_role {
                CommunityRole::Assist => "assist".into(),
                CommunityRole::Responsible => "responsible".into(),
            },
            status: status.as_str().into(),
            outcome: decision.outcome.as_str().into(),
            catalog_version: cat.version.id.clone(),
            request_json: serde_json::to_string(&p.gate)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            decision_json: serde_json::to_string(&decision)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            all_communities: p.all,
            requires_funding: needs_funding,
            period_from: format_date(p.from),
            period_to: format_date(p.to),
            access_number: None,
            valid_from: None,
            valid_to: None,
            deadline_at,
            escalated_at: None,
            review_outcome: None,
            review_comment: None,
            submitted_by: actor.username.clone().unwrap_or_default(),
            submitted_at: now,
            updated_at: now,
            list_candidate: false,
        };
        let targets: Vec<AssignmentTarget> = p
            .communities
            .iter()
            .map(|c| AssignmentTarget {
                community_code: c.code.to_string(),
                assignment_id: id.clone(),
                street_code: c.parent.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect();
        let gate_comment = format!(
            "{}（清单版本 {}）",
            decision.outcome.label_zh(),
            cat.version.id
        );
        let events = vec![
            self.event(
                actor,
                &id,
                "submit",
                Some(CaseState::Draft),
                submitted,
                "",
                now,
            ),
            self.event(
                actor,
                &id,
                "gate",
                Some(submitted),
                status,
                &gate_comment,
                now,
            ),
        ];
        let admission = if status.in_force() {
            Some(self.admission(&row, &p.gate, &targets, needs_funding)?)
        } else {
            None
        };
        let mut audit = self.audit(actor, meta, "assignment.submit", format!("assignment:{id}"));
        audit.detail = serde_json::json!({
            "department": row.department_code,
            "outcome": row.outcome,
            "status": row.status,
            "catalog_version": row.catalog_version,
            "communities": targets.len(),
        })
        .to_string();
        let told = if status == CaseState::PendingApproval {
            self.approval_requested(actor, meta, &row).await?
        } else {
            Told::default()
        };
        let written = self
            .store
            .insert_assignment(&row, &targets, &events, admission.as_ref(), &told, audit)
            .await?;
        let access_number = self.written(written)?;
        let warnings = self.deadline_warnings(&row);
        Ok(SubmitResult {
            warnings,
            id,
            department: row.department_code,
            status: status.as_str().into(),
            outcome: decision.outcome.as_str().into(),
            access_number,
            deadline_at,
        })
    }

    /// The admission of a case: validity = the period, one funding row per community; refused
    /// here (before storage checks again) when required funding is missing.
    pub(super) fn admission(
        &self,
        row: &AssignmentRow,
        req: &GateRequest,
        targets: &[AssignmentTarget],
        needs_funding: bool,
    ) -> Result<Admission, ServiceError> {
        let now = self.now_ms();
        let funding: Vec<FundingRow> = match &req.funding {
            Some(f) if f.amount_fen > 0 && !f.channel.trim().is_empty() => targets
                .iter()
                .map(|t| FundingRow {
                    community_code: t.community_code.clone(),
                    assignment_id: row.id.clone(),
                    department_code: row.department_code.clone(),
                    amount_fen: f.amount_fen,
                    channel: f.channel.clone(),
                    period_from: row.period_from.clone(),
                    period_to: row.period_to.clone(),
                    created_at: now,
                })
                .collect(),
            _ => vec![],
        };
        let codes: Vec<String> = targets.iter().map(|t| t.community_code.clone()).collect();
        let funded: Vec<(String, i64)> = funding
            .iter()
            .map(|f| (f.community_code.clone(), f.amount_fen))
            .collect();
        let missing = unfunded_communities(needs_funding, &codes, &funded);
        if !missing.is_empty() {
            return Err(funding_missing(&missing));
        }
        Ok(Admission {
            year: self.today().year(),
            valid_from: row.period_from.clone(),
            valid_to: row.period_to.clone(),
            funding,
        })
    }

    /// A refused or withdrawn request of the actor's own department, as it was typed, to start a
    /// new request from (issue 10 §2: a refusal can be reworked without retyping anything).
    pub async fn request_to_copy(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
    ) -> Result<RequestInput, ServiceError> {
        actor.require(Permission::SubmitAssignments)?;
        let (row, targets) = self.visible_case(actor, department, id).await?;
        if actor.org.as_ref().map(|o| o.as_str()) != Some(row.department_code.as_str()) {
            return Err(rejected(
                "not_your_request",
                "只有申请单位可以复制自己的申请",
            ));
        }
        if !state_of(&row)?.invites_rework() {
            return Err(rejected(
                "not_copyable",
                "只有不予准入或已撤回的申请可以复制为新申请",
            ));
        }
        let communities = if row.all_communities {
            CommunitiesInput::All("all".into())
        } else {
            CommunitiesInput::List(targets.into_iter().map(|t| t.community_code).collect())
        };
        let period = PeriodInput {
            from: row.period_from.clone(),
            to: row.period_to.clone(),
        };
        Ok(crate::service::gate_request::input_of(
            &request_of(&row)?,
            communities,
            period,
        ))
    }

    /// The communities the actor may address, grouped by street/town (for the request form).
    pub async fn addressable_communities(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Org, Vec<Org>)>, ServiceError> {
        actor.require(Permission::SubmitAssignments)?;
        let tree = self.org_tree().await?;
        let Some(home) = actor.org.as_ref().and_then(|c| tree.get(c)) else {
            return Ok(vec![]);
        };
        let mut groups: Vec<(Org, Vec<Org>)> = Vec::new();
        for c in reachable_communities(&tree, home) {
            let Some(parent) = c.parent.as_ref().and_then(|p| tree.get(p)) else {
                continue;
            };
            match groups.iter_mut().find(|(p, _)| p.code == parent.code) {
                Some((_, list)) => list.push(c.clone()),
                None => groups.push((parent.clone(), vec![c.clone()])),
            }
        }
        Ok(groups)
    }
}
