//! Carrying decisions out: actions with an owner and a due date, progress notes, and residents
//! saying whether it was done (中办发〔2015〕41号 五(4)).

use super::{bad, new_id, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::deliberation::TopicState;
use jianfu_domain::deliberation::carrying_out::{self, ActionState, Feedback};
use jianfu_domain::permission::Permission;
use jianfu_store::{ActionRow, ProgressRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub id: String,
    pub topic_id: String,
    pub what: String,
    pub owner: String,
    pub due_on: String,
    pub state: ActionState,
    pub done_at: Option<String>,
}

impl ActionView {
    pub fn state_label(&self) -> &'static str {
        self.state.label_zh()
    }
    pub fn is_open(&self) -> bool {
        self.state == ActionState::Open
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub action_id: String,
    pub note: String,
    pub done: bool,
    pub noted_by: String,
    pub noted_at: String,
}

pub(crate) fn action_view(a: ActionRow) -> ActionView {
    ActionView {
        state: ActionState::parse(&a.state).unwrap_or(ActionState::Open),
        done_at: a.done_at.map(format_beijing),
        id: a.id,
        topic_id: a.topic_id,
        what: a.what,
        owner: a.owner,
        due_on: a.due_on,
    }
}

pub(crate) fn note_view(n: ProgressRow) -> NoteView {
    NoteView {
        action_id: n.action_id,
        note: n.note,
        done: n.done,
        noted_by: n.noted_by,
        noted_at: format_beijing(n.noted_at),
    }
}

impl App {
    async fn decided_topic(
        &self,
        community: &str,
        topic_id: &str,
    ) -> Result<super::TopicView, ServiceError> {
        let t = self.delib_topic(community, topic_id).await?;
        if t.state != TopicState::Decided {
            return Err(bad(
                "not_decided",
                "只有会议表决通过的决定才能安排落实、征求反馈或转请部门办理。",
            ));
        }
        Ok(t)
    }

    /// The committee gives a decision an action: what, who, by when.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_decision_action(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        topic_id: &str,
        what: &str,
        owner: &str,
        due_on: &str,
    ) -> Result<ActionView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        self.decided_topic(&community, topic_id).await?;
        let what = line(what, 200, "落实事项")?;
        if what.is_empty() {
            return Err(bad("what_missing", "请写明要做的事。"));
        }
        let owner = line(owner, 60, "负责人")?;
        let due = jianfu_domain::inventory::status::parse_day(due_on)
            .ok_or_else(|| bad("bad_date", "完成时限请写成 2026-12-31 这样。"))?;
        carrying_out::check_action(&owner, due, self.today()).map_err(refused)?;
        let row = ActionRow {
            community: community.clone(),
            id: new_id(),
            topic_id: topic_id.to_string(),
            what,
            owner,
            due_on: due.to_string(),
            state: ActionState::Open.as_str().into(),
            notes: 0,
            created_by: actor.display_name.clone(),
            created_at: self.now_ms(),
            done_at: None,
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.action_add",
            format!("delib_action:{community}/{}", row.id),
        );
        self.store.insert_action(&row, audit).await?;
        Ok(action_view(row))
    }

    /// A progress note on an action; `done` marks it finished.
    pub async fn add_action_progress(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        action_id: &str,
        note: &str,
        done: bool,
    ) -> Result<(), ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let note = paragraph(note, 1000, "进展")?;
        if note.is_empty() {
            return Err(bad("note_missing", "请写明进展情况。"));
        }
        let audit = self.audit(
            actor,
            meta,
            "deliberation.progress",
            format!("delib_action:{community}/{action_id}"),
        );
        if !self
            .store
            .add_progress(
                &community,
                action_id,
                &note,
                done,
                &actor.display_name,
                self.now_ms(),
                audit,
            )
            .await?
        {
            return Err(bad(
                "action_done",
                "这项落实事项已经完成或不存在，不能再记进展。",
            ));
        }
        Ok(())
    }

    /// A resident of the community says whether a decision was carried out.
    pub async fn give_decision_feedback(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        topic_id: &str,
        verdict: &str,
    ) -> Result<(), ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::VoteOnline, &community)?;
        self.decided_topic(&community, topic_id).await?;
        let verdict = Feedback::parse(verdict)
            .ok_or_else(|| bad("bad_feedback", "请选择已办好、部分办好或没有办。"))?;
        let actions = self.store.actions(&community, Some(topic_id)).await?;
        carrying_out::check_feedback(actions.len()).map_err(refused)?;
        let audit = self.audit(
            actor,
            meta,
            "deliberation.feedback",
            format!("delib_topic:{community}/{topic_id}"),
        );
        let user = actor.user_id.clone().ok_or(ServiceError::Unauthenticated)?;
        self.store
            .give_feedback(
                &community,
                topic_id,
                &user,
                verdict.as_str(),
                self.now_ms(),
                audit,
            )
            .await?;
        Ok(())
    }
}
