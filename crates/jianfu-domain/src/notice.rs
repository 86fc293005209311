//! Who reads a notice (站内通知). A notice is addressed to an organisation, or to the holders of one
//! role there. One addressed to the organisation as a whole is for the people who work there: a
//! resident with an account in the community is not its staff and does not read the committee's
//! internal notices (a report naming a department, a case he may not open). Least privilege.

use crate::Role;
use crate::citation::{Citation, GBT_22239};

/// 访问控制：授予用户所需的最小权限。
pub const CITE_NOTICE_READERS: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 d)",
};

/// Whether an account holding `roles` in the organisation a notice is addressed to reads it:
/// a notice for one role, its holders; a notice for the organisation, anyone who holds a staff
/// role there (any role but resident).
pub fn reads_notice(addressed_to: Option<Role>, roles: &[Role]) -> bool {
    match addressed_to {
        Some(r) => roles.contains(&r),
        None => roles.iter().any(|r| *r != Role::Resident),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resident_reads_only_what_is_addressed_to_residents() {
        let resident = [Role::Resident];
        assert!(!reads_notice(None, &resident), "{CITE_NOTICE_READERS}");
        assert!(!reads_notice(Some(Role::CommunityWorker), &resident));
        assert!(reads_notice(Some(Role::Resident), &resident));
    }

    #[test]
    fn staff_read_the_organisations_notices_and_their_roles() {
        let worker = [Role::CommunityWorker];
        assert!(reads_notice(None, &worker));
        assert!(reads_notice(Some(Role::CommunityWorker), &worker));
        assert!(!reads_notice(Some(Role::CommunityDirector), &worker));
        // A staff member who also holds the resident role is still staff.
        assert!(reads_notice(None, &[Role::Resident, Role::CommunityWorker]));
        assert!(!reads_notice(None, &[]));
    }
}
