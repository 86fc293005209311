//! The public pages (居务公开; no account): a community's topics page by page with counts by
//! state, its meetings with their notices, its decisions and how far they are carried out; and
//! one meeting with its material, signed minutes, decisions and feedback. Counting and paging
//! are done in SQL (indexes on (community, state, created_at)), so 1,000 topics stay fast.

use super::decisions::{action_view, note_view};
use super::meetings::meeting_view;
use super::minutes::VoiceView;
use super::topics::topic_view;
use super::{ActionView, MeetingView, NoteView, TopicView};
use crate::service::{App, ServiceError};
use jianfu_domain::deliberation::carrying_out::{self, ActionState, FeedbackCounts, Progress};
use jianfu_domain::deliberation::{TopicState, rules};
use jianfu_domain::masking::mask_name_initial;
use serde::Serialize;
use std::collections::HashMap;

pub const TOPICS_PER_PAGE: i64 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub topic: TopicView,
    pub progress: Progress,
    pub actions: Vec<ActionView>,
    pub feedback: FeedbackCounts,
}

impl DecisionView {
    pub fn progress_label(&self) -> &'static str {
        self.progress.label_zh()
    }
    pub fn progress_key(&self) -> &'static str {
        self.progress.as_str()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicPage {
    pub community: String,
    pub community_name: String,
    /// (state key, label, count) in the order of the states.
    pub counts: Vec<(String, String, i64)>,
    pub state: Option<String>,
    pub topics: Vec<TopicView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub meetings: Vec<MeetingView>,
    pub decisions: Vec<DecisionView>,
    pub publicity_basis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicMeeting {
    pub community_name: String,
    pub meeting: MeetingView,
    /// Only once the chair signed the minutes.
    pub voices: Vec<VoiceView>,
    pub decisions: Vec<DecisionView>,
    pub notes: Vec<NoteView>,
}

fn feedback_of(rows: &[(String, String, i64)], topic: &str) -> FeedbackCounts {
    let mut f = FeedbackCounts::default();
    for (t, v, n) in rows {
        if t == topic {
            match v.as_str() {
                "done" => f.done += n,
                "partly" => f.partly += n,
                _ => f.not_done += n,
            }
        }
    }
    f
}

/// How a topic's proposer shows to the public (no login, or anyone who is not the community's
/// staff): "居委会" for the committee's; "居民" and the masked name (王**, `masking`) for a
/// resident's, never the full name (个人信息保护法 第五十一条, see `masking::MASKING_CITATION`).
pub fn public_proposer(by_committee: bool, name: &str) -> String {
    if by_committee {
        "居委会".into()
    } else {
        match mask_name_initial(name.trim()) {
            m if m.is_empty() => "居民".into(),
            m => format!("居民 {m}"),
        }
    }
}

/// A topic as the public sees it.
pub(crate) fn public_topic(mut t: TopicView) -> TopicView {
    t.proposer_name = public_proposer(t.by_committee, &t.proposer_name);
    t
}

impl App {
    /// The decisions of `topics` with their actions and feedback: two queries for the listed
    /// topics only, whatever the community's history.
    async fn decisions_of(
        &self,
        community: &str,
        topics: Vec<TopicView>,
    ) -> Result<Vec<DecisionView>, ServiceError> {
        let today = self.today();
        let ids: Vec<String> = topics.iter().map(|t| t.id.clone()).collect();
        let mut by_topic: HashMap<String, Vec<ActionView>> = HashMap::new();
        for a in self.store.actions_of_topics(community, &ids).await? {
            by_topic
                .entry(a.topic_id.clone())
                .or_default()
                .push(action_view(a));
        }
        let feedback = self
            .store
            .feedback_counts_of_topics(community, &ids)
            .await?;
        Ok(topics
            .into_iter()
            .map(|t| {
                let actions = by_topic.remove(&t.id).unwrap_or_default();
                let states: Vec<(ActionState, time::Date)> = actions
                    .iter()
                    .map(|a| {
                        (
                            a.state,
                            jianfu_domain::inventory::status::parse_day(&a.due_on).unwrap_or(today),
                        )
                    })
                    .collect();
                DecisionView {
                    progress: carrying_out::progress(&states, today),
                    feedback: feedback_of(&feedback, &t.id),
                    topic: public_topic(t),
                    actions,
                }
            })
            .collect())
    }

    /// A community's public deliberation page: `page` counts from 1.
    pub async fn public_deliberation(
        &self,
        community: &str,
        state: Option<&str>,
        page: i64,
    ) -> Result<PublicPage, ServiceError> {
        let (community, community_name) = self.delib_community(community).await?;
        let state = state.and_then(TopicState::parse);
        let counted = self.store.delib_topic_counts(&community).await?;
        let counts = TopicState::ALL
            .iter()
            .map(|s| {
                let n = counted
                    .iter()
                    .find(|(k, _)| k == s.as_str())
                    .map(|x| x.1)
                    .unwrap_or(0);
                (s.as_str().to_string(), s.label_zh().to_string(), n)
            })
            .collect();
        let page = page.max(1);
        let (rows, total) = self
            .store
            .delib_topics(
                &community,
                state.map(|s| s.as_str()),
                TOPICS_PER_PAGE,
                (page - 1) * TOPICS_PER_PAGE,
            )
            .await?;
        let (decided, _) = self
            .store
            .delib_topics(&community, Some(TopicState::Decided.as_str()), 20, 0)
            .await?;
        let decisions = self
            .decisions_of(&community, decided.into_iter().map(topic_view).collect())
            .await?;
        let meetings = self.delib_meetings(&community, false).await?;
        let p = &rules().publicity;
        Ok(PublicPage {
            counts,
            state: state.map(|s| s.as_str().to_string()),
            topics: rows
                .into_iter()
                .map(|r| public_topic(topic_view(r)))
                .collect(),
            total,
            page,
            pages: ((total + TOPICS_PER_PAGE - 1) / TOPICS_PER_PAGE).max(1),
            meetings,
            decisions,
            publicity_basis: format!("{}{}", p.document, p.clause),
            community,
            community_name,
        })
    }

    /// One meeting as the public sees it (drafts are not public).
    pub async fn public_meeting(
        &self,
        community: &str,
        id: &str,
    ) -> Result<PublicMeeting, ServiceError> {
        let (community, community_name) = self.delib_community(community).await?;
        let r = self
            .store
            .delib_meeting(&community, id)
            .await?
            .filter(|m| m.noticed_at.is_some())
            .ok_or_else(|| ServiceError::NotFound("该会议不存在".into()))?;
        let motions = self.store.motions(&community, id).await?;
        let meeting = meeting_view(r, motions);
        let voices = if meeting.signed() {
            self.public_voices(&community, id).await?
        } else {
            Vec::new()
        };
        let passed: Vec<String> = meeting
            .motions
            .iter()
            .filter(|m| m.outcome.as_deref() == Some("passed"))
            .map(|m| m.topic_id.clone())
            .collect();
        let mut decided = Vec::new();
        for t in &passed {
            if let Some(t) = self.store.delib_topic(&community, t).await? {
                decided.push(topic_view(t));
            }
        }
        let notes = self
            .store
            .progress_notes_of_topics(&community, &passed)
            .await?
            .into_iter()
            .map(note_view)
            .collect();
        let decisions = self.decisions_of(&community, decided).await?;
        Ok(PublicMeeting {
            community_name,
            meeting,
            voices,
            decisions,
            notes,
        })
    }
}
