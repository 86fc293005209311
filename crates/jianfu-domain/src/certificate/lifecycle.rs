//! An application for a certificate, from submission to the issued (or revoked) certificate, as
//! an explicit state machine:
//!
//! ```text
//! submitted ─verify→ verified ─approve→ approved ─issue→ issued ─revoke→ revoked
//!     │                  │
//!     ├─refuse→ refused ←┘      (a reason is required)
//!     └─withdraw→ withdrawn     (by the applicant)
//! ```
//!
//! The worker checks the facts (verify); the director, who keeps the seal, approves its use;
//! the two must be different people. [`transition`] is the only way between states.

use crate::Citation;
use crate::assignment::working_days::{WorkCalendar, add_working_days};
use crate::citation::DAXING_2016;
use serde::{Deserialize, Serialize};
use time::Date;

/// Separation of duties on the seal: whoever approves its use did not check the facts.
pub const CITE_APPROVER_NOT_HANDLER: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 规范社区印章使用管理制度（用印登记分列签批人与经办人：经办人核实，社区书记/主任签批，二者不得为同一人）",
};

/// A refusal or a revocation is explained: the resident must be told why (三(四) 耐心说明解释).
pub const CITE_REASON_REQUIRED: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 不符合印章管理使用规定，或超出社区职责范围的，对居民耐心说明解释",
};

/// Deadlines are the item's 办理时限 in working days.
pub const CITE_TIME_LIMIT: Citation = Citation {
    document: "民政部等六部门《关于改进和规范基层群众性自治组织出具证明工作的指导意见》(民发〔2020〕20号)",
    clause: "保留的证明事项须明确办理时限等办事指南要素（如“亲属关系证明（仅限公证）”办理时限 5 个工作日）",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertState {
    Submitted,
    Verified,
    Approved,
    Issued,
    Refused,
    Withdrawn,
    Revoked,
}

impl CertState {
    pub const ALL: [CertState; 7] = [
        CertState::Submitted,
        CertState::Verified,
        CertState::Approved,
        CertState::Issued,
        CertState::Refused,
        CertState::Withdrawn,
        CertState::Revoked,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CertState::Submitted => "submitted",
            CertState::Verified => "verified",
            CertState::Approved => "approved",
            CertState::Issued => "issued",
            CertState::Refused => "refused",
            CertState::Withdrawn => "withdrawn",
            CertState::Revoked => "revoked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            CertState::Submitted => "已提交，待核实",
            CertState::Verified => "已核实，待签批用印",
            CertState::Approved => "已批准用印，待出具",
            CertState::Issued => "已出具",
            CertState::Refused => "不予出具",
            CertState::Withdrawn => "已撤回",
            CertState::Revoked => "已作废",
        }
    }
    /// Still being worked on: the deadline runs.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CertState::Submitted | CertState::Verified | CertState::Approved
        )
    }
    /// CSS status class: on (issued), warn (open), off (closed).
    pub fn tone(self) -> &'static str {
        match self {
            CertState::Issued => "on",
            s if s.is_open() => "warn",
            _ => "off",
        }
    }
}

/// What someone does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertAction {
    /// The worker has checked the facts (e.g. the household register is in this community).
    Verify,
    /// The director approves use of the seal.
    Approve,
    /// The certificate is issued (numbered, printed, stamped).
    Issue,
    /// Not issued, with a reason.
    Refuse,
    /// The applicant withdraws the application.
    Withdraw,
    /// An issued certificate is revoked (作废), with a reason.
    Revoke,
}

impl CertAction {
    pub const ALL: [CertAction; 6] = [
        CertAction::Verify,
        CertAction::Approve,
        CertAction::Issue,
        CertAction::Refuse,
        CertAction::Withdraw,
        CertAction::Revoke,
    ];
    pub fn label_zh(self) -> &'static str {
        match self {
            CertAction::Verify => "核实",
            CertAction::Approve => "批准用印",
            CertAction::Issue => "出具",
            CertAction::Refuse => "不予出具",
            CertAction::Withdraw => "撤回",
            CertAction::Revoke => "作废",
        }
    }
}

/// The facts of an application that the transition rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case<'a> {
    pub state: CertState,
    /// The account that submitted it: the resident online, or the worker at the window.
    pub submitted_by: &'a str,
    /// The worker who verified the facts, once verified.
    pub verified_by: Option<&'a str>,
    /// The director who approved the seal, once approved.
    pub approved_by: Option<&'a str>,
}

/// A move someone wants to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move<'a> {
    pub action: CertAction,
    /// Who makes it (account name).
    pub by: &'a str,
    /// Required for refuse and revoke.
    pub reason: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("当前状态为“{}”，不能进行“{}”操作", .from.label_zh(), .action.label_zh())]
    WrongState { from: CertState, action: CertAction },
    #[error("核实情况的经办人不能同时批准用印，请由社区书记或主任中的另一人签批")]
    SamePerson,
    #[error("批准用印的人不能自己出具盖章，请由经办的社区工作者出具")]
    ApproverIssues,
    #[error("“{}”须写明理由，以便向居民说明", .0.label_zh())]
    ReasonRequired(CertAction),
    #[error("只有提交申请的人可以撤回申请")]
    NotApplicant,
}

impl LifecycleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongState { .. } => "wrong_state",
            Self::SamePerson | Self::ApproverIssues => "same_person",
            Self::ReasonRequired(_) => "reason_required",
            Self::NotApplicant => "not_applicant",
        }
    }
    pub fn citation(&self) -> Option<Citation> {
        match self {
            Self::SamePerson | Self::ApproverIssues => Some(CITE_APPROVER_NOT_HANDLER),
            Self::ReasonRequired(_) => Some(CITE_REASON_REQUIRED),
            _ => None,
        }
    }
}

/// The state machine. Everything not listed is forbidden. Roles (who may verify, approve,
/// revoke) are permissions the service checks; this function checks the state, the reason, the
/// applicant, and that approver and handler differ.
pub fn transition(case: &Case, mv: &Move) -> Result<CertState, LifecycleError> {
    use CertAction as A;
    use CertState as S;
    let to = match (case.state, mv.action) {
        (S::Submitted, A::Verify) => S::Verified,
        (S::Verified, A::Approve) => S::Approved,
        (S::Approved, A::Issue) => S::Issued,
        (S::Submitted | S::Verified, A::Refuse) => S::Refused,
        (S::Submitted, A::Withdraw) => S::Withdrawn,
        (S::Issued, A::Revoke) => S::Revoked,
        (from, action) => return Err(LifecycleError::WrongState { from, action }),
    };
    match mv.action {
        A::Refuse | A::Revoke if mv.reason.trim().is_empty() => {
            return Err(LifecycleError::ReasonRequired(mv.action));
        }
        A::Withdraw if mv.by != case.submitted_by => return Err(LifecycleError::NotApplicant),
        A::Approve if case.verified_by.is_none_or(|v| v == mv.by) => {
            return Err(LifecycleError::SamePerson);
        }
        // The seal log names an approver and a handler: two people, so the one who approved
        // does not also stamp.
        A::Issue if case.approved_by == Some(mv.by) => {
            return Err(LifecycleError::ApproverIssues);
        }
        _ => {}
    }
    Ok(to)
}

/// The last day to finish: `working_days` working days after the day of submission (that day
/// not counted, as in “自受理之日起5个工作日内”). Rule [`CITE_TIME_LIMIT`].
pub fn due_on(submitted_on: Date, working_days: u32, calendar: &WorkCalendar) -> Date {
    add_working_days(submitted_on, i64::from(working_days), calendar)
}

/// Open past its last day.
pub fn is_overdue(state: CertState, due: Date, today: Date) -> bool {
    state.is_open() && today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use CertAction as A;
    use CertState as S;
    use time::macros::date;

    fn case(state: S) -> Case<'static> {
        Case {
            state,
            submitted_by: "resident1",
            verified_by: matches!(state, S::Verified | S::Approved | S::Issued)
                .then_some("worker1"),
            approved_by: matches!(state, S::Approved | S::Issued).then_some("director1"),
        }
    }

    fn mv(action: A, by: &'static str) -> Move<'static> {
        Move {
            action,
            by,
            reason: "户籍不在本社区，无法如实掌握情况",
        }
    }

    /// Every (state, action) pair spelled out with a legitimate actor: the table is the
    /// specification.
    #[test]
    fn state_machine_is_exactly_this_table() {
        let allowed: &[(S, A, S)] = &[
            (S::Submitted, A::Verify, S::Verified),
            (S::Submitted, A::Refuse, S::Refused),
            (S::Submitted, A::Withdraw, S::Withdrawn),
            (S::Verified, A::Approve, S::Approved),
            (S::Verified, A::Refuse, S::Refused),
            (S::Approved, A::Issue, S::Issued),
            (S::Issued, A::Revoke, S::Revoked),
        ];
        let actor = |a: A| match a {
            A::Withdraw => "resident1",
            A::Approve | A::Revoke => "director1",
            _ => "worker1",
        };
        let mut checked = 0;
        for from in S::ALL {
            for action in CertAction::ALL {
                let want = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                let got = transition(&case(from), &mv(action, actor(action)));
                match (got, want) {
                    (Ok(to), Some(w)) => assert_eq!(to, w, "{from:?} {action:?}"),
                    (Err(e), None) => {
                        assert_eq!(e, LifecycleError::WrongState { from, action });
                        assert_eq!(e.code(), "wrong_state");
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 42);
    }

    #[test]
    fn the_handler_may_not_approve_the_seal() {
        let e = transition(&case(S::Verified), &mv(A::Approve, "worker1")).unwrap_err();
        assert_eq!(e, LifecycleError::SamePerson);
        assert_eq!(e.code(), "same_person");
        assert_eq!(e.citation(), Some(CITE_APPROVER_NOT_HANDLER));
        // Not verified by anyone recorded: nobody can show they are not the handler.
        let unverified = Case {
            verified_by: None,
            ..case(S::Verified)
        };
        assert_eq!(
            transition(&unverified, &mv(A::Approve, "director1")),
            Err(LifecycleError::SamePerson)
        );
        assert_eq!(
            transition(&case(S::Verified), &mv(A::Approve, "director1")),
            Ok(S::Approved)
        );
        // Nor may the director who approved stamp it.
        let e = transition(&case(S::Approved), &mv(A::Issue, "director1")).unwrap_err();
        assert_eq!(e, LifecycleError::ApproverIssues);
        assert_eq!(e.code(), "same_person");
        assert_eq!(e.citation(), Some(CITE_APPROVER_NOT_HANDLER));
    }

    #[test]
    fn refusal_and_revocation_need_a_reason() {
        for (state, action) in [
            (S::Submitted, A::Refuse),
            (S::Verified, A::Refuse),
            (S::Issued, A::Revoke),
        ] {
            let blank = Move {
                reason: "  ",
                ..mv(action, "director1")
            };
            let e = transition(&case(state), &blank).unwrap_err();
            assert_eq!(e, LifecycleError::ReasonRequired(action));
            assert_eq!(e.code(), "reason_required");
            assert!(e.to_string().contains("理由"));
        }
    }

    #[test]
    fn only_the_applicant_withdraws() {
        let e = transition(&case(S::Submitted), &mv(A::Withdraw, "worker1")).unwrap_err();
        assert_eq!(e.code(), "not_applicant");
        // Once the facts are verified the application is the community's to decide.
        assert!(transition(&case(S::Verified), &mv(A::Withdraw, "resident1")).is_err());
    }

    #[test]
    fn states_round_trip_and_closed_ones_stay_closed() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            if !s.is_open() && s != S::Issued {
                for a in CertAction::ALL {
                    assert!(transition(&case(s), &mv(a, "director1")).is_err());
                }
            }
        }
        assert_eq!(S::parse("nope"), None);
    }

    #[test]
    fn the_deadline_counts_working_days() {
        let weekends = WorkCalendar::weekends_only();
        // Friday + 5 working days = the next Friday.
        assert_eq!(
            due_on(date!(2026 - 11 - 27), 5, &weekends),
            date!(2026 - 12 - 04)
        );
        // Saturday (the test clock's first day) + 5 = Friday.
        assert_eq!(
            due_on(date!(2026 - 11 - 28), 5, &weekends),
            date!(2026 - 12 - 04)
        );
        let cal = WorkCalendar::from_toml(include_str!(
            "../../../../data/calendar/cn-workdays-2026.toml"
        ))
        .unwrap();
        // National Day: Wednesday 09-30 + 5 skips 1–7 October and Sunday 10-11, counts Saturday
        // 10-10 (调休上班): 10-08, 10-09, 10-10, 10-12, 10-13.
        assert_eq!(
            due_on(date!(2026 - 09 - 30), 5, &cal),
            date!(2026 - 10 - 13)
        );
        assert!(is_overdue(
            S::Verified,
            date!(2026 - 12 - 04),
            date!(2026 - 12 - 05)
        ));
        assert!(!is_overdue(
            S::Verified,
            date!(2026 - 12 - 04),
            date!(2026 - 12 - 04)
        ));
        assert!(!is_overdue(
            S::Issued,
            date!(2026 - 12 - 04),
            date!(2026 - 12 - 09)
        ));
    }
}
