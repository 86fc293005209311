//! The figures on each role's home page, counted within the viewer's scope and permissions.

//!
//! Every figure about a list is that list's total under one of its status filters, asked with
//! the same query the list runs (`Listing::count_of`), so a tile and the list it links to agree.

use super::listing::{Listing, Paged};
use super::{Actor, App, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgCode, OrgKind, Role};

#[derive(Debug, Default)]
pub struct Dashboard {
    /// Visible organisations per kind.
    pub streets: usize,
    pub towns: usize,
    pub communities: usize,
    pub departments: usize,
    pub orgs_total: usize,
    /// Accounts whose organisation is within the viewer's scope.
    pub accounts_in_scope: usize,
    pub residents_in_scope: usize,
    /// Figures only some administrators may see; `None` for everyone else.
    pub accounts_disabled: Option<usize>,
    pub accounts_locked: Option<usize>,
    pub accounts_with_failures: Option<usize>,
    pub active_api_tokens: Option<usize>,
    pub audit_records: Option<i64>,
    /// Work in scope: in force (admitted or approved), waiting for district approval, refused.
    pub work_in_force: Option<usize>,
    pub work_pending: Option<usize>,
    pub work_overdue: Option<usize>,
    pub work_refused: Option<usize>,
    /// Committed funding in scope, in fen.
    pub funding_fen: Option<i64>,
    /// Reports of work that bypassed the gate, in scope: awaiting a decision, confirmed.
    pub violations_open: Option<usize>,
    pub violations_confirmed: Option<usize>,
    /// Certificate applications the viewer may see, per status filter key of the list
    /// (`open`, `overdue`, `submitted`, `verified`, `approved`, `issued`).
    pub certificates: Option<std::collections::BTreeMap<&'static str, usize>>,
}

impl Dashboard {
    /// Certificate applications under one filter key (0 when the viewer has none).
    pub fn certificates(&self, key: &str) -> usize {
        self.certificates
            .as_ref()
            .and_then(|m| m.get(key).copied())
            .unwrap_or_default()
    }
}

/// A list's total; `None` when the list does not offer that filter to this viewer.
fn total<T>(r: Result<Paged<T>, ServiceError>) -> Result<Option<usize>, ServiceError> {
    match r {
        Ok(p) => Ok(Some(usize::try_from(p.total).unwrap_or_default())),
        Err(ServiceError::Rejected {
            code: "invalid_status",
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl App {
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, ServiceError> {
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let visible = scope.visible_orgs(&tree);
        let count = |k: OrgKind| visible.iter().filter(|o| o.kind == k).count();
        let users = self.store.list_users().await?;
        let in_scope: Vec<_> = users
            .iter()
            .filter(|u| {
                OrgCode::parse(&u.org_code)
                    .map(|c| scope.can_read_records_of(&c, &tree))
                    .unwrap_or(false)
            })
            .collect();
        let now = self.now_ms();
        let mut d = Dashboard {
            streets: count(OrgKind::Street),
            towns: count(OrgKind::Town),
            communities: count(OrgKind::Community),
            departments: count(OrgKind::Department),
            orgs_total: visible.len(),
            accounts_in_scope: in_scope.len(),
            residents_in_scope: in_scope
                .iter()
                .filter(|u| u.role_list().contains(&Role::Resident))
                .count(),
            ..Dashboard::default()
        };
        if actor.may(Permission::ManageUsers) {
            d.accounts_disabled = Some(in_scope.iter().filter(|u| u.disabled).count());
        }
        if actor.may(Permission::ManageCredentials) {
            d.accounts_locked = Some(
                in_scope
                    .iter()
                    .filter(|u| {
                        self.sessions
                            .login_delayed(&u.username, &self.login_throttle(), now)
                    })
                    .count(),
            );
            d.accounts_with_failures =
                Some(in_scope.iter().filter(|u| u.failed_logins > 0).count());
        }
        if actor.may(Permission::ManageApiTokens) {
            let tokens = self.store.list_api_tokens().await?;
            d.active_api_tokens = Some(tokens.iter().filter(|t| t.revoked_at.is_none()).count());
        }
        if actor.may(Permission::ReadAudit) {
            d.audit_records = Some(self.store.audit_head().await?.0);
        }
        if actor.may(Permission::ViewAssignments) {
            let cases = async |key: &str| {
                total(self.list_assignments(actor, &Listing::count_of(key)).await)
            };
            d.work_in_force = cases("in_force").await?;
            d.work_pending = cases("pending_approval").await?;
            d.work_refused = cases("refused").await?;
            d.work_overdue = cases("overdue").await?;
            d.funding_fen = Some(self.funding_ledger(actor).await?.total_fen);
        }
        if actor.may(Permission::ReportViolations)
            || actor.may(Permission::ConfirmViolations)
            || actor.may(Permission::SubmitAssignments)
        {
            let reports = async |key: &str| {
                total(self.violations(actor, &Listing::count_of(key), None).await)
            };
            d.violations_open = reports("reported").await?;
            d.violations_confirmed = reports("confirmed").await?;
        }
        if actor.may(Permission::HandleCertificates) || actor.may(Permission::ApplyCertificate) {
            let mut counts = std::collections::BTreeMap::new();
            for key in [
                "open",
                "overdue",
                "submitted",
                "verified",
                "approved",
                "issued",
            ] {
                // As before: a viewer whose applications cannot be read sees no figures.
                let Ok(Some(n)) = total(
                    self.list_certificate_applications(actor, &Listing::count_of(key))
                        .await,
                ) else {
                    continue;
                };
                counts.insert(key, n);
            }
            d.certificates = Some(counts);
        }
        Ok(d)
    }
}
