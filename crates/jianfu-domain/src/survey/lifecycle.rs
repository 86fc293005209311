//! Draft → published (open from one day to another, inclusive) → closed. Results open only after
//! the survey closes, so nobody watches answers come in and guesses who gave them, and a community
//! cannot canvass against early figures.

use serde::{Deserialize, Serialize};
use time::Date;

/// Longest a survey may stay open.
pub const MAX_OPEN_DAYS: i64 = 92;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDates {
    pub opens_on: Date,
    pub closes_on: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 草稿: questions can still change.
    Draft,
    /// 已发布，未开始
    Scheduled,
    /// 填写中
    Open,
    /// 已结束: results are open.
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Scheduled => "scheduled",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Draft => "草稿",
            Phase::Scheduled => "已发布，未开始",
            Phase::Open => "填写中",
            Phase::Closed => "已结束",
        }
    }
    pub fn results_open(self) -> bool {
        self == Phase::Closed
    }
    pub fn accepts_answers(self) -> bool {
        self == Phase::Open
    }
}

/// The phase on `today` (a Beijing day). Both days are inclusive: answers are taken all day on
/// `closes_on`; results open the day after.
pub fn phase(dates: Option<SurveyDates>, today: Date) -> Phase {
    match dates {
        None => Phase::Draft,
        Some(d) if today < d.opens_on => Phase::Scheduled,
        Some(d) if today <= d.closes_on => Phase::Open,
        Some(_) => Phase::Closed,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatesError {
    ClosesBeforeOpening,
    ClosesInThePast,
    TooLong,
}

impl DatesError {
    pub fn code(self) -> &'static str {
        match self {
            Self::ClosesBeforeOpening => "closes_before_opening",
            Self::ClosesInThePast => "closes_in_the_past",
            Self::TooLong => "open_too_long",
        }
    }
    pub fn message(self) -> String {
        match self {
            Self::ClosesBeforeOpening => "结束日期不能早于开始日期。".into(),
            Self::ClosesInThePast => "结束日期已经过去，居民无法再填写，请改为今天或以后。".into(),
            Self::TooLong => format!("问卷最多开放 {MAX_OPEN_DAYS} 天。"),
        }
    }
}

/// The dates a survey is published with.
pub fn check_dates(d: SurveyDates, today: Date) -> Result<(), DatesError> {
    if d.closes_on < d.opens_on {
        return Err(DatesError::ClosesBeforeOpening);
    }
    if d.closes_on < today {
        return Err(DatesError::ClosesInThePast);
    }
    if (d.closes_on - d.opens_on).whole_days() >= MAX_OPEN_DAYS {
        return Err(DatesError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const D: SurveyDates = SurveyDates {
        opens_on: date!(2026 - 12 - 01),
        closes_on: date!(2026 - 12 - 20),
    };

    #[test]
    fn both_days_are_inclusive_and_results_open_the_day_after() {
        assert_eq!(phase(None, date!(2026 - 12 - 05)), Phase::Draft);
        assert_eq!(phase(Some(D), date!(2026 - 11 - 30)), Phase::Scheduled);
        assert_eq!(phase(Some(D), date!(2026 - 12 - 01)), Phase::Open);
        assert_eq!(phase(Some(D), date!(2026 - 12 - 20)), Phase::Open);
        assert_eq!(phase(Some(D), date!(2026 - 12 - 21)), Phase::Closed);
        assert!(!Phase::Open.results_open());
        assert!(Phase::Closed.results_open());
        assert!(!Phase::Closed.accepts_answers());
    }

    #[test]
    fn dates_must_run_forward_reach_today_and_stay_short() {
        let today = date!(2026 - 12 - 03);
        assert_eq!(check_dates(D, today), Ok(()));
        let back = SurveyDates {
            opens_on: D.closes_on,
            closes_on: D.opens_on,
        };
        assert_eq!(
            check_dates(back, today),
            Err(DatesError::ClosesBeforeOpening)
        );
        assert_eq!(
            check_dates(D, date!(2026 - 12 - 21)),
            Err(DatesError::ClosesInThePast)
        );
        let long = SurveyDates {
            opens_on: D.opens_on,
            closes_on: date!(2027 - 03 - 20),
        };
        assert_eq!(check_dates(long, today), Err(DatesError::TooLong));
    }
}
