//! A department's request once submitted: a case (准入事项) with explicit states, an access
//! number, an approval deadline in working days, and the funding that must follow the work.
//!
//! States (issue 3 §4): `draft → submitted → admitted | pending_approval → approved | refused`,
//! later `revoked | expired | withdrawn`. [`transition`] is the only way between them.

pub mod access_number;
pub mod working_days;

pub use access_number::AccessNumber;
pub use working_days::{WorkCalendar, add_working_days};

use crate::Citation;
use crate::citation::DAXING_2016;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Draft,
    Submitted,
    Admitted,
    PendingApproval,
    Approved,
    Refused,
    Revoked,
    Expired,
    Withdrawn,
}

impl CaseState {
    pub const ALL: [CaseState; 9] = [
        CaseState::Draft,
        CaseState::Submitted,
        CaseState::Admitted,
        CaseState::PendingApproval,
        CaseState::Approved,
        CaseState::Refused,
        CaseState::Revoked,
        CaseState::Expired,
        CaseState::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Submitted => "submitted",
            CaseState::Admitted => "admitted",
            CaseState::PendingApproval => "pending_approval",
            CaseState::Approved => "approved",
            CaseState::Refused => "refused",
            CaseState::Revoked => "revoked",
            CaseState::Expired => "expired",
            CaseState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::Submitted => "已提交",
            CaseState::Admitted => "已准入",
            CaseState::PendingApproval => "待区级审批",
            CaseState::Approved => "已批准准入",
            CaseState::Refused => "不予准入",
            CaseState::Revoked => "已撤销",
            CaseState::Expired => "已到期",
            CaseState::Withdrawn => "已撤回",
        }
    }
    /// Whether the gate's "需要修改" guidance still speaks to the department: only once the case
    /// is refused or withdrawn can it be reworked into a new request; on a case admitted,
    /// approved or awaiting approval the guidance no longer applies (issue 10 §3).
    pub fn invites_rework(self) -> bool {
        matches!(self, CaseState::Refused | CaseState::Withdrawn)
    }
    /// Work a community must do: admitted by the gate or approved by the district.
    pub fn in_force(self) -> bool {
        matches!(self, CaseState::Admitted | CaseState::Approved)
    }
    /// CSS status class for the tag: on (in force), warn (waiting), off (closed).
    pub fn tone(self) -> &'static str {
        match self {
            CaseState::Admitted | CaseState::Approved => "on",
            CaseState::Draft | CaseState::Submitted | CaseState::PendingApproval => "warn",
            _ => "off",
        }
    }
}

/// What can happen to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// The department submits its request.
    Submit,
    /// The gate admits it (on the lists, every part acceptable).
    Admit,
    /// The gate sends it to the district for approval.
    RequireApproval,
    /// The street records its pre-review (the case stays pending).
    Review,
    /// The district approves.
    Approve,
    /// Refused, by the gate at submission or by the district approver.
    Refuse,
    /// The department withdraws its own request before a final decision.
    Withdraw,
    /// Work in force is revoked (e.g. a confirmed violation, or the approver's decision).
    Revoke,
    /// Work in force reaches the end of its validity.
    Expire,
}

impl CaseAction {
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseAction::Submit => "提交",
            CaseAction::Admit => "准入",
            CaseAction::RequireApproval => "转区级审批",
            CaseAction::Review => "街道预审",
            CaseAction::Approve => "批准",
            CaseAction::Refuse => "不予准入",
            CaseAction::Withdraw => "撤回",
            CaseAction::Revoke => "撤销",
            CaseAction::Expire => "到期",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("当前状态为“{}”，不能进行“{}”操作", .from.label_zh(), .action.label_zh())]
pub struct TransitionError {
    pub from: CaseState,
    pub action: CaseAction,
}

/// The case state machine. Everything not listed is forbidden.
pub fn transition(from: CaseState, action: CaseAction) -> Result<CaseState, TransitionError> {
    use CaseAction as A;
    use CaseState as S;
    let to = match (from, action) {
        (S::Draft, A::Submit) => S::Submitted,
        (S::Submitted, A::Admit) => S::Admitted,
        (S::Submitted, A::RequireApproval) => S::PendingApproval,
        (S::Submitted, A::Refuse) => S::Refused,
        (S::PendingApproval, A::Review) => S::PendingApproval,
        (S::PendingApproval, A::Approve) => S::Approved,
        (S::PendingApproval, A::Refuse) => S::Refused,
        (S::Submitted | S::PendingApproval, A::Withdraw) => S::Withdrawn,
        (S::Admitted | S::Approved, A::Revoke) => S::Revoked,
        (S::Admitted | S::Approved, A::Expire) => S::Expired,
        _ => return Err(TransitionError { from, action }),
    };
    Ok(to)
}

/// 费随事转: the citation for the funding invariant.
pub fn funding_citation() -> Citation {
    Citation {
        document: DAXING_2016,
        clause: "二(四)、三(一) 费随事转、事费配套：交给社区的协助事项须为每个社区明确经费及其来源渠道",
    }
}

/// Which communities lack funding for work that requires it. Work may be put in force only when
/// this is empty: storage and the service both ask before admitting or approving.
pub fn unfunded_communities<'a>(
    requires_funding: bool,
    targets: &'a [String],
    funded: &[(String, i64)],
) -> Vec<&'a str> {
    if !requires_funding {
        return vec![];
    }
    targets
        .iter()
        .filter(|t| !funded.iter().any(|(c, fen)| c == *t && *fen > 0))
        .map(String::as_str)
        .collect()
}

/// A money amount in yuan as typed (`1200`, `1200.5`, `1200.50`) to fen, exactly: no floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Below zero.
    Negative,
    /// Not a number, more than two decimals, or too large.
    Invalid,
}

impl AmountError {
    pub fn code(self) -> &'static str {
        match self {
            AmountError::Negative => "negative_amount",
            AmountError::Invalid => "invalid_amount",
        }
    }
}

/// The largest amount accepted: one hundred million yuan per community.
pub const MAX_YUAN: i64 = 100_000_000;

pub fn parse_yuan(s: &str) -> Result<i64, AmountError> {
    let t = s.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 2 || t.ends_with('.') {
        return Err(AmountError::Invalid);
    }
    if int.len() > 12 {
        return Err(AmountError::Invalid);
    }
    let yuan: i64 = int.parse().map_err(|_| AmountError::Invalid)?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| AmountError::Invalid)? * 10,
        _ => frac.parse().map_err(|_| AmountError::Invalid)?,
    };
    let fen = yuan * 100 + cents;
    if negative && fen > 0 {
        return Err(AmountError::Negative);
    }
    if yuan > MAX_YUAN {
        return Err(AmountError::Invalid);
    }
    Ok(fen)
}

/// Fen as yuan for display: `120000` → `1200.00`.
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseAction as A;
    use CaseState as S;

    #[test]
    fn only_a_refused_or_withdrawn_case_invites_rework() {
        let rework: Vec<S> = S::ALL.into_iter().filter(|s| s.invites_rework()).collect();
        assert_eq!(rework, vec![S::Refused, S::Withdrawn]);
    }

    /// Every (state, action) pair, allowed or not, spelled out: the table is the specification.
    #[test]
    fn state_machine_is_exactly_this_table() {
        let allowed: &[(S, A, S)] = &[
            (S::Draft, A::Submit, S::Submitted),
            (S::Submitted, A::Admit, S::Admitted),
            (S::Submitted, A::RequireApproval, S::PendingApproval),
            (S::Submitted, A::Refuse, S::Refused),
            (S::Submitted, A::Withdraw, S::Withdrawn),
            (S::PendingApproval, A::Review, S::PendingApproval),
            (S::PendingApproval, A::Approve, S::Approved),
            (S::PendingApproval, A::Refuse, S::Refused),
            (S::PendingApproval, A::Withdraw, S::Withdrawn),
            (S::Admitted, A::Revoke, S::Revoked),
            (S::Admitted, A::Expire, S::Expired),
            (S::Approved, A::Revoke, S::Revoked),
            (S::Approved, A::Expire, S::Expired),
        ];
        let actions = [
            A::Submit,
            A::Admit,
            A::RequireApproval,
            A::Review,
            A::Approve,
            A::Refuse,
            A::Withdraw,
            A::Revoke,
            A::Expire,
        ];
        let mut checked = 0;
        for from in S::ALL {
            for action in actions {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e, "{from:?} {action:?}"),
                    (Err(err), None) => {
                        assert_eq!(err, TransitionError { from, action });
                        assert!(!err.to_string().is_empty());
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 81);
    }

    #[test]
    fn closed_cases_stay_closed() {
        for from in [S::Refused, S::Revoked, S::Expired, S::Withdrawn] {
            for action in [A::Approve, A::Admit, A::Withdraw, A::Revoke, A::Review] {
                assert!(transition(from, action).is_err(), "{from:?} {action:?}");
            }
        }
        // A withdrawn case cannot be approved; an approved one cannot be withdrawn.
        assert!(transition(S::Withdrawn, A::Approve).is_err());
        assert!(transition(S::Approved, A::Withdraw).is_err());
    }

    #[test]
    fn states_round_trip_and_only_admitted_work_is_in_force() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert_eq!(s.in_force(), matches!(s, S::Admitted | S::Approved));
        }
        assert_eq!(S::parse("nonsense"), None);
    }

    #[test]
    fn assist_work_needs_funding_for_every_community() {
        let targets = vec!["A".to_string(), "B".to_string()];
        assert_eq!(unfunded_communities(true, &targets, &[]), ["A", "B"]);
        assert_eq!(
            unfunded_communities(true, &targets, &[("A".into(), 100), ("B".into(), 0)]),
            ["B"]
        );
        assert!(
            unfunded_communities(true, &targets, &[("A".into(), 1), ("B".into(), 1)]).is_empty()
        );
        // Duty work is the community's own: no funding row required.
        assert!(unfunded_communities(false, &targets, &[]).is_empty());
        assert!(funding_citation().to_string().contains("费随事转"));
    }

    #[test]
    fn amounts_are_exact_fen() {
        assert_eq!(parse_yuan("1200"), Ok(120_000));
        assert_eq!(parse_yuan("1200.5"), Ok(120_050));
        assert_eq!(parse_yuan("1200.05"), Ok(120_005));
        assert_eq!(parse_yuan(" 0.01 "), Ok(1));
        assert_eq!(parse_yuan("0"), Ok(0));
        assert_eq!(parse_yuan("-0"), Ok(0));
        assert_eq!(parse_yuan("-5"), Err(AmountError::Negative));
        assert_eq!(parse_yuan("-0.5"), Err(AmountError::Negative));
        for bad in [
            "",
            "abc",
            "1.234",
            "1.",
            ".5",
            "1,000",
            "1e3",
            "--1",
            "100000001",
            "99999999999999",
            "-x",
        ] {
            assert_eq!(parse_yuan(bad), Err(AmountError::Invalid), "{bad}");
        }
        assert_eq!(format_fen(120_005), "1200.05");
        assert_eq!(format_fen(7), "0.07");
    }
}
