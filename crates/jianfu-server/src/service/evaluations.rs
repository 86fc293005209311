//! The evaluation registry (考核评比登记, issue 11 §2): a department, street or the district
//! registers a 达标、检查评比、示范创建 activity aimed at communities; the rules of
//! `jianfu_domain::evaluation::registry` judge it at once against the mandate register in force;
//! the judgement is stored as made and published on the public register.

use super::listing::{ListKind, Listing, Paged, read_page};
use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::evaluation::registry::{JudgementReason, check_text};
use jianfu_domain::evaluation::{ActivityKind, Judgement, Outcome, RegistrationFacts, judge};
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgCode, OrgKind, Role};
use jianfu_store::{EvaluationFilter, EvaluationRow};
use serde::Serialize;

/// An activity as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EvaluationInput {
    pub title: String,
    pub kind: String,
    pub mandate_document: String,
    pub criteria: String,
    pub one_vote_veto: bool,
    pub admitted_work: String,
}

/// A registered activity as shown (publicly: no personal data).
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationView {
    pub organiser: String,
    pub organiser_name: String,
    pub id: String,
    pub title: String,
    pub kind: ActivityKind,
    pub mandate_document: Option<String>,
    pub criteria: String,
    pub one_vote_veto: bool,
    pub admitted_work: Option<String>,
    pub outcome: Outcome,
    pub reasons: Vec<JudgementReason>,
    pub veto_removed: bool,
    /// Beijing day of registration, `YYYY-MM-DD`.
    pub registered_on: String,
}

impl EvaluationView {
    pub fn path(&self) -> String {
        format!("/evaluations/{}/{}", self.organiser, self.id)
    }
}

fn bad(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

fn view(
    r: EvaluationRow,
    tree: &jianfu_domain::org::OrgTree,
) -> Result<EvaluationView, ServiceError> {
    let j: Judgement = serde_json::from_str(&r.judgement)
        .map_err(|e| ServiceError::Internal(format!("evaluation judgement: {e}")))?;
    Ok(EvaluationView {
        organiser_name: tree.name_or_code(&r.organiser_code),
        organiser: r.organiser_code,
        id: r.id,
        title: r.title,
        kind: ActivityKind::parse(&r.kind)
            .ok_or_else(|| ServiceError::Internal(format!("evaluation kind {}", r.kind)))?,
        mandate_document: r.mandate_document,
        criteria: r.criteria,
        one_vote_veto: r.one_vote_veto,
        admitted_work: r.admitted_work,
        outcome: j.outcome,
        reasons: j.reasons,
        veto_removed: j.veto_removed,
        registered_on: jianfu_domain::clock::format_beijing(r.registered_at)
            .get(..10)
            .unwrap_or_default()
            .to_string(),
    })
}

impl App {
    /// Registers one of the actor's organisation's activities and judges it.
    pub async fn register_evaluation(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &EvaluationInput,
    ) -> Result<EvaluationView, ServiceError> {
        actor.require(Permission::RegisterEvaluations)?;
        let tree = self.org_tree().await?;
        let organiser = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind != OrgKind::Community)
            .ok_or(ServiceError::Forbidden)?
            .clone();
        let kind = ActivityKind::parse(&input.kind).ok_or_else(|| {
            bad(
                "unknown_activity_kind",
                format!(
                    "类型“{}”无法识别，可选：{}",
                    input.kind.trim(),
                    ActivityKind::ALL
                        .map(|k| format!("{}（{}）", k.as_str(), k.label_zh()))
                        .join("、")
                ),
            )
        })?;
        let facts = check_text(RegistrationFacts {
            title: input.title.clone(),
            kind,
            organiser: organiser.code.to_string(),
            // The district's approvers (区委区政府、区社会办) run the comprehensive evaluation.
            organiser_runs_comprehensive: actor.roles.contains(&Role::DistrictApprover),
            mandate_document: Some(input.mandate_document.clone()),
            criteria: input.criteria.clone(),
            one_vote_veto: input.one_vote_veto,
            admitted_work: Some(input.admitted_work.clone()),
        })
        .map_err(|(field, e)| bad(e.code(), e.message(field)))?;
        if facts.title.is_empty() {
            return Err(bad("title_missing", "请填写活动名称。".into()));
        }
        if facts.criteria.is_empty() {
            return Err(bad(
                "criteria_missing",
                "请写明评比或考核的标准（评什么、怎么评）。".into(),
            ));
        }
        // Only the organiser's own work in force can be "admitted work": a typed number is
        // checked, so nobody escapes cancellation by inventing one.
        if let Some(n) = &facts.admitted_work {
            let status = self
                .store
                .access_number_status(organiser.code.as_str(), n)
                .await?;
            if !matches!(status.as_deref(), Some("admitted" | "approved")) {
                return Err(bad(
                    "unknown_access_number",
                    format!("准入编号“{n}”不是{}正在生效的准入事项。", organiser.name),
                ));
            }
        }
        let mandates = self.mandates_in_force(&self.today_beijing()).await?;
        let judgement = judge(&facts, &mandates);
        let row = EvaluationRow {
            organiser_code: organiser.code.to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            title: facts.title.clone(),
            kind: kind.as_str().into(),
            mandate_document: facts.mandate_document.clone(),
            criteria: facts.criteria.clone(),
            one_vote_veto: facts.one_vote_veto,
            admitted_work: facts.admitted_work.clone(),
            outcome: judgement.outcome.as_str().into(),
            judgement: serde_json::to_string(&judgement)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            registered_by: actor.username.clone().unwrap_or_default(),
            registered_at: self.now_ms(),
        };
        let mut a = self.audit(
            actor,
            meta,
            "evaluation.register",
            format!("evaluation:{}/{}", row.organiser_code, row.id),
        );
        a.detail = serde_json::json!({"kind": row.kind, "outcome": row.outcome}).to_string();
        self.store.insert_evaluation(&row, a).await?;
        view(row, &tree)
    }

    /// The public register: every registered activity, what was kept and what was cancelled
    /// and why. `organiser` narrows it.
    pub async fn evaluations(
        &self,
        listing: &Listing,
        organiser: Option<&str>,
    ) -> Result<Paged<EvaluationView>, ServiceError> {
        let list = listing.query(ListKind::Evaluations, || ())?;
        let organiser = organiser
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|o| OrgCode::parse(o).map(|c| c.to_string()).unwrap_or_default());
        let filter = EvaluationFilter { organiser, list };
        let page = read_page(filter.list.clone(), listing, |list| {
            let filter = EvaluationFilter {
                list,
                ..filter.clone()
            };
            async move { self.store.list_evaluations(&filter).await }
        })
        .await?;
        let tree = self.org_tree().await?;
        let mut items = Vec::with_capacity(page.items.len());
        for r in page.items {
            items.push(view(r, &tree)?);
        }
        Ok(Paged {
            items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    pub async fn evaluation(
        &self,
        organiser: &str,
        id: &str,
    ) -> Result<EvaluationView, ServiceError> {
        let not_found = || ServiceError::NotFound("该考核评比活动未登记".into());
        let org = OrgCode::parse(organiser).map_err(|_| not_found())?;
        let row = self
            .store
            .evaluation(org.as_str(), id)
            .await?
            .ok_or_else(not_found)?;
        view(row, &*self.org_tree().await?)
    }
}

impl App {
    /// The demo register (only for `serve --demo`): what a district typically finds when it
    /// lists its departments' activities.
    pub async fn load_demo_evaluations(&self, meta: &RequestMeta) -> Result<usize, ServiceError> {
        let clerk = self.demo_actor("minzheng").await?;
        let approver = self.demo_actor("shenpi").await?;
        let entries = [
            (
                &clerk,
                "星级和谐社区评比",
                "inspection",
                "",
                "按台账完整率、活动次数评定星级",
                false,
            ),
            (
                &clerk,
                "社区示范创建（演示）",
                "demonstration",
                "京演示〔2026〕1号",
                "按市里的创建标准",
                false,
            ),
            (
                &clerk,
                "社区民政工作年度考核",
                "department_assessment",
                "",
                "低保、养老服务台账检查；出现信访一票否决",
                true,
            ),
            (
                &approver,
                "社区工作综合考评",
                "department_assessment",
                "",
                "街道自荐申报；居民满意度为主要标准（不低于 50%）",
                false,
            ),
        ];
        for (who, title, kind, mandate, criteria, veto) in entries {
            let input = EvaluationInput {
                title: title.into(),
                kind: kind.into(),
                mandate_document: mandate.into(),
                criteria: criteria.into(),
                one_vote_veto: veto,
                admitted_work: String::new(),
            };
            self.register_evaluation(who, meta, &input).await?;
        }
        Ok(entries.len())
    }
}
