//! 议事协商 (issue 13, 三(五)): residents and the committee propose topics, meetings decide them
//! under the quorum and majority of the data file `data/self_governance/meeting_rules.toml`,
//! every voice goes into the minutes, decisions are carried out and reported back. Pure rules:
//! each refusal is a [`Refusal`] with a stable code, a Chinese message and, where a rule of law or
//! policy says so, its citation.

pub mod carrying_out;
pub mod meeting;
pub mod minutes;
pub mod request;
pub mod rules;
pub mod topic;
pub mod vote;

pub use carrying_out::{ActionState, Feedback, FeedbackCounts, Progress};
pub use meeting::{MeetingKind, MeetingState, Outcome, ParticipantCategory};
pub use request::RequestState;
pub use rules::{Cited, KindRule, MeetingRules, Share, rules};
pub use topic::{TopicAction, TopicState};
pub use vote::{Choice, VoteMode, VoterBasis};

use crate::Citation;

/// Where a refusal comes from: a shipped constant citation or one read from the data file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub basis: Option<Cited>,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            basis: None,
        }
    }
    pub fn cited(mut self, c: &Cited) -> Self {
        self.basis = Some(c.clone());
        self
    }
    pub fn citing(mut self, c: Citation) -> Self {
        self.basis = Some(Cited {
            document: c.document.into(),
            clause: c.clause.into(),
        });
        self
    }
    /// The message with its basis, as shown to the user.
    pub fn explained(&self) -> String {
        match &self.basis {
            Some(b) => format!("{}（依据：{}{}）", self.message, b.document, b.clause),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.explained())
    }
}

/// 中办发〔2015〕41号, the deliberation procedure (五、规范协商程序).
pub const OPINION_2015: &str = "中办发〔2015〕41号《关于加强城乡社区协商的意见》";
/// The district's policy (三(二) 电子台账、三(五) 议事协商).
pub use crate::citation::DAXING_2016;
