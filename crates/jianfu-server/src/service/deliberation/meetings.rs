//! Meetings: drafted with an agenda of accepted topics, noticed in advance with the material
//! (the notice period per kind, a special circumstance, the Party review of reserved matters),
//! opened, cancelled. The meeting in session (attendance, tallies, the close) is `in_session.rs`.

use super::{bad, new_id, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::deliberation::meeting::{self, MeetingKind, MeetingState, ParticipantCategory};
use jianfu_domain::deliberation::rules;
use jianfu_domain::deliberation::vote::{VoteMode, VoterBasis};
use jianfu_domain::permission::Permission;
use jianfu_store::{MeetingRow, MotionRow};
use serde::Serialize;

/// What the committee typed for a new meeting (all text, kept on a refusal).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingInput {
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub held_at: String,
    pub place: String,
    pub material: String,
    /// (category key, names) — e.g. ("property_company", "某物业公司").
    pub participants: Vec<(String, String)>,
    pub voter_basis: String,
    pub vote_mode: String,
    /// Those entitled to attend (应到).
    pub base: String,
    /// Accepted topics to decide.
    pub topics: Vec<String>,
    /// The special circumstance for a shorter notice (居民会议, 组织法第二十六条); empty if none.
    pub notice_reason: String,
    /// `YYYY-MM-DD`: when the community Party organisation discussed the reserved matters on the
    /// agenda (组织法第三十条第四款); empty when there are none.
    pub party_reviewed_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MotionView {
    pub topic_id: String,
    pub title: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    pub outcome: Option<String>,
}

impl MotionView {
    pub fn outcome_label(&self) -> &'static str {
        match self.outcome.as_deref() {
            Some("passed") => "通过",
            Some(_) => "未通过",
            None => "未表决",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub community: String,
    pub id: String,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: String,
    pub held_at: String,
    pub place: String,
    pub material: String,
    pub participants: Vec<(String, String)>,
    pub voter_basis: VoterBasis,
    pub vote_mode: VoteMode,
    pub base: i64,
    pub present: i64,
    pub ballots: i64,
    pub voices: i64,
    pub state: MeetingState,
    pub adjourned: bool,
    pub noticed_at: Option<String>,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    /// Bumped by every attendance and tally write (a close computed from an older reading
    /// writes nothing and counts again).
    pub revision: i64,
    pub motions: Vec<MotionView>,
    /// The special circumstance of a short notice (临时通知), shown with the notice; '' if none.
    pub notice_reason: String,
    /// When the community Party organisation discussed the reserved matters; '' if not stated.
    pub party_reviewed_on: String,
    /// The notice period with its basis, as shown on the notice.
    pub notice_rule: String,
    /// The quorum and majority rule with their basis, as shown on the notice.
    pub quorum_rule: String,
    pub majority_rule: String,
}

impl MeetingView {
    pub fn kind_label(&self) -> &'static str {
        self.kind.label_zh()
    }
    pub fn state_label(&self) -> &'static str {
        self.state.label_zh()
    }
    pub fn state_key(&self) -> &'static str {
        self.state.as_str()
    }
    pub fn mode_label(&self) -> &'static str {
        self.vote_mode.label_zh()
    }
    pub fn basis_label(&self) -> &'static str {
        self.voter_basis.label_zh()
    }
    pub fn online(&self) -> bool {
        self.vote_mode == VoteMode::Online
    }
    pub fn is_open(&self) -> bool {
        self.state == MeetingState::Open
    }
    pub fn is_draft(&self) -> bool {
        self.state == MeetingState::Draft
    }
    pub fn is_noticed(&self) -> bool {
        self.state == MeetingState::Noticed
    }
    pub fn is_closed(&self) -> bool {
        self.state == MeetingState::Closed
    }
    pub fn is_cancelled(&self) -> bool {
        self.state == MeetingState::Cancelled
    }
    /// The law lets this kind be noticed at short notice in a special circumstance.
    pub fn special_notice_allowed(&self) -> bool {
        rules().kind(self.kind).notice.special_circumstances
    }
    /// This kind decides reserved matters (and so may need the Party review date).
    pub fn decides_reserved_matters(&self) -> bool {
        rules()
            .reserved
            .iter()
            .any(|m| m.decided_by.iter().any(|k| k == self.kind.as_str()))
    }
    /// A draft or noticed meeting may be cancelled (`cancel_meeting`).
    pub fn may_cancel(&self) -> bool {
        meeting::transition(self.state, MeetingState::Cancelled).is_ok()
    }
    pub fn signed(&self) -> bool {
        self.signed_at.is_some()
    }
    /// Attendance that counts: the room's, or the online ballots.
    pub fn attendance(&self) -> i64 {
        if self.online() {
            self.ballots
        } else {
            self.present
        }
    }
    pub fn participant_labels(&self) -> Vec<String> {
        self.participants
            .iter()
            .map(|(k, names)| {
                let label = ParticipantCategory::parse(k)
                    .map(|c| c.label_zh())
                    .unwrap_or("其他");
                if names.is_empty() {
                    label.to_string()
                } else {
                    format!("{label}：{names}")
                }
            })
            .collect()
    }
    pub fn public_path(&self) -> String {
        format!(
            "/public/deliberation/{}/meetings/{}",
            self.community, self.id
        )
    }
    pub fn path(&self) -> String {
        format!("/deliberation/meetings/{}", self.id)
    }
}

pub(crate) fn meeting_view(r: MeetingRow, motions: Vec<MotionRow>) -> MeetingView {
    let kind = MeetingKind::parse(&r.kind).unwrap_or(MeetingKind::Deliberation);
    let k = rules().kind(kind);
    MeetingView {
        kind,
        notice_rule: format!(
            "提前 {} 天通知（{}{}）",
            k.notice.days, k.notice.basis.document, k.notice.basis.clause
        ),
        quorum_rule: format!(
            "应到人数的{}出席（{}{}）",
            k.quorum.describe(),
            k.quorum.basis.document,
            k.quorum.basis.clause
        ),
        majority_rule: format!(
            "出席人的{}同意为通过（{}{}）",
            k.majority.describe(),
            k.majority.basis.document,
            k.majority.basis.clause
        ),
        participants: serde_json::from_str(&r.participants).unwrap_or_default(),
        voter_basis: VoterBasis::parse(&r.voter_basis).unwrap_or(VoterBasis::Person),
        vote_mode: VoteMode::parse(&r.vote_mode).unwrap_or(VoteMode::InRoom),
        state: MeetingState::parse(&r.state).unwrap_or(MeetingState::Draft),
        noticed_at: r.noticed_at.map(format_beijing),
        signed_at: r.signed_at.map(format_beijing),
        motions: motions
            .into_iter()
            .map(|m| MotionView {
                topic_id: m.topic_id,
                title: m.title,
                votes_for: m.votes_for,
                votes_against: m.votes_against,
                votes_abstain: m.votes_abstain,
                outcome: m.outcome,
            })
            .collect(),
        community: r.community,
        id: r.id,
        title: r.title,
        held_on: r.held_on,
        held_at: r.held_at,
        place: r.place,
        material: r.material,
        base: r.base,
        present: r.present,
        ballots: r.ballots,
        voices: r.voices,
        adjourned: r.adjourned,
        signed_by: r.signed_by,
        revision: r.revision,
        notice_reason: r.notice_reason,
        party_reviewed_on: r.party_reviewed_on,
    }
}

/// What the committee may add when it publishes the notice (empty: as drafted).
#[derive(Debug, Clone, Default)]
pub struct NoticeExtras {
    pub notice_reason: String,
    pub party_reviewed_on: String,
}

/// The Party review date as typed (`YYYY-MM-DD`), or none.
fn parse_review_day(raw: &str) -> Result<Option<time::Date>, ServiceError> {
    match raw.trim() {
        "" => Ok(None),
        d => jianfu_domain::inventory::status::parse_day(d)
            .map(Some)
            .ok_or_else(|| {
                bad(
                    "bad_date",
                    "社区党组织研究讨论的日期请写成 2026-12-01 这样。",
                )
            }),
    }
}

pub(super) fn number(raw: &str, code: &'static str, what: &str) -> Result<i64, ServiceError> {
    jianfu_domain::text::half_width_text(raw)
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=1_000_000).contains(n))
        .ok_or_else(|| {
            bad(
                code,
                format!(
                    "{what}请填 0 到 1000000 之间的整数，现在是“{}”。",
                    raw.trim()
                ),
            )
        })
}

impl App {
    pub async fn delib_meeting(
        &self,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        let r = self
            .store
            .delib_meeting(community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该会议不存在".into()))?;
        let motions = self.store.motions(community, id).await?;
        Ok(meeting_view(r, motions))
    }

    /// The committee drafts a meeting; its agenda topics move to 已列入议程.
    pub async fn create_meeting(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        input: &MeetingInput,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let kind = MeetingKind::parse(&input.kind)
            .ok_or_else(|| bad("unknown_meeting_kind", "请选择会议类型。"))?;
        let title = line(&input.title, 60, "会议名称")?;
        if title.is_empty() {
            return Err(bad("title_missing", "请填写会议名称。"));
        }
        let held_on = jianfu_domain::inventory::status::parse_day(&input.held_on)
            .ok_or_else(|| bad("bad_date", "开会日期请写成 2026-12-10 这样。"))?;
        let held_at = line(&input.held_at, 20, "开会时间")?;
        let place = line(&input.place, 100, "地点")?;
        let material = paragraph(&input.material, 5000, "会议材料")?;
        let notice_reason = line(&input.notice_reason, 200, "特殊情况说明")?;
        // A date too soon could never be noticed, and its agenda topics would be locked in it:
        // the same check as the notice, now.
        meeting::check_notice(
            rules(),
            kind,
            self.today(),
            held_on,
            &material,
            &notice_reason,
        )
        .map_err(refused)?;
        let party_reviewed_on = parse_review_day(&input.party_reviewed_on)?;
        let voter_basis = VoterBasis::parse(&input.voter_basis)
            .ok_or_else(|| bad("unknown_voter_basis", "请选择每人一票或每户一票。"))?;
        let vote_mode = VoteMode::parse(&input.vote_mode)
            .ok_or_else(|| bad("unknown_vote_mode", "请选择现场表决或网上投票。"))?;
        let base = number(&input.base, "bad_number", "应到人数")?;
        if base == 0 {
            return Err(bad("bad_number", "应到人数不能为 0。"));
        }
        let mut participants = Vec::new();
        for (k, names) in &input.participants {
            if ParticipantCategory::parse(k).is_none() {
                return Err(bad(
                    "unknown_participant",
                    "参加方类别不对，请从列表中选择。",
                ));
            }
            participants.push((k.clone(), line(names, 200, "参加方")?));
        }
        if participants.is_empty() {
            return Err(bad(
                "participants_missing",
                "请至少选择一类参加方（居民、居民代表、物业、业委会、驻区单位、相关部门）。",
            ));
        }
        let mut motions = Vec::new();
        let mut matter_keys: Vec<Option<String>> = Vec::new();
        for (i, t) in input.topics.iter().enumerate() {
            let topic = match self.delib_topic(&community, t).await {
                Err(ServiceError::NotFound(_)) => {
                    return Err(bad(
                        "unknown_topic",
                        "所选议题不存在，请从已采纳的议题中选择。",
                    ));
                }
                other => other?,
            };
            meeting::check_reserved(rules(), kind, topic.matter.as_deref()).map_err(refused)?;
            matter_keys.push(topic.matter.clone());
            motions.push(MotionRow {
                community: community.clone(),
                meeting_id: String::new(),
                topic_id: topic.id,
                position: i as i64 + 1,
                title: topic.title,
                votes_for: 0,
                votes_against: 0,
                votes_abstain: 0,
                outcome: None,
            });
        }
        if motions.is_empty() {
            return Err(bad("agenda_empty", "请至少选一个已采纳的议题列入议程。"));
        }
        let matters: Vec<Option<&str>> = matter_keys.iter().map(|m| m.as_deref()).collect();
        meeting::check_party_review(rules(), kind, &matters, party_reviewed_on, self.today())
            .map_err(refused)?;
        // Kept only where they apply: a special circumstance where the law allows one (whether
        // it is needed is decided again when the notice goes out), a review date where the
        // agenda has a reserved matter.
        let notice_reason = if rules().kind(kind).notice.special_circumstances {
            notice_reason
        } else {
            String::new()
        };
        let party_reviewed_on = party_reviewed_on
            .filter(|_| !meeting::reserved_on_agenda(rules(), kind, &matters).is_empty());
        let id = new_id();
        for m in &mut motions {
            m.meeting_id = id.clone();
        }
        let row = MeetingRow {
            community: community.clone(),
            id: id.clone(),
            kind: kind.as_str().into(),
            title,
            held_on: held_on.to_string(),
            held_at,
            place,
            material,
            participants: serde_json::to_string(&participants).unwrap_or_else(|_| "[]".into()),
            voter_basis: voter_basis.as_str().into(),
            vote_mode: vote_mode.as_str().into(),
            base,
            present: 0,
            ballots: 0,
            voices: 0,
            state: MeetingState::Draft.as_str().into(),
            adjourned: false,
            noticed_at: None,
            opened_at: None,
            closed_at: None,
            signed_by: None,
            signed_at: None,
            created_by: actor.display_name.clone(),
            created_at: self.now_ms(),
            revision: 0,
            notice_reason,
            party_reviewed_on: party_reviewed_on.map(|d| d.to_string()).unwrap_or_default(),
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.meeting_create",
            format!("delib_meeting:{community}/{id}"),
        );
        if !self.store.insert_meeting(&row, &motions, audit).await? {
            return Err(bad(
                "topic_not_accepted",
                "所选议题中有的已不是“已采纳待上会”（可能已列入别的会议），请重新选择。",
            ));
        }
        self.delib_meeting(&community, &id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn move_meeting(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        to: MeetingState,
        action: &str,
        on_its_day: bool,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        meeting::transition(m.state, to).map_err(refused)?;
        let held_on = jianfu_domain::inventory::status::parse_day(&m.held_on)
            .ok_or_else(|| ServiceError::Internal(format!("meeting {id} held_on")))?;
        if to == MeetingState::Open && on_its_day {
            meeting::check_opening(rules(), m.kind, self.today(), held_on).map_err(refused)?;
        }
        let audit = self.audit(
            actor,
            meta,
            action,
            format!("delib_meeting:{community}/{id}"),
        );
        if !self
            .store
            .set_meeting_state(
                &community,
                id,
                m.state.as_str(),
                to.as_str(),
                self.now_ms(),
                audit,
            )
            .await?
        {
            return Err(bad("meeting_changed", "会议刚被别人处理过，请刷新后再看。"));
        }
        self.delib_meeting(&community, id).await
    }

    /// Publishes the notice with the material (at least the data file's days ahead).
    pub async fn publish_meeting_notice(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        self.publish_meeting_notice_with(actor, meta, community, id, &NoticeExtras::default())
            .await
    }

    /// Publishes the notice, with the special circumstance or the Party review date given now
    /// (empty: as drafted). Checked as at publication: the notice period from today (a shorter
    /// one only with a stated special circumstance, 组织法第二十六条) and the Party review of
    /// reserved matters (第三十条第四款, also for drafts made before that rule). A reason that
    /// shortens nothing and a review date with no reserved matter are not published.
    pub async fn publish_meeting_notice_with(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        extras: &NoticeExtras,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        meeting::transition(m.state, MeetingState::Noticed).map_err(refused)?;
        let held_on = jianfu_domain::inventory::status::parse_day(&m.held_on)
            .ok_or_else(|| ServiceError::Internal(format!("meeting {id} held_on")))?;
        let today = self.today();
        let typed_reason = line(&extras.notice_reason, 200, "特殊情况说明")?;
        let reason = if typed_reason.is_empty() {
            m.notice_reason.clone()
        } else {
            typed_reason
        };
        meeting::check_notice(rules(), m.kind, today, held_on, &m.material, &reason)
            .map_err(refused)?;
        let reason = if meeting::needs_special_circumstance(rules(), m.kind, today, held_on) {
            reason
        } else {
            String::new()
        };
        let reviewed = match extras.party_reviewed_on.trim() {
            "" => m.party_reviewed_on.clone(),
            d => d.to_string(),
        };
        let reviewed_on = parse_review_day(&reviewed)?;
        let matters = self.agenda_matters(&community, &m).await?;
        let matters: Vec<Option<&str>> = matters.iter().map(|x| x.as_deref()).collect();
        meeting::check_party_review(rules(), m.kind, &matters, reviewed_on, today)
            .map_err(refused)?;
        let reviewed = if meeting::reserved_on_agenda(rules(), m.kind, &matters).is_empty() {
            String::new()
        } else {
            reviewed_on.map(|d| d.to_string()).unwrap_or_default()
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.meeting_notice",
            format!("delib_meeting:{community}/{id}"),
        );
        if !self
            .store
            .notice_meeting(&community, id, self.now_ms(), &reason, &reviewed, audit)
            .await?
        {
            return Err(bad("meeting_changed", "会议刚被别人处理过，请刷新后再看。"));
        }
        self.delib_meeting(&community, id).await
    }

    /// The reserved-matter keys of a meeting's agenda topics.
    async fn agenda_matters(
        &self,
        community: &str,
        m: &MeetingView,
    ) -> Result<Vec<Option<String>>, ServiceError> {
        let mut matters = Vec::with_capacity(m.motions.len());
        for x in &m.motions {
            matters.push(
                self.store
                    .delib_topic(community, &x.topic_id)
                    .await?
                    .and_then(|t| t.matter),
            );
        }
        Ok(matters)
    }

    /// Opens a noticed meeting on the date in its notice or later (`meeting_not_yet` before).
    pub async fn open_meeting(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        self.move_meeting(
            actor,
            meta,
            community,
            id,
            MeetingState::Open,
            "deliberation.meeting_open",
            true,
        )
        .await
    }

    /// Only for the demo (`serve --demo`, loaded at once): opens a noticed meeting before its
    /// date, so the demo shows an open meeting. Never reachable from a page or the API.
    pub(crate) async fn open_meeting_for_demo(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        self.move_meeting(
            actor,
            meta,
            community,
            id,
            MeetingState::Open,
            "deliberation.meeting_open",
            false,
        )
        .await
    }

    /// Cancels a draft or noticed meeting (for instance one dated too soon, or called off); its
    /// agenda topics go back to 已采纳待上会. `Op::Check` checks and writes nothing.
    pub(crate) async fn cancel_meeting_op(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        meeting::transition(m.state, MeetingState::Cancelled).map_err(refused)?;
        let Op::Do(meta) = op else {
            return Ok(m);
        };
        let mut audit = self.audit(
            actor,
            meta,
            "deliberation.meeting_cancel",
            format!("delib_meeting:{community}/{id}"),
        );
        audit.detail = serde_json::json!({ "from": m.state.as_str() }).to_string();
        if !self
            .store
            .cancel_meeting(&community, id, m.state.as_str(), self.now_ms(), audit)
            .await?
        {
            return Err(bad("meeting_changed", "会议刚被别人处理过，请刷新后再看。"));
        }
        self.delib_meeting(&community, id).await
    }

    pub async fn check_cancel_meeting(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        self.cancel_meeting_op(actor, Op::Check, community, id)
            .await
    }

    pub async fn cancel_meeting(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<MeetingView, ServiceError> {
        self.cancel_meeting_op(actor, Op::Do(meta), community, id)
            .await
    }

    /// A community's meetings, newest first; drafts only for its committee.
    pub async fn delib_meetings(
        &self,
        community: &str,
        with_drafts: bool,
    ) -> Result<Vec<MeetingView>, ServiceError> {
        Ok(self
            .store
            .delib_meetings(community, 50)
            .await?
            .into_iter()
            // Public once its notice went out: a draft, or a draft cancelled before any notice, is not.
            .filter(|m| with_drafts || m.noticed_at.is_some())
            .map(|m| meeting_view(m, Vec::new()))
            .collect())
    }
}
