//! Storage for deliberation (议事协商, issue 13): topics and their supports, meetings with their
//! motions, online ballots (one per voter key, the key unique per meeting), minutes, carrying
//! out, residents' feedback, requests to departments and the household roster. Every table is
//! distributed by community (migration 0024).
//!
//! Three capabilities, each a trait with its own implementation macro (invoked once per backend):
//! `DeliberationTopicStore` (`topics.rs`: topics and supports), `DeliberationStore`
//! (`meetings.rs`: meetings, ballots, minutes) and
//! `DeliberationFollowUpStore` (`follow_up.rs`: the household roster, carrying out, feedback,
//! requests to departments and their figures). The row types are here.

use crate::AuditDraft;

mod follow_up;
mod meetings;
mod topics;

pub use follow_up::DeliberationFollowUpStore;
pub(crate) use follow_up::impl_deliberation_follow_up_store;
pub use meetings::DeliberationStore;
pub(crate) use meetings::impl_deliberation_store;
pub use topics::DeliberationTopicStore;
pub(crate) use topics::impl_deliberation_topic_store;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HouseholdRow {
    pub community: String,
    pub user_id: String,
    pub household_key: String,
    pub set_by: String,
    pub set_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TopicRow {
    pub community: String,
    pub id: String,
    pub title: String,
    pub body: String,
    pub matter: Option<String>,
    pub proposer_id: String,
    pub proposer_name: String,
    pub by_committee: bool,
    pub state: String,
    pub decline_reason: Option<String>,
    pub meeting_id: Option<String>,
    pub supports: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingRow {
    pub community: String,
    pub id: String,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub held_at: String,
    pub place: String,
    pub material: String,
    /// JSON: [[category, names]].
    pub participants: String,
    pub voter_basis: String,
    pub vote_mode: String,
    pub base: i64,
    pub present: i64,
    pub ballots: i64,
    pub voices: i64,
    pub state: String,
    pub adjourned: bool,
    pub noticed_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    /// Bumped by every attendance and in-room tally write; a close or tally computed from an
    /// older reading writes nothing.
    pub revision: i64,
    /// The special circumstance for a notice shorter than the law's period ('' = none).
    pub notice_reason: String,
    /// `YYYY-MM-DD` the community Party organisation discussed the reserved matters first
    /// ('' = not stated; required only for those matters).
    pub party_reviewed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MotionRow {
    pub community: String,
    pub meeting_id: String,
    pub topic_id: String,
    pub position: i64,
    pub title: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    pub outcome: Option<String>,
}

/// One online ballot to write, with its own audit record.
#[derive(Debug, Clone)]
pub struct BallotWrite {
    pub community: String,
    pub meeting_id: String,
    pub voter_key: String,
    pub user_id: String,
    /// JSON [[topic_id, choice]].
    pub ballot: String,
    pub cast_at: i64,
    pub audit: AuditDraft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotOutcome {
    Counted,
    /// This voter key (person or household) has a ballot already.
    AlreadyVoted,
    /// The meeting is not open (closed meanwhile, or not yet).
    NotOpen,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VoiceRow {
    pub community: String,
    pub meeting_id: String,
    pub seq: i64,
    pub speaker: String,
    pub category: String,
    pub said: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActionRow {
    pub community: String,
    pub id: String,
    pub topic_id: String,
    pub what: String,
    pub owner: String,
    pub due_on: String,
    pub state: String,
    pub notes: i64,
    pub created_by: String,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProgressRow {
    pub community: String,
    pub action_id: String,
    pub seq: i64,
    pub note: String,
    pub done: bool,
    pub noted_by: String,
    pub noted_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DelibRequestRow {
    pub community: String,
    pub id: String,
    pub topic_id: String,
    pub department: String,
    pub asked: String,
    pub asked_on: String,
    pub asked_by: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub answer_days: Option<i64>,
}

/// One group of a department's requests, from `request_tallies`: all its answered requests
/// (`pending_on` None), or its pending requests asked on one day (`pending_on` that day), so the
/// service can count each pending request's working days so far without another query.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestTallyRow {
    pub department: String,
    pub pending_on: Option<String>,
    pub requests: i64,
    /// Sum of `answer_days` of the answered requests in the group.
    pub answer_days: i64,
}

/// How a meeting ends: each motion's tally and outcome (None: adjourned without deciding, 流会).
#[derive(Debug, Clone)]
pub struct MotionResult {
    pub topic_id: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    /// `passed` | `not_passed`; None when the meeting is adjourned.
    pub outcome: Option<String>,
}
