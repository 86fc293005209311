//! Carrying a decision out (组织实施协商成果): each decision gets actions with an owner, a due date
//! and progress notes; residents say whether it was done (反馈落实情况). The public page shows the
//! state computed here.

use super::{OPINION_2015, Refusal};
use crate::Citation;
use serde::Serialize;
use time::Date;

pub const FEEDBACK: Citation = Citation {
    document: OPINION_2015,
    clause: "五、规范协商程序（4）组织实施协商成果，向协商主体、利益相关方和居民反馈落实情况",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    Open,
    Done,
}

impl ActionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Open => "open",
            ActionState::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(ActionState::Open),
            "done" => Some(ActionState::Done),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ActionState::Open => "落实中",
            ActionState::Done => "已完成",
        }
    }
}

/// A decision's carrying-out state, as the public sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    NotStarted,
    InProgress,
    Overdue,
    Done,
}

impl Progress {
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::NotStarted => "not_started",
            Progress::InProgress => "in_progress",
            Progress::Overdue => "overdue",
            Progress::Done => "done",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Progress::NotStarted => "待落实",
            Progress::InProgress => "落实中",
            Progress::Overdue => "已逾期",
            Progress::Done => "已落实",
        }
    }
}

/// From its actions (state, due date): none → not started; all done → done; any open past its
/// date → overdue; else in progress.
pub fn progress(actions: &[(ActionState, Date)], today: Date) -> Progress {
    if actions.is_empty() {
        return Progress::NotStarted;
    }
    if actions.iter().all(|(s, _)| *s == ActionState::Done) {
        return Progress::Done;
    }
    if actions
        .iter()
        .any(|(s, due)| *s == ActionState::Open && *due < today)
    {
        return Progress::Overdue;
    }
    Progress::InProgress
}

/// A new action: an owner and a due date not in the past.
pub fn check_action(owner: &str, due_on: Date, today: Date) -> Result<(), Refusal> {
    if owner.trim().is_empty() {
        return Err(Refusal::new("owner_missing", "请写明负责落实的人或单位。").citing(FEEDBACK));
    }
    if due_on < today {
        return Err(Refusal::new(
            "due_in_the_past",
            format!("完成时限 {due_on} 已经过去，请填今天或以后的日期。"),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    Done,
    Partly,
    NotDone,
}

impl Feedback {
    pub const ALL: [Feedback; 3] = [Feedback::Done, Feedback::Partly, Feedback::NotDone];
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::Done => "done",
            Feedback::Partly => "partly",
            Feedback::NotDone => "not_done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Feedback::Done => "已办好",
            Feedback::Partly => "部分办好",
            Feedback::NotDone => "没有办",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FeedbackCounts {
    pub done: i64,
    pub partly: i64,
    pub not_done: i64,
}

/// Residents give feedback once some action exists (there is something to judge).
pub fn check_feedback(actions: usize) -> Result<(), Refusal> {
    if actions == 0 {
        return Err(Refusal::new(
            "nothing_to_judge",
            "这项决定还没有安排落实，暂不收集反馈。",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_state_follows_the_actions() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(progress(&[], today), Progress::NotStarted);
        assert_eq!(
            progress(&[(ActionState::Open, date!(2026 - 12 - 10))], today),
            Progress::InProgress
        );
        assert_eq!(
            progress(
                &[
                    (ActionState::Done, date!(2026 - 11 - 10)),
                    (ActionState::Open, date!(2026 - 11 - 30))
                ],
                today
            ),
            Progress::Overdue
        );
        assert_eq!(
            progress(&[(ActionState::Done, date!(2026 - 11 - 10))], today),
            Progress::Done
        );
    }

    #[test]
    fn an_action_has_an_owner_and_a_future_date() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(
            check_action(" ", today, today).unwrap_err().code,
            "owner_missing"
        );
        assert_eq!(
            check_action("物业", date!(2026 - 11 - 01), today)
                .unwrap_err()
                .code,
            "due_in_the_past"
        );
        assert!(check_action("物业", today, today).is_ok());
        assert_eq!(check_feedback(0).unwrap_err().code, "nothing_to_judge");
    }
}
