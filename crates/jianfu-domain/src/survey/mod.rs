//! Resident satisfaction surveys (居民满意度调查). 二(二): "将居民满意程度作为评价社区工作的重要
//! 指标"; 三(三): the district's comprehensive evaluation takes "社区居民满意度为主要标准".
//!
//! - [`questionnaire`]: what a questionnaire may hold, checked before it is published; published
//!   versions never change.
//! - [`lifecycle`]: draft → published (open between two days) → closed; results open only after
//!   closing.
//! - [`household_code`]: the one-time code printed on a slip for one household, with a check
//!   character so a mistyped or invented code is told apart from a spent one.
//! - [`answers`]: a submitted form read against the questionnaire (conditions, ranges, required).
//! - [`results`]: counts, the satisfaction score with its confidence interval, the too-few warning
//!   and the aggregate of free text shown to the district.

pub mod answers;
pub mod household_code;
pub mod lifecycle;
pub mod questionnaire;
pub mod results;

pub use answers::{Answer, AnswerError, check_answers, response_score};
pub use lifecycle::{Phase, SurveyDates, phase};
pub use questionnaire::{Question, QuestionKind, Questionnaire, QuestionnaireError, ShowIf};
pub use results::{SatisfactionScore, ScoreMoments, SurveyResults, Tally};

use crate::citation::{Citation, DAXING_2016};

/// Why residents are asked at all.
pub const CITE_SATISFACTION: Citation = Citation {
    document: DAXING_2016,
    clause: "二(二) 将居民满意程度作为评价社区工作的重要指标；三(三) 以社区居民满意度为主要标准的社区工作综合考评机制",
};
