//! The burden inventory (台账清理, issue 11 §1): a community records what departments and
//! streets placed in it, the rules of `jianfu_domain::inventory` flag what has no basis, the
//! community clears it step by step, the street confirms each step, the owning department
//! answers (and may supply the basis), supervisors see the counts before and after.
//!
//! - `entries.rs`: recording an entry, lists, one entry, the work admitted through the gate;
//! - `steps.rs`: keep / to remove / removed / converted / reopened, answers, confirmation;
//! - `overview.rs`: counts per community, street and department, and the monthly series;
//! - `xlsx.rs`: the workbook (and CSV) layout for import and export.

mod demo;
mod entries;
mod overview;
mod steps;
pub mod xlsx;

pub use entries::{EntryInput, GateWork};
pub use overview::{CountRow, Overview};
pub use steps::{AnswerInput, StepInput};

use super::{Actor, ServiceError};
use jianfu_domain::gate::{BurdenKind, MandateRegister};
use jianfu_domain::inventory::{
    Context, Details, EntryFacts, Finding, InventoryError, Status, findings,
};
use jianfu_domain::org::OrgTree;
use jianfu_domain::scope::Scope;
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{EvidenceMeta, InventoryRow, InventoryStepRow};
use serde::Serialize;

fn rejected(e: InventoryError) -> ServiceError {
    ServiceError::Rejected {
        code: e.code(),
        message: e.to_string(),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("该台账条目不存在，或您无权查看".into())
}

/// Whose entries a reader sees, from the account's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Readers {
    All,
    /// These communities (one community, or a street's).
    Communities(Vec<String>),
    /// Entries this department (or street) placed.
    Owner(String),
}

impl Readers {
    fn of(actor: &Actor, tree: &OrgTree) -> Result<Self, ServiceError> {
        Ok(match actor.scope() {
            Scope::District => Readers::All,
            Scope::Community(c) => Readers::Communities(vec![c.to_string()]),
            Scope::Subtree(root) => Readers::Communities(
                tree.all()
                    .iter()
                    .filter(|o| o.kind == OrgKind::Community && tree.is_within(&o.code, &root))
                    .map(|o| o.code.to_string())
                    .collect(),
            ),
            Scope::Department(d) => Readers::Owner(d.to_string()),
            Scope::Nothing => return Err(ServiceError::Forbidden),
        })
    }
    fn may_read(&self, row: &InventoryRow) -> bool {
        match self {
            Readers::All => true,
            Readers::Communities(c) => c.contains(&row.community_code),
            Readers::Owner(o) => &row.owner_code == o,
        }
    }
}

/// The actor's own community, for those who record.
fn own_community(actor: &Actor, tree: &OrgTree) -> Result<OrgCode, ServiceError> {
    actor
        .org
        .as_ref()
        .and_then(|c| tree.get(c))
        .filter(|o| o.kind == OrgKind::Community)
        .map(|o| o.code.clone())
        .ok_or(ServiceError::Forbidden)
}

/// An entry as a reader sees it: names resolved, the rules' findings attached.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub community: String,
    pub community_name: String,
    pub id: String,
    pub kind: BurdenKind,
    pub kind_label: &'static str,
    pub title: String,
    pub owner: String,
    pub owner_name: String,
    pub law_basis: String,
    pub mandate_document: Option<String>,
    pub details: Details,
    pub status: Status,
    pub status_label: &'static str,
    pub found_on: String,
    pub cleared_on: Option<String>,
    pub steps: i64,
    pub confirmed_steps: i64,
    /// What the rules flag (none once removed or converted).
    pub findings: Vec<Finding>,
    pub recorded_at: i64,
    pub updated_at: i64,
}

impl EntryView {
    pub fn path(&self) -> String {
        format!("/inventory/{}/{}", self.community, self.id)
    }
    /// Steps the street has not confirmed yet.
    pub fn unconfirmed(&self) -> i64 {
        self.steps - self.confirmed_steps
    }
}

pub(crate) fn facts_of(r: &InventoryRow) -> Result<EntryFacts, ServiceError> {
    Ok(EntryFacts {
        kind: BurdenKind::parse(&r.kind)
            .ok_or_else(|| ServiceError::Internal(format!("inventory kind {}", r.kind)))?,
        title: r.title.clone(),
        owner: r.owner_code.clone(),
        law_basis: r.law_basis.clone(),
        mandate_document: r.mandate_document.clone(),
        details: serde_json::from_str(&r.details)
            .map_err(|e| ServiceError::Internal(format!("inventory details: {e}")))?,
    })
}

fn view(
    r: InventoryRow,
    tree: &OrgTree,
    mandates: &MandateRegister,
) -> Result<EntryView, ServiceError> {
    let facts = facts_of(&r)?;
    let status = Status::parse(&r.status)
        .ok_or_else(|| ServiceError::Internal(format!("inventory status {}", r.status)))?;
    let flagged = if status.is_carried() {
        findings(&facts, &context(&r, tree, mandates))
    } else {
        Vec::new()
    };
    Ok(EntryView {
        community_name: tree.name_or_code(&r.community_code),
        owner_name: tree.name_or_code(&r.owner_code),
        community: r.community_code,
        id: r.id,
        kind: facts.kind,
        kind_label: facts.kind.label_zh(),
        title: facts.title,
        owner: facts.owner,
        law_basis: facts.law_basis,
        mandate_document: facts.mandate_document,
        details: facts.details,
        status,
        status_label: status.label_zh(),
        found_on: r.found_on,
        cleared_on: r.cleared_on,
        steps: r.steps,
        confirmed_steps: r.confirmed_steps,
        findings: flagged,
        recorded_at: r.recorded_at,
        updated_at: r.updated_at,
    })
}

/// What the rules know of an entry's place: its community's name, its owner's level.
pub(crate) fn context<'a>(
    r: &'a InventoryRow,
    tree: &'a OrgTree,
    mandates: &'a MandateRegister,
) -> Context<'a> {
    let owner_below_county = OrgCode::parse(&r.owner_code)
        .ok()
        .and_then(|c| tree.get(&c))
        .is_some_and(|o| matches!(o.kind, OrgKind::Street | OrgKind::Town));
    Context {
        mandates,
        community_name: OrgCode::parse(&r.community_code)
            .ok()
            .and_then(|c| tree.get(&c))
            .map(|o| o.name.as_str())
            .unwrap_or_default(),
        owner_below_county,
    }
}

/// One step of an entry's history as shown.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub seq: i64,
    pub action: String,
    pub action_label: &'static str,
    pub status_label: &'static str,
    pub note: String,
    pub on_date: Option<String>,
    pub by_user: String,
    pub by_org_name: String,
    pub at: i64,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
    /// The step's evidence file, if any.
    pub evidence: Option<EvidenceMeta>,
}

pub(crate) fn action_label(action: &str) -> &'static str {
    match action {
        "record" => "登记",
        "answer" => "主管单位答复",
        a => jianfu_domain::inventory::Action::parse(a)
            .map(|a| a.label_zh())
            .unwrap_or("其他"),
    }
}

fn step_view(s: InventoryStepRow, tree: &OrgTree, evidence: &[EvidenceMeta]) -> StepView {
    StepView {
        seq: s.seq,
        action_label: action_label(&s.action),
        status_label: Status::parse(&s.status).map(|s| s.label_zh()).unwrap_or(""),
        action: s.action,
        note: s.note,
        on_date: s.on_date,
        by_org_name: tree.name_or_code(&s.by_org),
        by_user: s.by_user,
        at: s.at,
        confirmed_by: s.confirmed_by,
        confirmed_at: s.confirmed_at,
        evidence: evidence.iter().find(|e| e.seq == s.seq).cloned(),
    }
}

/// An entry with its history and what the reader may do with it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryDetail {
    pub entry: EntryView,
    pub history: Vec<StepView>,
    /// The reader records steps for this community.
    pub may_record: bool,
    /// The reader confirms for the street.
    pub may_confirm: bool,
    /// The reader answers for the owner.
    pub may_answer: bool,
}
