//! 三权分立: system, security and audit administration are held by different people, and an
//! account's roles must fit the organisation it belongs to.
//!
//! Who creates an account is not who gives it power: the system administrator creates and disables
//! accounts (with no role), the security administrator grants and withdraws roles, nobody grants a
//! role to themselves, administrator roles are granted only at the server console. A password set
//! by anyone but its owner is good for one login only (the owner must change it before doing
//! anything else), and an administrator's password is reset only at the console. API tokens belong
//! to system accounts (a department system, named as such), never to a person.

use crate::citation::{Citation, GBT_22239};
use crate::{OrgKind, Role};

pub const CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 d) 应授予管理用户所需的最小权限，实现管理用户的权限分离",
};

/// Roles are granted after creation, by someone other than the creator's duty holder.
pub const GRANT_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 a) 应对登录的用户分配账户和权限；d) 实现管理用户的权限分离",
};
/// A password someone else set is a one-time password.
pub const ONE_TIME_PASSWORD_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 a) 应对登录的用户进行身份标识和鉴别，身份标识具有唯一性",
};
/// Tokens act for a named system, never as a person (no shared accounts).
pub const SYSTEM_ACCOUNT_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 c) 应及时删除或停用多余的、过期的账户，避免共享账户的存在",
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleProblem {
    TwoAdminRoles(Role, Role),
    WrongOrgKind { role: Role, kind: OrgKind },
}

impl RoleProblem {
    pub fn message_zh(&self) -> String {
        match self {
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

/// Who is granting: an account (by id) or the operator at the server console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granter<'a> {
    Console,
    Account(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantProblem {
    /// Nobody grants (or withdraws) their own roles.
    OwnAccount,
    /// Administrator roles only at the console.
    AdminRoleOutsideConsole,
    /// Accounts are created without roles; the security administrator grants them afterwards.
    RolesAtCreation,
    /// An administrator's password is reset only at the console.
    AdminPasswordOutsideConsole,
}

impl GrantProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::OwnAccount => "own_roles",
            Self::AdminRoleOutsideConsole => "admin_role_console_only",
            Self::RolesAtCreation => "roles_granted_separately",
            Self::AdminPasswordOutsideConsole => "admin_password_console_only",
        }
    }
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::OwnAccount => "三员分立：不能给自己授予或撤销角色",
            Self::AdminRoleOutsideConsole => {
                "三员分立：管理员角色只能在服务器控制台用 jianfu user grant 授予或撤销"
            }
            Self::RolesAtCreation => {
                "三员分立：系统管理员创建的账号没有角色，角色由安全管理员另行授予"
            }
            Self::AdminPasswordOutsideConsole => {
                "三员分立：管理员账号的密码只能在服务器控制台用 jianfu user reset-password 重设"
            }
        }
    }
}

/// Whether `granter` may grant or withdraw `role` on account `target_id` (GRANT_CITATION).
pub fn check_grant(granter: Granter<'_>, target_id: &str, role: Role) -> Result<(), GrantProblem> {
    match granter {
        Granter::Console => Ok(()),
        Granter::Account(id) if id == target_id => Err(GrantProblem::OwnAccount),
        Granter::Account(_) if role.is_admin() => Err(GrantProblem::AdminRoleOutsideConsole),
        Granter::Account(_) => Ok(()),
    }
}

/// Roles given at creation: only the console creates an account with roles (administrators are
/// made there); everywhere else an account starts with none.
pub fn check_creation_roles(granter: Granter<'_>, roles: &[Role]) -> Result<(), GrantProblem> {
    match granter {
        Granter::Console => Ok(()),
        Granter::Account(_) if roles.is_empty() => Ok(()),
        Granter::Account(_) => Err(GrantProblem::RolesAtCreation),
    }
}

/// Whether `setter` may reset the password of an account holding `target_roles`.
pub fn check_password_reset(
    setter: Granter<'_>,
    target_roles: &[Role],
) -> Result<(), GrantProblem> {
    match setter {
        Granter::Account(_) if target_roles.iter().any(|r| r.is_admin()) => {
            Err(GrantProblem::AdminPasswordOutsideConsole)
        }
        _ => Ok(()),
    }
}

/// Checks a whole role set for one account belonging to an organisation of `kind`.
pub fn check_account_roles(roles: &[Role], kind: OrgKind) -> Result<(), RoleProblem> {
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
        // A new account has no role until one is granted.
        assert!(check_account_roles(&[], OrgKind::District).is_ok());
    }

    #[test]
    fn nobody_grants_themselves_and_admin_roles_only_at_the_console() {
        let me = Granter::Account("sec-1");
        for r in Role::ALL {
            assert_eq!(
                check_grant(me, "sec-1", r),
                Err(GrantProblem::OwnAccount),
                "{r}"
            );
            let other = check_grant(me, "u-2", r);
            assert_eq!(other.is_ok(), !r.is_admin(), "{r}");
            assert!(check_grant(Granter::Console, "u-2", r).is_ok());
        }
        assert_eq!(
            check_grant(me, "u-2", AuditAdmin),
            Err(GrantProblem::AdminRoleOutsideConsole)
        );
    }

    #[test]
    fn accounts_are_created_without_roles_except_at_the_console() {
        let sys = Granter::Account("sys-1");
        assert!(check_creation_roles(sys, &[]).is_ok());
        assert_eq!(
            check_creation_roles(sys, &[DistrictApprover]),
            Err(GrantProblem::RolesAtCreation)
        );
        assert!(check_creation_roles(Granter::Console, &[AuditAdmin]).is_ok());
    }

    #[test]
    fn admin_passwords_are_reset_only_at_the_console() {
        let sec = Granter::Account("sec-1");
        assert_eq!(
            check_password_reset(sec, &[AuditAdmin]),
            Err(GrantProblem::AdminPasswordOutsideConsole)
        );
        assert!(check_password_reset(sec, &[CommunityWorker]).is_ok());
        assert!(check_password_reset(Granter::Console, &[AuditAdmin]).is_ok());
    }
}
