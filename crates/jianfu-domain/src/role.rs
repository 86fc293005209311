//! The roles of DESIGN.md. Each account belongs to one organisation and holds one or more roles.

use serde::{Deserialize, Serialize};

use crate::OrgKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    CommunityWorker,
    CommunityDirector,
    StreetOfficer,
    DepartmentClerk,
    DistrictApprover,
    Supervisor,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Resident,
        Role::CommunityWorker,
        Role::CommunityDirector,
        Role::StreetOfficer,
        Role::DepartmentClerk,
        Role::DistrictApprover,
        Role::Supervisor,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::CommunityWorker => "community_worker",
            Role::CommunityDirector => "community_director",
            Role::StreetOfficer => "street_officer",
            Role::DepartmentClerk => "department_clerk",
            Role::DistrictApprover => "district_approver",
            Role::Supervisor => "supervisor",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Resident => "居民",
            Role::CommunityWorker => "社区工作者",
            Role::CommunityDirector => "社区书记/主任",
            Role::StreetOfficer => "街道(镇)干部",
            Role::DepartmentClerk => "部门经办人",
            Role::DistrictApprover => "区级审批人",
            Role::Supervisor => "督查人员",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// The kinds of organisation an account with this role must belong to. A community worker
    /// belongs to a community, a clerk to a department, and so on; district-wide roles belong to
    /// the district itself.
    pub fn home_org_kinds(self) -> &'static [OrgKind] {
        match self {
            Role::Resident | Role::CommunityWorker | Role::CommunityDirector => {
                &[OrgKind::Community]
            }
            Role::StreetOfficer => &[OrgKind::Street, OrgKind::Town],
            Role::DepartmentClerk => &[OrgKind::Department],
            Role::DistrictApprover
            | Role::Supervisor
            | Role::SystemAdmin
            | Role::SecurityAdmin
            | Role::AuditAdmin => &[OrgKind::District, OrgKind::Department],
        }
    }

    /// The three separated administrator roles (三权分立).
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_and_has_a_chinese_label() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(!r.label_zh().is_ascii());
            assert!(!r.home_org_kinds().is_empty());
        }
        assert_eq!(Role::parse("root"), None);
    }
}
