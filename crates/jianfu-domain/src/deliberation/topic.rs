//! A topic (议题): proposed by a resident or the committee, supported by others, accepted onto an
//! agenda or declined with a reason the proposer sees, then decided by a meeting.

use super::{OPINION_2015, Refusal};
use crate::Citation;
use serde::Serialize;

/// 在充分征求意见的基础上研究提出协商议题.
pub const PROPOSE: Citation = Citation {
    document: OPINION_2015,
    clause: "五、规范协商程序（1）在充分征求意见的基础上研究提出协商议题",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicState {
    Proposed,
    Accepted,
    Declined,
    OnAgenda,
    Decided,
    NotAdopted,
}

impl TopicState {
    pub const ALL: [TopicState; 6] = [
        TopicState::Proposed,
        TopicState::Accepted,
        TopicState::Declined,
        TopicState::OnAgenda,
        TopicState::Decided,
        TopicState::NotAdopted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TopicState::Proposed => "proposed",
            TopicState::Accepted => "accepted",
            TopicState::Declined => "declined",
            TopicState::OnAgenda => "on_agenda",
            TopicState::Decided => "decided",
            TopicState::NotAdopted => "not_adopted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            TopicState::Proposed => "征集中",
            TopicState::Accepted => "已采纳待上会",
            TopicState::Declined => "未采纳",
            TopicState::OnAgenda => "已列入议程",
            TopicState::Decided => "已表决通过",
            TopicState::NotAdopted => "表决未通过",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicAction {
    Accept,
    Decline { reason: String },
    PutOnAgenda,
    Decide { passed: bool },
}

/// The state a topic moves to, or why it cannot.
pub fn transition(from: TopicState, action: &TopicAction) -> Result<TopicState, Refusal> {
    use TopicState::*;
    let wrong = || {
        Refusal::new(
            "topic_wrong_state",
            format!("该议题目前为“{}”，不能这样处理。", from.label_zh()),
        )
    };
    match action {
        TopicAction::Accept if from == Proposed => Ok(Accepted),
        TopicAction::Decline { reason } if from == Proposed || from == Accepted => {
            if reason.trim().is_empty() {
                Err(Refusal::new(
                    "decline_reason_missing",
                    "不采纳议题须写明理由，提议人会看到这条理由。",
                )
                .citing(PROPOSE))
            } else {
                Ok(Declined)
            }
        }
        TopicAction::PutOnAgenda if from == Accepted => Ok(OnAgenda),
        TopicAction::Decide { passed } if from == OnAgenda => {
            Ok(if *passed { Decided } else { NotAdopted })
        }
        _ => Err(wrong()),
    }
}

/// Whether one more person may support a topic: only while it is being collected or waiting,
/// and never one's own.
pub fn check_support(state: TopicState, own: bool) -> Result<(), Refusal> {
    if own {
        return Err(Refusal::new("own_topic", "不能附议自己提出的议题。"));
    }
    if !matches!(state, TopicState::Proposed | TopicState::Accepted) {
        return Err(Refusal::new(
            "topic_not_open",
            format!("该议题已“{}”，不再征集附议。", state.label_zh()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declining_needs_a_reason() {
        let e = transition(
            TopicState::Proposed,
            &TopicAction::Decline {
                reason: "  ".into(),
            },
        )
        .unwrap_err();
        assert_eq!(e.code, "decline_reason_missing");
        assert!(e.basis.is_some());
        assert_eq!(
            transition(
                TopicState::Proposed,
                &TopicAction::Decline {
                    reason: "不属于本社区事务".into()
                }
            ),
            Ok(TopicState::Declined)
        );
    }

    #[test]
    fn the_path_to_a_decision() {
        let s = transition(TopicState::Proposed, &TopicAction::Accept).unwrap();
        let s = transition(s, &TopicAction::PutOnAgenda).unwrap();
        assert_eq!(
            transition(s, &TopicAction::Decide { passed: true }),
            Ok(TopicState::Decided)
        );
        assert_eq!(
            transition(TopicState::Proposed, &TopicAction::PutOnAgenda)
                .unwrap_err()
                .code,
            "topic_wrong_state"
        );
        assert!(transition(TopicState::Decided, &TopicAction::Accept).is_err());
    }

    #[test]
    fn support_only_while_open_and_not_ones_own() {
        assert!(check_support(TopicState::Proposed, false).is_ok());
        assert_eq!(
            check_support(TopicState::Proposed, true).unwrap_err().code,
            "own_topic"
        );
        assert_eq!(
            check_support(TopicState::Decided, false).unwrap_err().code,
            "topic_not_open"
        );
    }
}
