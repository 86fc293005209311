//! Who may see what. This is the one place where read scoping is decided; storage and HTTP ask
//! it and never decide on their own.
//!
//! Rules (DESIGN.md "Who uses it", issue #2 §3):
//! - a community's worker, director and residents see only their community;
//! - a street/town officer sees the street/town and the communities under it;
//! - a department sees only its own records, and the district's streets, towns and communities it
//!   may address work to, but never another department;
//! - district approvers, supervisors and the three administrators see the whole district.

use crate::{Org, OrgCode, OrgKind, Role, org::OrgTree};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole district.
    District,
    /// A street or town and everything below it.
    Subtree(OrgCode),
    /// One community.
    Community(OrgCode),
    /// One department.
    Department(OrgCode),
    /// An account with no role sees nothing.
    Nothing,
}

/// The widest scope among the roles an account holds, anchored at its home organisation.
pub fn scope_for(roles: &[Role], home: &OrgCode) -> Scope {
    use Role::*;
    if roles.iter().any(|r| {
        matches!(
            r,
            DistrictApprover | Supervisor | SystemAdmin | SecurityAdmin | AuditAdmin
        )
    }) {
        Scope::District
    } else if roles.contains(&StreetOfficer) {
        Scope::Subtree(home.clone())
    } else if roles.contains(&DepartmentClerk) {
        Scope::Department(home.clone())
    } else if roles
        .iter()
        .any(|r| matches!(r, CommunityWorker | CommunityDirector | Resident))
    {
        Scope::Community(home.clone())
    } else {
        Scope::Nothing
    }
}

impl Scope {
    /// May the holder see this organisation in directories and lists?
    pub fn can_see_org(&self, org: &Org, tree: &OrgTree) -> bool {
        match self {
            Scope::District => true,
            Scope::Subtree(root) => tree.is_within(&org.code, root),
            Scope::Community(c) => &org.code == c,
            Scope::Department(d) => &org.code == d || org.kind != OrgKind::Department,
            Scope::Nothing => false,
        }
    }

    /// May the holder read records owned by `owner` (an organisation code)? Records are the
    /// business data of later modules: tasks, reports, certificates, ledgers.
    pub fn can_read_records_of(&self, owner: &OrgCode, tree: &OrgTree) -> bool {
        match self {
            Scope::District => true,
            Scope::Subtree(root) => tree.is_within(owner, root),
            Scope::Community(c) | Scope::Department(c) => owner == c,
            Scope::Nothing => false,
        }
    }

    /// The organisations visible to the holder, in code order.
    pub fn visible_orgs<'a>(&self, tree: &'a OrgTree) -> Vec<&'a Org> {
        tree.all()
            .iter()
            .filter(|o| self.can_see_org(o, tree))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> OrgCode {
        OrgCode::parse(s).unwrap()
    }
    fn org(code: &str, kind: OrgKind, parent: Option<&str>) -> Org {
        Org {
            code: c(code),
            name: code.into(),
            kind,
            parent: parent.map(c),
        }
    }
    fn tree() -> OrgTree {
        OrgTree::new(vec![
            org("110115", OrgKind::District, None),
            org("110115001", OrgKind::Street, Some("110115")),
            org("110115005", OrgKind::Town, Some("110115")),
            org("110115001901", OrgKind::Community, Some("110115001")),
            org("110115001902", OrgKind::Community, Some("110115001")),
            org("110115005901", OrgKind::Community, Some("110115005")),
            org("110115-MZJ", OrgKind::Department, Some("110115")),
            org("110115-WJW", OrgKind::Department, Some("110115")),
        ])
    }
    fn seen(s: &Scope) -> Vec<String> {
        let t = tree();
        s.visible_orgs(&t)
            .iter()
            .map(|o| o.code.to_string())
            .collect()
    }

    #[test]
    fn community_roles_see_only_their_community() {
        for role in [
            Role::CommunityWorker,
            Role::CommunityDirector,
            Role::Resident,
        ] {
            let s = scope_for(&[role], &c("110115001901"));
            assert_eq!(seen(&s), vec!["110115001901"]);
            assert!(!s.can_read_records_of(&c("110115001902"), &tree()));
            assert!(s.can_read_records_of(&c("110115001901"), &tree()));
        }
    }

    #[test]
    fn street_officer_sees_own_street_only() {
        let s = scope_for(&[Role::StreetOfficer], &c("110115001"));
        assert_eq!(seen(&s), vec!["110115001", "110115001901", "110115001902"]);
        assert!(!s.can_read_records_of(&c("110115005901"), &tree()));
    }

    #[test]
    fn department_never_sees_another_department() {
        let s = scope_for(&[Role::DepartmentClerk], &c("110115-MZJ"));
        let v = seen(&s);
        assert!(v.contains(&"110115-MZJ".to_string()));
        assert!(!v.contains(&"110115-WJW".to_string()));
        assert!(v.contains(&"110115005901".to_string()));
        assert!(!s.can_read_records_of(&c("110115-WJW"), &tree()));
        assert!(!s.can_read_records_of(&c("110115001901"), &tree()));
    }

    #[test]
    fn district_roles_see_everything_and_no_role_sees_nothing() {
        for role in [Role::Supervisor, Role::DistrictApprover, Role::AuditAdmin] {
            assert_eq!(seen(&scope_for(&[role], &c("110115"))).len(), 8);
        }
        assert!(seen(&scope_for(&[], &c("110115"))).is_empty());
    }
}
