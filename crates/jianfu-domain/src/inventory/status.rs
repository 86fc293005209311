//! An entry's clean-up, step by step: found → kept (with its basis) or to remove → removed (with
//! date and evidence) or converted to an electronic ledger. The community records each step, the
//! street confirms it (二(三): 街道(镇)负责统筹、督促检查).

use super::entry::InventoryError;
use crate::gate::request::BurdenKind;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已登记：found in the community, not yet judged.
    Found,
    /// 保留：it has its basis and stays.
    Kept,
    /// 待清理：to be removed.
    ToRemove,
    /// 已取消：gone, with date and evidence.
    Removed,
    /// 已转电子台账：the paper ledger or report became a record in the platform.
    Converted,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Found,
        Status::Kept,
        Status::ToRemove,
        Status::Removed,
        Status::Converted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::Kept => "kept",
            Status::ToRemove => "to_remove",
            Status::Removed => "removed",
            Status::Converted => "converted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Found => "已登记",
            Status::Kept => "保留",
            Status::ToRemove => "待清理",
            Status::Removed => "已取消",
            Status::Converted => "已转电子台账",
        }
    }
    /// Still carried by the community (counts "after" the clean-up).
    pub fn is_carried(self) -> bool {
        matches!(self, Status::Found | Status::Kept | Status::ToRemove)
    }
}

/// A step that changes the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Keep,
    MarkToRemove,
    Remove,
    Convert,
    /// It came back (a sign hung up again): found again.
    Reopen,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Keep,
        Action::MarkToRemove,
        Action::Remove,
        Action::Convert,
        Action::Reopen,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::MarkToRemove => "mark_to_remove",
            Action::Remove => "remove",
            Action::Convert => "convert",
            Action::Reopen => "reopen",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Keep => "保留",
            Action::MarkToRemove => "列入待清理",
            Action::Remove => "确认已取消",
            Action::Convert => "转为平台电子台账",
            Action::Reopen => "重新登记（又出现了）",
        }
    }
    /// The step carries a date (the day it was removed or converted).
    pub fn needs_date(self) -> bool {
        matches!(self, Action::Remove | Action::Convert)
    }
}

/// What the step brings besides the action.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepFacts {
    /// The entry has no findings (it may be kept).
    pub compliant: bool,
    pub has_evidence: bool,
    pub has_note: bool,
}

/// The next status, or why not. `first_finding` is the message to show when keeping is refused.
pub fn transition(
    from: Status,
    action: Action,
    kind: BurdenKind,
    facts: StepFacts,
    first_finding: Option<&str>,
) -> Result<Status, InventoryError> {
    use Status::*;
    let wrong = || InventoryError::WrongState {
        from: from.label_zh(),
        action: action.label_zh(),
    };
    match action {
        Action::Keep => {
            if !matches!(from, Found | ToRemove) {
                return Err(wrong());
            }
            if !facts.compliant {
                return Err(InventoryError::KeepNotAllowed(
                    first_finding.unwrap_or("没有依据").to_string(),
                ));
            }
            Ok(Kept)
        }
        Action::MarkToRemove => match from {
            Found | Kept => Ok(ToRemove),
            _ => Err(wrong()),
        },
        Action::Remove => {
            if !from.is_carried() {
                return Err(wrong());
            }
            if !facts.has_evidence {
                return Err(InventoryError::EvidenceMissing);
            }
            Ok(Removed)
        }
        Action::Convert => {
            if !from.is_carried() {
                return Err(wrong());
            }
            if !convertible(kind) {
                return Err(InventoryError::NotConvertible);
            }
            Ok(Converted)
        }
        Action::Reopen => {
            if from.is_carried() {
                return Err(wrong());
            }
            if !facts.has_note {
                return Err(InventoryError::NoteMissing);
            }
            Ok(Found)
        }
    }
}

/// 三(二): "确需保留记录的，可依托社区管理服务信息平台，整合建立电子台账" — ledgers, reports and
/// data collection can become records in the platform.
pub fn convertible(kind: BurdenKind) -> bool {
    matches!(
        kind,
        BurdenKind::Ledger | BurdenKind::Report | BurdenKind::DataCollection
    )
}

/// The date of a removal or conversion: a real day, not after today, not before it was found.
pub fn check_step_date(raw: &str, today: Date, found_on: &str) -> Result<String, InventoryError> {
    let date = parse_day(raw).ok_or_else(|| InventoryError::BadDate(raw.trim().to_string()))?;
    if date > today {
        return Err(InventoryError::FutureDate(format_day(date)));
    }
    let d = format_day(date);
    if d.as_str() < found_on {
        return Err(InventoryError::BeforeFound {
            date: d,
            found_on: found_on.to_string(),
        });
    }
    Ok(d)
}

/// `YYYY-MM-DD`, also with full-width digits or separators (２０２６／３／１) as typed on Chinese
/// keyboards, and one-digit months and days.
pub fn parse_day(raw: &str) -> Option<Date> {
    let s: String = raw
        .trim()
        .chars()
        .map(|c| match crate::text::half_width(c) {
            '/' | '.' | '年' | '月' => '-',
            '日' => ' ',
            c => c,
        })
        .collect();
    let mut parts = s.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.trim().parse().ok()?).ok()
}

pub fn format_day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const OK: StepFacts = StepFacts {
        compliant: true,
        has_evidence: true,
        has_note: true,
    };

    #[test]
    fn found_goes_to_kept_or_to_remove_then_removed() {
        let k = BurdenKind::Sign;
        assert_eq!(
            transition(Status::Found, Action::Keep, k, OK, None),
            Ok(Status::Kept)
        );
        assert_eq!(
            transition(Status::Found, Action::MarkToRemove, k, OK, None),
            Ok(Status::ToRemove)
        );
        assert_eq!(
            transition(Status::ToRemove, Action::Remove, k, OK, None),
            Ok(Status::Removed)
        );
        assert_eq!(
            transition(Status::Removed, Action::Remove, k, OK, None)
                .unwrap_err()
                .code(),
            "wrong_state"
        );
        assert_eq!(
            transition(Status::Removed, Action::Reopen, k, OK, None),
            Ok(Status::Found)
        );
        assert_eq!(
            transition(Status::Kept, Action::Reopen, k, OK, None)
                .unwrap_err()
                .code(),
            "wrong_state"
        );
    }

    #[test]
    fn a_flagged_entry_cannot_be_kept_and_says_why() {
        let flagged = StepFacts {
            compliant: false,
            ..OK
        };
        let e = transition(
            Status::Found,
            Action::Keep,
            BurdenKind::Sign,
            flagged,
            Some("不是三块牌子之一"),
        )
        .unwrap_err();
        assert_eq!(e.code(), "keep_not_allowed");
        assert!(e.to_string().contains("三块牌子"));
    }

    #[test]
    fn removal_needs_evidence_and_reopening_a_reason() {
        let bare = StepFacts::default();
        assert_eq!(
            transition(Status::Found, Action::Remove, BurdenKind::Sign, bare, None)
                .unwrap_err()
                .code(),
            "evidence_missing"
        );
        assert_eq!(
            transition(
                Status::Removed,
                Action::Reopen,
                BurdenKind::Sign,
                bare,
                None
            )
            .unwrap_err()
            .code(),
            "note_missing"
        );
    }

    #[test]
    fn only_ledgers_reports_and_data_collection_become_electronic_ledgers() {
        for k in BurdenKind::ALL {
            let r = transition(
                Status::Found,
                Action::Convert,
                k,
                StepFacts::default(),
                None,
            );
            assert_eq!(r.is_ok(), convertible(k), "{k:?}");
        }
        assert!(convertible(BurdenKind::Ledger) && !convertible(BurdenKind::Sign));
    }

    #[test]
    fn dates_read_full_width_and_are_checked_against_today_and_the_find() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(
            check_step_date("２０２６－０３－０１", today, "2026-01-05").unwrap(),
            "2026-03-01"
        );
        assert_eq!(
            check_step_date("2026/3/1", today, "2026-01-05").unwrap(),
            "2026-03-01"
        );
        assert_eq!(
            check_step_date("2026年3月1日", today, "2026-01-05").unwrap(),
            "2026-03-01"
        );
        assert_eq!(
            check_step_date("2026-02-30", today, "").unwrap_err().code(),
            "invalid_date"
        );
        assert_eq!(
            check_step_date("2026-12-01", today, "").unwrap_err().code(),
            "date_in_future"
        );
        assert_eq!(
            check_step_date("2026-01-01", today, "2026-01-05")
                .unwrap_err()
                .code(),
            "date_before_found"
        );
    }
}
