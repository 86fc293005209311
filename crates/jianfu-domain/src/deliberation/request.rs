//! A decision the committee asks a department to act on (the reverse direction of the gate): the
//! department answers, and the working days it took count in its indicators.

use super::{DAXING_2016, Refusal};
use crate::Citation;
use crate::assignment::WorkCalendar;
use serde::Serialize;
use time::Date;

pub const ASK_DEPARTMENT: Citation = Citation {
    document: DAXING_2016,
    clause: "三(五) 提升社区议事协商能力；需职能部门办理的协商意见转交部门答复",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Answered,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Answered => "answered",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            RequestState::Pending => "待部门答复",
            RequestState::Answered => "部门已答复",
        }
    }
}

/// Working days from asking to answering: the day asked is not counted, the day answered is
/// (same day → 0).
pub fn answer_days(asked_on: Date, answered_on: Date, cal: &WorkCalendar) -> i64 {
    let mut n = 0;
    let mut d = asked_on;
    while d < answered_on {
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
        if cal.is_working_day(d) {
            n += 1;
        }
    }
    n
}

/// Whether a department may answer: only a pending request, with some text.
pub fn check_answer(state: RequestState, answer: &str) -> Result<(), Refusal> {
    if state == RequestState::Answered {
        return Err(Refusal::new("already_answered", "该请求已经答复过了。"));
    }
    if answer.trim().is_empty() {
        return Err(Refusal::new(
            "answer_missing",
            "请填写答复内容：办理的结果或不能办理的理由。",
        )
        .citing(ASK_DEPARTMENT));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn answer_time_counts_working_days() {
        let cal = WorkCalendar::weekends_only();
        // Friday to the next Tuesday: Monday and Tuesday.
        assert_eq!(
            answer_days(date!(2026 - 12 - 04), date!(2026 - 12 - 08), &cal),
            2
        );
        assert_eq!(
            answer_days(date!(2026 - 12 - 04), date!(2026 - 12 - 04), &cal),
            0
        );
    }

    #[test]
    fn one_answer_with_text() {
        assert_eq!(
            check_answer(RequestState::Pending, " ").unwrap_err().code,
            "answer_missing"
        );
        assert_eq!(
            check_answer(RequestState::Answered, "好").unwrap_err().code,
            "already_answered"
        );
        assert!(check_answer(RequestState::Pending, "已安排").is_ok());
    }
}
