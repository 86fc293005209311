//! Collect once, report many (一表通; 三(二), 三(六)): communities enter each shared element once
//! per period, departments read reports computed from those figures, and a new element goes
//! through the access gate first. Rules are in `jianfu_domain::shared_data`; this module is the
//! use cases:
//!
//! - `elements.rs`: the register in force (shipped file + proposals the gate admitted), proposals;
//! - `entry.rs`: a community's figures for a period, corrections with their reason and history;
//! - `import.rs`: the same from a workbook;
//! - `reports.rs`: report definitions, generation at any level, workbook;
//! - `metrics.rs`: the burden figures (fields entered, cells served, reuse, forms replaced);
//! - `feed.rs`: changes since a cursor, for department systems (三(六));
//! - `ledgers.rs`: electronic ledgers (电子台账);
//! - `demo.rs`: figures for the demo district.

pub mod demo;
pub mod elements;
pub mod entry;
pub mod feed;
pub mod import;
pub mod ledgers;
pub mod metrics;
pub mod reports;

use crate::service::{Actor, App, ServiceError};
use jianfu_domain::org::OrgTree;
use jianfu_domain::scope::Scope;
use jianfu_domain::{Org, OrgCode, OrgKind};
use jianfu_store::AggregateScope;

pub use elements::{ElementInput, ElementView, ProposalOutcome};
pub use entry::{EntryResult, EntrySheet, EntrySheetRow, ValueInput};
pub use reports::{ColumnInput, ReportInput, ReportTable, ReportView};

/// Which organisation a reader may ask shared data about: the district (department, district,
/// supervisor), their street, or their community.
fn readable_root<'a>(actor: &Actor, tree: &'a OrgTree) -> Option<&'a Org> {
    match actor.scope() {
        Scope::District | Scope::Department(_) => {
            tree.all().iter().find(|o| o.kind == OrgKind::District)
        }
        Scope::Subtree(root) | Scope::Community(root) => tree.get(&root),
        Scope::Nothing => None,
    }
}

impl App {
    /// The organisation a report is read for: `requested` if the reader may see it, else their
    /// widest (`None` asked).
    pub(crate) async fn data_org(
        &self,
        actor: &Actor,
        requested: Option<&str>,
    ) -> Result<(Org, AggregateScope, std::sync::Arc<OrgTree>), ServiceError> {
        let tree = self.org_tree().await?;
        let root = readable_root(actor, &tree)
            .cloned()
            .ok_or(ServiceError::Forbidden)?;
        let org = match requested.map(str::trim).filter(|s| !s.is_empty()) {
            None => root.clone(),
            Some(code) => {
                let not_found = || ServiceError::Rejected {
                    code: "unknown_org",
                    message: format!(
                        "没有“{}”这个街道或社区，或不在您的查看范围内。",
                        code.chars().take(40).collect::<String>()
                    ),
                };
                let c = OrgCode::parse(code).map_err(|_| not_found())?;
                let o = tree.get(&c).ok_or_else(not_found)?;
                let within = o.code == root.code || tree.is_within(&o.code, &root.code);
                if !within
                    || !matches!(
                        o.kind,
                        OrgKind::District | OrgKind::Street | OrgKind::Town | OrgKind::Community
                    )
                {
                    return Err(not_found());
                }
                o.clone()
            }
        };
        let scope = match org.kind {
            OrgKind::District => AggregateScope::District(org.code.to_string()),
            OrgKind::Street | OrgKind::Town => AggregateScope::Street(org.code.to_string()),
            _ => AggregateScope::Community(org.code.to_string()),
        };
        Ok((org, scope, tree))
    }

    /// The community an account enters figures for: its own.
    pub(crate) async fn own_data_community(&self, actor: &Actor) -> Result<Org, ServiceError> {
        actor.require(jianfu_domain::permission::Permission::EnterSharedData)?;
        let tree = self.org_tree().await?;
        actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind == OrgKind::Community)
            .cloned()
            .ok_or(ServiceError::Forbidden)
    }
}
