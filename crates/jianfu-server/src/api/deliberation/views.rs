//! The response bodies shared by several operations, each with its conversion from the service's view.

use super::*;

/// 一个议题。
#[derive(Serialize, ToSchema)]
pub struct DelibTopic {
    pub community: String,
    pub id: String,
    pub title: String,
    pub body: String,
    /// 必须由居民会议决定的事项类别（数据文件里的键），没有则为空。
    pub matter: Option<String>,
    pub proposer_name: String,
    pub by_committee: bool,
    /// `proposed`（征集中）| `accepted`（已采纳待上会）| `declined`（未采纳）| `on_agenda`（已列入议程）| `decided`（已表决通过）| `not_adopted`（表决未通过）。
    pub state: String,
    /// 不采纳的理由（提议人可见，公开）。
    pub decline_reason: Option<String>,
    pub meeting_id: Option<String>,
    pub supports: i64,
    /// 提出时间（北京时间）。
    pub proposed_at: String,
}

impl From<TopicView> for DelibTopic {
    fn from(t: TopicView) -> Self {
        Self {
            state: t.state.as_str().into(),
            community: t.community,
            id: t.id,
            title: t.title,
            body: t.body,
            matter: t.matter,
            proposer_name: t.proposer_name,
            by_committee: t.by_committee,
            decline_reason: t.decline_reason,
            meeting_id: t.meeting_id,
            supports: t.supports,
            proposed_at: t.proposed_at,
        }
    }
}

/// 会议的一项表决。
#[derive(Serialize, ToSchema)]
pub struct DelibMotion {
    pub topic_id: String,
    pub title: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    /// `passed`、`not_passed`；未表决为空。
    pub outcome: Option<String>,
}

/// 一次会议。
#[derive(Serialize, ToSchema)]
pub struct DelibMeeting {
    pub community: String,
    pub id: String,
    /// `residents_meeting`（居民会议）| `representatives_meeting`（居民代表会议）| `deliberation`（议事协商会）。
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub held_at: String,
    pub place: String,
    pub material: String,
    /// [参加方类别, 名称]；类别：`residents`、`representatives`、`property_company`、`owners_committee`、`local_units`、`department`。
    pub participants: Vec<(String, String)>,
    /// `person`（每人一票）| `household`（每户一票）。
    pub voter_basis: String,
    /// `in_room`（现场表决，社区录入）| `online`（网上投票）。一次会议只用一种。
    pub vote_mode: String,
    pub base: i64,
    pub present: i64,
    pub ballots: i64,
    /// `draft` | `noticed` | `open` | `closed`。
    pub state: String,
    pub adjourned: bool,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    /// 通知期限及依据。
    pub notice_rule: String,
    /// 特殊情况临时通知的说明（组织法第二十六条）；空为按期通知。
    pub notice_reason: String,
    /// 社区党组织研究讨论议程中须由会议决定的事项的日期（组织法第三十条第四款）；空为不涉及。
    pub party_reviewed_on: String,
    pub quorum_rule: String,
    pub majority_rule: String,
    pub motions: Vec<DelibMotion>,
}

impl From<MeetingView> for DelibMeeting {
    fn from(m: MeetingView) -> Self {
        Self {
            kind: m.kind.as_str().into(),
            voter_basis: m.voter_basis.as_str().into(),
            vote_mode: m.vote_mode.as_str().into(),
            state: m.state.as_str().into(),
            motions: m
                .motions
                .into_iter()
                .map(|x| DelibMotion {
                    topic_id: x.topic_id,
                    title: x.title,
                    votes_for: x.votes_for,
                    votes_against: x.votes_against,
                    votes_abstain: x.votes_abstain,
                    outcome: x.outcome,
                })
                .collect(),
            community: m.community,
            id: m.id,
            title: m.title,
            held_on: m.held_on,
            held_at: m.held_at,
            place: m.place,
            material: m.material,
            participants: m.participants,
            base: m.base,
            present: m.present,
            ballots: m.ballots,
            adjourned: m.adjourned,
            signed_by: m.signed_by,
            signed_at: m.signed_at,
            notice_rule: m.notice_rule,
            notice_reason: m.notice_reason,
            party_reviewed_on: m.party_reviewed_on,
            quorum_rule: m.quorum_rule,
            majority_rule: m.majority_rule,
        }
    }
}

/// 决定的一项落实事项。
#[derive(Serialize, ToSchema)]
pub struct DelibAction {
    pub id: String,
    pub topic_id: String,
    pub what: String,
    pub owner: String,
    pub due_on: String,
    /// `open`（落实中）| `done`（已完成）。
    pub state: String,
}

impl From<ActionView> for DelibAction {
    fn from(a: ActionView) -> Self {
        Self {
            state: a.state.as_str().into(),
            id: a.id,
            topic_id: a.topic_id,
            what: a.what,
            owner: a.owner,
            due_on: a.due_on,
        }
    }
}

/// 一项决定及其落实情况。
#[derive(Serialize, ToSchema)]
pub struct DelibDecision {
    pub topic: DelibTopic,
    /// `not_started`（待落实）| `in_progress`（落实中）| `overdue`（已逾期）| `done`（已落实）。
    pub progress: String,
    pub actions: Vec<DelibAction>,
    pub feedback_done: i64,
    pub feedback_partly: i64,
    pub feedback_not_done: i64,
}

impl From<DecisionView> for DelibDecision {
    fn from(d: DecisionView) -> Self {
        Self {
            progress: d.progress.as_str().into(),
            feedback_done: d.feedback.done,
            feedback_partly: d.feedback.partly,
            feedback_not_done: d.feedback.not_done,
            actions: d.actions.into_iter().map(Into::into).collect(),
            topic: d.topic.into(),
        }
    }
}

/// 各状态的议题数。
#[derive(Serialize, ToSchema)]
pub struct DelibStateCount {
    pub state: String,
    pub label: String,
    pub count: i64,
}

/// 一个社区的议事协商公开页。
#[derive(Serialize, ToSchema)]
pub struct DelibPublicPage {
    pub community: String,
    pub community_name: String,
    pub counts: Vec<DelibStateCount>,
    /// 本页议题（每页 20 个，最新在前）。
    pub topics: Vec<DelibTopic>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub meetings: Vec<DelibMeeting>,
    pub decisions: Vec<DelibDecision>,
    pub publicity_basis: String,
}

impl From<PublicPage> for DelibPublicPage {
    fn from(p: PublicPage) -> Self {
        Self {
            counts: p
                .counts
                .into_iter()
                .map(|(state, label, count)| DelibStateCount {
                    state,
                    label,
                    count,
                })
                .collect(),
            topics: p.topics.into_iter().map(Into::into).collect(),
            meetings: p.meetings.into_iter().map(Into::into).collect(),
            decisions: p.decisions.into_iter().map(Into::into).collect(),
            community: p.community,
            community_name: p.community_name,
            total: p.total,
            page: p.page,
            pages: p.pages,
            publicity_basis: p.publicity_basis,
        }
    }
}

/// 会议记录的一条发言。
#[derive(Serialize, ToSchema)]
pub struct DelibVoice {
    pub seq: i64,
    pub speaker: String,
    pub category: String,
    pub said: String,
}

/// 一次会议的公开内容：通知、材料、签署后的会议记录、决定及落实。
#[derive(Serialize, ToSchema)]
pub struct DelibPublicMeeting {
    pub community_name: String,
    pub meeting: DelibMeeting,
    /// 主持人签署后才公开。
    pub voices: Vec<DelibVoice>,
    pub decisions: Vec<DelibDecision>,
}

impl From<PublicMeeting> for DelibPublicMeeting {
    fn from(p: PublicMeeting) -> Self {
        Self {
            community_name: p.community_name,
            meeting: p.meeting.into(),
            voices: p
                .voices
                .into_iter()
                .map(|v| DelibVoice {
                    seq: v.seq,
                    speaker: v.speaker,
                    category: v.category,
                    said: v.said,
                })
                .collect(),
            decisions: p.decisions.into_iter().map(Into::into).collect(),
        }
    }
}

/// 请部门办理的一件事。
#[derive(Serialize, ToSchema)]
pub struct DelibRequest {
    pub community: String,
    pub id: String,
    pub topic_id: String,
    pub topic_title: String,
    pub department: String,
    pub asked: String,
    pub asked_on: String,
    /// `pending`（待部门答复）| `answered`（部门已答复）。
    pub state: String,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    /// 答复用了几个工作日（不含提出当天）。
    pub answer_days: Option<i64>,
}

impl From<RequestView> for DelibRequest {
    fn from(r: RequestView) -> Self {
        Self {
            state: r.state.as_str().into(),
            community: r.community,
            id: r.id,
            topic_id: r.topic_id,
            topic_title: r.topic_title,
            department: r.department,
            asked: r.asked,
            asked_on: r.asked_on,
            answer: r.answer,
            answered_on: r.answered_on,
            answer_days: r.answer_days,
        }
    }
}
