//! The figures on each role's home page, counted within the viewer's scope and permissions.

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
    pub notices_unread: usize,
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
            let cases = self.list_assignments(actor).await?;
            let count = |states: &[&str]| {
                cases
                    .iter()
                    .filter(|c| states.contains(&c.status.as_str()))
                    .count()
            };
            d.work_in_force = Some(count(&["admitted", "approved"]));
            d.work_pending = Some(count(&["pending_approval"]));
            d.work_refused = Some(count(&["refused"]));
            d.work_overdue = Some(
                cases
                    .iter()
                    .filter(|c| c.status == "pending_approval")
                    .filter(|c| c.deadline_at.is_some_and(|t| t < now))
                    .count(),
            );
            d.funding_fen = Some(self.funding_ledger(actor).await?.total_fen);
        }
        if actor.may(Permission::ReportViolations)
            || actor.may(Permission::ConfirmViolations)
            || actor.may(Permission::SubmitAssignments)
        {
            let reports = self.violations(actor, None, None).await?;
            let count = |s: &str| reports.iter().filter(|r| r.status.as_str() == s).count();
            d.violations_open = Some(count("reported"));
            d.violations_confirmed = Some(count("confirmed"));
        }
        d.notices_unread = self
            .my_notices(actor)
            .await?
            .iter()
            .filter(|n| n.read_at.is_none())
            .count();
        Ok(d)
    }
}
