//! 志愿服务（议题 13 三(五)）：居民登记为志愿者（实名、同意，未成年人须监护人同意），社区确认；
//! 社区（或其指定的社会组织）发布活动，居民报名和取消（名额在 SQL 里原子地占，不会超员），
//! 组织者记录到场、服务时间和服务质量评价；志愿者看自己的记录，按需无偿出具志愿服务记录证明（PDF、核验码、
//! 用印登记），任何人凭编号和核验码公开核验。规则在 `jianfu_domain::volunteer`。
//!
//! 一个用例一个文件：`register`（登记、确认、名单）、`activities`（发布、列表、公开页）、
//! `signups`（报名、取消）、`hours`（到场、服务时间和服务质量评价）、`records`（本人记录）、`certificate`
//! （出具、PDF、核验）、`demo`（演示数据）。本文件放共用的视图和检查。

mod activities;
mod certificate;
mod demo;
mod hours;
mod records;
mod register;
mod signups;

pub use activities::{ActivityInput, ActivityPage, AttendeeView};
pub use certificate::{SELF_REQUESTED, VerifiedVolunteerCertificate, VolunteerCertificateView};
pub use hours::{HoursEntry, HoursRecorded};
pub use records::{MyVolunteering, RecordLine};
pub use register::{VolunteerInput, VolunteerView};

use super::{Actor, App, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::volunteer::VolunteerError;
use jianfu_domain::volunteer::activity::Phase;
use jianfu_domain::volunteer::hours::format_hours;
use jianfu_store::ActivityRow;
use serde::Serialize;
use std::collections::HashMap;

pub(crate) fn refused(e: VolunteerError) -> ServiceError {
    ServiceError::Rejected {
        code: e.code(),
        message: e.message(),
    }
}

pub(crate) fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

/// An activity as anyone may see it: no volunteer's name, no hours.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolActivity)]
pub struct ActivityView {
    pub community: String,
    pub community_name: String,
    pub id: String,
    pub title: String,
    pub place: String,
    /// 需要什么（技能、人数分工、自带物品等）。
    pub needs: String,
    /// 组织者：社区或社区指定的社会组织。
    pub organiser: String,
    /// 来源，例如 `deliberation:<决定 id>`（议事协商决定转为志愿服务活动）；直接发布的为空。
    pub source: String,
    /// 来源的文字：议事协商决定写议题名称；其他来源原样。
    pub source_label: String,
    /// 来源是议事协商决定时，公开的会议页。
    pub source_href: Option<String>,
    /// 开始、结束时间（毫秒时间戳）与北京时间文字。
    pub starts_at: i64,
    pub ends_at: i64,
    pub starts_text: String,
    pub ends_text: String,
    /// 活动时长（小时），即每人可记录服务时间的上限。
    pub length_hours: String,
    pub capacity: i64,
    pub taken: i64,
    pub places_left: i64,
    /// `open`（报名中）| `under_way`（进行中）| `ended`（已结束）| `cancelled`（已取消）。
    pub phase: String,
    pub phase_label: String,
}

impl ActivityView {
    pub fn path(&self) -> String {
        format!("/volunteers/activities/{}/{}", self.community, self.id)
    }
    pub fn is_open(&self) -> bool {
        self.phase == "open"
    }
}

/// The service-quality evaluation of one attendee (办法第十条：服务质量评价和评价日期), as the
/// volunteer and the organiser see it; nobody else does, and the record certificate does not
/// state it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = VolEvaluation)]
pub struct EvaluationView {
    /// 档次的键：`excellent` | `good` | `satisfactory` | `needs_improvement`（数据文件 `evaluation.levels`，本区设定）。
    pub level: String,
    /// 档次的文字，如“良好”。
    pub label: String,
    /// 评价说明，可为空。
    pub remark: String,
    /// 评价人（账号的显示名称）。
    pub evaluator: String,
    /// 评价日期（北京时间，`YYYY-MM-DD`）。
    pub date: String,
    /// 逾期评价：首次评价晚于记录期限（活动结束后的工作日数见数据文件 `record.deadline_working_days`，办法第十一条）。
    pub late: bool,
}

/// The evaluation columns of a sign-up, as stored.
pub(crate) struct StoredEvaluation<'a> {
    pub level: Option<&'a str>,
    pub remark: &'a str,
    pub by: Option<&'a str>,
    pub at: Option<i64>,
    pub late: bool,
}

/// How an activity names the deliberation decision it carries out.
pub const DELIBERATION_SOURCE: &str = "deliberation:";

/// "议事协商决定：<议题>" and the public page of the meeting that decided it.
fn decision_reading(community: &str, t: &jianfu_store::TopicRow) -> (String, Option<String>) {
    (
        format!("议事协商决定：{}", t.title),
        t.meeting_id
            .as_ref()
            .map(|m| format!("/public/deliberation/{community}/meetings/{m}")),
    )
}

pub(crate) fn phase_of(a: &ActivityRow, now: i64) -> Phase {
    Phase::of(a.starts_at, a.ends_at, a.cancelled, now)
}

pub(crate) fn short_time(ms: i64) -> String {
    jianfu_domain::clock::format_beijing(ms)
        .chars()
        .take(16)
        .collect()
}

impl App {
    pub(crate) async fn activity_view(
        &self,
        a: &ActivityRow,
    ) -> Result<ActivityView, ServiceError> {
        let tree = self.org_tree().await?;
        let phase = phase_of(a, self.now_ms());
        let (source_label, source_href) = self.source_of(a).await?;
        Ok(ActivityView {
            community: a.community_code.clone(),
            community_name: tree.name_or_code(&a.community_code),
            id: a.id.clone(),
            title: a.title.clone(),
            place: a.place.clone(),
            needs: a.needs.clone(),
            organiser: a.organiser.clone(),
            source: a.source.clone(),
            source_label,
            source_href,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            starts_text: short_time(a.starts_at),
            ends_text: short_time(a.ends_at),
            length_hours: format_hours((a.ends_at - a.starts_at) / 60_000),
            capacity: a.capacity,
            taken: a.taken,
            places_left: (a.capacity - a.taken).max(0),
            phase: phase.as_str().into(),
            phase_label: phase.label_zh().into(),
        })
    }

    /// How an activity's source reads: a deliberation decision by its topic's title, linked to
    /// the public meeting page where it was decided.
    async fn source_of(&self, a: &ActivityRow) -> Result<(String, Option<String>), ServiceError> {
        self.source_reading(&a.community_code, &a.source).await
    }

    /// A source as it reads in `community`: a deliberation topic by its title and meeting page.
    async fn source_reading(
        &self,
        community: &str,
        source: &str,
    ) -> Result<(String, Option<String>), ServiceError> {
        let Some(id) = source.strip_prefix(DELIBERATION_SOURCE) else {
            return Ok((source.to_string(), None));
        };
        Ok(match self.store.delib_topic(community, id).await? {
            Some(t) => decision_reading(community, &t),
            None => (source.to_string(), None),
        })
    }

    /// The decision a `deliberation:<id>` source names, as the new-activity form shows it
    /// instead of the raw key: only a topic of `community` that was decided (what
    /// `check_source` accepts); anything else stays an editable source.
    pub async fn decided_source(
        &self,
        community: &str,
        source: &str,
    ) -> Result<Option<(String, Option<String>)>, ServiceError> {
        let Some(id) = source.strip_prefix(DELIBERATION_SOURCE) else {
            return Ok(None);
        };
        Ok(self
            .store
            .delib_topic(community, id)
            .await?
            .filter(|t| t.state == "decided")
            .map(|t| decision_reading(community, &t)))
    }

    /// A source naming a deliberation decision must be one of this community's decided topics
    /// (三(五): a decision carried out through volunteer service).
    pub(crate) async fn check_source(
        &self,
        community: &str,
        source: &str,
    ) -> Result<(), ServiceError> {
        if !source.starts_with(DELIBERATION_SOURCE)
            || self.decided_source(community, source).await?.is_some()
        {
            return Ok(());
        }
        Err(rejected(
            "unknown_source",
            "来源写的议事协商决定在本社区不存在或还没有表决通过，请从会议页的“据此发布志愿活动”进入，或清空来源",
        ))
    }

    /// The actor's own community (residents and workers alike belong to one).
    pub(crate) async fn volunteer_community(&self, actor: &Actor) -> Result<String, ServiceError> {
        let code = actor.org.as_ref().ok_or(ServiceError::Forbidden)?;
        match self.org_tree().await?.get(code) {
            Some(o) if o.kind == OrgKind::Community => Ok(code.to_string()),
            _ => Err(rejected(
                "not_a_community",
                "志愿服务在社区开展：您的账号不属于某个社区",
            )),
        }
    }

    /// A worker of `community` who runs its volunteers, or NotFound/Forbidden.
    pub(crate) async fn require_organiser(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<(), ServiceError> {
        actor.require(jianfu_domain::permission::Permission::ManageVolunteers)?;
        if self.volunteer_community(actor).await? != community {
            return Err(ServiceError::Forbidden);
        }
        Ok(())
    }

    /// Whether the actor organises `community`'s volunteers (no error).
    pub(crate) async fn organises(&self, actor: &Actor, community: &str) -> bool {
        actor.may(jianfu_domain::permission::Permission::ManageVolunteers)
            && self
                .volunteer_community(actor)
                .await
                .is_ok_and(|c| c == community)
    }

    /// The evaluation as shown, naming the evaluator by their account's display name (looked up
    /// once per page in `names`, as the violations page names a reporter).
    pub(crate) async fn evaluation_view(
        &self,
        e: StoredEvaluation<'_>,
        names: &mut HashMap<String, String>,
    ) -> Result<Option<EvaluationView>, ServiceError> {
        let (Some(level), Some(at)) = (e.level, e.at) else {
            return Ok(None);
        };
        let by = e.by.unwrap_or_default();
        let evaluator = match names.get(by) {
            Some(n) => n.clone(),
            None => {
                let n = self
                    .store
                    .user_by_username(by)
                    .await?
                    .map(|u| u.display_name)
                    .unwrap_or_else(|| by.to_string());
                names.insert(by.to_string(), n.clone());
                n
            }
        };
        Ok(Some(EvaluationView {
            level: level.to_string(),
            label: jianfu_domain::volunteer::evaluation::level_label(level)
                .unwrap_or(level)
                .to_string(),
            remark: e.remark.to_string(),
            evaluator,
            date: jianfu_domain::clock::format_beijing(at)
                .chars()
                .take(10)
                .collect(),
            late: e.late,
        }))
    }

    pub(crate) async fn stored_activity(
        &self,
        community: &str,
        id: &str,
    ) -> Result<ActivityRow, ServiceError> {
        self.store
            .activity(community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("志愿服务活动".into()))
    }
}
