//! Reading cases: one case with its decision, targets, events and funding (and the decision
//! as it was given), the list in the actor's scope, and the department of a case known only by
//! its id (old links).

use super::{case_not_found, request_of, state_of};
use crate::service::listing::{ListKind, Listing, Paged, read_page};
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::assignment as case;
use jianfu_domain::gate::{Burden, Decision};
use jianfu_store::AssignmentScope;
use serde::Serialize;
use utoipa::ToSchema;

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
    pub warnings: Vec<crate::service::calendar::Warning>,
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

impl App {
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
}
