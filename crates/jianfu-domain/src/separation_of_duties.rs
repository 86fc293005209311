//! 三权分立: system, security and audit administration are held by different people, and an
//! account's roles must fit the organisation it belongs to.

use crate::citation::{Citation, GBT_22239};
use crate::{OrgKind, Role};

pub const CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 d) 应授予管理用户所需的最小权限，实现管理用户的权限分离",
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleProblem {
    NoRole,
    TwoAdminRoles(Role, Role),
    WrongOrgKind { role: Role, kind: OrgKind },
}

impl RoleProblem {
    pub fn message_zh(&self) -> String {
        match self {
            Self::NoRole => "账号至少需要一个角色".into(),
            Self::TwoAdminRoles(a, b) => format!(
                "三权分立：同一账号不能同时担任“{}”和“{}”",
                a.label_zh(),
                b.label_zh()
            ),
            Self::WrongOrgKind { role, kind } => {
                format!("“{}”不能属于{}类机构", role.label_zh(), kind.label_zh())
            }
        }
    }
}

/// Checks a whole role set for one account belonging to an organisation of `kind`.
pub fn check_account_roles(roles: &[Role], kind: OrgKind) -> Result<(), RoleProblem> {
    if roles.is_empty() {
        return Err(RoleProblem::NoRole);
    }
    let admins: Vec<Role> = roles.iter().copied().filter(|r| r.is_admin()).collect();
    if let [a, b, ..] = admins[..]
        && a != b
    {
        return Err(RoleProblem::TwoAdminRoles(a, b));
    }
    if let Some(&role) = roles.iter().find(|r| !r.home_org_kinds().contains(&kind)) {
        return Err(RoleProblem::WrongOrgKind { role, kind });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn no_account_holds_two_admin_roles() {
        for a in [SystemAdmin, SecurityAdmin, AuditAdmin] {
            for b in [SystemAdmin, SecurityAdmin, AuditAdmin] {
                let r = check_account_roles(&[a, b], OrgKind::District);
                assert_eq!(r.is_ok(), a == b, "{a} + {b}");
            }
        }
    }

    #[test]
    fn roles_must_fit_the_home_organisation() {
        assert!(
            check_account_roles(&[CommunityWorker, CommunityDirector], OrgKind::Community).is_ok()
        );
        assert_eq!(
            check_account_roles(&[CommunityWorker], OrgKind::Department),
            Err(RoleProblem::WrongOrgKind {
                role: CommunityWorker,
                kind: OrgKind::Department
            })
        );
        assert!(check_account_roles(&[StreetOfficer], OrgKind::Town).is_ok());
        assert_eq!(
            check_account_roles(&[], OrgKind::District),
            Err(RoleProblem::NoRole)
        );
    }
}
