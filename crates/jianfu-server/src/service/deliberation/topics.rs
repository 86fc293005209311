//! Topics: proposed by a resident or the committee, supported by others, accepted or declined
//! with a reason the proposer sees (中办发〔2015〕41号 五(1)).

use super::{bad, new_id, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::deliberation::rules;
use jianfu_domain::deliberation::topic::{self, TopicAction, TopicState};
use jianfu_domain::permission::Permission;
use jianfu_store::TopicRow;
use serde::Serialize;

/// What a proposer typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TopicInput {
    pub title: String,
    pub body: String,
    /// A key of the data file's reserved matters, or empty.
    pub matter: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicView {
    pub community: String,
    pub id: String,
    pub title: String,
    pub body: String,
    pub matter: Option<String>,
    pub matter_name: Option<String>,
    pub proposer_name: String,
    pub by_committee: bool,
    pub state: TopicState,
    pub decline_reason: Option<String>,
    pub meeting_id: Option<String>,
    pub supports: i64,
    pub proposed_at: String,
}

/// Topics per page on the hub's lists of proposed and accepted topics.
pub const HUB_TOPICS_PER_PAGE: i64 = 20;

/// One page of topics in one state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TopicPage {
    pub topics: Vec<TopicView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

impl TopicPage {
    pub fn prev(&self) -> Option<i64> {
        (self.page > 1).then(|| self.page - 1)
    }
    pub fn next(&self) -> Option<i64> {
        (self.page < self.pages).then(|| self.page + 1)
    }
}

impl TopicView {
    pub fn state_label(&self) -> &'static str {
        self.state.label_zh()
    }
    pub fn state_key(&self) -> &'static str {
        self.state.as_str()
    }
    pub fn open_for_support(&self) -> bool {
        matches!(self.state, TopicState::Proposed | TopicState::Accepted)
    }
}

pub(crate) fn topic_view(r: TopicRow) -> TopicView {
    let matter_name = r
        .matter
        .as_deref()
        .and_then(|k| rules().reserved(k))
        .map(|m| m.name.clone());
    TopicView {
        state: TopicState::parse(&r.state).unwrap_or(TopicState::Proposed),
        proposed_at: format_beijing(r.created_at),
        community: r.community,
        id: r.id,
        title: r.title,
        body: r.body,
        matter: r.matter,
        matter_name,
        proposer_name: r.proposer_name,
        by_committee: r.by_committee,
        decline_reason: r.decline_reason,
        meeting_id: r.meeting_id,
        supports: r.supports,
    }
}

impl App {
    pub async fn delib_topic(&self, community: &str, id: &str) -> Result<TopicView, ServiceError> {
        self.store
            .delib_topic(community, id)
            .await?
            .map(topic_view)
            .ok_or_else(|| ServiceError::NotFound("该议题不存在".into()))
    }

    /// A resident of the community or its committee proposes a topic.
    pub async fn propose_topic(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        input: &TopicInput,
    ) -> Result<TopicView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::ProposeTopics, &community)?;
        let title = line(&input.title, 60, "议题")?;
        if title.is_empty() {
            return Err(bad("title_missing", "请写一句话说明要商量的事（议题）。"));
        }
        let body = paragraph(&input.body, 2000, "情况说明")?;
        let matter = match input.matter.trim() {
            "" => None,
            k if rules().reserved(k).is_some() => Some(k.to_string()),
            _ => return Err(bad("unknown_matter", "事项类别不对，请从列表中选择。")),
        };
        let now = self.now_ms();
        let id = new_id();
        let row = TopicRow {
            community: community.clone(),
            id: id.clone(),
            title,
            body,
            matter,
            proposer_id: actor.user_id.clone().unwrap_or_default(),
            proposer_name: actor.display_name.clone(),
            by_committee: actor.may(Permission::RunDeliberation),
            state: TopicState::Proposed.as_str().into(),
            decline_reason: None,
            meeting_id: None,
            supports: 0,
            created_at: now,
            updated_at: now,
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.topic_propose",
            format!("delib_topic:{community}/{id}"),
        );
        self.store.insert_topic(&row, audit).await?;
        Ok(topic_view(row))
    }

    /// Another resident (or a worker) supports a topic; once per person.
    pub async fn support_topic(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<TopicView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::ProposeTopics, &community)?;
        let row = self
            .store
            .delib_topic(&community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该议题不存在".into()))?;
        let user = actor.user_id.clone().unwrap_or_default();
        let state = TopicState::parse(&row.state).unwrap_or(TopicState::Proposed);
        topic::check_support(state, row.proposer_id == user).map_err(refused)?;
        let audit = self.audit(
            actor,
            meta,
            "deliberation.topic_support",
            format!("delib_topic:{community}/{id}"),
        );
        if !self
            .store
            .support_topic(&community, id, &user, self.now_ms(), audit)
            .await?
        {
            return Err(bad("already_supported", "您已经附议过这个议题了。"));
        }
        self.delib_topic(&community, id).await
    }

    /// The committee accepts a topic (it may then go on an agenda) or declines it with a reason.
    pub async fn decide_topic(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        accept: bool,
        reason: &str,
    ) -> Result<TopicView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let t = self.delib_topic(&community, id).await?;
        let reason = paragraph(reason, 500, "不采纳的理由")?;
        let action = if accept {
            TopicAction::Accept
        } else {
            TopicAction::Decline {
                reason: reason.clone(),
            }
        };
        let to = topic::transition(t.state, &action).map_err(refused)?;
        let (name, why) = if accept {
            ("deliberation.topic_accept", None)
        } else {
            ("deliberation.topic_decline", Some(reason.as_str()))
        };
        let audit = self.audit(actor, meta, name, format!("delib_topic:{community}/{id}"));
        if !self
            .store
            .set_topic_state(
                &community,
                id,
                t.state.as_str(),
                to.as_str(),
                why,
                self.now_ms(),
                audit,
            )
            .await?
        {
            return Err(bad("topic_changed", "该议题刚被别人处理过，请刷新后再看。"));
        }
        self.delib_topic(&community, id).await
    }

    /// The accepted topics, for a new meeting's agenda.
    pub async fn accepted_topics(&self, community: &str) -> Result<Vec<TopicView>, ServiceError> {
        let (rows, _) = self
            .store
            .delib_topics(community, Some(TopicState::Accepted.as_str()), 200, 0)
            .await?;
        Ok(rows.into_iter().map(topic_view).collect())
    }

    /// One page of a community's topics in `state` for the hub, newest first, with the total:
    /// the committee (the community's staff) sees proposers' names, residents see them masked as
    /// on the public page. `page` counts from 1.
    pub async fn hub_topics(
        &self,
        actor: &Actor,
        community: &str,
        state: TopicState,
        page: i64,
    ) -> Result<TopicPage, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::ProposeTopics, &community)
            .or_else(|_| self.own_community(actor, Permission::RunDeliberation, &community))?;
        let staff = self
            .own_community(actor, Permission::RunDeliberation, &community)
            .is_ok();
        let page = page.max(1);
        let (rows, total) = self
            .store
            .delib_topics(
                &community,
                Some(state.as_str()),
                HUB_TOPICS_PER_PAGE,
                (page - 1) * HUB_TOPICS_PER_PAGE,
            )
            .await?;
        Ok(TopicPage {
            topics: rows
                .into_iter()
                .map(topic_view)
                .map(|t| {
                    if staff {
                        t
                    } else {
                        super::public::public_topic(t)
                    }
                })
                .collect(),
            total,
            page,
            pages: ((total + HUB_TOPICS_PER_PAGE - 1) / HUB_TOPICS_PER_PAGE).max(1),
        })
    }

    /// Topics the person supported.
    pub async fn supported_topics(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<Vec<String>, ServiceError> {
        match &actor.user_id {
            Some(u) => Ok(self.store.supported(community, u).await?),
            None => Ok(Vec::new()),
        }
    }
}
