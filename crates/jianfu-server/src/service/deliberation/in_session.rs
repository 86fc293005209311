//! The meeting in session: attendance in the room, in-room tallies, and the close — deciding
//! only with the quorum present, each motion by the majority of those present (data file, with
//! citations); online ballots are counted at the close.

use super::meetings::{MeetingView, number};
use super::{bad, refused};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::deliberation::meeting::{self, MeetingState};
use jianfu_domain::deliberation::vote::{self, Choice};
use jianfu_domain::deliberation::{Outcome, rules};
use jianfu_domain::permission::Permission;
use jianfu_store::MotionResult;

impl App {
    /// Attendance in the room (实到).
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        present: &str,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        let present = number(present, "bad_number", "实到人数")?;
        if m.state != MeetingState::Open {
            return Err(bad("meeting_not_open", "只有进行中的会议可以登记出席。"));
        }
        if present > m.base {
            return Err(bad(
                "attendance_exceeds_base",
                format!("实到 {present} 人超过了应到人数 {}。", m.base),
            ));
        }
        let audit = self.audit(
            actor,
            meta,
            "deliberation.attendance",
            format!("delib_meeting:{community}/{id}"),
        );
        if !self
            .store
            .set_attendance(&community, id, present, m.revision, audit)
            .await?
        {
            return Err(bad("meeting_changed", "会议刚被别人处理过，请刷新后再看。"));
        }
        self.delib_meeting(&community, id).await
    }

    /// The committee enters one motion's in-room tally (never for an online meeting).
    #[allow(clippy::too_many_arguments)]
    pub async fn enter_tally(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        topic_id: &str,
        tally: (&str, &str, &str),
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        vote::check_tally_entry(m.vote_mode, m.state).map_err(refused)?;
        if !m.motions.iter().any(|x| x.topic_id == topic_id) {
            // The meeting in the path exists; a topic not on its agenda is a refused input.
            return Err(bad(
                "unknown_motion",
                "本次会议没有这个议题，请从议程中选择。",
            ));
        }
        let f = number(tally.0, "bad_number", "同意票")?;
        let a = number(tally.1, "bad_number", "反对票")?;
        let s = number(tally.2, "bad_number", "弃权票")?;
        vote::check_tally(m.present as u64, f as u64, a as u64, s as u64).map_err(refused)?;
        let audit = self.audit(
            actor,
            meta,
            "deliberation.tally",
            format!("delib_meeting:{community}/{id}/{topic_id}"),
        );
        if !self
            .store
            .set_tally(&community, id, topic_id, (f, a, s), m.revision, audit)
            .await?
        {
            return Err(bad(
                "meeting_changed",
                "会议刚被别人处理过（出席人数、票数或状态变了），请刷新后再录入。",
            ));
        }
        self.delib_meeting(&community, id).await
    }

    /// Closes a meeting: with `adjourn` no decision is made (流会; topics go back to waiting);
    /// otherwise the quorum must be met and each motion is decided by the majority of those
    /// present. `Op::Check` runs every check and writes nothing (the confirm page).
    pub(crate) async fn close_meeting_op(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
        adjourn: bool,
    ) -> Result<MeetingView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        for _ in 0..5 {
            let m = self.delib_meeting(&community, id).await?;
            meeting::transition(m.state, MeetingState::Closed).map_err(refused)?;
            // Online, the attendance is the ballot rows actually counted (read after the
            // meeting), and the close writes only if the meeting still has exactly that many:
            // a ballot arriving meanwhile makes it count again, never a false refusal.
            let online = if m.online() && !adjourn {
                Some(self.count_ballots(&community, id).await?)
            } else {
                None
            };
            let ballots = match &online {
                Some((_, rows)) => *rows,
                None => m.ballots,
            };
            let present = if m.online() {
                ballots as u64
            } else {
                m.present as u64
            };
            let mut results = Vec::new();
            if !adjourn {
                meeting::check_quorum(rules(), m.kind, m.base as u64, present).map_err(refused)?;
                for x in &m.motions {
                    let (f, a, s) = match &online {
                        Some((c, _)) => c.get(&x.topic_id).copied().unwrap_or((0, 0, 0)),
                        None => (x.votes_for, x.votes_against, x.votes_abstain),
                    };
                    let o =
                        meeting::outcome(rules(), m.kind, present, f as u64, a as u64, s as u64)
                            .map_err(refused)?;
                    results.push(MotionResult {
                        topic_id: x.topic_id.clone(),
                        votes_for: f,
                        votes_against: a,
                        votes_abstain: s,
                        outcome: Some(o.as_str().into()),
                    });
                }
            } else {
                for x in &m.motions {
                    results.push(MotionResult {
                        topic_id: x.topic_id.clone(),
                        votes_for: 0,
                        votes_against: 0,
                        votes_abstain: 0,
                        outcome: None,
                    });
                }
            }
            let Op::Do(meta) = op else {
                return Ok(m);
            };
            let mut audit = self.audit(
                actor,
                meta,
                "deliberation.meeting_close",
                format!("delib_meeting:{community}/{id}"),
            );
            audit.detail = serde_json::json!({
                "adjourned": adjourn,
                "present": present,
                "passed": results.iter().filter(|r| r.outcome.as_deref() == Some(Outcome::Passed.as_str())).count(),
            })
            .to_string();
            if self
                .store
                .close_meeting(
                    &community,
                    id,
                    ballots,
                    m.revision,
                    adjourn,
                    &results,
                    self.now_ms(),
                    audit,
                )
                .await?
            {
                return self.delib_meeting(&community, id).await;
            }
            // A ballot, an attendance or a tally arrived between reading and closing: again.
        }
        Err(ServiceError::Unavailable(
            "投票仍在进行，请稍后再结束会议".into(),
        ))
    }

    pub async fn check_close_meeting(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        adjourn: bool,
    ) -> Result<MeetingView, ServiceError> {
        self.close_meeting_op(actor, Op::Check, community, id, adjourn)
            .await
    }

    pub async fn close_meeting(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        adjourn: bool,
    ) -> Result<MeetingView, ServiceError> {
        self.close_meeting_op(actor, Op::Do(meta), community, id, adjourn)
            .await
    }

    /// Online ballots counted per motion: topic → (for, against, abstain), and how many ballot
    /// rows were counted.
    pub(crate) async fn count_ballots(
        &self,
        community: &str,
        id: &str,
    ) -> Result<(std::collections::HashMap<String, (i64, i64, i64)>, i64), ServiceError> {
        let mut out = std::collections::HashMap::new();
        let rows = self.store.ballots(community, id).await?;
        let counted = rows.len() as i64;
        for b in rows {
            let choices: Vec<(String, String)> = serde_json::from_str(&b)
                .map_err(|e| ServiceError::Internal(format!("ballot: {e}")))?;
            for (t, c) in choices {
                let e: &mut (i64, i64, i64) = out.entry(t).or_default();
                match Choice::parse(&c) {
                    Some(Choice::For) => e.0 += 1,
                    Some(Choice::Against) => e.1 += 1,
                    Some(Choice::Abstain) => e.2 += 1,
                    None => {}
                }
            }
        }
        Ok((out, counted))
    }
}
