//! 清单更新候选: off-list work the district approver approved "for the next catalog draft", and
//! the draft itself (the catalog in force plus those items), exported as .xlsx for the approver
//! to edit and publish through the catalog publish flow. Rule: `gate::candidates`.

use super::{Actor, App, ServiceError};
use jianfu_domain::gate::candidates::{Candidate, draft_with_candidates};
use jianfu_domain::gate::{Catalog, GateRequest};
use jianfu_domain::permission::Permission;
use serde::Serialize;
use utoipa::ToSchema;

/// 一项清单更新候选。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateOut {
    /// 准入事项 id。
    pub assignment_id: String,
    pub title: String,
    pub department: String,
    pub department_name: String,
    pub access_number: Option<String>,
    /// 申请单位引用、审批人核实的条款。
    pub legal_basis: Vec<String>,
    pub status: String,
    /// 批准（或最后一次变更）时间，epoch 毫秒。
    pub updated_at: i64,
}

impl App {
    async fn candidate_rows(&self) -> Result<Vec<(CandidateOut, Candidate)>, ServiceError> {
        let tree = self.org_tree().await?;
        let mut out = Vec::new();
        for r in self.store.catalog_candidates().await? {
            let req: GateRequest = serde_json::from_str(&r.request_json)
                .map_err(|e| ServiceError::Internal(format!("stored request {}: {e}", r.id)))?;
            let view = CandidateOut {
                assignment_id: r.id.clone(),
                title: r.title.clone(),
                department_name: tree.name_or_code(&r.department_code),
                department: r.department_code.clone(),
                access_number: r.access_number.clone(),
                legal_basis: req.legal_basis.iter().map(|c| c.to_string()).collect(),
                status: r.status.clone(),
                updated_at: r.updated_at,
            };
            let candidate = Candidate {
                assignment_id: r.id,
                title: r.title,
                department: r.department_code,
                access_number: r.access_number,
                citations: req.legal_basis,
            };
            out.push((view, candidate));
        }
        Ok(out)
    }

    /// The candidates, for the district approver (who keeps the catalog).
    pub async fn catalog_candidates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<CandidateOut>, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        Ok(self
            .candidate_rows()
            .await?
            .into_iter()
            .map(|(v, _)| v)
            .collect())
    }

    /// The draft of the next catalog version: the version in force plus every candidate.
    pub async fn catalog_draft_with_candidates(
        &self,
        actor: &Actor,
    ) -> Result<Catalog, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        let current = self.current_catalog().await?;
        let candidates: Vec<Candidate> = self
            .candidate_rows()
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        Ok(draft_with_candidates(&current, &candidates))
    }
}
