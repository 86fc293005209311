//! Requests from departments through the gate (准入), district approval, access numbers, what
//! communities see, and the funding ledger (费随事转). Issue 3 §2–§5, §7, §8.
//!
//! A request arrives in the API's shape ([`RequestInput`]), is parsed at this edge into a
//! [`GateRequest`] (every bad input gets its own stable code), judged by the pure gate, and — when
//! submitted — stored with its decision and the catalog version used. State changes follow
//! `jianfu_domain::assignment::transition`; storage re-checks the state and the funding inside the
//! audited transaction.
//!
//! Split by use case: `submit` (the dry run, submission, admission and copying a refused
//! request), `read` (one case, the list), `review` (street review, district approval and
//! refusal, withdrawal, revocation), `deadlines` (approval notices, escalation, expiry),
//! `ledger` (the funding ledger), and `change` (the audited write every state change shares).
//! What is shared by all of them (scope, visibility, links, errors) stays here.

mod change;
mod deadlines;
mod ledger;
mod read;
mod review;
mod submit;

use super::{Actor, App, ServiceError};
use jianfu_domain::assignment::{self as case, CaseState};
use jianfu_domain::gate::GateRequest;
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_store::{AssignmentRow, AssignmentScope, AssignmentTarget};

pub use super::gate_request::{
    BurdenInput, CommunitiesInput, FundingInput, ParsedRequest, PeriodInput, RequestInput,
    RequestProblem, parse_request, reachable_communities, requires_funding, split_fields,
};
pub use ledger::{FundingLedger, FundingLineOut, FundingTotal};
pub use read::{CaseOut, CaseSummary, CommunityRef, EventOut, FundingOut};
pub use review::CaseActions;
pub use submit::SubmitResult;

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

fn state_of(row: &AssignmentRow) -> Result<CaseState, ServiceError> {
    CaseState::parse(&row.status)
        .ok_or_else(|| ServiceError::Internal(format!("unknown case status {}", row.status)))
}

fn request_of(row: &AssignmentRow) -> Result<GateRequest, ServiceError> {
    serde_json::from_str(&row.request_json)
        .map_err(|e| ServiceError::Internal(format!("stored request {}: {e}", row.id)))
}

impl App {
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

/// The last working day of an approval deadline, `YYYY-MM-DD`: the deadline is stored as the
/// Beijing midnight that ends that day (`submit.rs`), which people must never see as the next
/// day's 00:00.
pub fn deadline_day(deadline_ms: i64) -> String {
    jianfu_domain::assignment::working_days::format_date(jianfu_domain::clock::beijing_date(
        deadline_ms - 1,
    ))
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
