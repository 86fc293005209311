//! Least privilege: what each role may do. Handlers ask for a permission, never for a role, so the
//! whole grant table is here in one place and tested.
//!
//! The three administrators are kept apart (三权分立, GB/T 22239-2019 8.1.4.2 d):
//! the system administrator creates and disables accounts and system accounts and their API tokens,
//! the security administrator grants and withdraws roles and handles credentials and lockouts, the audit administrator reads the audit trail. Nobody may edit the
//! audit trail: there is no permission for it.

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the organisation tree (within the account's scope).
    ViewOrgs,
    /// See the account list.
    ViewUsers,
    /// Create, disable and re-enable accounts.
    ManageUsers,
    /// Reset passwords and lift login delays.
    ManageCredentials,
    /// Grant and withdraw roles (business roles included) of accounts and system accounts.
    ManageRoles,
    /// Issue and revoke long-lived API tokens for department systems.
    ManageApiTokens,
    /// Search and verify the audit trail.
    ReadAudit,
    /// Publish a new version of the work and certificate lists (区社会办).
    ManageCatalog,
    /// Ask for work to be put on communities, through the gate (departments and streets).
    SubmitAssignments,
    /// Street pre-review of work that needs district approval.
    ReviewAssignments,
    /// Approve or refuse work that needs district approval (区委区政府/区社会办).
    ApproveAssignments,
    /// Report work that reached the community outside the gate (违规下派).
    ReportViolations,
    /// Confirm or dismiss such reports; confirmed work is revoked (督查).
    ConfirmViolations,
    /// See admitted work, its funding and the funding ledger (within the account's scope).
    ViewAssignments,
    /// Apply online for a certificate about oneself (居民).
    ApplyCertificate,
    /// Enter applications at the window, check the facts, issue approved certificates and record
    /// other uses of the seal (社区工作者).
    HandleCertificates,
    /// Approve or refuse use of the community seal, revoke (作废) issued certificates
    /// (社区书记/主任 keeps the seal).
    ApproveSealUse,
    /// See an applicant's full ID number; every such view is audited. Everyone else sees the last
    /// four characters only.
    ViewFullIdNumber,
    /// Read the seal-use log (用印登记) within the account's scope.
    ViewSealLog,
    /// See the burden inventory (台账清理) within the account's scope; a department sees the
    /// entries against it.
    ViewInventory,
    /// Record and update one's own community's burden inventory (社区工作者、书记).
    RecordInventory,
    /// Confirm the steps of the communities' inventories (街道, 二(三) 统筹、督促检查).
    ConfirmInventory,
    /// Answer entries placed by one's own organisation, and give their basis (部门、街道).
    AnswerInventory,
    /// Register one's own 达标、检查评比、示范创建 activities aimed at communities (部门、街道、
    /// 区社会办); the register judges each at once.
    RegisterEvaluations,
    /// Build, publish and revise residents' satisfaction questionnaires (区社会办).
    ManageSurveys,
    /// Print the one-time household codes of a community's survey slips. Never the community
    /// being evaluated: its street or the district prints them (DESIGN.md, surveys nobody can
    /// link to a household).
    PrintSurveyCodes,
    /// See survey results within the account's scope; free text in full only for one's own
    /// community.
    ViewSurveyResults,
    /// Run the yearly comprehensive evaluation (综合考评): scheme, scores, publication (区社会办).
    RunComprehensiveEvaluation,
    /// Nominate one's own communities with a self-report (街道自荐申报).
    NominateCommunities,
    /// Enter one's own community's shared data figures and electronic ledger records, once per
    /// period (社区工作者、书记; 三(二) 电子台账).
    EnterSharedData,
    /// Define reports over shared elements and propose new elements through the gate (部门、街道).
    DefineReports,
    /// Read shared data reports, element values and the burden figures within the account's scope.
    ViewSharedData,
    /// Propose topics for deliberation and support others' (居民、社区; 三(五) 议事协商).
    ProposeTopics,
    /// Run one's own community's deliberation: accept or decline topics, meetings and their
    /// notices, attendance, in-room tallies, minutes, carrying out, requests to departments, the
    /// household roster (社区工作者、书记).
    RunDeliberation,
    /// Sign the minutes off as chair; after that they never change (书记/主任).
    SignMinutes,
    /// Vote online in one's own community's meetings, and say whether a decision was carried out
    /// (居民).
    VoteOnline,
    /// Answer deliberation requests addressed to one's own department or street.
    AnswerDeliberationRequests,
    /// See every department's answers to deliberation requests district-wide: received,
    /// answered, average working days, pending and the oldest pending one (督查、区社会办).
    /// A department sees its own row through `AnswerDeliberationRequests`.
    ViewDeliberationFigures,
    /// Register oneself as a volunteer, sign up for and cancel activities, see one's own record
    /// and ask for a free record certificate (居民; 三(五) 志愿服务).
    RegisterVolunteer,
    /// Run one's own community's volunteers: confirm registrations, post activities, record who
    /// came and for how long, issue record certificates (社区工作者、书记).
    ManageVolunteers,
}

pub fn grants(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::SystemAdmin => &[ViewOrgs, ViewUsers, ManageUsers, ManageApiTokens],
        Role::SecurityAdmin => &[ViewOrgs, ViewUsers, ManageCredentials, ManageRoles],
        Role::AuditAdmin => &[ViewOrgs, ReadAudit],
        Role::Resident => &[
            ViewOrgs,
            ApplyCertificate,
            ProposeTopics,
            VoteOnline,
            RegisterVolunteer,
        ],
        Role::CommunityWorker => &[
            ViewOrgs,
            ViewAssignments,
            ReportViolations,
            HandleCertificates,
            ViewSealLog,
            ViewInventory,
            RecordInventory,
            ViewSurveyResults,
            EnterSharedData,
            ViewSharedData,
            ProposeTopics,
            RunDeliberation,
            ManageVolunteers,
        ],
        Role::CommunityDirector => &[
            ViewOrgs,
            ViewAssignments,
            ReportViolations,
            HandleCertificates,
            ApproveSealUse,
            ViewFullIdNumber,
            ViewSealLog,
            ViewInventory,
            RecordInventory,
            ViewSurveyResults,
            EnterSharedData,
            ViewSharedData,
            ProposeTopics,
            RunDeliberation,
            SignMinutes,
            ManageVolunteers,
        ],
        Role::StreetOfficer => &[
            ViewOrgs,
            ViewAssignments,
            SubmitAssignments,
            ReviewAssignments,
            ViewInventory,
            ConfirmInventory,
            AnswerInventory,
            RegisterEvaluations,
            PrintSurveyCodes,
            ViewSurveyResults,
            NominateCommunities,
            DefineReports,
            ViewSharedData,
            AnswerDeliberationRequests,
        ],
        Role::DepartmentClerk => &[
            ViewOrgs,
            ViewAssignments,
            SubmitAssignments,
            ViewInventory,
            AnswerInventory,
            RegisterEvaluations,
            DefineReports,
            ViewSharedData,
            AnswerDeliberationRequests,
        ],
        Role::DistrictApprover => &[
            ViewOrgs,
            ViewAssignments,
            ApproveAssignments,
            ManageCatalog,
            ViewInventory,
            RegisterEvaluations,
            ManageSurveys,
            PrintSurveyCodes,
            ViewSurveyResults,
            RunComprehensiveEvaluation,
            ViewSharedData,
            ViewDeliberationFigures,
        ],
        Role::Supervisor => &[
            ViewOrgs,
            ViewAssignments,
            ConfirmViolations,
            ViewSealLog,
            ViewInventory,
            ViewSurveyResults,
            ViewSharedData,
            ViewDeliberationFigures,
        ],
    }
}

pub fn allows(roles: &[Role], p: Permission) -> bool {
    roles.iter().any(|r| grants(*r).contains(&p))
}

/// Administrator roles are granted only at the server console (`jianfu user create`), never by
/// another administrator through the web: otherwise the system administrator could create an
/// audit administrator whose password they know and review their own actions (三权分立).
pub fn grantable_through_web(role: Role) -> bool {
    !role.is_admin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn only_the_audit_admin_reads_the_audit_trail() {
        for r in Role::ALL {
            assert_eq!(allows(&[r], ReadAudit), r == Role::AuditAdmin, "{r}");
        }
    }

    #[test]
    fn admin_duties_do_not_overlap() {
        let duties = [
            ManageUsers,
            ManageCredentials,
            ManageRoles,
            ManageApiTokens,
            ReadAudit,
        ];
        for p in duties {
            let holders: Vec<Role> = Role::ALL.into_iter().filter(|r| allows(&[*r], p)).collect();
            assert_eq!(holders.len(), 1, "{p:?} held by {holders:?}");
        }
        assert!(!allows(&[Role::SystemAdmin], ManageCredentials));
        assert!(!allows(&[Role::SecurityAdmin], ManageUsers));
        // Who creates an account is not who gives it power.
        assert!(!allows(&[Role::SystemAdmin], ManageRoles));
        assert!(allows(&[Role::SecurityAdmin], ManageRoles));
    }

    #[test]
    fn admin_roles_are_never_granted_through_the_web() {
        for r in Role::ALL {
            assert_eq!(grantable_through_web(r), !r.is_admin(), "{r}");
        }
    }

    #[test]
    fn business_roles_hold_no_admin_power() {
        let admin = [
            ViewUsers,
            ManageUsers,
            ManageCredentials,
            ManageRoles,
            ManageApiTokens,
            ReadAudit,
        ];
        for r in Role::ALL.into_iter().filter(|r| !r.is_admin()) {
            assert!(admin.iter().all(|p| !allows(&[r], *p)), "{r}");
        }
    }

    /// Only the community enters its own figures (one entry, 一表通); departments and streets
    /// define reports over them but never type a community's figures.
    #[test]
    fn only_communities_enter_shared_data() {
        for r in Role::ALL {
            assert_eq!(
                allows(&[r], EnterSharedData),
                matches!(r, Role::CommunityWorker | Role::CommunityDirector),
                "{r}"
            );
        }
        assert!(allows(&[Role::DepartmentClerk], DefineReports));
        assert!(!allows(&[Role::CommunityWorker], DefineReports));
        assert!(!allows(&[Role::Resident], ViewSharedData));
    }

    #[test]
    fn administrators_hold_no_business_power() {
        let business = [
            ManageCatalog,
            SubmitAssignments,
            ReviewAssignments,
            ApproveAssignments,
            ReportViolations,
            ConfirmViolations,
            ViewAssignments,
            ApplyCertificate,
            HandleCertificates,
            ApproveSealUse,
            ViewFullIdNumber,
            ViewSealLog,
            ViewInventory,
            RecordInventory,
            ConfirmInventory,
            AnswerInventory,
            RegisterEvaluations,
            ManageSurveys,
            PrintSurveyCodes,
            ViewSurveyResults,
            RunComprehensiveEvaluation,
            NominateCommunities,
            EnterSharedData,
            DefineReports,
            ViewSharedData,
            ProposeTopics,
            RunDeliberation,
            SignMinutes,
            VoteOnline,
            AnswerDeliberationRequests,
            ViewDeliberationFigures,
            RegisterVolunteer,
            ManageVolunteers,
        ];
        for r in [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin] {
            assert!(business.iter().all(|p| !allows(&[r], *p)), "{r}");
        }
    }

    /// Residents propose and vote; their committee runs the meetings and only the director
    /// (chair) signs minutes; departments answer requests and never run a community's meetings.
    #[test]
    fn residents_vote_committees_run_departments_answer() {
        for r in Role::ALL {
            let community = matches!(r, Role::CommunityWorker | Role::CommunityDirector);
            assert_eq!(allows(&[r], RunDeliberation), community, "{r}");
            assert_eq!(allows(&[r], VoteOnline), r == Role::Resident, "{r}");
            assert_eq!(
                allows(&[r], SignMinutes),
                r == Role::CommunityDirector,
                "{r}"
            );
        }
        assert!(allows(&[Role::Resident], ProposeTopics));
        assert!(allows(&[Role::DepartmentClerk], AnswerDeliberationRequests));
        assert!(!allows(&[Role::Resident], AnswerDeliberationRequests));
        // Only the supervisors see every department's answer figures.
        for r in Role::ALL {
            assert_eq!(
                allows(&[r], ViewDeliberationFigures),
                matches!(r, Role::Supervisor | Role::DistrictApprover),
                "{r}"
            );
        }
    }

    #[test]
    fn survey_codes_are_never_printed_by_the_community_being_evaluated() {
        for r in Role::ALL {
            let community = matches!(
                r,
                Role::CommunityWorker | Role::CommunityDirector | Role::Resident
            );
            if community {
                assert!(!allows(&[r], PrintSurveyCodes), "{r}");
            }
        }
        assert!(allows(&[Role::StreetOfficer], PrintSurveyCodes));
        assert!(allows(&[Role::DistrictApprover], ManageSurveys));
        assert!(!allows(&[Role::StreetOfficer], ManageSurveys));
        assert!(allows(&[Role::StreetOfficer], NominateCommunities));
        assert!(!allows(&[Role::StreetOfficer], RunComprehensiveEvaluation));
        assert!(allows(
            &[Role::DistrictApprover],
            RunComprehensiveEvaluation
        ));
    }

    #[test]
    fn who_submits_approves_and_confirms() {
        assert!(allows(&[Role::DepartmentClerk], SubmitAssignments));
        assert!(allows(&[Role::StreetOfficer], ReviewAssignments));
        assert!(!allows(&[Role::DepartmentClerk], ApproveAssignments));
        assert!(allows(&[Role::DistrictApprover], ApproveAssignments));
        assert!(!allows(&[Role::CommunityWorker], SubmitAssignments));
        assert!(allows(&[Role::CommunityWorker], ReportViolations));
        assert!(allows(&[Role::Supervisor], ConfirmViolations));
        assert!(!allows(&[Role::DepartmentClerk], ConfirmViolations));
        assert!(!allows(&[Role::Resident], ViewAssignments));
    }

    #[test]
    fn only_the_director_approves_seal_use_and_sees_full_id_numbers() {
        for r in Role::ALL {
            let director = r == Role::CommunityDirector;
            assert_eq!(allows(&[r], ApproveSealUse), director, "{r}");
            assert_eq!(allows(&[r], ViewFullIdNumber), director, "{r}");
        }
        assert!(allows(&[Role::Resident], ApplyCertificate));
        assert!(!allows(&[Role::Resident], HandleCertificates));
        assert!(allows(&[Role::CommunityWorker], HandleCertificates));
        assert!(!allows(&[Role::DepartmentClerk], ViewSealLog));
    }

    #[test]
    fn communities_record_streets_confirm_owners_answer_the_inventory() {
        for r in Role::ALL {
            let community = matches!(r, Role::CommunityWorker | Role::CommunityDirector);
            assert_eq!(allows(&[r], RecordInventory), community, "{r}");
            assert_eq!(
                allows(&[r], ConfirmInventory),
                r == Role::StreetOfficer,
                "{r}"
            );
        }
        assert!(allows(&[Role::DepartmentClerk], AnswerInventory));
        assert!(!allows(&[Role::DepartmentClerk], RecordInventory));
        assert!(allows(&[Role::Supervisor], ViewInventory));
        assert!(!allows(&[Role::Resident], ViewInventory));
        // Communities are evaluated; they do not register evaluations.
        assert!(!allows(&[Role::CommunityWorker], RegisterEvaluations));
        assert!(allows(&[Role::DepartmentClerk], RegisterEvaluations));
    }

    /// Residents register and sign up; only the community runs its volunteers (条例 §41: the
    /// 居委会 recruits and records, 办法 §26).
    #[test]
    fn residents_volunteer_and_communities_record() {
        for r in Role::ALL {
            assert_eq!(allows(&[r], RegisterVolunteer), r == Role::Resident, "{r}");
            assert_eq!(
                allows(&[r], ManageVolunteers),
                matches!(r, Role::CommunityWorker | Role::CommunityDirector),
                "{r}"
            );
        }
    }
}
