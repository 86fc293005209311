//! Requests from departments through the gate (准入), district approval, access numbers, what
//! communities see, and the funding ledger (费随事转). Issue 3 §2–§5, §7, §8.
//!
//! A request arrives in the API's shape ([`RequestInput`]), is parsed at this edge into a
//! [`GateRequest`] (every bad input gets its own stable code), judged by the pure gate, and — when
//! submitted — stored with its decision and the catalog version used. State changes follow
//! `jianfu_domain::assignment::transition`; storage re-checks the state and the funding inside the
//! audited transaction.

use super::listing::{ListKind, Listing, Paged, read_page};
use super::notices::Recipient;
use super::{Actor, App, Op, RequestMeta, ServiceError, text_field};
use jianfu_domain::assignment::working_days::format_date;
use jianfu_domain::assignment::{
    self as case, CaseAction, CaseState, add_working_days, unfunded_communities,
};
use jianfu_domain::clock::to_millis;
use jianfu_domain::gate::{self, Burden, CommunityRole, Decision, GateRequest, Outcome};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::{Org, OrgCode, Role};
use jianfu_store::{
    Admission, AssignmentEvent, AssignmentRow, AssignmentScope, AssignmentTarget, CaseChange,
    CaseWrite, FundingLine, FundingRow, Subject, Told,
};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use utoipa::ToSchema;

pub use super::gate_request::{
    BurdenInput, CommunitiesInput, FundingInput, ParsedRequest, PeriodInput, RequestInput,
    RequestProblem, parse_request, reachable_communities, requires_funding,
};

fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

fn bad_transition(e: case::TransitionError) -> ServiceError {
    rejected("invalid_transition", e.to_string())
}

const MAX_TEXT: usize = 2000;

// ---------------------------------------------------------------------------------------------
// What readers get back.

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
    pub warnings: Vec<super::calendar::Warning>,
}

/// 一个目标社区。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityRef {
    pub code: String,
    pub name: String,
    /// 所属街道（镇）名称。
    pub street: String,
}

/// 一条经费记录。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingOut {
    pub community_code: String,
    pub community_name: String,
    /// 金额（分）。
    pub amount_fen: i64,
    /// 金额（元，两位小数的字符串）。
    pub amount_yuan: String,
    pub channel: String,
    pub period_from: String,
    pub period_to: String,
}

/// 办理过程中的一步。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// 毫秒时间戳。
    pub at: i64,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    /// 操作的中文名称。
    pub action_label: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: String,
}

/// 一件准入事项的全部信息。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: String,
    pub department: String,
    pub department_name: String,
    pub title: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    /// 当前状态：draft、submitted、admitted、pending_approval、approved、refused、revoked、expired、withdrawn。
    pub status: String,
    pub status_label: String,
    /// 提交时的准入检查结论。
    pub outcome: String,
    pub catalog_version: String,
    pub community_role: String,
    pub authority: String,
    pub legal_basis: Vec<String>,
    /// 是否为“全部社区”。
    pub all_communities: bool,
    pub communities: Vec<CommunityRef>,
    pub period_from: String,
    pub period_to: String,
    /// 申请中每个社区的经费（分）；无经费时为 null。
    pub funding_fen: Option<i64>,
    pub funding_channel: Option<String>,
    pub access_number: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// 审批期限（毫秒时间戳）。
    pub deadline_at: Option<i64>,
    /// 超期已提醒督查的时间。
    pub escalated_at: Option<i64>,
    /// 街道预审：agree / disagree。
    pub review_outcome: Option<String>,
    pub review_comment: Option<String>,
    pub submitted_by: String,
    pub submitted_at: i64,
    /// 提交时的准入检查结论和理由。
    #[schema(value_type = Object)]
    pub decision: Decision,
    /// 附带要求。
    #[schema(value_type = Vec<Object>)]
    pub burdens: Vec<Burden>,
    pub events: Vec<EventOut>,
    /// 已落实的经费台账。
    pub funding: Vec<FundingOut>,
    /// 工作内容说明。
    pub description: String,
    /// 准入检查标为清单更新候选（申请单位说明所引条款规定了社区的这项职责）。
    pub list_update_candidate: bool,
    /// 已在批准时列入下一版清单草稿。
    pub list_candidate: bool,
    /// 提醒，如 `calendar_missing`：审批期限跨到尚未载入节假日安排的年份。
    pub warnings: Vec<super::calendar::Warning>,
}

/// A case in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub department: String,
    pub department_name: String,
    pub title: String,
    pub status: String,
    pub status_label: String,
    /// CSS tone: on / warn / off.
    pub tone: String,
    pub outcome: String,
    pub access_number: Option<String>,
    pub period_from: String,
    pub period_to: String,
    pub communities: usize,
    pub all_communities: bool,
    pub authority: String,
    pub funding_fen: Option<i64>,
    pub funding_channel: Option<String>,
    pub deadline_at: Option<i64>,
    pub escalated: bool,
    pub submitted_at: i64,
}

/// One total of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingTotal {
    pub key: String,
    pub label: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    /// Number of ledger rows.
    pub rows: usize,
}

/// One ledger row with names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingLineOut {
    pub community_code: String,
    pub community_name: String,
    pub department_code: String,
    pub department_name: String,
    pub assignment_id: String,
    pub title: String,
    pub access_number: Option<String>,
    pub status: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    pub channel: String,
    pub period_from: String,
    pub period_to: String,
}

/// 经费台账：逐条记录及按社区、部门、年度的合计。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingLedger {
    pub lines: Vec<FundingLineOut>,
    pub by_community: Vec<FundingTotal>,
    pub by_department: Vec<FundingTotal>,
    pub by_year: Vec<FundingTotal>,
    pub total_fen: i64,
    pub total_yuan: String,
}

fn event_label(action: &str) -> &'static str {
    match action {
        "submit" => "提交申请",
        "gate" => "自动准入检查",
        "review" => "街道预审",
        "approve" => "区级批准",
        "refuse" => "区级不予准入",
        "withdraw" => "撤回",
        "revoke" => "撤销",
        "escalate" => "超期提醒督查",
        "expire" => "有效期满失效",
        _ => "其他",
    }
}

/// Whether the gate marked the case as a candidate for the next catalog version.
fn is_list_candidate(row: &AssignmentRow) -> bool {
    serde_json::from_str::<Decision>(&row.decision_json)
        .is_ok_and(|d| d.reasons.iter().any(|r| r.rule == "list_update_candidate"))
}

fn state_of(row: &AssignmentRow) -> Result<CaseState, ServiceError> {
    CaseState::parse(&row.status)
        .ok_or_else(|| ServiceError::Internal(format!("unknown case status {}", row.status)))
}

fn request_of(row: &AssignmentRow) -> Result<GateRequest, ServiceError> {
    serde_json::from_str(&row.request_json)
        .map_err(|e| ServiceError::Internal(format!("stored request {}: {e}", row.id)))
}

/// Beijing midnight at the start of `d`, in epoch ms.
fn beijing_midnight_ms(d: Date) -> i64 {
    to_millis(d.midnight().assume_offset(time::macros::offset!(+8)))
}

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
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        actor: &Actor,
        id: &str,
        action: &str,
        from: Option<CaseState>,
        to: CaseState,
        comment: &str,
        at: i64,
    ) -> AssignmentEvent {
        AssignmentEvent {
            assignment_id: id.to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor: actor.username.clone().unwrap_or_default(),
            actor_name: actor.display_name.clone(),
            actor_org: actor.org.as_ref().map(|o| o.to_string()),
            action: action.into(),
            from_status: from.map(|s| s.as_str().to_string()),
            to_status: to.as_str().to_string(),
            comment: comment.chars().take(MAX_TEXT).collect(),
        }
    }

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
        Ok(gate::decide(&p.gate, &cat, &mandates))
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
        Ok(super::gate_request::request_problems(
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
        let decision = gate::decide(&p.gate, &cat, &mandates);
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
    fn admission(
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

    /// A pending case's approval deadline crossing a year without its holiday notice.
    fn deadline_warnings(&self, r: &AssignmentRow) -> Vec<super::calendar::Warning> {
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

    fn written(&self, w: CaseWrite) -> Result<Option<String>, ServiceError> {
        match w {
            CaseWrite::Done { access_number } => Ok(access_number),
            CaseWrite::FundingMissing { communities } => Err(funding_missing(&communities)),
            CaseWrite::WrongState { current } => Err(rejected(
                "invalid_transition",
                format!(
                    "该事项的状态已变为“{}”，请刷新后再操作",
                    current
                        .as_deref()
                        .and_then(CaseState::parse)
                        .map(|s| s.label_zh())
                        .unwrap_or("不存在")
                ),
            )),
        }
    }

    /// The scope of an actor for cases, or Forbidden.
    fn case_scope(&self, actor: &Actor) -> Result<AssignmentScope, ServiceError> {
        actor.require(Permission::ViewAssignments)?;
        Ok(match actor.scope() {
            Scope::District => AssignmentScope::All,
            Scope::Subtree(s) => AssignmentScope::Street(s.to_string()),
            Scope::Department(d) => AssignmentScope::Department(d.to_string()),
            Scope::Community(c) => AssignmentScope::CommunityInForce(c.to_string()),
            Scope::Nothing => return Err(ServiceError::Forbidden),
        })
    }

    /// A case the actor may read, or 404 (never 403: a case outside one's scope does not exist
    /// for them). A case is addressed by its department and id (the distribution column first,
    /// so a distributed engine asks one shard); a department that is not the case's is the same
    /// 404 as a missing case.
    async fn visible_case(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
    ) -> Result<(AssignmentRow, Vec<AssignmentTarget>), ServiceError> {
        let scope = self.case_scope(actor)?;
        let not_found = || case_not_found(id);
        let row = self
            .store
            .assignment(department, id)
            .await?
            .ok_or_else(not_found)?;
        let targets = self.store.assignment_targets(id).await?;
        let ok = match &scope {
            AssignmentScope::All => true,
            AssignmentScope::Department(d) => &row.department_code == d,
            AssignmentScope::Street(s) => {
                &row.department_code == s || targets.iter().any(|t| &t.street_code == s)
            }
            AssignmentScope::CommunityInForce(c) => {
                state_of(&row)?.in_force() && targets.iter().any(|t| &t.community_code == c)
            }
        };
        if ok {
            Ok((row, targets))
        } else {
            Err(not_found())
        }
    }

    /// The department of a case the actor may read, known only by its id: for links stored
    /// before case addresses carried the department (`/assignments/{id}` in old notices). Asks
    /// every shard on a distributed engine, so nothing but the old address uses it. The same 404
    /// as [`Self::assignment`] for a case outside the actor's scope.
    pub async fn assignment_department(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<String, ServiceError> {
        self.case_scope(actor)?;
        let department = self
            .store
            .assignment_department(id)
            .await?
            .ok_or_else(|| case_not_found(id))?;
        self.visible_case(actor, &department, id).await?;
        Ok(department)
    }

    /// One page of the cases in the actor's scope, filtered and sorted as asked (in SQL).
    /// Community roles see only work in force for their community (本社区准入事项).
    pub async fn list_assignments(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<Paged<CaseSummary>, ServiceError> {
        let scope = self.case_scope(actor)?;
        let kind = ListKind::Assignments {
            community: matches!(scope, AssignmentScope::CommunityInForce(_)),
        };
        let now = self.now_ms();
        let query = listing.query(kind, || now)?;
        let page = read_page(query, listing, |q| {
            let scope = &scope;
            async move { self.store.list_assignments(scope, &q).await }
        })
        .await?;
        let tree = self.org_tree().await?;
        let mut out = Vec::with_capacity(page.items.len());
        for listed in &page.items {
            let r = &listed.case;
            let state = state_of(r)?;
            let req = request_of(r)?;
            out.push(CaseSummary {
                department_name: tree.name_or_code(&r.department_code),
                status_label: state.label_zh().into(),
                tone: state.tone().into(),
                communities: if r.all_communities {
                    0
                } else {
                    usize::try_from(listed.targets).unwrap_or_default()
                },
                authority: req.authority.clone(),
                funding_fen: req.funding.as_ref().map(|f| f.amount_fen),
                funding_channel: req.funding.as_ref().map(|f| f.channel.clone()),
                escalated: r.escalated_at.is_some(),
                id: r.id.clone(),
                department: r.department_code.clone(),
                title: r.title.clone(),
                status: r.status.clone(),
                outcome: r.outcome.clone(),
                access_number: r.access_number.clone(),
                period_from: r.period_from.clone(),
                period_to: r.period_to.clone(),
                all_communities: r.all_communities,
                deadline_at: r.deadline_at,
                submitted_at: r.submitted_at,
            });
        }
        Ok(Paged {
            items: out,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
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
        Ok(super::gate_request::input_of(
            &request_of(&row)?,
            communities,
            period,
        ))
    }

    /// One case with its decision, targets, events and funding.
    pub async fn assignment(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
    ) -> Result<CaseOut, ServiceError> {
        let (r, targets) = self.visible_case(actor, department, id).await?;
        let tree = self.org_tree().await?;
        let state = state_of(&r)?;
        let req = request_of(&r)?;
        let decision: Decision = serde_json::from_str(&r.decision_json)
            .map_err(|e| ServiceError::Internal(format!("stored decision {}: {e}", r.id)))?;
        let item_name = match &r.item_code {
            Some(code) => self
                .catalog_version(&r.catalog_version)
                .await?
                .and_then(|c| c.item(code).map(|i| i.name.clone())),
            None => None,
        };
        let events = self
            .store
            .assignment_events(id)
            .await?
            .into_iter()
            .map(|e| EventOut {
                action_label: event_label(&e.action).into(),
                at: e.at,
                actor: e.actor,
                actor_name: e.actor_name,
                action: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                comment: e.comment,
            })
            .collect();
        let funding = self
            .store
            .assignment_funding(id)
            .await?
            .into_iter()
            .map(|f| FundingOut {
                community_name: tree.name_or_code(&f.community_code),
                amount_yuan: case::format_fen(f.amount_fen),
                community_code: f.community_code,
                amount_fen: f.amount_fen,
                channel: f.channel,
                period_from: f.period_from,
                period_to: f.period_to,
            })
            .collect();
        let warnings = self.deadline_warnings(&r);
        Ok(CaseOut {
            warnings,
            department_name: tree.name_or_code(&r.department_code),
            status_label: state.label_zh().into(),
            item_name,
            communities: targets
                .iter()
                .map(|t| CommunityRef {
                    name: tree.name_or_code(&t.community_code),
                    street: tree.name_or_code(&t.street_code),
                    code: t.community_code.clone(),
                })
                .collect(),
            authority: req.authority.clone(),
            legal_basis: req.legal_basis.iter().map(|c| c.to_string()).collect(),
            funding_fen: req.funding.as_ref().map(|f| f.amount_fen),
            funding_channel: req.funding.as_ref().map(|f| f.channel.clone()),
            burdens: req.burdens.clone(),
            description: req.description.clone(),
            list_update_candidate: decision
                .reasons
                .iter()
                .any(|x| x.rule == "list_update_candidate"),
            list_candidate: r.list_candidate,
            decision,
            events,
            funding,
            id: r.id,
            department: r.department_code,
            title: r.title,
            item_code: r.item_code,
            status: r.status,
            outcome: r.outcome,
            catalog_version: r.catalog_version,
            community_role: r.community_role,
            all_communities: r.all_communities,
            period_from: r.period_from,
            period_to: r.period_to,
            access_number: r.access_number,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            deadline_at: r.deadline_at,
            escalated_at: r.escalated_at,
            review_outcome: r.review_outcome,
            review_comment: r.review_comment,
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
        })
    }

    /// The decision a stored case was given, as it was given: the catalog version, the mandate
    /// register and the rules of that day. Re-running today's rules would rewrite history (issue 8:
    /// old submissions keep their decision).
    pub async fn explain_assignment(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
    ) -> Result<Decision, ServiceError> {
        let (r, _) = self.visible_case(actor, department, id).await?;
        serde_json::from_str(&r.decision_json)
            .map_err(|e| ServiceError::Internal(format!("stored decision {}: {e}", r.id)))
    }

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

    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        from: CaseState,
        to: CaseState,
        action: &str,
        comment: &str,
        review: Option<(String, String)>,
        admission: Option<Admission>,
    ) -> Result<Option<String>, ServiceError> {
        let change = CaseChange {
            department_code: row.department_code.clone(),
            id: row.id.clone(),
            from_status: from.as_str().into(),
            to_status: to.as_str().into(),
            at: self.now_ms(),
            review,
            admission,
            list_candidate: None,
        };
        self.apply_change(actor, meta, row, change, action, comment)
            .await
    }

    /// Writes a state change with its event and audit record in one transaction.
    async fn apply_change(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        change: CaseChange,
        action: &str,
        comment: &str,
    ) -> Result<Option<String>, ServiceError> {
        let (from, to) = (
            CaseState::parse(&change.from_status).unwrap_or(CaseState::Draft),
            CaseState::parse(&change.to_status).unwrap_or(CaseState::Draft),
        );
        let event = self.event(actor, &row.id, action, Some(from), to, comment, change.at);
        let mut audit = self.audit(
            actor,
            meta,
            &format!("assignment.{action}"),
            format!("assignment:{}", row.id),
        );
        audit.detail = serde_json::json!({
            "department": row.department_code,
            "from": from.as_str(),
            "to": to.as_str(),
            "list_candidate": change.list_candidate.unwrap_or(false),
        })
        .to_string();
        let w = self.store.change_assignment(&change, &event, audit).await?;
        self.written(w)
    }

    async fn tell_department(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        self.notify(
            actor,
            meta,
            &Recipient::organisation(row.department_code.clone()),
            kind,
            title,
            body,
            &case_link(row),
        )
        .await
    }

    /// The district's approvers are told of a case that waits for their decision, with its
    /// deadline (三(一)：需要社区协助的事项须经区委区政府批准); the notice is handled once the case
    /// leaves pending approval.
    async fn approval_requested(
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
            // The deadline is the next day's midnight: name the last working day itself.
            row.deadline_at
                .map(|ms| format_date(jianfu_domain::clock::beijing_date(ms - 1)))
                .unwrap_or_default()
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
                row.deadline_at
                    .map(jianfu_domain::clock::format_beijing)
                    .unwrap_or_default()
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

    /// The funding ledger in the actor's scope, with totals per community, department and year.
    pub async fn funding_ledger(&self, actor: &Actor) -> Result<FundingLedger, ServiceError> {
        let scope = self.case_scope(actor)?;
        let tree = self.org_tree().await?;
        let lines: Vec<FundingLine> = self.store.funding_lines(&scope).await?;
        let mut by_community: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut by_department: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut by_year: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut total = 0i64;
        for l in &lines {
            for (map, key) in [
                (&mut by_community, l.community_code.clone()),
                (&mut by_department, l.department_code.clone()),
                (&mut by_year, l.period_from.chars().take(4).collect()),
            ] {
                let e = map.entry(key).or_insert((0, 0));
                e.0 = e.0.saturating_add(l.amount_fen);
                e.1 += 1;
            }
            total = total.saturating_add(l.amount_fen);
        }
        let totals = |m: BTreeMap<String, (i64, usize)>, label: &dyn Fn(&str) -> String| {
            m.into_iter()
                .map(|(k, (fen, rows))| FundingTotal {
                    label: label(&k),
                    amount_yuan: case::format_fen(fen),
                    amount_fen: fen,
                    rows,
                    key: k,
                })
                .collect::<Vec<_>>()
        };
        Ok(FundingLedger {
            by_community: totals(by_community, &|k| tree.name_or_code(k)),
            by_department: totals(by_department, &|k| tree.name_or_code(k)),
            by_year: totals(by_year, &|k| format!("{k}年")),
            total_fen: total,
            total_yuan: case::format_fen(total),
            lines: lines
                .into_iter()
                .map(|l| FundingLineOut {
                    community_name: tree.name_or_code(&l.community_code),
                    department_name: tree.name_or_code(&l.department_code),
                    amount_yuan: case::format_fen(l.amount_fen),
                    community_code: l.community_code,
                    department_code: l.department_code,
                    assignment_id: l.assignment_id,
                    title: l.title,
                    access_number: l.access_number,
                    status: l.status,
                    amount_fen: l.amount_fen,
                    channel: l.channel,
                    period_from: l.period_from,
                    period_to: l.period_to,
                })
                .collect(),
        })
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

/// A case's page: the department (the distribution column) and the id. Notice links are built
/// here and nowhere else.
pub fn case_link(row: &AssignmentRow) -> String {
    case_path(&row.department_code, &row.id)
}

/// The page of the case `id` of `department` (an org code and a UUID: no escaping needed).
pub fn case_path(department: &str, id: &str) -> String {
    format!("/assignments/{department}/{id}")
}

fn case_not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "准入事项 {}",
        id.chars().take(40).collect::<String>()
    ))
}

fn funding_missing<S: AsRef<str>>(communities: &[S]) -> ServiceError {
    rejected(
        "funding_missing",
        format!(
            "费随事转：须为每个社区落实经费后才能准入，以下社区没有经费：{}",
            communities
                .iter()
                .map(|s| s.as_ref())
                .collect::<Vec<_>>()
                .join("、")
        ),
    )
}
